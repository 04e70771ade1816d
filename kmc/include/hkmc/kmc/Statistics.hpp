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
#include "hkmc/kmc/RunFile.hpp"
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

// Crossings of one plane by one species or defect type, per unit area and
// time (cm⁻² s⁻¹), mean over replicas ± the standard error between them.
struct CrossingRates {
  Estimate total_per_cm2_s;  // (up + down) / (A T)
  Estimate net_per_cm2_s;    // (up - down) / (A T); > 0 along +axis
};

// The interface after layer `lower_layer` (PlaneCrossingCounter.hpp's layer_planes):
// its crossing rates and the permeability ratios P = total rate at the
// interface / total rate at the bulk plane of the layer below and above. The
// ratio is taken of the replica means; its error is the jackknife over replicas.
struct InterfaceCrossings {
  int plane = 0;
  double position_A = 0.0;
  int lower_layer = 0, upper_layer = 0;
  std::vector<CrossingRates> rates;              // by entity
  std::vector<Estimate> permeability_vs_lower;   // by entity
  std::vector<Estimate> permeability_vs_upper;   // by entity
};

struct LayerBulkCrossings {
  int plane = -1;  // -1: the layer is too thin to have one
  double position_A = 0.0;
  std::vector<CrossingRates> rates;  // by entity
};

struct CrossingStatistics {
  int axis = -1;  // -1: not counted
  double area_A2 = 0.0;
  std::vector<double> plane_position_A;
  std::vector<std::string> entities;  // species with ions, then defect types present
  std::vector<int> entity_columns;    // their columns in CrossingCounts
  std::vector<std::vector<CrossingRates>> planes;  // [plane][entity]
  std::vector<CrossingRates> plane_mean;           // [entity]: the mean over all planes
  std::vector<InterfaceCrossings> interfaces;      // empty without layers along the axis
  std::vector<LayerBulkCrossings> layers;
};

// Segregation observables at the last sample (mean over replicas ± the
// standard error between them); vectors are empty for those not recorded.
struct SegregationStatistics {
  double time_s = std::numeric_limits<double>::quiet_NaN();  // mean time of the last sample (s)
  int codes = 0;
  std::vector<Estimate> alpha;     // shells × codes × codes (ShortRangeOrder::alpha layout)
  std::vector<Estimate> length_A;  // by code (Å)
  std::vector<Estimate> domains;   // by code
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
  CrossingStatistics crossings;
  SegregationStatistics segregation;
};

RunStatistics summarize(const std::vector<ReplicaResult>& replicas,
                        const lattice::SpeciesTable& species);

// The crossing rates of the replicas' counts (axis = -1 when none were counted).
CrossingStatistics summarize_crossings(const std::vector<ReplicaResult>& replicas,
                                       const lattice::SpeciesTable& species);
// The crossing tables as `halide-kmc analyze` reads them back from a file
// (RunFile.hpp), so that the run summary and analyze print the same table.
RunFileCrossings crossing_tables(const CrossingStatistics& c);
SegregationStatistics summarize_segregation(const std::vector<ReplicaResult>& replicas);

// Ratio of the means Σa/Σb over replicas, with the jackknife (leave one
// replica out) standard error; NaN error for fewer than two replicas.
Estimate ratio_of_means(const std::vector<double>& a, const std::vector<double>& b);

// Mean and standard error of the mean (NaN error for fewer than two values;
// NaN values are skipped).
Estimate mean_and_error(const std::vector<double>& values);

}  // namespace hkmc::kmc
