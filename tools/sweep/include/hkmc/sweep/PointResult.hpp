#pragma once
// The result of one sweep point: its parameters, the run statistics of its
// replicas, and the convergence check. Stored as points/pNNNNN.json (written
// atomically after the point's full HDF5 file); a point whose JSON exists is
// finished and is never recomputed. Doubles are written in shortest
// round-trip form and NaN as null, so reading a file back gives bit-identical
// values: tables built from read-back files are the same for a single run and
// for merged shards.
//
// Convergence check. For each replica with B >= 2 blocks, the moments of
// blocks [0, h) and [B - h, B), h = floor(B/2), are summed (the middle block
// of an odd B is left out, so the halves span equal times) and give the
// first-half and second-half D (tracer D per species, defect D per defect
// type; Σ|ΔR_block|² over the half's blocks / (6 N T_half), the time-weighted
// mean of the block estimates). D1 and D2 with their errors are the mean and
// standard error over replicas (with one replica: over the half's blocks).
// A quantity is flagged when
//     |D1 - D2| > 2 sqrt(err1² + err2²)
// and a point is converged (1) when no quantity is flagged, not converged (0)
// when one is, and unchecked (-1) when no quantity had finite errors. For a
// stationary run each comparison fires with probability ~5% (more with few
// replicas, whose errors are themselves uncertain): a flag asks for a look at
// the time series, it is not a verdict.
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/kmc/Statistics.hpp"
#include "hkmc/lattice/Species.hpp"

namespace hkmc::sweep {

// 2 added the field, drift velocities, mobilities and conductivities; 3 the
// plane-crossing rates and permeabilities. Older files (finished points of
// older sweeps) are still read, what they lack as NaN or empty.
inline constexpr int kPointFormatVersion = 3;
inline constexpr double kConvergenceSigmas = 2.0;

// One diffusion coefficient (cm²/s) with its whole-run and half-run estimates.
struct DiffusionResult {
  std::string name;          // species name, or defect type ("vacancy", "interstitial")
  std::int64_t count = 0;    // ions or defects per replica
  std::int64_t hops = 0;     // all replicas (species only)
  kmc::Estimate d_cm2_s;
  kmc::Estimate correlation_factor;  // species only
  kmc::Estimate first_half_d_cm2_s;
  kmc::Estimate second_half_d_cm2_s;
  kmc::VectorEstimate drift_velocity_cm_s;  // per ion / defect
  kmc::Estimate mobility_cm2_v_s;           // along the field; NaN without one
  // |D1 - D2| / sqrt(err1² + err2²); NaN when it cannot be formed.
  double half_difference_sigmas() const;
};

// Plane-crossing rates of one entity (species or defect type) at one plane
// of a point that counted crossings ([output] crossings; cm⁻² s⁻¹): each
// interface with its permeabilities, each layer's bulk plane, and the mean
// over all planes. Fields that do not apply to the kind are NaN / -1.
struct CrossingRow {
  std::string kind;    // "interface", "layer_bulk" or "plane_mean"
  int index = -1;      // interface or layer index; -1 for plane_mean
  double position_A = std::numeric_limits<double>::quiet_NaN();
  int lower_layer = -1, upper_layer = -1;  // interfaces only
  std::string entity;
  kmc::Estimate rate_per_cm2_s;  // (up + down) / (A T)
  kmc::Estimate net_per_cm2_s;   // (up - down) / (A T)
  kmc::Estimate permeability_vs_lower, permeability_vs_upper;  // interfaces only
};

struct PointResult {
  int index = 0;
  std::vector<std::pair<std::string, std::string>> parameters;  // (key, value text)
  std::string input_toml;        // the effective input (base + --set + point overrides)
  std::uint64_t seed = 0;        // base seed + index
  double temperature_k = 0.0;    // K
  int replicas = 0;
  std::int64_t events = 0;       // all replicas
  double simulated_time_s = 0.0; // mean over replicas (s)
  double wall_s = 0.0;           // wall time of the point (s); not in the tables
  std::int64_t clamped_events = 0;
  int stalled_replicas = 0;
  std::vector<DiffusionResult> species;  // tracer D
  std::vector<DiffusionResult> defects;  // defect D
  kmc::Estimate charge_d_cm2_s;
  kmc::Estimate haven_ratio;
  kmc::Vec3 field_v_per_angstrom{0, 0, 0};
  kmc::Estimate conductivity_s_cm;                  // j·F̂/|F|; NaN without a field
  kmc::Estimate nernst_einstein_conductivity_s_cm;  // from D_σ (take it from a zero-field point)
  std::vector<CrossingRow> crossings;               // empty when crossings were not counted
  bool has_field() const;

  // Largest |D1 - D2| / σ over species and defects (NaN if none finite).
  double max_half_difference_sigmas() const;
  // 1 converged, 0 flagged, -1 unchecked (see the file comment).
  int converged() const;
};

// Builds the result of a point from its replicas.
PointResult make_point_result(const std::vector<kmc::ReplicaResult>& replicas,
                              const lattice::SpeciesTable& species);

// First- and second-half D (cm²/s) estimates for `estimator`, which maps
// summed block moments to D in Å²/s (exposed for tests on synthetic moments).
using HalfEstimator = double (*)(const kmc::DiffusionMoments&, const kmc::Populations&, int);
std::pair<kmc::Estimate, kmc::Estimate> half_run_estimates(const std::vector<kmc::ReplicaResult>& replicas,
                                                           HalfEstimator estimator, int which);

// Sum of moments over blocks [begin, end).
kmc::DiffusionMoments sum_moments(const std::vector<kmc::DiffusionMoments>& blocks, int begin, int end);

std::string to_json(const PointResult& result);
// Throws hkmc::RuntimeError naming `source` when the text is not a point file.
PointResult point_from_json(const std::string& text, const std::string& source);

}  // namespace hkmc::sweep
