#include "hkmc/neb/Structure.hpp"

#include <Eigen/LU>
#include <cmath>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {

double Structure::volume() const { return cell.determinant(); }

void Structure::validate() const {
  if (static_cast<std::size_t>(positions.rows()) != symbols.size()) {
    throw InputError("structure: " + std::to_string(positions.rows()) + " positions but " +
                     std::to_string(symbols.size()) + " species symbols; they must agree");
  }
  if (!positions.allFinite()) throw InputError("structure: a position is NaN or infinite");
  if (periodic && !(std::abs(cell.determinant()) > 1e-9)) {
    throw InputError("structure: periodic cell is singular (volume " +
                     std::to_string(cell.determinant()) + " Å³); rows must be 3 lattice vectors");
  }
}

Eigen::Vector3d minimum_image(const Eigen::Vector3d& d, const Cell& cell) {
  // Row-vector convention: f = d · cell⁻¹.
  Eigen::RowVector3d f = d.transpose() * cell.inverse();
  for (int k = 0; k < 3; ++k) f(k) -= std::floor(f(k) + 0.5);
  return (f * cell).transpose();
}

Matrix3N unwrap_against(const Structure& a, const Structure& b) {
  Matrix3N out = b.positions;
  if (!b.periodic) return out;
  const Eigen::Matrix3d inv = b.cell.inverse();
  for (Eigen::Index i = 0; i < out.rows(); ++i) {
    Eigen::RowVector3d d = b.positions.row(i) - a.positions.row(i);
    Eigen::RowVector3d f = d * inv;
    for (int k = 0; k < 3; ++k) f(k) = std::floor(f(k) + 0.5);
    out.row(i) -= f * b.cell;
  }
  return out;
}

}  // namespace hkmc::neb
