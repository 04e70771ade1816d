#include "hkmc/barriers/LatticeHamiltonian.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {
namespace {

using lattice::CellIndex;
using lattice::Occupant;
using lattice::SiteOffset;
using lattice::SiteRole;

constexpr double kShellTolerance = 1e-3;  // Å

struct Candidate {
  SiteOffset offset;
  double distance;
};

Eigen::Vector3d frac_of(const lattice::Crystal& c, const SiteOffset& s) {
  return Eigen::Vector3d(s.cell[0], s.cell[1], s.cell[2]) + c.basis()[c.mobile_basis()[s.mobile]].frac;
}

// Mobile sites of sublattice `name` around basis site `from`, within `r` (Å).
std::vector<Candidate> around(const lattice::Crystal& crystal, int from, const std::string& name, double r) {
  std::vector<Candidate> out;
  const Eigen::Vector3d origin = crystal.cartesian(frac_of(crystal, SiteOffset{from, {0, 0, 0}}));
  const Eigen::Matrix3d inv_t = crystal.cell().transpose().inverse();
  int range[3];
  for (int d = 0; d < 3; ++d) range[d] = static_cast<int>(std::ceil(r * inv_t.row(d).norm())) + 1;
  const auto& mobile = crystal.mobile_basis();
  for (int i = -range[0]; i <= range[0]; ++i)
    for (int j = -range[1]; j <= range[1]; ++j)
      for (int k = -range[2]; k <= range[2]; ++k)
        for (int m = 0; m < static_cast<int>(mobile.size()); ++m) {
          if (crystal.basis()[mobile[m]].sublattice != name) continue;
          const SiteOffset s{m, {i, j, k}};
          const double d = (crystal.cartesian(frac_of(crystal, s)) - origin).norm();
          if (d > kShellTolerance && d <= r + kShellTolerance) out.push_back({s, d});
        }
  return out;
}

// Distinct distances (Å) from sites of sublattice a to sites of sublattice b, ascending.
std::vector<double> shell_distances(const lattice::Crystal& crystal, const std::string& a,
                                    const std::string& b, int shells) {
  const double search = (shells + 2) * crystal.cell().rowwise().norm().maxCoeff();
  std::vector<double> all;
  const auto& mobile = crystal.mobile_basis();
  for (int m = 0; m < static_cast<int>(mobile.size()); ++m) {
    if (crystal.basis()[mobile[m]].sublattice != a) continue;
    for (const auto& c : around(crystal, m, b, search)) all.push_back(c.distance);
  }
  std::sort(all.begin(), all.end());
  std::vector<double> distinct;
  for (double d : all)
    if (distinct.empty() || d > distinct.back() + kShellTolerance) distinct.push_back(d);
  return distinct;
}

}  // namespace

LatticeHamiltonian::LatticeHamiltonian(const lattice::Supercell& supercell,
                                       const lattice::SpeciesTable& species,
                                       const HamiltonianTerms& terms, const std::string& source)
    : m_supercell(supercell), m_codes(species.size() + 1) {
  const lattice::Crystal& crystal = m_supercell.crystal();
  const int n_mobile = m_supercell.mobile_count();
  std::vector<std::string> problems;
  std::set<std::string> sublattices;
  std::map<std::string, SiteRole> role_of;
  for (int m = 0; m < n_mobile; ++m) {
    const auto& site = crystal.basis()[crystal.mobile_basis()[m]];
    sublattices.insert(site.sublattice);
    role_of[site.sublattice] = site.role;
  }
  auto sublattice_ok = [&](const std::string& name, const std::string& where) {
    if (sublattices.count(name)) return true;
    std::string allowed;
    for (const auto& s : sublattices) allowed += (allowed.empty() ? "" : ", ") + ("\"" + s + "\"");
    problems.push_back(source + ": " + where + " sublattice \"" + name +
                       "\" is not a mobile sublattice of this lattice; allowed: " + allowed);
    return false;
  };
  // Species code on a sublattice; -1 if not allowed there.
  auto code_of = [&](const std::string& name, const std::string& sublattice, const std::string& where) {
    if (name == kVacancyName) {
      if (role_of[sublattice] == SiteRole::kLattice) return 0;
      problems.push_back(source + ": " + where + " species \"Va\" (vacancy) on the interstitial sublattice \"" +
                         sublattice + "\": an empty interstitial site carries no energy");
      return -1;
    }
    if (!species.contains(name)) {
      std::string allowed = "\"Va\"";
      for (auto c : species.codes()) allowed += ", \"" + species.name(c) + "\"";
      problems.push_back(source + ": " + where + " species \"" + name + "\" is not a species of this run; allowed: " +
                         allowed);
      return -1;
    }
    return static_cast<int>(species.code(name));
  };

  // Points.
  m_point.assign(static_cast<std::size_t>(n_mobile) * m_codes, 0.0);
  for (std::size_t t = 0; t < terms.points.size(); ++t) {
    const auto& p = terms.points[t];
    const std::string where = "point term " + std::to_string(t + 1);
    if (!sublattice_ok(p.sublattice, where)) continue;
    const int code = code_of(p.species, p.sublattice, where);
    if (code < 0) continue;
    m_has_points = true;
    for (int m = 0; m < n_mobile; ++m)
      if (crystal.basis()[crystal.mobile_basis()[m]].sublattice == p.sublattice)
        m_point[static_cast<std::size_t>(m) * m_codes + code] += p.energy_ev;
  }

  // Pairs: one table per (sublattice a, sublattice b, shell), in both orientations.
  m_pairs.assign(n_mobile, {});
  m_triangles.assign(n_mobile, {});
  std::map<std::tuple<std::string, std::string, int>, int> table_of;
  auto pair_table = [&](const std::string& a, const std::string& b, int shell) {
    auto key = std::make_tuple(a, b, shell);
    if (auto it = table_of.find(key); it != table_of.end()) return it->second;
    const int table = static_cast<int>(m_pair_j.size());
    m_pair_j.resize(m_pair_j.size() + static_cast<std::size_t>(m_codes) * m_codes, 0.0);
    table_of[key] = table;
    ++m_pair_types;
    return table;
  };
  struct PairShell {
    std::string a, b;
    int shell;
    double distance;
  };
  std::vector<PairShell> pair_shells;
  for (std::size_t t = 0; t < terms.pairs.size(); ++t) {
    const auto& p = terms.pairs[t];
    const std::string where = "pair term " + std::to_string(t + 1);
    if (!sublattice_ok(p.sublattices[0], where) || !sublattice_ok(p.sublattices[1], where)) continue;
    if (p.shell < 1) {
      problems.push_back(source + ": " + where + " shell = " + std::to_string(p.shell) + ": must be >= 1");
      continue;
    }
    const int ca = code_of(p.species[0], p.sublattices[0], where);
    const int cb = code_of(p.species[1], p.sublattices[1], where);
    if (ca < 0 || cb < 0) continue;
    const auto distances = shell_distances(crystal, p.sublattices[0], p.sublattices[1], p.shell);
    if (static_cast<int>(distances.size()) < p.shell) {
      problems.push_back(source + ": " + where + " shell = " + std::to_string(p.shell) + ": the " +
                         p.sublattices[0] + "-" + p.sublattices[1] + " sites have only " +
                         std::to_string(distances.size()) + " shells within the search range");
      continue;
    }
    const int ab = pair_table(p.sublattices[0], p.sublattices[1], p.shell);
    const int ba = pair_table(p.sublattices[1], p.sublattices[0], p.shell);
    if (ab == ba) {  // same sublattice: symmetric in the species
      m_pair_j[ab + ca * m_codes + cb] += p.j_ev;
      if (ca != cb) m_pair_j[ab + cb * m_codes + ca] += p.j_ev;
    } else {
      m_pair_j[ab + ca * m_codes + cb] += p.j_ev;
      m_pair_j[ba + cb * m_codes + ca] += p.j_ev;
    }
    pair_shells.push_back({p.sublattices[0], p.sublattices[1], p.shell, distances[p.shell - 1]});
    if (p.sublattices[0] != p.sublattices[1])
      pair_shells.push_back({p.sublattices[1], p.sublattices[0], p.shell, distances[p.shell - 1]});
  }
  // Neighbour lists of each basis site, one entry per (table, neighbour).
  std::set<std::tuple<std::string, std::string, int>> listed;
  for (const auto& ps : pair_shells) {
    if (!listed.insert({ps.a, ps.b, ps.shell}).second) continue;
    const int table = table_of[{ps.a, ps.b, ps.shell}];
    m_range = std::max(m_range, ps.distance);
    for (int m = 0; m < n_mobile; ++m) {
      if (crystal.basis()[crystal.mobile_basis()[m]].sublattice != ps.a) continue;
      for (const auto& c : around(crystal, m, ps.b, ps.distance))
        if (std::abs(c.distance - ps.distance) <= kShellTolerance)
          m_pairs[m].push_back({c.offset, m_supercell.linear_delta(c.offset, m), table, -1});
    }
  }
  // Pair field: channels (the distinct tables of each basis site), and where
  // each site sits in its partners' counts (through the reverse table).
  std::map<int, int> reverse_table;
  for (const auto& [key, table] : table_of)
    reverse_table[table] = table_of.at({std::get<1>(key), std::get<0>(key), std::get<2>(key)});
  m_column_of.assign(m_codes, -1);
  for (int c = 0; c < m_codes; ++c)
    for (std::size_t t = 0; t < m_pair_j.size() && m_column_of[c] < 0; t += m_codes)
      if (m_pair_j[t + c] != 0.0) {  // J(·, c) of some table row
        m_column_of[c] = static_cast<int>(m_column_code.size());
        m_column_code.push_back(c);
      }
  const int columns = static_cast<int>(m_column_code.size());
  m_channel_tables.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m) {
    auto& tables = m_channel_tables[m];
    std::vector<int> members;
    for (auto& p : m_pairs[m]) {
      auto it = std::find(tables.begin(), tables.end(), p.table);
      p.channel = static_cast<int>(it - tables.begin());
      if (it == tables.end()) {
        tables.push_back(p.table);
        members.push_back(0);
      }
      // Counts are bytes.
      if (++members[p.channel] > 255)
        problems.push_back(source + ": a pair shell has more than 255 sites; not supported");
    }
    m_field_stride = std::max(m_field_stride, static_cast<int>(tables.size()) * columns);
  }
  // site_part's weights: J_ch(a, c) - J_ch(b, c) by (basis site, b, a), in
  // the order of the counts (channel-major), zeros left out. Precomputed
  // differences are the same numbers the loop would form, so ΔE keeps its bits.
  m_field_weights.clear();
  m_weight_range.assign(static_cast<std::size_t>(n_mobile) * m_codes * m_codes, {0, 0});
  for (int m = 0; m < n_mobile; ++m) {
    const auto& tables = m_channel_tables[m];
    for (int b = 0; b < m_codes; ++b)
      for (int a = 0; a < m_codes; ++a) {
        const int first = static_cast<int>(m_field_weights.size());
        for (std::size_t ch = 0; ch < tables.size(); ++ch)
          for (int col = 0; col < columns; ++col) {
            const int c = m_column_code[col];
            const double w = m_pair_j[tables[ch] + a * m_codes + c] - m_pair_j[tables[ch] + b * m_codes + c];
            if (w != 0.0) m_field_weights.push_back({static_cast<int>(ch) * columns + col, w});
          }
        m_weight_range[weight_range_index(m, b, a)] = {first, static_cast<int>(m_field_weights.size())};
      }
  }
  m_field_links.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m)
    for (const auto& p : m_pairs[m]) {
      const auto& there = m_channel_tables[p.other.mobile];
      const auto it = std::find(there.begin(), there.end(), reverse_table.at(p.table));
      m_field_links[m].push_back({p.other, p.delta, static_cast<int>(it - there.begin()) * columns});
    }

  // Triplets: equilateral-in-shell triangles on one sublattice.
  std::map<std::pair<std::string, int>, int> triplet_table_of;
  for (std::size_t t = 0; t < terms.triplets.size(); ++t) {
    const auto& p = terms.triplets[t];
    const std::string where = "triplet term " + std::to_string(t + 1);
    if (!sublattice_ok(p.sublattice, where)) continue;
    if (p.shell < 1) {
      problems.push_back(source + ": " + where + " shell = " + std::to_string(p.shell) + ": must be >= 1");
      continue;
    }
    std::array<int, 3> codes{};
    bool ok = true;
    for (int k = 0; k < 3; ++k) {
      codes[k] = code_of(p.species[k], p.sublattice, where);
      ok = ok && codes[k] >= 0;
    }
    if (!ok) continue;
    const auto distances = shell_distances(crystal, p.sublattice, p.sublattice, p.shell);
    if (static_cast<int>(distances.size()) < p.shell) {
      problems.push_back(source + ": " + where + " shell = " + std::to_string(p.shell) + " does not exist");
      continue;
    }
    const double d = distances[p.shell - 1];
    int table;
    if (auto it = triplet_table_of.find({p.sublattice, p.shell}); it != triplet_table_of.end()) {
      table = it->second;
    } else {
      table = static_cast<int>(m_triplet_k.size());
      m_triplet_k.resize(m_triplet_k.size() + static_cast<std::size_t>(m_codes) * m_codes * m_codes, 0.0);
      triplet_table_of[{p.sublattice, p.shell}] = table;
      ++m_triplet_types;
      m_range = std::max(m_range, d);
      int found = 0;
      for (int m = 0; m < n_mobile; ++m) {
        if (crystal.basis()[crystal.mobile_basis()[m]].sublattice != p.sublattice) continue;
        std::vector<Candidate> ring;
        for (const auto& c : around(crystal, m, p.sublattice, d))
          if (std::abs(c.distance - d) <= kShellTolerance) ring.push_back(c);
        for (std::size_t i = 0; i < ring.size(); ++i)
          for (std::size_t j = i + 1; j < ring.size(); ++j) {
            const double edge = (crystal.cartesian(frac_of(crystal, ring[i].offset)) -
                                 crystal.cartesian(frac_of(crystal, ring[j].offset)))
                                    .norm();
            if (std::abs(edge - d) > kShellTolerance) continue;
            m_triangles[m].push_back({ring[i].offset, ring[j].offset, m_supercell.linear_delta(ring[i].offset, m),
                                      m_supercell.linear_delta(ring[j].offset, m), table});
            ++found;
          }
      }
      if (found == 0)
        problems.push_back(source + ": " + where + ": sublattice \"" + p.sublattice + "\" has no triangles with all "
                           "three edges in shell " + std::to_string(p.shell));
    }
    std::sort(codes.begin(), codes.end());
    m_triplet_k[table + (codes[0] * m_codes + codes[1]) * m_codes + codes[2]] += p.k_ev;
  }
  if (!problems.empty()) throw InputError(problems);
  // Every order of the codes holds the sorted entry's value, so triplet()
  // needs no sort (whose branches the random occupancy mispredicts).
  const std::size_t table_size = static_cast<std::size_t>(m_codes) * m_codes * m_codes;
  for (std::size_t table = 0; table < m_triplet_k.size(); table += table_size)
    for (int c0 = 0; c0 < m_codes; ++c0)
      for (int c1 = 0; c1 < m_codes; ++c1)
        for (int c2 = 0; c2 < m_codes; ++c2) {
          int c[3] = {c0, c1, c2};
          std::sort(c, c + 3);
          m_triplet_k[table + (c0 * m_codes + c1) * m_codes + c2] =
              m_triplet_k[table + (c[0] * m_codes + c[1]) * m_codes + c[2]];
        }

  // Partners, and the periodic-image check: every cluster of a site must
  // consist of distinct sites of the supercell.
  m_partners.assign(n_mobile, {});
  for (int m = 0; m < n_mobile; ++m) {
    const int site = m_supercell.site({0, 0, 0}, m);
    std::vector<int> members;
    auto add = [&](const SiteOffset& o) {
      members.push_back(m_supercell.shifted(site, o));
      if (std::find(m_partners[m].begin(), m_partners[m].end(), o) == m_partners[m].end())
        m_partners[m].push_back(o);
    };
    for (const auto& p : m_pairs[m]) add(p.other);
    std::vector<int> pair_sites = members;
    std::sort(pair_sites.begin(), pair_sites.end());
    bool aliased = std::find(pair_sites.begin(), pair_sites.end(), site) != pair_sites.end();
    // The same site may be a neighbour through two different tables (shells
    // between different sublattices); through one table it must be unique.
    std::set<std::pair<int, int>> per_table;
    for (const auto& p : m_pairs[m])
      aliased = aliased || !per_table.insert({p.table, m_supercell.shifted(site, p.other)}).second;
    for (const auto& t : m_triangles[m]) {
      add(t.a);
      add(t.b);
      const int a = m_supercell.shifted(site, t.a), b = m_supercell.shifted(site, t.b);
      aliased = aliased || a == b || a == site || b == site;
    }
    if (aliased) {
      const auto& dims = m_supercell.dims();
      std::ostringstream msg;
      msg << source << ": supercell [" << dims[0] << ", " << dims[1] << ", " << dims[2]
          << "] is too small for the Hamiltonian (range " << m_range
          << " Å): a cluster meets its own periodic image; enlarge the supercell or drop the longest terms";
      throw InputError(msg.str());
    }
  }
  for (const auto& list : m_partners)
    for (const auto& o : list)
      for (int d = 0; d < 3; ++d) m_reach = std::max(m_reach, std::abs(o.cell[d]));
}

double LatticeHamiltonian::energy(std::span<const Occupant> occupancy) const {
  double points = 0.0, pairs = 0.0, triplets = 0.0;
  for (int site = 0; site < m_supercell.num_sites(); ++site) {
    const int m = m_supercell.mobile_of(site);
    const auto cell = m_supercell.cell_of(site);
    const int here = occupancy[site];
    points += m_point[static_cast<std::size_t>(m) * m_codes + here];
    for (const auto& p : m_pairs[m])
      pairs += m_pair_j[p.table + here * m_codes + occupancy[m_supercell.shifted_from(cell, p.other)]];
    for (const auto& t : m_triangles[m]) {
      int c[3] = {here, occupancy[m_supercell.shifted_from(cell, t.a)], occupancy[m_supercell.shifted_from(cell, t.b)]};
      std::sort(c, c + 3);
      triplets += m_triplet_k[t.table + (c[0] * m_codes + c[1]) * m_codes + c[2]];
    }
  }
  // Each pair is seen from both ends, each triangle from its three corners.
  return points + pairs / 2.0 + triplets / 3.0;
}

double LatticeHamiltonian::triplet(int table, int c0, int c1, int c2) const {
  return m_triplet_k[table + (c0 * m_codes + c1) * m_codes + c2];  // filled for every order of the codes
}

double LatticeHamiltonian::delta_energy(std::span<const int> sites, std::span<const Occupant> after,
                                        std::span<const Occupant> occupancy) const {
  // One pass over the pair clusters of the changed sites, before and after
  // together. A cluster with several changed members is visited from each
  // of them, so it is weighted by 1 / (number of changed members).
  const int n_changed = static_cast<int>(sites.size());
  double delta = 0.0;
  for (int k = 0; k < n_changed; ++k) {
    const int site = sites[k];
    const int m = m_supercell.mobile_of(site);
    const auto cell = m_supercell.cell_of(site);
    const bool interior = m_supercell.interior(cell, m_reach);
    const int here_before = occupancy[site], here_after = after[k];
    delta += m_point[static_cast<std::size_t>(m) * m_codes + here_after] -
             m_point[static_cast<std::size_t>(m) * m_codes + here_before];
    for (const auto& p : m_pairs[m]) {
      const int other = interior ? site + p.delta : m_supercell.shifted_from(cell, p.other);
      const double* j = &m_pair_j[p.table];
      const int c = changed_index(sites, other);
      if (c < 0) {
        const int o = occupancy[other];
        delta += j[here_after * m_codes + o] - j[here_before * m_codes + o];
      } else {
        delta += 0.5 * (j[here_after * m_codes + after[c]] - j[here_before * m_codes + occupancy[other]]);
      }
    }
  }
  return delta + triplet_delta(sites, after, occupancy);
}

int LatticeHamiltonian::changed_index(std::span<const int> sites, int site) {
  for (int k = 0; k < static_cast<int>(sites.size()); ++k)
    if (sites[k] == site) return k;
  return -1;
}

double LatticeHamiltonian::triplet_delta(std::span<const int> sites, std::span<const Occupant> after,
                                         std::span<const Occupant> occupancy) const {
  // A triangle with several changed corners is visited from each of them.
  double delta = 0.0;
  for (int k = 0; k < static_cast<int>(sites.size()); ++k) {
    const int site = sites[k];
    const int m = m_supercell.mobile_of(site);
    if (m_triangles[m].empty()) continue;
    const auto cell = m_supercell.cell_of(site);
    const bool interior = m_supercell.interior(cell, m_reach);
    const int here_before = occupancy[site], here_after = after[k];
    for (const auto& t : m_triangles[m]) {
      const int a = interior ? site + t.delta_a : m_supercell.shifted_from(cell, t.a);
      const int b = interior ? site + t.delta_b : m_supercell.shifted_from(cell, t.b);
      const int ca = changed_index(sites, a), cb = changed_index(sites, b);
      static constexpr double kShare[3] = {1.0, 1.0 / 2.0, 1.0 / 3.0};  // 1 / changed corners, as divided
      const double w = kShare[(ca >= 0) + (cb >= 0)];
      const int a_after = ca >= 0 ? after[ca] : occupancy[a];
      const int b_after = cb >= 0 ? after[cb] : occupancy[b];
      delta += w * (triplet(t.table, here_after, a_after, b_after) -
                    triplet(t.table, here_before, occupancy[a], occupancy[b]));
    }
  }
  return delta;
}

void LatticeHamiltonian::count_field(int site, std::span<const Occupant> occupancy, std::uint8_t* counts) const {
  std::fill_n(counts, m_field_stride, std::uint8_t{0});
  const int m = m_supercell.mobile_of(site);
  const auto cell = m_supercell.cell_of(site);
  const bool interior = m_supercell.interior(cell, m_reach);
  const int columns = static_cast<int>(m_column_code.size());
  for (const auto& p : m_pairs[m]) {
    const int col = m_column_of[occupancy[interior ? site + p.delta : m_supercell.shifted_from(cell, p.other)]];
    if (col >= 0) ++counts[p.channel * columns + col];
  }
}

LatticeHamiltonian::ChangedSites LatticeHamiltonian::changed_sites(std::span<const SiteOffset> offsets) const {
  if (offsets.empty() || offsets.size() > 3 || offsets[0].cell != CellIndex{0, 0, 0})
    throw Error("internal: changed_sites takes 1-3 offsets from the origin");
  ChangedSites out;
  out.n = static_cast<int>(offsets.size());
  // Periodic wrapping is the same for every origin, so cell 0 stands for all.
  const int origin = m_supercell.site({0, 0, 0}, offsets[0].mobile);
  std::array<int, 3> site{};
  for (int k = 0; k < out.n; ++k) {
    out.mobile[k] = offsets[k].mobile;
    site[k] = m_supercell.shifted(origin, offsets[k]);
  }
  for (int i = 0; i < out.n; ++i)
    for (const auto& p : m_pairs[out.mobile[i]]) {
      const int other = m_supercell.shifted(site[i], p.other);
      for (int j = 0; j < out.n; ++j)
        if (j != i && site[j] == other) out.bonds.push_back({i, j, p.table});
    }
  return out;
}

double LatticeHamiltonian::delta_energy_from_field(const ChangedSites& changed, std::span<const int> sites,
                                                   std::span<const Occupant> after,
                                                   std::span<const Occupant> occupancy,
                                                   const std::uint8_t* const* field) const {
  double parts[3];
  for (int k = 0; k < changed.n; ++k) parts[k] = site_part(changed.mobile[k], occupancy[sites[k]], after[k], field[k]);
  return combine_parts(changed, parts, sites, after, occupancy);
}

double LatticeHamiltonian::combine_parts(const ChangedSites& changed, const double* parts, std::span<const int> sites,
                                         std::span<const Occupant> after, std::span<const Occupant> occupancy) const {
  Occupant before[3] = {lattice::kEmpty, lattice::kEmpty, lattice::kEmpty};
  for (int k = 0; k < changed.n; ++k) before[k] = occupancy[sites[k]];
  return combine(changed, parts, bond_part(changed, before, after.data()), sites, after, occupancy);
}

double LatticeHamiltonian::bond_part(const ChangedSites& changed, const Occupant* before, const Occupant* after) const {
  // Σ_i [F_i(after_i) - F_i(before_i)] with F_i(s) = Σ_ch Σ_c n_i[ch][c] J_ch(s, c)
  // counts every cluster between two changed sites i, j with j's "before"
  // occupant; the bond terms put in its true change instead (half from each end).
  const int codes = m_codes;
  double bonds = 0.0;
  for (const auto& bond : changed.bonds) {
    const double* j = &m_pair_j[bond.table];
    const int bi = before[bond.i], bj = before[bond.j];
    const int ai = after[bond.i], aj = after[bond.j];
    bonds += 0.5 * (j[ai * codes + aj] - j[bi * codes + bj]) - (j[ai * codes + bj] - j[bi * codes + bj]);
  }
  return bonds;
}

}  // namespace hkmc::barriers
