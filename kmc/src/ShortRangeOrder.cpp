#include "hkmc/kmc/ShortRangeOrder.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::SiteOffset;
using lattice::SiteRole;

ShortRangeOrder::ShortRangeOrder(const lattice::Supercell& supercell, int shells)
    : m_supercell(supercell) {
  const auto& crystal = m_supercell.crystal();
  const int n_mobile = m_supercell.mobile_count();
  auto frac = [&](const SiteOffset& s) -> Eigen::Vector3d {
    return Eigen::Vector3d(s.cell[0], s.cell[1], s.cell[2]) + crystal.basis()[crystal.mobile_basis()[s.mobile]].frac;
  };
  auto is_lattice = [&](int m) { return crystal.basis()[crystal.mobile_basis()[m]].role == SiteRole::kLattice; };
  // Distances between lattice sites, from every lattice basis site.
  const int range = 3;
  std::vector<double> all;
  for (int m = 0; m < n_mobile; ++m) {
    if (!is_lattice(m)) continue;
    const Eigen::Vector3d origin = crystal.cartesian(frac({m, {0, 0, 0}}));
    for (int i = -range; i <= range; ++i)
      for (int j = -range; j <= range; ++j)
        for (int k = -range; k <= range; ++k)
          for (int o = 0; o < n_mobile; ++o) {
            if (!is_lattice(o)) continue;
            const double d = (crystal.cartesian(frac({o, {i, j, k}})) - origin).norm();
            if (d > 1e-3) all.push_back(d);
          }
  }
  std::sort(all.begin(), all.end());
  for (double d : all) {
    if (static_cast<int>(m_shell_distance.size()) == shells) break;
    if (m_shell_distance.empty() || d > m_shell_distance.back() + 1e-3) m_shell_distance.push_back(d);
  }
  m_neighbors.assign(n_mobile, std::vector<std::vector<SiteOffset>>(m_shell_distance.size()));
  for (int m = 0; m < n_mobile; ++m) {
    if (!is_lattice(m)) continue;
    const Eigen::Vector3d origin = crystal.cartesian(frac({m, {0, 0, 0}}));
    for (int i = -range; i <= range; ++i)
      for (int j = -range; j <= range; ++j)
        for (int k = -range; k <= range; ++k)
          for (int o = 0; o < n_mobile; ++o) {
            if (!is_lattice(o)) continue;
            const double d = (crystal.cartesian(frac({o, {i, j, k}})) - origin).norm();
            for (std::size_t s = 0; s < m_shell_distance.size(); ++s)
              if (std::abs(d - m_shell_distance[s]) <= 1e-3) m_neighbors[m][s].push_back({o, {i, j, k}});
          }
    // A neighbour reached twice through the periodic boundary would bias P_k.
    const int site = m_supercell.site({0, 0, 0}, m);
    for (const auto& shell : m_neighbors[m]) {
      std::vector<int> sites;
      for (const auto& o : shell) sites.push_back(m_supercell.shifted(site, o));
      std::sort(sites.begin(), sites.end());
      if (std::adjacent_find(sites.begin(), sites.end()) != sites.end() ||
          std::binary_search(sites.begin(), sites.end(), site))
        throw InputError("short-range order: the supercell is too small for " + std::to_string(shells) +
                         " neighbour shells (a shell meets its own periodic image)");
    }
  }
}

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
    const auto& shells_here = m_neighbors[m_supercell.mobile_of(site)];
    for (int k = 0; k < shells; ++k)
      for (const auto& o : shells_here[k]) {
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
