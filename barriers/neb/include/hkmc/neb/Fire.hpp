#pragma once
// FIRE, the fast inertial relaxation engine (Bitzek, Koskinen, Gähler, Moseler
// & Gumbsch, PRL 97, 170201 (2006)), with the paper's parameters:
// N_min = 5, f_inc = 1.1, f_dec = 0.5, α_start = 0.1, f_α = 0.99,
// Δt_max = 10 Δt_0. The update follows ASE's FIRE (Euler step of unit-mass
// velocities, mixing v ← (1−α)v + α|v| F̂ while P = F·v > 0, the whole step
// capped at max_step in norm) so that force-call counts compare with ASE's.
#include <Eigen/Core>
#include <functional>
#include <vector>

#include "hkmc/neb/Potential.hpp"

namespace hkmc::neb {

struct FireOptions {
  double fmax = 0.05;      // convergence: largest atomic force norm, eV/Å
  int max_steps = 2000;    // steps (force calls) before giving up
  double dt = 0.1;         // initial time step (ASE units, unit mass)
  double dt_max = 1.0;     // largest time step
  double max_step = 0.2;   // cap on the norm of one step's displacement, Å
  int n_min = 5;
  double f_inc = 1.1;
  double f_dec = 0.5;
  double alpha_start = 0.1;
  double f_alpha = 0.99;

  // Throws InputError naming the bad field.
  void validate() const;
};

// The FIRE integrator on a flat coordinate vector (used for atoms and for the
// concatenated NEB images alike).
class Fire {
 public:
  explicit Fire(const FireOptions& options);
  // One step: given forces f (same length as x, eV/Å) at x (Å), moves x.
  void step(Eigen::Ref<Eigen::VectorXd> x, const Eigen::VectorXd& f);
  void reset();

 private:
  FireOptions m_options;
  Eigen::VectorXd m_v;
  double m_dt;
  double m_alpha;
  int m_steps_since_negative = 0;
};

struct RelaxResult {
  Structure structure;  // relaxed structure
  double energy = 0.0;  // eV
  double fmax = 0.0;    // largest atomic force norm at the end, eV/Å (free atoms)
  int steps = 0;
  int force_calls = 0;
  bool converged = false;
};

// Relaxes atomic positions at fixed cell. `fixed` (size N or empty) marks atoms
// that do not move. Never throws for non-convergence: check `converged`.
RelaxResult relax(const Potential& potential, Structure structure, const FireOptions& options,
                  const std::vector<bool>& fixed = {});

// Largest row norm of an N×3 force matrix (eV/Å).
double max_atomic_force(const Matrix3N& forces);
// Largest absolute component of an N×3 matrix.
inline double max_abs(const Matrix3N& m) { return m.size() ? m.cwiseAbs().maxCoeff() : 0.0; }

}  // namespace hkmc::neb
