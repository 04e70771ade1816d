#include "hkmc/lattice/Supercell.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <limits>
#include <stdexcept>

#include "hkmc/common/Error.hpp"

namespace hkmc::lattice {

Supercell::Supercell(Crystal crystal, CellIndex dims)
    : m_crystal(std::move(crystal)),
      m_dims(dims),
      m_mobile_count(static_cast<int>(m_crystal.mobile_basis().size())) {
  std::int64_t sites = m_mobile_count;
  for (int d = 0; d < 3; ++d) {
    if (dims[d] < 1) throw InputError("supercell dimensions must be >= 1");
    sites *= dims[d];
  }
  // Site indices are 32-bit.
  if (sites > std::numeric_limits<int>::max() / 2) {
    throw InputError("supercell has " + std::to_string(sites) +
                     " mobile sites; at most " +
                     std::to_string(std::numeric_limits<int>::max() / 2) + " are supported");
  }
  // After the size check: the strides fit an int.
  const int stride[3] = {dims[1] * dims[2] * m_mobile_count, dims[2] * m_mobile_count, m_mobile_count};
  for (int d = 0; d < 3; ++d) {
    for (int v = -kWrapReach; v < dims[d] + kWrapReach; ++v) {
      m_wrap[d].push_back(((v % dims[d]) + dims[d]) % dims[d]);
      m_wrapped_part[d].push_back(m_wrap[d].back() * stride[d]);
    }
  }
}

Eigen::Vector3d Supercell::cell_frac(int site) const {
  const CellIndex c = cell_of(site);
  return Eigen::Vector3d(c[0], c[1], c[2]) + basis_site(site).frac;
}

Eigen::Vector3d Supercell::position(int site) const {
  return m_crystal.cartesian(cell_frac(site));
}

Eigen::Matrix3d Supercell::box() const {
  Eigen::Matrix3d b = m_crystal.cell();
  for (int d = 0; d < 3; ++d) b.row(d) *= m_dims[d];
  return b;
}

double Supercell::min_width() const {
  const Eigen::Matrix3d b = box();
  const double volume = std::abs(b.determinant());
  double w = std::numeric_limits<double>::max();
  for (int d = 0; d < 3; ++d) {
    const Eigen::Vector3d u = b.row((d + 1) % 3), v = b.row((d + 2) % 3);
    w = std::min(w, volume / u.cross(v).norm());
  }
  return w;
}

}  // namespace hkmc::lattice
