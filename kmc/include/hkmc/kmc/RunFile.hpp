#pragma once
// What `halide-kmc analyze` shows of a run's HDF5 output (docs/output.md),
// read back into plain structs. Reading checks that the file is a
// halide-kmc output and throws InputError naming the file and what is wrong
// (missing, not HDF5, another kind of file, a damaged or missing dataset).
// Quantities a run did not record come back empty (vectors) or NaN.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hkmc::kmc {

struct RunFileEstimate {
  double value;  // NaN when absent or undefined
  double error;  // combined error (the `_err` attribute)
};

struct RunFileSpecies {
  std::string name;
  std::int64_t ions = 0, hops = 0;  // defects: `count` in ions
  RunFileEstimate d_cm2_s, correlation_factor, mobility_cm2_v_s;  // cm²/s, -, cm²/(V s)
  std::array<RunFileEstimate, 3> drift_velocity_cm_s;             // cm/s
};

struct RunFileReplica {
  std::string name;                 // "0000", …
  std::int64_t events = 0;
  double time_s = 0;                // s
  std::vector<double> sample_time_s;      // S
  std::vector<double> sro_alpha;          // S × shells × codes × codes
  std::vector<double> length_A;           // S × codes (Å)
  std::vector<std::int32_t> domains;      // S × codes
  std::vector<std::int32_t> profile_counts;  // S × layers × codes
  int profile_layers = 0;
};

// Rows × entities of values and their errors (row-major), e.g. interfaces × entities.
struct RunFileMatrix {
  std::vector<double> value, error;
  std::size_t rows = 0;
};

// Plane crossings (format 2; axis = -1 when the run did not count them).
struct RunFileCrossings {
  int axis = -1;
  double plane_area_A2 = 0;                   // Å²
  std::vector<double> plane_position_A;       // P
  std::vector<std::string> entities;          // species, then defect types
  std::vector<std::int64_t> layer_cells, interface_planes, bulk_planes;
  RunFileMatrix plane_total, bulk_total, interface_total, interface_net;  // cm⁻² s⁻¹
  RunFileMatrix permeability_vs_lower, permeability_vs_upper;
};

struct RunFile {
  std::string path;
  std::string program_version, created_utc, command_line;
  bool complete = true;
  std::string prototype;
  std::array<std::int64_t, 3> supercell{0, 0, 0};
  std::vector<std::string> species_names;  // by code; code 0 = "empty"
  std::int64_t replicas = 0, events = 0;
  double simulated_time_s = 0, temperature_k = 0;  // s, K (NaN: not recorded)
  std::array<double, 3> field_v_per_angstrom{0, 0, 0};
  RunFileEstimate charge_d_cm2_s, haven_ratio, conductivity_s_cm, nernst_einstein_s_cm;
  std::array<RunFileEstimate, 3> current_density_a_cm2;
  std::vector<RunFileSpecies> species;
  std::vector<RunFileSpecies> defects;
  int sro_shells = 0;
  std::vector<double> sro_shell_distance_A;
  std::vector<double> structure_factor_k_inv_A;
  double structure_factor_cutoff_inv_A = 0;
  std::int64_t domain_min_sites = 1;
  std::vector<RunFileReplica> replica_series;
  RunFileCrossings crossings;
};

RunFile read_run_file(const std::string& path);

}  // namespace hkmc::kmc
