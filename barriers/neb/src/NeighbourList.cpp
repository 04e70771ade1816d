#include "hkmc/neb/NeighbourList.hpp"

#include <Eigen/LU>
#include <algorithm>
#include <array>
#include <cmath>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {
namespace {

// The half list keeps (i, j, S) with i < j, and for i == j only S > 0
// lexicographically, so each unordered pair (and each self-image pair) is kept
// exactly once.
bool keep_in_half(std::int64_t i, std::int64_t j, const Eigen::Vector3i& s) {
  if (i != j) return i < j;
  for (int k = 0; k < 3; ++k) {
    if (s(k) != 0) return s(k) > 0;
  }
  return false;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

void add_edge(NeighbourList& list, NeighbourListKind kind, std::int64_t i, std::int64_t j,
              const Eigen::Vector3i& s) {
  if (kind == NeighbourListKind::Half && !keep_in_half(i, j, s)) return;
  list.first.push_back(i);
  list.second.push_back(j);
  list.shifts.push_back(s);
}

}  // namespace

NeighbourList build_neighbour_list(const Structure& structure, double cutoff,
                                   NeighbourListKind kind) {
  structure.validate();
  if (!(cutoff > 0.0)) {
    throw InputError("neighbour list: cutoff = " + std::to_string(cutoff) + " Å: must be > 0");
  }
  NeighbourList list;
  list.cutoff = cutoff;
  const auto n = static_cast<std::int64_t>(structure.size());
  const double cut2 = cutoff * cutoff;

  if (!structure.periodic) {
    // Isolated clusters are small here (analytic tests, molecules): O(N²).
    for (std::int64_t i = 0; i < n; ++i) {
      for (std::int64_t j = 0; j < n; ++j) {
        if (i == j) continue;
        if ((structure.positions.row(j) - structure.positions.row(i)).squaredNorm() < cut2) {
          add_edge(list, kind, i, j, Eigen::Vector3i::Zero());
        }
      }
    }
    return list;
  }

  const Cell& cell = structure.cell;
  const Eigen::Matrix3d inv = cell.inverse();
  // Wrap every atom into [0,1)³ fractional, remembering the lattice shift w so
  // edge shifts refer to the positions as given: S_edge = S_bin + w_j − w_i.
  std::vector<Eigen::Vector3i> wrap(n);
  Matrix3N frac(n, 3);
  for (std::int64_t i = 0; i < n; ++i) {
    Eigen::RowVector3d f = structure.positions.row(i) * inv;
    for (int k = 0; k < 3; ++k) {
      const double fl = std::floor(f(k));
      wrap[i](k) = -static_cast<int>(fl);
      f(k) -= fl;
      if (f(k) >= 1.0) {  // floor rounding at 1 − ε
        f(k) -= 1.0;
        wrap[i](k) -= 1;
      }
    }
    frac.row(i) = f;
  }
  Matrix3N wrapped = frac * cell;

  // Plane spacing along axis k is 1/|column k of cell⁻¹|. Bins are at least
  // `cutoff` wide where the cell allows; otherwise one bin and several images.
  std::array<std::int64_t, 3> nbins{}, reach{};
  for (int k = 0; k < 3; ++k) {
    const double width = 1.0 / inv.col(k).norm();
    nbins[k] = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::floor(width / cutoff)));
    nbins[k] = std::min<std::int64_t>(nbins[k], 64);
    reach[k] = static_cast<std::int64_t>(std::ceil(cutoff * nbins[k] / width));
  }
  auto bin_of = [&](std::int64_t i, int k) {
    return std::min<std::int64_t>(nbins[k] - 1,
                                  static_cast<std::int64_t>(frac(i, k) * nbins[k]));
  };
  const std::int64_t total_bins = nbins[0] * nbins[1] * nbins[2];
  std::vector<std::vector<std::int64_t>> bins(total_bins);
  for (std::int64_t i = 0; i < n; ++i) {
    bins[(bin_of(i, 0) * nbins[1] + bin_of(i, 1)) * nbins[2] + bin_of(i, 2)].push_back(i);
  }

  // Each offset o gives a distinct (bin, lattice shift) pair, so no edge is
  // produced twice even when one bin spans the whole cell.
  for (std::int64_t i = 0; i < n; ++i) {
    const std::array<std::int64_t, 3> b{bin_of(i, 0), bin_of(i, 1), bin_of(i, 2)};
    for (std::int64_t o0 = -reach[0]; o0 <= reach[0]; ++o0) {
      for (std::int64_t o1 = -reach[1]; o1 <= reach[1]; ++o1) {
        for (std::int64_t o2 = -reach[2]; o2 <= reach[2]; ++o2) {
          const std::array<std::int64_t, 3> o{o0, o1, o2};
          std::array<std::int64_t, 3> c{};
          Eigen::Vector3i s;
          for (int k = 0; k < 3; ++k) {
            const std::int64_t t = b[k] + o[k];
            const std::int64_t q = floor_div(t, nbins[k]);
            c[k] = t - q * nbins[k];
            s(k) = static_cast<int>(q);
          }
          const Eigen::RowVector3d offset = s.cast<double>().transpose() * cell;
          for (std::int64_t j : bins[(c[0] * nbins[1] + c[1]) * nbins[2] + c[2]]) {
            if (j == i && s.isZero()) continue;
            const Eigen::RowVector3d d = wrapped.row(j) + offset - wrapped.row(i);
            if (d.squaredNorm() < cut2) add_edge(list, kind, i, j, s + wrap[j] - wrap[i]);
          }
        }
      }
    }
  }
  return list;
}

}  // namespace hkmc::neb
