// Metropolis Monte Carlo: the sampled energy levels follow the enumerated
// Boltzmann distribution; Warren–Cowley α vanishes for a random alloy and has
// the sign of the pair interaction.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/MetropolisMC.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

TEST_CASE("Metropolis samples the enumerated Boltzmann distribution") {
  const int n = 81;
  auto s = test::perovskite_spec(6.0, 3, {{"I", 79.0 / 80}, {"Br", 1.0 / 80}}, 1, 1);
  s.energy.hamiltonian_file = test::small_system_hamiltonian(false);
  s.kmc.temperature_k = 600.0;
  kmc::Simulation sim(s, kmc::Simulation::Purpose::kEquilibrium);
  const auto* h = sim.model().hamiltonian();
  const double kt = units::kBoltzmann_eV_per_K * s.kmc.temperature_k;
  const auto br = sim.model().species().code("Br"), iodide = sim.model().species().code("I");
  std::map<double, double> exact;
  double z = 0;
  for (int v = 0; v < n; ++v)
    for (int b = 0; b < n; ++b) {
      if (b == v) continue;
      std::vector<lattice::Occupant> occ(n, iodide);
      occ[v] = lattice::kEmpty;
      occ[b] = br;
      const double e = std::round(h->energy(occ) * 1e8) / 1e8;
      exact[e] += std::exp(-e / kt);
      z += std::exp(-e / kt);
    }
  kmc::ShortRangeOrder sro(sim.model().supercell(), 1);
  kmc::MetropolisControl control{100, 60000, 1, 1};
  const int replicas = 8;
  std::map<double, std::vector<double>> observed;
  for (int r = 0; r < replicas; ++r) {
    const auto result = kmc::run_metropolis(sim.model(), sim.initial_configuration(r), control, 31, r, sro);
    std::map<double, double> counts;
    for (double e : result.energy_per_site_ev) counts[std::round(e * n * 1e8) / 1e8] += 1;
    for (const auto& [e, w] : exact) observed[e].push_back(counts[e] / result.energy_per_site_ev.size());
    CHECK(result.accepted > 0);
  }
  double chi2 = 0;
  for (const auto& [e, w] : exact) {
    const double p = w / z;
    double mean = 0, var = 0;
    for (double x : observed[e]) mean += x / replicas;
    for (double x : observed[e]) var += (x - mean) * (x - mean) / (replicas - 1);
    const double err = std::sqrt(var / replicas);
    MESSAGE("E = " << e << " eV: Boltzmann " << p << ", Metropolis " << mean << " ± " << err);
    CHECK(std::abs(mean - p) < 4 * err + 1e-12);
    chi2 += (mean - p) * (mean - p) / (err * err);
  }
  CHECK(chi2 < 20);
}

TEST_CASE("Warren-Cowley alpha: zero for a random alloy, positive with unlike-pair repulsion") {
  auto s = test::perovskite_spec(6.0, 8, {{"I", 0.5}, {"Br", 0.5}}, 0, 1);
  s.defects.vacancies.reset();
  kmc::MetropolisControl control{20, 200, 10, 2};
  const int i = 1, br = 2, codes = 5;
  auto alpha_of = [&](const kmc::MetropolisResult& r, int shell) {
    double sum = 0;
    for (const auto& a : r.alpha) sum += a[(static_cast<std::size_t>(shell) * codes + i) * codes + br];
    return sum / r.alpha.size();
  };
  {
    kmc::Simulation sim(s, kmc::Simulation::Purpose::kEquilibrium);
    kmc::ShortRangeOrder sro(sim.model().supercell(), 2);
    const auto r = kmc::run_metropolis(sim.model(), sim.initial_configuration(0), control, 1, 0, sro);
    // 1536 ions, 8 neighbours each: α fluctuates by about 1/sqrt(6000) ~ 0.013.
    CHECK(std::abs(alpha_of(r, 0)) < 0.03);
    CHECK(std::abs(alpha_of(r, 1)) < 0.03);
  }
  {
    s.energy.hamiltonian_file =
        test::write_temp_file("hkmc_mc", "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 1\nspecies = [\"I\", \"Br\"]\nJ = 0.02\n");
    s.kmc.temperature_k = 300.0;  // Ω = 8 J = 0.16 eV: far inside the miscibility gap
    kmc::Simulation sim(s, kmc::Simulation::Purpose::kEquilibrium);
    kmc::ShortRangeOrder sro(sim.model().supercell(), 2);
    const auto r = kmc::run_metropolis(sim.model(), sim.initial_configuration(0), control, 1, 0, sro);
    MESSAGE("alpha_1(I, Br) = " << alpha_of(r, 0));
    CHECK(alpha_of(r, 0) > 0.3);
    // The energy fell from the random start: unlike pairs were removed.
    CHECK(r.energy_per_site_ev.back() < 0.5 * (4 * 0.5 * 0.02));  // half the random-alloy value
  }
}
