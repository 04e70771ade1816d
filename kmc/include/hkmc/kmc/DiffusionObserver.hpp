#pragma once
// Diffusion observables of one trajectory, read from the engine (read-only).
//
// Over an interval of length T, with ΔR_i the displacement of ion i and z_i
// its charge number:
//   tracer D of species s        D*_s = Σ_{i∈s} |ΔR_i|² / (6 N_s T)
//   correlation factor           f_s  = Σ_{i∈s} |ΔR_i|² / Σ_{hops of s} d²
//   defect D                     D_v  = Σ_{defects} |ΔR|² / (6 N_v T)
//   charge (collective) D        D_σ  = |Σ_i z_i ΔR_i|² / (6 T Σ_i z_i²)
//   Haven ratio                  H    = D*_q / D_σ, with D*_q the z²-weighted tracer D
//   drift velocity of species s  v_s  = Σ_{i∈s} ΔR_i / (N_s T)
//   drift velocity of defects    v_v  = Σ_{defects} ΔR / (N_v T)
//   current density              j    = e Σ_i z_i ΔR_i / (V T)
// (Murch, Solid State Ionics 7, 177 (1982) for the Haven ratio). The whole
// run gives one estimate; equal blocks of the run give independent
// estimates whose spread is the within-replica uncertainty.
#include <array>
#include <cstdint>
#include <vector>

#include "hkmc/kmc/KmcEngine.hpp"

namespace hkmc::kmc {

// Sums over one interval; all lengths in Å, times in s.
struct DiffusionMoments {
  double duration_s = 0.0;
  std::vector<double> ion_r2;            // by species code: Σ|ΔR|²
  std::vector<double> hop_length_sq;     // by species code: Σ d² of hops
  std::vector<std::int64_t> hops;        // by species code
  std::array<double, kDefectTypes> defect_r2{0, 0};
  Vec3 charge_displacement{0, 0, 0};     // Σ z_i ΔR_i
  double charge_weighted_r2 = 0.0;       // Σ z_i² |ΔR_i|²
  std::vector<Vec3> ion_displacement;    // by species code: Σ_{i∈s} ΔR_i
  std::array<Vec3, kDefectTypes> defect_displacement{};  // by defect type: Σ ΔR
};

struct Populations {
  std::vector<std::int64_t> ions;                   // by species code
  std::array<std::int64_t, kDefectTypes> defects{0, 0};
  double charge_sq_sum = 0.0;                       // Σ z_i²
};

// Estimators over an interval (NaN where undefined, e.g. no ions of a species).
double tracer_d(const DiffusionMoments& m, const Populations& p, int code);      // Å²/s
double correlation_factor(const DiffusionMoments& m, int code);
double defect_d(const DiffusionMoments& m, const Populations& p, DefectType t);  // Å²/s
double charge_d(const DiffusionMoments& m, const Populations& p);               // Å²/s
double charge_weighted_tracer_d(const DiffusionMoments& m, const Populations& p);  // Å²/s
Vec3 drift_velocity(const DiffusionMoments& m, const Populations& p, int code);     // Å/s, per ion
Vec3 defect_drift_velocity(const DiffusionMoments& m, const Populations& p, DefectType t);  // Å/s
// Σ z_i ΔR_i / T (e·Å/s): the current density times the volume over e.
Vec3 charge_flux(const DiffusionMoments& m);

struct TimeSample {
  double time_s = 0.0;
  std::int64_t events = 0;
  std::vector<double> msd_by_species;                  // Å², by species code
  std::array<double, kDefectTypes> msd_by_defect{0, 0};  // Å²
  double charge_msd = 0.0;                             // |Σ z ΔR|² / Σ z², Å²
};

// What the observer has recorded and where the current block started
// (checkpoints). Populations and charges are not in it: they follow from the
// engine, whose ions and defects never change kind.
struct ObserverState {
  std::vector<TimeSample> samples;
  std::vector<std::int32_t> profiles;
  std::vector<DiffusionMoments> blocks;
  double block_start_s = 0.0;                     // s
  std::vector<Vec3> block_ion_start;              // Å, by ion
  std::vector<Vec3> block_defect_start;           // Å, by defect
  std::vector<std::int64_t> block_hops_start;     // by species code
  std::vector<double> block_hop_sq_start;         // Å², by species code
};

class DiffusionObserver {
 public:
  // `profile_axis` in 0..2 records species counts per cell layer along that axis; -1: none.
  DiffusionObserver(const KmcEngine& engine, int profile_axis);

  const Populations& populations() const { return m_populations; }
  void sample(const KmcEngine& engine, double time_s);
  // Ends the current block at `time_s` and starts the next.
  void close_block(const KmcEngine& engine, double time_s);
  // Moments from the start to now (`time_s`).
  DiffusionMoments total(const KmcEngine& engine, double time_s) const;

  const std::vector<TimeSample>& samples() const { return m_samples; }
  const std::vector<DiffusionMoments>& blocks() const { return m_blocks; }
  // [sample][layer][species code] counts, flattened; empty without a profile axis.
  const std::vector<std::int32_t>& profiles() const { return m_profiles; }
  int profile_layers() const { return m_layers; }

  ObserverState state() const;
  // Throws hkmc::Error, changing nothing, when the sizes do not fit this
  // observer's engine and profile settings.
  void restore(const ObserverState& state);

 private:
  DiffusionMoments since(const KmcEngine& engine, const std::vector<Vec3>& ion_start,
                         const std::vector<Vec3>& defect_start,
                         const std::vector<std::int64_t>& hops_start,
                         const std::vector<double>& hop_sq_start, double duration) const;

  Populations m_populations;
  std::vector<double> m_z;  // charge number by species code
  int m_codes;
  int m_profile_axis;
  int m_layers = 0;
  std::vector<TimeSample> m_samples;
  std::vector<std::int32_t> m_profiles;
  std::vector<DiffusionMoments> m_blocks;
  double m_block_start_s = 0.0;
  std::vector<Vec3> m_block_ion_start, m_block_defect_start;
  std::vector<std::int64_t> m_block_hops_start;
  std::vector<double> m_block_hop_sq_start;
};

}  // namespace hkmc::kmc
