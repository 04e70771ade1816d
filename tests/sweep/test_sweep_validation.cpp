// Statistical checks of what a sweep reports, with fixed seeds (a few
// seconds on two cores):
//  - an Arrhenius sweep of the constant-barrier vacancy random walk recovers
//    E_a = E_KRA and D0 = ν z d²/6 for the vacancy (per-defect) D within 3σ;
//  - the half-run convergence flag fires on an honestly non-stationary run
//    (an I/Br bilayer interdiffusing, with composition-dependent barriers, so
//    D falls as the layers mix) and stays quiet on the same system started
//    mixed.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "hkmc/common/Units.hpp"
#include "hkmc/sweep/SweepRunner.hpp"
#include "hkmc/sweep/SweepTables.hpp"

namespace fs = std::filesystem;
using namespace hkmc;

namespace {

struct Scratch {
  fs::path dir;
  Scratch() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("hkmc_sweepval_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return (dir / name).string();
  }
};

const sweep::Column& column(const sweep::Table& t, const std::string& name) {
  for (const auto& c : t)
    if (c.name == name) return c;
  FAIL("no column " << name);
  return t.front();
}

}  // namespace

TEST_CASE("Arrhenius sweep of the vacancy random walk recovers E_KRA and nu z d^2/6") {
  // 12 vacancies among 1536 X sites; each hops to its z = 8 edge neighbours at
  // d = a/√2 with Γ = ν exp(-E_KRA/k_B T), so D_V = Γ z d²/6 exactly up to the
  // vacancies blocking each other (z lowered by ~8·11/1536, 0.7%, far below the errors).
  const double a = 6.0, e_kra = 0.30, nu = 1e13;  // Å, eV, Hz
  Scratch s;
  const std::string input = s.write("walk.toml", R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [8, 8, 8]
[composition]
Br = 1.0
[defects]
vacancies = 12
[barriers]
provider = "constant"
E_kra = 0.30
attempt_frequency = 1e13
[kmc]
temperature = 300.0
steps = 200000
seed = 7
replicas = 8
blocks = 10
)");
  sweep::SweepOptions o;
  o.input_path = input;
  o.vary = {"kmc.temperature=300:600:100"};
  o.out_dir = (s.dir / "out").string();
  const auto report = sweep::run_sweep(sweep::plan_sweep(o));
  REQUIRE(report.results.size() == 4);
  const auto table = sweep::arrhenius_table(sweep::read_manifest(o.out_dir), report.results);
  const auto& quantity = column(table, "quantity");
  std::size_t row = 0;
  while (row < quantity.texts.size() && quantity.texts[row] != "vacancy") ++row;
  REQUIRE(row < quantity.texts.size());
  const double ea = column(table, "Ea_eV").numbers[row], ea_err = column(table, "Ea_err_eV").numbers[row];
  const double d0 = column(table, "D0_cm2_s").numbers[row], d0_err = column(table, "D0_err_cm2_s").numbers[row];
  const double d = a / std::sqrt(2.0), z = 8;
  const double d0_exact = nu * z * d * d / 6 * units::kAngstrom2_per_s_to_cm2_per_s;  // 0.024 cm²/s
  INFO("E_a = " << ea << " ± " << ea_err << " eV, D0 = " << d0 << " ± " << d0_err << " cm²/s (exact "
                << d0_exact << ")");
  CHECK(column(table, "points_used").numbers[row] == 4);
  CHECK(std::abs(ea - e_kra) < 3 * ea_err);
  CHECK(std::abs(d0 - d0_exact) < 3 * d0_err);
  // Not trivial: the error bars are tight enough to mean something.
  CHECK(ea_err < 0.01);
  CHECK(d0_err < 0.25 * d0_exact);
}

TEST_CASE("the convergence flag fires on an interdiffusing bilayer and not on the mixed start") {
  const std::string common = R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [4, 4, 8]
[composition]
I = 0.5
Br = 0.5
[defects]
vacancy_fraction = 0.03
[barriers]
provider = "model"
E0 = 0.20
slope = { Br = 0.03 }
[kmc]
temperature = 300.0
steps = 400000
seed = 5
replicas = 4
blocks = 10
)";
  // Bilayer: 4 cells of CsPbI3 on 4 of CsPbBr3. Hops in pure I cost 0.20 eV,
  // in mixed surroundings ~0.1 eV more, so D falls as the layers mix within
  // the run: the first half is faster than the second.
  const std::string layers = R"(
[initial]
type = "layers"
axis = "z"
[[initial.layers]]
cells = 4
composition = { I = 1.0 }
[[initial.layers]]
cells = 4
composition = { Br = 1.0 }
)";
  Scratch s;
  auto run = [&](const std::string& name, const std::string& text) {
    sweep::SweepOptions o;
    o.input_path = s.write(name + ".toml", text);
    o.vary = {"kmc.seed=5"};
    o.out_dir = (s.dir / name).string();
    return sweep::run_sweep(sweep::plan_sweep(o)).results.at(0);
  };
  const auto bilayer = run("bilayer", common + layers);
  const auto mixed = run("mixed", common);
  const auto& i_bilayer = bilayer.species.at(bilayer.species[0].name == "I" ? 0 : 1);
  INFO("bilayer D_I halves " << i_bilayer.first_half_d_cm2_s.value << ", " << i_bilayer.second_half_d_cm2_s.value
                             << "; largest half difference " << bilayer.max_half_difference_sigmas()
                             << " σ; mixed start " << mixed.max_half_difference_sigmas() << " σ");
  CHECK(i_bilayer.first_half_d_cm2_s.value > 2 * i_bilayer.second_half_d_cm2_s.value);
  CHECK(bilayer.converged() == 0);
  CHECK(bilayer.max_half_difference_sigmas() > 5);
  // The stationary control: a 2σ rule fires by chance ~5% per quantity, so
  // allow that but not a strong signal.
  CHECK(mixed.converged() != -1);
  CHECK(mixed.max_half_difference_sigmas() < 4);
}
