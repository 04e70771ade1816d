#pragma once
// Arrhenius fit D = D0 exp(-E_a / (k_B T)) by weighted least squares of
//     y_i = ln D_i  against  x_i = 1 / (k_B T_i)   (eV⁻¹),
// model y = ln D0 - E_a x, weights w_i = 1/σ_i² with σ_i = err(D_i)/D_i (the
// error of ln D to first order). With S = Σw, Sx = Σw x, Sy = Σw y,
// Sxx = Σw x², Sxy = Σw x y and Δ = S Sxx - Sx²:
//     E_a   = -(S Sxy - Sx Sy)/Δ,      σ(E_a)   = sqrt(S/Δ)
//     ln D0 = (Sxx Sy - Sx Sxy)/Δ,     σ(ln D0) = sqrt(Sxx/Δ)
//     D0 = exp(ln D0),                 σ(D0)    = D0 σ(ln D0)  (first order)
// (Bevington & Robinson, Data Reduction and Error Analysis, ch. 6). The
// uncertainties come from the input errors alone; with n >= 3 points the
// reduced chi² = Σ w (y - ln D0 + E_a x)² / (n - 2) says whether the scatter
// agrees with them (≈ 1) — it is reported, not folded into the errors.
// Points with D <= 0 or without a finite positive error are left out.
#include <vector>

namespace hkmc::sweep {

struct ArrheniusPoint {
  double temperature_k = 0.0;  // K
  double d = 0.0;              // any unit; D0 comes out in the same unit
  double d_error = 0.0;        // same unit as d
};

struct ArrheniusFit {
  int points_used = 0;
  double t_min_k = 0.0, t_max_k = 0.0;  // K, over the points used
  double e_a_ev = 0.0, e_a_error_ev = 0.0;
  double ln_d0 = 0.0, ln_d0_error = 0.0;
  double d0 = 0.0, d0_error = 0.0;
  double covariance_ln_d0_e_a = 0.0;  // cov(ln D0, E_a) in eV, for confidence bands
  double reduced_chi2 = 0.0;          // NaN with fewer than 3 points
  bool valid = false;                 // false with fewer than 2 usable points or one temperature
};

ArrheniusFit fit_arrhenius(const std::vector<ArrheniusPoint>& points);

}  // namespace hkmc::sweep
