#include "hkmc/neb/Neb.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/PathInterpolation.hpp"

namespace hkmc::neb {

void NebOptions::validate() const {
  if (n_images < 1) throw InputError(fmt::format("neb: n_images = {}: must be >= 1", n_images));
  if (!(spring > 0.0)) throw InputError(fmt::format("neb: spring = {}: must be > 0 eV/A^2", spring));
  if (!(fmax > 0.0)) throw InputError(fmt::format("neb: fmax = {}: must be > 0 eV/A", fmax));
  if (max_steps < 0) throw InputError(fmt::format("neb: max_steps = {}: must be >= 0", max_steps));
  fire.validate();
}

namespace {

using Vec = Eigen::VectorXd;

Vec flat(const Matrix3N& m) { return Eigen::Map<const Vec>(m.data(), m.size()); }

}  // namespace

NebResult run_neb_on_path(const ImageEvaluator& evaluate, std::vector<Structure> path,
                          const NebOptions& options) {
  options.validate();
  const int n_total = static_cast<int>(path.size());
  if (n_total < 3) throw InputError("neb: a path needs at least 3 images");
  const auto n_atoms = static_cast<Eigen::Index>(path.front().size());
  const Eigen::Index dim = 3 * n_atoms;
  if (!options.fixed.empty() && options.fixed.size() != path.front().size()) {
    throw InputError(fmt::format("neb: fixed mask has {} entries for {} atoms",
                                 options.fixed.size(), n_atoms));
  }
  const int n_moving = n_total - 2;

  NebResult out;
  std::vector<double> energy(n_total, 0.0);
  out.forces.resize(n_total);
  {
    const auto ends = evaluate({path.front(), path.back()}, {0, n_total - 1});
    out.force_calls += 2;
    energy.front() = ends[0].energy;
    energy.back() = ends[1].energy;
    out.forces.front() = ends[0].forces;
    out.forces.back() = ends[1].forces;
  }

  // All moving images' coordinates in one vector: FIRE sees one system.
  Vec x(n_moving * dim);
  for (int m = 0; m < n_moving; ++m) x.segment(m * dim, dim) = flat(path[m + 1].positions);
  Fire fire(options.fire);
  std::vector<int> moving_index(n_moving);
  for (int m = 0; m < n_moving; ++m) moving_index[m] = m + 1;

  Vec neb_force(n_moving * dim);
  for (;;) {
    std::vector<Structure> moving(path.begin() + 1, path.end() - 1);
    for (int m = 0; m < n_moving; ++m) {
      Eigen::Map<Vec>(moving[m].positions.data(), dim) = x.segment(m * dim, dim);
    }
    const auto results = evaluate(moving, moving_index);
    out.force_calls += n_moving;
    for (int m = 0; m < n_moving; ++m) {
      path[m + 1].positions = moving[m].positions;
      energy[m + 1] = results[m].energy;
      out.forces[m + 1] = results[m].forces;
    }
    const int climber =
        options.climb
            ? 1 + static_cast<int>(std::max_element(energy.begin() + 1, energy.end() - 1) -
                                   (energy.begin() + 1))
            : -1;

    for (int i = 1; i <= n_moving; ++i) {
      const Vec r_prev = flat(path[i - 1].positions);
      const Vec r = flat(path[i].positions);
      const Vec r_next = flat(path[i + 1].positions);
      const Vec t_plus = r_next - r, t_minus = r - r_prev;
      Vec tangent;
      const double e_prev = energy[i - 1], e = energy[i], e_next = energy[i + 1];
      if (e_next > e && e > e_prev) {
        tangent = t_plus;
      } else if (e_next < e && e < e_prev) {
        tangent = t_minus;
      } else {
        // At an extremum: weight by the energy differences so the tangent
        // turns smoothly between the two upwind choices (eq. 10–11).
        const double dv_max = std::max(std::abs(e_next - e), std::abs(e_prev - e));
        const double dv_min = std::min(std::abs(e_next - e), std::abs(e_prev - e));
        tangent = e_next > e_prev ? Vec(t_plus * dv_max + t_minus * dv_min)
                                  : Vec(t_plus * dv_min + t_minus * dv_max);
      }
      const double tn = tangent.norm();
      if (tn > 0.0) tangent /= tn;
      const Vec f = flat(results[i - 1].forces);
      const double f_par = f.dot(tangent);
      Vec fi;
      if (i == climber) {
        fi = f - 2.0 * f_par * tangent;
      } else {
        fi = f - f_par * tangent +
             options.spring * (t_plus.norm() - t_minus.norm()) * tangent;
      }
      if (!options.fixed.empty()) {
        for (Eigen::Index a = 0; a < n_atoms; ++a) {
          if (options.fixed[a]) fi.segment(3 * a, 3).setZero();
        }
      }
      neb_force.segment((i - 1) * dim, dim) = fi;
    }
    double fmax = 0.0;
    for (Eigen::Index a = 0; a < n_moving * n_atoms; ++a) {
      fmax = std::max(fmax, neb_force.segment(3 * a, 3).norm());
    }
    out.max_force = fmax;
    out.climbing_image = climber;
    if (fmax < options.fmax) {
      out.converged = true;
      break;
    }
    if (out.steps >= options.max_steps) break;
    fire.step(x, neb_force);
    ++out.steps;
  }

  out.energies = energy;
  out.reaction_coordinate.assign(n_total, 0.0);
  for (int i = 1; i < n_total; ++i) {
    out.reaction_coordinate[i] = out.reaction_coordinate[i - 1] +
                                 (path[i].positions - path[i - 1].positions).norm();
  }
  const auto top = std::max_element(energy.begin(), energy.end());
  out.saddle_energy = *top;
  out.barrier_forward = out.saddle_energy - energy.front();
  out.barrier_backward = out.saddle_energy - energy.back();
  out.e_kra = 0.5 * (out.barrier_forward + out.barrier_backward);
  out.images = std::move(path);
  return out;
}

NebResult run_neb(const Potential& potential, const Structure& initial,
                  const Structure& final_state, const NebOptions& options) {
  options.validate();
  std::vector<Structure> path =
      options.interpolation == Interpolation::Idpp
          ? interpolate_idpp(initial, final_state, options.n_images)
          : interpolate_linear(initial, final_state, options.n_images);
  if (!options.fixed.empty() && options.interpolation == Interpolation::Idpp &&
      options.fixed.size() == initial.size()) {
    // IDPP moves every atom; fixed atoms keep their linear path (they never move in the NEB).
    const std::vector<Structure> linear = interpolate_linear(initial, final_state, options.n_images);
    for (std::size_t m = 0; m < path.size(); ++m)
      for (std::size_t a = 0; a < options.fixed.size(); ++a)
        if (options.fixed[a]) path[m].positions.row(static_cast<Eigen::Index>(a)) = linear[m].positions.row(static_cast<Eigen::Index>(a));
  }
  ImageEvaluator evaluate = [&potential](const std::vector<Structure>& images,
                                         const std::vector<int>&) {
    return potential.compute_batch(images);
  };
  return run_neb_on_path(evaluate, std::move(path), options);
}

}  // namespace hkmc::neb
