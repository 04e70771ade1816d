#pragma once
// Runs a sweep: validates every point before anything runs, then computes
// the points of this shard that are not finished yet, as oneTBB tasks (one
// task per point, with its replicas as nested tasks, so all point×replica
// pairs share the workers and at most about one model per worker is alive).
//
// Reproducibility: point i runs with seed base_seed + i and replica r of it
// with stream r (run_replica), so a point's result is the same whatever the
// thread count, the shard split, or how often the sweep was resumed; point 0
// reproduces `halide-kmc run` with the same overrides.
//
// Resume: a point is finished when points/pNNNNN.json exists (written after
// its run file pNNNNN.h5, each by temporary file + rename). A restarted sweep
// checks each finished point's parameters, seed and effective input against
// the plan and skips it; a mismatch is an error, never a silent recompute.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hkmc/kmc/RunSpec.hpp"
#include "hkmc/sweep/PointResult.hpp"
#include "hkmc/sweep/SweepGrid.hpp"
#include "hkmc/sweep/SweepManifest.hpp"

namespace hkmc::sweep {

struct SweepOptions {
  std::string input_path;
  std::vector<std::string> set_overrides;  // --set, applied to every point
  std::vector<std::string> vary;           // --vary texts
  std::optional<int> replicas;             // --replicas: overrides kmc.replicas
  std::string shard;                       // --shard "k/n"; empty: all points
  std::string out_dir;
  bool force = false;                      // discard the results already in out_dir
  std::string command_line;                // stored in the run files
};

struct SweepPlan {
  SweepManifest manifest;
  Shard shard;
  std::vector<SweepPoint> points;       // every point of the grid
  std::vector<kmc::RunSpec> specs;      // by point index; empty specs for other shards' points
  std::vector<int> to_run;              // this shard's unfinished points
  std::vector<int> finished;            // this shard's points found finished (skipped)
  std::string out_dir;
  std::string command_line;
};

// Reads and checks everything: the --vary/--shard texts, every point's input
// (all points are read; this shard's are also built, which checks them
// against the lattice), the output directory (a different sweep there is an
// error unless `force`) and the finished points in it. Collects every
// problem and throws one hkmc::InputError. Creates out_dir and its manifest.
SweepPlan plan_sweep(const SweepOptions& options);

struct SweepProgress {
  int points_to_run = 0;
  int points_done = 0;       // of points_to_run
  double fraction = 0.0;     // of the work of points_to_run, from replica progress
  double elapsed_s = 0.0;
};

struct SweepReport {
  std::vector<int> computed;         // indices computed by this call
  std::vector<PointResult> results;  // every finished point in out_dir (also other shards')
  double wall_s = 0.0;
};

// Runs plan.to_run, then writes the tables over every finished point in the
// directory. `progress` (optional) is called about twice a second from the
// calling thread. A failing point throws after the other running points
// finished and were saved.
SweepReport run_sweep(const SweepPlan& plan, const std::function<void(const SweepProgress&)>& progress = {});

}  // namespace hkmc::sweep
