#pragma once
// Builds RunSpecs in code for engine tests (the TOML reader has its own tests).
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

}  // namespace hkmc::test
