#pragma once
// What a sweep directory holds: `sweep.json` names the sweep (the base input
// after --set, the varied keys and their values, hence every point), and
// `points/pNNNNN.{h5,json}` hold the finished points. Two directories belong
// to the same sweep when their manifests agree on the base input and the
// axes; only then are they resumed into or merged.
#include <string>
#include <vector>

#include "hkmc/sweep/PointResult.hpp"
#include "hkmc/sweep/SweepGrid.hpp"

namespace hkmc::sweep {

inline constexpr int kSweepFormatVersion = 1;

struct SweepManifest {
  std::string input_path;        // as given on the command line (informative)
  std::string base_input_toml;   // base input after --set (and --replicas)
  std::uint64_t base_seed = 0;   // [kmc] seed of the base input; point i uses base_seed + i
  std::vector<VaryAxis> axes;
  int points = 0;

  bool same_sweep(const SweepManifest& other) const;
  // What differs from `other`, for messages ("the varied keys", ...).
  std::string difference(const SweepManifest& other) const;
};

std::string to_json(const SweepManifest& manifest);
SweepManifest manifest_from_json(const std::string& text, const std::string& source);

// Paths inside a sweep directory.
std::string manifest_path(const std::string& dir);
std::string points_dir(const std::string& dir);
std::string point_json_path(const std::string& dir, int index);
std::string point_h5_path(const std::string& dir, int index);
// The NEB barrier cache a shard saves into (its input's cache is only read).
std::string shard_cache_path(const std::string& dir);

// Reads dir/sweep.json; throws hkmc::InputError when it is missing or unreadable.
SweepManifest read_manifest(const std::string& dir);

// Every finished point in `dir` (those whose JSON exists), sorted by index;
// each is checked against the grid of `manifest` (its index exists and its
// parameters are that point's). Throws hkmc::RuntimeError on a mismatch.
std::vector<PointResult> read_finished_points(const std::string& dir, const SweepManifest& manifest);

// Writes `text` to a temporary file unique to this process next to `path`
// and renames it into place, so readers and concurrent writers never see a
// partial file.
void write_file_atomically(const std::string& path, const std::string& text);
std::string read_file(const std::string& path);

// Removes the files a sweep writes (manifest, tables, point files and their
// temporaries) from `dir`, and nothing else.
void clear_sweep_files(const std::string& dir);

}  // namespace hkmc::sweep
