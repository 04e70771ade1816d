#include "hkmc/kmc/SumTree.hpp"

namespace hkmc::kmc {

void SumTree::resize(std::size_t size) {
  m_size = size;
  m_capacity = 1;
  while (m_capacity < size) m_capacity *= 2;
  m_nodes.assign(2 * m_capacity, 0.0);
}

void SumTree::set(std::size_t leaf, double weight) {
  std::size_t i = m_capacity + leaf;
  m_nodes[i] = weight;
  for (i /= 2; i >= 1; i /= 2) m_nodes[i] = m_nodes[2 * i] + m_nodes[2 * i + 1];
}

void SumTree::rebuild() {
  for (std::size_t i = m_capacity - 1; i >= 1; --i) m_nodes[i] = m_nodes[2 * i] + m_nodes[2 * i + 1];
}

std::size_t SumTree::find(double x, double* residual) const {
  std::size_t i = 1;
  while (i < m_capacity) {
    const double left = m_nodes[2 * i];
    const double right = m_nodes[2 * i + 1];
    if ((x < left && left > 0.0) || right <= 0.0) {
      i = 2 * i;
    } else {
      x -= left;
      i = 2 * i + 1;
    }
  }
  if (residual) *residual = x;
  return i - m_capacity;
}

}  // namespace hkmc::kmc
