#pragma once
// One replica advanced by the sector-parallel engine (SectorKmcEngine): the
// same observers and results as advance_replica, read at cycle ends. Samples
// and blocks are taken at the first cycle end at or after their nominal time
// (or event count), with that cycle end's time, so block durations stay exact;
// a timed run's last cycle is cut to end at the requested time. A steps run
// stops at the first cycle end with at least `steps` events.
#include <cstdint>
#include <vector>

#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/kmc/SectorKmcEngine.hpp"

namespace hkmc::kmc {

// Sector runs do not resume from a replica state: `from.started` must be
// false (the input refuses checkpoints with parallel = "sectors"). Of the
// hooks, `stop` (pauses at the next cycle end) and `progress` are honoured.
ReplicaOutcome advance_sector_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                                      const RunControl& control, const SectorSettings& sectors,
                                      std::uint64_t seed, const ReplicaState& from, const ReplicaHooks& hooks = {});

}  // namespace hkmc::kmc
