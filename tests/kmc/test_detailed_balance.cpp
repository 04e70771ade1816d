// Detailed balance of the KMC against the lattice Hamiltonian: in a system
// small enough to enumerate (one vacancy and one Br among the 81 X sites of a
// 3x3x3 perovskite cell), the time-weighted occupation of the energy levels
// equals the Boltzmann distribution over all 6480 states. Errors from 8
// independent replicas; chi-square over the levels. Run once with a barrier
// large enough that no hop is clamped, once so small that many are, and once
// with every environment's barrier offset at random (PerturbedProvider: a hop
// and its reverse share the offset, so equilibrium must not move).
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

namespace {

double level_key(double e) { return std::round(e * 1e8) / 1e8; }

enum class Clamps { kNone, kMany, kAny };

void check_boltzmann(double e_kra, Clamps expect_clamps, std::uint64_t seed, double perturbation_sigma = 0.0) {
  const int n = 81;
  auto s = test::perovskite_spec(6.0, 3, {{"I", 79.0 / 80}, {"Br", 1.0 / 80}}, 1, 0);
  s.energy.hamiltonian_file = test::small_system_hamiltonian(true);
  s.barriers.e_kra_ev = e_kra;
  s.kmc.temperature_k = 600.0;
  s.barriers.perturbation_sigma_ev = perturbation_sigma;
  s.barriers.perturbation_seed = seed;
  kmc::Simulation sim(s);
  const auto& model = sim.model();
  const auto* h = model.hamiltonian();
  REQUIRE(h != nullptr);
  const auto& sc = model.supercell();
  REQUIRE(sc.num_sites() == n);
  const double kt = units::kBoltzmann_eV_per_K * s.kmc.temperature_k;
  const auto br = model.species().code("Br"), iodide = model.species().code("I");

  // Exact: enumerate every (vacancy, Br) placement.
  std::map<double, double> exact;  // level -> probability
  std::vector<double> level_of(n * n, 0.0);  // [vacancy site * n + Br site]
  double z = 0;
  for (int v = 0; v < n; ++v)
    for (int b = 0; b < n; ++b) {
      if (b == v) continue;
      std::vector<lattice::Occupant> occ(n, iodide);
      occ[v] = lattice::kEmpty;
      occ[b] = br;
      const double e = h->energy(occ);
      level_of[v * n + b] = level_key(e);
      const double w = std::exp(-e / kt);
      exact[level_key(e)] += w;
      z += w;
    }
  for (auto& [e, p] : exact) p /= z;
  REQUIRE(exact.size() >= 3);

  // KMC: time-weighted level occupation in 8 independent replicas.
  const int replicas = 8;
  std::map<double, std::vector<double>> observed;
  std::int64_t clamped = 0;
  for (int r = 0; r < replicas; ++r) {
    auto initial = sim.initial_configuration(r + static_cast<int>(seed));
    REQUIRE(std::count(initial.begin(), initial.end(), br) == 1);
    kmc::KmcEngine engine(model, initial, seed + r, r);
    int b = static_cast<int>(std::find(initial.begin(), initial.end(), br) - initial.begin());
    std::map<double, double> time_in;
    double total = 0;
    // The first 20,000 events relax the random start (the vacancy meets the
    // Br after a few hundred hops) and are not counted.
    for (int step = 0; step < 170000; ++step) {
      const auto ev = engine.plan();
      if (!ev) FAIL("no event possible");
      const int v = engine.defects()[0].site;
      if (step >= 20000) {
        time_in[level_of[v * n + b]] += ev->dt_s;
        total += ev->dt_s;
      }
      engine.execute(*ev);
      if (engine.occupancy()[v] == br) b = v;  // the Br jumped into the vacancy
    }
    CHECK(level_of[engine.defects()[0].site * n + b] == level_key(h->energy(engine.occupancy())));
    clamped += engine.clamped_events();
    for (const auto& [e, p] : exact) observed[e].push_back(time_in[e] / total);
  }
  double chi2 = 0;
  for (const auto& [e, p] : exact) {
    const auto& v = observed[e];
    double mean = 0, var = 0;
    for (double x : v) mean += x / replicas;
    for (double x : v) var += (x - mean) * (x - mean) / (replicas - 1);
    const double err = std::sqrt(var / replicas);
    MESSAGE("E = " << e << " eV: Boltzmann " << p << ", KMC " << mean << " ± " << err);
    chi2 += (mean - p) * (mean - p) / (err * err);
    CHECK(std::abs(mean - p) < 4 * err + 1e-12);
  }
  const int dof = static_cast<int>(exact.size());
  MESSAGE("chi² = " << chi2 << " for " << dof << " levels; clamped events " << clamped);
  // chi² with `dof` degrees of freedom (replica errors: slightly heavier tails).
  CHECK(chi2 < dof + 5 * std::sqrt(2.0 * dof) + 5);
  if (expect_clamps == Clamps::kMany) CHECK(clamped > 1000);
  if (expect_clamps == Clamps::kNone) CHECK(clamped == 0);
  if (perturbation_sigma > 0) {
    // The offsets did change the rates: the same start has another total rate without them.
    auto plain = s;
    plain.barriers.perturbation_sigma_ev = 0.0;
    kmc::Simulation unperturbed(plain);
    const auto start = sim.initial_configuration(0);
    const double with = kmc::KmcEngine(model, start, 1, 0).total_rate_hz();
    const double without = kmc::KmcEngine(unperturbed.model(), start, 1, 0).total_rate_hz();
    MESSAGE("total rate of the start: " << with << " Hz perturbed, " << without << " Hz not");
    CHECK(std::abs(with / without - 1.0) > 0.05);
  }
}

}  // namespace

TEST_CASE("KMC samples the Boltzmann distribution of the lattice Hamiltonian") {
  check_boltzmann(0.25, Clamps::kNone, 100);
}

TEST_CASE("detailed balance survives the barrier clamp") {
  check_boltzmann(0.01, Clamps::kMany, 200);
}

TEST_CASE("detailed balance holds with every environment's barrier perturbed (sigma = 0.1 eV)") {
  check_boltzmann(0.25, Clamps::kAny, 300, 0.1);
}
