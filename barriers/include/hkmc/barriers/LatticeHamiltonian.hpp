#pragma once
// Lattice (cluster-expansion style) Hamiltonian over the mobile sites:
//   E = Σ_i ε(s_i) + Σ_{pairs ij in shell k} J_k(s_i, s_j) + Σ_{triangles ijl} K(s_i, s_j, s_l)
// with s the occupant of a site: a species, or "Va" (an empty lattice site;
// an empty interstitial site carries no energy). Units: eV.
//
// Pair shells are counted between the two sublattices of a term, by
// distance. Triplet terms are restricted to triangles whose three sites lie
// on one sublattice and whose three edges are in the same shell (e.g. the
// nearest-neighbour triangles of the X sublattice); their energy depends on
// the multiset of the three occupants only, which is exact for such
// triangles.
//
// ΔE of a hop is computed from the clusters that touch the changed sites;
// nothing is mutated to "try" a hop. The KMC engine's fast form reads the
// pair clusters through the "pair field" of each changed site: the number of
// its pair neighbours holding each occupant, per pair table ("channel"),
// n_i[ch][c]. Then Σ_{j∈N(i)} J(s, s_j) = Σ_ch Σ_c n_i[ch][c] J_ch(s, c), and a
// hop's pair ΔE costs a few table products instead of a pass over the
// clusters. The counts are integers, so counts kept up to date by the engine
// and counts taken afresh give bitwise the same ΔE (docs/hamiltonian.md).
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::barriers {

inline constexpr const char* kVacancyName = "Va";

struct PointTerm {
  std::string sublattice;
  std::string species;  // or "Va"
  double energy_ev = 0.0;
};

struct PairTerm {
  std::array<std::string, 2> sublattices;
  int shell = 1;  // 1 = nearest between those sublattices
  std::array<std::string, 2> species;
  double j_ev = 0.0;
};

struct TripletTerm {
  std::string sublattice;
  int shell = 1;  // all three edges in this shell
  std::array<std::string, 3> species;
  double k_ev = 0.0;
};

struct HamiltonianTerms {
  std::vector<PointTerm> points;
  std::vector<PairTerm> pairs;
  std::vector<TripletTerm> triplets;
};

// Reads the TOML file format of docs/hamiltonian.md. Every problem (file,
// line, key, value, what is allowed) is collected into one InputError.
HamiltonianTerms read_hamiltonian_file(const std::string& path);

class LatticeHamiltonian {
 public:
  // Resolves names against the lattice and species; throws InputError for
  // unknown sublattices or species, shells that do not exist, and supercells
  // so small that a cluster would meet itself through the periodic boundary.
  LatticeHamiltonian(const lattice::Supercell& supercell, const lattice::SpeciesTable& species,
                     const HamiltonianTerms& terms, const std::string& source = "hamiltonian");

  double energy(std::span<const lattice::Occupant> occupancy) const;  // eV
  // E(after) - E(before) when sites[i] takes occupant after[i]; the sites must be distinct.
  double delta_energy(std::span<const int> sites, std::span<const lattice::Occupant> after,
                      std::span<const lattice::Occupant> occupancy) const;
  // Every site whose occupancy enters a cluster with a site of basis `mobile`.
  const std::vector<lattice::SiteOffset>& partners(int mobile) const { return m_partners[mobile]; }
  double range_angstrom() const { return m_range; }
  // Largest cell offset (any axis) of a cluster partner.
  int reach() const { return m_reach; }

  // ---- Pair field ----
  // Bytes of pair-field counts per site (channels × columns of the widest
  // basis site); 0 without pair terms. Counts of site s start at s * field_stride().
  // Only occupants that some pair term gives an energy get a column (a
  // neighbour whose J is zero in every table adds nothing): column of a
  // code, -1 for none.
  int field_stride() const { return m_field_stride; }
  int field_column(lattice::Occupant code) const { return m_column_of[code]; }
  // Columns per channel: a count's index is channel * field_columns() + column.
  int field_columns() const { return static_cast<int>(m_column_code.size()); }
  // Writes the pair-field counts of `site` (field_stride() bytes) from `occupancy`.
  void count_field(int site, std::span<const lattice::Occupant> occupancy, std::uint8_t* counts) const;
  // The sites whose pair field contains a site of basis `mobile`, and where:
  // when that site's occupant goes from b to a, the partner's counts at
  // `index` + b drop by one and at `index` + a rise by one.
  struct FieldLink {
    lattice::SiteOffset other;
    int delta;  // Supercell::linear_delta of `other` (valid away from the box faces)
    int index;  // channel * columns in the partner's counts
  };
  const std::vector<FieldLink>& field_links(int mobile) const { return m_field_links[mobile]; }
  // What delta_energy_from_field needs to know of a hop's changed sites
  // (offsets from the first one, which is the origin, cell 0): their basis
  // sites and the pair clusters among them. Translation invariant.
  struct ChangedSites {
    int n = 0;
    std::array<int, 3> mobile{};
    struct Bond {
      int i, j;   // changed sites i -> j (each bond listed from both ends)
      int table;  // offset into the pair tables
    };
    std::vector<Bond> bonds;
  };
  ChangedSites changed_sites(std::span<const lattice::SiteOffset> offsets) const;
  // ΔE (eV) as delta_energy(), with the pair clusters read from the pair
  // fields of the changed sites (field[k]: counts of sites[k], from before
  // the hop) and the triplets from `occupancy`. Equal to delta_energy() up to
  // rounding; bitwise a function of the counts. Computed as
  // combine_parts(site_part(...) of each changed site, ...), so a caller may
  // reuse a site's part across hops (the engine: a defect's origin).
  double delta_energy_from_field(const ChangedSites& changed, std::span<const int> sites,
                                 std::span<const lattice::Occupant> after,
                                 std::span<const lattice::Occupant> occupancy,
                                 const std::uint8_t* const* field) const;
  // Point and pair-field part of a site of basis `mobile` going from
  // `before` to `after`: ε(a) - ε(b) + Σ_ch Σ_c n[ch][c] (J_ch(a, c) - J_ch(b, c)).
  double site_part(int mobile, lattice::Occupant before, lattice::Occupant after, const std::uint8_t* field) const {
    double part = point_difference(mobile, before, after);
    if (before == after || !field) return part;
    return add_weighted_counts(part, site_weights(mobile, before, after), field);
  }
  // site_part's pieces, for callers that tabulate a hop's constant part:
  // the point difference, and the non-zero weights it multiplies the counts
  // by (site_part = point_difference + Σ field[w.index] * w.j_difference, in
  // this order).
  struct FieldWeight {
    int index;  // into the site's counts
    double j_difference;
  };
  double point_difference(int mobile, lattice::Occupant before, lattice::Occupant after) const {
    const std::size_t row = static_cast<std::size_t>(mobile) * m_codes;
    return m_point[row + after] - m_point[row + before];
  }
  std::span<const FieldWeight> site_weights(int mobile, lattice::Occupant before, lattice::Occupant after) const {
    const auto [begin, end] = m_weight_range[weight_range_index(mobile, before, after)];
    return {m_field_weights.data() + begin, m_field_weights.data() + end};
  }
  // part + Σ field[w.index] * w.j_difference, in the weights' order (the one
  // sum of site_part, for callers that keep the weights themselves).
  static double add_weighted_counts(double part, std::span<const FieldWeight> weights, const std::uint8_t* field) {
    for (const FieldWeight& w : weights) part += field[w.index] * w.j_difference;
    return part;
  }
  // ΔE from the site parts (parts[k] of sites[k]): their sum, the clusters
  // among the changed sites (bond_part), and the triplets.
  double combine_parts(const ChangedSites& changed, const double* parts, std::span<const int> sites,
                       std::span<const lattice::Occupant> after,
                       std::span<const lattice::Occupant> occupancy) const;
  // The correction for the pair clusters among the changed sites when they
  // go from before[k] to after[k]: a function of the occupants alone, so a
  // caller may tabulate it per kind of hop (the engine does) and pass it to
  // combine(); combine_parts() computes it from the occupancy.
  double bond_part(const ChangedSites& changed, const lattice::Occupant* before, const lattice::Occupant* after) const;
  double combine(const ChangedSites& changed, const double* parts, double bonds, std::span<const int> sites,
                 std::span<const lattice::Occupant> after, std::span<const lattice::Occupant> occupancy) const {
    double delta = 0.0;
    for (int k = 0; k < changed.n; ++k) delta += parts[k];
    delta += bonds;
    if (m_triplet_types > 0) delta += triplet_delta(sites, after, occupancy);
    return delta;
  }
  bool empty() const { return m_pair_types == 0 && m_triplet_types == 0 && !m_has_points; }
  bool has_triplets() const { return m_triplet_types > 0; }

 private:
  struct PairNeighbor {
    lattice::SiteOffset other;
    int delta;  // Supercell::linear_delta of `other` (valid away from the box faces)
    int table;    // offset into m_pair_j: table + code_here * codes + code_other
    int channel;  // index of `table` among the tables of this basis site
  };
  struct Triangle {
    lattice::SiteOffset a, b;
    int delta_a, delta_b;
    int table;  // offset into m_triplet_k
  };
  double triplet(int table, int c0, int c1, int c2) const;
  // Triplet part of delta_energy().
  double triplet_delta(std::span<const int> sites, std::span<const lattice::Occupant> after,
                       std::span<const lattice::Occupant> occupancy) const;
  static int changed_index(std::span<const int> sites, int site);

  lattice::Supercell m_supercell;
  int m_codes;
  bool m_has_points = false;
  int m_pair_types = 0;
  int m_triplet_types = 0;
  std::vector<double> m_point;                        // [mobile][code]
  std::vector<double> m_pair_j;                       // tables of codes x codes
  std::vector<double> m_triplet_k;                    // tables of codes^3, symmetric in the codes
  std::vector<std::vector<PairNeighbor>> m_pairs;     // by mobile basis
  std::vector<std::vector<Triangle>> m_triangles;     // by mobile basis
  std::vector<std::vector<lattice::SiteOffset>> m_partners;
  std::vector<std::vector<int>> m_channel_tables;     // by mobile basis: table of each channel
  std::vector<std::vector<FieldLink>> m_field_links;  // by mobile basis
  int m_field_stride = 0;
  // site_part's nonzero J differences (a zero adds nothing to the sum, so
  // skipping it keeps ΔE's bits): for each (mobile, before, after) the range
  // [first, second) of m_field_weights, in the order of the counts.
  std::vector<FieldWeight> m_field_weights;
  std::vector<std::pair<int, int>> m_weight_range;
  std::size_t weight_range_index(int mobile, int before, int after) const {
    return (static_cast<std::size_t>(mobile) * m_codes + before) * m_codes + after;
  }
  std::vector<int> m_column_of;    // by code: pair-field column, -1 for none
  std::vector<int> m_column_code;  // by column: code
  double m_range = 0.0;
  int m_reach = 0;  // largest cell offset of any cluster partner
};

}  // namespace hkmc::barriers
