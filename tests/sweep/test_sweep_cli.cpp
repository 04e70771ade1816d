// `halide-kmc sweep` and `merge` as a user meets them: exit codes and
// messages for bad --vary input, a sweep killed with SIGKILL and restarted,
// shards merged on the command line, and the plotting script.
#include <doctest/doctest.h>

#include "../CliTestSupport.hpp"
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <map>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
extern char** environ;

namespace {

using hkmc::test::Scratch;
using Result = hkmc::test::CommandResult;

Result run(const std::string& args, const std::string& program = HKMC_CLI_PATH) {
  return hkmc::test::run_command(args, program);
}

std::string read(const fs::path& path) { return hkmc::test::read_text(path); }

const char* kInput = R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [6, 6, 6]
[composition]
Br = 1.0
[defects]
vacancies = 6
[barriers]
provider = "constant"
E_kra = 0.3
[kmc]
temperature = 300.0
steps = 30000
seed = 3
replicas = 2
[output]
file = "would-collide.h5"
)";

std::string fmt_shard(const char* k) { return std::string(k) + "/3"; }

int count_points(const fs::path& dir) {
  int n = 0;
  if (!fs::exists(dir / "points")) return 0;
  for (const auto& e : fs::directory_iterator(dir / "points"))
    if (e.path().extension() == ".json") ++n;
  return n;
}

}  // namespace

TEST_CASE("bad sweep options exit with 2 and say what is wrong; nothing is written") {
  Scratch s("hkmc_sweepcli");
  const auto input = s.write("in.toml", kInput);
  const std::string out = " --out " + s.path("out") + " --quiet";
  auto r = run("sweep " + input + " --vary kmc.temprature=300,400" + out);
  CHECK(r.code == 2);
  CHECK(r.output.find("temprature") != std::string::npos);
  CHECK(r.output.find("did you mean") != std::string::npos);
  r = run("sweep " + input + " --vary kmc.temperature=300:400:-10" + out);
  CHECK(r.code == 2);
  CHECK(r.output.find("'300:400:-10'") != std::string::npos);
  r = run("sweep " + input + " --vary kmc.temperature=" + out);
  CHECK(r.code == 2);
  CHECK(r.output.find("no values") != std::string::npos);
  r = run("sweep " + input + out);
  CHECK(r.code == 2);
  CHECK(r.output.find("no --vary") != std::string::npos);
  r = run("sweep " + input + " --vary kmc.temperature=300 --shard 2/2" + out);
  CHECK(r.code == 2);
  CHECK(r.output.find("--shard 2/2") != std::string::npos);
  r = run("sweep " + input + " --vary kmc.temperature=300,-1" + out);
  CHECK(r.code == 2);
  CHECK(r.output.find("[point 1: kmc.temperature=-1]") != std::string::npos);
  CHECK_FALSE(fs::exists(s.path("out")));
  CHECK(run("sweep").code == 1);
  CHECK(run("merge " + s.path("out")).code == 1);  // --out is required
  r = run("merge " + s.path("nothing") + " --out " + s.path("m"));
  CHECK(r.code == 2);
  CHECK(r.output.find("not a sweep directory") != std::string::npos);
}

TEST_CASE("a sweep killed with SIGKILL resumes without recomputing finished points") {
  Scratch s("hkmc_sweepcli");
  const auto input = s.write("in.toml", kInput);
  const std::string vary = " --vary kmc.temperature=300:650:50";  // 8 points
  // Reference: one uninterrupted run.
  auto ref = run("sweep " + input + vary + " --out " + s.path("ref") + " --quiet");
  REQUIRE(ref.code == 0);
  // Killed run: one thread, so points finish one after another; SIGKILL as
  // soon as the first point file appears.
  const std::string out = s.path("killed");
  std::vector<std::string> args = {HKMC_CLI_PATH, "sweep", input, "--vary", "kmc.temperature=300:650:50",
                                   "--out", out, "--threads", "1", "--quiet"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  REQUIRE(posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) == 0);
  const auto start = std::chrono::steady_clock::now();
  while (count_points(out) == 0 && std::chrono::steady_clock::now() - start < std::chrono::seconds(60))
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  const int finished_before = count_points(out);
  MESSAGE("points finished when killed: " << finished_before << " of 8");
  REQUIRE(finished_before >= 1);
  const bool killed_mid_sweep = WIFSIGNALED(status);
  std::map<std::string, std::string> before;
  for (const auto& e : fs::directory_iterator(fs::path(out) / "points"))
    if (e.path().extension() == ".json") before[e.path().filename().string()] = read(e.path());
  // Restart: skips what was finished, computes the rest, same table as the reference.
  const auto r = run("sweep " + input + vary + " --out " + out);
  INFO(r.output);
  REQUIRE(r.code == 0);
  if (killed_mid_sweep)
    CHECK(r.output.find("resume     " + std::to_string(finished_before) + " finished point(s) skipped, " +
                        std::to_string(8 - finished_before) + " to compute") != std::string::npos);
  for (const auto& [name, text] : before) CHECK_MESSAGE(read(fs::path(out) / "points" / name) == text, name);
  CHECK(read(fs::path(out) / "sweep.csv") == read(s.path("ref") + "/sweep.csv"));
  CHECK(read(fs::path(out) / "arrhenius.csv") == read(s.path("ref") + "/arrhenius.csv"));
  // The input's own output file is not written by a sweep (it would be overwritten by every point).
  CHECK_FALSE(fs::exists(s.path("would-collide.h5")));
}

TEST_CASE("shards on the command line, merged, give the table of one run; the plot script draws it") {
  Scratch s("hkmc_sweepcli");
  const auto input = s.write("in.toml", kInput);
  const std::string vary = " --vary kmc.temperature=300,400,500 --vary kmc.blocks=4,8 --quiet";
  REQUIRE(run("sweep " + input + vary + " --out " + s.path("full") + " --threads 2").code == 0);
  for (const char* k : {"0", "1", "2"}) {
    const std::string shard = fmt_shard(k);
    REQUIRE(run("sweep " + input + vary + " --shard " + shard + " --out " + s.path(std::string("s") + k)).code == 0);
  }
  auto r = run("merge " + s.path("s0") + " " + s.path("s1") + " --out " + s.path("merged"));
  CHECK(r.code == 0);
  CHECK(r.output.find("2 point(s) missing from every input: 2 5") != std::string::npos);  // s2 not given
  r = run("merge " + s.path("s0") + " " + s.path("s1") + " " + s.path("s2") + " --out " + s.path("merged"));
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(r.output.find("merged     6 of 6 points") != std::string::npos);
  CHECK(read(s.path("merged/sweep.csv")) == read(s.path("full/sweep.csv")));
  CHECK(read(s.path("merged/arrhenius.csv")) == read(s.path("full/arrhenius.csv")));
  CHECK(fs::file_size(s.path("merged/sweep.h5")) > 0);

  const std::string script = std::string(HKMC_SOURCE_DIR) + "/tools/plot/plot_sweep.py";
  r = run(script + " " + s.path("merged") + " --x kmc.blocks --out " + s.path("figs"), "/usr/bin/python3");
  INFO(r.output);
  CHECK(r.code == 0);
  CHECK(fs::file_size(s.path("figs/D_vs_blocks.png")) > 1000);
  CHECK(fs::file_size(s.path("figs/arrhenius.png")) > 1000);
}

TEST_CASE("point 0 of a sweep reproduces `halide-kmc run` with the same overrides") {
  Scratch s("hkmc_sweepcli");
  const auto input = s.write("in.toml", kInput);
  REQUIRE(run("sweep " + input + " --vary kmc.temperature=350,400 --out " + s.path("sw") + " --quiet").code == 0);
  REQUIRE(run("run " + input + " --set kmc.temperature=350 --set output.file=" + s.path("run.h5") +
              " --set output.summary=" + s.path("run.json") + " --quiet")
              .code == 0);
  const std::string summary = read(s.path("run.json"));
  const std::string key = "\"D_cm2_s\": ";
  const auto at = summary.find(key);
  REQUIRE(at != std::string::npos);
  const std::string d = summary.substr(at + key.size(), summary.find_first_of(",\n}", at + key.size()) - at - key.size());
  INFO("run: D = " << d);
  CHECK(d.size() > 5);
  // The same number, to the last digit, in the point file (followed by a non-digit).
  const std::string point = read(s.path("sw/points/p00000.json"));
  const auto found = point.find("\"value\": " + d);
  REQUIRE(found != std::string::npos);
  CHECK_FALSE(std::isdigit(static_cast<unsigned char>(point[found + 9 + d.size()])));
}

namespace {

// The value of `column` in data row `row` of a CSV table without quoted fields.
std::string csv_value(const std::string& table, const std::string& column, int row) {
  std::istringstream in(table);
  std::string line;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) fields.push_back(cell);
    rows.push_back(fields);
  }
  for (std::size_t c = 0; c < rows.at(0).size(); ++c)
    if (rows[0][c] == column) return rows.at(row + 1).at(c);
  return "";
}

// The number after the first `"key": ` in a JSON text, after `from`.
double json_number(const std::string& text, const std::string& key, std::size_t from = 0) {
  const auto at = text.find("\"" + key + "\": ", from);
  REQUIRE(at != std::string::npos);
  return std::stod(text.substr(at + key.size() + 4));
}

}  // namespace

TEST_CASE("a sweep in a field tabulates mobilities and conductivities, equal to `halide-kmc run`'s") {
  Scratch s("hkmc_sweepfield");
  const auto input = s.write("in.toml", kInput);
  const std::string field = " --set kmc.field=[0.0,0.0,0.002]";
  REQUIRE(run("sweep " + input + field + " --vary kmc.temperature=350,400 --out " + s.path("sw") + " --quiet").code == 0);
  REQUIRE(run("run " + input + field + " --set kmc.temperature=350 --set output.file=" + s.path("run.h5") +
              " --set output.summary=" + s.path("run.json") + " --quiet")
              .code == 0);
  const std::string table = read(s.path("sw/sweep.csv"));
  const std::string summary = read(s.path("run.json"));
  CHECK(csv_value(table, "field_V_per_A", 1) == "0.002");
  // Point 0 (350 K, the base seed) is the run: the same numbers, to the last bit.
  const double mu = std::stod(csv_value(table, "mu_Br_cm2_V_s", 0));
  // The summary's species entry (after its defects).
  CHECK(mu == json_number(summary, "mobility_cm2_V_s", summary.find("\"species\"")));
  CHECK(mu < 0);  // halide anions drift against the field
  CHECK(std::stod(csv_value(table, "sigma_S_cm", 0)) == json_number(summary, "conductivity_S_cm"));
  CHECK(std::stod(csv_value(table, "sigma_S_cm", 0)) > 0);
  CHECK(std::stod(csv_value(table, "sigma_NE_S_cm", 0)) ==
        json_number(summary, "nernst_einstein_conductivity_S_cm"));

  // Without a field, no field columns.
  REQUIRE(run("sweep " + input + " --vary kmc.temperature=350 --out " + s.path("nofield") + " --quiet").code == 0);
  CHECK(read(s.path("nofield/sweep.csv")).find("mu_") == std::string::npos);
}

TEST_CASE("a sweep that counts plane crossings tabulates them, equal to `halide-kmc run`'s") {
  Scratch s("hkmc_sweepcross");
  const auto input = s.write("in.toml", R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [4, 4, 12]
[initial]
type = "layers"
axis = "z"
[[initial.layers]]
cells = 6
composition = { I = 1.0 }
[[initial.layers]]
cells = 6
composition = { Br = 1.0 }
[defects]
vacancy_fraction = 0.02
[barriers]
provider = "constant"
E_kra = 0.25
[kmc]
temperature = 300.0
steps = 40000
seed = 5
replicas = 2
[output]
crossings = true
)");
  REQUIRE(run("sweep " + input + " --vary kmc.temperature=350,400 --out " + s.path("sw") + " --quiet").code == 0);
  REQUIRE(run("run " + input + " --set kmc.temperature=350 --set output.file=" + s.path("run.h5") +
              " --set output.summary=" + s.path("run.json") + " --quiet")
              .code == 0);
  REQUIRE(fs::exists(s.path("sw/crossings.csv")));
  const std::string table = read(s.path("sw/crossings.csv"));
  // Per point: 2 interfaces, 2 layers' bulk planes and the plane mean, each
  // for I, Br and the vacancy: 15 rows, 30 for the two points.
  CHECK(std::count(table.begin(), table.end(), '\n') == 1 + 30);
  // Row 0: point 0 (350 K, the base seed), interface 0, entity I: the run's
  // numbers to the last bit.
  CHECK(csv_value(table, "plane_kind", 0) == "interface");
  CHECK(csv_value(table, "entity", 0) == "I");
  const std::string summary = read(s.path("run.json"));
  const auto iodide = summary.find("\"I\": {", summary.find("\"interfaces\""));
  REQUIRE(iodide != std::string::npos);
  const double p_lower = std::stod(csv_value(table, "P_vs_lower", 0));
  CHECK(p_lower == json_number(summary, "permeability_vs_lower", iodide));
  CHECK(p_lower > 0);
  CHECK(std::stod(csv_value(table, "rate_per_cm2_s", 0)) == json_number(summary, "total_per_cm2_s", iodide));
  CHECK(std::stod(csv_value(table, "P_vs_lower_err", 0)) > 0);  // jackknife over the 2 replicas
  // The HDF5 copy has the table too.
  const auto h5 = run("-c \"import h5py,sys; f=h5py.File(sys.argv[1]); print(len(f['crossings/entity']))\" " +
                          s.path("sw/sweep.h5"),
                      "/usr/bin/python3");
  CHECK(h5.output.find("30") != std::string::npos);
  // The plotting script draws the permeabilities.
  const std::string script = std::string(HKMC_SOURCE_DIR) + "/tools/plot/plot_sweep.py";
  const auto plot = run(script + " " + s.path("sw") + " --out " + s.path("figs"), "/usr/bin/python3");
  INFO(plot.output);
  CHECK(plot.code == 0);
  CHECK(fs::file_size(s.path("figs/permeability_vs_temperature.png")) > 10000);

  // Without crossings, no crossings table.
  REQUIRE(run("sweep " + input + " --set output.crossings=false --vary kmc.temperature=350 --out " + s.path("none") +
              " --quiet")
              .code == 0);
  CHECK_FALSE(fs::exists(s.path("none/crossings.csv")));
  // Nor is an earlier sweep's table left behind when its directory is reused.
  REQUIRE(run("sweep " + input + " --set output.crossings=false --vary kmc.temperature=350 --out " + s.path("sw") +
              " --force --quiet")
              .code == 0);
  CHECK_FALSE(fs::exists(s.path("sw/crossings.csv")));
}

TEST_CASE("a sweep with parallel = \"sectors\" runs the sector engine, as `halide-kmc run` does") {
  // The sector engine's trajectory differs from the serial one, so equal
  // numbers show the sweep used it (a serial point would not match).
  Scratch s("hkmc_sweepsectors");
  std::string text = kInput;
  text.replace(text.find("replicas = 2\n"), 13, "replicas = 2\nparallel = \"sectors\"\n");
  text.replace(text.find("[output]\nfile = \"would-collide.h5\"\n"), 34, "");
  const auto input = s.write("in.toml", text);
  REQUIRE(run("sweep " + input + " --vary kmc.temperature=350 --out " + s.path("sw") + " --quiet").code == 0);
  for (const char* parallel : {"sectors", "replicas"}) {
    CAPTURE(parallel);
    const std::string name = std::string(parallel) + ".json";
    REQUIRE(run("run " + input + " --set kmc.parallel=\"" + parallel + "\" --set kmc.temperature=350 --set output.file=" +
                s.path(std::string(parallel) + ".h5") + " --set output.summary=" + s.path(name) + " --quiet")
                .code == 0);
  }
  const double d_sweep = std::stod(csv_value(read(s.path("sw/sweep.csv")), "D_Br_cm2_s", 0));
  const std::string sectors = read(s.path("sectors.json")), serial = read(s.path("replicas.json"));
  CHECK(d_sweep == json_number(sectors, "D_cm2_s", sectors.find("\"species\"")));
  CHECK(d_sweep != json_number(serial, "D_cm2_s", serial.find("\"species\"")));
}
