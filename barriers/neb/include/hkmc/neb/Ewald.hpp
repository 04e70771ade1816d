#pragma once
// Ewald summation of point-charge Coulomb energy in a periodic cell, with a
// uniform neutralising background for charged cells (defect supercells).
//
//   E = E_real + E_recip + E_self + E_background
//   E_real  = k_e Σ_{i<j,n} q_i q_j erfc(α r_ijn) / r_ijn          (r < r_c)
//   E_recip = (2π k_e / V) Σ_{k≠0, |k|<k_c} exp(−k²/4α²)/k² |S(k)|²,  S(k) = Σ_j q_j e^{ik·r_j}
//   E_self  = −k_e α/√π Σ_i q_i²
//   E_bg    = −k_e π Q² / (2 V α²),   Q = Σ_i q_i
// (e.g. Frenkel & Smit, "Understanding Molecular Simulation", ch. 12; the
// background term: Hub, de Groot & van der Spoel, JCTC 10, 381 (2014)).
//
// Parameters from one accuracy target ε (Kolafa & Perram, Mol. Sim. 9, 351
// (1992)): with p = ln(1/ε), α = √p / r_c and k_c = 2α√p, so both the
// real-space term at r_c (∝ erfc(√p) ≈ e^{−p}/√(πp)) and the reciprocal term at
// k_c (∝ e^{−p}) are ~ε relative to the pair energy at r_c. The measured
// energy error for ε = 1e-8 is reported in docs/potentials.md.
#include <Eigen/Core>

#include "hkmc/neb/Structure.hpp"

namespace hkmc::neb {

// e²/(4πε0) in eV·Å (CODATA 2018).
inline constexpr double kCoulomb_eV_A = 14.39964547842567;

struct EwaldParameters {
  double alpha = 0.0;        // splitting parameter, 1/Å
  double real_cutoff = 0.0;  // real-space cutoff r_c, Å
  double k_cutoff = 0.0;     // reciprocal-space cutoff |k| < k_c, 1/Å (k includes the 2π)

  // α and k_c from r_c (Å) and a dimensionless accuracy ε in (0, 1).
  static EwaldParameters from_accuracy(double real_cutoff, double accuracy);
};

class Ewald {
 public:
  explicit Ewald(const EwaldParameters& parameters);

  const EwaldParameters& parameters() const { return m_parameters; }

  // Real-space pair term for charge product qq (e²) at distance r (Å):
  // energy (eV) and dE/dr (eV/Å). Zero beyond r_c.
  double real_energy(double qq, double r) const;
  double real_dedr(double qq, double r) const;

  // Reciprocal + self + background energy (eV) of charges (N, e) at positions
  // (N×3, Å) in `cell` (3×3 rows, Å); adds their forces to `forces` (N×3, eV/Å).
  double long_range(const Matrix3N& positions, const Eigen::VectorXd& charges, const Cell& cell,
                    Matrix3N& forces) const;

  // The whole Ewald sum (builds its own neighbour list): energy (eV); forces
  // (N×3, eV/Å) are overwritten.
  double energy_forces(const Structure& structure, const Eigen::VectorXd& charges,
                       Matrix3N& forces) const;

 private:
  EwaldParameters m_parameters;
};

}  // namespace hkmc::neb
