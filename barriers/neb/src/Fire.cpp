#include "hkmc/neb/Fire.hpp"

#include <cmath>
#include <fmt/format.h>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {

void FireOptions::validate() const {
  auto positive = [](const char* key, double v) {
    if (!(v > 0.0)) throw InputError(fmt::format("fire: {} = {}: must be > 0", key, v));
  };
  positive("fmax", fmax);
  positive("dt", dt);
  positive("dt_max", dt_max);
  positive("max_step", max_step);
  if (max_steps < 0) throw InputError(fmt::format("fire: max_steps = {}: must be >= 0", max_steps));
  if (!(f_inc >= 1.0)) throw InputError(fmt::format("fire: f_inc = {}: must be >= 1", f_inc));
  if (!(f_dec > 0.0 && f_dec < 1.0)) {
    throw InputError(fmt::format("fire: f_dec = {}: must be in (0, 1)", f_dec));
  }
  if (!(alpha_start > 0.0 && alpha_start < 1.0)) {
    throw InputError(fmt::format("fire: alpha_start = {}: must be in (0, 1)", alpha_start));
  }
  if (!(f_alpha > 0.0 && f_alpha <= 1.0)) {
    throw InputError(fmt::format("fire: f_alpha = {}: must be in (0, 1]", f_alpha));
  }
}

Fire::Fire(const FireOptions& options)
    : m_options(options), m_dt(options.dt), m_alpha(options.alpha_start) {
  m_options.validate();
}

void Fire::reset() {
  m_v.resize(0);
  m_dt = m_options.dt;
  m_alpha = m_options.alpha_start;
  m_steps_since_negative = 0;
}

void Fire::step(Eigen::Ref<Eigen::VectorXd> x, const Eigen::VectorXd& f) {
  if (m_v.size() != x.size()) {
    m_v = Eigen::VectorXd::Zero(x.size());
  } else {
    const double p = f.dot(m_v);
    if (p > 0.0) {
      const double fn = f.norm();
      if (fn > 0.0) m_v = (1.0 - m_alpha) * m_v + m_alpha * m_v.norm() / fn * f;
      if (m_steps_since_negative > m_options.n_min) {
        m_dt = std::min(m_dt * m_options.f_inc, m_options.dt_max);
        m_alpha *= m_options.f_alpha;
      }
      ++m_steps_since_negative;
    } else {
      // Going uphill: stop, shrink the step, restart the mixing.
      m_v.setZero();
      m_alpha = m_options.alpha_start;
      m_dt *= m_options.f_dec;
      m_steps_since_negative = 0;
    }
  }
  m_v += m_dt * f;
  Eigen::VectorXd dr = m_dt * m_v;
  const double norm = dr.norm();
  if (norm > m_options.max_step) dr *= m_options.max_step / norm;
  x += dr;
}

double max_atomic_force(const Matrix3N& forces) {
  return forces.rows() == 0 ? 0.0 : forces.rowwise().norm().maxCoeff();
}

RelaxResult relax(const Potential& potential, Structure structure, const FireOptions& options,
                  const std::vector<bool>& fixed) {
  options.validate();
  const auto n = static_cast<Eigen::Index>(structure.size());
  if (!fixed.empty() && fixed.size() != structure.size()) {
    throw InputError(fmt::format("relax: fixed mask has {} entries for {} atoms", fixed.size(), n));
  }
  Fire fire(options);
  RelaxResult out;
  Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(structure.positions.data(), 3 * n);
  for (;;) {
    Eigen::Map<Eigen::VectorXd>(structure.positions.data(), 3 * n) = x;
    EnergyForces ef = potential.compute(structure);
    ++out.force_calls;
    for (Eigen::Index i = 0; i < n; ++i) {
      if (!fixed.empty() && fixed[i]) ef.forces.row(i).setZero();
    }
    out.energy = ef.energy;
    out.fmax = max_atomic_force(ef.forces);
    if (out.fmax < options.fmax) {
      out.converged = true;
      break;
    }
    if (out.steps >= options.max_steps) break;
    fire.step(x, Eigen::Map<const Eigen::VectorXd>(ef.forces.data(), 3 * n));
    ++out.steps;
  }
  out.structure = std::move(structure);
  return out;
}

}  // namespace hkmc::neb
