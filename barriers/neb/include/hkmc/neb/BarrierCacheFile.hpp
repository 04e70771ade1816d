#pragma once
// The barrier cache on disk: NEB barrier records keyed by hop environment,
// with the provenance that makes them meaningful (docs/barrier_cache.md).
//
// A record's key is written in words so that it does not depend on a run's
// internal numbering: the hop class signature (mechanism kind, path type, hop
// length and environment size in lattice units), the moving element, and the
// canonical occupancy as element names ("Va" for an empty site) joined by ','.
//
// Files are assembled in memory and written to a temporary file that is
// fsynced and renamed over the old one, so a kill during a save leaves the
// previous file intact.
#include <cstdint>
#include <string>
#include <vector>

#include "hkmc/neb/HopBarrier.hpp"

namespace hkmc::neb {

inline constexpr const char* kCacheFormat = "halide-kmc barrier cache";
inline constexpr int kCacheFormatVersion = 1;

// What a record depends on besides its key. Two caches (or a cache and a run)
// may share records only when every compared field is equal.
struct CacheProvenance {
  std::string potential;          // the potential's description (compared)
  std::string potential_sha256;   // SHA-256 of the potential file; "builtin" for the C++ reference (compared)
  std::string settings;           // HopBarrierSettings::describe() (compared)
  std::string environment;        // how keys are made: prototype and r_env / a (compared)
  std::string program_version;    // halide-kmc version that wrote the file (recorded only)

  // One line per compared field that differs ("field: this '...' vs other '...'"); empty when they match.
  std::string difference(const CacheProvenance& other) const;
};

struct CacheRecord {
  std::string hop_class;   // class signature, e.g. "vacancy|B|d=0.7071|n=10"
  std::string moving;      // element
  std::string occupancy;   // canonical occupancy, element names joined by ','
  HopBarrierRecord barrier;

  std::string key() const { return hop_class + "#" + moving + "#" + occupancy; }
};

struct CacheFile {
  CacheProvenance provenance;
  std::vector<CacheRecord> records;
  // Lookups answered from / missing in the cache, summed over the runs that
  // saved into this file (for `barriers show`).
  std::int64_t usage_hits = 0;
  std::int64_t usage_misses = 0;
};

// Throws RuntimeError naming the file for anything unreadable, a foreign or
// damaged file, or a format version this program does not know.
CacheFile read_cache_file(const std::string& path);
// Writes atomically (temporary file, fsync, rename). Throws RuntimeError.
void write_cache_file(const std::string& path, const CacheFile& cache);

struct MergeReport {
  std::int64_t added = 0;       // records of `from` that `into` lacked
  std::int64_t duplicates = 0;  // records both had (the one in `into` is kept)
  std::int64_t conflicts = 0;   // duplicates whose E_KRA differs by more than 1e-6 eV
};
// Adds the records (and usage counts) of `from` to `into`. Throws Error naming the differences
// when the provenances do not match (`from_name` and `into_name` label them).
MergeReport merge_cache(CacheFile& into, const CacheFile& from, const std::string& into_name,
                        const std::string& from_name);

}  // namespace hkmc::neb
