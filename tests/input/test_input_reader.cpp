// Tests of the TOML input reader (hkmc::input). Error messages are part of the
// contract: each bad-input case checks the key, the value as written and the
// file:line (or --set) in the message, not just that something was thrown.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"

namespace fs = std::filesystem;
using doctest::Contains;
using hkmc::InputError;
using hkmc::input::read_input_file;
using hkmc::input::read_input_string;

namespace {

// A minimal valid input; the line numbers in the expected messages below
// count from here (line 1 is [lattice], line 8 is temperature, appended text
// starts at line 10).
const std::string kMinimal = R"([lattice]
prototype = "perovskite"
a = 6.3
supercell = [4, 4, 4]
[composition]
I = 1.0
[kmc]
temperature = 300
steps = 1000
)";

hkmc::kmc::RunSpec parse(const std::string& text, const std::vector<std::string>& overrides = {}) {
  return read_input_string(text, "input.toml", overrides);
}

// kMinimal with its line `line` (1-based) replaced by `text` (which may hold
// several lines: later line numbers then shift).
std::string replaced(int line, const std::string& text) {
  std::istringstream in(kMinimal);
  std::string out, current;
  for (int n = 1; std::getline(in, current); ++n) out += (n == line ? text : current) + "\n";
  return out;
}

std::string appended(const std::string& text) { return kMinimal + text; }

// The problems of a failing parse (empty if it did not fail).
std::vector<std::string> problems_of(const std::string& text,
                                     const std::vector<std::string>& overrides = {}) {
  try {
    parse(text, overrides);
  } catch (const InputError& e) {
    return e.problems();
  }
  return {};
}

// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
    path = fs::temp_directory_path() /
           ("hkmc_input_test_" + std::to_string(stamp) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
};

const char* kFull = R"(# every section, with values that differ from the defaults
[lattice]
prototype = "double_perovskite"
a = 10.5
supercell = [2, 3, 4]

[composition]
Br = 0.25
balance = "Cl"

[defects]
vacancy_fraction = 0.01
interstitials = 3
interstitial_species = "Br"

[initial]
type = "layers"
axis = "y"

[[initial.layers]]
cells = 1
composition = { Cl = 1.0 }

[[initial.layers]]
cells = 2

[[mechanisms]]
name = "vac_edge"
kind = "vacancy"

[[mechanisms]]
name = "int_hop"
kind = "interstitial"
shell = 2

[barriers]
provider = "constant"
attempt_frequency = 5e12
E_kra = { default = 0.4, vac_edge = 0.3, "vac_edge/B" = 0.29, int_hop = 1 }
r_env = 7.5

[kmc]
temperature = 450.5
time = 1e-3
seed = 9223372036854775807
replicas = 8
blocks = 20
field = [0, 0, 0.001]
charges = { Br = -1, Cl = -1.0 }

[output]
file = "run.h5"
summary = "run.json"
every_s = 1e-6
samples = 50
profile = true
profile_axis = "x"
)";

}  // namespace

TEST_CASE("a full valid input fills every field of RunSpec") {
  const auto spec = read_input_string(kFull, "full.toml");
  CHECK(spec.source_path == "full.toml");

  CHECK(spec.lattice.prototype == "double_perovskite");
  CHECK(spec.lattice.a_angstrom == 10.5);
  CHECK(spec.lattice.supercell == std::array<int, 3>{2, 3, 4});
  CHECK(spec.lattice.basis.empty());

  // balance: Cl = 1 - 0.25
  REQUIRE(spec.composition.fractions.size() == 2);
  CHECK(spec.composition.fractions.at("Br") == 0.25);
  CHECK(spec.composition.fractions.at("Cl") == 0.75);

  CHECK_FALSE(spec.defects.vacancies.has_value());
  REQUIRE(spec.defects.vacancy_fraction.has_value());
  CHECK(*spec.defects.vacancy_fraction == 0.01);
  CHECK(spec.defects.interstitials == 3);
  CHECK(spec.defects.interstitial_species == "Br");

  CHECK(spec.initial.type == "layers");
  CHECK(spec.initial.axis == 1);
  REQUIRE(spec.initial.layers.size() == 2);
  CHECK(spec.initial.layers[0].cells == 1);
  CHECK(spec.initial.layers[0].composition.fractions ==
        std::map<std::string, double>{{"Cl", 1.0}});
  CHECK(spec.initial.layers[1].cells == 2);
  // A layer without its own composition takes [composition].
  CHECK(spec.initial.layers[1].composition.fractions == spec.composition.fractions);

  REQUIRE(spec.mechanisms.size() == 2);
  CHECK(spec.mechanisms[0].name == "vac_edge");
  CHECK(spec.mechanisms[0].kind == "vacancy");
  CHECK(spec.mechanisms[0].shell == 1);
  CHECK(spec.mechanisms[1].name == "int_hop");
  CHECK(spec.mechanisms[1].kind == "interstitial");
  CHECK(spec.mechanisms[1].shell == 2);

  CHECK(spec.barriers.provider == "constant");
  CHECK(spec.barriers.attempt_frequency_hz == 5e12);
  CHECK(spec.barriers.e_kra_ev == 0.4);
  CHECK(spec.barriers.e_kra_overrides ==
        std::map<std::string, double>{{"vac_edge", 0.3}, {"vac_edge/B", 0.29}, {"int_hop", 1.0}});
  CHECK(spec.barriers.r_env_angstrom == 7.5);

  CHECK(spec.kmc.temperature_k == 450.5);
  CHECK_FALSE(spec.kmc.steps.has_value());
  REQUIRE(spec.kmc.time_s.has_value());
  CHECK(*spec.kmc.time_s == 1e-3);
  CHECK(spec.kmc.seed == 9223372036854775807ULL);
  CHECK(spec.kmc.replicas == 8);
  CHECK(spec.kmc.blocks == 20);
  CHECK(spec.kmc.field_v_per_angstrom == std::array<double, 3>{0, 0, 0.001});
  CHECK(spec.kmc.charges_e == std::map<std::string, double>{{"Br", -1.0}, {"Cl", -1.0}});

  CHECK(spec.output.file == "run.h5");
  CHECK(spec.output.summary == "run.json");
  CHECK(spec.output.every_events == 0);
  CHECK(spec.output.every_s == 1e-6);
  CHECK(spec.output.samples == 50);
  CHECK(spec.output.profile);
  CHECK(spec.output.profile_axis == 0);

  // Locations of keys, for checks made after parsing.
  CHECK(spec.where("lattice.a") == "full.toml:4");
  CHECK(spec.where("kmc.temperature") == "full.toml:43");
  CHECK(spec.where("mechanisms[1].shell") == "full.toml:34");
  CHECK(spec.where("initial.layers[0].cells") == "full.toml:21");
  CHECK(spec.where("barriers.E_kra.vac_edge/B") == "full.toml:39");
  CHECK(spec.where("composition") == "full.toml:7");

  // The echoed input is TOML in the file's order and reads back to the same spec.
  CHECK(spec.source_text.rfind("[lattice]\nprototype = \"double_perovskite\"\na = 10.5\n", 0) == 0);
  CHECK(spec.source_text.find("\n[[mechanisms]]\nname = \"int_hop\"\nkind = \"interstitial\"\n"
                              "shell = 2\n") != std::string::npos);
  const auto again = read_input_string(spec.source_text, "echo.toml");
  CHECK(again.source_text == spec.source_text);
  CHECK(again.composition.fractions == spec.composition.fractions);
  REQUIRE(again.initial.layers.size() == 2);
  CHECK(again.initial.layers[0].composition.fractions ==
        spec.initial.layers[0].composition.fractions);
  CHECK(again.barriers.e_kra_overrides == spec.barriers.e_kra_overrides);
  CHECK(again.kmc.seed == spec.kmc.seed);
  CHECK(again.kmc.field_v_per_angstrom == spec.kmc.field_v_per_angstrom);
  CHECK(again.kmc.time_s == spec.kmc.time_s);
  CHECK(again.output.every_s == spec.output.every_s);
}

TEST_CASE("defaults of a minimal input") {
  const auto spec = parse(kMinimal);
  CHECK(spec.lattice.prototype == "perovskite");
  CHECK(spec.composition.fractions == std::map<std::string, double>{{"I", 1.0}});
  CHECK_FALSE(spec.defects.vacancies.has_value());
  CHECK_FALSE(spec.defects.vacancy_fraction.has_value());
  CHECK(spec.defects.interstitials == 0);
  CHECK(spec.initial.type == "random");
  CHECK(spec.initial.axis == 2);
  CHECK(spec.mechanisms.empty());
  CHECK(spec.barriers.provider == "constant");
  CHECK(spec.barriers.attempt_frequency_hz == 1e13);
  CHECK(spec.kmc.steps == 1000);
  CHECK_FALSE(spec.kmc.time_s.has_value());
  CHECK(spec.kmc.seed == 1);
  CHECK(spec.kmc.replicas == 1);
  CHECK(spec.kmc.blocks == 10);
  CHECK(spec.kmc.field_v_per_angstrom == std::array<double, 3>{0, 0, 0});
  CHECK(spec.output.file.empty());
  CHECK(spec.output.samples == 100);
  CHECK_FALSE(spec.output.profile);
  CHECK(spec.where("kmc.steps") == "input.toml:9");
  CHECK(spec.where("output.file") == "input.toml");  // not given: the file only
}

TEST_CASE("custom lattice") {
  const char* text = R"([lattice]
prototype = "custom"
a = 4.0
supercell = [3, 3, 3]
cell = [[0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]]
basis = [ { sublattice = "X", frac = [0, 0, 0] },
          { sublattice = "i", frac = [0.5, 0.5, 0.5] } ]
interstitial = ["i"]
[composition]
Ag = 0.5
Cu_2 = 0.5
[kmc]
temperature = 600
steps = 10
)";
  const auto spec = parse(text);
  CHECK(spec.lattice.cell[0] == std::array<double, 3>{0, 0.5, 0.5});
  REQUIRE(spec.lattice.basis.size() == 2);
  CHECK(spec.lattice.basis[1].sublattice == "i");
  CHECK(spec.lattice.basis[1].frac == std::array<double, 3>{0.5, 0.5, 0.5});
  CHECK(spec.lattice.mobile_sublattices == std::vector<std::string>{"X"});  // the default
  CHECK(spec.lattice.interstitial_sublattices == std::vector<std::string>{"i"});
  CHECK(spec.composition.fractions.at("Cu_2") == 0.5);
}

TEST_CASE("layers alone may give the composition") {
  const std::string text = R"([lattice]
prototype = "perovskite"
a = 6.3
supercell = [2, 2, 4]
[initial]
type = "layers"
[[initial.layers]]
cells = 3
composition = { I = 1.0 }
[[initial.layers]]
cells = 1
composition = { Br = 0.5, balance = "I" }
[kmc]
temperature = 300
steps = 10
)";
  const auto spec = parse(text);
  REQUIRE(spec.initial.layers.size() == 2);
  CHECK(spec.initial.layers[1].composition.fractions ==
        std::map<std::string, double>{{"Br", 0.5}, {"I", 0.5}});
  // Overall: the cell-weighted mean, I = (3*1 + 1*0.5)/4, Br = (1*0.5)/4.
  CHECK(spec.composition.fractions.at("I") == doctest::Approx(3.5 / 4).epsilon(1e-12));
  CHECK(spec.composition.fractions.at("Br") == doctest::Approx(0.5 / 4).epsilon(1e-12));
}

TEST_CASE("model provider") {
  const auto spec = parse(replaced(6, "Br = 0.5\nbalance = \"I\"") +
                          "[barriers]\nprovider = \"model\"\nE0 = -0.1\n"
                          "slope = { Br = 0.05, I = -0.01 }\nr_env = 6\n");
  CHECK(spec.barriers.provider == "model");
  CHECK(spec.barriers.model_e0_ev == -0.1);
  CHECK(spec.barriers.model_slopes_ev == std::map<std::string, double>{{"Br", 0.05}, {"I", -0.01}});
  CHECK(spec.barriers.r_env_angstrom == 6.0);
  CHECK(spec.barriers.e_kra_overrides.empty());
  CHECK(spec.barriers.table_file.empty());
}

TEST_CASE("barrier perturbation keys, for any provider") {
  const auto spec = parse(replaced(6, "Br = 1.0") +
                          "[barriers]\nprovider = \"constant\"\nperturbation_sigma = 0.064\nperturbation_seed = 7\n");
  CHECK(spec.barriers.perturbation_sigma_ev == 0.064);
  CHECK(spec.barriers.perturbation_seed == 7u);
  const std::string head = replaced(6, "Br = 1.0") + "[barriers]\n";
  CHECK_THROWS_WITH_AS(parse(head + "perturbation_sigma = -0.1\n"),
                       Contains("[barriers] perturbation_sigma = -0.1: must be >= 0 eV (0: off) (input.toml:"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(head + "perturbation_seed = 1.5\n"), Contains("[barriers] perturbation_seed = 1.5"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(head + "perturbation_seed = -3\n"),
                       Contains("[barriers] perturbation_seed = -3: must be an integer >= 0"), InputError);
}

TEST_CASE("bad values: key, quoted value, rule and file:line") {
  // [kmc]
  CHECK_THROWS_WITH_AS(parse(replaced(8, "temperature = -300")),
                       Contains("[kmc] temperature = -300: must be > 0 K (input.toml:8)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(8, "temperature = 6000.0")),
                       Contains("[kmc] temperature = 6000.0: must be <= 5000 K (input.toml:8)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(8, "temperature = \"hot\"")),
                       Contains("[kmc] temperature = \"hot\": must be a number (input.toml:8)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(8, "temperature = nan")),
                       Contains("[kmc] temperature = nan: must be a finite number (input.toml:8)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(9, "steps = 1.5")),
                       Contains("[kmc] steps = 1.5: must be an integer (input.toml:9)"), InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(9, "steps = 0")),
                       Contains("[kmc] steps = 0: must be an integer > 0 (input.toml:9)"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("time = 1e-3\n")),
      Contains("[kmc] time = 0.001: give either steps or time, not both (steps is set at "
               "input.toml:9) (input.toml:10)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(9, "seed = 2")),
                       Contains("[kmc] steps, time: missing; give exactly one"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("seed = -1\n")),
                       Contains("[kmc] seed = -1: must be an integer >= 0 (input.toml:10)"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("replicas = 5000\n")),
      Contains("[kmc] replicas = 5000: must be an integer from 1 to 4096 (input.toml:10)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(appended("blocks = 1\n")),
                       Contains("[kmc] blocks = 1: must be an integer from 2 to 1000 (input.toml:10)"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("field = [0, 0]\n")),
      Contains("[kmc] field = [0, 0]: must be an array of 3 numbers [Fx, Fy, Fz] in V/Å "
               "(input.toml:10)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("charges = { I = -1, Br = -1 }\n")),
      Contains("[kmc] charges.Br = -1: \"Br\" is not a species of the composition (I) "
               "(input.toml:10)"),
      InputError);

  // [lattice]
  CHECK_THROWS_WITH_AS(
      parse(replaced(2, "prototype = \"perovskit\"")),
      Contains("[lattice] prototype = \"perovskit\": must be one of \"perovskite\", "
               "\"double_perovskite\", \"fcc\", \"custom\"; did you mean \"perovskite\"? "
               "(input.toml:2)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(3, "a = 0")),
                       Contains("[lattice] a = 0: must be > 0 Å (input.toml:3)"), InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(4, "supercell = [4, 4]")),
      Contains("[lattice] supercell = [4, 4]: must be an array of 3 integers >= 1 (input.toml:4)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(4, "supercell = [4, 0, 4.0]")),
      Contains("[lattice] supercell = [4, 0, 4.0]: must be an array of 3 integers >= 1 "
               "(input.toml:4)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(4, "supercell = [4, 4, 4]\ncell = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]")),
      Contains("[lattice] cell = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]: only allowed with prototype "
               "= \"custom\" (prototype is \"perovskite\") (input.toml:5)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(3, "")),
                       Contains("[lattice] a: missing; required, the lattice parameter in Å (> 0) "
                                "(input.toml:1)"),
                       InputError);

  // [composition]
  CHECK_THROWS_WITH_AS(
      parse(replaced(6, "I = 0.5\nBr = 0.4")),
      Contains("[composition] Br = 0.4, I = 0.5: fractions sum to 0.9; they must sum to 1 "
               "(within 1e-6)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(6, "I = 0.5\nBr = 0.4")), Contains("(input.toml:5)"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(6, "Xe = 1.0")),
      Contains("[composition] Xe = 1.0: unknown species \"Xe\"; perovskite prototypes allow only "
               "I, Br, Cl, F (input.toml:6)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(6, "I = 1.5")),
      Contains("[composition] I = 1.5: must be a fraction >= 0 and <= 1 (input.toml:6)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(6, "I = 0.5\nbalance = \"I\"")),
      Contains("[composition] balance = \"I\": I is also given a fraction (input.toml:6); give "
               "it a fraction or make it the balance, not both (input.toml:7)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(6, "Br = 0.7\nCl = 0.5\nbalance = \"I\"")),
      Contains("[composition] balance = \"I\": the other fractions sum to 1.2, leaving -0.2 for "
               "I; the remainder must be >= 0 (input.toml:8)"),
      InputError);

  // [defects]
  CHECK_THROWS_WITH_AS(
      parse(appended("[defects]\nvacancies = 4\nvacancy_fraction = 0.1\n")),
      Contains("[defects] vacancy_fraction = 0.1: give either vacancies or vacancy_fraction, not "
               "both (vacancies is set at input.toml:11) (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[defects]\nvacancy_fraction = 1\n")),
      Contains("[defects] vacancy_fraction = 1: must be >= 0 and < 1 (input.toml:11)"), InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[defects]\ninterstitials = 2\ninterstitial_species = \"Bf\"\n")),
      Contains("[defects] interstitial_species = \"Bf\": unknown species; perovskite prototypes "
               "allow only I, Br, Cl, F; did you mean 'Br'? (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[defects]\ninterstitials = 2\ninterstitial_species = \"Br\"\n")),
      Contains("[defects] interstitial_species = \"Br\": \"Br\" is not a species of the "
               "composition (I) (input.toml:12)"),
      InputError);

  // [initial]
  CHECK_THROWS_WITH_AS(
      parse(appended("[initial]\ntype = \"layers\"\n[[initial.layers]]\ncells = 2\n"
                     "[[initial.layers]]\ncells = 1\n")),
      Contains("[initial] layers: cells sum to 2 + 1 = 3, but the supercell has 4 cells along z; "
               "the layers must fill it exactly (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[initial]\ntype = \"random\"\n[[initial.layers]]\ncells = 4\n")),
      Contains("[initial] layers = [{ cells = 4 }]: only allowed with type = \"layers\" (type is "
               "\"random\") (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[initial]\naxis = \"w\"\n")),
      Contains("[initial] axis = \"w\": must be one of \"x\", \"y\", \"z\" (input.toml:11)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[initial]\ntype = \"layers\"\n[[initial.layers]]\ncells = 0\n"
                     "composition = { I = 2 }\n")),
      Contains("[initial.layers[0]] composition.I = 2: must be a fraction >= 0 and <= 1 "
               "(input.toml:14)"),
      InputError);

  // [[mechanisms]]
  CHECK_THROWS_WITH_AS(
      parse(appended("[[mechanisms]]\nname = \"v\"\nkind = \"vacancy\"\n"
                     "[[mechanisms]]\nname = \"v\"\nkind = \"vacancy\"\n")),
      Contains("[mechanisms[1]] name = \"v\": must be unique; already used at input.toml:11 "
               "(input.toml:14)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[[mechanisms]]\nname = \"v\"\nkind = \"vacany\"\n")),
      Contains("[mechanisms[0]] kind = \"vacany\": must be one of \"vacancy\", "
               "\"interstitial\", \"interstitialcy\", \"split\"; did you mean \"vacancy\"? (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[[mechanisms]]\nname = \"v\"\nkind = \"vacancy\"\nshell = 0\n")),
      Contains("[mechanisms[0]] shell = 0: must be an integer >= 1 (input.toml:13)"), InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[mechanisms]\nname = \"v\"\n")),
      Contains("mechanisms = { name = \"v\" }: must be an array of tables, written [[mechanisms]] "
               "(input.toml:10)"),
      InputError);

  // [barriers]
  CHECK_THROWS_WITH_AS(
      parse(appended("[barriers]\nfile = \"b.csv\"\n")),
      Contains("[barriers] file = \"b.csv\": belongs to provider \"table\", but provider is "
               "\"constant\" (input.toml:11)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[barriers]\nprovider = \"model\"\nE_kra = 0.3\n")),
      Contains("[barriers] E_kra = 0.3: belongs to provider \"constant\", but provider is "
               "\"model\" (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[barriers]\nE_kra = -0.1\n")),
                       Contains("[barriers] E_kra = -0.1: must be >= 0 eV (input.toml:11)"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[[mechanisms]]\nname = \"vac\"\nkind = \"vacancy\"\n"
                     "[barriers]\nE_kra = { vca = 0.3 }\n")),
      Contains("[barriers] E_kra.vca = 0.3: \"vca\" is not a mechanism declared in [[mechanisms]] "
               "(vac); did you mean 'vac'? (input.toml:14)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[barriers]\nattempt_frequency = 0\n")),
      Contains("[barriers] attempt_frequency = 0: must be > 0 Hz (input.toml:11)"), InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[barriers]\nprovider = \"table\"\nfile = \"no_such_table.csv\"\n")),
      Contains("[barriers] file = \"no_such_table.csv\": must be a readable file, relative to the "
               "input file's directory; no such file: "),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[barriers]\nprovider = \"model\"\nslope = { Br = 0.1 }\n")),
      Contains("[barriers] slope.Br = 0.1: \"Br\" is not a species of the composition (I) "
               "(input.toml:12)"),
      InputError);

  // [output]
  CHECK_THROWS_WITH_AS(
      parse(appended("[output]\nevery = 100\nevery_s = 1e-9\n")),
      Contains("[output] every_s = 1e-09: give either every or every_s, not both (every is set "
               "at input.toml:11) (input.toml:12)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(appended("[output]\nsamples = 0\n")),
      Contains("[output] samples = 0: must be an integer from 1 to 100000 (input.toml:11)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nprofile = \"yes\"\n")),
                       Contains("[output] profile = \"yes\": must be true or false (input.toml:11)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nfile = \"\"\n")),
                       Contains("[output] file = \"\": must not be empty"), InputError);
}

TEST_CASE("custom lattice problems") {
  const std::string head = "[lattice]\nprototype = \"custom\"\na = 4.0\nsupercell = [2, 2, 2]\n";
  const std::string tail = "[composition]\nA = 1\n[kmc]\ntemperature = 300\nsteps = 1\n";
  CHECK_THROWS_WITH_AS(
      parse(head + "cell = [[1, 0, 0], [0, 1, 0], [1, 1, 0]]\n"
                   "basis = [{ sublattice = \"X\", frac = [0, 0, 0] }]\n" + tail),
      Contains("[lattice] cell = [[1, 0, 0], [0, 1, 0], [1, 1, 0]]: must be non-singular "
               "(determinant 0; the rows span no volume) (input.toml:5)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(head + "basis = [{ sublattice = \"X\", frac = [0, 0, 1.0] }]\n" + tail),
      Contains("[lattice.basis[0]] frac = [0, 0, 1.0]: must be an array of 3 numbers, each >= 0 "
               "and < 1 (input.toml:5)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(head + "basis = [{ sublattice = \"X\", frac = [0, 0, 0] }]\nmobile = [\"x\"]\n" + tail),
      Contains("[lattice] mobile = [\"x\"]: \"x\" is not a basis sublattice (the basis has \"X\"); "
               "did you mean \"X\"? (input.toml:6)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(head + "basis = [{ sublattice = \"A\", frac = [0, 0, 0] }]\n" + tail),
      Contains("[lattice] mobile: missing; required, the sublattices whose sites carry halides"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(head + "basis = [{ sublattice = \"X\", frac = [0, 0, 0] }, { sublattice = \"X\", "
                   "frac = [0, 0, 0] }]\n" + tail),
      Contains("[lattice.basis[1]] frac = [0, 0, 0]: is the position of another basis site "
               "(input.toml:5) (input.toml:5)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(head + "basis = [{ sublattice = \"X\", frac = [0, 0, 0] }]\n[defects]\n"
                   "interstitials = 1\n" + tail),
      Contains("[defects] interstitials = 1: needs interstitial sites, but [lattice] interstitial "
               "names no sublattice for them (input.toml:7)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(head + "basis = [{ sublattice = \"X\", frac = [0, 0, 0] }]\n" +
            "[composition]\n\"1A\" = 1\n[kmc]\ntemperature = 300\nsteps = 1\n"),
      Contains("[composition] 1A = 1: \"1A\" is not a valid name; species names match "
               "[A-Za-z][A-Za-z0-9_]* (input.toml:7)"),
      InputError);
}

TEST_CASE("unknown sections and keys, with did-you-mean") {
  CHECK_THROWS_WITH_AS(
      parse(replaced(8, "temprature = 300")),
      Contains("[kmc] temprature = 300: unknown key; did you mean 'temperature'? (input.toml:8)"),
      InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(8, "Temperature = 300")),
      Contains("[kmc] Temperature = 300: unknown key; did you mean 'temperature'? (input.toml:8)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[outptu]\nfile = \"x.h5\"\n")),
                       Contains("[outptu]: unknown section; did you mean 'output'? (input.toml:10)"),
                       InputError);
  // Far from every known key: the message lists them instead.
  CHECK_THROWS_WITH_AS(parse(appended("colour = \"red\"\n")),
                       Contains("[kmc] colour = \"red\": unknown key; allowed keys: temperature, "
                                "steps, time, seed, replicas, blocks, field, charges, parallel, sectors, "
                                "sector_window, sector_order (input.toml:10)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("temperature = 300\n" + kMinimal),
                       Contains("temperature = 300: unknown key outside any section; sections are "
                                "lattice, composition"),
                       InputError);
  CHECK_THROWS_WITH_AS(
      parse(replaced(6, "br = 1.0")),
      Contains("[composition] br = 1.0: unknown species \"br\"; perovskite prototypes allow only "
               "I, Br, Cl, F; did you mean 'Br'? (input.toml:6)"),
      InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[barriers]\nE_KRA = 0.2\n")),
                       Contains("[barriers] E_KRA = 0.2: unknown key; did you mean 'E_kra'? "
                                "(input.toml:11)"),
                       InputError);
}

TEST_CASE("missing sections and files; syntax errors") {
  CHECK_THROWS_WITH_AS(parse("[kmc]\ntemperature = 300\nsteps = 1\n[composition]\nI = 1\n"),
                       Contains("[lattice]: missing; required section (prototype, a, supercell) "
                                "(input.toml)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse("lattice = 3\n[composition]\nI = 1\n[kmc]\ntemperature = 300\n"
                             "steps = 1\n"),
                       Contains("lattice = 3: must be a section, written [lattice] (input.toml:1)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(6, "I = [1,")),
                       Contains("TOML syntax error: "), InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(6, "I = [1,")), Contains("(input.toml:7)"), InputError);
  CHECK_THROWS_WITH_AS(parse(replaced(8, "temperature = = 3")), Contains("(input.toml:8)"),
                       InputError);
  CHECK_THROWS_WITH_AS(read_input_file("/nonexistent/dir/run.toml"),
                       Contains("cannot read input file /nonexistent/dir/run.toml: "), InputError);
  TempDir dir;
  CHECK_THROWS_WITH_AS(read_input_file(dir.path.string()), Contains("it is a directory"),
                       InputError);
}

TEST_CASE("every problem of a file is reported at once, in line order") {
  const std::string text = R"([lattice]
prototype = "perovskite"
a = -1
supercell = [4, 4, 4]
[composition]
I = 0.7
Br = 0.2
[kmc]
temperature = 0
steps = 10
seeed = 3
[output]
samples = 0
)";
  const auto problems = problems_of(text);
  REQUIRE(problems.size() == 5);
  CHECK(problems[0] == "[lattice] a = -1: must be > 0 Å (input.toml:3)");
  CHECK(problems[1].find("fractions sum to 0.9") != std::string::npos);
  CHECK(problems[1].find("(input.toml:5)") != std::string::npos);
  CHECK(problems[2] == "[kmc] temperature = 0: must be > 0 K (input.toml:9)");
  CHECK(problems[3] == "[kmc] seeed = 3: unknown key; did you mean 'seed'? (input.toml:11)");
  CHECK(problems[4] == "[output] samples = 0: must be an integer from 1 to 100000 (input.toml:13)");
  // The exception's message is the problems, one a line.
  try {
    parse(text);
    FAIL("no exception");
  } catch (const InputError& e) {
    CHECK(std::string(e.what()) == problems[0] + "\n" + problems[1] + "\n" + problems[2] + "\n" +
                                       problems[3] + "\n" + problems[4]);
  }
}

TEST_CASE("--set overrides") {
  SUBCASE("values are TOML, and replace the file's") {
    const auto spec = parse(kMinimal, {"kmc.temperature=400", "kmc.field = [0, 0, 1e-3]",
                                       "lattice.supercell=[2,2,8]"});
    CHECK(spec.kmc.temperature_k == 400);
    CHECK(spec.kmc.field_v_per_angstrom == std::array<double, 3>{0, 0, 1e-3});
    CHECK(spec.lattice.supercell == std::array<int, 3>{2, 2, 8});
    CHECK(spec.where("kmc.temperature") == "--set kmc.temperature=400");
    CHECK(spec.where("kmc.steps") == "input.toml:9");
    // The echoed input holds the overridden value and reads back the same.
    const auto again = parse(spec.source_text);
    CHECK(again.kmc.temperature_k == 400);
    CHECK(again.lattice.supercell == std::array<int, 3>{2, 2, 8});
  }
  SUBCASE("text that is not TOML is a string") {
    const auto spec = parse(kMinimal, {"output.file=out.h5", "output.summary=\"s.json\""});
    CHECK(spec.output.file == "out.h5");
    CHECK(spec.output.summary == "s.json");
    CHECK(spec.source_text.find("file = \"out.h5\"") != std::string::npos);
  }
  SUBCASE("nested keys create tables on the way") {
    const auto spec = parse(appended("[[mechanisms]]\nname = \"vac\"\nkind = \"vacancy\"\n"),
                            {"barriers.E_kra.vac=0.31"});
    CHECK(spec.barriers.e_kra_overrides.at("vac") == 0.31);
    CHECK(spec.where("barriers.E_kra.vac") == "--set barriers.E_kra.vac=0.31");
  }
  SUBCASE("a bad value points at the --set") {
    CHECK_THROWS_WITH_AS(
        parse(kMinimal, {"kmc.temperature=-300"}),
        Contains("[kmc] temperature = -300: must be > 0 K (--set kmc.temperature=-300)"),
        InputError);
    CHECK_THROWS_WITH_AS(
        parse(kMinimal, {"kmc.field=[1, 2]"}),
        Contains("[kmc] field = [1, 2]: must be an array of 3 numbers [Fx, Fy, Fz] in V/Å "
                 "(--set kmc.field=[1, 2])"),
        InputError);
    CHECK_THROWS_WITH_AS(parse(kMinimal, {"kmc.tempreature=300"}),
                         Contains("[kmc] tempreature = 300: unknown key; did you mean "
                                  "'temperature'? (--set kmc.tempreature=300)"),
                         InputError);
    CHECK_THROWS_WITH_AS(parse(kMinimal, {"kcm.temperature=300"}),
                         Contains("[kcm]: unknown section; did you mean 'kmc'? (--set "
                                  "kcm.temperature=300)"),
                         InputError);
  }
  SUBCASE("malformed overrides") {
    CHECK_THROWS_WITH_AS(parse(kMinimal, {"temperature=300"}),
                         Contains("--set temperature=300: the key has no section (no '.')"),
                         InputError);
    CHECK_THROWS_WITH_AS(parse(kMinimal, {"kmc.temperature"}),
                         Contains("--set kmc.temperature: no '='"), InputError);
    CHECK_THROWS_WITH_AS(parse(kMinimal, {"kmc..x=1"}),
                         Contains("--set kmc..x=1: empty key component"), InputError);
    CHECK_THROWS_WITH_AS(parse(kMinimal, {"kmc.temperature.x=1"}),
                         Contains("--set kmc.temperature.x=1: kmc.temperature is a value, not a "
                                  "table"),
                         InputError);
    // Malformed overrides and bad file values are reported together.
    const auto problems = problems_of(replaced(3, "a = 0"), {"oops"});
    REQUIRE(problems.size() == 2);
    CHECK(problems[0].find("--set oops: no '='") == 0);
    CHECK(problems[1] == "[lattice] a = 0: must be > 0 Å (input.toml:3)");
  }
}

TEST_CASE("read_input_file resolves the barrier table against the file's directory") {
  TempDir dir;
  dir.write("tables/b.csv", "mechanism,path,E_kra_eV\nvacancy,edge,0.3\n");
  const std::string text = replaced(9, "steps = 5") +
                           "[barriers]\nprovider = \"table\"\nfile = \"../tables/b.csv\"\n";
  const fs::path input = dir.write("runs/input.toml", text);
  const auto spec = read_input_file(input.string());
  CHECK(spec.source_path == input.string());
  CHECK(spec.kmc.steps == 5);
  CHECK(fs::path(spec.barriers.table_file).is_absolute());
  CHECK(fs::equivalent(spec.barriers.table_file, dir.path / "tables" / "b.csv"));
  CHECK(spec.where("barriers.file") == input.string() + ":12");

  CHECK_THROWS_WITH_AS(read_input_file(input.string(), {"barriers.file=b.csv"}),
                       Contains("(--set barriers.file=b.csv)"), InputError);
  CHECK_THROWS_WITH_AS(read_input_file(input.string(), {"barriers.file=../tables"}),
                       Contains("it is a directory"), InputError);
}

// Every ```toml block in docs/input/ must be accepted: the block's sections
// replace those of a minimal input (and a table file it names is created), so
// the reference cannot promise what the reader refuses.
TEST_CASE("the examples in docs/input parse") {
  const fs::path docs = fs::path(HKMC_SOURCE_DIR) / "docs" / "input";
  REQUIRE(fs::is_directory(docs));
  TempDir dir;
  int blocks = 0;
  for (const auto& entry : fs::directory_iterator(docs)) {
    if (entry.path().extension() != ".md") continue;
    std::ifstream in(entry.path());
    std::string line, block;
    bool inside = false;
    int block_line = 0;
    for (int n = 1; std::getline(in, line); ++n) {
      if (!inside && line.rfind("```toml", 0) == 0) {
        inside = true;
        block.clear();
        block_line = n + 1;
      } else if (inside && line.rfind("```", 0) == 0) {
        inside = false;
        ++blocks;
        const std::string where = entry.path().filename().string() + ":" + std::to_string(block_line);
        CAPTURE(where);
        toml::table merged = toml::parse(kMinimal);
        const toml::table snippet = toml::parse(block);
        for (auto&& [key, node] : snippet) merged.insert_or_assign(key.str(), node);
        if (const auto* file = merged.at_path("barriers.file").as_string()) {
          dir.write(file->get(), "mechanism,path,E_kra_eV\n");
        }
        if (const auto* file = merged.at_path("energy.hamiltonian").as_string()) {
          dir.write(file->get(), "");
        }
        std::ostringstream text;
        text << merged;
        try {
          read_input_string(text.str(), where, {}, dir.path.string());
        } catch (const InputError& e) {
          FAIL_CHECK(e.what());
        }
      } else if (inside) {
        block += line + "\n";
      }
    }
  }
  CHECK(blocks >= 8);  // at least one example per section page
}

TEST_CASE("[output] checkpoint keys") {
  const auto spec = parse(appended(
      "[output]\nfile = \"a.h5\"\ncheckpoint = \"c.h5\"\ncheckpoint_every = 5000\ncheckpoint_every_s = 600\n"));
  CHECK(spec.output.checkpoint == "c.h5");
  CHECK(spec.output.checkpoint_every == 5000);
  CHECK(spec.output.checkpoint_every_s == 600.0);
  const auto plain = parse(kMinimal);
  CHECK(plain.output.checkpoint.empty());
  CHECK(plain.output.checkpoint_every == 0);
  CHECK(plain.output.checkpoint_every_s == 0.0);

  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncheckpoint = \"c.h5\"\ncheckpoint_every = 0\n")),
                       Contains("[output] checkpoint_every = 0: must be an integer > 0 (events of a replica) "
                                "(input.toml:12)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncheckpoint = \"c.h5\"\ncheckpoint_every_s = -5\n")),
                       Contains("[output] checkpoint_every_s = -5: must be > 0 s (wall clock) (input.toml:12)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncheckpoint_every = 100\n")),
                       Contains("[output] checkpoint_every = 100: needs [output] checkpoint = \"<path>\""),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nfile = \"a.h5\"\ncheckpoint = \"a.h5\"\n")),
                       Contains("[output] checkpoint = \"a.h5\": must differ from file and summary"),
                       InputError);
  // The same file written another way (compared after lexical normalisation).
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nfile = \"a.h5\"\ncheckpoint = \"./out/../a.h5\"\n")),
                       Contains("[output] checkpoint = \"./out/../a.h5\": must differ from file and summary"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nfile = \"r/a.h5\"\nsummary = \"r//a.h5\"\n")),
                       Contains("[output] summary = \"r//a.h5\": must differ from file"), InputError);
  CHECK(parse(appended("[output]\nfile = \"a.h5\"\ncheckpoint = \"b/a.h5\"\n")).output.checkpoint == "b/a.h5");
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncheckpoint = \"\"\n")),
                       Contains("[output] checkpoint = \"\": must not be empty"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncheckpoint_evry = 100\n")), Contains("checkpoint_every"),
                       InputError);
}

TEST_CASE("[output] segregation keys: values, defaults and errors with key, value, rule and line") {
  const auto spec = parse(appended(
      "[output]\nsro_shells = 3\nstructure_factor = true\ndomains = true\ndomain_min_sites = 20\n"));
  CHECK(spec.output.sro_shells == 3);
  CHECK(spec.output.structure_factor);
  CHECK(spec.output.domains);
  CHECK(spec.output.domain_min_sites == 20);
  const auto plain = parse(kMinimal);
  CHECK(plain.output.sro_shells == 0);
  CHECK_FALSE(plain.output.structure_factor);
  CHECK_FALSE(plain.output.domains);
  CHECK(plain.output.domain_min_sites == 1);

  CHECK_THROWS_WITH_AS(parse(appended("[output]\nsro_shells = 11\n")),
                       Contains("[output] sro_shells = 11: must be an integer from 0 (none) to 10 (input.toml:11)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nsro_shells = -1\n")),
                       Contains("[output] sro_shells = -1: must be an integer from 0 (none) to 10"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nstructure_factor = 1\n")),
                       Contains("[output] structure_factor = 1: must be true or false (input.toml:11)"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ndomains = \"yes\"\n")),
                       Contains("[output] domains = \"yes\": must be true or false"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ndomains = true\ndomain_min_sites = 0\n")),
                       Contains("[output] domain_min_sites = 0: must be an integer >= 1 (sites) (input.toml:12)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ndomain_min_sites = 5\n")),
                       Contains("[output] domain_min_sites = 5: needs [output] domains = true"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\nstructure_factr = true\n")), Contains("structure_factor"),
                       InputError);
}

TEST_CASE("[output] crossings keys: values, defaults and errors with key, value, rule and line") {
  const auto spec = parse(appended("[output]\ncrossings = true\ncrossing_axis = \"x\"\n"));
  CHECK(spec.output.crossings);
  CHECK(spec.output.crossing_axis == 0);
  const auto plain = parse(kMinimal);
  CHECK_FALSE(plain.output.crossings);
  CHECK(plain.output.crossing_axis == -1);  // the [initial] axis
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncrossings = \"yes\"\n")),
                       Contains("[output] crossings = \"yes\": must be true or false (input.toml:11)"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncrossings = true\ncrossing_axis = \"w\"\n")),
                       Contains("[output] crossing_axis = \"w\": must be one of \"x\", \"y\", \"z\" (input.toml:12)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncrossing_axis = \"z\"\n")),
                       Contains("[output] crossing_axis = \"z\": needs [output] crossings = true"), InputError);
  CHECK_THROWS_WITH_AS(parse(appended("[output]\ncrosings = true\n")), Contains("crossings"), InputError);
}

TEST_CASE("[kmc] sector-parallel keys: values, defaults and bad values with file:line") {
  const auto spec = parse(appended("parallel = \"sectors\"\nsectors = [2, 1, 4]\nsector_window = 0.25\n"
                                   "sector_order = \"fixed\"\n"));
  CHECK(spec.kmc.parallel == "sectors");
  CHECK(spec.kmc.sectors == std::array<int, 3>{2, 1, 4});
  CHECK(spec.kmc.sector_window == 0.25);
  CHECK(spec.kmc.sector_order == "fixed");
  const auto defaults = parse(kMinimal);
  CHECK(defaults.kmc.parallel == "replicas");
  CHECK(defaults.kmc.sectors == std::array<int, 3>{0, 0, 0});
  CHECK(defaults.kmc.sector_order == "random");

  CHECK_THROWS_WITH_AS(parse(appended("parallel = \"sector\"\n")),
                       Contains("[kmc] parallel = \"sector\": must be one of \"replicas\", \"sectors\"; did you "
                                "mean \"sectors\"? (input.toml:10)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("parallel = \"sectors\"\nsector_window = 0\n")),
                       Contains("[kmc] sector_window = 0: must be > 0 and <= 100 (the window in units of "
                                "1/Γ_max) (input.toml:11)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("parallel = \"sectors\"\nsectors = [2, 0, 2]\n")),
                       Contains("[kmc] sectors = [2, 0, 2]: must be an array of 3 integers from 1 to 4096 "
                                "(sectors along x, y, z) (input.toml:11)"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse(appended("parallel = \"sectors\"\nsector_order = \"shuffled\"\n")),
                       Contains("[kmc] sector_order = \"shuffled\": must be one of \"random\", \"fixed\""),
                       InputError);
  // A misspelt parallel is the one error: the sector keys are not blamed for it.
  try {
    parse(appended("parallel = \"sector\"\nsector_window = 0.5\n"));
    FAIL("a misspelt parallel was accepted");
  } catch (const InputError& e) {
    const std::string what = e.what();
    CHECK(what.find("[kmc] parallel = \"sector\"") != std::string::npos);
    CHECK(what.find("needs [kmc] parallel") == std::string::npos);
  }
  CHECK_THROWS_WITH_AS(parse(appended("sector_window = 0.5\n")),
                       Contains("[kmc] sector_window = 0.5: needs [kmc] parallel = \"sectors\" (input.toml:10)"),
                       InputError);
  // Sector runs checkpoint and resume (docs/sector_kmc.md).
  CHECK(parse(appended("parallel = \"sectors\"\n[output]\ncheckpoint = \"c.h5\"\ncheckpoint_every = 1000\n"))
            .output.checkpoint == "c.h5");
  // And count plane crossings, sector by sector (docs/sector_kmc.md).
  const auto crossing_sectors = parse(appended("parallel = \"sectors\"\n[output]\ncrossings = true\ncrossing_axis = \"x\"\n"));
  CHECK(crossing_sectors.kmc.parallel == "sectors");
  CHECK(crossing_sectors.output.crossings);
  CHECK(crossing_sectors.output.crossing_axis == 0);
}
