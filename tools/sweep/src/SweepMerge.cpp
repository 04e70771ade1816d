#include "hkmc/sweep/SweepMerge.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <map>

#include "hkmc/common/Error.hpp"
#include "hkmc/sweep/SweepManifest.hpp"
#include "hkmc/sweep/SweepTables.hpp"

namespace hkmc::sweep {
namespace {

namespace fs = std::filesystem;

// A point's result without what legitimately differs between two runs of it.
std::string comparable(PointResult p) {
  p.wall_s = 0.0;
  return to_json(p);
}

bool same_directory(const std::string& a, const std::string& b) {
  std::error_code ec;
  return fs::exists(a) && fs::exists(b) && fs::equivalent(a, b, ec);
}

}  // namespace

MergeReport merge_sweeps(const std::vector<std::string>& given, const std::string& out_dir, bool force) {
  std::vector<std::string> inputs = given;
  const auto start = std::chrono::steady_clock::now();
  if (inputs.empty()) throw InputError("merge: no input directories");
  std::vector<SweepManifest> manifests;
  std::vector<std::string> problems;
  for (const auto& dir : inputs) {
    try {
      manifests.push_back(read_manifest(dir));
    } catch (const InputError& e) {
      problems.push_back(e.what());
    }
  }
  if (!problems.empty()) throw InputError(problems);
  const SweepManifest& manifest = manifests.front();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    if (!manifests[i].same_sweep(manifest))
      problems.push_back(fmt::format("merge: '{}' holds a different sweep from '{}' ({} differ)", inputs[i],
                                     inputs[0], manifests[i].difference(manifest)));
  }
  bool clear = false;
  if (fs::exists(manifest_path(out_dir))) {
    const SweepManifest existing = read_manifest(out_dir);
    if (existing.same_sweep(manifest)) {
      // Its finished points count too (and must agree with the inputs').
      bool listed = false;
      for (const auto& dir : inputs) listed = listed || same_directory(dir, out_dir);
      if (!listed) inputs.push_back(out_dir);
    } else if (force) {
      clear = true;
    } else {
      problems.push_back(fmt::format("merge: --out {} holds a different sweep ({} differ); choose another "
                                     "--out or pass --force",
                                     out_dir, existing.difference(manifest)));
    }
  } else if (fs::exists(out_dir) && !(fs::is_directory(out_dir) && fs::is_empty(out_dir)) && !force) {
    problems.push_back(fmt::format("merge: --out {} exists and is not a sweep directory (no sweep.json); "
                                   "choose another --out",
                                   out_dir));
  }
  if (!problems.empty()) throw InputError(problems);
  if (clear) clear_sweep_files(out_dir);

  // Each point from the first input that has it; the others must agree.
  std::map<int, std::pair<std::string, PointResult>> chosen;
  for (const auto& dir : inputs) {
    for (auto& p : read_finished_points(dir, manifest)) {
      auto it = chosen.find(p.index);
      if (it == chosen.end()) {
        chosen.emplace(p.index, std::make_pair(dir, std::move(p)));
      } else if (comparable(it->second.second) != comparable(p)) {
        throw RuntimeError(fmt::format("merge: point {} has different results in '{}' and '{}'; they were "
                                       "not computed by the same program and input",
                                       p.index, it->second.first, dir));
      }
    }
  }

  MergeReport report;
  report.points_total = manifest.points;
  report.points_found = static_cast<int>(chosen.size());
  for (int i = 0; i < manifest.points; ++i)
    if (!chosen.count(i)) report.missing.push_back(i);

  fs::create_directories(points_dir(out_dir));
  write_file_atomically(manifest_path(out_dir), to_json(manifest));
  std::vector<PointResult> points;
  for (auto& [index, entry] : chosen) {
    const auto& [dir, point] = entry;
    if (!same_directory(dir, out_dir)) {
      const std::string h5 = point_h5_path(dir, index);
      if (fs::exists(h5)) {
        const std::string tmp = point_h5_path(out_dir, index) + ".tmp";
        fs::copy_file(h5, tmp, fs::copy_options::overwrite_existing);
        fs::rename(tmp, point_h5_path(out_dir, index));
      }
      write_file_atomically(point_json_path(out_dir, index), read_file(point_json_path(dir, index)));
      ++report.copied;
    }
    points.push_back(point);
  }
  write_sweep_tables(out_dir, manifest, points);
  report.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace hkmc::sweep
