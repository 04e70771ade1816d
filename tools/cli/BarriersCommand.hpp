#pragma once
// `halide-kmc barriers {precompute,inspect,show,export,import,merge}`: the NEB barrier
// cache (docs/barrier_cache.md).
#include <CLI/CLI.hpp>

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

}  // namespace hkmc::cli
