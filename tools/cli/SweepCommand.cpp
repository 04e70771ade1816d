#include "SweepCommand.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "hkmc/sweep/SweepManifest.hpp"
#include "hkmc/sweep/SweepMerge.hpp"
#include "hkmc/sweep/SweepRunner.hpp"
#include "hkmc/sweep/SweepTables.hpp"

#ifdef HKMC_HAVE_NEB_PROVIDER
#include "BarriersCommand.hpp"
#endif

namespace hkmc::cli {
namespace {

struct Options {
  sweep::SweepOptions sweep;
  int replicas = 0;
  int threads = 0;
  bool quiet = false;
  std::vector<std::string> merge_inputs;
  std::string merge_out;
  bool merge_force = false;
};

Options& options() {
  static Options o;
  return o;
}

std::string format_seconds(double s) {
  if (!std::isfinite(s)) return "?";
  if (s < 120) return fmt::format("{:.0f} s", s);
  if (s < 7200) return fmt::format("{:.1f} min", s / 60);
  return fmt::format("{:.1f} h", s / 3600);
}

// Points done / total and an ETA from the replicas' progress: a line redrawn
// in place on a terminal, else a log line every 10% or 30 s.
class SweepProgressPrinter {
 public:
  explicit SweepProgressPrinter(bool quiet) : m_quiet(quiet), m_tty(isatty(fileno(stderr))) {}
  void operator()(const sweep::SweepProgress& p) {
    if (m_quiet || p.points_to_run == 0) return;
    const double f = p.fraction;
    const double eta = f > 1e-3 ? p.elapsed_s * (1 - f) / f : NAN;
    const std::string line = fmt::format("points {}/{}  {:5.1f}%  elapsed {}  ETA {}", p.points_done,
                                         p.points_to_run, 100 * f, format_seconds(p.elapsed_s),
                                         format_seconds(eta));
    if (m_tty) {
      std::fprintf(stderr, "\r%-70s", line.c_str());
      std::fflush(stderr);
      m_drawn = true;
    } else if (p.elapsed_s - m_last_time >= 30 || f - m_last_fraction >= 0.1 || p.points_done != m_last_done) {
      std::fprintf(stderr, "sweep: %s\n", line.c_str());
      m_last_time = p.elapsed_s, m_last_fraction = f, m_last_done = p.points_done;
    }
  }
  void finish() {
    if (m_drawn) std::fprintf(stderr, "\r%-70s\r", "");
  }

 private:
  bool m_quiet, m_tty, m_drawn = false;
  double m_last_time = 0, m_last_fraction = 0;
  int m_last_done = 0;
};

void print_results(const std::string& dir, const sweep::SweepManifest& manifest,
                   const std::vector<sweep::PointResult>& results) {
  namespace fs = std::filesystem;
  int flagged = 0, unchecked = 0;
  std::string flagged_list;
  for (const auto& p : results) {
    if (p.converged() == 0) {
      ++flagged;
      if (flagged <= 10) flagged_list += fmt::format(" {}", p.index);
    }
    if (p.converged() < 0) ++unchecked;
  }
  std::cout << fmt::format("finished   {} of {} points\n", results.size(), manifest.points);
  if (flagged)
    std::cout << fmt::format("convergence {} point(s) flagged (first- and second-half D differ by more than "
                             "{} σ):{}{}\n",
                             flagged, sweep::kConvergenceSigmas, flagged_list, flagged > 10 ? " ..." : "");
  if (unchecked)
    std::cout << fmt::format("convergence {} point(s) could not be checked (need 2 blocks and 2 replicas, or "
                             "4 blocks)\n",
                             unchecked);
  const auto arrhenius = sweep::arrhenius_table(manifest, results);
  const std::size_t rows = arrhenius.empty() ? 0 : arrhenius.front().texts.size();
  if (rows > 0) {
    std::size_t q = 0;
    while (arrhenius[q].name != "quantity") ++q;
    auto col = [&](const char* name) -> const sweep::Column& {
      for (const auto& c : arrhenius)
        if (c.name == name) return c;
      return arrhenius.front();
    };
    std::cout << "arrhenius\n";
    for (std::size_t r = 0; r < rows; ++r) {
      std::string group;
      for (std::size_t i = 0; i < q; ++i) group += fmt::format("{}={} ", arrhenius[i].name, arrhenius[i].texts[r]);
      std::cout << fmt::format("  {}{:<16} Ea = {:.4f} ± {:.4f} eV, D0 = {:.3e} ± {:.2e} cm²/s\n", group,
                               arrhenius[q].texts[r], col("Ea_eV").numbers[r], col("Ea_err_eV").numbers[r],
                               col("D0_cm2_s").numbers[r], col("D0_err_cm2_s").numbers[r]);
    }
  }
  const fs::path crossings = fs::path(dir) / "crossings.csv";
  std::cout << fmt::format("tables     {} {} {}{}\n", (fs::path(dir) / "sweep.csv").string(),
                           (fs::path(dir) / "arrhenius.csv").string(),
                           fs::exists(crossings) ? crossings.string() + " " : "", (fs::path(dir) / "sweep.h5").string());
}

int run_sweep(const std::string& command_line) {
  Options& o = options();
  if (o.replicas > 0) o.sweep.replicas = o.replicas;
  o.sweep.command_line = command_line;
  if (o.sweep.out_dir.empty())
    o.sweep.out_dir = std::filesystem::path(o.sweep.input_path).stem().string() + "-sweep";
  std::unique_ptr<tbb::global_control> limit;
  if (o.threads > 0)
    limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, o.threads);
  const auto plan = sweep::plan_sweep(o.sweep);
  int in_shard = 0;
  for (const auto& p : plan.points) in_shard += plan.shard.contains(p.index) ? 1 : 0;
  if (!o.quiet) {
    std::string grid;
    for (const auto& a : plan.manifest.axes) grid += (grid.empty() ? "" : " x ") + fmt::format("{} {}", a.values.size(), a.key);
    std::cout << fmt::format("sweep      {} points ({}), out {}\n", plan.points.size(), grid, plan.out_dir);
    if (plan.shard.n > 1) std::cout << fmt::format("shard      {}/{}: {} points\n", plan.shard.k, plan.shard.n, in_shard);
    std::cout << fmt::format("resume     {} finished point(s) skipped, {} to compute\n", plan.finished.size(),
                             plan.to_run.size());
  }
  SweepProgressPrinter printer(o.quiet);
  const auto report = sweep::run_sweep(plan, [&](const sweep::SweepProgress& p) { printer(p); });
  printer.finish();
  if (!o.quiet) {
    std::cout << fmt::format("computed   {} point(s) in {:.2f} s\n", report.computed.size(), report.wall_s);
    print_results(plan.out_dir, plan.manifest, report.results);
  }
  return 0;
}

// The NEB barrier caches the shards saved (sweep::shard_cache_path), and one
// already in the output, combined into the output's.
void merge_shard_caches(const std::vector<std::string>& inputs, const std::string& out_dir) {
  namespace fs = std::filesystem;
  const std::string target = sweep::shard_cache_path(out_dir);
  std::vector<std::string> caches;
  auto add = [&](const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path)) return;
    for (const auto& c : caches)
      if (fs::equivalent(c, path, ec)) return;
    caches.push_back(path);
  };
  add(target);
  for (const auto& dir : inputs) add(sweep::shard_cache_path(dir));
  if (caches.empty() || (caches.size() == 1 && caches[0] == target)) return;
#ifdef HKMC_HAVE_NEB_PROVIDER
  std::cout << fmt::format("caches     {} barrier cache file(s) of the shards -> {}\n", caches.size(), target);
  merge_cache_files(caches, target);
#else
  std::cerr << fmt::format("halide-kmc: warning: {} shard barrier cache(s) not merged: this build has no NEB "
                           "provider (libtorch); merge them with `halide-kmc barriers merge` in a build that "
                           "has\n",
                           caches.size());
#endif
}

int run_merge() {
  const Options& o = options();
  const auto report = sweep::merge_sweeps(o.merge_inputs, o.merge_out, o.merge_force);
  std::cout << fmt::format("merged     {} of {} points ({} point files copied) in {:.3f} s into {}\n",
                           report.points_found, report.points_total, report.copied, report.wall_s, o.merge_out);
  if (!report.missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < report.missing.size() && i < 20; ++i) list += fmt::format(" {}", report.missing[i]);
    std::cerr << fmt::format("halide-kmc: warning: {} point(s) missing from every input:{}{}; the tables "
                             "hold the finished points only (run the missing shards, or `halide-kmc sweep` "
                             "with --out {} to compute them)\n",
                             report.missing.size(), list, report.missing.size() > 20 ? " ..." : "", o.merge_out);
  }
  merge_shard_caches(o.merge_inputs, o.merge_out);
  const auto manifest = sweep::read_manifest(o.merge_out);
  print_results(o.merge_out, manifest, sweep::read_finished_points(o.merge_out, manifest));
  return 0;
}

}  // namespace

SweepCommands add_sweep_commands(CLI::App& app) {
  Options& o = options();
  SweepCommands c;
  c.sweep = app.add_subcommand("sweep", "Run a grid of simulations over input keys, with replicas in parallel");
  c.sweep->add_option("input", o.sweep.input_path, "Base input file (TOML)")->required();
  c.sweep->add_option("--vary", o.sweep.vary,
                      "key=values: a list (300,350,400) or range start:stop:step (inclusive); several "
                      "--vary form a grid (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  c.sweep->add_option("--set", o.sweep.set_overrides, "Override an input key for every point (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  c.sweep->add_option("--replicas", o.replicas, "Replicas per point (overrides kmc.replicas)")
      ->check(CLI::Range(1, 4096));
  c.sweep->add_option("--out", o.sweep.out_dir, "Output directory (default: <input stem>-sweep)");
  c.sweep->add_option("--threads", o.threads, "Worker threads (default: all cores)")->check(CLI::Range(1, 4096));
  c.sweep->add_option("--shard", o.sweep.shard,
                      "k/n: run only the points with index mod n == k (0 <= k < n), for job arrays");
  c.sweep->add_flag("--force", o.sweep.force, "Discard results already in the output directory");
  c.sweep->add_flag("--quiet", o.quiet, "No summary or progress");

  c.merge = app.add_subcommand("merge", "Combine the output directories of a sweep's shards");
  c.merge->add_option("dirs", o.merge_inputs, "Sweep output directories")->required();
  c.merge->add_option("--out", o.merge_out, "Directory for the merged sweep")->required();
  c.merge->add_flag("--force", o.merge_force, "Discard a different sweep already in --out");
  return c;
}

int run_sweep_commands(const SweepCommands& commands, const std::string& command_line) {
  if (commands.sweep && *commands.sweep) return run_sweep(command_line);
  if (commands.merge && *commands.merge) return run_merge();
  return 1;
}

}  // namespace hkmc::cli
