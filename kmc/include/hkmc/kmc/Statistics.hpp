#pragma once
// Replica and block statistics of the diffusion observables. Each quantity
// has a value (mean over replicas of the whole-run estimate), the standard
// error from the spread of independent replicas, and the standard error from
// the spread of equal time blocks of all replicas. `error` is the replica
// error when there are at least two replicas, else the block error.
//
// Transport in a field F (V/Å), with V the supercell volume, T the interval
// and e the elementary charge (docs/physics.md):
//   drift velocity       v_s = Σ_{i∈s} ΔR_i / (N_s T)                    cm/s
//   mobility             μ_s = v_s·F̂ / |F|  (signed: < 0 against F)      cm²/(V s)
//   current density      j   = e Σ_i z_i ΔR_i / (V T) = Σ_s q_s n_s v_s    A/cm²
//   conductivity         σ   = j·F̂ / |F|                                 S/cm
//   Nernst–Einstein      σ_NE = e² (Σ_i z_i² / V) D_σ / (k_B T)          S/cm
// σ_NE uses the charge D of the same run: compare it with σ of a field run
// from a zero-field run (in a field, D_σ also holds the drift's |j|²T term).
#include <array>
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

// One Estimate per Cartesian component.
using VectorEstimate = std::array<Estimate, 3>;

struct SpeciesStatistics {
  std::string name;
  int code = 0;
  std::int64_t ions = 0;      // per replica
  std::int64_t hops = 0;      // all replicas
  Estimate d_cm2_s;           // tracer diffusion coefficient
  Estimate correlation_factor;
  VectorEstimate drift_velocity_cm_s;  // per ion
  Estimate mobility_cm2_v_s;           // along the field; NaN without one
};

struct DefectStatistics {
  std::string type;           // "vacancy" or "interstitial"
  std::int64_t count = 0;     // per replica
  Estimate d_cm2_s;
  VectorEstimate drift_velocity_cm_s;  // per defect
  Estimate mobility_cm2_v_s;           // along the field; NaN without one
};

struct RunStatistics {
  std::vector<SpeciesStatistics> species;  // species with ions only
  std::vector<DefectStatistics> defects;   // defect types present only
  Estimate charge_d_cm2_s;                 // collective (charge) D
  Estimate charge_weighted_tracer_d_cm2_s;
  Estimate haven_ratio;
  Vec3 field_v_per_angstrom{0, 0, 0};
  VectorEstimate current_density_a_cm2;      // j
  Estimate conductivity_s_cm;                // j·F̂/|F|; NaN without a field
  Estimate nernst_einstein_conductivity_s_cm;  // from D_σ of this run
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
