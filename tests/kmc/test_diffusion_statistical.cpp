// Statistical validation against results nobody here derived:
// - vacancy random walk: D_V = Γ z d² / 6 (exact for an isolated vacancy);
// - single-vacancy tracer correlation factor of fcc, f = 0.7815 (Compaan &
//   Haven, Trans. Faraday Soc. 52, 786 (1956));
// - isotope interdiffusion of a step: the profile follows the periodic erf
//   solution of Fick's law with the tracer D measured in the same run.
// Fixed seeds; tolerances are 3 standard errors from independent replicas.
#include <doctest/doctest.h>

#include <cmath>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

TEST_CASE("dilute vacancies on the perovskite X sublattice: D_V = Γ z d²/6") {
  const double a = 5.87, e_kra = 0.25, t = 300.0, nu = 1e13;
  // 24³ cells = 41472 X sites, 100 vacancies (0.24 %). A vacancy is blocked
  // only next to another vacancy, which lowers D by about c_v = 0.24 %: far
  // below the 3σ tolerance, so the isolated-vacancy formula is the reference.
  auto s = test::perovskite_spec(a, 24, {{"Br", 1.0}}, 100, 150000);
  s.barriers.e_kra_ev = e_kra;
  s.kmc.temperature_k = t;
  s.kmc.replicas = 8;
  kmc::Simulation sim(s);
  const auto stats = kmc::summarize(sim.run(), sim.model().species());
  const double gamma = nu * std::exp(-e_kra / (units::kBoltzmann_eV_per_K * t));
  const double d = a / std::sqrt(2.0);
  const double expected = gamma * 8 * d * d / 6 * units::kAngstrom2_per_s_to_cm2_per_s;
  REQUIRE(stats.defects.size() == 1);
  const auto& dv = stats.defects[0].d_cm2_s;
  MESSAGE("D_V = " << dv.value << " ± " << dv.error << " cm²/s (blocks: ± " << dv.error_blocks
                   << "), exact " << expected);
  CHECK(dv.error / dv.value < 0.05);
  CHECK(std::abs(dv.value - expected) < 3 * dv.error);
  // The block error estimates the same uncertainty independently.
  CHECK(dv.error_blocks / dv.error > 0.3);
  CHECK(dv.error_blocks / dv.error < 3.0);
}

TEST_CASE("dilute interstitials on the 3c network: D_i = Γ z d²/6, and ions move with them") {
  // Interstitial sites (Wyckoff 3c) form the same network as the X sites: 8
  // neighbours at a/sqrt2. 80 interstitials among 3 x 20³ = 24000 sites.
  const double a = 6.29, e_kra = 0.17, t = 350.0, nu = 1e13;
  auto s = test::perovskite_spec(a, 20, {{"I", 1.0}}, 0, 80000);
  s.defects.vacancies.reset();
  s.defects.interstitials = 80;
  s.kmc.seed = 12;
  s.barriers.e_kra_ev = e_kra;
  s.kmc.temperature_k = t;
  s.kmc.replicas = 16;
  kmc::Simulation sim(s);
  const auto stats = kmc::summarize(sim.run(), sim.model().species());
  const double gamma = nu * std::exp(-e_kra / (units::kBoltzmann_eV_per_K * t));
  const double d = a / std::sqrt(2.0);
  const double expected = gamma * 8 * d * d / 6 * units::kAngstrom2_per_s_to_cm2_per_s;
  REQUIRE(stats.defects.size() == 1);
  const auto& di = stats.defects[0].d_cm2_s;
  MESSAGE("D_i = " << di.value << " ± " << di.error << " cm²/s, exact " << expected);
  CHECK(di.error / di.value < 0.05);
  CHECK(std::abs(di.value - expected) < 3 * di.error);
  // Every interstitial hop carries its own ion on an uncorrelated walk: the
  // ions' f is 1 within error and the iodide tracer D is D_i times the
  // fraction of ions that are interstitials (an identity: same displacements).
  const auto& iodide = stats.species.at(0);
  MESSAGE("f(I) = " << iodide.correlation_factor.value << " ± " << iodide.correlation_factor.error);
  CHECK(std::abs(iodide.correlation_factor.value - 1.0) < 3 * iodide.correlation_factor.error);
  const double ions = static_cast<double>(iodide.ions);
  CHECK(std::abs(iodide.d_cm2_s.value - di.value * 80 / ions) < 3 * iodide.d_cm2_s.error + 1e-3 * iodide.d_cm2_s.value);
}

TEST_CASE("fcc single-vacancy tracer correlation factor is 0.7815") {
  // One vacancy among 8³ x 4 = 2048 sites; 600 vacancy hops per site so each
  // ion jumps ~600 times and the finite-walk correction is well below 1 %.
  kmc::RunSpec s;
  s.source_path = "test";
  s.lattice.prototype = "fcc";
  s.lattice.a_angstrom = 4.0;
  s.lattice.supercell = {8, 8, 8};
  s.composition.fractions = {{"A", 1.0}};
  s.defects.vacancies = 1;
  s.kmc.temperature_k = 300;
  s.kmc.steps = 2048 * 600;
  s.kmc.replicas = 8;
  s.kmc.seed = 5;
  kmc::Simulation sim(s);
  const auto stats = kmc::summarize(sim.run(), sim.model().species());
  REQUIRE(stats.species.size() == 1);
  const auto& f = stats.species[0].correlation_factor;
  MESSAGE("fcc f = " << f.value << " ± " << f.error);
  CHECK(f.error < 0.01);
  CHECK(std::abs(f.value - 0.7815) < 3 * f.error);
}

namespace {

// Periodic solution of Fick's law for c = 1 on [lo, lo + L/2) (mod L), else 0.
double step_profile(double z, double lo, double length, double d_t) {
  const double w = 2.0 * std::sqrt(d_t);
  double c = 0.0;
  for (int m = -3; m <= 3; ++m) {
    const double a = lo + m * length, b = a + length / 2;
    c += 0.5 * (std::erf((b - z) / w) - std::erf((a - z) / w));
  }
  return c;
}

}  // namespace

TEST_CASE("an I|Br step with equal barriers spreads as the erf solution with the tracer D") {
  const double a = 6.0;
  const int n_xy = 6, n_z = 24;
  auto s = test::perovskite_spec(a, n_xy, {}, 0, 0);
  s.lattice.supercell = {n_xy, n_xy, n_z};
  s.composition.fractions.clear();
  s.initial.type = "layers";
  s.initial.axis = 2;
  kmc::LayerSpec iodide{n_z / 2, {{{"I", 1.0}}}, std::nullopt}, bromide{n_z / 2, {{{"Br", 1.0}}}, std::nullopt};
  s.initial.layers = {iodide, bromide};
  s.defects.vacancies.reset();
  s.defects.vacancy_fraction = 0.02;
  s.kmc.steps = 700000;
  s.kmc.replicas = 4;
  s.kmc.seed = 9;
  kmc::Simulation sim(s);
  const auto results = sim.run();
  const auto stats = kmc::summarize(results, sim.model().species());

  // Tracer D of all ions (I and Br are kinetically identical labels).
  double d_sum = 0, d_err2 = 0;
  for (const auto& sp : stats.species) d_sum += sp.d_cm2_s.value, d_err2 += std::pow(sp.d_cm2_s.error, 2);
  const double d_tracer = d_sum / stats.species.size() / units::kAngstrom2_per_s_to_cm2_per_s;  // Å²/s

  // I fraction per X plane (planes at z = k a/2), averaged over replicas.
  const auto& sc = sim.model().supercell();
  const int planes = 2 * n_z;
  std::vector<double> iodide_count(planes, 0), ions(planes, 0);
  const auto i_code = sim.model().species().code("I");
  double t_mean = 0;
  for (const auto& r : results) {
    t_mean += r.time_s / results.size();
    for (int site = 0; site < sc.num_sites(); ++site) {
      const auto o = r.final_occupancy[site];
      if (o == lattice::kEmpty) continue;
      const int plane = static_cast<int>(std::lround(sc.position(site)[2] / (a / 2))) % planes;
      ions[plane] += 1;
      if (o == i_code) iodide_count[plane] += 1;
    }
  }
  // The iodide slab initially spans the planes 0 .. n_z - 1 (z up to (n_z/2 - 1/2) a):
  // its edges lie halfway to the neighbouring Br planes.
  const double length = n_z * a, lo = -a / 4;
  auto chi2_for = [&](double d_t) {
    double chi2 = 0;
    for (int k = 0; k < planes; ++k) {
      const double z = k * a / 2;
      const double c_sim = iodide_count[k] / ions[k];
      const double c_th = step_profile(z, lo, length, d_t);
      const double var = std::max(c_th * (1 - c_th), 0.01) / ions[k];
      chi2 += (c_sim - c_th) * (c_sim - c_th) / var;
    }
    return chi2;
  };
  double spread = 0;  // how far the profile moved from the initial step: non-trivial check
  for (int k = 0; k < planes; ++k) {
    const double z = k * a / 2;
    spread += std::abs(iodide_count[k] / ions[k] - (z < length / 2 - a / 4 ? 1.0 : 0.0));
  }
  const double chi2 = chi2_for(d_tracer * t_mean);
  const double chi2_fast = chi2_for(1.5 * d_tracer * t_mean);
  const double chi2_slow = chi2_for(d_tracer * t_mean / 1.5);
  MESSAGE("tracer D = " << d_tracer << " Å²/s, √(Dt) = " << std::sqrt(d_tracer * t_mean)
                        << " Å, chi² = " << chi2 << " for " << planes << " planes; with D x 1.5: "
                        << chi2_fast << ", D / 1.5: " << chi2_slow);
  CHECK(std::sqrt(d_tracer * t_mean) > 2 * a);  // the step really spread
  CHECK(spread > 5.0);
  // Planes are nearly independent binomial samples: chi² ~ planes ± sqrt(2 planes).
  // Allow 2x planes (well above 5σ) to absorb the correlation between neighbouring planes.
  CHECK(chi2 < 2.0 * planes);
  // The test resolves D: a 1.5x wrong D fails it.
  CHECK(chi2_fast > 2.0 * planes);
  CHECK(chi2_slow > 2.0 * planes);
}
