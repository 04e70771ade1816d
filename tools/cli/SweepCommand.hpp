#pragma once
// `halide-kmc sweep` (a grid of runs over input keys, replicas in parallel,
// resumable, shardable) and `halide-kmc merge` (combine shard directories).
// The work is in the hkmc_sweep library; this file parses options and prints.
#include <CLI/CLI.hpp>
#include <string>

namespace hkmc::cli {

struct SweepCommands {
  CLI::App* sweep = nullptr;
  CLI::App* merge = nullptr;
};

// Registers both subcommands and their options on `app`.
SweepCommands add_sweep_commands(CLI::App& app);

// Runs whichever of the two was parsed; returns the exit code (0). Throws
// hkmc::InputError for invalid options or inputs (nothing is run or written)
// and hkmc::RuntimeError when a point fails (finished points stay saved).
int run_sweep_commands(const SweepCommands& commands, const std::string& command_line);

}  // namespace hkmc::cli
