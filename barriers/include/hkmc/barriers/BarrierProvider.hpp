#pragma once
// Where hop barriers come from. A provider returns the kinetically resolved
// barrier E_KRA (eV) of one hop; the rate law adds the end-state energy
// difference and the field (RateLaw). Queries are const and side-effect free
// so they can run in parallel.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/Species.hpp"

namespace hkmc::barriers {

// What a provider needs the engine to gather for each hop.
struct ProviderNeeds {
  bool environment = false;    // the hop's environment (and species counts in it)
  bool canonical_key = false;  // its canonical key (implies environment)
};

// Everything a provider may read about one hop.
struct HopContext {
  const lattice::HopClass& hop_class;
  std::string_view mechanism;             // mechanism name
  std::string_view path_type;             // e.g. "B", "B'", "-"
  lattice::Occupant moving_species;       // the ion that jumps
  std::span<const int> species_counts;    // by species code (index 0 = empty sites); empty if not gathered
  std::string_view environment;           // raw environment string in template order; empty if not gathered
  const lattice::EnvironmentKey* key = nullptr;  // canonical key; null unless needs().canonical_key
};

// Counters of an on-demand provider (the NEB barrier cache), for run outputs.
struct ProviderStatistics {
  bool on_demand = false;      // false: the other fields are meaningless
  std::int64_t entries = 0;    // barriers held (loaded + computed)
  std::int64_t loaded = 0;     // of which read from the cache file
  std::int64_t hits = 0;       // lookups answered from memory
  std::int64_t misses = 0;     // lookups that found nothing (each led to one computation or a wait)
  std::int64_t computed = 0;   // barriers computed in this process (NEBs)
  std::int64_t failed = 0;     // of which unusable (flagged, never used as a barrier)
  std::int64_t blocked = 0;    // lookups of unusable barriers answered "blocked" (rate 0)
  double compute_seconds = 0;  // wall time inside computations, summed over threads
  std::int64_t saves = 0;      // cache files written
  std::string cache_file;      // empty: not persisted
};

class BarrierProvider {
 public:
  virtual ~BarrierProvider() = default;
  virtual std::string name() const = 0;
  virtual ProviderNeeds needs() const = 0;
  // E_KRA (eV) of a hop. Throws RuntimeError if the provider has no value for it.
  virtual double e_kra(const HopContext& hop) const = 0;
  // Once the lattice is built: every mechanism and path type of the catalog
  // must be covered and every name the provider was given must exist.
  virtual void check(const lattice::HopCatalog& catalog) const = 0;
  // Called once, before check(), by the model that owns the provider: providers
  // that build something from the hop geometry keep what they need of it.
  virtual void attach(const lattice::HopCatalog& /*catalog*/) {}

  // On-demand providers (the NEB cache) compute barriers when first asked.
  // find() only looks; prepare() computes the missing barriers of many hops
  // at once (in parallel), after which e_kra() finds them. For the others
  // find() is e_kra() and prepare() does nothing.
  virtual bool on_demand() const { return false; }
  // Whether a lookup may compute a barrier (run an NEB). A provider for which
  // it is false only reads, and its e_kra() may be called from several
  // threads at once (the sector-parallel engine).
  virtual bool computes_missing() const { return on_demand(); }
  virtual std::optional<double> find(const HopContext& hop) const { return e_kra(hop); }
  virtual void prepare(std::span<const lattice::EnvironmentKey> /*keys*/) const {}
  virtual ProviderStatistics statistics() const { return {}; }
  // Persists what was computed (the cache file); throws RuntimeError on failure.
  virtual void save() const {}
};

// Settings of the `neb` provider (docs/input/barriers.md, docs/barrier_cache.md).
struct NebProviderSettings {
  std::string potential = "buckingham_coulomb";  // kind, or a TorchScript file (absolute)
  std::string cache_file;                        // HDF5; empty: in memory only
  // Where computed barriers are saved, when not into cache_file (the shards of
  // a sweep each save into their own directory; cache_file is then only read).
  // Records already there are loaded too, so a restarted shard keeps them.
  std::string cache_save_file;
  bool compute_missing = true;                   // false: a missing barrier is an error
  // A barrier whose NEB is flagged (not converged, pathological, failed):
  // false stops the run naming it; true blocks that hop (rate 0, in both
  // directions: they share the key) and counts it.
  bool block_unusable = false;
  int images = 5;
  double spring_ev_per_a2 = 0.1;
  double fmax_ev_per_a = 0.05;                   // CI-NEB convergence
  // CI-NEB convergence of split-pair hops, in (0, 0.02]: at 0.05 their bands
  // stop on higher paths (docs/neb.md). In the provenance only when the
  // catalog has split classes.
  double split_fmax_ev_per_a = 0.01;
  double relax_fmax_ev_per_a = 0.01;             // end-state relaxation
  int max_steps = 1000;
  int cell_repeats = 3;                          // NEB cell n×n×n unit cells
  std::map<std::string, double> lattice_constants;  // Å per pure halide (Vegard); empty: defaults
  double save_every_s = 60.0;                    // cache saves at most this often during a run
  int threads = 0;                               // parallel NEBs; 0 = all cores
};

// Settings of every built-in provider (only the chosen provider's are used).
struct ProviderSettings {
  std::string provider = "constant";
  double e_kra_ev = 0.25;                                // constant: default (eV)
  std::map<std::string, double> e_kra_overrides;         // "mechanism" or "mechanism/path" -> eV
  double model_e0_ev = 0.25;                             // model: intercept (eV)
  std::map<std::string, double> model_slopes_ev;         // model: species -> eV per ion in the environment
  std::string table_file;                                // table: CSV path
  NebProviderSettings neb;                               // neb: potential, cache, NEB settings
  // Any provider: E_KRA + σ·z(key, seed), z ~ N(0, 1) per canonical key
  // (PerturbedProvider.hpp); 0 = off.
  double perturbation_sigma_ev = 0.0;
  std::uint64_t perturbation_seed = 0;
};

// A provider outside this library (the NEB provider needs libtorch) makes
// itself known here; make_provider then creates it by name.
using ProviderFactory = std::function<std::unique_ptr<BarrierProvider>(
    const ProviderSettings&, const lattice::SpeciesTable&)>;
void register_provider(const std::string& name, ProviderFactory factory);

// The names make_provider accepts, in the order the docs list them.
const std::vector<std::string>& provider_names();
// The one registry of built-in providers. Throws InputError for unknown names.
std::unique_ptr<BarrierProvider> make_provider(const ProviderSettings& settings,
                                               const lattice::SpeciesTable& species);

}  // namespace hkmc::barriers
