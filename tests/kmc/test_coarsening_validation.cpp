// Long validation (label `validation`; tools/test.sh --validation): after a
// quench of a random CsPb(I0.5Br0.5)3 into the miscibility gap of the fitted
// I–Br Hamiltonian (100 K; Tc ≈ 140 K, docs/hamiltonian.md), vacancy-mediated
// KMC coarsens, and the late-time growth L(t) ∝ t^n is compared with the
// Lifshitz–Slyozov exponent n = 1/3 for conserved order parameters
// (Lifshitz & Slyozov 1961; Huse, PRB 34, 7845 (1986): lattice models
// approach 1/3 from below, through L = A + B t^(1/3)). The fit, its window
// and its error are printed; docs/validation.md reports them.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "SpecHelpers.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

namespace {

struct PowerLaw {
  double n = 0, n_err = 0, log_a = 0;
};

// Least squares of log L = log A + n log t over the points with t0 <= t <= t1.
PowerLaw fit(const std::vector<double>& t, const std::vector<double>& length, double t0, double t1) {
  std::vector<double> x, y;
  for (std::size_t i = 0; i < t.size(); ++i)
    if (t[i] >= t0 && t[i] <= t1 && length[i] > 0) x.push_back(std::log(t[i])), y.push_back(std::log(length[i]));
  const double m = static_cast<double>(x.size());
  REQUIRE(m >= 10);
  double sx = 0, sy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sx += x[i], sy += y[i];
  double sxx = 0, sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sxx += (x[i] - sx / m) * (x[i] - sx / m), sxy += (x[i] - sx / m) * (y[i] - sy / m);
  PowerLaw p;
  p.n = sxy / sxx;
  p.log_a = sy / m - p.n * sx / m;
  double rss = 0;
  for (std::size_t i = 0; i < x.size(); ++i) rss += std::pow(y[i] - p.log_a - p.n * x[i], 2);
  p.n_err = std::sqrt(rss / (m - 2) / sxx);
  return p;
}

}  // namespace

TEST_CASE("coarsening after a quench into the miscibility gap: L(t) ~ t^n against Lifshitz-Slyozov n = 1/3") {
  const int cells = 32, replicas = 2;
  const double hops_per_site = 600;
  auto s = test::perovskite_spec(6.08, cells, {{"I", 0.5}, {"Br", 0.5}}, 0, 1);
  s.defects.vacancies.reset();
  s.defects.vacancy_fraction = 0.01;
  s.energy.hamiltonian_file = std::string(HKMC_SOURCE_DIR) + "/inputs/hamiltonians/cspb_ibr_nn.toml";
  s.kmc.temperature_k = 100.0;
  s.kmc.replicas = replicas;
  s.kmc.seed = 31;
  s.kmc.steps = static_cast<std::int64_t>(hops_per_site * 3 * cells * cells * cells);
  s.output.samples = 400;
  s.output.structure_factor = true;
  s.output.sro_shells = 1;
  kmc::Simulation sim(s);
  const auto results = sim.run();
  REQUIRE(results.size() == static_cast<std::size_t>(replicas));
  const int codes = sim.model().species().size() + 1, br = sim.model().species().code("Br"),
            iodide = sim.model().species().code("I");
  // Steps runs sample every `events` in each replica at its own times: average
  // L over replicas at equal sample index (equal events), and t likewise.
  const std::size_t samples = results[0].samples.size();
  std::vector<double> t(samples, 0), length(samples, 0), alpha(samples, 0);
  std::vector<std::vector<double>> each(replicas, std::vector<double>(samples));
  for (int r = 0; r < replicas; ++r) {
    REQUIRE(results[r].segregation.size() == samples);
    for (std::size_t i = 0; i < samples; ++i) {
      t[i] += results[r].samples[i].time_s / replicas;
      each[r][i] = results[r].segregation[i].length_A[br];
      length[i] += each[r][i] / replicas;
      alpha[i] += results[r].segregation[i].alpha[(0 * codes + br) * codes + iodide] / replicas;
    }
  }
  const double t_end = t.back(), box = 6.08 * cells;
  for (std::size_t i = 0; i < samples; i += samples / 20)
    MESSAGE("t = " << t[i] << " s  L = " << length[i] << " Å  α1(Br,I) = " << alpha[i]);
  // Late times: the last decade and a half of the run.
  const double t0 = t_end / 30;
  const auto p = fit(t, length, t0, t_end);
  std::vector<double> per_replica;
  for (int r = 0; r < replicas; ++r) per_replica.push_back(fit(t, each[r], t0, t_end).n);
  MESSAGE("L(t) ~ t^n over " << t0 << " - " << t_end << " s (L " << length[samples / 30] << " -> " << length.back()
                             << " Å, box " << box << " Å): n = " << p.n << " ± " << p.n_err << " (fit); replicas "
                             << per_replica[0] << ", " << per_replica[1]);
  // Huse's form with the Lifshitz-Slyozov exponent fixed, L = A + B t^(1/3)
  // (linear least squares in t^(1/3)), against the free power law: rms residuals in Å.
  {
    double sx = 0, sy = 0, sxx = 0, sxy = 0, m = 0, rss_huse = 0, rss_power = 0;
    for (std::size_t i = 0; i < samples; ++i)
      if (t[i] >= t0) {
        const double x = std::cbrt(t[i]);
        sx += x, sy += length[i], sxx += x * x, sxy += x * length[i], m += 1;
      }
    const double b = (m * sxy - sx * sy) / (m * sxx - sx * sx), a = (sy - b * sx) / m;
    for (std::size_t i = 0; i < samples; ++i)
      if (t[i] >= t0) {
        rss_huse += std::pow(length[i] - a - b * std::cbrt(t[i]), 2);
        rss_power += std::pow(length[i] - std::exp(p.log_a) * std::pow(t[i], p.n), 2);
      }
    MESSAGE("L = A + B t^(1/3) over the same window: A = " << a << " Å, B = " << b << " Å/s^(1/3); rms residual "
                                                            << std::sqrt(rss_huse / m) << " Å (power law: "
                                                            << std::sqrt(rss_power / m) << " Å)");
  }
  // Ordering happened and the domains stayed well inside the box (no finite-size saturation).
  CHECK(alpha.back() > 0.4);
  CHECK(length.back() < box / 3);
  CHECK(length.back() > 1.5 * length[samples / 30]);
  // Growth is a power law with an exponent of the conserved (diffusive) kind:
  // well below the n = 1/2 of non-conserved (curvature-driven) growth and above 0.
  // Lifshitz-Slyozov's 1/3 is the asymptote; the measured n and its distance
  // from 1/3 are reported in docs/validation.md, not asserted tighter.
  CHECK(p.n > 0.15);
  CHECK(p.n < 0.45);
  for (double n : per_replica) CHECK(std::abs(n - p.n) < 0.1);
}
