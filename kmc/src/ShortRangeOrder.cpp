#include "hkmc/kmc/ShortRangeOrder.hpp"

#include <cmath>
#include <limits>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::SiteRole;

namespace {

NeighbourShells shells_for_sro(const lattice::Supercell& supercell, int shells) {
  try {
    return NeighbourShells(supercell, shells);
  } catch (const InputError& e) {
    throw InputError(std::string("short-range order: ") + e.what());
  }
}

}  // namespace

ShortRangeOrder::ShortRangeOrder(const lattice::Supercell& supercell, int shells)
    : m_supercell(supercell), m_shells(shells_for_sro(supercell, shells)) {}

std::vector<double> ShortRangeOrder::alpha(std::span<const lattice::Occupant> occupancy, int codes) const {
  const int shells = this->shells();
  std::vector<double> pairs(static_cast<std::size_t>(shells) * codes * codes, 0.0);
  std::vector<double> count(codes, 0.0);
  for (int site = 0; site < m_supercell.num_sites(); ++site) {
    if (m_supercell.role(site) != SiteRole::kLattice) continue;
    const int here = occupancy[site];
    if (here == lattice::kEmpty) continue;
    count[here] += 1;
    const auto cell = m_supercell.cell_of(site);
    const int mobile = m_supercell.mobile_of(site);
    for (int k = 0; k < shells; ++k)
      for (const auto& o : m_shells.neighbours(mobile, k)) {
        const int there = occupancy[m_supercell.shifted_from(cell, o)];
        if (there != lattice::kEmpty) pairs[(static_cast<std::size_t>(k) * codes + here) * codes + there] += 1;
      }
  }
  double ions = 0;
  for (int c = 1; c < codes; ++c) ions += count[c];
  std::vector<double> alpha(pairs.size(), std::numeric_limits<double>::quiet_NaN());
  for (int k = 0; k < shells; ++k)
    for (int i = 1; i < codes; ++i) {
      double neighbors_of_i = 0;
      for (int j = 1; j < codes; ++j) neighbors_of_i += pairs[(static_cast<std::size_t>(k) * codes + i) * codes + j];
      if (neighbors_of_i == 0) continue;
      for (int j = 1; j < codes; ++j) {
        const double c_j = count[j] / ions;
        if (c_j == 0) continue;
        const double p = pairs[(static_cast<std::size_t>(k) * codes + i) * codes + j] / neighbors_of_i;
        alpha[(static_cast<std::size_t>(k) * codes + i) * codes + j] = 1.0 - p / c_j;
      }
    }
  return alpha;
}

}  // namespace hkmc::kmc
