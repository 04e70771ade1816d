// Validation of sector-parallel KMC on a large box (label `validation`):
// 128³ perovskite cells (6.3 M X sites), CsPb(I0.5Br0.5)3 with 1 % vacancies,
// constant E_KRA and the shipped I–Br Hamiltonian (inputs/hamiltonians/
// cspb_ibr_nn.toml). Serial and sector runs at the default window must give
// the same tracer D per species, vacancy D and first-shell α within 3
// combined standard errors over 4 replicas each (docs/sector_kmc.md).
#include <doctest/doctest.h>

#include "SectorTestHelpers.hpp"
#include "SpecHelpers.hpp"

using namespace hkmc;

TEST_CASE("128³ mixed halide: sector-parallel KMC at the default window agrees with serial KMC") {
  auto s = test::perovskite_spec(6.08, 128, {{"I", 0.5}, {"Br", 0.5}}, 0, 1);
  s.defects.vacancies.reset();
  s.defects.vacancy_fraction = 0.01;
  s.energy.hamiltonian_file = std::string(HKMC_SOURCE_DIR) + "/inputs/hamiltonians/cspb_ibr_nn.toml";
  s.kmc.steps.reset();
  s.kmc.time_s = 1e-8;  // about 50 hops per vacancy
  s.kmc.replicas = 4;
  s.kmc.blocks = 4;
  s.output.samples = 4;
  s.output.sro_shells = 1;
  const auto serial = test::sector_observables(s);
  s.kmc.parallel = "sectors";
  const auto sectors = test::sector_observables(s);
  test::check_agreement(serial, sectors);
}
