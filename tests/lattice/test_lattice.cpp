// Unit tests of the lattice module: prototypes, shells, symmetry, supercell
// indexing and initial configurations. Expected values are derived by hand in
// the comments.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "hkmc/common/Error.hpp"
#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/InitialConfiguration.hpp"
#include "hkmc/lattice/Prototypes.hpp"
#include "hkmc/lattice/SpaceGroup.hpp"

using namespace hkmc::lattice;

namespace {
std::map<std::string, int> slots_per_path(const HopCatalog& cat, int mobile) {
  std::map<std::string, int> out;
  for (const auto& s : cat.slots(mobile)) out[cat.classes()[s.hop_class].path_type]++;
  return out;
}
}  // namespace

TEST_CASE("space groups have the orders of Pm-3m and Fm-3m") {
  // Pm-3m: 48 point operations, no centring. Fm-3m in the conventional cell:
  // 48 x 4 face-centring translations = 192.
  CHECK(space_group(make_perovskite(6.0, false)).size() == 48);
  CHECK(space_group(make_perovskite(6.0, true)).size() == 48);
  CHECK(space_group(make_fcc(4.0)).size() == 192);
  CHECK(space_group(make_double_perovskite(10.0, false)).size() == 192);
  // Breaking the symmetry: a tetragonal cell keeps 16 operations (4/mmm).
  Eigen::Matrix3d cell = Eigen::Vector3d(4.0, 4.0, 5.0).asDiagonal();
  Crystal tetragonal("custom", cell, {BasisSite{"X", Eigen::Vector3d(0, 0, 0), SiteRole::kLattice}});
  CHECK(space_group(tetragonal).size() == 16);
}

TEST_CASE("perovskite X sublattice: 8 edge neighbours at a/sqrt2, 6 at a") {
  const double a = 5.87;
  Supercell sc(make_perovskite(a, false), {4, 4, 4});
  CHECK(sc.num_sites() == 3 * 64);
  HopCatalog edge(sc, {Mechanism{"vacancy_edge", MechanismKind::kVacancy, 1}}, 0.0);
  HopCatalog second(sc, {Mechanism{"vacancy_direct", MechanismKind::kVacancy, 2}}, 0.0);
  for (int m = 0; m < 3; ++m) {
    REQUIRE(edge.slots(m).size() == 8);
    for (const auto& s : edge.slots(m)) CHECK(s.defect_displacement.norm() == doctest::Approx(a / std::sqrt(2.0)));
    REQUIRE(second.slots(m).size() == 6);
    for (const auto& s : second.slots(m)) CHECK(s.defect_displacement.norm() == doctest::Approx(a));
  }
  // All 24 edge hops are equivalent (one class) and run along a B octahedron edge.
  REQUIRE(edge.classes().size() == 1);
  CHECK(edge.classes()[0].path_type == "B");
  // The 6 second-shell hops split into 2 through a B site (path "B") and 4
  // across the square window between A cages (path "A"); two classes.
  REQUIRE(second.classes().size() == 2);
  CHECK(slots_per_path(second, 0) == std::map<std::string, int>{{"A", 4}, {"B", 2}});
}

TEST_CASE("double perovskite edge hops know their octahedron") {
  Supercell sc(make_double_perovskite(10.0, false), {2, 2, 2});
  HopCatalog cat(sc, {Mechanism{"vacancy_edge", MechanismKind::kVacancy, 1}}, 0.0);
  // Each X lies between one B and one B'; of its 8 edge neighbours, 4 share
  // the B octahedron and 4 the B' octahedron.
  for (int m = 0; m < sc.mobile_count(); ++m) {
    CHECK(slots_per_path(cat, m) == std::map<std::string, int>{{"B", 4}, {"B'", 4}});
  }
  REQUIRE(cat.classes().size() == 2);
  std::set<std::string> labels;
  for (const auto& c : cat.classes()) labels.insert(c.label);
  CHECK(labels == std::set<std::string>{"vacancy_edge/B", "vacancy_edge/B'"});
}

TEST_CASE("fcc: 12 nearest neighbours at a/sqrt2") {
  Supercell sc(make_fcc(4.0), {40, 40, 40});
  CHECK(sc.num_sites() == 256000);
  HopCatalog cat(sc, {Mechanism{"vacancy", MechanismKind::kVacancy, 1}}, 0.0);
  for (int m = 0; m < 4; ++m) CHECK(cat.slots(m).size() == 12);
  CHECK(cat.classes().size() == 1);
  CHECK(cat.classes()[0].path_type == "-");
}

TEST_CASE("perovskite interstitial sites and hops") {
  const double a = 6.2;
  Supercell sc(make_perovskite(a, true), {4, 4, 4});
  CHECK(sc.mobile_count() == 6);
  HopCatalog cat(sc,
                 {Mechanism{"interstitial", MechanismKind::kInterstitial, 1},
                  Mechanism{"interstitialcy", MechanismKind::kInterstitialcy, 1}},
                 0.0);
  for (int m = 0; m < 3; ++m) CHECK(cat.slots(m).empty());  // X sites: no interstitial moves
  for (int m = 3; m < 6; ++m) {
    int hops = 0, pushes = 0;
    for (const auto& s : cat.slots(m)) {
      if (s.mechanism == 0) {
        ++hops;
        // 3c -> 3c, e.g. (1/2,1/2,0) -> (1/2,0,1/2): distance a/sqrt2.
        CHECK(s.defect_displacement.norm() == doctest::Approx(a / std::sqrt(2.0)));
      } else {
        ++pushes;
        CHECK(s.via.mobile >= 0);
        CHECK(s.via.mobile < 3);
      }
    }
    CHECK(hops == 8);
    // 4 X at a/2 from a 3c site; each has 4 nearest 3c sites, one of them the origin.
    CHECK(pushes == 12);
  }
}

TEST_CASE("supercell indexing round-trips and wraps periodically") {
  Supercell sc(make_perovskite(6.0, false), {3, 4, 5});
  for (int s = 0; s < sc.num_sites(); ++s) {
    CHECK(sc.site(sc.cell_of(s), sc.mobile_of(s)) == s);
  }
  const int s = sc.site({2, 3, 4}, 1);
  CHECK(sc.shifted(s, SiteOffset{1, {1, 1, 1}}) == sc.site({0, 0, 0}, 1));
  CHECK(sc.shifted(s, SiteOffset{2, {-3, -4, -5}}) == sc.site({2, 3, 4}, 2));
  CHECK(sc.min_width() == doctest::Approx(18.0));
}

TEST_CASE("a frame gives the periodically wrapped sites of every offset within its reach") {
  // Reference: shifted_from(), which wraps each coordinate on its own. Every
  // cell of a box smaller than the frame's reach in one axis (offsets wrap
  // more than once there) and every offset up to reach 3, all basis sites.
  Supercell sc(make_perovskite(6.0, true), {3, 7, 5});
  const int reach = 3;
  int checked = 0, wrapped = 0;
  for (int x = 0; x < 3; ++x)
    for (int y = 0; y < 7; ++y)
      for (int z = 0; z < 5; ++z) {
        const CellIndex cell{x, y, z};
        const auto frame = sc.frame(cell, reach);
        for (int dx = -reach; dx <= reach; ++dx)
          for (int dy = -reach; dy <= reach; ++dy)
            for (int dz = -reach; dz <= reach; ++dz)
              for (int m = 0; m < sc.mobile_count(); ++m) {
                const SiteOffset o{m, {dx, dy, dz}};
                const int expected = sc.shifted_from(cell, o);
                if (frame.site(o) != expected) FAIL("frame differs at cell ", x, y, z, " offset ", dx, dy, dz);
                ++checked;
                wrapped += !sc.interior(cell, reach);
              }
      }
  CHECK(checked == 3 * 7 * 5 * 343 * sc.mobile_count());
  CHECK(wrapped == checked);  // no cell of this box is interior at reach 3
  CHECK_THROWS_AS(sc.frame({0, 0, 0}, Supercell::kFrameReach + 1), std::logic_error);
}

TEST_CASE("a supercell too small for r_env is refused") {
  Supercell sc(make_perovskite(6.0, false), {2, 2, 2});
  CHECK_THROWS_WITH_AS(HopCatalog(sc, {Mechanism{"vacancy_edge", MechanismKind::kVacancy, 1}}, 8.0),
                       doctest::Contains("too small"), hkmc::InputError);
}

TEST_CASE("exact counts follow the largest-remainder rule") {
  // 10 sites at 1/3 : 1/3 : 1/3 -> floors 3,3,3; one left goes to the first code.
  auto c = exact_counts({{1, 1.0 / 3}, {2, 1.0 / 3}, {3, 1.0 / 3}}, 10);
  CHECK(c[1] == 4);
  CHECK(c[2] == 3);
  CHECK(c[3] == 3);
  auto d = exact_counts({{1, 0.25}, {2, 0.75}}, 7);  // 1.75, 5.25 -> 2, 5
  CHECK(d[1] == 2);
  CHECK(d[2] == 5);
}

TEST_CASE("random and layered configurations have exact counts") {
  Supercell sc(make_perovskite(6.0, true), {4, 4, 8});
  hkmc::RandomGenerator rng(7, hkmc::RandomStream::kInitialConfiguration, 0);
  DefectCounts defects{10, 5, kEmpty, {}};
  auto occ = random_configuration(sc, {{1, 0.5}, {2, 0.5}}, defects, rng);
  std::map<int, int> lattice, interstitial;
  for (int s = 0; s < sc.num_sites(); ++s) {
    (sc.role(s) == SiteRole::kLattice ? lattice : interstitial)[occ[s]]++;
  }
  // 384 lattice sites: 192 I + 192 Br, then 10 of them emptied.
  CHECK(lattice[kEmpty] == 10);
  CHECK(lattice[1] + lattice[2] == 374);
  CHECK(interstitial[kEmpty] == 384 - 5);

  hkmc::RandomGenerator rng2(7, hkmc::RandomStream::kInitialConfiguration, 0);
  auto layered = layered_configuration(sc, 2, {Layer{4, {{1, 1.0}}}, Layer{4, {{2, 1.0}}}},
                                       DefectCounts{}, rng2);
  for (int s = 0; s < sc.num_sites(); ++s) {
    if (sc.role(s) != SiteRole::kLattice) continue;
    CHECK(layered[s] == (sc.cell_of(s)[2] < 4 ? 1 : 2));
  }
  hkmc::RandomGenerator rng3(7, hkmc::RandomStream::kInitialConfiguration, 0);
  CHECK_THROWS_AS(layered_configuration(sc, 2, {Layer{3, {{1, 1.0}}}}, DefectCounts{}, rng3),
                  hkmc::InputError);
}

TEST_CASE("the same seed gives the same configuration, another seed another") {
  Supercell sc(make_fcc(4.0), {4, 4, 4});
  auto make = [&](std::uint64_t seed) {
    hkmc::RandomGenerator rng(seed, hkmc::RandomStream::kInitialConfiguration, 0);
    return random_configuration(sc, {{5, 0.5}, {6, 0.5}}, DefectCounts{3, 0, kEmpty, {}}, rng);
  };
  CHECK(make(1) == make(1));
  CHECK(make(1) != make(2));
}

TEST_CASE("vacancies can be placed in one slab only") {
  Supercell sc(make_perovskite(6.0, false), {4, 4, 8});
  // Layer 0 (4 cells = 4*4*4*3 = 192 X sites) gets 5 % vacancies: round(9.6) = 10.
  std::vector<Layer> layers{Layer{4, {{1, 1.0}}, 0.05}, Layer{4, {{2, 1.0}}, -1.0}};
  CHECK(layer_vacancies(sc, 2, layers) == std::vector<std::int64_t>{10, 0});
  hkmc::RandomGenerator rng(3, hkmc::RandomStream::kInitialConfiguration, 0);
  const auto occ = layered_configuration(sc, 2, layers, DefectCounts{}, rng);
  int in_first = 0, in_second = 0;
  for (int s = 0; s < sc.num_sites(); ++s)
    if (occ[s] == kEmpty) (sc.cell_of(s)[2] < 4 ? in_first : in_second)++;
  CHECK(in_first == 10);
  CHECK(in_second == 0);
  // Per-layer and global vacancies together are refused.
  hkmc::RandomGenerator rng2(3, hkmc::RandomStream::kInitialConfiguration, 0);
  CHECK_THROWS_AS(layered_configuration(sc, 2, layers, DefectCounts{4, 0, kEmpty, {}}, rng2), hkmc::InputError);
  // No layer setting its own: nothing per layer.
  CHECK(layer_vacancies(sc, 2, {Layer{8, {{1, 1.0}}}}).empty());
}
