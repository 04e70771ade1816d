#pragma once
// `halide-kmc fit-hamiltonian SETTINGS.toml`: samples I/Br configurations of
// cubic CsPb(I,Br)3 supercells (with and without a halide vacancy or
// interstitial), relaxes them at fixed cell with an interatomic potential (the
// NN model, or the reference Buckingham–Coulomb), and fits the lattice
// Hamiltonian's cluster interactions to the relaxed energies by least squares
// (HamiltonianFit.hpp). Writes the Hamiltonian file (docs/hamiltonian.md
// format, provenance in its header) and a parity table (CSV).
// Settings: docs/input/fit_hamiltonian.md.
#include <CLI/CLI.hpp>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace hkmc::cli {

struct FitSettings {
  std::string source;  // the settings file

  // [potential]
  std::string potential = "buckingham_coulomb";  // "buckingham_coulomb" or "torchscript"
  std::string model;                              // TorchScript file (absolute, or as given)
  std::string model_as_written;                   // for the provenance header

  // [cell]
  int supercell = 3;                           // n: n×n×n cubic unit cells
  bool vegard = true;                          // a from each sample's Br fraction ...
  std::array<double, 2> vegard_a{6.20, 5.76};  // ... a(x) = a0 + (a1 − a0) x, Å
  double fixed_a = 0.0;                        // otherwise this, Å

  // [sampling]
  std::uint64_t seed = 1;
  std::vector<double> x_br;                   // Br fractions of the X sites
  int samples = 4;                            // per composition and defect kind
  std::vector<std::string> defects{"none"};   // "none", "vacancy", "interstitial"

  // [relax]
  double fmax = 0.02;  // eV/Å
  int max_steps = 3000;
  double rattle = 0.0;  // Å: each Cartesian coordinate displaced uniformly in [−rattle, rattle] before relaxing

  // [fit]
  int pair_shells = 1;               // X–X shells of I–Br pairs
  int vacancy_pair_shells = 1;       // X–X shells of vacancy–halide pairs (with "vacancy")
  int interstitial_pair_shells = 1;  // X–i shells of halide–interstitial pairs (with "interstitial")
  bool triplets = false;             // nearest-neighbour X triangles (I/Br only)

  // [output]
  std::string hamiltonian;  // resolved against the settings file's directory
  std::string parity;
  std::string description;

  bool has(const std::string& defect) const;
};

// Reads and checks the settings; every problem (file:line, key, value, what
// is allowed) goes into one InputError. Paths are resolved against the
// settings file's directory.
FitSettings read_fit_settings(const std::string& path);

CLI::App* add_fit_hamiltonian_command(CLI::App& app);
// Throws hkmc::InputError / hkmc::Error; main turns them into exit codes.
int run_fit_hamiltonian_command();

}  // namespace hkmc::cli
