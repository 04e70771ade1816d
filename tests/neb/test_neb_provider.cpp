// The `neb` barrier provider and its cache, with the KMC engine. Most cases
// use a stand-in barrier function (a pure function of the key, like an NEB)
// so that thousands of keys cost nothing; one case runs real CI-NEBs with
// the C++ reference potential.
#include <doctest/doctest.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/parallel_for.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>

#include "../kmc/SpecHelpers.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/neb/NebProvider.hpp"

using namespace hkmc;

namespace {

std::atomic<int> g_function_calls{0};
std::string g_function_label = "stand-in A";
// The stand-in barrier: 0.30 eV + 0.02 eV per Br in the environment; keys
// with more than `g_fail_above` Br are "NEBs that did not converge".
int g_fail_above = 1000;

neb::HopBarrierRecord stand_in(const neb::HopRequest& request) {
  ++g_function_calls;
  int n_br = 0;
  for (const auto& s : request.environment_species) n_br += s == "Br";
  neb::HopBarrierRecord r;
  r.e_kra = r.e_forward = r.e_backward = 0.30 + 0.02 * n_br;
  r.attempts = 1;
  r.status = n_br > g_fail_above ? neb::HopBarrierStatus::NotConverged : neb::HopBarrierStatus::Ok;
  if (!r.usable()) r.message = "stand-in failure";
  return r;
}

struct RegisterProviders {
  RegisterProviders() {
    barriers::register_provider("test_neb", [](const barriers::ProviderSettings& s, const lattice::SpeciesTable& sp) {
      return std::make_unique<neb::NebBarrierProvider>(s.neb, sp, stand_in, g_function_label);
    });
    neb::register_neb_provider();
  }
};
const RegisterProviders g_register;

kmc::RunSpec mixed_spec(const std::string& provider, std::int64_t steps, int replicas) {
  auto s = test::perovskite_spec(6.0, 5, {{"Br", 0.5}, {"I", 0.5}}, 3, steps);
  s.barriers.provider = provider;
  s.barriers.model_e0_ev = 0.30;
  s.barriers.model_slopes_ev = {{"Br", 0.02}};
  s.kmc.replicas = replicas;
  return s;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()) + ".h5")).string();
}

// Every X site holds `halide`, and the first interstitial site too: one
// split pair. Returns the occupancy and that site.
std::pair<std::vector<lattice::Occupant>, int> one_pair(const lattice::Supercell& sc, lattice::Occupant halide) {
  std::vector<lattice::Occupant> occ(sc.num_sites(), lattice::kEmpty);
  for (int x = 0; x < sc.num_sites(); ++x)
    if (sc.role(x) == lattice::SiteRole::kLattice) occ[x] = halide;
  int pair = -1;
  for (int x = 0; x < sc.num_sites() && pair < 0; ++x)
    if (sc.role(x) == lattice::SiteRole::kInterstitial) pair = x;
  REQUIRE(pair >= 0);
  occ[pair] = halide;
  return {occ, pair};
}

const neb::NebBarrierProvider& neb_provider(const kmc::Simulation& sim) {
  const auto* p = neb::as_neb_provider(sim.model().provider());
  REQUIRE(p != nullptr);
  return *p;
}

}  // namespace

TEST_CASE("on-demand barriers give the trajectory of the same function tabulated (model provider)") {
  // Independent reference: the `model` provider evaluates E = 0.30 + 0.02 n_Br
  // directly on every hop; the neb provider gets it from cached keys filled
  // by gathered prepare() calls. Bitwise-equal trajectories show that the
  // gathering, the canonical keys and the cache change nothing.
  g_function_calls = 0;
  kmc::Simulation direct(mixed_spec("model", 3000, 2));
  kmc::Simulation cached(mixed_spec("test_neb", 3000, 2));
  const auto a = direct.run();
  const auto b = cached.run();
  REQUIRE(a.size() == 2);
  REQUIRE(b.size() == 2);
  for (int r = 0; r < 2; ++r) {
    CHECK(a[r].events == 3000);
    CHECK(b[r].events == a[r].events);
    CHECK(b[r].time_s == a[r].time_s);
    CHECK(b[r].final_occupancy == a[r].final_occupancy);
  }
  // The run's counters: the provider's, with the hits of the engines' memo.
  const auto stats = cached.model().barrier_statistics();
  CHECK(stats.on_demand);
  CHECK(stats.computed == g_function_calls.load());  // each key computed once
  CHECK(stats.computed == stats.entries);
  CHECK(stats.computed > 20);                          // the run met many environments
  CHECK(stats.hits > 10 * stats.computed);             // and reused them
  CHECK(stats.failed == 0);
}

TEST_CASE("the same trajectory on one thread and on two") {
  auto run = [](int threads) {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
    kmc::Simulation sim(mixed_spec("test_neb", 1500, 3));
    return sim.run();
  };
  const auto one = run(1);
  const auto two = run(2);
  for (int r = 0; r < 3; ++r) {
    CHECK(one[r].time_s == two[r].time_s);
    CHECK(one[r].final_occupancy == two[r].final_occupancy);
  }
}

TEST_CASE("concurrent prepare() computes each key exactly once") {
  kmc::Simulation sim(mixed_spec("test_neb", 1, 1));
  const auto& provider = neb_provider(sim);
  const auto& catalog = sim.model().catalog();
  const auto& cell = sim.model().supercell();
  // Keys of many random environments.
  std::mt19937_64 rng(5);
  std::vector<lattice::EnvironmentKey> keys;
  std::vector<lattice::Occupant> occupancy(cell.num_sites());
  for (int trial = 0; trial < 40; ++trial) {
    for (auto& o : occupancy) o = static_cast<lattice::Occupant>(1 + rng() % 2);
    const int site = static_cast<int>(rng() % cell.num_sites());
    for (const auto& slot : catalog.slots(cell.mobile_of(site)))
      keys.push_back(catalog.key(slot, site, occupancy, 1));
  }
  std::vector<lattice::EnvironmentKey> distinct;
  for (const auto& k : keys)
    if (std::find(distinct.begin(), distinct.end(), k) == distinct.end()) distinct.push_back(k);
  std::int64_t already = 0;
  for (const auto& k : distinct) already += provider.contains(k);
  const int before = g_function_calls;
  // Eight overlapping requests at once, each for every key.
  tbb::parallel_for(0, 8, [&](int) { provider.prepare(keys); });
  CHECK(g_function_calls - before == static_cast<int>(distinct.size()) - already);
  for (const auto& k : distinct) CHECK(provider.contains(k));
  CHECK(distinct.size() > 100);
}

TEST_CASE("the cache persists: a second run loads every barrier, computes none and repeats the trajectory") {
  const std::string path = temp_path("hkmc_cache_roundtrip");
  std::filesystem::remove(path);
  auto spec = mixed_spec("test_neb", 2000, 1);
  spec.barriers.neb.cache_file = path;
  std::vector<kmc::ReplicaResult> first;
  std::int64_t entries = 0;
  {
    kmc::Simulation sim(spec);
    first = sim.run();
    entries = sim.model().provider().statistics().entries;
  }
  REQUIRE(std::filesystem::exists(path));
  const auto file = neb::read_cache_file(path);
  CHECK(static_cast<std::int64_t>(file.records.size()) == entries);
  CHECK(file.provenance.potential == "custom function: stand-in A");

  kmc::Simulation again(spec);
  const auto second = again.run();
  const auto stats = again.model().provider().statistics();
  CHECK(stats.loaded == entries);
  CHECK(stats.computed == 0);
  CHECK(stats.misses == 0);
  CHECK(second[0].time_s == first[0].time_s);
  CHECK(second[0].final_occupancy == first[0].final_occupancy);

  SUBCASE("records another run cannot address survive its saves") {
    auto f = neb::read_cache_file(path);
    neb::CacheRecord foreign = f.records.front();
    foreign.hop_class = "vacancy|B'|d=0.3536|n=99";  // not a class of this lattice
    f.records.push_back(foreign);
    neb::write_cache_file(path, f);
    {
      kmc::Simulation sim(spec);
      (void)sim.run();
    }
    const auto after = neb::read_cache_file(path);
    CHECK(std::any_of(after.records.begin(), after.records.end(),
                      [&](const neb::CacheRecord& r) { return r.hop_class == foreign.hop_class; }));
  }
  std::filesystem::remove(path);
}

TEST_CASE("a cache made differently is refused, naming the difference") {
  const std::string path = temp_path("hkmc_cache_provenance");
  std::filesystem::remove(path);
  auto spec = mixed_spec("test_neb", 200, 1);
  spec.barriers.neb.cache_file = path;
  { kmc::Simulation sim(spec); (void)sim.run(); }
  REQUIRE(std::filesystem::exists(path));

  SUBCASE("another potential") {
    g_function_label = "stand-in B";
    try {
      kmc::Simulation sim(spec);
      FAIL("a cache from another potential was accepted");
    } catch (const InputError& e) {
      const std::string what = e.what();
      CHECK(what.find("computed differently") != std::string::npos);
      CHECK(what.find("potential: 'custom function: stand-in A' vs 'custom function: stand-in B'") != std::string::npos);
    }
    g_function_label = "stand-in A";
  }
  SUBCASE("other NEB settings") {
    spec.barriers.neb.fmax_ev_per_a = 0.03;
    CHECK_THROWS_WITH_AS(kmc::Simulation{spec}, doctest::Contains("settings:"), InputError);
  }
  SUBCASE("another r_env") {
    spec.barriers.r_env_angstrom = 7.5;
    CHECK_THROWS_WITH_AS(kmc::Simulation{spec}, doctest::Contains("r_env/a = 1.2500"), InputError);
  }
  SUBCASE("a damaged file") {
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    CHECK_THROWS_WITH_AS(kmc::Simulation{spec}, doctest::Contains(path.c_str()), RuntimeError);
  }
  SUBCASE("not a cache") {
    std::ofstream(path) << "text";
    CHECK_THROWS_WITH_AS(kmc::Simulation{spec}, doctest::Contains("not an HDF5 file"), RuntimeError);
  }
  std::filesystem::remove(path);
}

TEST_CASE("split_fmax: in (0, 0.02] eV/A; in the provenance only with split classes") {
  barriers::NebProviderSettings bad;
  bad.split_fmax_ev_per_a = 0.05;
  CHECK_THROWS_WITH_AS(neb::split_hop_barrier_settings(bad), doctest::Contains("split_fmax = 0.05: must be in (0, 0.02]"),
                       InputError);
  barriers::NebProviderSettings good;
  good.split_fmax_ev_per_a = 0.02;
  CHECK(neb::split_hop_barrier_settings(good).neb.fmax == 0.02);
  CHECK(neb::hop_barrier_settings(good).neb.fmax == 0.05);
  // A vacancy-only run: the settings line is HopBarrierSettings::describe()
  // alone (what the shipped caches hold), and a cache made with another
  // split_fmax is accepted.
  const std::string path = temp_path("hkmc_cache_split_fmax");
  std::filesystem::remove(path);
  auto spec = mixed_spec("test_neb", 200, 1);
  spec.barriers.neb.cache_file = path;
  {
    kmc::Simulation sim(spec);
    (void)sim.run();
    const auto& p = neb_provider(sim);
    CHECK(p.provenance().settings == neb::hop_barrier_settings(barriers::NebProviderSettings{}).describe());
    CHECK(p.provenance().settings.find("split") == std::string::npos);
  }
  spec.barriers.neb.split_fmax_ev_per_a = 0.005;
  CHECK_NOTHROW(kmc::Simulation{spec});
  std::filesystem::remove(path);
}

TEST_CASE("an unusable barrier stops the run with the environment and the reason; it is never used") {
  g_fail_above = 4;
  kmc::Simulation sim(mixed_spec("test_neb", 500, 1));
  CHECK_THROWS_WITH_AS(sim.run(), doctest::Contains("not usable: not_converged"), RuntimeError);
  g_fail_above = 1000;
}

TEST_CASE("on_unusable = block: flagged barriers block their hops (both directions) and are counted") {
  g_fail_above = 4;
  auto spec = mixed_spec("test_neb", 3000, 1);
  spec.barriers.neb.on_unusable = "block";
  kmc::Simulation sim(spec);
  const auto results = sim.run();
  CHECK(results[0].events == 3000);
  const auto stats = sim.model().provider().statistics();
  CHECK(stats.failed > 0);
  CHECK(stats.blocked > 0);
  // A vacancy whose every environment is all Br (more than 4): every one of
  // its hops is flagged, so every rate is 0.
  const auto& catalog = sim.model().catalog();
  std::vector<lattice::Occupant> occupancy(sim.model().supercell().num_sites(), 2);  // all Br: 6+ Br
  std::string scratch;
  occupancy[0] = 0;  // a vacancy at site 0 whose every environment is all-Br
  for (int k = 0; k < static_cast<int>(catalog.slots(0).size()); ++k)
    CHECK(sim.model().hop_rate(0, k, occupancy, scratch).rate_hz == 0.0);
  g_fail_above = 1000;
}

TEST_CASE("compute_missing = false refuses a barrier the cache lacks") {
  auto spec = mixed_spec("test_neb", 10, 1);
  spec.barriers.neb.compute_missing = false;
  CHECK_THROWS_WITH_AS(kmc::Simulation(spec).run(), doctest::Contains("compute_missing = false"), RuntimeError);
}

TEST_CASE("sector-parallel runs read a complete cache (compute_missing = false), never compute") {
  // A dense small box fills the cache with every key a sparse large box can
  // meet (all-Br X sites, vacancies alone or together within r_env); the
  // large box then runs sector-parallel, its sectors looking barriers up
  // from several threads at once.
  const std::string path = temp_path("hkmc_cache_sectors");
  std::filesystem::remove(path);
  auto fill = test::perovskite_spec(5.76, 6, {{"Br", 1.0}}, 30, 20000);
  fill.barriers.provider = "test_neb";
  fill.barriers.r_env_angstrom = 3.6;
  fill.barriers.neb.cache_file = path;
  std::int64_t keys = 0;
  {
    kmc::Simulation sim(fill);
    (void)sim.run();
    keys = sim.model().provider().statistics().computed;
  }
  REQUIRE(keys > 1);
  auto spec = test::perovskite_spec(5.76, 16, {{"Br", 1.0}}, 2, 20000);
  spec.barriers = fill.barriers;
  spec.kmc.parallel = "sectors";
  // Barriers that may be computed on demand stay refused with sectors.
  CHECK_THROWS_WITH_AS(kmc::Simulation(spec).run(), doctest::Contains("compute_missing = false"), InputError);
  spec.barriers.neb.compute_missing = false;
  kmc::Simulation sim(spec);
  const auto results = sim.run();
  REQUIRE(results.size() == 1);
  CHECK(results[0].events >= 20000);
  const auto stats = sim.model().provider().statistics();
  CHECK(stats.loaded == keys);
  CHECK(stats.computed == 0);
  CHECK(stats.misses == 0);
  CHECK(stats.hits > 20000);
  std::filesystem::remove(path);
}

TEST_CASE("runs of one process with the same neb settings share one cache (sweep points)") {
  // Two simulations at different temperatures: the second computes nothing.
  auto spec = test::perovskite_spec(5.76, 4, {{"Br", 1.0}}, 1, 50);
  spec.barriers.provider = "neb";
  spec.barriers.neb.potential = "buckingham_coulomb";
  spec.barriers.r_env_angstrom = 3.6;  // one environment per moving species
  kmc::Simulation first(spec);
  (void)first.run();
  const auto computed = first.model().provider().statistics().computed;
  CHECK(computed == 1);
  spec.kmc.temperature_k = 500;
  kmc::Simulation second(spec);
  (void)second.run();
  CHECK(second.model().provider().statistics().computed == computed);  // nothing new
  CHECK(&neb_provider(first) == &neb_provider(second));
  // Another r_env with the same settings would give other keys: refused.
  spec.barriers.r_env_angstrom = 5.0;
  CHECK_THROWS_WITH_AS(kmc::Simulation{spec}, doctest::Contains("separate cache files"), InputError);
}

TEST_CASE("real CI-NEB barriers: CsPbBr3 vacancy hop with the C++ reference potential") {
  // One environment (all Br): the engine asks for one key, the provider runs
  // one NEB in a 3x3x3 cell. Independent value: the `halide-kmc neb` path of
  // docs/neb.md gives 0.441 eV for this hop (3x3x3 V_Br, same potential).
  auto spec = test::perovskite_spec(5.76, 4, {{"Br", 1.0}}, 1, 200);
  spec.barriers.provider = "neb";
  spec.barriers.neb.potential = "buckingham_coulomb";
  kmc::Simulation sim(spec);
  const auto results = sim.run();
  const auto stats = sim.model().provider().statistics();
  CHECK(stats.computed == 1);
  CHECK(stats.failed == 0);
  CHECK(results[0].events == 200);
  const auto& p = neb_provider(sim);
  const auto key = sim.model().catalog().key(sim.model().catalog().slots(0)[0], 0,
                                             std::vector<lattice::Occupant>(sim.model().supercell().num_sites(), 2), 2);
  const auto& record = p.record(key);
  CHECK(record.usable());
  CHECK(record.e_kra == doctest::Approx(0.441).epsilon(0.01 / 0.441));
  CHECK(record.e_forward == doctest::Approx(record.e_backward).epsilon(1e-3));  // symmetric environment
}

TEST_CASE("the engine's barrier memo changes no trajectory and keeps the lookup counts") {
  // Two engines on cold caches of their own, the memo off in one and on in
  // the other: the same trajectory bitwise; the memo's hits plus the
  // provider's hits equal the provider's hits without it, and misses,
  // computations and blocked lookups are the same (the memo holds neither
  // missing nor blocked barriers).
  g_fail_above = 4;
  struct Outcome {
    double time_s = 0;
    std::vector<lattice::Occupant> occupancy;
    std::int64_t memo_hits = 0, model_memo_hits = 0;
    barriers::ProviderStatistics provider, reported;
  };
  auto run = [](bool memo) {
    auto spec = mixed_spec("test_neb", 4000, 1);
    spec.barriers.neb.on_unusable = "block";
    kmc::Simulation sim(spec);  // "test_neb": a cache of its own
    REQUIRE(sim.model().memo_usable());
    Outcome o;
    {
      kmc::KmcEngine engine(sim.model(), sim.initial_configuration(0), 7, 0);
      engine.set_barrier_memo(memo);
      for (int i = 0; i < 4000; ++i) REQUIRE(engine.step());
      o.time_s = engine.time_s();
      o.occupancy.assign(engine.occupancy().begin(), engine.occupancy().end());
      o.memo_hits = engine.barrier_memo_hits();
    }  // the engine adds its memo hits to the model's count when it ends
    o.model_memo_hits = sim.model().barrier_memo_hits();
    o.provider = sim.model().provider().statistics();
    o.reported = sim.model().barrier_statistics();
    return o;
  };
  const auto off = run(false), on = run(true);
  CHECK(on.time_s == off.time_s);  // bitwise
  CHECK(on.occupancy == off.occupancy);
  CHECK(off.memo_hits == 0);
  CHECK(off.reported.hits == off.provider.hits);
  // Not trivial: the memo answered most lookups, some barriers were missing
  // (computed in between) and some were blocked.
  CHECK(on.memo_hits > on.provider.hits);
  CHECK(on.provider.misses > 0);
  CHECK(on.provider.blocked > 0);
  CHECK(on.model_memo_hits == on.memo_hits);
  CHECK(on.provider.hits + on.memo_hits == off.provider.hits);
  CHECK(on.reported.hits == off.reported.hits);
  CHECK(on.reported.misses == off.reported.misses);
  CHECK(on.provider.computed == off.provider.computed);
  CHECK(on.provider.blocked == off.provider.blocked);
  g_fail_above = 1000;
}

// ---- Split-pair hop classes (lattice kind "split", 12h sites) ----

namespace {

kmc::RunSpec split_spec(const std::string& provider, std::map<std::string, double> composition) {
  auto s = test::perovskite_spec(6.2, 4, std::move(composition), 0, 10);
  s.defects.interstitials = 1;
  s.mechanisms.push_back({"pair", "split", 2});
  s.barriers.provider = provider;
  return s;
}

// Periodic displacement b - a in a supercell of n cells per edge (fractions of a).
Eigen::Vector3d periodic(const Eigen::Vector3d& a, const Eigen::Vector3d& b, int n) {
  Eigen::Vector3d d = b - a;
  for (int k = 0; k < 3; ++k) d[k] -= n * std::round(d[k] / n);
  return d;
}

// The SplitPair request of the hop of the pair at `pair` through `slot`,
// built from the supercell's positions alone (not from the catalog's
// template): hosts s, t = the X sites a/4 from the 12h sites; environment =
// every X site within r_env (fractions of a) of the two 12h sites' midpoint,
// s and t left out, relative to (s + t)/2.
neb::HopRequest split_request_by_hand(const kmc::KmcModel& model, int pair, const lattice::HopSlot& slot,
                                      const std::vector<lattice::Occupant>& occ, double r_env) {
  const auto& sc = model.supercell();
  const auto& names = model.species();
  const int n = sc.dims()[0];
  const int target = sc.shifted(pair, slot.target);
  const int s = model.split_host(pair), t = model.split_host(target);
  const Eigen::Vector3d o = sc.cell_frac(pair);
  const Eigen::Vector3d to = o + periodic(o, sc.cell_frac(target), n);
  const Eigen::Vector3d mid12 = (o + to) / 2;
  const Eigen::Vector3d hs = o + periodic(o, sc.cell_frac(s), n), ht = to + periodic(to, sc.cell_frac(t), n);
  neb::HopRequest r;
  r.kind = neb::HopKind::SplitPair;
  r.midpoint = (hs + ht) / 2;
  r.origin = hs - r.midpoint;
  r.target = ht - r.midpoint;
  r.pair_origin = o - hs;
  r.pair_target = to - ht;
  r.moving = names.name(occ[pair]);
  r.partner = names.name(occ[s]);
  if (s != t) r.pushed = names.name(occ[t]);
  for (int x = 0; x < sc.num_sites(); ++x) {
    if (sc.role(x) != lattice::SiteRole::kLattice || x == s || x == t) continue;
    const Eigen::Vector3d p = mid12 + periodic(mid12, sc.cell_frac(x), n);
    if ((p - mid12).norm() > r_env + 1e-9) continue;
    r.environment.push_back(p - r.midpoint);
    r.environment_species.push_back(names.name(occ[x]));
  }
  return r;
}

}  // namespace

TEST_CASE("split pairs: the provider's request for a key is the hand-built SplitPair request") {
  kmc::Simulation sim(split_spec("test_neb", {{"Br", 0.5}, {"I", 0.5}}));
  const auto& model = sim.model();
  const auto& sc = model.supercell();
  const auto& catalog = model.catalog();
  const auto& provider = neb_provider(sim);
  CHECK(provider.provenance().settings.find(" | split_pair[neb fmax=0.01 checks=v1]") !=
        std::string::npos);
  const double r_env = catalog.r_env() / 6.2;
  const auto iodide = model.species().code("I"), bromide = model.species().code("Br");
  std::mt19937_64 rng(17);
  std::map<std::string, int> seen;  // path type -> requests compared
  int pushed_differs = 0;
  for (int trial = 0; trial < 6; ++trial) {
    std::vector<lattice::Occupant> occ(sc.num_sites(), lattice::kEmpty);
    for (int x = 0; x < sc.num_sites(); ++x)
      if (sc.role(x) == lattice::SiteRole::kLattice) occ[x] = rng() % 2 ? iodide : bromide;
    int pair = -1;
    while (pair < 0) {
      const int x = static_cast<int>(rng() % sc.num_sites());
      if (sc.role(x) == lattice::SiteRole::kInterstitial) pair = x;
    }
    occ[pair] = rng() % 2 ? iodide : bromide;
    const auto& slots = catalog.slots(sc.mobile_of(pair));
    for (const auto& slot : slots) {
      if (slot.mirrored) continue;  // its key is its mirror image's, another (primary) slot
      const auto key = catalog.key(slot, pair, occ, occ[pair]);
      const neb::HopRequest mine = split_request_by_hand(model, pair, slot, occ, r_env);
      const neb::HopRequest theirs = provider.request_of(key);
      CAPTURE(catalog.classes()[slot.hop_class].label);
      // Equal up to a space-group operation: equal canonical forms.
      const auto a = neb::canonical_hop(mine).request, b = neb::canonical_hop(theirs).request;
      CHECK(a.midpoint == b.midpoint);
      CHECK(a.origin == b.origin);
      CHECK(a.target == b.target);
      CHECK(a.pair_origin == b.pair_origin);
      CHECK(a.pair_target == b.pair_target);
      CHECK(a.moving == b.moving);
      CHECK(a.partner == b.partner);
      CHECK(a.pushed == b.pushed);
      CHECK(a.environment == b.environment);
      CHECK(a.environment_species == b.environment_species);
      CHECK_NOTHROW(neb::build_hop_cell(theirs, neb::HopCellRule{}));
      ++seen[catalog.classes()[slot.hop_class].path_type + (mine.origin == mine.target ? "" : "/hop")];
      pushed_differs += !mine.pushed.empty() && mine.pushed != mine.partner;
    }
  }
  // Not trivial: rotations and both other sorts (edge, 3c window) with mixed species.
  CHECK(seen["rotation"] > 0);
  CHECK(seen.size() >= 2);
  CHECK(pushed_differs > 0);
  for (const auto& [type, count] : seen) MESSAGE(type, ": ", count, " requests compared");
}

TEST_CASE("split pairs: a key with another pair in its environment is flagged, never computed") {
  auto spec = split_spec("test_neb", {{"Br", 1.0}});
  kmc::Simulation sim(spec);
  const auto& model = sim.model();
  const auto& sc = model.supercell();
  const auto& catalog = model.catalog();
  const auto& provider = neb_provider(sim);
  const auto bromide = model.species().code("Br");
  auto [occ, pair] = one_pair(sc, bromide);
  const lattice::HopSlot* slot = nullptr;
  for (const auto& s : catalog.slots(sc.mobile_of(pair)))
    if (!s.mirrored && !slot) slot = &s;
  REQUIRE(slot);
  // A second pair: an empty 12h site of the template whose host is neither host of the hop.
  std::string raw;
  catalog.environment(*slot, pair, occ, raw);
  int other = -1;
  for (std::size_t k = 0; k < slot->environment.size() && other < 0; ++k) {
    const int x = sc.shifted(pair, slot->environment[k]);
    if (sc.role(x) != lattice::SiteRole::kInterstitial) continue;
    const int host = model.split_host(x);
    if (host != model.split_host(pair) && host != model.split_host(sc.shifted(pair, slot->target))) other = x;
  }
  REQUIRE(other >= 0);
  const auto clean = catalog.key(*slot, pair, occ, bromide);
  occ[other] = bromide;
  const auto crowded = catalog.key(*slot, pair, occ, bromide);
  REQUIRE(!(crowded == clean));
  const int calls = g_function_calls;
  const auto before = provider.statistics();
  const auto& record = provider.record(crowded);
  CHECK(g_function_calls == calls);  // not computed
  // Counted as failed, not as an NEB run.
  CHECK(provider.statistics().computed == before.computed);
  CHECK(provider.statistics().failed == before.failed + 1);
  CHECK(record.status == neb::HopBarrierStatus::Failed);
  CHECK(record.message.find("another pair in its environment") != std::string::npos);
  CHECK(!record.usable());
  CHECK_THROWS_WITH_AS(provider.request_of(crowded), doctest::Contains("another pair within r_env"), InputError);
  // The clean key is computed as usual.
  CHECK(provider.record(clean).usable());
  CHECK(g_function_calls == calls + 1);
  // Used in a hop: the run stops naming it (on_unusable = "stop", the default).
  const auto& hc = catalog.classes()[slot->hop_class];
  const barriers::HopContext hop{hc, catalog.mechanisms()[hc.mechanism].name, hc.path_type, bromide, {}, {},
                                 &crowded};
  CHECK_THROWS_WITH_AS(provider.e_kra(hop), doctest::Contains("not usable: failed (split-pair hop with another pair"),
                       RuntimeError);
  // The advice fits the cause: not the NEB settings, which do not help here.
  CHECK_THROWS_WITH_AS(provider.e_kra(hop), doctest::Contains("Use fewer interstitials or a smaller r_env"), RuntimeError);
  try {
    provider.e_kra(hop);
  } catch (const RuntimeError& e) {
    CHECK(std::string(e.what()).find("Change the NEB settings") == std::string::npos);
  }
}

TEST_CASE("real CI-NEB barriers: split-pair hops of CsPbI3 run to split_fmax") {
  // All I, one extra I: one key per class. Independent values: the records
  // of test_hop_barrier / docs/neb.md (3x3x3, reference potential, record
  // defaults, NEB fmax 0.01): edge interstitialcy 0.1265 eV, rotation
  // 0.3701 eV; at the general fmax 0.05 the edge hop gives 0.1743 eV.
  auto spec = split_spec("neb", {{"I", 1.0}});
  spec.barriers.neb.potential = "buckingham_coulomb";
  spec.barriers.r_env_angstrom = 3.2;  // small: fewer keyed sites, same all-I cell
  kmc::Simulation sim(spec);
  const auto& model = sim.model();
  const auto& sc = model.supercell();
  const auto& catalog = model.catalog();
  const auto& provider = neb_provider(sim);
  const auto iodide = model.species().code("I");
  const auto [occ, pair] = one_pair(sc, iodide);
  int checked = 0;
  for (const auto& slot : catalog.slots(sc.mobile_of(pair))) {
    if (slot.mirrored) continue;
    const auto& hc = catalog.classes()[slot.hop_class];
    const bool rotation = hc.path_type == "rotation";
    const bool edge = !rotation && std::abs(hc.distance_angstrom / 6.2 - std::sqrt(2.0) / 4) < 1e-6;
    if (!rotation && !edge) continue;
    const auto& record = provider.record(catalog.key(slot, pair, occ, iodide));
    CAPTURE(hc.label);
    CHECK(record.usable());
    CHECK(std::abs(record.e_kra - (rotation ? 0.3701 : 0.1265)) < 0.005);
    ++checked;
  }
  CHECK(checked >= 2);
  CHECK(provider.statistics().computed == 2);  // one edge class and one rotation class
}
