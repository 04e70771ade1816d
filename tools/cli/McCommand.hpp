#pragma once
// `halide-kmc mc INPUT.toml`: equilibrium Metropolis Monte Carlo on the run's
// lattice Hamiltonian; prints the energy and Warren–Cowley short-range order
// with uncertainties, optionally writes them as JSON.
#include <CLI/CLI.hpp>

namespace hkmc::cli {

CLI::App* add_mc_command(CLI::App& app);
// Throws hkmc::InputError / hkmc::Error; main turns them into exit codes.
int run_mc_command();

}  // namespace hkmc::cli
