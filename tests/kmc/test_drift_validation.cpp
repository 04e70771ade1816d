// Long validation of field-driven transport (label `validation`;
// `tools/test.sh --validation`). References, derived in the test:
// - a single vacancy on the perovskite X sublattice in a field of general
//   direction: the exact drift of the biased walk, v = Σ_a π_a Σ_j Γ_aj d_aj,
//   over the three X sublattices a (X on the x, y, z axes of the cell), with
//   π_a the stationary occupation of the three-state chain of sublattices
//   (Markov-chain tree theorem) and d_aj the 8 edge hops written out here;
// - interacting vacancies (5 %) in a small field: σ = j·F̂/|F| equals the
//   Nernst–Einstein σ_NE = e² n D_σ / k_B T of a zero-field run (Einstein
//   relation for the collective D; not the tracer D, which is lower by the
//   correlation factor) and both equal the exact result of the symmetric
//   exclusion process: with no Hamiltonian the zero-field state is uniform,
//   the centre of mass of the vacancies has uncorrelated increments, so
//   ⟨|Σ ΔR_v|²⟩ = T Γ d² ⟨vacancy–ion bonds⟩ = T Γ d² z N_v (N − N_v)/(N − 1).
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <vector>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

namespace {

constexpr double kA = 6.0, kEkra = 0.3, kT = 300.0, kNu = 1e13;  // Å, eV, K, Hz

double dot(const kmc::Vec3& a, const kmc::Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

kmc::RunSpec x_sublattice(int cells, std::int64_t vacancies, kmc::Vec3 field, std::int64_t steps, int replicas,
                          int blocks, std::uint64_t seed) {
  auto s = test::perovskite_spec(kA, cells, {{"I", 1.0}}, vacancies, steps);
  s.barriers.e_kra_ev = kEkra;
  s.barriers.attempt_frequency_hz = kNu;
  s.kmc.temperature_k = kT;
  s.kmc.charges_e = {{"I", -1.0}};
  s.kmc.field_v_per_angstrom = field;
  s.kmc.replicas = replicas;
  s.kmc.blocks = blocks;
  s.kmc.seed = seed;
  return s;
}

}  // namespace

TEST_CASE("single vacancy on the X sublattice in a field drifts as the exact three-sublattice biased walk") {
  const kmc::Vec3 field{0.003, -0.002, 0.0015};  // V/Å
  const double beta = 1.0 / (units::kBoltzmann_eV_per_K * kT);
  // Hops of a vacancy on sublattice a (X at a/2 along axis a) to sublattice b:
  // (±a/2 along a, ±a/2 along b). An ion of charge −1 moves by −d: W = F·d.
  std::array<std::array<double, 3>, 3> k{};   // k[a][b]: total rate a → b (Hz)
  std::array<kmc::Vec3, 3> flux{};            // Σ_j Γ_aj d_aj (Å/s)
  for (int a = 0; a < 3; ++a)
    for (int b = 0; b < 3; ++b) {
      if (a == b) continue;
      for (int s1 : {-1, 1})
        for (int s2 : {-1, 1}) {
          kmc::Vec3 d{0, 0, 0};
          d[a] = s1 * kA / 2;
          d[b] = s2 * kA / 2;
          const double rate = kNu * std::exp(-beta * (kEkra - dot(field, d) / 2));
          k[a][b] += rate;
          for (int c = 0; c < 3; ++c) flux[a][c] += rate * d[c];
        }
    }
  // Stationary occupation of the sublattices: sum over spanning trees into each.
  std::array<double, 3> pi{k[1][0] * k[2][0] + k[1][0] * k[2][1] + k[2][0] * k[1][2],
                           k[0][1] * k[2][1] + k[0][1] * k[2][0] + k[2][1] * k[0][2],
                           k[0][2] * k[1][2] + k[0][2] * k[1][0] + k[1][2] * k[0][1]};
  const double norm = pi[0] + pi[1] + pi[2];
  kmc::Vec3 exact{0, 0, 0};
  for (int a = 0; a < 3; ++a)
    for (int c = 0; c < 3; ++c) exact[c] += pi[a] / norm * flux[a][c];

  kmc::Simulation sim(x_sublattice(4, 1, field, 4000000, 16, 10, 77));
  const auto stats = kmc::summarize(sim.run(), sim.model().species());
  const auto& v = stats.defects.at(0).drift_velocity_cm_s;
  for (int c = 0; c < 3; ++c) {
    const double want = exact[c] * units::kAngstrom_to_cm;
    MESSAGE("v_V[" << c << "] = " << v[c].value << " ± " << v[c].error << " cm/s, exact " << want << " ("
                   << (v[c].value - want) / v[c].error << " σ)");
    CHECK(v[c].error < 0.01 * std::abs(want));
    CHECK(std::abs(v[c].value - want) < 3 * v[c].error);
  }
}

TEST_CASE("interacting vacancies: σ in a small field = Nernst–Einstein σ from D_σ = exclusion-process result") {
  const int cells = 6;
  const double n_sites = 3.0 * cells * cells * cells, n_v = 32;  // 648 X sites, 4.9 % vacancies
  const double f = 0.001;  // V/Å: u = βF(a/2)/2 = 0.058, linear response to 0.06 %
  kmc::Simulation driven(x_sublattice(cells, 32, {f, 0, 0}, 4000000, 16, 10, 78));
  const auto driven_stats = kmc::summarize(driven.run(), driven.model().species());
  kmc::Simulation rest(x_sublattice(cells, 32, {0, 0, 0}, 4000000, 16, 2000, 79));
  const auto rest_results = rest.run();
  const auto rest_stats = kmc::summarize(rest_results, rest.model().species());
  std::vector<double> d_blocks;  // Å²/s; the centre of mass has uncorrelated increments, so short blocks are unbiased
  for (const auto& r : rest_results)
    for (const auto& b : r.blocks) d_blocks.push_back(kmc::charge_d(b, r.populations));
  const auto d_sigma = kmc::mean_and_error(d_blocks);

  const double e = units::kElementaryCharge_C, kt = units::kBoltzmann_eV_per_K * kT;
  const double volume_cm3 = std::pow(cells * kA * 1e-8, 3);
  const double ions = n_sites - n_v;
  const double sigma_ne = e * ions / volume_cm3 * d_sigma.value * 1e-16 / kt;
  const double sigma_ne_err = e * ions / volume_cm3 * d_sigma.error * 1e-16 / kt;
  const auto& sigma = driven_stats.conductivity_s_cm;
  const double combined = std::hypot(sigma.error, sigma_ne_err);
  // Exclusion process: ⟨|ΣzΔR|²⟩/T = Γ d² z N_v (N − N_v)/(N − 1); σ = e ⟨|ΣzΔR|²⟩/(6 T V k_B T).
  const double gamma = kNu * std::exp(-kEkra / kt);
  const double sigma_exact = e * gamma * (kA * kA / 2) * 8 * n_v * (n_sites - n_v) / (n_sites - 1) / 6 * 1e-16 /
                             volume_cm3 / kt;
  // What it must not match: Nernst–Einstein with the tracer D, lower by the Haven ratio.
  const auto& tracer = rest_stats.species.at(0).d_cm2_s;
  const double sigma_tracer = e * ions / volume_cm3 * tracer.value / kt;
  MESSAGE("σ (field) = " << sigma.value << " ± " << sigma.error << ", σ_NE (zero field) = " << sigma_ne << " ± "
                         << sigma_ne_err << ", exclusion process " << sigma_exact << ", tracer-D NE " << sigma_tracer
                         << " S/cm; field vs NE " << (sigma.value - sigma_ne) / combined << " σ");
  CHECK(sigma.error < 0.005 * sigma.value);
  CHECK(sigma_ne_err < 0.01 * sigma_ne);
  CHECK(std::abs(sigma.value - sigma_ne) < 3 * combined);
  CHECK(std::abs(sigma.value - sigma_exact) < 3 * sigma.error);
  CHECK(std::abs(sigma_ne - sigma_exact) < 3 * sigma_ne_err);
  // Not trivial: the tracer D (correlation factor ≈ 0.69 in the vacancy limit) gives a different answer.
  CHECK(std::abs(sigma_tracer - sigma_exact) > 10 * combined);
}
