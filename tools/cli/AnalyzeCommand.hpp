#pragma once
// `halide-kmc analyze OUT.h5`: prints the tables of a finished (or
// interrupted) run from its HDF5 output: run parameters, tracer diffusion
// with errors, drift and current when a field was applied, the segregation
// time series (Warren–Cowley α, L from S(k), domain counts) averaged over
// replicas, and a summary of the concentration profiles.
#include <CLI/CLI.hpp>

namespace hkmc::cli {

CLI::App* add_analyze_command(CLI::App& app);
// Throws hkmc::InputError for a missing, unreadable or foreign file.
int run_analyze_command();

}  // namespace hkmc::cli
