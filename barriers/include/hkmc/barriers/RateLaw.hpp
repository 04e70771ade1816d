#pragma once
// Transition-state rate with the kinetically resolved activation energy:
//   Γ = ν exp(-E_a / k_B T),  E_a = E_KRA + ΔE/2 - W/2,
// with ΔE = E_final - E_initial from the lattice Hamiltonian and W = q F·Δr the
// work the field does on the moving charge q (e) over its displacement Δr (Å)
// in the field F (V/Å). Because E_KRA is the same for a hop and its reverse,
// detailed balance holds exactly. Clamp: the transition state never lies below
// either end state, E_a >= max(0, ΔE - W); a clamped hop is reported.
#include <algorithm>
#include <cmath>

namespace hkmc::barriers {

struct HopRate {
  double rate_hz;
  double e_a_ev;
  bool clamped;
};

class RateLaw {
 public:
  RateLaw(double attempt_frequency_hz, double temperature_k);
  // Inline: the engines call it for every rate they recompute.
  HopRate rate(double e_kra_ev, double delta_e_ev, double field_work_ev) const {
    const Activation a = activation(e_kra_ev, delta_e_ev, field_work_ev);
    return HopRate{rate_at(a.e_a_ev), a.e_a_ev, a.clamped};
  }
  // rate()'s two steps, for callers that reuse the second (the engine's
  // RateMemo): rate() = rate_at(activation(...).e_a_ev), bit for bit.
  struct Activation {
    double e_a_ev;
    bool clamped;
  };
  Activation activation(double e_kra_ev, double delta_e_ev, double field_work_ev) const {
    double e_a = e_kra_ev + 0.5 * delta_e_ev - 0.5 * field_work_ev;
    const double floor = std::max(0.0, delta_e_ev - field_work_ev);
    const bool clamped = e_a < floor;
    if (clamped) e_a = floor;
    return {e_a, clamped};
  }
  double rate_at(double e_a_ev) const { return m_nu * std::exp(-m_beta * e_a_ev); }
  double attempt_frequency_hz() const { return m_nu; }
  double temperature_k() const { return m_temperature; }
  double beta_per_ev() const { return m_beta; }

 private:
  double m_nu;
  double m_temperature;
  double m_beta;  // 1 / (k_B T), 1/eV
};

}  // namespace hkmc::barriers
