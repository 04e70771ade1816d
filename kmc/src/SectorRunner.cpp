#include "hkmc/kmc/SectorRunner.hpp"

#include <algorithm>
#include <chrono>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {

ReplicaOutcome advance_sector_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                                      const RunControl& control, const SectorSettings& settings,
                                      std::uint64_t seed, const ReplicaState& from, const ReplicaHooks& hooks) {
  if (control.steps.has_value() == control.time_s.has_value())
    throw Error("advance_sector_replica: exactly one of steps and time must be set");
  if (control.blocks < 1) throw Error("advance_sector_replica: blocks must be >= 1");
  if (from.started) throw Error("sector-parallel runs cannot resume from a replica state");
  const int replica = from.replica;
  const auto start = std::chrono::steady_clock::now();
  KmcEngine engine(model, std::move(initial), seed, static_cast<std::uint32_t>(replica));
  SectorKmcEngine sectors(engine, settings, seed, static_cast<std::uint32_t>(replica));
  DiffusionObserver observer(engine, control.profile_axis);
  SegregationObserver segregation(model.supercell(), static_cast<int>(model.species().size()) + 1,
                                  control.segregation);
  auto sample = [&] {
    observer.sample(engine, engine.time_s());
    if (control.segregation.any()) segregation.sample(engine.occupancy());
  };
  auto report = [&](double fraction) {
    if (hooks.progress) hooks.progress->store(static_cast<std::int64_t>(std::clamp(fraction, 0.0, 1.0) * 1e6));
  };
  auto stop_requested = [&] { return hooks.stop && hooks.stop->load(std::memory_order_relaxed); };
  sample();
  const int blocks = control.blocks;
  int block = 0;
  bool finished = false, stalled = false;
  if (control.time_s) {
    const double t_end = *control.time_s;
    const double interval = control.every_s > 0 ? control.every_s : t_end / std::max(1, control.samples);
    double next_sample = interval;
    auto block_end = [&](int b) { return t_end * (b + 1) / blocks; };
    while (!stop_requested()) {
      const double left = t_end - engine.time_s();
      if (left <= sectors.window_s()) {
        sectors.run_cycle(left);
        engine.set_time_s(t_end);
      } else {
        sectors.run_cycle();
      }
      const double t = engine.time_s();
      for (; next_sample <= t * (1 + 1e-12); next_sample += interval) sample();
      for (; block < blocks && block_end(block) <= t * (1 + 1e-12); ++block) observer.close_block(engine, t);
      report(t / t_end);
      if (t >= t_end) {
        finished = true;
        break;
      }
    }
  } else {
    const std::int64_t n = *control.steps;
    const std::int64_t interval =
        control.every_events > 0 ? control.every_events : std::max<std::int64_t>(1, n / std::max(1, control.samples));
    std::int64_t next_sample = interval;
    auto block_end = [&](int b) { return n * (b + 1) / blocks; };
    while (!stop_requested()) {
      sectors.run_cycle();
      if (sectors.stalled()) {
        stalled = finished = true;
        break;
      }
      const std::int64_t done = engine.events();
      bool sampled = false;
      for (; next_sample <= done; next_sample += interval) sampled = true;
      if (sampled) sample();
      for (; block < blocks && block_end(block) <= done; ++block) observer.close_block(engine, engine.time_s());
      report(static_cast<double>(done) / n);
      if (done >= n) {
        finished = true;
        break;
      }
    }
    if (finished && observer.samples().back().events != engine.events()) sample();
  }
  if (finished) {
    for (; block < blocks; ++block) observer.close_block(engine, engine.time_s());
    report(1.0);
  }
  sectors.finish();
  // Sector runs do not resume, so the state carries no engine or observer
  // snapshot (copies of every site), only where the replica stands.
  ReplicaOutcome out;
  out.state.replica = replica;
  out.state.started = true;
  out.state.finished = finished;
  out.state.stalled = stalled;
  out.state.block = block;
  out.state.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.result = replica_result(engine, observer, segregation, std::nullopt, {}, replica, out.state.wall_s, stalled);
  return out;
}

}  // namespace hkmc::kmc
