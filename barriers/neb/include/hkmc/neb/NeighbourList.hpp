#pragma once
// Periodic neighbour lists by cell (bin) lists.
//
// An edge (i, j, S) means atom j displaced by the integer lattice shift S is
// within the cutoff of atom i:  r_ij = x_j − x_i + S · cell  (S a row vector,
// cell rows = lattice vectors), |r_ij| < cutoff. This is the NequIP
// (`edge_cell_shift`) and MACE (`unit_shifts`) convention, with x the
// positions as given (not wrapped). Cells narrower than 2·cutoff, or even
// narrower than the cutoff, are handled: atoms then meet several images of
// each other (and of themselves), each image a separate edge.
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "hkmc/neb/Structure.hpp"

namespace hkmc::neb {

struct NeighbourList {
  double cutoff = 0.0;                // Å
  std::vector<std::int64_t> first;    // i of each edge
  std::vector<std::int64_t> second;   // j of each edge
  std::vector<Eigen::Vector3i> shifts;  // S of each edge (integer lattice shifts)

  std::size_t size() const { return first.size(); }
};

enum class NeighbourListKind {
  Full,  // both (i, j, S) and (j, i, −S): what message-passing models need
  Half   // each pair once: what pair potentials need
};

// Throws InputError for a non-positive cutoff or an invalid structure.
NeighbourList build_neighbour_list(const Structure& structure, double cutoff,
                                   NeighbourListKind kind);

}  // namespace hkmc::neb
