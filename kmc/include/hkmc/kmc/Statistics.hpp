#pragma once
// Replica and block statistics of the diffusion observables. Each quantity
// has a value (mean over replicas of the whole-run estimate), the standard
// error from the spread of independent replicas, and the standard error from
// the spread of equal time blocks of all replicas. `error` is the replica
// error when there are at least two replicas, else the block error.
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/lattice/Species.hpp"

namespace hkmc::kmc {

struct Estimate {
  double value = std::numeric_limits<double>::quiet_NaN();
  double error = std::numeric_limits<double>::quiet_NaN();
  double error_replicas = std::numeric_limits<double>::quiet_NaN();
  double error_blocks = std::numeric_limits<double>::quiet_NaN();
};

struct SpeciesStatistics {
  std::string name;
  int code = 0;
  std::int64_t ions = 0;      // per replica
  std::int64_t hops = 0;      // all replicas
  Estimate d_cm2_s;           // tracer diffusion coefficient
  Estimate correlation_factor;
};

struct DefectStatistics {
  std::string type;           // "vacancy" or "interstitial"
  std::int64_t count = 0;     // per replica
  Estimate d_cm2_s;
};

struct RunStatistics {
  std::vector<SpeciesStatistics> species;  // species with ions only
  std::vector<DefectStatistics> defects;   // defect types present only
  Estimate charge_d_cm2_s;                 // collective (charge) D
  Estimate charge_weighted_tracer_d_cm2_s;
  Estimate haven_ratio;
  std::int64_t events = 0;                 // all replicas
  double simulated_time_s = 0.0;           // mean over replicas
  double replica_wall_s = 0.0;             // sum of replica wall times
  std::int64_t clamped_events = 0;
  int replicas = 0;
  int stalled_replicas = 0;
};

RunStatistics summarize(const std::vector<ReplicaResult>& replicas,
                        const lattice::SpeciesTable& species);

// Mean and standard error of the mean (NaN error for fewer than two values;
// NaN values are skipped).
Estimate mean_and_error(const std::vector<double>& values);

}  // namespace hkmc::kmc
