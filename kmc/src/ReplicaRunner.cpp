#include "hkmc/kmc/ReplicaRunner.hpp"

#include <algorithm>
#include <chrono>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {
namespace {

ReplicaResult finish(const KmcEngine& engine, DiffusionObserver& observer, int replica,
                     double wall_s, bool stalled) {
  ReplicaResult r;
  r.replica = replica;
  r.events = engine.events();
  r.time_s = engine.time_s();
  r.wall_s = wall_s;
  r.clamped_events = engine.clamped_events();
  r.stalled = stalled;
  r.populations = observer.populations();
  r.total = observer.total(engine, engine.time_s());
  r.blocks = observer.blocks();
  r.samples = observer.samples();
  r.profiles = observer.profiles();
  r.profile_layers = observer.profile_layers();
  r.final_occupancy.assign(engine.occupancy().begin(), engine.occupancy().end());
  r.final_defects = engine.defects();
  return r;
}

}  // namespace

ReplicaResult run_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                          const RunControl& control, std::uint64_t seed, int replica,
                          std::atomic<std::int64_t>* progress) {
  if (control.steps.has_value() == control.time_s.has_value())
    throw Error("run_replica: exactly one of steps and time must be set");
  if (control.blocks < 1) throw Error("run_replica: blocks must be >= 1");
  const auto start = std::chrono::steady_clock::now();
  KmcEngine engine(model, std::move(initial), seed, static_cast<std::uint32_t>(replica));
  DiffusionObserver observer(engine, control.profile_axis);
  observer.sample(engine, 0.0);
  const int blocks = control.blocks;
  bool stalled = false;
  auto report = [&](double fraction) {
    if (progress) progress->store(static_cast<std::int64_t>(std::clamp(fraction, 0.0, 1.0) * 1e6));
  };

  if (control.time_s) {
    const double t_end = *control.time_s;
    const double interval = control.every_s > 0 ? control.every_s : t_end / std::max(1, control.samples);
    double next_sample = interval;
    int block = 0;
    auto block_end = [&](int b) { return t_end * (b + 1) / blocks; };
    while (true) {
      const auto event = engine.plan();
      const double t_new = event ? engine.time_s() + event->dt_s : t_end * 2 + 1;
      // The state holds until t_new: record what falls before it.
      const double horizon = std::min(t_new, t_end);
      while (next_sample <= horizon * (1 + 1e-12) && next_sample <= t_end * (1 + 1e-12)) {
        observer.sample(engine, std::min(next_sample, t_end));
        next_sample += interval;
      }
      while (block < blocks && block_end(block) <= horizon) {
        observer.close_block(engine, block_end(block));
        ++block;
      }
      if (!event || t_new > t_end) {
        stalled = !event;
        engine.set_time_s(t_end);
        break;
      }
      engine.execute(*event);
      if ((engine.events() & 0xFFFF) == 0) report(engine.time_s() / t_end);
    }
    while (block < blocks) observer.close_block(engine, block_end(block++));
  } else {
    const std::int64_t n = *control.steps;
    const std::int64_t interval =
        control.every_events > 0 ? control.every_events : std::max<std::int64_t>(1, n / std::max(1, control.samples));
    int block = 0;
    auto block_end = [&](int b) { return n * (b + 1) / blocks; };
    while (engine.events() < n) {
      if (!engine.step()) {
        stalled = true;
        break;
      }
      const std::int64_t done = engine.events();
      if (done % interval == 0) observer.sample(engine, engine.time_s());
      while (block < blocks && done == block_end(block)) {
        observer.close_block(engine, engine.time_s());
        ++block;
      }
      if ((done & 0xFFFF) == 0) report(static_cast<double>(done) / n);
    }
    if (observer.samples().back().events != engine.events()) observer.sample(engine, engine.time_s());
    for (; block < blocks; ++block) observer.close_block(engine, engine.time_s());
  }
  report(1.0);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return finish(engine, observer, replica, wall, stalled);
}

}  // namespace hkmc::kmc
