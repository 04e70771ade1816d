// The command line as a user meets it: exit codes, messages that name the
// file, key and allowed values, and output files that are never clobbered.
#include <doctest/doctest.h>

#include "../CliTestSupport.hpp"
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;

namespace {

using hkmc::test::Scratch;
using Result = hkmc::test::CommandResult;

Result run(const std::string& args, const std::string& program = HKMC_CLI_PATH) {
  return hkmc::test::run_command(args, program);
}

const char* kValid = R"(
[lattice]
prototype = "perovskite"
a = 5.87
supercell = [6, 6, 6]

[composition]
Br = 1.0

[defects]
vacancies = 6

[kmc]
temperature = 300.0
steps = 20000
seed = 3
replicas = 2
)";

std::string with_output(const Scratch& s, const std::string& extra = "") {
  return std::string(kValid) + "\n[output]\nfile = \"" + s.path("out.h5") + "\"\nsummary = \"" +
         s.path("out.json") + "\"\n" + extra;
}

}  // namespace

TEST_CASE("a valid run writes HDF5 and a JSON summary with the contract's keys") {
  Scratch s("hkmc_cli");
  const auto input = s.write("in.toml", with_output(s));
  const auto r = run("run " + input + " --quiet");
  INFO(r.output);
  REQUIRE(r.code == 0);
  REQUIRE(fs::exists(s.path("out.h5")));
  REQUIRE(fs::exists(s.path("out.json")));
  CHECK_FALSE(fs::exists(s.path("out.h5.tmp")));
  std::ifstream in(s.path("out.json"));
  std::stringstream json;
  json << in.rdbuf();
  for (const char* key : {"\"events\"", "\"simulated_time_s\"", "\"wall_time_s\"", "\"events_per_second\"",
                          "\"species\"", "\"Br\"", "\"D_cm2_s\"", "\"D_err_cm2_s\"", "\"correlation_factor\"",
                          "\"defects\"", "\"vacancy\"", "\"haven_ratio\""}) {
    CHECK_MESSAGE(json.str().find(key) != std::string::npos, key);
  }
  CHECK(json.str().find("\"events\": 40000") != std::string::npos);  // 2 replicas x 20000
  CHECK(json.str().find("\"provider\": \"constant\"") != std::string::npos);
  CHECK(json.str().find("\"perturbation_sigma_eV\": 0.0") != std::string::npos);

  // With a barrier perturbation the summary and the printed run say so.
  const auto p = run("run " + input + " --force --set barriers.perturbation_sigma=0.05 --set barriers.perturbation_seed=4");
  REQUIRE(p.code == 0);
  CHECK(p.output.find("constant (E_KRA perturbed: sigma 0.05 eV, seed 4) provider") != std::string::npos);
  std::ifstream again(s.path("out.json"));
  std::stringstream perturbed;
  perturbed << again.rdbuf();
  CHECK(perturbed.str().find("\"perturbation_seed\": 4") != std::string::npos);
}

TEST_CASE("a run in a field reports drift, mobility, current and conductivity") {
  Scratch s("hkmc_cli");
  std::string text = with_output(s);
  text.replace(text.find("replicas = 2"), 12, "replicas = 2\nfield = [0.01, 0.0, 0.0]");
  const auto input = s.write("in.toml", text);
  const auto r = run("run " + input);
  INFO(r.output);
  REQUIRE(r.code == 0);
  for (const char* line : {"field      F = (0.01, 0, 0) V/Å", "current    j = (", "Nernst–Einstein σ ="})
    CHECK_MESSAGE(r.output.find(line) != std::string::npos, line);
  std::ifstream in(s.path("out.json"));
  std::stringstream json;
  json << in.rdbuf();
  for (const char* key : {"\"drift_velocity_cm_s\"", "\"drift_velocity_err_cm_s\"", "\"mobility_cm2_V_s\"",
                          "\"field_V_per_A\"", "\"current_density_A_cm2\"", "\"current_density_err_A_cm2\"",
                          "\"conductivity_S_cm\"", "\"nernst_einstein_conductivity_S_cm\""})
    CHECK_MESSAGE(json.str().find(key) != std::string::npos, key);
  CHECK(json.str().find("\"conductivity_S_cm\": null") == std::string::npos);
}

TEST_CASE("check accepts a valid input and run refuses to overwrite without --force") {
  Scratch s("hkmc_cli");
  const auto input = s.write("in.toml", with_output(s));
  CHECK(run("check " + input).code == 0);
  s.write("out.h5", "precious");
  const auto r = run("run " + input + " --quiet");
  CHECK(r.code == 2);
  CHECK(r.output.find("exists") != std::string::npos);
  CHECK(r.output.find("--force") != std::string::npos);
  std::ifstream kept(s.path("out.h5"));
  std::string content;
  kept >> content;
  CHECK(content == "precious");
  CHECK(run("run " + input + " --quiet --force").code == 0);
}

TEST_CASE("usage errors exit with 1") {
  CHECK(run("").code == 1);
  CHECK(run("frobnicate").code == 1);
  CHECK(run("run").code == 1);
  CHECK(run("--version").code == 0);
}

// Each case: an edit of the valid input, and text the message must contain.
struct BadCase {
  const char* name;
  std::string input;
  std::vector<std::string> expect;
};

TEST_CASE("invalid inputs exit with 2, name the problem and write nothing") {
  Scratch s("hkmc_cli");
  auto replace = [](std::string text, const std::string& from, const std::string& to) {
    const auto p = text.find(from);
    REQUIRE(p != std::string::npos);
    return text.replace(p, from.size(), to);
  };
  const std::string v = with_output(s);
  const std::string table_bad = s.write("bad.csv", "mechanism,path_type,E_kra_eV\nvacancy_edge,B,abc\n");
  const std::string table_missing = s.write("other.csv", "mechanism,path_type,E_kra_eV\nvacancy_edge,A,0.3\n");
  std::vector<BadCase> cases = {
      {"too many vacancies", replace(v, "vacancies = 6", "vacancies = 648"), {"[defects] vacancies = 648", "648 lattice sites"}},
      {"no defects", replace(v, "vacancies = 6", "vacancies = 0"), {"nothing can move"}},
      {"r_env larger than the supercell allows",
       replace(v, "[kmc]", "[barriers]\nprovider = \"model\"\nE0 = 0.2\nslope = {Br = 0.01}\nr_env = 19.0\n\n[kmc]"),
       {"too small", "r_env"}},
      {"environment reaching farther than the engines support",
       replace(replace(v, "supercell = [6, 6, 6]", "supercell = [24, 24, 24]"), "[kmc]",
               "[barriers]\nprovider = \"model\"\nE0 = 0.2\nslope = {Br = 0.01}\nr_env = 55.0\n\n[kmc]"),
       {"reach 10 unit cells", "at most 8", "r_env", "in.toml"}},
      {"unknown species in a model slope",
       replace(v, "[kmc]", "[barriers]\nprovider = \"model\"\nslope = {Cl = 0.01}\n\n[kmc]"), {"Cl"}},
      {"bad table value", replace(v, "[kmc]", "[barriers]\nprovider = \"table\"\nfile = \"" + table_bad + "\"\n\n[kmc]"),
       {"bad.csv:2", "E_kra_eV", "'abc'"}},
      {"table without the run's path",
       replace(v, "[kmc]", "[barriers]\nprovider = \"table\"\nfile = \"" + table_missing + "\"\n\n[kmc]"),
       {"no row for mechanism 'vacancy_edge'", "path type 'B'"}},
      {"override for an unknown path",
       replace(v, "[kmc]", "[barriers]\nE_kra = {\"vacancy_edge/Q\" = 0.3}\n\n[kmc]"),
       {"vacancy_edge/Q", "allowed", "vacancy_edge/B"}},
      {"interstitials in fcc",
       replace(replace(replace(v, "\"perovskite\"", "\"fcc\""), "Br = 1.0", "A = 1.0"), "vacancies = 6",
               "interstitials = 2"),
       {"interstitial"}},
      {"unknown section", v + "\n[kmcc]\nx = 1\n", {"kmcc"}},
      {"negative temperature", replace(v, "temperature = 300.0", "temperature = -300.0"),
       {"[kmc] temperature = -300.0", "in.toml:"}},
      {"missing table file",
       replace(v, "[kmc]", "[barriers]\nprovider = \"table\"\nfile = \"nowhere.csv\"\n\n[kmc]"), {"nowhere.csv"}},
      {"missing output directory",
       replace(v, s.path("out.h5"), s.path("no/such/dir/out.h5")), {"does not exist"}},
      {"charge for an unknown species", replace(v, "replicas = 2", "replicas = 2\ncharges = {I = -1.0}"),
       {"charges", "I"}},
      {"mechanism shell that does not exist",
       v + "\n[[mechanisms]]\nname = \"far\"\nkind = \"vacancy\"\nshell = 60\n", {"shell 60"}},
      {"vacancies both per layer and for the supercell",
       "[lattice]\nprototype = \"perovskite\"\na = 6.0\nsupercell = [4,4,8]\n[initial]\ntype = \"layers\"\n"
       "[[initial.layers]]\ncells = 4\ncomposition = { I = 1.0 }\nvacancy_fraction = 0.02\n"
       "[[initial.layers]]\ncells = 4\ncomposition = { Br = 1.0 }\n[defects]\nvacancies = 3\n"
       "[kmc]\ntemperature = 300.0\nsteps = 10\n",
       {"both", "per layer"}},
      {"layer vacancy fraction out of range",
       "[lattice]\nprototype = \"perovskite\"\na = 6.0\nsupercell = [4,4,8]\n[initial]\ntype = \"layers\"\n"
       "[[initial.layers]]\ncells = 4\ncomposition = { I = 1.0 }\nvacancy_fraction = 1.5\n"
       "[[initial.layers]]\ncells = 4\ncomposition = { Br = 1.0 }\n[kmc]\ntemperature = 300.0\nsteps = 10\n",
       {"vacancy_fraction = 1.5", "must be >= 0 and < 1"}},
      {"mc sweeps out of range", v + "\n[mc]\nsweeps = 0\n", {"[mc] sweeps = 0", "must be an integer from 1"}},
      {"vacancy fraction rounding to every lattice site",
       "[lattice]\nprototype = \"perovskite\"\na = 6.0\nsupercell = [2,2,2]\n[composition]\nBr = 1.0\n[defects]\n"
       "vacancy_fraction = 0.99\n[kmc]\ntemperature = 300.0\nsteps = 10\n",
       {"[defects] vacancy_fraction = 0.99 (24 vacancies)", "fewer vacancies than the 24 lattice sites", "in.toml:8)"}},
      // sweeps left at its default (5000): the error names the key that was written, with its line.
      {"mc sample_every beyond the default sweeps", v + "\n[mc]\nsample_every = 6000\n",
       {"[mc] sample_every = 6000", "must be at most sweeps = 5000",
        ".toml:" + std::to_string(std::count(v.begin(), v.end(), '\n') + 3) + ")"}},
      {"Hamiltonian file missing", replace(v, "[kmc]", "[energy]\nhamiltonian = \"none.toml\"\n\n[kmc]"),
       {"[energy] hamiltonian", "none.toml"}},
      {"coincident custom basis sites",
       "[lattice]\nprototype = \"custom\"\na = 4.0\nsupercell = [4,4,4]\nbasis = [{sublattice = \"X\", frac = [0,0,0]}, "
       "{sublattice = \"X\", frac = [0,0,0]}]\nmobile = [\"X\"]\n[composition]\nA = 1.0\n[defects]\nvacancies = 2\n"
       "[kmc]\ntemperature = 300.0\nsteps = 10\n",
       {"position of another basis site"}},
  };
  for (const auto& c : cases) {
    const auto input = s.write("in.toml", c.input);
    const auto r = run("run " + input + " --quiet");
    INFO(c.name << "\n" << r.output);
    CHECK(r.code == 2);
    for (const auto& e : c.expect) CHECK_MESSAGE(r.output.find(e) != std::string::npos, e);
    CHECK_FALSE(fs::exists(s.path("out.h5")));
    CHECK_FALSE(fs::exists(s.path("out.json")));
  }
  const auto input = s.write("in.toml", v);
  const auto bad_set = run("run " + input + " --set kmc.temperature");
  CHECK(bad_set.code == 2);
  const auto missing = run("run " + s.path("absent.toml"));
  CHECK(missing.code == 2);
  CHECK(missing.output.find("absent.toml") != std::string::npos);
}

TEST_CASE("mc: progress on stderr (none with --quiet), energy and Warren-Cowley table, JSON summary") {
  Scratch s("hkmc_cli_mc");
  std::string text = with_output(s) + "\n[mc]\nequilibration = 20\nsweeps = 200\nsample_every = 10\n";
  text.replace(text.find("Br = 1.0"), 8, "Br = 0.5\nI = 0.5");
  const auto input = s.write("in.toml", text);
  const auto r = run("mc " + input + " --summary " + s.path("mc.json"));
  INFO(r.output);
  REQUIRE(r.code == 0);
  // Not a terminal: plain progress lines (at least the last one).
  CHECK(r.output.find("progress ") != std::string::npos);
  CHECK(r.output.find("200 sweeps after 20 of equilibration") != std::string::npos);
  CHECK(r.output.find("Warren–Cowley") != std::string::npos);
  const std::string json = hkmc::test::read_text(s.path("mc.json"));
  CHECK(json.find("\"energy_per_site_eV\"") != std::string::npos);
  CHECK(json.find("\"warren_cowley\"") != std::string::npos);
  const auto quiet = run("mc " + input + " --quiet");
  INFO(quiet.output);
  REQUIRE(quiet.code == 0);
  CHECK(quiet.output.find("progress") == std::string::npos);
  // The same seed gives the same table with and without the display.
  CHECK(quiet.output.substr(quiet.output.find("mc         T")) == r.output.substr(r.output.find("mc         T")));
}

TEST_CASE("every shipped input passes check, and the examples run") {
  const fs::path inputs = fs::path(HKMC_SOURCE_DIR) / "inputs";
  int checked = 0;
  std::vector<fs::path> files;
  for (const auto& dir : {inputs, inputs / "bench"})  // run inputs; hamiltonians/ holds data files
    for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  // A build without the NEB module (no libtorch) refuses provider "neb" with
  // a message saying so; every other input must pass.
  const bool with_neb = run("barriers --help").output.find("precompute") != std::string::npos;
  for (const auto& path : files) {
    const fs::directory_entry entry(path);
    if (entry.path().extension() != ".toml") continue;
    const auto r = run("check " + entry.path().string());
    INFO(entry.path().string() << "\n" << r.output);
    if (!with_neb && hkmc::test::read_text(entry.path()).find("provider = \"neb\"") != std::string::npos) {
      CHECK(r.code == 2);
      CHECK(r.output.find("built without the NEB module") != std::string::npos);
      continue;
    }
    CHECK(r.code == 0);
    ++checked;
  }
  CHECK(checked >= 4);
  Scratch s("hkmc_cli");
  const auto r = run("run " + (inputs / "cs2kfecl6_table.toml").string() + " --quiet --set kmc.steps=2000" +
                     " --set output.file=" + s.path("c.h5") + " --set output.summary=" + s.path("c.json"));
  INFO(r.output);
  CHECK(r.code == 0);
  // Both octahedra's edge paths were read from the table.
  std::ifstream json(s.path("c.json"));
  std::stringstream text;
  text << json.rdbuf();
  CHECK(text.str().find("\"Cl\"") != std::string::npos);
}

TEST_CASE("interdiffusion analysis of a bilayer recovers the tracer D (equal barriers)") {
  // With kinetically identical I and Br the profile follows Fick's law with
  // the tracer D (as in the statistical erf test), so the analysis script's
  // fit must give the D the same run reports.
  Scratch s("hkmc_cli");
  const auto input = s.write("bilayer.toml", R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [6, 6, 24]
[initial]
type = "layers"
axis = "z"
[[initial.layers]]
cells = 12
composition = { I = 1.0 }
[[initial.layers]]
cells = 12
composition = { Br = 1.0 }
[defects]
vacancy_fraction = 0.02
[kmc]
temperature = 300.0
steps = 600000
seed = 4
replicas = 4
[output]
samples = 10
profile = true
profile_axis = "z"
)");
  const auto r = run("run " + input + " --quiet --set output.file=" + s.path("b.h5") + " --set output.summary=" +
                     s.path("b.json"));
  REQUIRE(r.code == 0);
  const std::string script = std::string(HKMC_SOURCE_DIR) + "/tools/analysis/interdiffusion.py";
  const auto analysis = run(script + " " + s.path("b.h5") + " --json", "/usr/bin/python3");
  REQUIRE(analysis.code == 0);
  const std::string& out = analysis.output;
  auto number_after = [](const std::string& text, const std::string& key) {
    const auto p = text.find("\"" + key + "\"");
    REQUIRE(p != std::string::npos);
    return std::stod(text.substr(text.find(':', p) + 1));
  };
  std::ifstream json(s.path("b.json"));
  std::stringstream summary;
  summary << json.rdbuf();
  const std::string text = summary.str();
  // Tracer D of I from the summary: the first "D_cm2_s" after "\"I\"".
  const double d_tracer = number_after(text.substr(text.find("\"I\": {")), "D_cm2_s");
  const double d_tracer_err = number_after(text.substr(text.find("\"I\": {")), "D_err_cm2_s");
  const double d_erf = number_after(out, "D_erf_cm2_s");
  const double d_erf_err = number_after(out, "D_erf_err_cm2_s");  // jackknife over the 4 replicas
  MESSAGE("tracer D(I) = " << d_tracer << " +- " << d_tracer_err << ", D from the profile fit = " << d_erf << " +- "
                           << d_erf_err);
  CHECK(std::abs(d_erf - d_tracer) < 0.15 * d_tracer);
  CHECK(d_erf_err > 0.0);
  CHECK(d_erf_err < 0.2 * d_erf);
  CHECK(std::abs(d_erf - d_tracer) < 4.0 * std::hypot(d_erf_err, d_tracer_err));
  // The interfaces spread over less than a layer here (2 sqrt(Dt) ~ 4 A, layers 6 A):
  // the script must say that its Boltzmann-Matano values are not resolved.
  CHECK(out.find("\"matano_resolved\": false") != std::string::npos);
}
