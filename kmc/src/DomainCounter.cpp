#include "hkmc/kmc/DomainCounter.hpp"

#include <string>

#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/NeighbourShells.hpp"

namespace hkmc::kmc {
namespace {

NeighbourShells first_shell(const lattice::Supercell& supercell) {
  try {
    return NeighbourShells(supercell, 1);
  } catch (const InputError& e) {
    throw InputError(std::string("domain count: ") + e.what());
  }
}

}  // namespace

DomainCounter::DomainCounter(const lattice::Supercell& supercell) : m_num_sites(supercell.num_sites()) {
  const NeighbourShells shells = first_shell(supercell);
  for (int site = 0; site < supercell.num_sites(); ++site) {
    if (supercell.role(site) != lattice::SiteRole::kLattice) continue;
    m_sites.push_back(site);
    for (const auto& o : shells.neighbours(supercell.mobile_of(site), 0)) {
      const int other = supercell.shifted(site, o);
      if (other > site) m_bonds.emplace_back(site, other);
    }
  }
}

std::vector<std::int32_t> DomainCounter::count(std::span<const lattice::Occupant> occupancy, int codes,
                                               int min_sites) const {
  std::vector<int> parent(m_num_sites), size(m_num_sites, 1);
  for (int s : m_sites) parent[s] = s;
  auto find = [&](int x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const auto& [a, b] : m_bonds) {
    if (occupancy[a] != occupancy[b]) continue;
    int ra = find(a), rb = find(b);
    if (ra == rb) continue;
    if (size[ra] < size[rb]) std::swap(ra, rb);
    parent[rb] = ra;
    size[ra] += size[rb];
  }
  std::vector<std::int32_t> domains(codes, 0);
  for (int s : m_sites)
    if (parent[s] == s && size[s] >= min_sites) domains[occupancy[s]]++;
  return domains;
}

}  // namespace hkmc::kmc
