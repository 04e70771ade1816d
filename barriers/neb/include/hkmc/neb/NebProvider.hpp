#pragma once
// The `neb` barrier provider: E_KRA of a hop from a climbing-image NEB with
// an interatomic potential, computed once per canonical environment key and
// kept in a concurrent cache that persists to HDF5 (docs/barrier_cache.md).
//
// Lookups are lock-free (tbb::concurrent_unordered_map); a missing key is
// computed by exactly one thread while others asking for it wait
// (std::call_once). The engine gathers the keys it misses and calls
// prepare(), which computes them as parallel oneTBB tasks with one libtorch
// thread each. A barrier is a pure function of its key and the settings, so
// the KMC trajectory does not depend on the thread count or on whether a
// barrier came from the file or was computed now.
#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hkmc/barriers/BarrierProvider.hpp"
#include "hkmc/neb/BarrierCacheFile.hpp"
#include "hkmc/neb/HopBarrier.hpp"

namespace hkmc::neb {

// HopBarrierSettings from the input's [barriers.neb] settings.
HopBarrierSettings hop_barrier_settings(const barriers::NebProviderSettings& settings);
// The same for split-pair hops: CI-NEB fmax = split_fmax_ev_per_a (must be in
// (0, 0.02] eV/Å: at the usual 0.05 their bands stop on higher paths).
HopBarrierSettings split_hop_barrier_settings(const barriers::NebProviderSettings& settings);

// What computes one record: compute_hop_barrier with the potential, or a
// stand-in (tests of the cache and the engine, where NEBs would be too slow).
using BarrierFunction = std::function<HopBarrierRecord(const HopRequest&)>;

class NebBarrierProvider final : public barriers::BarrierProvider {
 public:
  // Loads the potential and, when the cache file exists, its records (their
  // provenance is checked once the lattice is known, in attach()). A given
  // `function` replaces the NEB (its provenance says "custom function: <label>").
  NebBarrierProvider(const barriers::NebProviderSettings& settings, const lattice::SpeciesTable& species,
                     BarrierFunction function = {}, const std::string& function_label = "");
  ~NebBarrierProvider() override;

  std::string name() const override { return "neb"; }
  barriers::ProviderNeeds needs() const override { return {true, true}; }
  double e_kra(const barriers::HopContext& hop) const override;
  void check(const lattice::HopCatalog& catalog) const override;
  void attach(const lattice::HopCatalog& catalog) override;
  bool on_demand() const override { return true; }
  // With compute_missing = false the cache is only read (a missing key is an error).
  bool computes_missing() const override { return m_settings.compute_missing; }
  std::optional<double> find(const barriers::HopContext& hop) const override;
  void prepare(std::span<const lattice::EnvironmentKey> keys) const override;
  barriers::ProviderStatistics statistics() const override;
  void save() const override;

  // The NEB request a key stands for (in the class representative's orientation).
  // Split classes: throws InputError for a key with an occupied 12h site in
  // its environment (another pair); the record of such a key is flagged
  // (status failed, not computed), so it stops the run or blocks the hop
  // (on_unusable) like any unusable barrier.
  HopRequest request_of(const lattice::EnvironmentKey& key) const;
  // The record of a key, computing it if needed (throws like e_kra for an impossible request).
  const HopBarrierRecord& record(const lattice::EnvironmentKey& key) const;
  bool contains(const lattice::EnvironmentKey& key) const;
  // Computes the key's record again with the run's potential and settings,
  // outside the cache (which is not changed), collecting the structures the
  // computation went through: for `barriers inspect`. Throws Error for a
  // provider built on a custom barrier function.
  HopBarrierRecord recompute(const lattice::EnvironmentKey& key, HopBarrierTrace& trace) const;
  // The key in words (class signature, moving element, occupancy names).
  CacheRecord describe(const lattice::EnvironmentKey& key) const;
  const CacheProvenance& provenance() const { return m_provenance; }
  // Everything held: this run's records and the file's records for other
  // hop classes or species, as saved.
  CacheFile snapshot() const;

 private:
  struct Entry {
    std::once_flag once;
    std::atomic<bool> ready{false};
    HopBarrierRecord record;
  };
  struct ClassInfo {
    std::string signature;
    // Everything but the occupancy. Split classes: the lattice's 12h -> 12h
    // hop as given (origin, target: 12h sites; environment: X and 12h sites),
    // mapped by split_pair_request_from_sites in request_of.
    HopRequest geometry;
    bool split = false;
    std::vector<bool> split_site;  // split classes: template site k is a 12h site
  };
  Entry& entry(const lattice::EnvironmentKey& key) const;
  void compute(const lattice::EnvironmentKey& key, Entry& e) const;
  void take_records(const CacheFile& file, bool from_disk);
  void save_if_due() const;
  // The file saves go to: cache_save_file if set, else cache_file.
  const std::string& save_path() const;
  void count_hit() const;
  // E_KRA for a flagged record: +inf (hop blocked) or an error naming it.
  double unusable(const lattice::EnvironmentKey& key, const HopBarrierRecord& r) const;
  void count_miss() const;
  // Split classes: why the key cannot be computed (another pair), else empty.
  std::string blocker(const lattice::EnvironmentKey& key) const;

  barriers::NebProviderSettings m_settings;
  HopBarrierSettings m_hop_settings;
  HopBarrierSettings m_split_hop_settings;  // split-pair hops (CI-NEB fmax split_fmax)
  lattice::SpeciesTable m_species;
  std::shared_ptr<const Potential> m_potential;
  BarrierFunction m_function;
  CacheProvenance m_provenance;
  std::vector<ClassInfo> m_classes;
  std::map<std::string, int> m_class_of_signature;
  bool m_attached = false;
  std::mutex m_attach_mutex;
  std::unique_ptr<CacheFile> m_file;  // read in the constructor, taken in attach()

  struct Table;
  std::unique_ptr<Table> m_table;  // the concurrent map and counters (TBB kept out of this header)
  mutable std::mutex m_save_mutex;
  mutable std::vector<CacheRecord> m_foreign;  // file records this run cannot address
  mutable std::chrono::steady_clock::time_point m_last_save;
  mutable std::int64_t m_saved_hits = 0, m_saved_misses = 0, m_saved_computed = 0;  // at the last save
  mutable std::atomic<std::int64_t> m_loaded{0}, m_computed{0}, m_failed{0}, m_saves{0};
  mutable std::atomic<std::int64_t> m_compute_microseconds{0};
};

// Makes provider "neb" known to barriers::make_provider. Call once before
// reading inputs (the CLI does). Runs of one process with the same settings
// and species (the points of a sweep) share one cache: an environment met by
// several of them is computed once, and their counters are the cache's.
void register_neb_provider();

// The NEB provider behind a run's provider, or null if it is another kind.
const NebBarrierProvider* as_neb_provider(const barriers::BarrierProvider& provider);

}  // namespace hkmc::neb
