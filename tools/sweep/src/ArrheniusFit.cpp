#include "hkmc/sweep/ArrheniusFit.hpp"

#include <cmath>
#include <limits>

#include "hkmc/common/Units.hpp"

namespace hkmc::sweep {

ArrheniusFit fit_arrhenius(const std::vector<ArrheniusPoint>& points) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  ArrheniusFit fit;
  fit.e_a_ev = fit.e_a_error_ev = fit.ln_d0 = fit.ln_d0_error = fit.d0 = fit.d0_error = kNaN;
  fit.covariance_ln_d0_e_a = fit.reduced_chi2 = fit.t_min_k = fit.t_max_k = kNaN;
  std::vector<double> x, y, w;
  for (const auto& p : points) {
    if (!(p.d > 0) || !(p.d_error > 0) || !std::isfinite(p.d) || !std::isfinite(p.d_error) ||
        !(p.temperature_k > 0))
      continue;
    const double sigma = p.d_error / p.d;
    x.push_back(1.0 / (units::kBoltzmann_eV_per_K * p.temperature_k));
    y.push_back(std::log(p.d));
    w.push_back(1.0 / (sigma * sigma));
    fit.t_min_k = std::isfinite(fit.t_min_k) ? std::min(fit.t_min_k, p.temperature_k) : p.temperature_k;
    fit.t_max_k = std::isfinite(fit.t_max_k) ? std::max(fit.t_max_k, p.temperature_k) : p.temperature_k;
  }
  const int n = static_cast<int>(x.size());
  fit.points_used = n;
  if (n < 2) return fit;
  double s = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < n; ++i) {
    s += w[i], sx += w[i] * x[i], sy += w[i] * y[i];
    sxx += w[i] * x[i] * x[i], sxy += w[i] * x[i] * y[i];
  }
  const double delta = s * sxx - sx * sx;
  // One temperature only: the slope is undefined (Δ = 0 up to rounding).
  if (!(delta > 1e-12 * s * sxx)) return fit;
  const double slope = (s * sxy - sx * sy) / delta;
  fit.ln_d0 = (sxx * sy - sx * sxy) / delta;
  fit.e_a_ev = -slope;
  fit.e_a_error_ev = std::sqrt(s / delta);
  fit.ln_d0_error = std::sqrt(sxx / delta);
  // cov(intercept, slope) = -Sx/Δ, and E_a = -slope.
  fit.covariance_ln_d0_e_a = sx / delta;
  fit.d0 = std::exp(fit.ln_d0);
  fit.d0_error = fit.d0 * fit.ln_d0_error;
  if (n >= 3) {
    double chi2 = 0;
    for (int i = 0; i < n; ++i) {
      const double r = y[i] - (fit.ln_d0 + slope * x[i]);
      chi2 += w[i] * r * r;
    }
    fit.reduced_chi2 = chi2 / (n - 2);
  }
  fit.valid = true;
  return fit;
}

}  // namespace hkmc::sweep
