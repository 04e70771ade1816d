#pragma once
// `halide-kmc merge`: combines the directories of a sweep's shards (or of
// interrupted runs of it) into one directory with the same tables as a single
// run. The inputs must hold the same sweep (same manifest); a point found in
// several inputs must have the same result in each (wall time aside) or the
// merge fails. Point files are copied into out_dir (run file first, then the
// JSON that marks the point finished), so out_dir is a complete sweep
// directory that `halide-kmc sweep` can resume to compute missing points.
#include <string>
#include <vector>

namespace hkmc::sweep {

struct MergeReport {
  int points_total = 0;
  int points_found = 0;
  std::vector<int> missing;  // indices of points no input had
  int copied = 0;            // point files copied into out_dir
  double wall_s = 0.0;
};

// Throws hkmc::InputError when the inputs are not one sweep or out_dir holds
// another sweep (unless `force`), hkmc::RuntimeError on conflicting results.
MergeReport merge_sweeps(const std::vector<std::string>& inputs, const std::string& out_dir, bool force);

}  // namespace hkmc::sweep
