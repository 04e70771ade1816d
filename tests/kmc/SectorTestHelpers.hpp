#pragma once
// The small sector-parallel case the sector and checkpoint tests share, and
// the observables compared between serial and sector-parallel runs: tracer D per
// species, vacancy D (mean ± replica standard error) and the first-shell
// Warren–Cowley α between the first two species at the end of the run (mean ±
// standard error over replicas; needs output.sro_shells >= 1).
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "SpecHelpers.hpp"
#include "hkmc/kmc/Simulation.hpp"

namespace hkmc::test {

// A vacancy that prefers Br neighbours and unlike halides that repel: tracer
// D of I and Br differ and rates change with every neighbour's move, while
// the fastest hop stays within ~10× the typical one (the window is 0.5/Γ_max).
inline std::string moderate_hamiltonian() {
  return write_temp_file("hkmc_sector_h", R"(
[[pair]]
sublattices = ["X", "X"]
shell = 1
species = ["Va", "Br"]
J = -0.02
[[pair]]
sublattices = ["X", "X"]
shell = 1
species = ["I", "Br"]
J = 0.01
)");
}

// 16³ cells (12,288 X sites), I0.5Br0.5 with 1 % vacancies.
inline kmc::RunSpec small_mixed_spec(int cells, double time_s) {
  auto s = perovskite_spec(5.87, cells, {{"I", 0.5}, {"Br", 0.5}}, 0, 1);
  s.defects.vacancies.reset();
  s.defects.vacancy_fraction = 0.01;
  s.energy.hamiltonian_file = moderate_hamiltonian();
  s.kmc.steps.reset();
  s.kmc.time_s = time_s;
  s.kmc.blocks = 4;
  s.output.sro_shells = 1;
  return s;
}

inline kmc::RunSpec as_sectors(kmc::RunSpec s, std::array<int, 3> sectors, double window) {
  s.kmc.parallel = "sectors";
  s.kmc.sectors = sectors;
  s.kmc.sector_window = window;
  return s;
}

struct ComparedValue {
  std::string name;
  double value = 0.0;
  double error = 0.0;
};

inline std::vector<ComparedValue> sector_observables(const kmc::RunSpec& spec) {
  kmc::Simulation sim(spec);
  const auto results = sim.run();
  const auto stats = kmc::summarize(results, sim.model().species());
  std::vector<ComparedValue> out;
  for (const auto& s : stats.species) out.push_back({"D*(" + s.name + ")", s.d_cm2_s.value, s.d_cm2_s.error});
  for (const auto& d : stats.defects) out.push_back({"D(" + d.type + ")", d.d_cm2_s.value, d.d_cm2_s.error});
  // α of the pair (code 1, code 2) in shell 1: ShortRangeOrder's shells × codes × codes layout.
  const int codes = static_cast<int>(sim.model().species().size()) + 1;
  double sum = 0.0, sum_sq = 0.0;
  for (const auto& r : results) {
    const double a = r.segregation.back().alpha.at(1 * codes + 2);
    sum += a;
    sum_sq += a * a;
  }
  const double n = static_cast<double>(results.size());
  const double mean = sum / n;
  out.push_back({"alpha_1(1,2)", mean, std::sqrt(std::max(0.0, sum_sq / n - mean * mean) / (n - 1))});
  return out;
}

// Each value within 3 combined standard errors, and the errors small enough
// (< 10 % of the value, or of 0.05 for α) that agreement means something.
inline void check_agreement(const std::vector<ComparedValue>& serial, const std::vector<ComparedValue>& sectors) {
  REQUIRE(serial.size() == sectors.size());
  for (std::size_t i = 0; i < serial.size(); ++i) {
    const auto& a = serial[i];
    const auto& b = sectors[i];
    const double combined = std::sqrt(a.error * a.error + b.error * b.error);
    MESSAGE(a.name << ": serial " << a.value << " ± " << a.error << ", sectors " << b.value << " ± " << b.error
                   << ", difference " << (b.value - a.value) / combined << " σ");
    const double scale = a.name.rfind("alpha", 0) == 0 ? 0.05 : std::abs(a.value);
    CHECK(combined < 0.1 * scale);
    CHECK(std::abs(a.value - b.value) < 3 * combined);
  }
}

}  // namespace hkmc::test
