#include "hkmc/sweep/SweepManifest.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "hkmc/common/Error.hpp"

namespace hkmc::sweep {

namespace fs = std::filesystem;
using nlohmann::json;

bool SweepManifest::same_sweep(const SweepManifest& o) const { return difference(o).empty(); }

std::string SweepManifest::difference(const SweepManifest& o) const {
  std::vector<std::string> why;
  if (base_input_toml != o.base_input_toml) why.push_back("the base input (after --set/--replicas)");
  bool axes_equal = axes.size() == o.axes.size();
  for (std::size_t i = 0; axes_equal && i < axes.size(); ++i)
    axes_equal = axes[i].key == o.axes[i].key && axes[i].values == o.axes[i].values;
  if (!axes_equal) why.push_back("the --vary keys or values");
  if (base_seed != o.base_seed) why.push_back("the seed");
  std::string out;
  for (const auto& w : why) out += (out.empty() ? "" : ", ") + w;
  return out;
}

std::string to_json(const SweepManifest& m) {
  json j;
  j["format"] = "halide-kmc-sweep";
  j["format_version"] = kSweepFormatVersion;
  j["input"] = m.input_path;
  j["base_seed"] = m.base_seed;
  j["seed_rule"] = "point i runs with seed base_seed + i; replica r of it uses stream r";
  j["points"] = m.points;
  json axes = json::array();
  for (const auto& a : m.axes) axes.push_back({{"key", a.key}, {"values", a.values}});
  j["vary"] = axes;
  j["base_input_toml"] = m.base_input_toml;
  return j.dump(1) + "\n";
}

SweepManifest manifest_from_json(const std::string& text, const std::string& source) {
  try {
    const json j = json::parse(text);
    if (j.at("format").get<std::string>() != "halide-kmc-sweep")
      throw InputError(source + ": not a halide-kmc sweep manifest");
    if (j.at("format_version").get<int>() != kSweepFormatVersion)
      throw InputError(source + ": sweep format version " + j.at("format_version").dump() +
                       "; this program reads version " + std::to_string(kSweepFormatVersion));
    SweepManifest m;
    m.input_path = j.at("input").get<std::string>();
    m.base_seed = j.at("base_seed").get<std::uint64_t>();
    m.points = j.at("points").get<int>();
    for (const auto& a : j.at("vary"))
      m.axes.push_back({a.at("key").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
    m.base_input_toml = j.at("base_input_toml").get<std::string>();
    return m;
  } catch (const json::exception& e) {
    throw InputError(source + ": unreadable sweep manifest (" + e.what() + ")");
  }
}

std::string manifest_path(const std::string& dir) { return (fs::path(dir) / "sweep.json").string(); }
std::string points_dir(const std::string& dir) { return (fs::path(dir) / "points").string(); }
std::string shard_cache_path(const std::string& dir) { return (fs::path(dir) / "barrier_cache.h5").string(); }
std::string point_json_path(const std::string& dir, int index) {
  return (fs::path(points_dir(dir)) / fmt::format("p{:05d}.json", index)).string();
}
std::string point_h5_path(const std::string& dir, int index) {
  return (fs::path(points_dir(dir)) / fmt::format("p{:05d}.h5", index)).string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw RuntimeError("cannot read '" + path + "'");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw RuntimeError("cannot write '" + tmp + "'");
    out << text;
    out.flush();
    if (!out) throw RuntimeError("writing '" + tmp + "' failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

SweepManifest read_manifest(const std::string& dir) {
  const std::string path = manifest_path(dir);
  if (!fs::exists(path)) throw InputError("'" + dir + "' is not a sweep directory (no sweep.json)");
  return manifest_from_json(read_file(path), path);
}

std::vector<PointResult> read_finished_points(const std::string& dir, const SweepManifest& manifest) {
  std::vector<PointResult> out;
  const fs::path pdir = points_dir(dir);
  if (!fs::is_directory(pdir)) return out;
  const std::vector<SweepPoint> grid = expand_grid(manifest.axes);
  static const std::regex name(R"(p(\d+)\.json)");
  for (const auto& entry : fs::directory_iterator(pdir)) {
    std::smatch m;
    const std::string file = entry.path().filename().string();
    if (!std::regex_match(file, m, name)) continue;
    const std::string path = entry.path().string();
    PointResult r = point_from_json(read_file(path), path);
    if (r.index < 0 || r.index >= static_cast<int>(grid.size()) || std::stoi(m[1].str()) != r.index)
      throw RuntimeError(fmt::format("{}: point index {} is not a point of this sweep's grid (0..{})", path,
                                     r.index, grid.size() - 1));
    if (r.parameters != grid[r.index].parameters)
      throw RuntimeError(path + ": its parameters are not those of point " + std::to_string(r.index) +
                         " of this sweep's grid");
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return out;
}

void clear_sweep_files(const std::string& dir) {
  static const std::regex ours(R"(p\d+\.(json|h5)(\.tmp\d*)?)");
  if (fs::is_directory(points_dir(dir)))
    for (const auto& e : fs::directory_iterator(points_dir(dir)))
      if (std::regex_match(e.path().filename().string(), ours)) fs::remove(e.path());
  for (const char* name : {"sweep.csv", "arrhenius.csv", "crossings.csv", "sweep.h5", "sweep.json"}) fs::remove(fs::path(dir) / name);
}

}  // namespace hkmc::sweep
