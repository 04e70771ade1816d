// Engine throughput on one core: builds the system of an input file, warms up,
// then times a fixed number of hops of replica 0. Reports hops per second,
// nanoseconds per hop and the engine's memory per site.
//   hkmc-bench INPUT.toml [hops] [--set section.key=value ...] [--neb-stand-in] [--no-memo] [--threads N]
//
// With [kmc] parallel = "sectors" (e.g. --set kmc.parallel='"sectors"') the
// sector-parallel engine (SectorKmcEngine) runs whole cycles until at least
// `hops` events are done, on at most --threads N oneTBB threads (default: all).
//
// --no-memo: the engine's barrier memo off (KmcModel::BarrierMemo), to time
// the canonical-key path it saves.
//
// --neb-stand-in: provider "neb" gets a stand-in barrier function
// (E_KRA = 0.25 eV + 0.01 eV per Br in the environment) instead of NEBs, so
// that the warm-up fills the cache in seconds; the lookups, the gathering of
// missing keys and the cache itself are the real ones. The warm-up runs until
// a whole block of hops met no missing barrier, then the timed hops start:
// the warm-cache hop rate. Also prints the cache's lookup cost and memory.
#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/task_arena.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"
#ifdef HKMC_HAVE_NEB_PROVIDER
#include "hkmc/neb/NebProvider.hpp"
#endif

namespace {

// CPU time of this process (s): on a shared machine wall time also counts
// the time other processes held the core.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      long kib = 0;
      status >> kib;
      return kib;
    }
    status.ignore(1 << 12, '\n');
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: hkmc-bench INPUT.toml [hops] [--set section.key=value ...]\n";
    return 1;
  }
  std::int64_t hops = 5'000'000;
  std::vector<std::string> overrides;
  bool stand_in = false, memo = true;
  int threads = 0;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--set" && i + 1 < argc) overrides.push_back(argv[++i]);
    else if (arg == "--neb-stand-in") stand_in = true;
    else if (arg == "--no-memo") memo = false;
    else if (arg == "--threads" && i + 1 < argc) threads = std::atoi(argv[++i]);
    else hops = std::atoll(argv[i]);
  }
#ifdef HKMC_HAVE_NEB_PROVIDER
  if (stand_in) {
    hkmc::barriers::register_provider("neb", [](const hkmc::barriers::ProviderSettings& s,
                                                const hkmc::lattice::SpeciesTable& species) {
      return std::make_unique<hkmc::neb::NebBarrierProvider>(
          s.neb, species,
          [](const hkmc::neb::HopRequest& r) {
            hkmc::neb::HopBarrierRecord record;
            int n_br = 0;
            for (const auto& e : r.environment_species) n_br += e == "Br";
            record.e_kra = record.e_forward = record.e_backward = 0.25 + 0.01 * n_br;
            record.status = hkmc::neb::HopBarrierStatus::Ok;
            return record;
          },
          "benchmark stand-in");
    });
  } else {
    hkmc::neb::register_neb_provider();
  }
#else
  if (stand_in) {
    std::cerr << "hkmc-bench: built without the NEB provider\n";
    return 1;
  }
#endif
  try {
    auto spec = hkmc::input::read_input_file(argv[1], overrides);
    hkmc::kmc::Simulation sim(std::move(spec));
    const auto& sc = sim.model().supercell();
    auto initial = sim.initial_configuration(0);
    const long rss_before = rss_kib();
    hkmc::kmc::KmcEngine engine(sim.model(), std::move(initial), 1, 0);
    const long rss_after = rss_kib();
    engine.set_barrier_memo(memo);
    if (sim.spec().kmc.parallel == "sectors") {
      std::optional<tbb::global_control> limit;
      if (threads > 0) limit.emplace(tbb::global_control::max_allowed_parallelism, threads);
      hkmc::kmc::SectorKmcEngine sectors(engine, sim.sector_settings(), 1, 0);
      while (engine.events() < 100000) sectors.run_cycle();  // warm-up, as below
      const std::int64_t events_before = engine.events();
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = cpu_seconds();
      while (engine.events() - events_before < hops && !sectors.stalled()) sectors.run_cycle();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const double cpu = cpu_seconds() - cpu_start;
      const std::int64_t done = engine.events() - events_before;
      const auto& d = sc.dims();
      const auto& n = sectors.sectors();
      fmt::print("input {} cells {}x{}x{} sites {} defects {} sectors {}x{}x{} threads {} window {:.3g} (tau {:.3g} s) "
                 "hops {} seconds {:.3f} hops_per_s {:.4g} ns_per_hop {:.1f} cpu_ns_per_hop {:.1f} "
                 "hops_per_cycle {:.1f}\n",
                 argv[1], d[0], d[1], d[2], sc.num_sites(), engine.defects().size(), n[0], n[1], n[2],
                 threads > 0 ? threads : tbb::this_task_arena::max_concurrency(), sim.sector_settings().window,
                 sectors.window_s(), done, seconds, done / seconds, 1e9 * seconds / done, 1e9 * cpu / done,
                 static_cast<double>(engine.events()) / static_cast<double>(sectors.cycles()));
      return 0;
    }
    for (int i = 0; i < 100000; ++i) engine.step();  // warm-up: caches, branch predictors
    const auto& provider = sim.model().provider();
    const long rss_before_cache = rss_kib();
    if (provider.on_demand()) {
      // Until a block of hops meets nothing new: the cache is warm.
      std::int64_t computed = -1;
      int blocks = 0;
      while (provider.statistics().computed != computed && blocks < 1000) {
        computed = provider.statistics().computed;
        for (int i = 0; i < 200000; ++i) engine.step();
        ++blocks;
      }
    }
    const auto cache_before = provider.statistics();
    const auto memo_before = engine.barrier_memo_hits();
    const auto start = std::chrono::steady_clock::now();
    const double cpu_start = cpu_seconds();
    std::int64_t done = 0;
    for (; done < hops; ++done)
      if (!engine.step()) break;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double cpu = cpu_seconds() - cpu_start;
    const auto& d = sc.dims();
    fmt::print("input {} cells {}x{}x{} sites {} defects {} hops {} seconds {:.3f} hops_per_s {:.4g} "
               "ns_per_hop {:.1f} cpu_ns_per_hop {:.1f} engine_bytes_per_site {:.1f} rss_MiB {:.1f}\n",
               argv[1], d[0], d[1], d[2], sc.num_sites(), engine.defects().size(), done, seconds,
               done / seconds, 1e9 * seconds / done, 1e9 * cpu / done,
               1024.0 * static_cast<double>(rss_after - rss_before) / sc.num_sites(), rss_after / 1024.0);
    if (provider.on_demand()) {
      const auto after = provider.statistics();
      // Lookups as the run reports them: the provider's and the engine memo's hits.
      const auto memo_hits = engine.barrier_memo_hits() - memo_before;
      const auto hits = after.hits - cache_before.hits + memo_hits, misses = after.misses - cache_before.misses;
      fmt::print("cache entries {} bytes_per_record {:.0f} (RSS growth while warming) lookups_per_hop {:.2f} "
                 "memo_hits_per_hop {:.2f} memo_entries {} hit_rate_timed {:.6f} computed_during_timing {}\n",
                 after.entries,
                 1024.0 * static_cast<double>(rss_kib() - rss_before_cache) / std::max<std::int64_t>(1, after.entries),
                 static_cast<double>(hits + misses) / done, static_cast<double>(memo_hits) / done,
                 engine.barrier_memo_entries(),
                 hits + misses > 0 ? static_cast<double>(hits) / (hits + misses) : 1.0,
                 after.computed - cache_before.computed);
#ifdef HKMC_HAVE_NEB_PROVIDER
      // Lookup cost and memory per record on this cache's own keys.
      const auto& neb = *hkmc::neb::as_neb_provider(provider);
      std::vector<hkmc::lattice::EnvironmentKey> keys;
      const auto& catalog = sim.model().catalog();
      auto occupancy = engine.occupancy();
      std::vector<hkmc::lattice::Occupant> occ(occupancy.begin(), occupancy.end());
      for (int site = 0; site < sc.num_sites() && keys.size() < 100000; site += 7)
        for (const auto& slot : catalog.slots(sc.mobile_of(site)))
          if (occ[site] != 0) keys.push_back(catalog.key(slot, site, occ, occ[site]));
      std::int64_t found = 0;
      const auto t0 = std::chrono::steady_clock::now();
      for (int repeat = 0; repeat < 20; ++repeat)
        for (const auto& k : keys) found += neb.contains(k);
      const double lookup_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fmt::print("cache lookup_ns {:.1f} (contains() on {} keys x 20, {} found)\n",
                 1e9 * lookup_s / (20.0 * keys.size()), keys.size(), found);
#endif
    }
  } catch (const hkmc::Error& e) {
    std::cerr << "hkmc-bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
