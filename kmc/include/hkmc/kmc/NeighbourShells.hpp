#pragma once
// Neighbour shells among the mobile lattice sites (role kLattice; interstitial
// sites are left out): shell k holds the sites at the k-th smallest distance
// (10⁻³ Å tolerance) from a site, for every lattice basis site. Used by the
// Warren–Cowley short-range order (all requested shells) and the domain count
// (shell 1: the X–X octahedron edges of the perovskite, a/√2, 8 neighbours).
#include <vector>

#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::kmc {

class NeighbourShells {
 public:
  // Throws InputError when the supercell is so small that a shell meets its
  // own periodic image (a neighbour would be counted twice).
  NeighbourShells(const lattice::Supercell& supercell, int shells);

  int shells() const { return static_cast<int>(m_distance.size()); }
  double distance_angstrom(int k) const { return m_distance[k]; }
  // Offsets of the shell-k neighbours of a site of mobile basis index `mobile`
  // (empty for interstitial basis sites).
  const std::vector<lattice::SiteOffset>& neighbours(int mobile, int k) const { return m_neighbours[mobile][k]; }

 private:
  std::vector<double> m_distance;                                           // Å
  std::vector<std::vector<std::vector<lattice::SiteOffset>>> m_neighbours;  // [mobile][shell]
};

}  // namespace hkmc::kmc
