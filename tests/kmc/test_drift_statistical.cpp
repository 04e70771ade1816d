// What an applied field drives, against results derived independently here:
// - the drift velocity of a single vacancy on fcc equals that of the exact
//   biased random walk, v = Σ_j Γ_j d_j, with the field-tilted rates of the
//   12 hop vectors written out in the test (fcc is a Bravais lattice: every
//   site sees the same hops, so no occupation weights enter);
// - Nernst–Einstein in linear response: σ = j·F̂/|F| of a run in a small field
//   equals n q² D_σ / (k_B T) with D_σ from a zero-field run (the Einstein
//   relation; ΔE = 0, so it holds to first order in F);
// - direction and sign: a halide (q = −1) drifts against the field, its
//   vacancy with it, an interstitial halide against it; q = +1 reverses all.
// Fixed seeds; tolerances are 3 standard errors.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

namespace {

constexpr double kA = 4.0, kEkra = 0.3, kT = 300.0, kNu = 1e13;  // Å, eV, K, Hz

// One vacancy in 4³ conventional fcc cells (256 sites); the ions have charge −1.
// A lone vacancy on a perfect lattice with one barrier walks the same whatever
// the cell count, so a small cell is exact here.
kmc::RunSpec fcc_single_vacancy(kmc::Vec3 field, std::int64_t steps, int replicas, int blocks,
                                std::uint64_t seed) {
  kmc::RunSpec s;
  s.source_path = "test";
  s.lattice.prototype = "fcc";
  s.lattice.a_angstrom = kA;
  s.lattice.supercell = {4, 4, 4};
  s.composition.fractions = {{"A", 1.0}};
  s.defects.vacancies = 1;
  s.barriers.provider = "constant";
  s.barriers.e_kra_ev = kEkra;
  s.barriers.attempt_frequency_hz = kNu;
  s.kmc.temperature_k = kT;
  s.kmc.charges_e = {{"A", -1.0}};
  s.kmc.field_v_per_angstrom = field;
  s.kmc.steps = steps;
  s.kmc.replicas = replicas;
  s.kmc.blocks = blocks;
  s.kmc.seed = seed;
  return s;
}

// The 12 nearest-neighbour vectors of fcc, (±a/2, ±a/2, 0) and permutations (Å).
std::vector<kmc::Vec3> fcc_hops(double a) {
  std::vector<kmc::Vec3> out;
  for (int zero = 0; zero < 3; ++zero)
    for (int s1 : {-1, 1})
      for (int s2 : {-1, 1}) {
        kmc::Vec3 d{0, 0, 0};
        d[(zero + 1) % 3] = s1 * a / 2;
        d[(zero + 2) % 3] = s2 * a / 2;
        out.push_back(d);
      }
  return out;
}

double dot(const kmc::Vec3& a, const kmc::Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

// Exact drift of a vacancy (Å/s): its hop d moves an ion of charge q by −d,
// the field does work W = q F·(−d), and Γ = ν exp(−(E_KRA − W/2)/k_B T).
kmc::Vec3 exact_vacancy_drift(const std::vector<kmc::Vec3>& hops, const kmc::Vec3& field, double q) {
  const double beta = 1.0 / (units::kBoltzmann_eV_per_K * kT);
  kmc::Vec3 v{0, 0, 0};
  for (const auto& d : hops) {
    const double work = -q * dot(field, d);
    const double rate = kNu * std::exp(-beta * (kEkra - work / 2));
    for (int k = 0; k < 3; ++k) v[k] += rate * d[k];
  }
  return v;
}

}  // namespace

TEST_CASE("fcc single vacancy in a field drifts as the exact biased random walk v = Σ Γ_j d_j") {
  // |F| d / 2 ≤ 0.13 k_B T: a weak field, but the reference is exact at any field.
  const kmc::Vec3 field{0.004, 0.002, 0.001};  // V/Å
  kmc::Simulation sim(fcc_single_vacancy(field, 1000000, 8, 10, 31));
  const auto results = sim.run();
  const auto stats = kmc::summarize(results, sim.model().species());
  const kmc::Vec3 exact = exact_vacancy_drift(fcc_hops(kA), field, -1.0);
  REQUIRE(stats.defects.size() == 1);
  const auto& v = stats.defects[0].drift_velocity_cm_s;
  for (int k = 0; k < 3; ++k) {
    const double want = exact[k] * units::kAngstrom_to_cm;
    MESSAGE("v_V[" << k << "] = " << v[k].value << " ± " << v[k].error << " cm/s, exact " << want << " ("
                   << (v[k].value - want) / v[k].error << " σ)");
    CHECK(want > 0);                             // with the field, in every component
    CHECK(v[k].error < 0.03 * want);              // resolved, so the check is not trivial
    CHECK(std::abs(v[k].value - want) < 3 * v[k].error);
  }
  // Mobility along F: v·F̂/|F| of the exact drift.
  const double mu_exact = dot(exact, field) / dot(field, field) * units::kAngstrom_to_cm / 1e8;
  const auto& mu = stats.defects[0].mobility_cm2_v_s;
  CHECK(std::abs(mu.value - mu_exact) < 3 * mu.error);
  // Identity: the ions move exactly what the vacancy moves, in the other direction.
  const auto& ions = stats.species.at(0);
  for (int k = 0; k < 3; ++k)
    CHECK(std::abs(ions.drift_velocity_cm_s[k].value * ions.ions + v[k].value) < 1e-9 * std::abs(v[k].value));
}

TEST_CASE("Nernst–Einstein: σ in a small field equals e² n D_σ / k_B T from a zero-field run") {
  // u = βF·(a/2)/2 = 0.058 along x: the exact biased walk departs from linear
  // response by sinh(u)/u − 1 = 0.06 %, well inside the errors (checked below).
  const double f = 0.0015;  // V/Å
  kmc::Simulation driven(fcc_single_vacancy({f, 0, 0}, 1000000, 16, 10, 41));
  const auto driven_stats = kmc::summarize(driven.run(), driven.model().species());
  // Zero field: D_σ from many short blocks (the whole-run |ΣzΔR|² of one
  // replica has a relative error of sqrt(2/3); 16000 blocks bring it to ~0.7 %).
  kmc::Simulation rest(fcc_single_vacancy({0, 0, 0}, 1000000, 16, 1000, 42));
  const auto rest_results = rest.run();
  const auto rest_stats = kmc::summarize(rest_results, rest.model().species());
  std::vector<double> d_blocks;  // Å²/s
  for (const auto& r : rest_results)
    for (const auto& b : r.blocks) d_blocks.push_back(kmc::charge_d(b, r.populations));
  const auto d_sigma = kmc::mean_and_error(d_blocks);

  // n q² D_σ / k_B T: 255 ions of charge −1 in (4 a)³; e in C, D in cm²/s, k_B T in eV → S/cm.
  const double e = units::kElementaryCharge_C, kt = units::kBoltzmann_eV_per_K * kT;
  const double n = 255.0 / std::pow(4 * kA * 1e-8, 3);  // cm⁻³
  const double sigma_ne = e * n * d_sigma.value * 1e-16 / kt;
  const double sigma_ne_err = e * n * d_sigma.error * 1e-16 / kt;
  const auto& sigma = driven_stats.conductivity_s_cm;
  const double combined = std::hypot(sigma.error, sigma_ne_err);
  MESSAGE("σ (field) = " << sigma.value << " ± " << sigma.error << " S/cm; σ_NE (zero field) = " << sigma_ne << " ± "
                         << sigma_ne_err << " S/cm; difference " << (sigma.value - sigma_ne) / combined << " σ");
  CHECK(sigma.error < 0.01 * sigma.value);
  CHECK(sigma_ne_err < 0.01 * sigma_ne);
  CHECK(std::abs(sigma.value - sigma_ne) < 3 * combined);

  // Both against the analytic linear response of the walk: the charge D of
  // one vacancy among N ions is D_V / N with D_V = Γ z d²/6 (z = 12, d² = a²/2).
  const double gamma = kNu * std::exp(-kEkra / kt);
  const double d_v = gamma * 12 * (kA * kA / 2) / 6 * 1e-16;  // cm²/s
  const double sigma_lin = e * n * (d_v / 255.0) / kt;
  const double u = f * kA / 4 / kt;
  CHECK(sigma_lin * (std::sinh(u) / u - 1) < 0.3 * combined);  // linear response holds to well within the errors
  MESSAGE("analytic linear response " << sigma_lin << " S/cm");
  CHECK(std::abs(sigma.value - sigma_lin * std::sinh(u) / u) < 3 * sigma.error);
  CHECK(std::abs(sigma_ne - sigma_lin) < 3 * sigma_ne_err);

  // The reported σ_NE uses the same formula on the run's own D_σ.
  const double own = e * n * rest_stats.charge_d_cm2_s.value / kt;
  CHECK(std::abs(rest_stats.nernst_einstein_conductivity_s_cm.value - own) < 1e-9 * own);
}

TEST_CASE("direction and sign: halides drift against the field, vacancies with it; q = +1 reverses both") {
  // 6³ cells of CsPbBr3's X sublattice (648 sites), 20 vacancies and 10 Br
  // interstitials; field along +x.
  auto s = test::perovskite_spec(5.87, 6, {{"Br", 1.0}}, 20, 40000);
  s.defects.interstitials = 10;
  s.defects.interstitial_species = "Br";
  s.mechanisms = {{"vacancy_edge", "vacancy", 1}, {"interstitial_hop", "interstitial", 1}};
  s.barriers.e_kra_ev = 0.25;
  s.kmc.replicas = 16;  // the replica error has 15 degrees of freedom: 4σ is a rare excursion
  s.kmc.field_v_per_angstrom = {0.01, 0, 0};
  for (double q : {-1.0, 1.0}) {
    CAPTURE(q);
    s.kmc.charges_e = {{"Br", q}};
    kmc::Simulation sim(s);
    const auto stats = kmc::summarize(sim.run(), sim.model().species());
    const auto& br = stats.species.at(0);
    REQUIRE(stats.defects.size() == 2);
    const auto& vac = stats.defects[0];
    const auto& inter = stats.defects[1];
    REQUIRE(vac.type == "vacancy");
    MESSAGE("q = " << q << ": v_x(Br) = " << br.drift_velocity_cm_s[0].value << " ± " << br.drift_velocity_cm_s[0].error
                   << ", v_x(vacancy) = " << vac.drift_velocity_cm_s[0].value << " ± "
                   << vac.drift_velocity_cm_s[0].error << ", v_x(interstitial) = "
                   << inter.drift_velocity_cm_s[0].value << " ± " << inter.drift_velocity_cm_s[0].error
                   << " cm/s; j_x = " << stats.current_density_a_cm2[0].value << " A/cm²");
    // Against the field for q < 0 (along it for q > 0), by more than 5 σ.
    CHECK(q * br.drift_velocity_cm_s[0].value > 5 * br.drift_velocity_cm_s[0].error);
    CHECK(q * inter.drift_velocity_cm_s[0].value > 5 * inter.drift_velocity_cm_s[0].error);
    CHECK(-q * vac.drift_velocity_cm_s[0].value > 5 * vac.drift_velocity_cm_s[0].error);
    CHECK(q * br.mobility_cm2_v_s.value > 0);
    // No drift across the field (within 4 σ).
    for (int k : {1, 2}) CHECK(std::abs(br.drift_velocity_cm_s[k].value) < 4 * br.drift_velocity_cm_s[k].error);
    // The current of either sign of carrier flows along the field: σ > 0.
    CHECK(stats.current_density_a_cm2[0].value > 5 * stats.current_density_a_cm2[0].error);
    CHECK(stats.conductivity_s_cm.value > 0);
  }
}
