#pragma once
// One run described by a RunSpec: builds the lattice, provider and model
// (cross-checking the spec against the built lattice, with input locations in
// the messages), draws each replica's initial configuration and runs the
// replicas as oneTBB tasks. Replica r always uses the streams of index r, so
// results do not depend on the number of threads.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hkmc/kmc/Checkpoint.hpp"
#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/lattice/InitialConfiguration.hpp"
#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/kmc/RunSpec.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"
#include "hkmc/kmc/Statistics.hpp"

namespace hkmc::kmc {

// Checkpoints and interruption of Simulation::run.
struct RunHooks {
  std::string checkpoint_path;           // empty: no checkpoints
  std::int64_t checkpoint_every = 0;     // events of a replica between checkpoints (0: off)
  double checkpoint_every_s = 0.0;       // wall-clock s between checkpoints (0: off)
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by a signal handler): pause, checkpoint, return
  const Checkpoint* restart = nullptr;   // continue these replica states (from a compatible input)
  std::string command_line;              // recorded in checkpoints
};

struct RunOutcome {
  std::vector<ReplicaResult> results;    // replicas that ran (all of them unless interrupted)
  bool interrupted = false;              // stopped before every replica finished
  int checkpoints = 0;                   // checkpoint files written
  std::string checkpoint_error;          // why the last checkpoint failed (the run itself went on)
  std::string cache_error;               // why the barrier cache could not be saved at the end
};

// Bytes a run's per-site arrays need, and the memory the machine has.
struct MemoryEstimate {
  double sites = 0;                      // mobile sites of the supercell
  double bytes = 0;                      // estimated peak for all replicas
  double available_bytes = 0;            // MemAvailable from /proc/meminfo (0: unknown)
};

class Simulation {
 public:
  // kKinetics refuses systems without defects (nothing could move);
  // kEquilibrium (Metropolis MC) accepts them.
  enum class Purpose { kKinetics, kEquilibrium };
  explicit Simulation(RunSpec spec, Purpose purpose = Purpose::kKinetics);

  const RunSpec& spec() const { return m_spec; }
  const KmcModel& model() const { return *m_model; }
  RunControl control() const;
  // [kmc] parallel = "sectors": the sector-parallel engine's settings.
  SectorSettings sector_settings() const;
  std::int64_t vacancies() const { return m_defects.vacancies; }
  std::vector<lattice::Occupant> initial_configuration(int replica) const;
  // Replica `from.replica`, from its start or from `from`, advanced by the
  // engine [kmc] parallel asks for (serial or sector-parallel).
  ReplicaOutcome advance(const RunControl& control, const ReplicaState& from, const ReplicaHooks& hooks) const;
  const MemoryEstimate& memory() const { return m_memory; }

  // Runs every replica; `progress` (optional) is called about twice a second
  // from the calling thread with the mean fraction done.
  std::vector<ReplicaResult> run(const std::function<void(double)>& progress = {}) const;
  // The same with checkpoints, a stop flag and restart. Replicas poll the
  // stop flag between events; on a stop every running replica pauses, a
  // checkpoint is written (when a path is set) and the partial results return.
  RunOutcome run(const std::function<void(double)>& progress, const RunHooks& hooks) const;

  // Refuses (hkmc::Error) a checkpoint that was not written for this input,
  // naming every setting that differs.
  void check_restart(const Checkpoint& checkpoint, const std::string& checkpoint_name) const;
  // The checkpoint of `states` for this run.
  Checkpoint checkpoint_of(std::vector<ReplicaState> states, const std::string& command_line,
                           bool interrupted) const;

 private:
  RunSpec m_spec;
  std::unique_ptr<KmcModel> m_model;
  lattice::Composition m_composition;
  std::vector<lattice::Layer> m_layers;
  lattice::DefectCounts m_defects;
  MemoryEstimate m_memory;
};

// Estimated peak memory of a run over `sites` mobile sites (bytes), and the
// check against MemAvailable: refuses with both numbers (InputError naming
// [lattice] supercell) when it cannot fit. `available_bytes` <= 0: read /proc/meminfo.
MemoryEstimate check_memory(const RunSpec& spec, double sites, double available_bytes = 0);

}  // namespace hkmc::kmc
