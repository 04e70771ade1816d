#pragma once
// Built-in crystal prototypes. Lattice parameter `a` in Å.
//
// perovskite (Pm-3m, ABX3): B at (0,0,0), A at (1/2,1/2,1/2), X at (1/2,0,0),
//   (0,1/2,0), (0,0,1/2). Each X has 8 X neighbours at a/sqrt(2), one octahedron
//   edge each. Optional interstitial sites "i" at Wyckoff 3c, (0,1/2,1/2),
//   (1/2,0,1/2), (1/2,1/2,0): the centre of the square X4 window shared by two
//   A-site cages, the largest empty high-symmetry position. Real halide
//   interstitials relax into split (dumbbell) or bridging geometries around it;
//   the KMC needs only the site network, and an NEB relaxes the true geometry.
// double_perovskite (Fm-3m, A2BB'X6), conventional cubic cell of parameter a
//   (about twice the simple perovskite's): B at fcc positions, B' shifted by
//   (1/2,0,0), X at B +- (1/4,0,0) etc. (24 X), so every X sits between one B and
//   one B'. Interstitial sites at the 3c analogues (24 per cell).
// fcc: one mobile sublattice "X" on the conventional cubic cell (4 sites).
#include <string>
#include <vector>

#include "hkmc/lattice/Crystal.hpp"

namespace hkmc::lattice {

Crystal make_perovskite(double a_angstrom, bool with_interstitials);
Crystal make_double_perovskite(double a_angstrom, bool with_interstitials);
Crystal make_fcc(double a_angstrom);

// Every prototype name the input accepts, custom included.
const std::vector<std::string>& prototype_names();

}  // namespace hkmc::lattice
