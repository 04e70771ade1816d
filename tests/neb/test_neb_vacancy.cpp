// CI-NEB of a halide-vacancy edge hop in cubic CsPbX3 with the C++ reference
// potential. The hop is symmetric (a mirror plane maps initial onto final), so
// forward and backward barriers must agree and the saddle must lie on the
// mirror plane; these checks do not depend on the barrier's value, which is
// reported (docs/neb.md), not tuned.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>

#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Neb.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"
#include "VacancyHop.hpp"

using namespace hkmc::neb;
using hkmc::neb::testing::HopRun;
using hkmc::neb::testing::vacancy_hop;


TEST_CASE("V_I edge hop in 2x2x2 CsPbI3: symmetric CI-NEB with the reference potential") {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const HopRun run = vacancy_hop(pot, "I", 6.20, 2);
  REQUIRE(run.initial.converged);
  REQUIRE(run.final_state.converged);
  const NebResult& r = run.neb;
  CHECK(r.converged);
  CHECK(r.max_force < 0.05);
  // Symmetric hop: endpoints are mirror images.
  CHECK(std::abs(run.initial.energy - run.final_state.energy) < 2e-3);
  CHECK(std::abs(r.barrier_forward - r.barrier_backward) < 2e-3);
  CHECK(r.barrier_forward > 0.02);  // a real barrier, not a flat path
  // The climbing image's mover is equidistant from the two sites.
  const auto& ini = run.initial.structure.positions;
  const auto& fin = run.final_state.structure.positions;
  const auto& top = r.images[r.climbing_image].positions;
  const double d0 = (top.row(run.mover) - ini.row(run.mover)).norm();
  const double d1 = (top.row(run.mover) - fin.row(run.mover)).norm();
  CHECK(std::abs(d0 - d1) < 0.05);
  CHECK(r.climbing_image == 3);
  MESSAGE("2x2x2 CsPbI3 V_I: E_fwd = ", r.barrier_forward, " eV, E_bwd = ", r.barrier_backward,
          " eV, ", r.force_calls, " NEB force calls, ", r.steps, " steps, ", run.seconds, " s");
}
