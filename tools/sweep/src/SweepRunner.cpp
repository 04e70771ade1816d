#include "hkmc/sweep/SweepRunner.hpp"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "Hdf5Lock.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/RunOutput.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/sweep/SweepTables.hpp"

namespace hkmc::sweep {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Problems from many points, each reported once in the order first seen.
class Problems {
 public:
  void add(const std::string& p) {
    std::lock_guard lock(m_mutex);
    if (m_seen.insert(p).second) m_list.push_back(p);
  }
  void add(const InputError& e) {
    for (const auto& p : e.problems()) add(p);
  }
  // Adds `p` + `where` unless `p` was added before.
  void add_once(const std::string& p, const std::string& where) {
    if (m_raw.insert(p).second) add(p + where);
  }
  bool empty() const { return m_list.empty(); }
  void throw_if_any() const {
    if (!m_list.empty()) throw InputError(m_list);
  }

 private:
  std::mutex m_mutex;
  std::set<std::string> m_seen, m_raw;
  std::vector<std::string> m_list;
};

std::string override_key(const std::string& text) {
  const auto eq = text.find('=');
  std::string key = text.substr(0, eq);
  key.erase(0, key.find_first_not_of(" \t"));
  key.erase(key.find_last_not_of(" \t") + 1);
  return key;
}

std::string describe(const SweepPoint& p) {
  std::string out;
  for (const auto& [k, v] : p.parameters) out += (out.empty() ? "" : ", ") + k + "=" + v;
  return out;
}

}  // namespace

SweepPlan plan_sweep(const SweepOptions& o) {
  Problems problems;
  SweepPlan plan;
  plan.out_dir = o.out_dir;
  plan.command_line = o.command_line;

  std::vector<VaryAxis> axes;
  for (const auto& v : o.vary) {
    try {
      axes.push_back(parse_vary(v));
    } catch (const InputError& e) {
      problems.add(e);
    }
  }
  if (o.vary.empty()) problems.add("sweep: no --vary given; name at least one key=values, e.g. "
                                   "--vary kmc.temperature=300,350,400");
  if (!o.shard.empty()) {
    try {
      plan.shard = parse_shard(o.shard);
    } catch (const InputError& e) {
      problems.add(e);
    }
  }
  std::vector<std::string> fixed = o.set_overrides;
  std::set<std::string> fixed_keys;
  for (const auto& s : o.set_overrides) fixed_keys.insert(override_key(s));
  if (o.replicas) {
    if (*o.replicas < 1 || *o.replicas > 4096)
      problems.add(fmt::format("--replicas {}: must be an integer from 1 to 4096", *o.replicas));
    fixed.push_back("kmc.replicas=" + std::to_string(*o.replicas));
    fixed_keys.insert("kmc.replicas");
  }
  for (const auto& a : axes)
    if (fixed_keys.count(a.key))
      problems.add("--vary " + a.key + ": the key is also fixed by --set or --replicas; give it in one place");
  if (o.out_dir.empty()) problems.add("sweep: --out DIR is empty");
  problems.throw_if_any();
  plan.points = expand_grid(axes);

  // The base input alone first: its problems are every point's problems.
  const kmc::RunSpec base = input::read_input_file(o.input_path, fixed);
  plan.manifest.input_path = o.input_path;
  plan.manifest.base_input_toml = base.source_text;
  plan.manifest.base_seed = base.kmc.seed;
  plan.manifest.axes = axes;
  plan.manifest.points = static_cast<int>(plan.points.size());

  // Every point's input; this shard's points are built too (lattice checks).
  const int n = static_cast<int>(plan.points.size());
  plan.specs.resize(n);
  std::vector<std::vector<std::string>> point_problems(n);
  tbb::parallel_for(0, n, [&](int i) {
    std::vector<std::string> overrides = fixed;
    for (const auto& ov : plan.points[i].overrides()) overrides.push_back(ov);
    try {
      kmc::RunSpec spec = input::read_input_file(o.input_path, overrides);
      if (plan.shard.contains(i)) {
        const kmc::Simulation check(spec);
        plan.specs[i] = std::move(spec);
      }
    } catch (const InputError& e) {
      point_problems[i] = e.problems();
    }
  });
  // Reported in point order, each distinct message once (with its first point).
  for (int i = 0; i < n; ++i)
    for (const auto& p : point_problems[i]) problems.add_once(p, " [point " + std::to_string(i) + ": " + describe(plan.points[i]) + "]");
  problems.throw_if_any();

  // The output directory: a new one, this sweep's (resume), or --force.
  const std::string dir = o.out_dir;
  bool clear = false;
  if (fs::exists(manifest_path(dir))) {
    const SweepManifest existing = read_manifest(dir);
    if (!existing.same_sweep(plan.manifest)) {
      if (!o.force)
        throw InputError(fmt::format("--out {}: holds a different sweep ({} differ); choose another --out, "
                                     "or pass --force to discard its results",
                                     dir, existing.difference(plan.manifest)));
      clear = true;
    }
  } else if (fs::exists(dir) && !(fs::is_directory(dir) && fs::is_empty(dir)) && !o.force) {
    throw InputError(fmt::format("--out {}: exists and is not a sweep directory (no sweep.json); choose "
                                 "another --out, or pass --force to write into it",
                                 dir));
  }
  if (o.force) clear = true;
  if (clear) clear_sweep_files(dir);

  for (int i = 0; i < n; ++i) {
    if (!plan.shard.contains(i)) continue;
    const std::string path = point_json_path(dir, i);
    if (!fs::exists(path)) {
      plan.to_run.push_back(i);
      continue;
    }
    PointResult done;
    try {
      done = point_from_json(read_file(path), path);
    } catch (const RuntimeError& e) {
      problems.add(std::string(e.what()) + "; delete it to recompute the point");
      continue;
    }
    const auto& spec = plan.specs[i];
    if (done.index != i || done.parameters != plan.points[i].parameters ||
        done.seed != spec.kmc.seed + static_cast<std::uint64_t>(i) || done.input_toml != spec.source_text) {
      problems.add(fmt::format("{}: a finished point whose parameters, seed or input differ from point {} "
                               "({}) of this sweep; use another --out, delete the file, or pass --force",
                               path, i, describe(plan.points[i])));
      continue;
    }
    plan.finished.push_back(i);
  }
  problems.throw_if_any();

  fs::create_directories(points_dir(dir));
  write_file_atomically(manifest_path(dir), to_json(plan.manifest));
  return plan;
}

SweepReport run_sweep(const SweepPlan& plan, const std::function<void(const SweepProgress&)>& progress) {
  const auto start = Clock::now();
  const int n = static_cast<int>(plan.to_run.size());
  // Replica progress slots (millionths done), point after point.
  std::vector<int> offset(n + 1, 0);
  for (int k = 0; k < n; ++k) offset[k + 1] = offset[k] + plan.specs[plan.to_run[k]].kmc.replicas;
  std::vector<std::atomic<std::int64_t>> done(offset[n]);
  for (auto& d : done) d.store(0);
  std::atomic<int> points_done{0};
  std::atomic<bool> stop{false}, finished{false};
  std::exception_ptr failure;
  std::mutex mutex;
  SweepReport report;
  const int threads =
      static_cast<int>(tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism));

  auto run_point = [&](int k) {
    const int i = plan.to_run[k];
    const auto t0 = Clock::now();
    kmc::RunSpec spec = plan.specs[i];
    spec.kmc.seed += static_cast<std::uint64_t>(i);
    // The sweep writes its own files; the input's would collide between points.
    spec.output.file.clear();
    spec.output.summary.clear();
    // Shards (possibly on other machines at once) must not write one cache
    // file together: each reads the input's and saves into its own directory,
    // and `halide-kmc merge` combines them.
    if (plan.shard.n > 1 && !spec.barriers.neb.cache_file.empty())
      spec.barriers.neb.cache_save_file = shard_cache_path(plan.out_dir);
    const kmc::Simulation sim(std::move(spec));
    const kmc::RunControl control = sim.control();
    const int replicas = sim.spec().kmc.replicas;
    std::vector<kmc::ReplicaResult> results(replicas);
    tbb::parallel_for(0, replicas, [&](int r) {
      kmc::ReplicaState from;
      from.replica = r;
      kmc::ReplicaHooks hooks;
      hooks.progress = &done[offset[k] + r];
      results[r] = sim.advance(control, from, hooks).result;  // the engine the input asks for
    });
    PointResult p = make_point_result(results, sim.model().species());
    p.index = i;
    p.parameters = plan.points[i].parameters;
    p.input_toml = sim.spec().source_text;
    p.seed = sim.spec().kmc.seed;
    p.temperature_k = sim.spec().kmc.temperature_k;
    p.wall_s = seconds_since(t0);
    const kmc::RunStatistics stats = kmc::summarize(results, sim.model().species());
    {
      std::lock_guard lock(hdf5_mutex());
      kmc::write_hdf5(point_h5_path(plan.out_dir, i), sim, results, stats,
                      kmc::RunInfo{plan.command_line, p.wall_s, threads});
    }
    // Written last: its presence marks the point finished.
    write_file_atomically(point_json_path(plan.out_dir, i), to_json(p));
  };

  std::thread worker([&] {
    // One task per point (grain 1); exceptions are caught per point so that
    // TBB never cancels the other points mid-run and every point that
    // finishes is saved.
    tbb::parallel_for(
        tbb::blocked_range<int>(0, n, 1),
        [&](const tbb::blocked_range<int>& range) {
          for (int k = range.begin(); k < range.end(); ++k) {
            if (stop.load()) return;
            try {
              run_point(k);
              std::lock_guard lock(mutex);
              report.computed.push_back(plan.to_run[k]);
              points_done.fetch_add(1);
            } catch (...) {
              std::lock_guard lock(mutex);
              if (!failure) failure = std::current_exception();
              stop.store(true);
            }
          }
        },
        tbb::simple_partitioner());
    finished.store(true);
  });
  const double total_slots = std::max(1, offset[n]);
  // Poll often (so a short sweep does not wait for the next report) and
  // report about twice a second.
  double last_report = 0.0;
  while (!finished.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (progress && !finished.load() && seconds_since(start) - last_report >= 0.5) {
      last_report = seconds_since(start);
      double sum = 0.0;
      for (auto& d : done) sum += static_cast<double>(d.load()) * 1e-6;
      progress(SweepProgress{n, points_done.load(), sum / total_slots, seconds_since(start)});
    }
  }
  worker.join();
  std::sort(report.computed.begin(), report.computed.end());

  // Tables over every finished point, also when a point failed: what is
  // finished is saved and tabulated before the failure is reported.
  report.results = read_finished_points(plan.out_dir, plan.manifest);
  write_sweep_tables(plan.out_dir, plan.manifest, report.results);
  report.wall_s = seconds_since(start);
  if (failure) std::rethrow_exception(failure);
  return report;
}

}  // namespace hkmc::sweep
