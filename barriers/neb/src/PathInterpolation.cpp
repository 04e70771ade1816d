#include "hkmc/neb/PathInterpolation.hpp"

#include <Eigen/LU>
#include <cmath>
#include <fmt/format.h>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/Neb.hpp"

namespace hkmc::neb {

void check_compatible_endpoints(const Structure& initial, const Structure& final_state) {
  initial.validate();
  final_state.validate();
  if (initial.size() != final_state.size()) {
    throw InputError(fmt::format("neb: initial has {} atoms but final has {}; endpoints must "
                                 "hold the same atoms in the same order",
                                 initial.size(), final_state.size()));
  }
  for (std::size_t i = 0; i < initial.size(); ++i) {
    if (initial.symbols[i] != final_state.symbols[i]) {
      throw InputError(fmt::format("neb: atom {} is '{}' in the initial state but '{}' in the "
                                   "final state; endpoints must hold the same atoms in order",
                                   i, initial.symbols[i], final_state.symbols[i]));
    }
  }
  if (initial.periodic != final_state.periodic ||
      (initial.periodic && !initial.cell.isApprox(final_state.cell, 1e-12))) {
    throw InputError("neb: the endpoints must share one cell and periodicity");
  }
}

std::vector<Structure> interpolate_linear(const Structure& initial, const Structure& final_state,
                                          int n_intermediate) {
  check_compatible_endpoints(initial, final_state);
  if (n_intermediate < 1) {
    throw InputError(fmt::format("neb: n_images = {}: must be >= 1", n_intermediate));
  }
  const Matrix3N end = unwrap_against(initial, final_state);
  std::vector<Structure> path;
  path.reserve(n_intermediate + 2);
  for (int k = 0; k <= n_intermediate + 1; ++k) {
    Structure s = initial;
    const double t = static_cast<double>(k) / (n_intermediate + 1);
    s.positions = initial.positions + t * (end - initial.positions);
    path.push_back(std::move(s));
  }
  return path;
}

namespace {

// Pairwise minimum-image distances (N×N, Å).
Eigen::MatrixXd pair_distances(const Structure& s, const Eigen::Matrix3d& inv) {
  const auto n = static_cast<Eigen::Index>(s.size());
  Eigen::MatrixXd d = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = i + 1; j < n; ++j) {
      Eigen::RowVector3d v = s.positions.row(j) - s.positions.row(i);
      if (s.periodic) {
        Eigen::RowVector3d f = v * inv;
        for (int k = 0; k < 3; ++k) f(k) -= std::floor(f(k) + 0.5);
        v = f * s.cell;
      }
      d(i, j) = d(j, i) = v.norm();
    }
  }
  return d;
}

}  // namespace

std::vector<Structure> interpolate_idpp(const Structure& initial, const Structure& final_state,
                                        int n_intermediate, double fmax, int max_steps) {
  std::vector<Structure> path = interpolate_linear(initial, final_state, n_intermediate);
  const Eigen::Matrix3d inv =
      initial.periodic ? Eigen::Matrix3d(initial.cell.inverse()) : Eigen::Matrix3d::Identity();
  const Eigen::MatrixXd d0 = pair_distances(path.front(), inv);
  const Eigen::MatrixXd d1 = pair_distances(path.back(), inv);
  const int n_total = n_intermediate + 2;

  ImageEvaluator evaluate = [&](const std::vector<Structure>& images,
                                const std::vector<int>& path_index) {
    std::vector<EnergyForces> out;
    out.reserve(images.size());
    for (std::size_t m = 0; m < images.size(); ++m) {
      const Structure& s = images[m];
      const double t = static_cast<double>(path_index[m]) / (n_total - 1);
      const auto n = static_cast<Eigen::Index>(s.size());
      EnergyForces ef;
      ef.forces = Matrix3N::Zero(n, 3);
      for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = i + 1; j < n; ++j) {
          Eigen::RowVector3d v = s.positions.row(j) - s.positions.row(i);
          if (s.periodic) {
            Eigen::RowVector3d f = v * inv;
            for (int k = 0; k < 3; ++k) f(k) -= std::floor(f(k) + 0.5);
            v = f * s.cell;
          }
          const double d = v.norm();
          if (d <= 0.0) continue;
          const double target = d0(i, j) + t * (d1(i, j) - d0(i, j));
          const double diff = target - d;
          const double w = 1.0 / (d * d * d * d);
          ef.energy += w * diff * diff;
          // dS/dd = −2 w (τ − d) [2 (τ − d)/d + 1]
          const double dsdd = -2.0 * w * diff * (2.0 * diff / d + 1.0);
          const Eigen::RowVector3d g = dsdd / d * v;  // ∂S/∂x_j
          ef.forces.row(j) -= g;
          ef.forces.row(i) += g;
        }
      }
      out.push_back(std::move(ef));
    }
    return out;
  };
  NebOptions options;
  options.n_images = n_intermediate;
  options.climb = false;
  options.fmax = fmax;
  options.max_steps = max_steps;
  options.fire.max_step = 0.1;
  NebResult r = run_neb_on_path(evaluate, std::move(path), options);
  return std::move(r.images);
}

}  // namespace hkmc::neb
