#include "hkmc/kmc/NeighbourShells.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

using lattice::SiteOffset;
using lattice::SiteRole;

NeighbourShells::NeighbourShells(const lattice::Supercell& supercell, int shells) {
  const auto& crystal = supercell.crystal();
  const int n_mobile = supercell.mobile_count();
  auto frac = [&](const SiteOffset& s) -> Eigen::Vector3d {
    return Eigen::Vector3d(s.cell[0], s.cell[1], s.cell[2]) + crystal.basis()[crystal.mobile_basis()[s.mobile]].frac;
  };
  auto is_lattice = [&](int m) { return crystal.basis()[crystal.mobile_basis()[m]].role == SiteRole::kLattice; };
  // Calls visit(offset, distance in Å) for every lattice site within 3 cells
  // of lattice basis site m (other than itself).
  auto for_each_lattice_site = [&](int m, auto&& visit) {
    const int range = 3;
    const Eigen::Vector3d origin = crystal.cartesian(frac({m, {0, 0, 0}}));
    for (int i = -range; i <= range; ++i)
      for (int j = -range; j <= range; ++j)
        for (int k = -range; k <= range; ++k)
          for (int o = 0; o < n_mobile; ++o) {
            if (!is_lattice(o)) continue;
            const double d = (crystal.cartesian(frac({o, {i, j, k}})) - origin).norm();
            if (d > 1e-3) visit(SiteOffset{o, {i, j, k}}, d);
          }
  };
  std::vector<double> all;
  for (int m = 0; m < n_mobile; ++m)
    if (is_lattice(m)) for_each_lattice_site(m, [&](const SiteOffset&, double d) { all.push_back(d); });
  std::sort(all.begin(), all.end());
  for (double d : all) {
    if (static_cast<int>(m_distance.size()) == shells) break;
    if (m_distance.empty() || d > m_distance.back() + 1e-3) m_distance.push_back(d);
  }
  m_neighbours.assign(n_mobile, std::vector<std::vector<SiteOffset>>(m_distance.size()));
  for (int m = 0; m < n_mobile; ++m) {
    if (!is_lattice(m)) continue;
    for_each_lattice_site(m, [&](const SiteOffset& o, double d) {
      for (std::size_t s = 0; s < m_distance.size(); ++s)
        if (std::abs(d - m_distance[s]) <= 1e-3) m_neighbours[m][s].push_back(o);
    });
    // A neighbour reached twice through the periodic boundary would be counted twice.
    const int site = supercell.site({0, 0, 0}, m);
    for (const auto& shell : m_neighbours[m]) {
      std::vector<int> sites;
      for (const auto& o : shell) sites.push_back(supercell.shifted(site, o));
      std::sort(sites.begin(), sites.end());
      if (std::adjacent_find(sites.begin(), sites.end()) != sites.end() ||
          std::binary_search(sites.begin(), sites.end(), site))
        throw InputError("the supercell is too small for " + std::to_string(shells) +
                         " neighbour shells (a shell meets its own periodic image)");
    }
  }
}

}  // namespace hkmc::kmc
