#pragma once
// Internal to hkmc_kmc, shared by the serial and sector runners: the state a
// replica reports (replica_state), and how a running replica answers its ReplicaHooks
// (stop, snapshot requests, periodic checkpoints, test pauses). The serial
// runner asks between two events, the sector runner at cycle ends.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "hkmc/kmc/ReplicaRunner.hpp"

namespace hkmc::kmc::detail {

// Where a replica stands, for a snapshot or its outcome: between two events
// (serial runs) or at a cycle end (sector runs, which add their `sector` part).
struct ReplicaPosition {
  bool finished, stalled;
  int block;
  double next_sample_s;  // time runs
  double wall_s;
};
inline ReplicaState replica_state(int replica, const ReplicaPosition& at, const KmcEngine& engine,
                                  const DiffusionObserver& observer, const SegregationObserver& segregation,
                                  const std::optional<PlaneCrossingCounter>& crossings) {
  ReplicaState s;
  s.replica = replica;
  s.started = true;
  s.finished = at.finished;
  s.stalled = at.stalled;
  s.engine = engine.state();
  s.observer = observer.state();
  s.segregation = segregation.samples();
  if (crossings) s.crossings = crossings->counts();
  s.block = at.block;
  s.next_sample_s = at.next_sample_s;
  s.wall_s = at.wall_s;
  return s;
}

class ReplicaAttention {
 public:
  ReplicaAttention(const ReplicaHooks& hooks, std::int64_t events) : m_hooks(hooks) {
    if (hooks.checkpoint_every > 0 && hooks.checkpoint_due) m_next_checkpoint = next_checkpoint_after(events);
    m_seen_request = hooks.snapshot_seen;
    update_mark();
  }

  // Cheap test, every event.
  bool needed(std::int64_t events) const {
    return events >= m_mark || (m_hooks.stop && m_hooks.stop->load(std::memory_order_relaxed)) ||
           (m_hooks.snapshot_request &&
            m_hooks.snapshot_request->load(std::memory_order_relaxed) != m_seen_request);
  }

  // Answers the hooks; true: pause now. `snapshot()` gives the ReplicaState.
  template <class Snapshot>
  bool pause(std::int64_t events, const Snapshot& snapshot) {
    if (m_hooks.pause_at_events && events >= *m_hooks.pause_at_events) return true;
    if (m_hooks.stop && m_hooks.stop->load()) return true;
    if (events >= m_next_checkpoint) {
      m_hooks.checkpoint_due->store(true);
      // A sector cycle may pass several multiples at once: one checkpoint for them.
      m_next_checkpoint = next_checkpoint_after(events);
    }
    if (m_hooks.snapshot_request) {
      const std::uint64_t request = m_hooks.snapshot_request->load();
      if (request != m_seen_request) {
        m_seen_request = request;
        if (m_hooks.on_snapshot) m_hooks.on_snapshot(request, snapshot());
      }
    }
    update_mark();
    return false;
  }

 private:
  std::int64_t next_checkpoint_after(std::int64_t events) const {
    return (events / m_hooks.checkpoint_every + 1) * m_hooks.checkpoint_every;
  }
  void update_mark() { m_mark = std::min(m_next_checkpoint, m_hooks.pause_at_events.value_or(kNever)); }
  static constexpr std::int64_t kNever = INT64_MAX;
  const ReplicaHooks& m_hooks;
  std::int64_t m_next_checkpoint = kNever;
  std::int64_t m_mark = kNever;
  std::uint64_t m_seen_request = 0;
};

}  // namespace hkmc::kmc::detail
