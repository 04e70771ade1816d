#pragma once
// Runs one independent trajectory to its stop criterion, sampling the time
// series and closing block-average blocks on the way. The loop stays short:
// plan an event, let the observer look at the state it replaces, execute.
#include <atomic>
#include <cstdint>
#include <optional>
#include <vector>

#include "hkmc/kmc/DiffusionObserver.hpp"
#include "hkmc/kmc/KmcEngine.hpp"

namespace hkmc::kmc {

struct RunControl {
  std::optional<std::int64_t> steps;  // stop after this many events
  std::optional<double> time_s;       // or at this simulated time (s)
  int blocks = 10;
  std::int64_t every_events = 0;      // sample interval in events (steps runs)
  double every_s = 0.0;               // sample interval in s (time runs)
  int samples = 100;                  // used when no interval is given
  int profile_axis = -1;
};

struct ReplicaResult {
  int replica = 0;
  std::int64_t events = 0;
  double time_s = 0.0;
  double wall_s = 0.0;
  std::int64_t clamped_events = 0;
  bool stalled = false;  // no event could happen before the stop criterion
  Populations populations;
  DiffusionMoments total;
  std::vector<DiffusionMoments> blocks;
  std::vector<TimeSample> samples;
  std::vector<std::int32_t> profiles;
  int profile_layers = 0;
  std::vector<lattice::Occupant> final_occupancy;
  std::vector<Defect> final_defects;
};

// `progress` (optional) receives the fraction done, in millionths.
ReplicaResult run_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                          const RunControl& control, std::uint64_t seed, int replica,
                          std::atomic<std::int64_t>* progress = nullptr);

}  // namespace hkmc::kmc
