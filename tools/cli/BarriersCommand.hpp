#pragma once
// `halide-kmc barriers {precompute,inspect,show,export,import,merge}`: the NEB barrier
// cache (docs/barrier_cache.md).
#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace hkmc::cli {

struct BarriersCommands {
  CLI::App* barriers = nullptr;
  CLI::App* precompute = nullptr;
  CLI::App* inspect = nullptr;
  CLI::App* show = nullptr;
  CLI::App* export_csv = nullptr;
  CLI::App* import_csv = nullptr;
  CLI::App* merge = nullptr;
};

BarriersCommands add_barriers_commands(CLI::App& app);
// Throws hkmc::InputError / hkmc::Error; main turns them into exit codes.
int run_barriers_commands(const BarriersCommands& commands);

// Merges cache files (same provenance) into `output`, which may be one of them;
// where two hold the same environment the earlier file's record is kept.
// Prints one line per file merged. Throws hkmc::Error on differing provenance.
void merge_cache_files(const std::vector<std::string>& caches, const std::string& output);

}  // namespace hkmc::cli
