#pragma once
// Domains of like occupants on the mobile lattice sites (the X sublattice):
// the connected clusters of sites holding the same occupant code, two sites
// being connected when they are nearest neighbours among the lattice sites
// (the octahedron-edge X–X bonds of the perovskite, a/√2, 8 per site), with
// periodic boundaries. Union–find with path halving and union by size.
// Clusters smaller than `min_sites` are not counted: below Tc an ordered
// phase holds isolated solute atoms in equilibrium, each its own "cluster",
// and their number grows as the matrix around them purifies; a threshold of a
// few tens of sites counts only the domains that coarsen.
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::kmc {

class DomainCounter {
 public:
  // Throws InputError when the supercell is too small for the first shell.
  explicit DomainCounter(const lattice::Supercell& supercell);

  // Number of clusters of at least `min_sites` sites of each occupant code
  // (code 0: clusters of vacancies).
  std::vector<std::int32_t> count(std::span<const lattice::Occupant> occupancy, int codes, int min_sites = 1) const;

 private:
  std::vector<int> m_sites;                   // lattice sites
  std::vector<std::pair<int, int>> m_bonds;   // nearest-neighbour pairs, each once
  int m_num_sites = 0;
};

}  // namespace hkmc::kmc
