#pragma once
// Runs one independent trajectory to its stop criterion, sampling the time
// series and closing block-average blocks on the way. The loop stays short:
// plan an event, let the observer look at the state it replaces, execute.
//
// A replica can be paused between two events (a signal, a test) and its
// whole state taken (ReplicaState); continuing from that state gives bit for
// bit the trajectory and observables of an uninterrupted run, because the
// engine's random stream, the observer's block starts and the runner's
// position on the sample/block grids are all part of it.
#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <vector>

#include "hkmc/kmc/DiffusionObserver.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/PlaneCrossingCounter.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"
#include "hkmc/kmc/SegregationObserver.hpp"

namespace hkmc::kmc {

struct RunControl {
  std::optional<std::int64_t> steps;  // stop after this many events
  std::optional<double> time_s;       // or at this simulated time (s)
  int blocks = 10;
  std::int64_t every_events = 0;      // sample interval in events (steps runs)
  double every_s = 0.0;               // sample interval in s (time runs)
  int samples = 100;                  // used when no interval is given
  int profile_axis = -1;
  SegregationSettings segregation;    // α, S(k), L, domains at the sample times
  CrossingSettings crossings;         // plane crossings, counted at every event
};

// What turns displacement sums into currents and mobilities; from the model.
struct TransportConditions {
  double volume_A3 = std::numeric_limits<double>::quiet_NaN();  // supercell volume, Å³
  Vec3 field_v_per_angstrom{0, 0, 0};                           // V/Å
  double temperature_k = std::numeric_limits<double>::quiet_NaN();  // K
};
TransportConditions transport_conditions(const KmcModel& model);

struct ReplicaResult {
  int replica = 0;
  std::int64_t events = 0;
  double time_s = 0.0;
  double wall_s = 0.0;
  std::int64_t clamped_events = 0;
  bool stalled = false;  // no event could happen before the stop criterion
  Populations populations;
  TransportConditions conditions;
  DiffusionMoments total;
  std::vector<DiffusionMoments> blocks;
  std::vector<TimeSample> samples;
  std::vector<std::int32_t> profiles;
  int profile_layers = 0;
  std::vector<SegregationSample> segregation;  // one per sample when recorded
  CrossingRecord crossings;                    // counts.planes = 0 unless counted
  std::vector<lattice::Occupant> final_occupancy;
  std::vector<Defect> final_defects;
};

// Where a replica stands between two events (a sector run: at a cycle end).
struct ReplicaState {
  int replica = 0;
  bool started = false;   // false: only `replica` matters; it starts from its initial configuration
  bool finished = false;  // reached its stop criterion (or stalled)
  bool stalled = false;
  EngineState engine;
  ObserverState observer;
  std::vector<SegregationSample> segregation;  // empty unless recorded
  CrossingCounts crossings;                    // planes = 0 unless counted
  int block = 0;              // blocks closed so far
  double next_sample_s = 0.0; // time runs: simulated time of the next sample (s)
  double wall_s = 0.0;        // wall time spent on it so far (s)
  // Sector-parallel runs (advance_sector_replica), taken at a cycle end:
  // τ, cycle count and the sectors' defect lists. Steps runs keep their next
  // sample on the event grid (derived from engine.events), time runs in next_sample_s.
  std::optional<SectorState> sector;
};

// Outside control of a running replica, polled between events (one relaxed
// atomic load each), so a stop request is answered within one event.
struct ReplicaHooks {
  const std::atomic<bool>* stop = nullptr;  // pause at the next event boundary
  // A value different from the last one seen asks for a snapshot, handed to
  // `on_snapshot` (called on the replica's thread) before the run goes on.
  const std::atomic<std::uint64_t>* snapshot_request = nullptr;
  std::function<void(std::uint64_t request, ReplicaState&&)> on_snapshot;
  std::uint64_t snapshot_seen = 0;  // the request value already answered when the replica starts
  // Every this many events of the replica, `checkpoint_due` is set (0: never).
  std::int64_t checkpoint_every = 0;
  std::atomic<bool>* checkpoint_due = nullptr;
  std::optional<std::int64_t> pause_at_events;  // pause once this many events are done (tests)
  std::atomic<std::int64_t>* progress = nullptr;  // fraction done, in millionths
};

struct ReplicaOutcome {
  ReplicaState state;    // finished, or paused
  ReplicaResult result;  // of that state (a partial one when paused)
};

// Runs replica `from.replica` from its start (`initial`, when `from.started`
// is false) or from `from`, until it finishes or a hook pauses it. Throws
// hkmc::Error when `from` does not fit the model.
ReplicaOutcome advance_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                               const RunControl& control, std::uint64_t seed,
                               const ReplicaState& from, const ReplicaHooks& hooks = {});

// `progress` (optional) receives the fraction done, in millionths.
// The result a replica's engine and observers hold now (crossings: empty when not counted).
ReplicaResult replica_result(const KmcEngine& engine, const DiffusionObserver& observer,
                             const SegregationObserver& segregation,
                             const std::optional<PlaneCrossingCounter>& crossings,
                             const CrossingSettings& crossing_settings, int replica, double wall_s, bool stalled);

ReplicaResult run_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                          const RunControl& control, std::uint64_t seed, int replica,
                          std::atomic<std::int64_t>* progress = nullptr);

}  // namespace hkmc::kmc
