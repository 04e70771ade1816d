#pragma once
// Plain typed description of one run, produced by InputReader from a TOML file
// (after --set overrides) and consumed by the engine. No parsing logic here.
// Units: Å, K, s, eV, Hz, V/Å.
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hkmc::kmc {

// One basis site of a `custom` crystal.
struct CustomSiteSpec {
  std::string sublattice;       // name; "X" or any name listed in mobile_sublattices is mobile
  std::array<double, 3> frac{};  // fractional coordinates
};

struct LatticeSpec {
  std::string prototype;                 // perovskite | double_perovskite | fcc | custom
  double a_angstrom = 0.0;               // cubic lattice parameter (Å); custom: scale of `cell`
  std::array<int, 3> supercell{1, 1, 1};
  // custom only: rows are lattice vectors in units of a; basis; which sublattices move.
  std::array<std::array<double, 3>, 3> cell{{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}};
  std::vector<CustomSiteSpec> basis;
  std::vector<std::string> mobile_sublattices;
  std::vector<std::string> interstitial_sublattices;
};

// Fractions of the mobile lattice sites held by each species, after the
// vacancies are taken out; `balance` (if set) already received the remainder.
struct CompositionSpec {
  std::map<std::string, double> fractions;  // species name -> fraction, sums to 1
};

struct DefectSpec {
  // At most one of the two is set; the count is resolved against the lattice
  // when the system is built (Simulation), because only then the sites are known.
  std::optional<std::int64_t> vacancies;
  std::optional<double> vacancy_fraction;  // of the mobile lattice sites
  std::int64_t interstitials = 0;  // count
  std::string interstitial_species;  // empty: drawn with the composition
};

struct LayerSpec {
  int cells = 0;                    // thickness in unit cells along the axis
  CompositionSpec composition;
  // Vacancies of this layer, as a fraction of its lattice sites. When any
  // layer sets it, vacancies are placed layer by layer (0 where unset) and
  // [defects] must not set vacancies: defects "in one slab".
  std::optional<double> vacancy_fraction;
};

struct InitialSpec {
  std::string type = "random";      // random | layers
  int axis = 2;                     // 0 = x, 1 = y, 2 = z (layers only)
  std::vector<LayerSpec> layers;
};

struct MechanismSpec {
  std::string name;                 // label used in tables and keys, e.g. "vacancy_edge"
  std::string kind;                 // vacancy | interstitial | interstitialcy | split
  int shell = 1;                    // neighbour shell of the target sites (1 = nearest)
};

// [barriers.neb]: NEB barriers computed on the fly and cached
// (docs/input/barriers.md; mapped onto barriers::NebProviderSettings).
struct NebSpec {
  std::string potential = "buckingham_coulomb";  // or a TorchScript file (absolute, resolved)
  std::string cache_file;                // HDF5 (absolute, resolved); empty: not persisted
  std::string cache_save_file;           // not an input key: set by sweep shards (NebProviderSettings)
  bool compute_missing = true;           // false: a barrier missing from the cache is an error
  std::string on_unusable = "stop";      // stop | block: what a flagged NEB barrier does
  int images = 5;
  double spring_ev_per_a2 = 0.1;
  double fmax_ev_per_a = 0.05;
  double split_fmax_ev_per_a = 0.01;     // split-pair hops' CI-NEB fmax, (0, 0.02] eV/Å
  double relax_fmax_ev_per_a = 0.01;
  int max_steps = 1000;
  int cell_repeats = 3;
  std::map<std::string, double> lattice_constants;  // Å per pure halide; empty: built-in defaults
  double save_every_s = 60.0;
  int threads = 0;                       // parallel NEBs; 0 = all cores
};

struct BarrierSpec {
  std::string provider = "constant";     // constant | model | table | neb
  double attempt_frequency_hz = 1e13;    // ν (Hz)
  double e_kra_ev = 0.25;                // constant: default E_KRA (eV)
  std::map<std::string, double> e_kra_overrides;  // "mechanism" or "mechanism/path" -> eV
  double r_env_angstrom = 0.0;           // environment radius (Å); 0 = prototype default
  // model: E_KRA = e0 + sum_s slope[s] * n_s over the environment (eV)
  double model_e0_ev = 0.25;
  std::map<std::string, double> model_slopes_ev;
  std::string table_file;                // table: CSV path (absolute, resolved)
  NebSpec neb;                           // neb: [barriers.neb]
  // Any provider: every canonical key's E_KRA offset by σ·N(0,1) from a hash
  // of the key and the seed (barriers/PerturbedProvider.hpp); 0 = off.
  double perturbation_sigma_ev = 0.0;
  std::uint64_t perturbation_seed = 0;
};

// The lattice Hamiltonian that gives ΔE of hops (docs/hamiltonian.md).
struct EnergySpec {
  std::string hamiltonian_file;          // absolute, resolved; empty: ΔE = 0
};

// `halide-kmc mc`: equilibrium Metropolis Monte Carlo (temperature, seed and
// replicas come from KmcSpec).
struct McSpec {
  std::int64_t equilibration_sweeps = 1000;
  std::int64_t sweeps = 5000;
  int sample_every = 10;
  int shells = 3;                        // Warren–Cowley shells reported
};

struct KmcSpec {
  double temperature_k = 300.0;
  std::optional<std::int64_t> steps;     // stop after this many events per replica
  std::optional<double> time_s;          // or at this simulated time (s)
  std::uint64_t seed = 1;
  int replicas = 1;
  int blocks = 10;                       // block-averaging blocks inside a replica
  std::array<double, 3> field_v_per_angstrom{0, 0, 0};
  std::map<std::string, double> charges_e;  // species -> charge (e); default halides -1
  // How one replica uses the cores: "replicas" (exact; replicas run side by
  // side) or "sectors" (approximate sector-parallel KMC of each replica, docs/sector_kmc.md).
  std::string parallel = "replicas";
  std::array<int, 3> sectors{0, 0, 0};   // sectors per axis; 0 0 0: automatic
  double sector_window = 0.25;           // τ·Γ_max: the window in units of the fastest hop's mean time
  std::string sector_order = "random";   // random | fixed: order of the sub-sector types in a cycle
};

struct OutputSpec {
  std::string file;                      // HDF5 path; empty: none
  std::string summary;                   // JSON path; empty: none
  std::int64_t every_events = 0;         // time-series sample interval; 0: `samples` evenly
  double every_s = 0.0;                  // or every this much simulated time
  int samples = 100;
  bool profile = false;                  // record concentration profiles along `profile_axis`
  int profile_axis = 2;
  int sro_shells = 0;                    // Warren–Cowley shells recorded at sample times; 0: none
  bool structure_factor = false;         // record S(k) shells and L = 2π/<k>
  bool domains = false;                  // record the number of like-occupant domains
  int domain_min_sites = 1;              // of at least this many sites
  bool crossings = false;                // count crossings of the planes normal to crossing_axis
  int crossing_axis = -1;                // 0..2; -1: the [initial] axis
  std::string checkpoint;                // checkpoint HDF5 path; empty: none
  std::int64_t checkpoint_every = 0;     // events of a replica between checkpoints; 0: off
  double checkpoint_every_s = 0.0;       // wall-clock s between checkpoints; 0: off
};

struct RunSpec {
  std::string source_path;               // input file as given
  std::string source_text;               // the file after --set overrides (echoed to output)
  LatticeSpec lattice;
  CompositionSpec composition;
  DefectSpec defects;
  InitialSpec initial;
  std::vector<MechanismSpec> mechanisms;  // empty: prototype defaults
  BarrierSpec barriers;
  EnergySpec energy;
  KmcSpec kmc;
  McSpec mc;
  OutputSpec output;
  // "section.key" -> "file:line" (or "--set section.key=value"), so checks made
  // after parsing (against the built lattice) can still point at the input.
  std::map<std::string, std::string> key_locations;
  std::string where(const std::string& key) const {
    auto it = key_locations.find(key);
    return it == key_locations.end() ? source_path : it->second;
  }
};

}  // namespace hkmc::kmc
