#pragma once
// Flat binary sum tree over non-negative weights: O(log N) update and
// selection. Node i has children 2i and 2i+1; leaves sit at [capacity, 2
// capacity). Parents are recomputed as exact sums of their children on every
// update, so no rounding error accumulates however many updates are made.
#include <cstddef>
#include <vector>

namespace hkmc::kmc {

class SumTree {
 public:
  explicit SumTree(std::size_t size = 0) { resize(size); }
  void resize(std::size_t size);
  std::size_t size() const { return m_size; }

  void set(std::size_t leaf, double weight);
  double get(std::size_t leaf) const { return m_nodes[m_capacity + leaf]; }
  double total() const { return m_nodes[1]; }
  // The leaf whose cumulative interval holds `x`, for 0 <= x < total(); never
  // a zero-weight leaf, even when rounding puts x at an interval's edge.
  // `residual` (optional) receives x minus the weight of all leaves before it.
  std::size_t find(double x, double* residual = nullptr) const;
  // Recompute every parent from the leaves (after set_leaf_only calls).
  void set_leaf_only(std::size_t leaf, double weight) { m_nodes[m_capacity + leaf] = weight; }
  void rebuild();

 private:
  std::size_t m_size = 0;
  std::size_t m_capacity = 1;
  std::vector<double> m_nodes;
};

}  // namespace hkmc::kmc
