#pragma once
// Small periodic cells of the cubic perovskite ABX3 for relaxations and NEB,
// independent of the lattice module: B at the origin of each unit cell, A at
// (½,½,½), X at (½,0,0), (0,½,0), (0,0,½) (fractions of the cubic constant a).
// Each X has 8 X neighbours at a/√2, the octahedron-edge hop partners.
#include <array>
#include <string>
#include <vector>

#include "hkmc/neb/Structure.hpp"

namespace hkmc::neb {

struct CubicPerovskiteSpec {
  double a = 6.2;                     // cubic lattice constant, Å
  std::array<int, 3> repeats{3, 3, 3};  // supercell n1 × n2 × n3
  std::string a_site = "Cs";
  std::string b_site = "Pb";
  // Halide of each X site in x_atom_index order (3·n1·n2·n3 entries), or one
  // entry for all X sites.
  std::vector<std::string> x_species{"I"};

  void validate() const;  // throws InputError naming the bad field
};

// Atoms in unit-cell order c = (i·n2 + j)·n3 + k, five per cell: A, B, X_x,
// X_y, X_z.
Structure build_cubic_perovskite(const CubicPerovskiteSpec& spec);

// Index of the X atom on axis (0 = x, 1 = y, 2 = z) of unit cell (i, j, k).
int x_atom_index(const CubicPerovskiteSpec& spec, int i, int j, int k, int axis);

struct HopEndpoints {
  Structure initial;      // vacancy at the target site, the mover at its start
  Structure final_state;  // the mover on the target site, vacancy at its start
  int moving_atom = -1;   // index of the moving atom in both endpoints
};

// Vacancy-mediated hop in `perfect`: atom `vacancy_atom` is removed, and atom
// `moving_atom` hops into its site (minimum image). Unrelaxed endpoints.
HopEndpoints make_vacancy_hop(const Structure& perfect, int vacancy_atom, int moving_atom);

}  // namespace hkmc::neb
