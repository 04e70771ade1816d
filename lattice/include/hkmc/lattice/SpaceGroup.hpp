#pragma once
// Space-group operations of a crystal, derived, not listed: the lattice's point
// group (integer matrices preserving the metric) combined with every
// translation that maps each basis site onto a site of the same sublattice.
#include <Eigen/Core>
#include <vector>

#include "hkmc/lattice/Crystal.hpp"

namespace hkmc::lattice {

struct SymmetryOperation {
  Eigen::Matrix3d rotation_frac;     // integer entries; acts on fractional coordinates
  Eigen::Vector3d translation_frac;  // fractional, in [0, 1)
  Eigen::Matrix3d rotation_cart;     // the same rotation acting on Cartesian vectors

  Eigen::Vector3d apply_frac(const Eigen::Vector3d& frac) const {
    return rotation_frac * frac + translation_frac;
  }
};

// All operations modulo lattice translations; the identity comes first.
std::vector<SymmetryOperation> space_group(const Crystal& crystal, double tolerance_frac = 1e-6);

// True when `a` and `b` (fractional) differ by a lattice vector; the vector goes to `shift`.
bool lattice_equivalent(const Eigen::Vector3d& a, const Eigen::Vector3d& b,
                        Eigen::Vector3d* shift = nullptr, double tolerance_frac = 1e-6);

}  // namespace hkmc::lattice
