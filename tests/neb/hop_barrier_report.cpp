// Measurements quoted in docs/neb.md, "NEB cells for environment keys" (not a test):
//   build-hop/tests/hop_barrier_report [timing|convergence|all|ladder]
// timing:      one compute_hop_barrier, 3x3x3 CsPbBr3 V_Br edge hop, empty
//              environment, C++ reference and the shipped demo NN (one thread).
// convergence: five mixed environments (x_Br = 0.5, site species hashed from
//              the position, so a site keeps its species when r_env grows):
//              E_KRA with r_env = a and 3x3x3 cells, then r_env = 1.25 a
//              (more keyed sites, 3x3x3) and r_env = a in a 4x4x4 cell.
// ladder:      (not in "all") E_KRA for r_env/a = 1 .. 2 and cells 3^3 .. 5^3,
//              five mixed environments, for choosing converged defaults.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "HopRequestSupport.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/PotentialRegistry.hpp"

using namespace hkmc::neb;

namespace {

void timing() {
  const BuckinghamCoulomb ref(BuckinghamCoulombParameters::cspbx3_flama_initial());
  PotentialSpec spec;
  spec.kind = "torchscript";
  spec.path = std::string(HKMC_SOURCE_DIR) + "/inputs/potentials/cspbx3_nn_demo.pt";
  spec.torch.intra_op_threads = 1;
  const auto nn = make_potential(spec);
  const HopRequest req = testing::vacancy_edge_request(1.0, 1.0, 1);  // all-Br environment within a
  HopBarrierSettings settings;
  fmt::print("timing: 3x3x3 CsPbBr3 V_Br edge hop, {} keyed sites, default settings\n",
             req.environment.size());
  for (const auto& [name, pot] : {std::pair{"C++ reference", static_cast<const Potential*>(&ref)},
                                  std::pair{"demo NN", static_cast<const Potential*>(nn.get())}}) {
    for (int repeat = 0; repeat < 2; ++repeat) {
      const HopBarrierRecord r = compute_hop_barrier(*pot, req, settings);
      fmt::print("  {:14s} status {:13s} E_KRA {:.4f} eV  fwd {:.4f} bwd {:.4f}  {} force calls, "
                 "{} attempt(s), {:.2f} s\n",
                 name, to_string(r.status), r.e_kra, r.e_forward, r.e_backward, r.force_calls,
                 r.attempts, r.wall_seconds);
    }
  }
}

void convergence() {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings s3, s4;
  s4.cell.repeats = 4;
  fmt::print("convergence: vacancy edge hop, x_Br = 0.5, moving Br, C++ reference\n");
  fmt::print("| seed | a (A) | E_KRA r_env=a, 3x3x3 | r_env=1.25a, 3x3x3 | change | r_env=a, 4x4x4 | change |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  double max_env = 0, max_cell = 0;
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const HopRequest r1 = testing::vacancy_edge_request(1.0, 0.5, seed);
    const HopRequest r125 = testing::vacancy_edge_request(1.25, 0.5, seed);
    const HopBarrierRecord a = compute_hop_barrier(pot, r1, s3);
    const HopBarrierRecord b = compute_hop_barrier(pot, r125, s3);
    const HopBarrierRecord c = compute_hop_barrier(pot, r1, s4);
    auto show = [](const HopBarrierRecord& r) {
      return r.usable() ? fmt::format("{:.4f}", r.e_kra) : fmt::format("{} ({})", to_string(r.status), r.message);
    };
    fmt::print("| {} | {:.4f} | {} | {} | {:+.4f} | {} | {:+.4f} |\n", seed, a.lattice_constant, show(a),
               show(b), b.e_kra - a.e_kra, show(c), c.e_kra - a.e_kra);
    max_env = std::max(max_env, std::abs(b.e_kra - a.e_kra));
    max_cell = std::max(max_cell, std::abs(c.e_kra - a.e_kra));
  }
  fmt::print("max |change|: r_env a -> 1.25 a: {:.4f} eV; cell 3 -> 4: {:.4f} eV\n", max_env, max_cell);
}

// E_KRA over a ladder of environment radii and cell sizes, to choose
// defaults that converge: r_env/a in {1, 1.25, 1.5, 1.75, 2} and n x n x n
// cells with r_env < n/2 (sites within r_env must stay distinct in the cell).
void ladder() {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const std::vector<std::pair<double, int>> steps{{1.0, 3}, {1.25, 3}, {1.0, 4}, {1.25, 4}, {1.5, 4},
                                                  {1.75, 4}, {1.25, 5}, {1.5, 5}, {1.75, 5}, {2.0, 5}};
  fmt::print("ladder: vacancy edge hop, x_Br = 0.5, C++ reference; E_KRA (eV) by (r_env/a, cell)\n| seed | moving |");
  for (const auto& [r, n] : steps) fmt::print(" {}a,{}^3 |", r, n);
  fmt::print("\n|---|---|{}\n", [&] {
    std::string d;
    for (std::size_t k = 0; k < steps.size(); ++k) d += "---|";
    return d;
  }());
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const std::string moving = seed % 2 ? "Br" : "I";
    fmt::print("| {} | {} |", seed, moving);
    for (const auto& [r, n] : steps) {
      HopBarrierSettings s;
      s.cell.repeats = n;
      const HopBarrierRecord rec = compute_hop_barrier(pot, testing::vacancy_edge_request(r, 0.5, seed, moving), s);
      const std::string cell = rec.usable() ? fmt::format("{:.4f}", rec.e_kra) : to_string(rec.status);
      fmt::print(" {} |", cell);
      std::fflush(stdout);
    }
    fmt::print("\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "all";
  if (what == "timing" || what == "all") timing();
  if (what == "convergence" || what == "all") convergence();
  if (what == "ladder") ladder();
  return 0;
}
