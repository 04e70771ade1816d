// Checkpoint and restart: a replica paused anywhere (mid-block, between two
// samples) and continued from its checkpoint file ends bit for bit where the
// uninterrupted run ends; damaged, truncated and foreign files are refused
// with a message, never half-read; inputs that differ are named. The same
// for sector-parallel runs, paused and resumed at cycle ends.
#include <doctest/doctest.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "../kmc/SectorTestHelpers.hpp"
#include "../kmc/SpecHelpers.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/Checkpoint.hpp"
#include "hkmc/kmc/RunOutput.hpp"
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;
namespace fs = std::filesystem;
using doctest::Contains;

namespace {

// Vacancies, interstitials and interstitialcy with environment-dependent
// barriers and concentration profiles: every part of the state matters.
kmc::RunSpec busy_spec() {
  auto s = test::perovskite_spec(6.0, 5, {{"I", 0.5}, {"Br", 0.5}}, 12, 20000);
  s.defects.interstitials = 6;
  s.mechanisms = {{"vacancy_edge", "vacancy", 1},
                  {"interstitial_hop", "interstitial", 1},
                  {"push", "interstitialcy", 1}};
  s.barriers.provider = "model";
  s.barriers.model_e0_ev = 0.2;
  s.barriers.model_slopes_ev = {{"Br", 0.02}, {"I", 0.005}};
  s.barriers.r_env_angstrom = 6.0;
  s.kmc.blocks = 10;     // block ends every 2000 events
  s.output.samples = 64; // a sample every 312 events
  s.output.profile = true;
  s.output.profile_axis = 2;
  // A field: the drift sums (displacement vectors by species and defect type) are not zero.
  s.kmc.field_v_per_angstrom = {0.01, -0.005, 0.002};
  s.output.crossings = true;  // plane crossings along z, counted at every event
  return s;
}

std::string scratch(const std::string& name) {
  return (fs::temp_directory_path() / ("hkmc_ckpt_" + std::to_string(::getpid()) + "_" + name)).string();
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void check_moments_equal(const kmc::DiffusionMoments& a, const kmc::DiffusionMoments& b) {
  CHECK(a.duration_s == b.duration_s);
  CHECK(a.ion_r2 == b.ion_r2);
  CHECK(a.hop_length_sq == b.hop_length_sq);
  CHECK(a.hops == b.hops);
  CHECK(a.defect_r2 == b.defect_r2);
  CHECK(a.charge_displacement == b.charge_displacement);
  CHECK(a.charge_weighted_r2 == b.charge_weighted_r2);
  CHECK(a.ion_displacement == b.ion_displacement);
  CHECK(a.defect_displacement == b.defect_displacement);
}

// Bitwise equality of everything a replica reports.
void check_results_equal(const kmc::ReplicaResult& a, const kmc::ReplicaResult& b) {
  CHECK(a.events == b.events);
  CHECK(a.time_s == b.time_s);
  CHECK(a.clamped_events == b.clamped_events);
  CHECK(a.stalled == b.stalled);
  CHECK(a.final_occupancy == b.final_occupancy);
  REQUIRE(a.final_defects.size() == b.final_defects.size());
  for (std::size_t d = 0; d < a.final_defects.size(); ++d) {
    CHECK(a.final_defects[d].site == b.final_defects[d].site);
    CHECK(a.final_defects[d].displacement == b.final_defects[d].displacement);
  }
  check_moments_equal(a.total, b.total);
  REQUIRE(a.blocks.size() == b.blocks.size());
  for (std::size_t i = 0; i < a.blocks.size(); ++i) check_moments_equal(a.blocks[i], b.blocks[i]);
  REQUIRE(a.samples.size() == b.samples.size());
  for (std::size_t i = 0; i < a.samples.size(); ++i) {
    CHECK(a.samples[i].time_s == b.samples[i].time_s);
    CHECK(a.samples[i].events == b.samples[i].events);
    CHECK(a.samples[i].msd_by_species == b.samples[i].msd_by_species);
    CHECK(a.samples[i].msd_by_defect == b.samples[i].msd_by_defect);
    CHECK(a.samples[i].charge_msd == b.samples[i].charge_msd);
  }
  CHECK(a.profiles == b.profiles);
  CHECK(a.crossings.counts.up == b.crossings.counts.up);
  CHECK(a.crossings.counts.down == b.crossings.counts.down);
}

// Runs replica 0 uninterrupted, and again paused at each of `pauses` (events),
// each time through a checkpoint file; the two must agree bit for bit.
void check_restart_is_exact(const kmc::RunSpec& spec, const std::vector<std::int64_t>& pauses) {
  kmc::Simulation sim(spec);
  const auto control = sim.control();
  const auto full = kmc::run_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, 0);
  REQUIRE(full.events > pauses.back());
  // Not trivial: every block has non-zero drift sums to carry through the file.
  for (const auto& b : full.blocks) {
    REQUIRE(b.defect_displacement[0] != kmc::Vec3{0, 0, 0});
    REQUIRE(b.defect_displacement[1] != kmc::Vec3{0, 0, 0});
    int moved = 0;
    for (const auto& v : b.ion_displacement) moved += v != kmc::Vec3{0, 0, 0};
    REQUIRE(moved == 2);  // I and Br
  }
  REQUIRE(full.blocks.size() == static_cast<std::size_t>(spec.kmc.blocks));
  // Crossings of every entity in both directions, to carry through the file.
  const auto& crossed = full.crossings.counts;
  REQUIRE(crossed.planes == 10);
  std::int64_t up = 0, down = 0;
  for (std::size_t i = 0; i < crossed.up.size(); ++i) up += crossed.up[i], down += crossed.down[i];
  REQUIRE(up > 1000);
  REQUIRE(down > 1000);

  const std::string path = scratch("exact.h5");
  kmc::ReplicaState state;
  state.replica = 0;
  for (std::int64_t at : pauses) {
    kmc::ReplicaHooks hooks;
    hooks.pause_at_events = at;
    auto part = kmc::advance_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, state, hooks);
    REQUIRE_FALSE(part.state.finished);
    REQUIRE(part.state.engine.events == at);
    REQUIRE(part.state.crossings.planes == 10);
    kmc::write_checkpoint(path, sim.checkpoint_of({part.state}, "test", true));
    const auto loaded = kmc::read_checkpoint(path);
    CHECK(loaded.interrupted);
    CHECK(loaded.fingerprint == kmc::run_fingerprint(spec));
    REQUIRE(loaded.replicas.size() == 1);
    state = loaded.replicas[0];
  }
  const auto resumed = kmc::advance_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, state);
  CHECK(resumed.state.finished);
  check_results_equal(full, resumed.result);
  fs::remove(path);
}

}  // namespace

TEST_CASE("a steps run restarted mid-block and between samples ends bitwise where the uninterrupted run ends") {
  auto spec = busy_spec();
  // 3333: block 1 of 10 (ends 2000, 4000), between samples 3120 and 3432;
  // 11111 a second time from the restored state.
  check_restart_is_exact(spec, {3333, 11111});
}

TEST_CASE("a time run restarted mid-block and between samples ends bitwise where the uninterrupted run ends") {
  auto spec = busy_spec();
  // Simulated time of about 20000 events, so the pauses fall inside the run.
  kmc::Simulation probe(spec);
  const auto r = kmc::run_replica(probe.model(), probe.initial_configuration(0), probe.control(), spec.kmc.seed, 0);
  spec.kmc.steps.reset();
  spec.kmc.time_s = r.time_s;
  check_restart_is_exact(spec, {3333, 7777});
}

TEST_CASE("a restored engine has the rates of a fresh computation, and a foreign state is refused untouched") {
  auto spec = busy_spec();
  kmc::Simulation sim(spec);
  kmc::KmcEngine a(sim.model(), sim.initial_configuration(0), spec.kmc.seed, 0);
  for (int i = 0; i < 5000; ++i) REQUIRE(a.step());
  kmc::KmcEngine b(sim.model(), sim.initial_configuration(0), spec.kmc.seed, 0);
  b.restore(a.state());
  CHECK(b.total_rate_hz() == a.total_rate_hz());
  CHECK(b.events() == 5000);
  for (int i = 0; i < 2000; ++i) {
    REQUIRE(a.step());
    REQUIRE(b.step());
  }
  CHECK(b.time_s() == a.time_s());
  CHECK(std::vector(b.occupancy().begin(), b.occupancy().end()) ==
        std::vector(a.occupancy().begin(), a.occupancy().end()));

  auto bad = a.state();
  bad.ion_at_site[bad.defects[0].site] = 0;  // an ion on a vacancy
  const double before = b.time_s();
  CHECK_THROWS_WITH_AS(b.restore(bad), Contains("ion index and occupancy disagree"), Error);
  CHECK(b.time_s() == before);
  bad = a.state();
  bad.defects[0].site = bad.defects[1].site;
  CHECK_THROWS_WITH_AS(b.restore(bad), Contains("repeated defect site"), Error);
  bad = a.state();
  bad.occupancy.pop_back();
  CHECK_THROWS_AS(b.restore(bad), Error);
}

TEST_CASE("truncated, corrupted and foreign checkpoint files are refused with a message") {
  auto spec = busy_spec();
  spec.kmc.replicas = 2;
  kmc::Simulation sim(spec);
  const std::string path = scratch("damaged.h5");
  kmc::ReplicaState paused;
  paused.replica = 0;
  kmc::ReplicaHooks hooks;
  hooks.pause_at_events = 1500;
  auto part = kmc::advance_replica(sim.model(), sim.initial_configuration(0), sim.control(), spec.kmc.seed, paused, hooks);
  kmc::ReplicaState unstarted;
  unstarted.replica = 1;
  kmc::write_checkpoint(path, sim.checkpoint_of({part.state, unstarted}, "test", false));
  const auto good = read_bytes(path);
  REQUIRE(good.size() > 4096);
  REQUIRE(kmc::read_checkpoint_image(good, "good").replicas.size() == 2);

  SUBCASE("truncated at any length") {
    for (std::size_t n : {std::size_t{0}, std::size_t{7}, std::size_t{63}, std::size_t{64}, std::size_t{512},
                          good.size() / 2, good.size() - 65, good.size() - 64, good.size() - 1}) {
      std::vector<std::uint8_t> cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
      CAPTURE(n);
      CHECK_THROWS_WITH_AS(kmc::read_checkpoint_image(cut, "cut.h5"), Contains("checkpoint 'cut.h5': "), InputError);
      CHECK_THROWS_WITH_AS(kmc::read_checkpoint_image(cut, "cut.h5"), Contains("truncated"), InputError);
    }
  }
  SUBCASE("one flipped bit anywhere") {
    int refused = 0, tried = 0;
    for (std::size_t at = 0; at < good.size(); at += 1 + good.size() / 300) {
      auto bad = good;
      bad[at] ^= 0x10;
      ++tried;
      try {
        kmc::read_checkpoint_image(bad, "flipped.h5");
      } catch (const InputError& e) {
        ++refused;
        const std::string what = e.what();
        CHECK((what.find("corrupted") != std::string::npos || what.find("checkpoint trailer") != std::string::npos ||
               what.find("format version") != std::string::npos));
      }
    }
    CHECK(tried > 250);
    CHECK(refused == tried);
  }
  SUBCASE("appended bytes") {
    auto longer = good;
    longer.push_back(0);
    CHECK_THROWS_WITH_AS(kmc::read_checkpoint_image(longer, "long.h5"), Contains("without the checkpoint trailer"),
                         InputError);
  }
  SUBCASE("an output file, a text file and a missing file") {
    const std::string out = scratch("output.h5");
    auto r = kmc::run_replica(sim.model(), sim.initial_configuration(0), sim.control(), spec.kmc.seed, 0);
    const auto stats = kmc::summarize({r}, sim.model().species());
    kmc::write_hdf5(out, sim, {r}, stats, kmc::RunInfo{"test", 0.0, 1});
    CHECK_THROWS_WITH_AS(kmc::read_checkpoint(out), Contains("an HDF5 file without the checkpoint trailer"), InputError);
    fs::remove(out);
    const std::string text = scratch("text.h5");
    std::ofstream(text) << std::string(2000, 'x');
    CHECK_THROWS_WITH_AS(kmc::read_checkpoint(text), Contains("without the checkpoint trailer"), InputError);
    fs::remove(text);
    CHECK_THROWS_WITH_AS(kmc::read_checkpoint(scratch("missing.h5")), Contains("cannot open"), InputError);
  }
  // Re-seals the trailer with another version, so that only the version is wrong.
  auto with_version = [&](std::uint8_t version) {
    auto v = good;
    std::uint8_t* trailer = v.data() + v.size() - 64;
    trailer[16] = version;
    auto crc = kmc::crc64(std::span<const std::uint8_t>(trailer, 40));
    crc = kmc::crc64(std::span<const std::uint8_t>(trailer + 48, 64 - 48), crc);
    std::memcpy(trailer + 40, &crc, 8);
    return v;
  };
  SUBCASE("a future format version") {
    REQUIRE(kmc::kCheckpointFormatVersion == 2);
    CHECK_THROWS_WITH_AS(kmc::read_checkpoint_image(with_version(3), "v3.h5"),
                         Contains("format version 3; this program reads version 2"), InputError);
  }
  SUBCASE("an older format version (version 1: blocks without drift sums)") {
    CHECK_THROWS_WITH_AS(kmc::read_checkpoint_image(with_version(1), "v1.h5"),
                         Contains("format version 1; this program reads version 2"), InputError);
  }
  SUBCASE("a damaged state blob is refused by the decoder, whatever its length") {
    const auto blob = kmc::encode_replica_states({part.state, unstarted});
    CHECK(kmc::decode_replica_states(blob).size() == 2);
    for (std::size_t n = 0; n < blob.size(); n += 1 + blob.size() / 200) {
      std::vector<std::uint8_t> cut(blob.begin(), blob.begin() + static_cast<std::ptrdiff_t>(n));
      CHECK_THROWS_AS(kmc::decode_replica_states(cut), InputError);
    }
  }
  fs::remove(path);
}

TEST_CASE("CRC-64/XZ check value") {
  const std::string check = "123456789";
  CHECK(kmc::crc64(std::span(reinterpret_cast<const std::uint8_t*>(check.data()), check.size())) ==
        0x995DC9BBDF1939FAULL);
}

TEST_CASE("a checkpoint from a different input is refused, naming each difference") {
  auto spec = busy_spec();
  kmc::Simulation sim(spec);
  auto cp = sim.checkpoint_of({kmc::ReplicaState{}}, "test", false);
  CHECK_NOTHROW(sim.check_restart(cp, "cp.h5"));
  auto other = spec;
  other.kmc.temperature_k = 310;
  other.output.file = "elsewhere.h5";  // output paths may differ
  kmc::Simulation sim2(other);
  CHECK_THROWS_WITH_AS(sim2.check_restart(cp, "cp.h5"),
                       Contains("kmc.temperature is '300' in the checkpoint but '310' in the input"), InputError);
  other = spec;
  other.kmc.seed = 12;
  other.output.samples = 10;
  const auto diff = kmc::fingerprint_difference(kmc::run_fingerprint(spec), kmc::run_fingerprint(other));
  CHECK(diff.find("kmc.seed") != std::string::npos);
  CHECK(diff.find("output.samples") != std::string::npos);
  CHECK(diff.find("kmc.temperature") == std::string::npos);
}

TEST_CASE("a supercell that cannot fit in memory is refused up front with the numbers") {
  auto spec = test::perovskite_spec(5.87, 6, {{"Br", 1.0}}, 6, 1000);
  spec.lattice.supercell = {1000, 1000, 100};  // 3e8 X sites
  CHECK_THROWS_WITH_AS(kmc::check_memory(spec, 3e8, 8e9), Contains("3e+08 mobile sites need about"), InputError);
  CHECK_THROWS_WITH_AS(kmc::check_memory(spec, 3e8, 8e9), Contains("8e+09 bytes (7.5 GiB) of memory available"),
                       InputError);
  CHECK_NOTHROW(kmc::check_memory(spec, 3e6, 8e9));
  spec.lattice.supercell = {100000, 100000, 100000};
  CHECK_THROWS_WITH_AS(kmc::Simulation{spec}, Contains("[lattice] supercell = [100000, 100000, 100000]: 3e+15 mobile sites"),
                       InputError);
}

TEST_CASE("damaged crossing counts are refused; a checkpoint without them does not restart a run that counts them") {
  const auto spec = busy_spec();
  kmc::Simulation sim(spec);
  kmc::ReplicaHooks hooks;
  hooks.pause_at_events = 500;
  kmc::ReplicaState start;
  const auto part = kmc::advance_replica(sim.model(), sim.initial_configuration(0), sim.control(), spec.kmc.seed,
                                         start, hooks);
  REQUIRE(part.state.crossings.planes == 10);
  const auto blob = kmc::encode_crossing_states({part.state});
  for (std::size_t n = 0; n < blob.size(); n += 1 + blob.size() / 50) {
    std::vector<kmc::ReplicaState> replicas{part.state};
    CHECK_THROWS_AS(kmc::decode_crossing_states({blob.data(), n}, replicas), InputError);
  }
  // Counts of another plane count are refused by the counter, naming both.
  auto broken = part.state;
  broken.crossings.planes = 12;
  CHECK_THROWS_WITH_AS(kmc::advance_replica(sim.model(), sim.initial_configuration(0), sim.control(), spec.kmc.seed,
                                            broken),
                       Contains("crossing counts do not fit the run: 12 planes"), Error);
  // The input without crossings has another fingerprint: its checkpoints are refused.
  auto without = spec;
  without.output.crossings = false;
  const auto difference = kmc::fingerprint_difference(kmc::run_fingerprint(without), kmc::run_fingerprint(spec));
  CHECK(difference.find("output.crossing_axis") != std::string::npos);
}

TEST_CASE("segregation samples (alpha, S(k), L, domains) survive a restart bitwise; old checkpoints without them still load") {
  auto spec = busy_spec();
  spec.output.sro_shells = 2;
  spec.output.structure_factor = true;
  spec.output.domains = true;
  spec.output.domain_min_sites = 2;
  kmc::Simulation sim(spec);
  const auto control = sim.control();
  const auto full = kmc::run_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, 0);
  REQUIRE(full.segregation.size() == full.samples.size());
  // Not trivial: the series changes (the random start is not stationary under hops).
  REQUIRE(full.segregation.front().alpha != full.segregation.back().alpha);
  REQUIRE(full.segregation.front().structure_factor != full.segregation.back().structure_factor);
  REQUIRE(full.segregation.back().domains.size() == static_cast<std::size_t>(sim.model().species().size() + 1));

  const std::string path = scratch("segregation.h5");
  kmc::ReplicaState state;
  state.replica = 0;
  for (std::int64_t at : {3333, 11111}) {
    kmc::ReplicaHooks hooks;
    hooks.pause_at_events = at;
    auto part = kmc::advance_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, state, hooks);
    REQUIRE(!part.state.segregation.empty());
    kmc::write_checkpoint(path, sim.checkpoint_of({part.state}, "test", true));
    state = kmc::read_checkpoint(path).replicas.at(0);
    CHECK(state.segregation.size() == part.state.segregation.size());
  }
  const auto resumed = kmc::advance_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, state);
  check_results_equal(full, resumed.result);
  REQUIRE(resumed.result.segregation.size() == full.segregation.size());
  for (std::size_t i = 0; i < full.segregation.size(); ++i) {
    CAPTURE(i);
    const auto &a = full.segregation[i], &b = resumed.result.segregation[i];
    // NaN entries (α of absent species) compare by bit pattern.
    CHECK(std::memcmp(a.alpha.data(), b.alpha.data(), a.alpha.size() * sizeof(double)) == 0);
    CHECK(a.alpha.size() == b.alpha.size());
    CHECK(std::memcmp(a.structure_factor.data(), b.structure_factor.data(),
                      a.structure_factor.size() * sizeof(double)) == 0);
    CHECK(a.structure_factor.size() == b.structure_factor.size());
    CHECK(std::memcmp(a.length_A.data(), b.length_A.data(), a.length_A.size() * sizeof(double)) == 0);
    CHECK(a.domains == b.domains);
  }
  // A state whose segregation samples do not match its time samples is refused.
  auto broken = state;
  broken.segregation.pop_back();
  CHECK_THROWS_WITH_AS(kmc::advance_replica(sim.model(), sim.initial_configuration(0), control, spec.kmc.seed, broken),
                       Contains("segregation samples"), Error);
  // Damaged segregation bytes are refused by their decoder.
  const auto blob = kmc::encode_segregation_states({state});
  for (std::size_t n = 0; n < blob.size(); n += 1 + blob.size() / 50) {
    std::vector<kmc::ReplicaState> replicas{state};
    CHECK_THROWS_AS(kmc::decode_segregation_states({blob.data(), n}, replicas), InputError);
  }
  // A checkpoint written before these observables existed (the fuzz corpus
  // seed, format 2) still loads, with no segregation samples.
  const auto old = kmc::read_checkpoint(std::string(HKMC_SOURCE_DIR) + "/tests/fuzz/corpus/checkpoint/finished_3x3x3.h5");
  REQUIRE(!old.replicas.empty());
  for (const auto& r : old.replicas) CHECK(r.segregation.empty());
  fs::remove(path);
}

// ---- sector-parallel runs (docs/sector_kmc.md): checkpoints at cycle ends

namespace {

// 16³ cells, 2×2×2 sectors and a wide window (defects cross sectors, so the
// order of the sectors' defect lists matters), 2 replicas, a field (drift
// sums), concentration profiles and α; the pauses fall mid-block and
// between samples.
kmc::RunSpec sector_spec(bool timed) {
  auto s = test::as_sectors(test::small_mixed_spec(16, 1e-8), {2, 2, 2}, 0.5);
  s.kmc.replicas = 2;
  s.kmc.blocks = 5;
  s.kmc.field_v_per_angstrom = {0.01, 0.0, 0.0};
  s.output.samples = 16;
  s.output.profile = true;
  s.output.profile_axis = 0;
  s.output.crossings = true;  // along z, carried through the files
  if (!timed) {
    s.kmc.time_s.reset();
    s.kmc.steps = 6000;
  }
  return s;
}

std::vector<kmc::ReplicaResult> run_on(const kmc::Simulation& sim, int threads, const kmc::RunHooks& hooks,
                                       kmc::RunOutcome* outcome = nullptr) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  auto out = sim.run({}, hooks);
  CHECK_FALSE(out.interrupted);
  CHECK(out.checkpoint_error.empty());
  if (outcome) *outcome = out;
  return out.results;
}

void check_runs_equal(const std::vector<kmc::ReplicaResult>& a, const std::vector<kmc::ReplicaResult>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t r = 0; r < a.size(); ++r) {
    CAPTURE(r);
    check_results_equal(a[r], b[r]);
    REQUIRE(a[r].segregation.size() == b[r].segregation.size());
    for (std::size_t i = 0; i < a[r].segregation.size(); ++i) {
      const auto &x = a[r].segregation[i].alpha, &y = b[r].segregation[i].alpha;  // NaN: compare bytes
      CHECK((x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0));
    }
  }
}

}  // namespace

TEST_CASE("a sector-parallel run paused, checkpointed and restarted ends bitwise where the straight run ends, on 1 or 2 threads") {
  for (const bool timed : {false, true}) {
    CAPTURE(timed);
    const auto spec = sector_spec(timed);
    kmc::Simulation sim(spec);
    const auto control = sim.control();
    const auto full = run_on(sim, 2, {});
    REQUIRE(full.size() == 2);
    REQUIRE(full[0].events > 3000);
    REQUIRE(full[0].blocks.size() == 5);
    REQUIRE(full[0].blocks[2].defect_displacement[0] != kmc::Vec3{0, 0, 0});
    // Crossings in both directions to carry through the files (check_results_equal compares them).
    for (const auto& r : full) {
      const auto& crossed = r.crossings.counts;
      REQUIRE(crossed.planes == 32);
      std::int64_t up = 0, down = 0;
      for (std::size_t i = 0; i < crossed.up.size(); ++i) up += crossed.up[i], down += crossed.down[i];
      REQUIRE(up > 1000);
      REQUIRE(down > 1000);
    }

    // Each replica paused twice (at the first cycle ends past 1/3 and 2/3 of
    // its events), each time through a checkpoint file, on one thread.
    const std::string path = scratch("sectors.h5");
    std::vector<kmc::ReplicaState> states(2);
    for (int r = 0; r < 2; ++r) states[r].replica = r;
    for (int part = 1; part <= 2; ++part) {
      tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
      for (int r = 0; r < 2; ++r) {
        kmc::ReplicaHooks hooks;
        hooks.pause_at_events = full[r].events * part / 3;
        auto out = sim.advance(control, states[r], hooks);
        REQUIRE_FALSE(out.state.finished);
        REQUIRE(out.state.sector.has_value());
        CHECK(out.state.engine.events >= *hooks.pause_at_events);
        states[r] = std::move(out.state);
      }
      kmc::write_checkpoint(path, sim.checkpoint_of(states, "test", true));
      const auto loaded = kmc::read_checkpoint(path);
      REQUIRE(loaded.replicas.size() == 2);
      CHECK(loaded.replicas[1].sector->cycles == states[1].sector->cycles);
      CHECK(loaded.replicas[1].sector->defects == states[1].sector->defects);
      states = loaded.replicas;
    }
    // The rest through Simulation::run's restart, one thread, with periodic checkpoints.
    const auto checkpoint = kmc::read_checkpoint(path);
    CHECK_NOTHROW(sim.check_restart(checkpoint, "sectors.h5"));
    kmc::RunHooks hooks;
    hooks.restart = &checkpoint;
    hooks.checkpoint_path = scratch("sectors_more.h5");
    hooks.checkpoint_every = 500;
    kmc::RunOutcome outcome;
    check_runs_equal(full, run_on(sim, 1, hooks, &outcome));
    CHECK(outcome.checkpoints >= 1);
    // The final checkpoint holds finished replicas; restarting it gives the same results.
    const auto final_checkpoint = kmc::read_checkpoint(hooks.checkpoint_path);
    for (const auto& r : final_checkpoint.replicas) {
      CHECK(r.finished);
      CHECK(r.sector.has_value());
    }
    kmc::RunHooks again;
    again.restart = &final_checkpoint;
    check_runs_equal(full, run_on(sim, 2, again));
    fs::remove(path);
    fs::remove(hooks.checkpoint_path);
  }
}

TEST_CASE("a sector checkpoint does not restart a serial run nor the reverse, nor another window; damaged sector states are refused") {
  const auto spec = sector_spec(false);
  kmc::Simulation sim(spec);
  kmc::ReplicaHooks pause;
  pause.pause_at_events = 1000;
  kmc::ReplicaState start;
  const auto sector_state = sim.advance(sim.control(), start, pause).state;
  REQUIRE(sector_state.sector.has_value());
  kmc::ReplicaState unstarted;
  unstarted.replica = 1;
  const auto sector_checkpoint = sim.checkpoint_of({sector_state, unstarted}, "test", true);

  auto serial_spec = spec;
  serial_spec.kmc.parallel = "replicas";
  serial_spec.kmc.sectors = {0, 0, 0};
  serial_spec.kmc.sector_window = kmc::KmcSpec{}.sector_window;
  kmc::Simulation serial(serial_spec);
  CHECK_THROWS_WITH_AS(serial.check_restart(sector_checkpoint, "cp.h5"),
                       Contains("checkpoint 'cp.h5' was written by a sector-parallel run ([kmc] parallel = "
                                "\"sectors\") and continues only as one; the input has parallel = \"replicas\""),
                       InputError);
  const auto serial_state = serial.advance(serial.control(), start, pause).state;
  CHECK_FALSE(serial_state.sector.has_value());
  CHECK_THROWS_WITH_AS(sim.check_restart(serial.checkpoint_of({serial_state, unstarted}, "test", true), "cp.h5"),
                       Contains("was written by a serial run ([kmc] parallel = \"replicas\") and continues only as one"),
                       InputError);
  // The same refusals at the state level (a state handed over without the file).
  CHECK_THROWS_WITH_AS(serial.advance(serial.control(), sector_state, {}),
                       Contains("taken from a sector-parallel run"), Error);
  CHECK_THROWS_WITH_AS(sim.advance(sim.control(), serial_state, {}), Contains("taken from a serial run"), Error);
  // Another window or layout: named by the fingerprint (and by the engine, test_kmc_sectors).
  kmc::Simulation narrower(test::as_sectors(spec, {2, 2, 2}, 0.25));
  CHECK_THROWS_WITH_AS(narrower.check_restart(sector_checkpoint, "cp.h5"),
                       Contains("kmc.sector_window is '0.5' in the checkpoint but '0.25' in the input"), InputError);
  kmc::Simulation slabs(test::as_sectors(spec, {2, 1, 1}, 0.5));
  CHECK_THROWS_WITH_AS(slabs.check_restart(sector_checkpoint, "cp.h5"),
                       Contains("kmc.sectors is '[2, 2, 2]' in the checkpoint but '[2, 1, 1]' in the input"),
                       InputError);
  // Serial fingerprints name no sector keys: checkpoints written before sector runs could checkpoint stay valid.
  CHECK(kmc::run_fingerprint(serial_spec).find("sector") == std::string::npos);

  // Damaged sector bytes: refused by their decoder at any length, and a
  // sector state for a replica that never started.
  const auto blob = kmc::encode_sector_states({sector_state, unstarted});
  {
    std::vector<kmc::ReplicaState> replicas{sector_state, unstarted};
    kmc::decode_sector_states(blob, replicas);
    CHECK(replicas[0].sector->defects == sector_state.sector->defects);
    CHECK_FALSE(replicas[1].sector.has_value());
  }
  for (std::size_t n = 0; n < blob.size(); n += 1 + blob.size() / 100) {
    std::vector<kmc::ReplicaState> replicas{sector_state, unstarted};
    CHECK_THROWS_AS(kmc::decode_sector_states({blob.data(), n}, replicas), InputError);
  }
  std::vector<kmc::ReplicaState> swapped{unstarted, sector_state};
  CHECK_THROWS_WITH_AS(kmc::decode_sector_states(blob, swapped), Contains("a replica that never started"), InputError);
  // A damaged list inside an intact file: refused by the engine on restart, naming it.
  auto damaged = sector_checkpoint;
  std::swap(damaged.replicas[0].sector->defects.front(), damaged.replicas[0].sector->defects.back());
  kmc::RunHooks hooks;
  hooks.restart = &damaged;
  CHECK_THROWS_WITH_AS(sim.run({}, hooks), Contains("sector state does not fit the run"), Error);
}
