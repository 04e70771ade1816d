#pragma once
// `halide-kmc neb`: one climbing-image NEB for a halide-vacancy edge hop in a
// cubic CsPbX3 supercell, with the reference potential or a TorchScript model.
#include <CLI/CLI.hpp>

namespace hkmc::cli {

// Registers the `neb` subcommand and its options on `app`; returns it so
// main can test `if (*neb)` after parsing.
CLI::App* add_neb_command(CLI::App& app);

// Runs the NEB with the parsed options and prints the path; returns the exit
// code (0). Throws hkmc::InputError for bad options or files and
// hkmc::RuntimeError when the NEB does not converge (after writing the path),
// so main turns them into exit codes 2 and 3.
int run_neb_command();

}  // namespace hkmc::cli
