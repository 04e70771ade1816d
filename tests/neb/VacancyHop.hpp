#pragma once
// Shared by the NEB tests: relax the endpoints of a vacancy edge hop in an
// n×n×n cubic CsPbX3 cell and run CI-NEB on it.
#include <chrono>
#include <string>

#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Neb.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"

namespace hkmc::neb::testing {


struct HopRun {
  RelaxResult initial, final_state;
  NebResult neb;
  int mover = -1;
  double seconds = 0.0;
};

inline HopRun vacancy_hop(const Potential& pot, const std::string& x, double a, int n,
                          int n_images = 5) {
  const auto t0 = std::chrono::steady_clock::now();
  CubicPerovskiteSpec spec;
  spec.a = a;
  spec.repeats = {n, n, n};
  spec.x_species = {x};
  const Structure perfect = build_cubic_perovskite(spec);
  // Vacancy on the x-axis X of cell (0,0,0); the y-axis X of the same cell hops
  // into it along an edge of the PbX6 octahedron at the origin (a/√2).
  const HopEndpoints ends = make_vacancy_hop(perfect, x_atom_index(spec, 0, 0, 0, 0),
                                             x_atom_index(spec, 0, 0, 0, 1));
  HopRun run;
  run.mover = ends.moving_atom;
  FireOptions fire;
  fire.fmax = 0.01;
  run.initial = relax(pot, ends.initial, fire);
  run.final_state = relax(pot, ends.final_state, fire);
  NebOptions opt;
  opt.n_images = n_images;
  opt.fmax = 0.05;
  run.neb = run_neb(pot, run.initial.structure, run.final_state.structure, opt);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return run;
}


}  // namespace hkmc::neb::testing
