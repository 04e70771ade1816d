// Sector-parallel KMC (SectorKmcEngine): bookkeeping, bitwise determinism
// over thread counts, exact resumption from its state, and agreement with
// the serial engine's statistics (docs/sector_kmc.md). Tolerance of the
// statistical checks: 3 combined standard errors from independent replicas,
// |a - b| < 3 sqrt(σa² + σb²).
#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "SectorTestHelpers.hpp"
#include "SpecHelpers.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

using test::as_sectors;
using test::small_mixed_spec;

TEST_CASE("sector engine: state stays consistent, displacements balance, the clock advances by the window") {
  // Both rate paths: pair Hamiltonian (KmcModel::hop_rate) and tabulated constant barriers.
  for (const bool tabulated : {false, true}) {
    CAPTURE(tabulated);
    auto spec = small_mixed_spec(16, 1e-9);
    if (tabulated) spec.energy.hamiltonian_file.clear();
    kmc::Simulation sim(spec);
    REQUIRE(sim.model().tabulated() == tabulated);
    kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), spec.kmc.seed, 0);
    kmc::SectorSettings settings;
    settings.sectors = {2, 2, 2};
    kmc::SectorKmcEngine sectors(engine, settings, spec.kmc.seed, 0);
    REQUIRE(sectors.max_single_rate_hz() > 0);
    CHECK(sectors.window_s() == doctest::Approx(settings.window / sectors.max_single_rate_hz()).epsilon(1e-15));
    for (int c = 0; c < 40; ++c) sectors.run_cycle();
    CHECK(engine.time_s() == doctest::Approx(40 * sectors.window_s()).epsilon(1e-12));
    CHECK(engine.events() > 500);  // not trivial: the vacancies moved
    // Every vacancy hop moves one ion by -d and the vacancy by +d.
    kmc::Vec3 sum{0, 0, 0};
    for (const auto& r : engine.ion_displacements())
      for (int k = 0; k < 3; ++k) sum[k] += r[k];
    for (const auto& d : engine.defects())
      for (int k = 0; k < 3; ++k) sum[k] += d.displacement[k];
    for (int k = 0; k < 3; ++k) CHECK(std::abs(sum[k]) < 1e-6);
    std::int64_t hops = 0;
    for (auto h : engine.hops_by_species()) hops += h;
    CHECK(hops == engine.events());
    // finish() rebuilds the serial engine's data through restore(), which
    // throws when occupancy, ions and defects disagree; its rates then equal a recompute.
    sectors.finish();
    CHECK(engine.total_rate_hz() == doctest::Approx(engine.recomputed_total_rate_hz()).epsilon(1e-12));
    CHECK(engine.step());
  }
}

TEST_CASE("sector engine: sectors too thin for the model's reach are refused, naming the key") {
  const auto spec = small_mixed_spec(16, 1e-9);
  kmc::Simulation sim(spec);
  kmc::SectorSettings settings;
  settings.sectors = {16, 1, 1};
  CHECK_THROWS_WITH_AS(kmc::SectorKmcEngine::layout(sim.model(), settings),
                       doctest::Contains("[kmc] sectors = [16, 1, 1]: along x the box has 16 cells"), InputError);
  CHECK_THROWS_WITH_AS(kmc::Simulation(as_sectors(spec, {16, 1, 1}, 0.5)), doctest::Contains("(test)"), InputError);
}

TEST_CASE("sector engine: the same seed gives the same trajectory bit for bit on 1, 2 and 3 threads") {
  bool path_tabulated = false;
  SUBCASE("pair Hamiltonian") { path_tabulated = false; }
  SUBCASE("tabulated barriers") { path_tabulated = true; }
  // Both rate paths: pair Hamiltonian and tabulated constant barriers.
  const bool tabulated = path_tabulated;
  auto spec = as_sectors(small_mixed_spec(16, 1e-8), {2, 2, 2}, 0.5);
  if (tabulated) spec.energy.hamiltonian_file.clear();
  spec.output.crossings = true;  // along z; each sector counts its own hops
  auto run_on = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    kmc::Simulation sim(spec);
    return sim.run().at(0);
  };
  const auto one = run_on(1);
  REQUIRE(one.events > 3000);
  // Crossings counted in both directions by I, Br and the vacancies.
  const auto& crossed = one.crossings.counts;
  REQUIRE(crossed.planes == 32);
  const kmc::Simulation named(spec);
  const auto& species = named.model().species();
  for (int e : {int{species.code("I")}, int{species.code("Br")}, crossed.entities - kmc::kDefectTypes}) {
    std::int64_t up = 0, down = 0;
    for (int g = 0; g < crossed.planes; ++g) up += crossed.up_at(g, e), down += crossed.down_at(g, e);
    CAPTURE(e);
    CHECK(up > 200);
    CHECK(down > 200);
  }
  for (int threads : {2, 3}) {
    const auto other = run_on(threads);
    CHECK(other.events == one.events);
    CHECK(other.time_s == one.time_s);
    CHECK(other.final_occupancy == one.final_occupancy);
    REQUIRE(other.final_defects.size() == one.final_defects.size());
    bool same_defects = true;
    for (std::size_t d = 0; d < one.final_defects.size(); ++d)
      same_defects = same_defects && other.final_defects[d].site == one.final_defects[d].site &&
                     other.final_defects[d].displacement == one.final_defects[d].displacement;
    CHECK(same_defects);
    CHECK(other.total.ion_r2 == one.total.ion_r2);
    CHECK(other.crossings.counts.up == crossed.up);
    CHECK(other.crossings.counts.down == crossed.down);
    // Bytes, not ==: α holds NaN for pairs with an absent occupant.
    const auto& a = one.segregation.back().alpha;
    const auto& b = other.segregation.back().alpha;
    CHECK((a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0));
  }
  // A different seed is a different trajectory (the comparison above can fail).
  auto other_seed = spec;
  other_seed.kmc.seed += 1;
  CHECK(kmc::Simulation(other_seed).run().at(0).final_occupancy != one.final_occupancy);
}

TEST_CASE("sector engine agrees with the serial engine: D per species, vacancy D and SRO (16³, default and tiny window)") {
  // 6 replicas of 16³ cells, about 250 hops per vacancy: D to about 1 %.
  auto serial = small_mixed_spec(16, 5e-8);
  serial.kmc.replicas = 6;
  const auto reference = test::sector_observables(serial);
  for (double window : {kmc::KmcSpec{}.sector_window, 0.02}) {
    CAPTURE(window);
    const auto sectors = test::sector_observables(as_sectors(serial, {2, 2, 2}, window));
    test::check_agreement(reference, sectors);
  }
}

namespace {

// Bitwise equality of everything a sector run evolves.
void check_same_state(const kmc::EngineState& a, const kmc::EngineState& b) {
  CHECK(a.occupancy == b.occupancy);
  CHECK(a.ion_at_site == b.ion_at_site);
  CHECK(a.ion_displacement == b.ion_displacement);
  REQUIRE(a.defects.size() == b.defects.size());
  bool same_defects = true;
  for (std::size_t d = 0; d < a.defects.size(); ++d)
    same_defects = same_defects && a.defects[d].site == b.defects[d].site &&
                   a.defects[d].displacement == b.defects[d].displacement;
  CHECK(same_defects);
  CHECK(a.hops == b.hops);
  CHECK(a.hop_length_sq == b.hop_length_sq);
  CHECK(a.time_s == b.time_s);
  CHECK(a.events == b.events);
  CHECK(a.clamped_events == b.clamped_events);
}

// 2×2×2 sectors of 16³ cells (halves of 4 cells) and a wide window: many
// defects cross sub-sector boundaries, so the lists' order moves away from
// the defect ids' order within a few cycles.
kmc::SectorSettings crossing_settings() {
  kmc::SectorSettings settings;
  settings.sectors = {2, 2, 2};
  settings.window = 0.5;
  return settings;
}

}  // namespace

TEST_CASE("sector engine: resumed from its state after k cycles, a run ends bit for bit where the straight run ends") {
  for (const bool tabulated : {false, true}) {
    CAPTURE(tabulated);
    auto spec = small_mixed_spec(16, 1e-9);
    if (tabulated) spec.energy.hamiltonian_file.clear();
    kmc::Simulation sim(spec);
    const auto settings = crossing_settings();
    const std::uint64_t seed = spec.kmc.seed;
    constexpr int kTotal = 30, kFirst = 12;

    kmc::KmcEngine straight(sim.model(), sim.initial_configuration(0), seed, 0);
    double straight_window = 0.0;
    {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
      kmc::SectorKmcEngine sectors(straight, settings, seed, 0);
      straight_window = sectors.window_s();
      for (int c = 0; c < kTotal; ++c) sectors.run_cycle();
    }
    REQUIRE(straight.events() > 1000);

    kmc::KmcEngine first(sim.model(), sim.initial_configuration(0), seed, 0);
    kmc::SectorKmcEngine first_sectors(first, settings, seed, 0);
    for (int c = 0; c < kFirst; ++c) first_sectors.run_cycle();
    const kmc::EngineState engine_state = first.state();
    const kmc::SectorState sector_state = first_sectors.state();
    CHECK(sector_state.cycles == kFirst);
    CHECK(sector_state.window_s == straight_window);
    // Not trivial: some list is out of ascending order (defects joined it as they arrived).
    bool reordered = false;
    for (std::size_t r = 0; r + 1 < sector_state.offsets.size(); ++r)
      reordered = reordered || !std::is_sorted(sector_state.defects.begin() + sector_state.offsets[r],
                                               sector_state.defects.begin() + sector_state.offsets[r + 1]);
    REQUIRE(reordered);

    // A fresh engine (any start: restore replaces it), on one thread; every
    // defect's rates are recomputed on first use instead of reused.
    auto resume = [&](const kmc::SectorState& from) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
      kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), seed, 0);
      engine.restore(engine_state);
      kmc::SectorKmcEngine sectors(engine, settings, seed, 0, from);
      CHECK(sectors.window_s() == straight_window);
      CHECK(sectors.cycles() == kFirst);
      for (int c = kFirst; c < kTotal; ++c) sectors.run_cycle();
      CHECK(sectors.cycles() == kTotal);
      sectors.finish();  // restore()'s checks: occupancy, ions and defects agree
      return engine.state();
    };
    check_same_state(resume(sector_state), straight.state());

    // The lists' order is state: the same lists in ascending order (what a
    // rebuild from the defects would give) lead to another trajectory.
    auto canonical = sector_state;
    for (std::size_t r = 0; r + 1 < canonical.offsets.size(); ++r)
      std::sort(canonical.defects.begin() + canonical.offsets[r], canonical.defects.begin() + canonical.offsets[r + 1]);
    const auto reordered_run = resume(canonical);
    CHECK(reordered_run.occupancy != straight.state().occupancy);
    // So is τ: recomputed from the configuration reached, Γ_max (hence τ)
    // differs where rates depend on the neighbours (not with constant barriers).
    if (!tabulated) {
      kmc::KmcEngine again(sim.model(), sim.initial_configuration(0), seed, 0);
      again.restore(engine_state);
      CHECK(kmc::SectorKmcEngine(again, settings, seed, 0).window_s() != straight_window);
    }
  }
}

TEST_CASE("sector engine: a damaged or foreign sector state is refused before anything is built, naming what does not fit") {
  const auto spec = small_mixed_spec(16, 1e-9);
  kmc::Simulation sim(spec);
  const auto settings = crossing_settings();
  const std::uint64_t seed = spec.kmc.seed;
  kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), seed, 0);
  kmc::SectorKmcEngine sectors(engine, settings, seed, 0);
  for (int c = 0; c < 6; ++c) sectors.run_cycle();
  const kmc::SectorState good = sectors.state();
  kmc::KmcEngine target(sim.model(), sim.initial_configuration(0), seed, 0);
  target.restore(engine.state());
  CHECK_NOTHROW(kmc::SectorKmcEngine(target, settings, seed, 0, good));
  auto refused = [&](const kmc::SectorState& state, const std::string& why, kmc::SectorSettings s = crossing_settings()) {
    CAPTURE(why);
    std::string what;
    try {
      kmc::SectorKmcEngine(target, s, seed, 0, state);
    } catch (const Error& e) {
      what = e.what();
    }
    CHECK(what.rfind("sector state does not fit the run: ", 0) == 0);
    CHECK(what.find(why) != std::string::npos);
  };
  auto other = crossing_settings();
  other.sectors = {2, 1, 1};
  refused(good, "taken with sectors [2, 2, 2], this run has [2, 1, 1]", other);
  other = crossing_settings();
  other.window = 0.25;  // τ from another sector_window
  refused(good, "but sector_window = 0.25 gives", other);
  auto bad = good;
  bad.window_s = std::nextafter(bad.window_s, 1.0);
  refused(bad, "window");
  bad = good;
  bad.max_rate_hz = -1;
  refused(bad, "window");
  bad = good;
  bad.cycles = -3;
  refused(bad, "negative cycle count -3");
  bad = good;
  bad.offsets.pop_back();
  refused(bad, "64 list offsets for 64 regions");
  bad = good;
  bad.defects.pop_back();
  refused(bad, "listed defects, the engine has");
  bad = good;
  bad.offsets[1] = static_cast<std::int64_t>(bad.defects.size()) + 5;
  refused(bad, "the list offsets decrease or pass the end of the list");
  // A defect listed in another region: swap the first entries of two non-empty regions.
  std::vector<std::size_t> filled;
  for (std::size_t r = 0; r + 1 < good.offsets.size(); ++r)
    if (good.offsets[r + 1] > good.offsets[r]) filled.push_back(r);
  REQUIRE(filled.size() >= 2);
  bad = good;
  std::swap(bad.defects[bad.offsets[filled[0]]], bad.defects[bad.offsets[filled[1]]]);
  refused(bad, "is listed in sector");
  bad = good;
  bad.defects[bad.offsets[filled[0]]] = static_cast<std::int32_t>(good.defects.size());
  refused(bad, "out of range");
  // One defect twice (and another missing): the repeat is named.
  std::size_t region = 0;
  while (good.offsets[region + 1] - good.offsets[region] < 2) ++region;
  bad = good;
  bad.defects[bad.offsets[region] + 1] = bad.defects[bad.offsets[region]];
  refused(bad, "is listed twice");
}
