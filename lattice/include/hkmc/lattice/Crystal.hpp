#pragma once
// A crystal: lattice vectors plus a basis of sites, each on a named sublattice.
// Only mobile sites (halide lattice sites and interstitial sites) carry state;
// fixed sites (A, B, B') enter through path types.
#include <Eigen/Core>
#include <string>
#include <vector>

namespace hkmc::lattice {

enum class SiteRole {
  kFixed,         // immobile cation (A, B, B'): never occupied by a mobile species
  kLattice,       // regular mobile-species site; empty = vacancy
  kInterstitial,  // interstitial site; occupied = interstitial
};

struct BasisSite {
  std::string sublattice;  // e.g. "A", "B", "B'", "X", "i"
  Eigen::Vector3d frac;    // fractional coordinates in [0, 1)
  SiteRole role = SiteRole::kFixed;
};

class Crystal {
 public:
  Crystal(std::string prototype, const Eigen::Matrix3d& cell_rows_angstrom,
          std::vector<BasisSite> basis);

  const std::string& prototype() const { return m_prototype; }
  // Rows are the lattice vectors (Å).
  const Eigen::Matrix3d& cell() const { return m_cell; }
  const std::vector<BasisSite>& basis() const { return m_basis; }

  // Cartesian position (Å) of fractional coordinates (3-vector).
  Eigen::Vector3d cartesian(const Eigen::Vector3d& frac) const {
    return m_cell.transpose() * frac;
  }
  Eigen::Vector3d fractional(const Eigen::Vector3d& cart) const { return m_inverse_t * cart; }

  // Indices into basis() of the mobile sites (lattice and interstitial), in basis order.
  const std::vector<int>& mobile_basis() const { return m_mobile; }
  bool has_role(SiteRole role) const;

 private:
  std::string m_prototype;
  Eigen::Matrix3d m_cell;
  Eigen::Matrix3d m_inverse_t;  // (cell^T)^-1: Cartesian -> fractional
  std::vector<BasisSite> m_basis;
  std::vector<int> m_mobile;
};

}  // namespace hkmc::lattice
