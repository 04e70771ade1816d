#include "hkmc/lattice/SpaceGroup.hpp"

#include <Eigen/LU>
#include <cmath>

namespace hkmc::lattice {

bool lattice_equivalent(const Eigen::Vector3d& a, const Eigen::Vector3d& b,
                        Eigen::Vector3d* shift, double tolerance_frac) {
  const Eigen::Vector3d d = a - b;
  Eigen::Vector3d n;
  for (int k = 0; k < 3; ++k) {
    n[k] = std::round(d[k]);
    if (std::abs(d[k] - n[k]) > tolerance_frac) return false;
  }
  if (shift) *shift = n;
  return true;
}

namespace {

bool maps_crystal_onto_itself(const Crystal& crystal, const Eigen::Matrix3d& r,
                              const Eigen::Vector3d& t, double tol) {
  const auto& basis = crystal.basis();
  for (const auto& site : basis) {
    const Eigen::Vector3d image = r * site.frac + t;
    bool found = false;
    for (const auto& other : basis) {
      if (other.sublattice == site.sublattice && other.role == site.role &&
          lattice_equivalent(image, other.frac, nullptr, tol)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::vector<SymmetryOperation> space_group(const Crystal& crystal, double tol) {
  const Eigen::Matrix3d c = crystal.cell();
  const Eigen::Matrix3d metric = c * c.transpose();
  const double metric_tol = 1e-6 * metric.norm();
  const Eigen::Matrix3d ct = c.transpose();
  const Eigen::Matrix3d ct_inv = ct.inverse();
  std::vector<SymmetryOperation> ops;

  // Point-group candidates: integer matrices with entries in {-1, 0, 1}. This
  // covers every automorphism of a reduced (e.g. cubic) cell.
  for (int code = 0; code < 19683; ++code) {
    Eigen::Matrix3d r;
    int x = code;
    for (int i = 0; i < 9; ++i) {
      r(i / 3, i % 3) = static_cast<double>(x % 3) - 1.0;
      x /= 3;
    }
    if (std::abs(std::abs(r.determinant()) - 1.0) > 1e-9) continue;
    if ((r.transpose() * metric * r - metric).norm() > metric_tol) continue;
    const auto& first = crystal.basis().front();
    const Eigen::Vector3d image0 = r * first.frac;
    for (const auto& candidate : crystal.basis()) {
      if (candidate.sublattice != first.sublattice || candidate.role != first.role) continue;
      Eigen::Vector3d t = candidate.frac - image0;
      for (int k = 0; k < 3; ++k) {
        t[k] -= std::floor(t[k]);
        if (t[k] > 1.0 - tol) t[k] = 0.0;
      }
      if (!maps_crystal_onto_itself(crystal, r, t, tol)) continue;
      bool duplicate = false;
      for (const auto& op : ops) {
        if ((op.rotation_frac - r).norm() < 1e-9 &&
            lattice_equivalent(op.translation_frac, t, nullptr, tol)) {
          duplicate = true;
          break;
        }
      }
      if (duplicate) continue;
      SymmetryOperation op{r, t, ct * r * ct_inv};
      const bool identity = r.isIdentity(1e-12) && t.norm() < tol;
      if (identity) {
        ops.insert(ops.begin(), op);
      } else {
        ops.push_back(op);
      }
    }
  }
  return ops;
}

}  // namespace hkmc::lattice
