// Weighted least-squares Arrhenius fit against hand-derived values.
#include <doctest/doctest.h>

#include <cmath>

#include "../Close.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/sweep/ArrheniusFit.hpp"

using namespace hkmc::sweep;
using hkmc::test::close_rel;
constexpr double kB = hkmc::units::kBoltzmann_eV_per_K;

TEST_CASE("exact Arrhenius data are recovered with chi² = 0") {
  const double ea = 0.35, d0 = 2.5e-3;  // eV, cm²/s
  std::vector<ArrheniusPoint> data;
  for (double t : {300.0, 400.0, 500.0, 600.0}) data.push_back({t, d0 * std::exp(-ea / (kB * t)), 0.0});
  // Relative errors 5% at every point.
  for (auto& p : data) p.d_error = 0.05 * p.d;
  const ArrheniusFit f = fit_arrhenius(data);
  REQUIRE(f.valid);
  CHECK(f.points_used == 4);
  CHECK(close_rel(f.e_a_ev, ea, 1e-10));
  CHECK(close_rel(f.d0, d0, 1e-10));
  CHECK(std::abs(f.reduced_chi2) < 1e-18);
  CHECK(f.t_min_k == 300.0);
  CHECK(f.t_max_k == 600.0);
}

TEST_CASE("two points: the slope error is sqrt(s1² + s2²)/|x1 - x2|") {
  // σ_ln D = 0.1 and 0.2 at T = 300 K and 600 K; x = 1/(k_B T).
  const double x1 = 1 / (kB * 300), x2 = 1 / (kB * 600);
  const ArrheniusFit f = fit_arrhenius({{300, 1e-8, 1e-9}, {600, 1e-6, 2e-7}});
  REQUIRE(f.valid);
  CHECK(close_rel(f.e_a_ev, (std::log(1e-6) - std::log(1e-8)) / (x1 - x2), 1e-12));
  CHECK(close_rel(f.e_a_error_ev, std::sqrt(0.1 * 0.1 + 0.2 * 0.2) / (x1 - x2), 1e-12));
  // Intercept error for two points: sqrt(x2² s1² + x1² s2²)/|x1 - x2|.
  CHECK(close_rel(f.ln_d0_error, std::sqrt(x2 * x2 * 0.01 + x1 * x1 * 0.04) / (x1 - x2), 1e-12));
  CHECK(close_rel(f.d0_error, f.d0 * f.ln_d0_error, 1e-12));
  CHECK(std::isnan(f.reduced_chi2));  // needs three points
}

TEST_CASE("reduced chi² of scattered points, by hand") {
  // Three points, equal σ = 0.1 in ln D, x = 1, 2, 3 (T = 1/(k_B x)), y = 0, -1.1, -1.9:
  // the line y = a + b x has b = Σ(x-2)(y+1)/Σ(x-2)² = -1.9/2 = -0.95 and
  // a = ȳ - b x̄ = -1 + 1.9 = 0.9; residuals 0.05, -0.1, 0.05, so
  // chi² = (0.0025 + 0.01 + 0.0025)/0.01 = 1.5 over 3 - 2 = 1 degree of freedom.
  std::vector<ArrheniusPoint> data;
  const double ys[] = {0.0, -1.1, -1.9};
  for (int i = 0; i < 3; ++i) {
    const double x = i + 1.0;
    data.push_back({1 / (kB * x), std::exp(ys[i]), 0.1 * std::exp(ys[i])});
  }
  const ArrheniusFit f = fit_arrhenius(data);
  CHECK(close_rel(f.e_a_ev, 0.95, 1e-12));
  CHECK(close_rel(f.ln_d0, 0.9, 1e-12));
  CHECK(close_rel(f.reduced_chi2, 1.5, 1e-12));
}

TEST_CASE("unusable data give no fit") {
  CHECK_FALSE(fit_arrhenius({{300, 1e-8, 1e-9}}).valid);
  CHECK_FALSE(fit_arrhenius({{300, 1e-8, 1e-9}, {300, 2e-8, 1e-9}}).valid);  // one temperature
  const ArrheniusFit f = fit_arrhenius({{300, 1e-8, 1e-9}, {400, 0.0, 1e-9}, {500, 1e-7, NAN}});
  CHECK(f.points_used == 1);
  CHECK_FALSE(f.valid);
}
