// Sector-parallel KMC (SectorKmcEngine): bookkeeping, bitwise determinism
// over thread counts, and agreement with the serial engine's statistics
// (docs/sector_kmc.md). Tolerance of the statistical checks: 3 combined
// standard errors from independent replicas, |a - b| < 3 sqrt(σa² + σb²).
#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <cstring>

#include "SectorTestHelpers.hpp"
#include "SpecHelpers.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

namespace {

// A vacancy that prefers Br neighbours and unlike halides that repel: tracer
// D of I and Br differ and rates change with every neighbour's move, while
// the fastest hop stays within ~10× the typical one (the window is 0.5/Γ_max).
std::string moderate_hamiltonian() {
  return test::write_temp_file("hkmc_sector_h", R"(
[[pair]]
sublattices = ["X", "X"]
shell = 1
species = ["Va", "Br"]
J = -0.02
[[pair]]
sublattices = ["X", "X"]
shell = 1
species = ["I", "Br"]
J = 0.01
)");
}

// 16³ cells (12,288 X sites), I0.5Br0.5 with 1 % vacancies.
kmc::RunSpec small_mixed_spec(int cells, double time_s) {
  auto s = test::perovskite_spec(5.87, cells, {{"I", 0.5}, {"Br", 0.5}}, 0, 1);
  s.defects.vacancies.reset();
  s.defects.vacancy_fraction = 0.01;
  s.energy.hamiltonian_file = moderate_hamiltonian();
  s.kmc.steps.reset();
  s.kmc.time_s = time_s;
  s.kmc.blocks = 4;
  s.output.sro_shells = 1;
  return s;
}

kmc::RunSpec as_sectors(kmc::RunSpec s, std::array<int, 3> sectors, double window) {
  s.kmc.parallel = "sectors";
  s.kmc.sectors = sectors;
  s.kmc.sector_window = window;
  return s;
}

}  // namespace

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
  auto run_on = [&](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    kmc::Simulation sim(spec);
    return sim.run().at(0);
  };
  const auto one = run_on(1);
  REQUIRE(one.events > 3000);
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
