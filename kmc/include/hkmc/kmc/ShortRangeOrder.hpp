#pragma once
// Warren–Cowley short-range order on the mobile lattice sites (Cowley, Phys.
// Rev. 77, 669 (1950)): for neighbour shell k and species i, j,
//   α_k(i, j) = 1 − P_k(j | i) / c_j,
// with P_k(j | i) the fraction of the shell-k neighbours of i ions that hold a
// j ion and c_j the fraction of j among all ions on those sites. α = 0 in a
// random alloy, < 0 for unlike-pair preference (ordering), > 0 for like-pair
// preference (segregation). Vacancies are not counted as a species.
#include <span>
#include <vector>

#include "hkmc/kmc/NeighbourShells.hpp"
#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::kmc {

class ShortRangeOrder {
 public:
  ShortRangeOrder(const lattice::Supercell& supercell, int shells);

  int shells() const { return m_shells.shells(); }
  double shell_distance_angstrom(int k) const { return m_shells.distance_angstrom(k); }
  // α[k][i][j] flattened as (k * codes + i) * codes + j; NaN where undefined.
  std::vector<double> alpha(std::span<const lattice::Occupant> occupancy, int codes) const;

 private:
  lattice::Supercell m_supercell;
  NeighbourShells m_shells;
};

}  // namespace hkmc::kmc
