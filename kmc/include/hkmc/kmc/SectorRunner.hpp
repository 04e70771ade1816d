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

// Runs replica `from.replica` from its start or from `from` (a state this
// function returned: it carries `sector`), until it finishes or a hook pauses
// it. The hooks are answered at cycle ends: a stop, a snapshot request or
// `pause_at_events` takes effect at the first cycle end after it, and
// `checkpoint_due` is set at the first cycle end past each multiple of
// `checkpoint_every` events. A resumed run continues bit for bit, on any
// number of threads. Throws hkmc::Error when `from` does not fit (a serial
// run's state, another layout or window).
ReplicaOutcome advance_sector_replica(const KmcModel& model, std::vector<lattice::Occupant> initial,
                                      const RunControl& control, const SectorSettings& sectors,
                                      std::uint64_t seed, const ReplicaState& from, const ReplicaHooks& hooks = {});

}  // namespace hkmc::kmc
