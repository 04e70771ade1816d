#include "hkmc/lattice/Crystal.hpp"

#include <Eigen/LU>
#include <cmath>

#include "hkmc/common/Error.hpp"

namespace hkmc::lattice {

Crystal::Crystal(std::string prototype, const Eigen::Matrix3d& cell_rows_angstrom,
                 std::vector<BasisSite> basis)
    : m_prototype(std::move(prototype)), m_cell(cell_rows_angstrom), m_basis(std::move(basis)) {
  const double volume = m_cell.determinant();
  if (!(std::abs(volume) > 1e-9)) {
    throw InputError("crystal '" + m_prototype + "': lattice vectors are linearly dependent");
  }
  m_inverse_t = m_cell.transpose().inverse();
  for (auto& site : m_basis) {
    for (int d = 0; d < 3; ++d) {
      site.frac[d] -= std::floor(site.frac[d]);
      if (site.frac[d] > 1.0 - 1e-12) site.frac[d] = 0.0;
    }
  }
  for (int b = 0; b < static_cast<int>(m_basis.size()); ++b) {
    if (m_basis[b].role != SiteRole::kFixed) m_mobile.push_back(b);
  }
  if (m_mobile.empty()) {
    throw InputError("crystal '" + m_prototype + "' has no mobile sublattice");
  }
  // Two basis sites on one spot would make occupancy ambiguous.
  for (size_t i = 0; i < m_basis.size(); ++i) {
    for (size_t j = i + 1; j < m_basis.size(); ++j) {
      Eigen::Vector3d d = m_basis[i].frac - m_basis[j].frac;
      for (int k = 0; k < 3; ++k) d[k] -= std::round(d[k]);
      if (cartesian(d).norm() < 1e-3) {
        throw InputError("crystal '" + m_prototype + "': basis sites " + std::to_string(i) +
                         " and " + std::to_string(j) + " coincide");
      }
    }
  }
}

bool Crystal::has_role(SiteRole role) const {
  for (const auto& s : m_basis)
    if (s.role == role) return true;
  return false;
}

}  // namespace hkmc::lattice
