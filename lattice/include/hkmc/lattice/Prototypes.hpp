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
//
// Split-pair interstitial sites (perovskite only; docs/lattice.md, "Split-pair
// interstitial sites"): sublattice "i" on Wyckoff 12h, X ± a/4·u for every X
// site and both cube axes u perpendicular to its Pb–X–Pb axis, 12 per cell.
// An occupied 12h site and its X site (the host, a/4 away) form one split pair.
#include <string>
#include <vector>

#include "hkmc/lattice/Crystal.hpp"

namespace hkmc::lattice {

enum class InterstitialSites { kNone, kWindow3c, kSplit12h };

Crystal make_perovskite(double a_angstrom, InterstitialSites sites);
inline Crystal make_perovskite(double a_angstrom, bool with_interstitials) {
  return make_perovskite(a_angstrom, with_interstitials ? InterstitialSites::kWindow3c : InterstitialSites::kNone);
}
Crystal make_double_perovskite(double a_angstrom, bool with_interstitials);
Crystal make_fcc(double a_angstrom);

// Every prototype name the input accepts, custom included.
const std::vector<std::string>& prototype_names();

}  // namespace hkmc::lattice
