// Measurements quoted in docs/potentials.md and docs/neb.md (not a test):
//   build-neb/tests/neb_report [threads]
// Ewald truncation error, C++ vs TorchScript agreement, time per force call
// versus atom count, and NEB wall time for a 3x3x3 CsPbBr3 vacancy hop.
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <random>
#include <string>

#include "VacancyHop.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/TorchPotential.hpp"

using namespace hkmc::neb;

namespace {

Structure vacancy_cell(int n, const std::string& x, double a, unsigned seed) {
  CubicPerovskiteSpec spec;
  spec.a = a;
  spec.repeats = {n, n, n};
  spec.x_species = {x};
  Structure s = make_vacancy_hop(build_cubic_perovskite(spec), x_atom_index(spec, 0, 0, 0, 0),
                                 x_atom_index(spec, 0, 0, 0, 1))
                    .initial;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-0.1, 0.1);
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    s.positions.row(i) += Eigen::RowVector3d(u(rng), u(rng), u(rng));
  }
  return s;
}

double seconds_per_call(const Potential& p, const Structure& s) {
  p.compute(s);  // warm-up
  int calls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double t = 0.0;
  while (t < 1.0 || calls < 3) {
    p.compute(s);
    ++calls;
    t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return t / calls;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::stoi(argv[1]) : 1;
  set_torch_threads(threads);
  const std::string dir = std::string(HKMC_SOURCE_DIR) + "/inputs/potentials/";
  const BuckinghamCoulomb cpp(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const auto ts = TorchPotential::load(dir + "cspbx3_buckingham_coulomb.pt");
  const auto nn = TorchPotential::load(dir + "cspbx3_nn_demo.pt");

  fmt::print("Ewald parameters: {}\n", cpp.description());
  for (int n : {2, 3, 4}) {
    const Structure s = vacancy_cell(n, "I", 6.2, 5);
    auto p = BuckinghamCoulombParameters::cspbx3_flama_initial();
    p.ewald_accuracy = 1e-13;
    const auto tight = BuckinghamCoulomb(p).compute(s);
    const auto def = cpp.compute(s);
    const auto t = ts->compute(s);
    fmt::print("{}x{}x{} CsPbI3 + V_I ({} atoms): |E(1e-8) - E(1e-13)| = {:.2e} eV, max |dF| = "
               "{:.2e} eV/A; TorchScript vs C++: rel dE = {:.2e}, max |dF|/max|F| = {:.2e}\n",
               n, n, n, s.size(), std::abs(def.energy - tight.energy),
               max_abs(def.forces - tight.forces), std::abs(t.energy - def.energy) / std::abs(def.energy),
               max_abs(t.forces - def.forces) / max_abs(def.forces));
  }
  fmt::print("\ntime per force call ({} torch thread(s); C++ reference is single-threaded)\n", threads);
  fmt::print("{:>6} {:>14} {:>16} {:>14}\n", "atoms", "C++ ref (ms)", "TorchScript (ms)", "NN (ms)");
  for (int n : {2, 3, 4, 5}) {
    const Structure s = vacancy_cell(n, "Br", 5.76, 7);
    fmt::print("{:>6} {:>14.2f} {:>16.2f} {:>14.2f}\n", s.size(), 1e3 * seconds_per_call(cpp, s),
               1e3 * seconds_per_call(*ts, s), 1e3 * seconds_per_call(*nn, s));
  }
  fmt::print("\n3x3x3 CsPbBr3 V_Br hop, 5 images, endpoints relaxed to 0.01, CI-NEB to 0.05 eV/A\n");
  for (const Potential* p : {static_cast<const Potential*>(&cpp),
                             static_cast<const Potential*>(ts.get()),
                             static_cast<const Potential*>(nn.get())}) {
    const auto run = testing::vacancy_hop(*p, "Br", 5.76, 3);
    fmt::print("  {:<40.40}: E_fwd {:.4f} eV, {} NEB force calls + {} endpoint, {:.2f} s total{}\n",
               p->description(), run.neb.barrier_forward, run.neb.force_calls,
               run.initial.force_calls + run.final_state.force_calls, run.seconds,
               run.neb.converged ? "" : " NOT CONVERGED");
  }
  return 0;
}
