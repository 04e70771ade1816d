#include "hkmc/kmc/ReplicaRunner.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <Eigen/LU>
#include <string>

#include "hkmc/common/Error.hpp"
#include "ReplicaAttention.hpp"

namespace hkmc::kmc {
ReplicaResult replica_result(const KmcEngine& engine, const DiffusionObserver& observer,
                             const SegregationObserver& segregation,
                             const std::optional<PlaneCrossingCounter>& crossings,
                             const CrossingSettings& crossing_settings, int replica, double wall_s, bool stalled) {
  ReplicaResult r;
  r.replica = replica;
  r.events = engine.events();
  r.time_s = engine.time_s();
  r.wall_s = wall_s;
  r.clamped_events = engine.clamped_events();
  r.stalled = stalled;
  r.populations = observer.populations();
  r.conditions = transport_conditions(engine.model());
  r.total = observer.total(engine, engine.time_s());
  r.blocks = observer.blocks();
  r.samples = observer.samples();
  r.profiles = observer.profiles();
  r.profile_layers = observer.profile_layers();
  r.segregation = segregation.samples();
  if (crossings) {
    r.crossings.settings = crossing_settings;
    r.crossings.geometry = crossing_geometry(engine.model().supercell(), crossings->axis());
    r.crossings.counts = crossings->counts();
  }
  r.final_occupancy.assign(engine.occupancy().begin(), engine.occupancy().end());
  r.final_defects = engine.defects();
  return r;
}

TransportConditions transport_conditions(const KmcModel& model) {
  TransportConditions c;
  c.volume_A3 = std::abs(model.supercell().box().determinant());
  const auto& f = model.parameters().field_v_per_angstrom;
  c.field_v_per_angstrom = Vec3{f[0], f[1], f[2]};
  c.temperature_k = model.parameters().temperature_k;
  return c;
}

ReplicaOutcome advance_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                               const RunControl& control, std::uint64_t seed, const ReplicaState& from,
                               const ReplicaHooks& hooks) {
  if (control.steps.has_value() == control.time_s.has_value())
    throw Error("run_replica: exactly one of steps and time must be set");
  if (control.blocks < 1) throw Error("run_replica: blocks must be >= 1");
  if (from.started && from.sector)
    throw Error("replica state was taken from a sector-parallel run ([kmc] parallel = \"sectors\"): it "
                "continues only with parallel = \"sectors\"");
  const int replica = from.replica;
  const auto start = std::chrono::steady_clock::now();
  KmcEngine engine(model, std::move(initial), seed, static_cast<std::uint32_t>(replica));
  if (from.started) engine.restore(from.engine);
  DiffusionObserver observer(engine, control.profile_axis);
  SegregationObserver segregation(model.supercell(), static_cast<int>(model.species().size()) + 1,
                                  control.segregation);
  // Both observers look at the same sample times.
  auto sample = [&](double time_s) {
    observer.sample(engine, time_s);
    if (control.segregation.any()) segregation.sample(engine.occupancy());
  };
  // Crossings are counted from each event before it is executed.
  std::optional<PlaneCrossingCounter> crossings;
  if (control.crossings.any()) crossings.emplace(model, control.crossings.axis);
  auto execute = [&](const PlannedEvent& event) {
    if (crossings) crossings->record(engine, event);
    engine.execute(event);
  };
  if (from.started) {
    if (crossings) crossings->restore(from.crossings);
    observer.restore(from.observer);
    if (control.segregation.any() && from.segregation.size() != from.observer.samples.size())
      throw Error("observer state does not fit the run: " + std::to_string(from.segregation.size()) +
                  " segregation samples for " + std::to_string(from.observer.samples.size()) + " time samples");
    segregation.restore(from.segregation);
  } else {
    sample(0.0);
  }
  const int blocks = control.blocks;
  int block = from.started ? from.block : 0;
  if (block < 0 || block > blocks) throw Error("replica state: block index out of range");
  bool stalled = from.stalled;
  bool finished = from.finished;
  double next_sample = from.next_sample_s;
  auto report = [&](double fraction) {
    if (hooks.progress) hooks.progress->store(static_cast<std::int64_t>(std::clamp(fraction, 0.0, 1.0) * 1e6));
  };
  auto wall = [&] {
    return from.wall_s + std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto state = [&] {
    return detail::replica_state(replica, {finished, stalled, block, next_sample, wall()}, engine, observer,
                                 segregation, crossings);
  };
  detail::ReplicaAttention attention(hooks, engine.events());

  if (!finished && control.time_s) {
    const double t_end = *control.time_s;
    const double interval = control.every_s > 0 ? control.every_s : t_end / std::max(1, control.samples);
    if (!from.started) next_sample = interval;
    auto block_end = [&](int b) { return t_end * (b + 1) / blocks; };
    while (true) {
      if (attention.needed(engine.events()) && attention.pause(engine.events(), state)) break;
      const auto event = engine.plan();
      const double t_new = event ? engine.time_s() + event->dt_s : t_end * 2 + 1;
      // The state holds until t_new: record what falls before it.
      const double horizon = std::min(t_new, t_end);
      while (next_sample <= horizon * (1 + 1e-12) && next_sample <= t_end * (1 + 1e-12)) {
        sample(std::min(next_sample, t_end));
        next_sample += interval;
      }
      while (block < blocks && block_end(block) <= horizon) {
        observer.close_block(engine, block_end(block));
        ++block;
      }
      if (!event || t_new > t_end) {
        stalled = !event;
        engine.set_time_s(t_end);
        finished = true;
        break;
      }
      execute(*event);
      if ((engine.events() & 0xFFFF) == 0) report(engine.time_s() / t_end);
    }
    if (finished) {
      while (block < blocks) observer.close_block(engine, block_end(block++));
    }
  } else if (!finished) {
    const std::int64_t n = *control.steps;
    const std::int64_t interval =
        control.every_events > 0 ? control.every_events : std::max<std::int64_t>(1, n / std::max(1, control.samples));
    auto block_end = [&](int b) { return n * (b + 1) / blocks; };
    finished = true;
    while (engine.events() < n) {
      if (attention.needed(engine.events()) && attention.pause(engine.events(), state)) {
        finished = false;
        break;
      }
      const auto event = engine.plan();
      if (!event) {
        stalled = true;
        break;
      }
      execute(*event);
      const std::int64_t done = engine.events();
      if (done % interval == 0) sample(engine.time_s());
      while (block < blocks && done == block_end(block)) {
        observer.close_block(engine, engine.time_s());
        ++block;
      }
      if ((done & 0xFFFF) == 0) report(static_cast<double>(done) / n);
    }
    if (finished) {
      if (observer.samples().back().events != engine.events()) sample(engine.time_s());
      for (; block < blocks; ++block) observer.close_block(engine, engine.time_s());
    }
  }
  if (finished) report(1.0);
  ReplicaOutcome out;
  out.state = state();
  out.result =
      replica_result(engine, observer, segregation, crossings, control.crossings, replica, out.state.wall_s, stalled);
  return out;
}

ReplicaResult run_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                          const RunControl& control, std::uint64_t seed, int replica,
                          std::atomic<std::int64_t>* progress) {
  ReplicaState from;
  from.replica = replica;
  ReplicaHooks hooks;
  hooks.progress = progress;
  return advance_replica(model, std::move(initial), control, seed, from, hooks).result;
}

}  // namespace hkmc::kmc
