// Engine throughput on one core: builds the system of an input file, warms up,
// then times a fixed number of hops of replica 0. Reports hops per second,
// nanoseconds per hop and the engine's memory per site.
//   hkmc-bench INPUT.toml [hops] [--set section.key=value ...]
#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/Simulation.hpp"

namespace {

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
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--set" && i + 1 < argc) overrides.push_back(argv[++i]);
    else hops = std::atoll(argv[i]);
  }
  try {
    auto spec = hkmc::input::read_input_file(argv[1], overrides);
    hkmc::kmc::Simulation sim(std::move(spec));
    const auto& sc = sim.model().supercell();
    auto initial = sim.initial_configuration(0);
    const long rss_before = rss_kib();
    hkmc::kmc::KmcEngine engine(sim.model(), std::move(initial), 1, 0);
    const long rss_after = rss_kib();
    for (int i = 0; i < 100000; ++i) engine.step();  // warm-up: caches, branch predictors
    const auto start = std::chrono::steady_clock::now();
    std::int64_t done = 0;
    for (; done < hops; ++done)
      if (!engine.step()) break;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const auto& d = sc.dims();
    fmt::print("input {} cells {}x{}x{} sites {} defects {} hops {} seconds {:.3f} hops_per_s {:.4g} "
               "ns_per_hop {:.1f} engine_bytes_per_site {:.1f} rss_MiB {:.1f}\n",
               argv[1], d[0], d[1], d[2], sc.num_sites(), engine.defects().size(), done, seconds,
               done / seconds, 1e9 * seconds / done,
               1024.0 * static_cast<double>(rss_after - rss_before) / sc.num_sites(), rss_after / 1024.0);
  } catch (const hkmc::Error& e) {
    std::cerr << "hkmc-bench: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
