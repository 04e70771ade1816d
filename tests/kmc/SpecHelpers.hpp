#pragma once
// Builds RunSpecs in code for engine tests (the TOML reader has its own tests).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "hkmc/kmc/RunSpec.hpp"

namespace hkmc::test {

inline kmc::RunSpec perovskite_spec(double a, int n, std::map<std::string, double> composition,
                                    std::int64_t vacancies, std::int64_t steps) {
  kmc::RunSpec s;
  s.source_path = "test";
  s.lattice.prototype = "perovskite";
  s.lattice.a_angstrom = a;
  s.lattice.supercell = {n, n, n};
  s.composition.fractions = std::move(composition);
  s.defects.vacancies = vacancies;
  s.barriers.provider = "constant";
  s.barriers.e_kra_ev = 0.25;
  s.kmc.temperature_k = 300;
  s.kmc.steps = steps;
  s.kmc.seed = 11;
  s.kmc.replicas = 1;
  return s;
}

// Writes `text` to a fresh file in the temporary directory and returns its path.
inline std::string write_temp_file(const std::string& prefix, const std::string& text) {
  static int counter = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

// The Hamiltonian of the enumerated detailed-balance tests: one vacancy and
// one Br attract as nearest neighbours, repel at the second shell; unlike
// I-Br pairs cost energy; with `triplet`, a Va-Br-I triangle term too.
inline std::string small_system_hamiltonian(bool triplet) {
  std::string text = R"(
[[pair]]
sublattices = ["X", "X"]
shell = 1
species = ["Va", "Br"]
J = -0.08
[[pair]]
sublattices = ["X", "X"]
shell = 1
species = ["I", "Br"]
J = 0.02
[[pair]]
sublattices = ["X", "X"]
shell = 2
species = ["Va", "Br"]
J = 0.05
)";
  if (triplet) text += "[[triplet]]\nsublattice = \"X\"\nspecies = [\"Va\", \"Br\", \"I\"]\nK = 0.03\n";
  return write_temp_file("hkmc_small_h", text);
}

}  // namespace hkmc::test
