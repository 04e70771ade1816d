// Lattice Hamiltonian: total energy against a brute-force sum over all site
// pairs and triangles by minimum-image distance (independent of the
// neighbour lists), then local hop ΔE against the difference of total
// energies for thousands of random hops of all three mechanisms.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <unistd.h>

#include "hkmc/barriers/LatticeHamiltonian.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/InitialConfiguration.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;
using lattice::Occupant;

namespace {

barriers::HamiltonianTerms rich_terms() {
  barriers::HamiltonianTerms t;
  t.points = {{"X", "Br", 0.03}, {"X", "Va", 0.5}, {"i", "I", 0.2}, {"i", "Br", 0.25}};
  t.pairs = {{{"X", "X"}, 1, {"I", "Br"}, 0.012},  {{"X", "X"}, 1, {"Br", "Br"}, -0.004},
             {{"X", "X"}, 2, {"I", "Br"}, 0.006},  {{"X", "X"}, 3, {"I", "Br"}, -0.002},
             {{"X", "X"}, 1, {"Va", "Br"}, -0.05}, {{"X", "X"}, 2, {"Va", "I"}, 0.03},
             {{"X", "i"}, 1, {"I", "Br"}, 0.04},   {{"i", "X"}, 1, {"I", "I"}, -0.02},
             {{"i", "i"}, 1, {"Br", "Br"}, 0.07}};
  t.triplets = {{"X", 1, {"I", "Br", "Br"}, 0.003}, {"X", 1, {"Br", "Br", "Br"}, -0.001},
                {"X", 1, {"Va", "Br", "I"}, 0.03}};
  return t;
}

// Minimum-image distance (Å) in a cubic box of edge L.
double distance(const Eigen::Vector3d& a, const Eigen::Vector3d& b, double box) {
  Eigen::Vector3d d = a - b;
  for (int k = 0; k < 3; ++k) d[k] -= box * std::round(d[k] / box);
  return d.norm();
}

double brute_force_energy(const lattice::Supercell& sc, const lattice::SpeciesTable& species,
                          const barriers::HamiltonianTerms& terms, const std::vector<Occupant>& occ) {
  const double box = sc.box()(0, 0);
  const int n = sc.num_sites();
  auto sub = [&](int s) { return sc.basis_site(s).sublattice; };
  auto name = [&](int s) -> std::string {
    if (occ[s] == lattice::kEmpty) return sc.role(s) == lattice::SiteRole::kLattice ? "Va" : "";
    return species.name(occ[s]);
  };
  // Shell distances between sublattices, from the supercell itself.
  std::map<std::pair<std::string, std::string>, std::vector<double>> shells;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) {
      if (i == j) continue;
      const double d = distance(sc.position(i), sc.position(j), box);
      auto& list = shells[{sub(i), sub(j)}];
      if (std::none_of(list.begin(), list.end(), [&](double x) { return std::abs(x - d) < 1e-6; }))
        list.push_back(d);
    }
  for (auto& [k, v] : shells) std::sort(v.begin(), v.end());
  double e = 0;
  for (int i = 0; i < n; ++i)
    for (const auto& p : terms.points)
      if (p.sublattice == sub(i) && p.species == name(i)) e += p.energy_ev;
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      const double d = distance(sc.position(i), sc.position(j), box);
      for (const auto& p : terms.pairs) {
        if (std::abs(shells[{p.sublattices[0], p.sublattices[1]}][p.shell - 1] - d) > 1e-6) continue;
        const bool forward = sub(i) == p.sublattices[0] && sub(j) == p.sublattices[1] &&
                             name(i) == p.species[0] && name(j) == p.species[1];
        const bool backward = sub(j) == p.sublattices[0] && sub(i) == p.sublattices[1] &&
                              name(j) == p.species[0] && name(i) == p.species[1];
        if (forward || backward) e += p.j_ev;
      }
    }
  for (const auto& t : terms.triplets) {
    const double d = shells[{t.sublattice, t.sublattice}][t.shell - 1];
    auto want = t.species;
    std::sort(want.begin(), want.end());
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        for (int k = j + 1; k < n; ++k) {
          if (sub(i) != t.sublattice || sub(j) != t.sublattice || sub(k) != t.sublattice) continue;
          if (std::abs(distance(sc.position(i), sc.position(j), box) - d) > 1e-6 ||
              std::abs(distance(sc.position(j), sc.position(k), box) - d) > 1e-6 ||
              std::abs(distance(sc.position(i), sc.position(k), box) - d) > 1e-6)
            continue;
          std::array<std::string, 3> have{name(i), name(j), name(k)};
          std::sort(have.begin(), have.end());
          if (have == want) e += t.k_ev;
        }
  }
  return e;
}

std::string write_file(const std::string& text) {
  static int n = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("hkmc_ham_" + std::to_string(::getpid()) + "_" + std::to_string(n++) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

// A random allowed hop of the catalog in `occ`: its changed sites (origin,
// via, target; offsets from the origin) and their occupants after it.
struct Hop {
  lattice::MechanismKind kind;
  std::vector<int> sites;
  std::vector<lattice::SiteOffset> offsets;
  std::vector<Occupant> after;
};
std::optional<Hop> random_hop(const lattice::Supercell& sc, const lattice::HopCatalog& cat,
                              const std::vector<Occupant>& occ, RandomGenerator& rng) {
  const int site = static_cast<int>(rng.below(sc.num_sites()));
  const auto& slots = cat.slots(sc.mobile_of(site));
  if (slots.empty()) return std::nullopt;
  const auto& slot = slots[rng.below(slots.size())];
  const int target = sc.shifted(site, slot.target);
  Hop hop{cat.mechanisms()[slot.mechanism].kind, {site, target}, {{sc.mobile_of(site), {0, 0, 0}}, slot.target}, {}};
  if (hop.kind == lattice::MechanismKind::kVacancy) {
    if (occ[site] != lattice::kEmpty || occ[target] == lattice::kEmpty) return std::nullopt;
    hop.after = {occ[target], lattice::kEmpty};
  } else if (hop.kind == lattice::MechanismKind::kInterstitial) {
    if (occ[site] == lattice::kEmpty || occ[target] != lattice::kEmpty) return std::nullopt;
    hop.after = {lattice::kEmpty, occ[site]};
  } else {
    const int via = sc.shifted(site, slot.via);
    if (occ[site] == lattice::kEmpty || occ[target] != lattice::kEmpty || occ[via] == lattice::kEmpty)
      return std::nullopt;
    hop.sites = {site, via, target};
    hop.offsets = {hop.offsets[0], slot.via, slot.target};
    hop.after = {lattice::kEmpty, occ[site], occ[via]};
  }
  return hop;
}

}  // namespace

TEST_CASE("total energy equals a brute-force sum over pairs and triangles") {
  lattice::Supercell sc(lattice::make_perovskite(6.0, true), {4, 4, 4});
  lattice::SpeciesTable species({"I", "Br"});
  const auto terms = rich_terms();
  barriers::LatticeHamiltonian h(sc, species, terms);
  CHECK(h.range_angstrom() == doctest::Approx(6.0 * std::sqrt(1.5)));
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    RandomGenerator rng(seed, RandomStream::kInitialConfiguration, 0);
    auto occ = lattice::random_configuration(sc, {{1, 0.5}, {2, 0.5}}, {12, 10, lattice::kEmpty, {}}, rng);
    const double e = h.energy(occ);
    CHECK(std::abs(e) > 0.1);
    CHECK(e == doctest::Approx(brute_force_energy(sc, species, terms, occ)).epsilon(1e-10));
  }
}

TEST_CASE("local hop ΔE equals the difference of total energies") {
  lattice::Supercell sc(lattice::make_perovskite(6.0, true), {4, 4, 4});
  lattice::SpeciesTable species({"I", "Br"});
  barriers::LatticeHamiltonian h(sc, species, rich_terms());
  lattice::HopCatalog cat(sc,
                          {{"v", lattice::MechanismKind::kVacancy, 1},
                           {"i", lattice::MechanismKind::kInterstitial, 1},
                           {"c", lattice::MechanismKind::kInterstitialcy, 1}},
                          0.0);
  RandomGenerator rng(9, RandomStream::kInitialConfiguration, 0);
  auto occ = lattice::random_configuration(sc, {{1, 0.5}, {2, 0.5}}, {20, 20, lattice::kEmpty, {}}, rng);
  int tested[3] = {0, 0, 0}, nonzero = 0;
  for (int trial = 0; trial < 200000 && std::min({tested[0], tested[1], tested[2]}) < 600; ++trial) {
    const auto hop = random_hop(sc, cat, occ, rng);
    if (!hop) continue;
    const auto& [kind, sites, offsets, after] = *hop;
    const double local = h.delta_energy(sites, after, occ);
    auto moved = occ;
    for (std::size_t k = 0; k < sites.size(); ++k) moved[sites[k]] = after[k];
    const double full = h.energy(moved) - h.energy(occ);
    REQUIRE(local == doctest::Approx(full).epsilon(1e-9).scale(1.0));
    ++tested[static_cast<int>(kind)];
    if (std::abs(full) > 1e-6) ++nonzero;
    // Walk on: accept the hop half of the time so the configuration changes.
    if (rng.below(2)) occ = moved;
  }
  MESSAGE("hops tested: vacancy " << tested[0] << ", interstitial " << tested[1] << ", interstitialcy "
                                  << tested[2] << "; nonzero ΔE " << nonzero);
  CHECK(tested[0] > 500);
  CHECK(tested[1] > 500);
  CHECK(tested[2] > 500);
  CHECK(nonzero > 0.9 * (tested[0] + tested[1] + tested[2]));
}

TEST_CASE("pair-field ΔE with counts kept up to date equals a direct recomputation") {
  // The engine's form: pair-field counts updated through field_links() after
  // every accepted hop, ΔE from them; against delta_energy() (a pass over the
  // clusters) and the difference of total energies, over a random walk.
  lattice::Supercell sc(lattice::make_perovskite(6.0, true), {4, 4, 4});
  lattice::SpeciesTable species({"I", "Br"});
  barriers::LatticeHamiltonian h(sc, species, rich_terms());
  lattice::HopCatalog cat(sc,
                          {{"v", lattice::MechanismKind::kVacancy, 1},
                           {"v2", lattice::MechanismKind::kVacancy, 2},
                           {"i", lattice::MechanismKind::kInterstitial, 1},
                           {"c", lattice::MechanismKind::kInterstitialcy, 1}},
                          0.0);
  RandomGenerator rng(11, RandomStream::kInitialConfiguration, 0);
  auto occ = lattice::random_configuration(sc, {{1, 0.5}, {2, 0.5}}, {20, 20, lattice::kEmpty, {}}, rng);
  const int stride = h.field_stride();
  REQUIRE(stride > 0);
  std::vector<std::uint8_t> field(static_cast<std::size_t>(sc.num_sites()) * stride);
  for (int s = 0; s < sc.num_sites(); ++s) h.count_field(s, occ, field.data() + s * stride);
  auto update = [&](int site, Occupant before) {
    const auto cell = sc.cell_of(site);
    for (const auto& link : h.field_links(sc.mobile_of(site))) {
      std::uint8_t* counts = field.data() + sc.shifted_from(cell, link.other) * stride + link.index;
      if (h.field_column(before) >= 0) --counts[h.field_column(before)];
      if (h.field_column(occ[site]) >= 0) ++counts[h.field_column(occ[site])];
    }
  };
  int tested = 0, nonzero = 0, bonded = 0;
  for (int trial = 0; trial < 200000 && tested < 3000; ++trial) {
    const auto hop = random_hop(sc, cat, occ, rng);
    if (!hop) continue;
    const auto& [kind, sites, offsets, after] = *hop;
    const auto changed = h.changed_sites(offsets);
    bonded += !changed.bonds.empty();
    const std::uint8_t* counts[3] = {nullptr, nullptr, nullptr};
    for (std::size_t k = 0; k < sites.size(); ++k) counts[k] = field.data() + sites[k] * stride;
    const double from_field = h.delta_energy_from_field(changed, sites, after, occ, counts);
    const double direct = h.delta_energy(sites, after, occ);
    auto moved = occ;
    for (std::size_t k = 0; k < sites.size(); ++k) moved[sites[k]] = after[k];
    REQUIRE(from_field == doctest::Approx(direct).epsilon(1e-12).scale(1.0));
    REQUIRE(from_field == doctest::Approx(h.energy(moved) - h.energy(occ)).epsilon(1e-9).scale(1.0));
    ++tested;
    if (std::abs(direct) > 1e-6) ++nonzero;
    if (rng.below(2)) {
      const auto before = occ;
      occ = moved;
      for (int s : sites) update(s, before[s]);
    }
  }
  // Counts kept up to date are exactly the counts taken afresh.
  std::vector<std::uint8_t> fresh(stride);
  int mismatched = 0;
  for (int s = 0; s < sc.num_sites(); ++s) {
    h.count_field(s, occ, fresh.data());
    mismatched += !std::equal(fresh.begin(), fresh.end(), field.begin() + s * stride);
  }
  MESSAGE("hops tested " << tested << ", nonzero ΔE " << nonzero << ", with clusters among the changed sites "
                         << bonded);
  CHECK(mismatched == 0);
  CHECK(tested == 3000);
  CHECK(nonzero > 0.9 * tested);
  CHECK(bonded > 0.5 * tested);
}

TEST_CASE("the Hamiltonian file format and its errors") {
  const auto good = write_file(R"(description = "test"
[[point]]
sublattice = "X"
species = "Br"
energy = 0.02

[[pair]]
sublattices = ["X", "X"]
shell = 2
species = ["I", "Br"]
J = 0.01

[[triplet]]
sublattice = "X"
species = ["I", "I", "Br"]
K = -0.001
)");
  const auto terms = barriers::read_hamiltonian_file(good);
  REQUIRE(terms.points.size() == 1);
  CHECK(terms.pairs.at(0).shell == 2);
  CHECK(terms.pairs.at(0).j_ev == 0.01);
  CHECK(terms.triplets.at(0).shell == 1);  // default

  struct Case {
    std::string text, expect;
  };
  const std::vector<Case> cases = {
      {"[[pair]]\nsublattices = [\"X\", \"X\"]\nspecies = [\"I\", \"Br\"]\nJ = \"big\"\n", "J = 'big': must be a finite number"},
      {"[[pair]]\nsublattices = [\"X\"]\nspecies = [\"I\", \"Br\"]\nJ = 0.1\n", "sublattices = [ 'X' ]: must be an array of 2 strings"},
      {"[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 0\nspecies = [\"I\", \"Br\"]\nJ = 0.1\n", "shell = 0: must be an integer from 1"},
      {"[[point]]\nsublattice = \"X\"\nspecies = \"Br\"\n", "energy: missing"},
      {"[[point]]\nsublattice = \"X\"\nspecies = \"Br\"\nenergy = 1\ncolour = 2\n", "colour: unknown key"},
      {"[[pairs]]\nJ = 1\n", "[pairs]: unknown section"},
      {"[[pair]]\nsublattices = [\"X\", \"X\"]\nspecies = [\"I\", \"Br\"]\nJ = 0.1\n[[pair]]\nsublattices = [\"X\", \"X\"]\nspecies = [\"Br\", \"I\"]\nJ = 0.2\n",
       "repeats the term at"},
      {"[[pair]\n", "Hamiltonian file"},
  };
  for (const auto& c : cases) {
    const auto path = write_file(c.text);
    INFO(c.text);
    CHECK_THROWS_WITH_AS(barriers::read_hamiltonian_file(path), doctest::Contains(c.expect.c_str()), InputError);
  }
}

TEST_CASE("Hamiltonian names and sizes are checked against the lattice") {
  lattice::Supercell sc(lattice::make_perovskite(6.0, false), {4, 4, 4});
  lattice::SpeciesTable species({"I", "Br"});
  auto make = [&](barriers::HamiltonianTerms t) { barriers::LatticeHamiltonian h(sc, species, t); };
  CHECK_THROWS_WITH_AS(make({{{"Q", "Br", 0.1}}, {}, {}}), doctest::Contains("sublattice \"Q\""), InputError);
  CHECK_THROWS_WITH_AS(make({{{"X", "Xe", 0.1}}, {}, {}}), doctest::Contains("species \"Xe\""), InputError);
  // The 60th X-X shell (34 Å) exists, but not inside a 24 Å box.
  CHECK_THROWS_WITH_AS(make({{}, {{{"X", "X"}, 60, {"I", "Br"}, 0.1}}, {}}), doctest::Contains("too small"), InputError);
  CHECK_THROWS_WITH_AS(make({{{"X", "Va", 0.1}}, {{{"X", "i"}, 1, {"I", "Br"}, 0.1}}, {}}),
                       doctest::Contains("sublattice \"i\""), InputError);
  // A 2x2x2 box (12 Å) cannot hold the 3rd shell (7.35 Å) without aliasing.
  lattice::Supercell small(lattice::make_perovskite(6.0, false), {2, 2, 2});
  CHECK_THROWS_WITH_AS(barriers::LatticeHamiltonian(small, species, {{}, {{{"X", "X"}, 3, {"I", "Br"}, 0.1}}, {}}),
                       doctest::Contains("too small"), InputError);
}
