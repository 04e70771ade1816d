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
// nothing is mutated to "try" a hop.
#include <array>
#include <span>
#include <string>
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
  bool empty() const { return m_pair_types == 0 && m_triplet_types == 0 && !m_has_points; }

 private:
  struct PairNeighbor {
    lattice::SiteOffset other;
    int delta;  // Supercell::linear_delta of `other` (valid away from the box faces)
    int table;  // offset into m_pair_j: table + code_here * codes + code_other
  };
  struct Triangle {
    lattice::SiteOffset a, b;
    int delta_a, delta_b;
    int table;  // offset into m_triplet_k, indexed by sorted codes
  };
  double triplet(int table, int c0, int c1, int c2) const;

  lattice::Supercell m_supercell;
  int m_codes;
  bool m_has_points = false;
  int m_pair_types = 0;
  int m_triplet_types = 0;
  std::vector<double> m_point;                        // [mobile][code]
  std::vector<double> m_pair_j;                       // tables of codes x codes
  std::vector<double> m_triplet_k;                    // tables of codes^3 (sorted codes)
  std::vector<std::vector<PairNeighbor>> m_pairs;     // by mobile basis
  std::vector<std::vector<Triangle>> m_triangles;     // by mobile basis
  std::vector<std::vector<lattice::SiteOffset>> m_partners;
  double m_range = 0.0;
  int m_reach = 0;  // largest cell offset of any cluster partner
};

}  // namespace hkmc::barriers
