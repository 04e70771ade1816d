// Plane crossings: the counter against a count made here from Cartesian
// positions (site heights, midplanes and the unwrapped moves of every defect
// and ion), the interface and bulk planes of layers by hand, and the
// jackknife ratio by hand. Sector runs: the net crossings of every plane
// against the unwrapped moves of the ions and defects from start to end.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "SectorTestHelpers.hpp"
#include "SpecHelpers.hpp"
#include "hkmc/kmc/PlaneCrossingCounter.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/kmc/Statistics.hpp"

using namespace hkmc;

TEST_CASE("interface and bulk planes of layers, by hand") {
  // Two site planes per cell (perovskite X along z). Layers of 16 + 16 cells:
  // layer 0 holds site planes 0..31, its middle gap is 15 (between 15 and 16),
  // the interface after it is gap 31; layer 1: planes 32..63, bulk 47, interface 63.
  auto lp = kmc::layer_planes({16, 16}, 2);
  CHECK(lp.bulk_plane == std::vector<int>{15, 47});
  CHECK(lp.interface_plane == std::vector<int>{31, 63});
  // 3 | 1 | 4 cells: planes 0..5, 6..7, 8..15.
  lp = kmc::layer_planes({3, 1, 4}, 2);
  CHECK(lp.bulk_plane == std::vector<int>{2, 6, 11});
  CHECK(lp.interface_plane == std::vector<int>{5, 7, 15});
  // One plane per cell: a one-cell layer has no gap of its own.
  lp = kmc::layer_planes({2, 1, 3}, 1);
  CHECK(lp.bulk_plane == std::vector<int>{0, -1, 3});
  CHECK(lp.interface_plane == std::vector<int>{1, 2, 5});
  // One layer: no interface.
  lp = kmc::layer_planes({8}, 2);
  CHECK(lp.interface_plane.empty());
  CHECK(lp.bulk_plane == std::vector<int>{7});
}

TEST_CASE("ratio of replica means and its jackknife error, by hand") {
  // a = {1, 3}, b = {1, 1}: ratio 4/2 = 2; leaving one out gives 3 and 1, so
  // the jackknife error is sqrt((n-1)/n · Σ (r_i - 2)²) = sqrt(1/2 · 2) = 1.
  auto e = kmc::ratio_of_means({1, 3}, {1, 1});
  CHECK(e.value == doctest::Approx(2.0));
  CHECK(e.error == doctest::Approx(1.0));
  // Proportional replicas: every leave-one-out ratio is 2, error 0.
  e = kmc::ratio_of_means({2, 4, 6}, {1, 2, 3});
  CHECK(e.value == doctest::Approx(2.0));
  CHECK(e.error == doctest::Approx(0.0));
  // One replica: no error; a zero denominator: no ratio.
  CHECK(std::isnan(kmc::ratio_of_means({2}, {1}).error));
  CHECK(std::isnan(kmc::ratio_of_means({2, 3}, {0, 0}).value));
}

namespace {

// The gaps between consecutive distinct site heights (Å) along z, over the whole box.
struct HandPlanes {
  std::vector<double> gap;  // ascending, in [0, Lz + first height)
  double box_z = 0;
  // Gap index and direction (+1 up) of every gap strictly between z0 and z1.
  std::vector<std::pair<int, int>> crossed(double z0, double z1) const {
    std::vector<std::pair<int, int>> out;
    const double lo = std::min(z0, z1), hi = std::max(z0, z1);
    for (int image = -2; image <= 2; ++image)
      for (std::size_t g = 0; g < gap.size(); ++g) {
        const double p = gap[g] + image * box_z;
        if (p > lo && p < hi) out.emplace_back(static_cast<int>(g), z1 > z0 ? 1 : -1);
      }
    return out;
  }
};

HandPlanes hand_planes(const lattice::Supercell& sc) {
  HandPlanes h;
  h.box_z = sc.box()(2, 2);  // the perovskite box is diagonal
  std::vector<double> heights;
  for (int s = 0; s < sc.num_sites(); ++s) {
    const double z = sc.position(s)[2];
    if (std::none_of(heights.begin(), heights.end(), [z](double x) { return std::abs(x - z) < 1e-6; }))
      heights.push_back(z);
  }
  std::sort(heights.begin(), heights.end());
  for (std::size_t i = 0; i < heights.size(); ++i)
    h.gap.push_back(0.5 * (heights[i] + (i + 1 < heights.size() ? heights[i + 1] : heights[0] + h.box_z)));
  return h;
}

}  // namespace

TEST_CASE("crossings counted by the counter equal a count from Cartesian moves, for all three mechanisms") {
  // Vacancies, interstitials and interstitialcy in CsPb(I,Br)3, as in the
  // checkpoint tests: every mechanism and both defect types move.
  auto spec = test::perovskite_spec(6.0, 4, {{"I", 0.5}, {"Br", 0.5}}, 8, 0);
  spec.defects.interstitials = 4;
  spec.mechanisms = {{"vacancy_edge", "vacancy", 1}, {"interstitial_hop", "interstitial", 1}, {"push", "interstitialcy", 1}};
  spec.barriers.provider = "model";
  spec.barriers.model_e0_ev = 0.2;
  spec.barriers.model_slopes_ev = {{"Br", 0.02}, {"I", 0.005}};
  spec.barriers.r_env_angstrom = 6.0;
  kmc::Simulation sim(spec);
  const auto& sc = sim.model().supercell();
  kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), 3, 0);
  kmc::PlaneCrossingCounter counter(sim.model(), 2);
  const HandPlanes hand = hand_planes(sc);
  REQUIRE(static_cast<int>(hand.gap.size()) == counter.counts().planes);
  const int codes = sim.model().species().size() + 1;
  const int entities = codes + kmc::kDefectTypes;
  std::vector<std::int64_t> up(hand.gap.size() * entities, 0), down(up.size(), 0);
  auto add = [&](double z0, double z1, int entity) {
    for (auto [g, dir] : hand.crossed(z0, z1)) ++(dir > 0 ? up : down)[g * entities + entity];
  };
  std::map<int, int> hops_by_kind;
  for (int step = 0; step < 20000; ++step) {
    const auto event = engine.plan();
    REQUIRE(event);
    // Where each ion and defect is before the event.
    std::vector<int> site_of_ion(engine.ion_species().size(), -1);
    for (int s = 0; s < sc.num_sites(); ++s)
      if (engine.ion_at_site()[s] >= 0) site_of_ion[engine.ion_at_site()[s]] = s;
    const auto ion_before = engine.ion_displacements();
    const auto defects_before = engine.defects();
    counter.record(engine, *event);
    engine.execute(*event);
    for (std::size_t d = 0; d < defects_before.size(); ++d) {
      const double dz = engine.defects()[d].displacement[2] - defects_before[d].displacement[2];
      const double z0 = sc.position(defects_before[d].site)[2];
      if (dz != 0) add(z0, z0 + dz, codes + static_cast<int>(defects_before[d].type));
    }
    int moved = 0;
    for (std::size_t i = 0; i < ion_before.size(); ++i) {
      const double dz = engine.ion_displacements()[i][2] - ion_before[i][2];
      if (engine.ion_displacements()[i] != ion_before[i]) ++moved;
      const double z0 = sc.position(site_of_ion[i])[2];
      if (dz != 0) add(z0, z0 + dz, engine.ion_species()[i]);
    }
    ++hops_by_kind[moved];
  }
  // Not trivial: single-ion hops and interstitialcy (two ions) both happened,
  // and every species and defect type crossed planes.
  CHECK(hops_by_kind[1] > 1000);
  CHECK(hops_by_kind[2] > 100);
  for (int e : {1, 2, codes, codes + 1}) {
    std::int64_t n = 0;
    for (std::size_t g = 0; g < hand.gap.size(); ++g) n += up[g * entities + e] + down[g * entities + e];
    CAPTURE(e);
    CHECK(n > 100);
  }
  CHECK(counter.counts().up == up);
  CHECK(counter.counts().down == down);
}

TEST_CASE("plane geometry of the perovskite along z and x") {
  auto spec = test::perovskite_spec(6.0, 3, {{"Br", 1.0}}, 1, 0);
  spec.lattice.supercell = {3, 4, 5};
  kmc::Simulation sim(spec);
  // X at z = 0 (x- and y-type) and z = a/2: two site planes per cell, gaps at a/4 + k a/2.
  const auto g = kmc::crossing_geometry(sim.model().supercell(), 2);
  CHECK(g.planes_per_cell == 2);
  REQUIRE(g.planes == 10);
  CHECK(g.plane_position_A[0] == doctest::Approx(1.5));
  CHECK(g.plane_position_A[9] == doctest::Approx(28.5));
  CHECK(g.area_A2 == doctest::Approx(3 * 6.0 * 4 * 6.0));
  const auto gx = kmc::crossing_geometry(sim.model().supercell(), 0);
  CHECK(gx.planes == 6);
  CHECK(gx.area_A2 == doctest::Approx(4 * 6.0 * 5 * 6.0));
}

namespace {

// Net crossings (up - down) of gap plane g by a move from z0 to z1 (Å,
// unwrapped): the images g + k·Lz passed upwards minus those passed downwards.
std::int64_t net_crossings(const HandPlanes& hand, std::size_t g, double z0, double z1) {
  return static_cast<std::int64_t>(std::floor((z1 - hand.gap[g]) / hand.box_z) -
                                   std::floor((z0 - hand.gap[g]) / hand.box_z));
}

// Runs `spec`'s replica 0 for `cycles` cycles of the sector engine with
// `sectors` (window 0.5/Γ_max), counting crossings along z, and checks the
// counts against the ions' and defects' unwrapped moves from start to end.
// Returns the counts and the entities of I and Br.
struct SectorCrossings {
  kmc::CrossingCounts counts;
  int iodide = 0, bromide = 0;  // species codes
};
SectorCrossings check_sector_crossings(const kmc::RunSpec& spec, std::array<int, 3> sectors, int cycles) {
  kmc::Simulation sim(spec);
  const auto& sc = sim.model().supercell();
  kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), spec.kmc.seed, 0);
  // Where each ion and defect starts.
  std::vector<int> site_of_ion(engine.ion_species().size(), -1);
  for (int s = 0; s < sc.num_sites(); ++s)
    if (engine.ion_at_site()[s] >= 0) site_of_ion[engine.ion_at_site()[s]] = s;
  const auto defects_before = engine.defects();
  kmc::SectorSettings settings;
  settings.sectors = sectors;
  settings.window = 0.5;
  kmc::SectorKmcEngine sector_engine(engine, settings, spec.kmc.seed, 0);
  kmc::PlaneCrossingCounter counter(sim.model(), 2);
  sector_engine.count_crossings(&counter);
  for (int c = 0; c < cycles; ++c) sector_engine.run_cycle();
  MESSAGE(engine.events() << " events in " << cycles << " cycles");

  const HandPlanes hand = hand_planes(sc);
  const auto& counts = counter.counts();
  REQUIRE(static_cast<int>(hand.gap.size()) == counts.planes);
  const int codes = sim.model().species().size() + 1;
  REQUIRE(counts.entities == codes + kmc::kDefectTypes);
  std::vector<std::int64_t> net(hand.gap.size() * counts.entities, 0);
  auto add = [&](double z0, double dz, int entity) {
    for (std::size_t g = 0; g < hand.gap.size(); ++g) net[g * counts.entities + entity] += net_crossings(hand, g, z0, z0 + dz);
  };
  for (std::size_t i = 0; i < site_of_ion.size(); ++i)
    add(sc.position(site_of_ion[i])[2], engine.ion_displacements()[i][2], engine.ion_species()[i]);
  for (std::size_t d = 0; d < defects_before.size(); ++d)
    add(sc.position(defects_before[d].site)[2], engine.defects()[d].displacement[2] - defects_before[d].displacement[2],
        codes + static_cast<int>(defects_before[d].type));
  std::vector<std::int64_t> counted(net.size());
  for (std::size_t i = 0; i < net.size(); ++i) counted[i] = counts.up[i] - counts.down[i];
  CHECK(counted == net);
  // Not trivial: many planes were crossed net, by several entities.
  const auto nonzero = std::count_if(net.begin(), net.end(), [](std::int64_t n) { return n != 0; });
  MESSAGE(nonzero << " of " << net.size() << " (plane, entity) net counts are not zero");
  CHECK(nonzero > static_cast<std::ptrdiff_t>(net.size() / 4));
  return {counts, sim.model().species().code("I"), sim.model().species().code("Br")};
}

// Crossings of `entity` summed over planes, up and down.
std::pair<std::int64_t, std::int64_t> crossings_of(const kmc::CrossingCounts& c, int entity) {
  std::int64_t up = 0, down = 0;
  for (int g = 0; g < c.planes; ++g) up += c.up_at(g, entity), down += c.down_at(g, entity);
  return {up, down};
}

}  // namespace

TEST_CASE("sector runs: net crossings of every plane equal the ions' and defects' unwrapped moves") {
  SUBCASE("vacancies in I/Br, 2x2x2 sectors; ion and vacancy crossings mirror each other") {
    // 12³ cells (halves of 3 cells, reach 1), 1 % vacancies; sectors along z, so hops
    // across sector and sub-sector boundaries cross counted planes.
    auto spec = test::small_mixed_spec(12, 1e-9);
    const auto [counts, iodide, bromide] = check_sector_crossings(spec, {2, 2, 2}, 400);
    // Every vacancy hop moves one ion across the same gaps the other way, plane by plane.
    const int codes = counts.entities - kmc::kDefectTypes;
    for (int g = 0; g < counts.planes; ++g) {
      std::int64_t ion_up = 0, ion_down = 0;
      for (int s = 0; s < codes; ++s) ion_up += counts.up_at(g, s), ion_down += counts.down_at(g, s);
      CAPTURE(g);
      CHECK(ion_up == counts.down_at(g, codes));
      CHECK(ion_down == counts.up_at(g, codes));
    }
    // Not trivial: I, Br and the vacancies crossed often in both directions.
    for (int e : {iodide, bromide, codes}) {
      const auto [up, down] = crossings_of(counts, e);
      CAPTURE(e);
      CHECK(up > 300);
      CHECK(down > 300);
    }
  }
  SUBCASE("vacancies, interstitials and interstitialcy, sectors along z") {
    // Reach 2 cells: two sectors along z need halves of 4 cells.
    auto spec = test::perovskite_spec(6.0, 6, {{"I", 0.5}, {"Br", 0.5}}, 16, 0);
    spec.lattice.supercell = {6, 6, 16};
    spec.defects.interstitials = 8;
    spec.mechanisms = {{"vacancy_edge", "vacancy", 1}, {"interstitial_hop", "interstitial", 1}, {"push", "interstitialcy", 1}};
    spec.barriers.provider = "model";
    spec.barriers.model_e0_ev = 0.2;
    spec.barriers.model_slopes_ev = {{"Br", 0.02}, {"I", 0.005}};
    spec.barriers.r_env_angstrom = 6.0;
    spec.kmc.steps.reset();
    spec.kmc.time_s = 1e-9;
    const auto [counts, iodide, bromide] = check_sector_crossings(spec, {1, 1, 2}, 300);
    const int codes = counts.entities - kmc::kDefectTypes;
    for (int e : {iodide, bromide, codes, codes + 1}) {
      const auto [up, down] = crossings_of(counts, e);
      CAPTURE(e);
      CHECK(up > 100);
      CHECK(down > 100);
    }
  }
}
