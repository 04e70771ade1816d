#include "hkmc/kmc/SectorRunner.hpp"

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>

#include "hkmc/common/Error.hpp"
#include "ReplicaAttention.hpp"

namespace hkmc::kmc {

ReplicaOutcome advance_sector_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                                      const RunControl& control, const SectorSettings& settings,
                                      std::uint64_t seed, const ReplicaState& from, const ReplicaHooks& hooks) {
  if (control.steps.has_value() == control.time_s.has_value())
    throw Error("advance_sector_replica: exactly one of steps and time must be set");
  if (control.blocks < 1) throw Error("advance_sector_replica: blocks must be >= 1");
  if (from.started && !from.sector)
    throw Error("replica state was taken from a serial run ([kmc] parallel = \"replicas\"): it continues only "
                "with parallel = \"replicas\"");
  const int replica = from.replica;
  const auto start = std::chrono::steady_clock::now();
  KmcEngine engine(model, std::move(initial), seed, static_cast<std::uint32_t>(replica));
  // Crossings: each sector counts its own hops; cycle ends add them up here
  // (declared before the sector engine, which points to it).
  std::optional<PlaneCrossingCounter> crossings;
  if (control.crossings.any()) {
    crossings.emplace(model, control.crossings.axis);
    if (from.started) crossings->restore(from.crossings);
  }
  std::optional<SectorKmcEngine> sectors_storage;
  if (from.started) {
    engine.restore(from.engine);
    sectors_storage.emplace(engine, settings, seed, static_cast<std::uint32_t>(replica), *from.sector);
  } else {
    sectors_storage.emplace(engine, settings, seed, static_cast<std::uint32_t>(replica));
  }
  SectorKmcEngine& sectors = *sectors_storage;
  if (crossings) sectors.count_crossings(&*crossings);
  DiffusionObserver observer(engine, control.profile_axis);
  SegregationObserver segregation(model.supercell(), static_cast<int>(model.species().size()) + 1,
                                  control.segregation);
  auto sample = [&] {
    observer.sample(engine, engine.time_s());
    if (control.segregation.any()) segregation.sample(engine.occupancy());
  };
  if (from.started) {
    observer.restore(from.observer);
    if (control.segregation.any() && from.segregation.size() != from.observer.samples.size())
      throw Error("observer state does not fit the run: " + std::to_string(from.segregation.size()) +
                  " segregation samples for " + std::to_string(from.observer.samples.size()) + " time samples");
    segregation.restore(from.segregation);
  } else {
    sample();
  }
  auto report = [&](double fraction) {
    if (hooks.progress) hooks.progress->store(static_cast<std::int64_t>(std::clamp(fraction, 0.0, 1.0) * 1e6));
  };
  const int blocks = control.blocks;
  int block = from.started ? from.block : 0;
  if (block < 0 || block > blocks) throw Error("replica state: block index out of range");
  bool finished = from.finished, stalled = from.stalled;
  double next_sample_s = from.next_sample_s;  // time runs
  auto wall = [&] {
    return from.wall_s + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Taken at cycle ends only, where no defect is between two sectors' lists.
  auto state = [&] {
    ReplicaState s = detail::replica_state(replica, {finished, stalled, block, next_sample_s, wall()}, engine,
                                           observer, segregation, crossings);
    s.sector = sectors.state();
    return s;
  };
  detail::ReplicaAttention attention(hooks, engine.events());
  if (!finished && control.time_s) {
    const double t_end = *control.time_s;
    const double interval = control.every_s > 0 ? control.every_s : t_end / std::max(1, control.samples);
    if (!from.started) next_sample_s = interval;
    auto block_end = [&](int b) { return t_end * (b + 1) / blocks; };
    while (!attention.pause(engine.events(), state)) {
      const double left = t_end - engine.time_s();
      if (left <= sectors.window_s()) {
        sectors.run_cycle(left);
        engine.set_time_s(t_end);
      } else {
        sectors.run_cycle();
      }
      const double t = engine.time_s();
      for (; next_sample_s <= t * (1 + 1e-12); next_sample_s += interval) sample();
      for (; block < blocks && block_end(block) <= t * (1 + 1e-12); ++block) observer.close_block(engine, t);
      report(t / t_end);
      if (t >= t_end) {
        finished = true;
        break;
      }
    }
  } else if (!finished) {
    const std::int64_t n = *control.steps;
    const std::int64_t interval =
        control.every_events > 0 ? control.every_events : std::max<std::int64_t>(1, n / std::max(1, control.samples));
    // The first multiple of the interval not yet sampled: a function of the
    // events done at a cycle end, so a resumed run finds it again.
    std::int64_t next_sample = (engine.events() / interval + 1) * interval;
    auto block_end = [&](int b) { return n * (b + 1) / blocks; };
    while (!attention.pause(engine.events(), state)) {
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
  if (finished && !from.finished) {
    for (; block < blocks; ++block) observer.close_block(engine, engine.time_s());
  }
  if (finished) report(1.0);
  sectors.finish();
  ReplicaOutcome out;
  out.state = state();
  out.result = replica_result(engine, observer, segregation, crossings, control.crossings, replica,
                              out.state.wall_s, stalled);
  return out;
}

}  // namespace hkmc::kmc
