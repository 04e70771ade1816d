// Engine consistency: incremental rate updates equal a full recompute;
// a seed fixes the trajectory whatever the thread count.
#include <doctest/doctest.h>
#include <tbb/global_control.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>
#include <set>

#include "SpecHelpers.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/RateMemo.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

namespace {

kmc::RunSpec mixed_spec_with_environment() {
  auto s = test::perovskite_spec(6.0, 5, {{"I", 0.5}, {"Br", 0.5}}, 20, 3000);
  s.defects.interstitials = 10;
  s.mechanisms = {{"vacancy_edge", "vacancy", 1},
                  {"interstitial_hop", "interstitial", 1},
                  {"push", "interstitialcy", 1}};
  // Barriers depend on the environment: every Br neighbour adds 20 meV, every
  // vacancy-free I neighbour 5 meV; so hops far from a changed site keep their
  // rate only if the update logic is right.
  s.barriers.provider = "model";
  s.barriers.model_e0_ev = 0.2;
  s.barriers.model_slopes_ev = {{"Br", 0.02}, {"I", 0.005}};
  s.barriers.r_env_angstrom = 6.0;
  s.kmc.field_v_per_angstrom = {0.01, 0.0, 0.0};
  return s;
}

}  // namespace

kmc::RunSpec mixed_spec_tabulated() {
  // Constant barriers per mechanism: the engine's tabulated fast path. The
  // field and unequal charges make rates depend on direction and species.
  auto s = mixed_spec_with_environment();
  s.barriers = kmc::BarrierSpec{};
  s.barriers.provider = "constant";
  s.barriers.e_kra_ev = 0.3;
  s.barriers.e_kra_overrides = {{"interstitial_hop", 0.2}, {"push/A", 0.25}};
  s.kmc.charges_e = {{"I", -1.0}, {"Br", -0.8}};
  s.kmc.field_v_per_angstrom = {0.02, -0.01, 0.005};
  return s;
}

// Every stored hop rate equals the model's rate for the current occupancy
// (bitwise); the non-zero ones are added to `distinct`. Returns the number of zeros.
int check_stored_rates(const kmc::KmcEngine& engine, const kmc::Simulation& sim, std::set<double>& distinct) {
  std::string buffer;
  int zeros = 0;
  for (int d = 0; d < static_cast<int>(engine.defects().size()); ++d) {
    const int site = engine.defects()[d].site;
    const auto& slots = sim.model().catalog().slots(sim.model().supercell().mobile_of(site));
    for (int k = 0; k < static_cast<int>(slots.size()); ++k) {
      const double expect = sim.model().hop_rate(site, k, engine.occupancy(), buffer).rate_hz;
      REQUIRE(engine.rate_hz(d, k) == expect);
      if (expect > 0) distinct.insert(expect); else ++zeros;
    }
  }
  return zeros;
}

void check_incremental_equals_recompute(const kmc::RunSpec& spec) {
  kmc::Simulation sim(spec);
  kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), 3, 0);
  std::set<double> distinct_rates;
  for (int block = 0; block < 30; ++block) {
    for (int k = 0; k < 100; ++k) REQUIRE(engine.step());
    CHECK(engine.total_rate_hz() ==
          doctest::Approx(engine.recomputed_total_rate_hz()).epsilon(1e-12).scale(0));
    check_stored_rates(engine, sim, distinct_rates);
  }
  // Not trivial: many different rates (environments, field directions,
  // species), and interstitial moves as well as vacancy hops occurred.
  CHECK(distinct_rates.size() > 10);
  int moved_interstitials = 0;
  for (const auto& d : engine.defects())
    if (d.type == kmc::DefectType::kInterstitial && (d.displacement[0] != 0 || d.displacement[1] != 0))
      ++moved_interstitials;
  CHECK(moved_interstitials > 0);
}

TEST_CASE("incremental rates equal a full recompute: environment-dependent barriers") {
  check_incremental_equals_recompute(mixed_spec_with_environment());
}

TEST_CASE("incremental rates equal a full recompute: tabulated fast path") {
  check_incremental_equals_recompute(mixed_spec_tabulated());
}

TEST_CASE("ion and defect bookkeeping stays consistent") {
  kmc::Simulation sim(mixed_spec_with_environment());
  const auto initial = sim.initial_configuration(0);
  kmc::KmcEngine engine(sim.model(), initial, 3, 0);
  for (int k = 0; k < 3000; ++k) REQUIRE(engine.step());
  const auto& sc = sim.model().supercell();
  // Species counts are conserved; the ion index agrees with the occupancy.
  std::map<int, int> before, after;
  for (auto o : initial) before[o]++;
  for (auto o : engine.occupancy()) after[o]++;
  CHECK(before == after);
  for (int s = 0; s < sc.num_sites(); ++s) {
    const int ion = engine.ion_at_site()[s];
    CHECK((ion >= 0) == (engine.occupancy()[s] != lattice::kEmpty));
    if (ion >= 0) CHECK(engine.ion_species()[ion] == engine.occupancy()[s]);
  }
  // Each defect sits where the occupancy says a defect is.
  for (const auto& d : engine.defects()) {
    if (d.type == kmc::DefectType::kVacancy) CHECK(engine.occupancy()[d.site] == lattice::kEmpty);
    else CHECK(engine.occupancy()[d.site] != lattice::kEmpty);
  }
  // Conservation of displacement in the vacancy mechanism: Σ ion displacements
  // + Σ vacancy displacements = 0 when only vacancies move ions... with
  // interstitials the interstitial moves carry their ion: check the sum rule
  // Σ_ions ΔR = Σ_interstitial-moves - Σ_vacancy ΔR through the hop counts instead:
  double hop_sq = 0;
  for (double x : engine.hop_length_sq_by_species()) hop_sq += x;
  CHECK(hop_sq > 0);
}

TEST_CASE("vacancy-only run: ion displacements sum to minus the vacancy displacements") {
  // Each vacancy hop moves one ion by -d and the vacancy by +d.
  auto s = test::perovskite_spec(5.87, 6, {{"Br", 1.0}}, 12, 5000);
  kmc::Simulation sim(s);
  kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), 1, 0);
  for (int k = 0; k < 5000; ++k) REQUIRE(engine.step());
  double ion[3] = {0, 0, 0}, vac[3] = {0, 0, 0};
  for (const auto& r : engine.ion_displacements())
    for (int k = 0; k < 3; ++k) ion[k] += r[k];
  for (const auto& d : engine.defects())
    for (int k = 0; k < 3; ++k) vac[k] += d.displacement[k];
  for (int k = 0; k < 3; ++k) CHECK(ion[k] == doctest::Approx(-vac[k]).epsilon(1e-9));
  CHECK(std::abs(vac[0]) + std::abs(vac[1]) + std::abs(vac[2]) > 0);
}

TEST_CASE("the same seed gives the same trajectory; another seed another") {
  auto run = [](std::uint64_t seed) {
    auto s = mixed_spec_with_environment();
    s.kmc.seed = seed;
    kmc::Simulation sim(s);
    kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), seed, 0);
    for (int k = 0; k < 2000; ++k) engine.step();
    return std::make_pair(std::vector<lattice::Occupant>(engine.occupancy().begin(), engine.occupancy().end()),
                          engine.time_s());
  };
  const auto a = run(42), b = run(42), c = run(43);
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);  // bitwise
  CHECK(a.first != c.first);
}

TEST_CASE("replica results do not depend on the number of threads") {
  auto s = mixed_spec_with_environment();
  s.kmc.replicas = 4;
  s.kmc.steps = 1500;
  kmc::Simulation sim(s);
  std::vector<kmc::ReplicaResult> one, two;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one = sim.run();
  }
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 2);
    two = sim.run();
  }
  REQUIRE(one.size() == 4);
  for (int r = 0; r < 4; ++r) {
    CHECK(one[r].final_occupancy == two[r].final_occupancy);
    CHECK(one[r].time_s == two[r].time_s);
    CHECK(one[r].total.ion_r2 == two[r].total.ion_r2);
  }
  CHECK(one[0].final_occupancy != one[1].final_occupancy);  // replicas differ
}

TEST_CASE("rate law: kinetically resolved barrier, field work and clamp") {
  const double t = 400.0, nu = 1e13;
  barriers::RateLaw law(nu, t);
  const double kt = units::kBoltzmann_eV_per_K * t;
  // E_a = 0.3 + 0.1/2 - 0.04/2 = 0.33 eV.
  auto r = law.rate(0.3, 0.1, 0.04);
  CHECK(r.e_a_ev == doctest::Approx(0.33));
  CHECK(r.rate_hz == doctest::Approx(nu * std::exp(-0.33 / kt)).epsilon(1e-12).scale(0));
  CHECK_FALSE(r.clamped);
  // Detailed balance: forward/backward rate ratio is exp(-(ΔE - W)/kT).
  auto f = law.rate(0.3, 0.1, 0.04), b = law.rate(0.3, -0.1, -0.04);
  CHECK(f.rate_hz / b.rate_hz == doctest::Approx(std::exp(-(0.1 - 0.04) / kt)).epsilon(1e-12).scale(0));
  // A small E_KRA against a large ΔE: the transition state would lie below the
  // final state, so E_a is clamped to ΔE = 0.5 eV (and 0 for the reverse hop).
  auto c = law.rate(0.1, 0.5, 0.0);
  CHECK(c.clamped);
  CHECK(c.e_a_ev == doctest::Approx(0.5));
  auto c2 = law.rate(0.1, -0.5, 0.0);
  CHECK(c2.clamped);
  CHECK(c2.e_a_ev == doctest::Approx(0.0));
}

TEST_CASE("rate memo: the rate law's bits for every activation energy, hits and misses alike") {
  // Independent of the memo: RateLaw::rate_at called directly.
  barriers::RateLaw law(1e13, 350.0);
  kmc::RateMemo memo(law);
  // Values that share the memo's slot and differ only in their low bits, or
  // only in bits 40 and up (mantissa and exponent), queried in turn: every query replaces
  // the slot, and a memo that compared less than all of a key's bits would
  // answer one with another's rate.
  std::mt19937_64 gen(7);
  std::uniform_real_distribution<double> e_a(0.0, 1.2);
  int wrong = 0, collisions = 0;
  for (int base = 0; base < 20; ++base) {
    const double e = e_a(gen);
    const auto bits = std::bit_cast<std::uint64_t>(e);
    for (const int shift : {0, 40}) {
      std::vector<double> same_slot{e};
      for (std::uint64_t j = 1; same_slot.size() < 6; ++j) {
        const double other = std::bit_cast<double>(bits ^ (j << shift));
        if (kmc::RateMemo::slot_of(other) == kmc::RateMemo::slot_of(e)) same_slot.push_back(other);
      }
      for (int pass = 0; pass < 2; ++pass)
        for (const double v : same_slot) wrong += memo.rate_at(v) != law.rate_at(v);
      collisions += static_cast<int>(same_slot.size()) - 1;
    }
  }
  CHECK(collisions == 200);
  CHECK(wrong == 0);
  CHECK(memo.misses() == 2 * 20 * 2 * 6);  // each query evicted the previous one
  // A short list of repeating values (the Hamiltonian's case) misses once per value.
  kmc::RateMemo small(law);
  for (int pass = 0; pass < 100; ++pass)
    for (int k = 0; k < 50; ++k) CHECK(small.rate_at(0.2 + 0.001 * k) == law.rate_at(0.2 + 0.001 * k));
  CHECK(small.misses() <= 50);
  CHECK(small.rate_at(0.0) == law.rate_at(0.0));  // the slots' starting entries are true ones
}

TEST_CASE("a run stopped by simulated time samples and blocks on the time grid") {
  auto s = test::perovskite_spec(5.87, 6, {{"Br", 1.0}}, 6, 0);
  s.kmc.steps.reset();
  kmc::Simulation sim(s);
  // Γ = 1e13 exp(-0.25/kT) ~ 6.3e8 /s per hop: 1e-6 s is ~5000 hops per vacancy.
  kmc::RunControl control;
  control.time_s = 1e-6;
  control.blocks = 4;
  control.samples = 10;
  const auto r = kmc::run_replica(sim.model(), sim.initial_configuration(0), control, 5, 0);
  CHECK(r.time_s == 1e-6);
  CHECK(r.events > 10000);
  CHECK_FALSE(r.stalled);
  REQUIRE(r.samples.size() == 11);  // t = 0 and 10 equal intervals
  for (int i = 0; i <= 10; ++i) CHECK(r.samples[i].time_s == doctest::Approx(i * 1e-7).epsilon(1e-9));
  REQUIRE(r.blocks.size() == 4);
  double total = 0;
  for (const auto& b : r.blocks) {
    CHECK(b.duration_s == doctest::Approx(2.5e-7).epsilon(1e-9));
    total += b.duration_s;
  }
  CHECK(total == doctest::Approx(1e-6).epsilon(1e-12));
  // Block moments add up to the whole run's hop counts.
  std::int64_t hops = 0;
  for (const auto& b : r.blocks) hops += b.hops[2];
  CHECK(hops == r.total.hops[2]);
  CHECK(hops == r.events);
}

namespace {

// Pairs on two X-X shells and between X and interstitial sites, and a
// triplet: every part of the pair-field ΔE (and the direct triplet path).
std::string write_test_hamiltonian(const std::string& tag) {
  const auto path =
      std::filesystem::temp_directory_path() / ("hkmc_engine_h_" + tag + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 1\nspecies = [\"I\", \"Br\"]\nJ = 0.01\n"
                         "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 2\nspecies = [\"Va\", \"Br\"]\nJ = -0.03\n"
                         "[[pair]]\nsublattices = [\"X\", \"i\"]\nshell = 1\nspecies = [\"I\", \"Br\"]\nJ = 0.02\n"
                         "[[triplet]]\nsublattice = \"X\"\nspecies = [\"Va\", \"I\", \"Br\"]\nK = 0.01\n";
  return path.string();
}

}  // namespace

TEST_CASE("incremental rates equal a full recompute: with a lattice Hamiltonian") {
  // Tabulated barriers: the engine's pair-field path (KmcModel::field_rates),
  // refreshing only the slots that read a changed site, against the model's
  // rates from counts taken afresh; bitwise.
  auto spec = mixed_spec_tabulated();
  spec.energy.hamiltonian_file = write_test_hamiltonian("tab");
  check_incremental_equals_recompute(spec);
}

TEST_CASE("incremental rates equal a full recompute: pair-only Hamiltonian (the vacancy-hop kernel)") {
  // Without triplets, vacancies away from the faces take the engine's
  // vacancy-hop kernel (KmcModel::vacancy_hops); 8³ cells so that most do.
  // Point terms and "Va" pairs give the target's part every piece it can
  // have; a shell-1 "Va"-I pair gives I hops a non-zero bond part.
  // The 6 x 6 x 12 box has columns of 72 sites (12 cells x 6 basis sites):
  // near its z faces the engine scans the impact rows that wrap in two windows
  // (KmcEngine::execute); the 8^3 box's 48-site columns take the member-by-member path.
  for (const lattice::CellIndex box : {lattice::CellIndex{8, 8, 8}, lattice::CellIndex{6, 6, 12}}) {
    CAPTURE(box[2]);
    auto spec = mixed_spec_tabulated();
    spec.lattice.supercell = box;
    spec.defects.vacancies = 60;
    spec.defects.interstitials = 20;
    const auto path = std::filesystem::temp_directory_path() / ("hkmc_engine_h_pairs" + std::to_string(::getpid()) + ".toml");
    std::ofstream(path) << "[[point]]\nsublattice = \"X\"\nspecies = \"Br\"\nenergy = 0.02\n"
                           "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 1\nspecies = [\"I\", \"Br\"]\nJ = 0.01\n"
                           "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 3\nspecies = [\"Br\", \"Br\"]\nJ = -0.004\n"
                           "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 2\nspecies = [\"Va\", \"Br\"]\nJ = -0.03\n"
                           "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 1\nspecies = [\"Va\", \"I\"]\nJ = 0.015\n"
                           "[[pair]]\nsublattices = [\"X\", \"i\"]\nshell = 1\nspecies = [\"I\", \"Br\"]\nJ = 0.02\n";
    spec.energy.hamiltonian_file = path.string();
    kmc::Simulation sim(spec);
    int kernel_sites = 0;  // basis sites whose vacancies may take the kernel: the X sites
    for (int m = 0; m < sim.model().supercell().mobile_count(); ++m) kernel_sites += sim.model().vacancy_hops(m) != nullptr;
    REQUIRE(kernel_sites == 3);
    REQUIRE(sim.model().supercell().mobile_count() == 6);
    check_incremental_equals_recompute(spec);
    std::filesystem::remove(path);
  }
}

TEST_CASE("incremental rates equal a full recompute: I-Br pairs only (rates that read no changed column keep their value)") {
  // As the benchmark Hamiltonian: I-Br pairs only, so an I hop reads only Br
  // counts and moving an I changes only I counts. The engine then keeps the
  // rates of the other vacancies' I hops (KmcEngine::HopChange), unless the
  // hop's target is a site that changed: dense vacancies (10 %) make both
  // kinds frequent. Independent check: KmcModel::hop_rate on the occupancy.
  auto spec = test::perovskite_spec(6.0, 8, {{"I", 0.5}, {"Br", 0.5}}, 150, 0);
  const auto path = std::filesystem::temp_directory_path() / ("hkmc_engine_ibr" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 1\nspecies = [\"I\", \"Br\"]\nJ = 0.04\n"
                         "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 2\nspecies = [\"I\", \"Br\"]\nJ = 0.02\n"
                         "[[pair]]\nsublattices = [\"X\", \"X\"]\nshell = 3\nspecies = [\"I\", \"Br\"]\nJ = -0.01\n";
  spec.energy.hamiltonian_file = path.string();
  kmc::Simulation sim(spec);
  REQUIRE(sim.model().vacancy_hops(0) != nullptr);
  kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), 11, 0);
  std::set<double> distinct_rates;
  int empty_targets = 0;
  for (int step = 0; step < 3000; ++step) {
    REQUIRE(engine.step());
    if (step % 10 == 9) empty_targets += check_stored_rates(engine, sim, distinct_rates);
  }
  CHECK(distinct_rates.size() > 20);
  CHECK(empty_targets > 1000);  // vacancy pairs: hops onto a changed (vacated or refilled) site occur
  std::filesystem::remove(path);
}

TEST_CASE("incremental rates equal a full recompute: Hamiltonian and environment-dependent barriers") {
  // The general path: KmcModel::hop_rate reading the engine's pair field.
  auto spec = mixed_spec_with_environment();
  spec.energy.hamiltonian_file = write_test_hamiltonian("env");
  check_incremental_equals_recompute(spec);
}

TEST_CASE("with a Hamiltonian, a restored engine rebuilds its pair field and continues bitwise") {
  for (bool environment : {false, true}) {
    CAPTURE(environment);
    auto spec = environment ? mixed_spec_with_environment() : mixed_spec_tabulated();
    spec.energy.hamiltonian_file = write_test_hamiltonian("restore");
    kmc::Simulation sim(spec);
    kmc::KmcEngine a(sim.model(), sim.initial_configuration(0), 5, 0);
    for (int i = 0; i < 3000; ++i) REQUIRE(a.step());
    // b is elsewhere on the same trajectory: its pair field must be rebuilt, not kept.
    kmc::KmcEngine b(sim.model(), sim.initial_configuration(0), 5, 0);
    for (int i = 0; i < 100; ++i) REQUIRE(b.step());
    b.restore(a.state());
    CHECK(b.total_rate_hz() == a.total_rate_hz());
    for (int i = 0; i < 3000; ++i) {
      REQUIRE(a.step());
      REQUIRE(b.step());
    }
    CHECK(b.time_s() == a.time_s());
    CHECK(b.total_rate_hz() == a.total_rate_hz());
    CHECK(std::vector(b.occupancy().begin(), b.occupancy().end()) ==
          std::vector(a.occupancy().begin(), a.occupancy().end()));
    CHECK(a.occupancy().size() > 0);
    CHECK(std::vector(b.occupancy().begin(), b.occupancy().end()) != sim.initial_configuration(0));
  }
}
