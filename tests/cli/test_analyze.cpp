// `halide-kmc analyze OUT.h5`: the tables of the shipped segregation example
// (whose quench below Tc must order: α and L grow), of a run in a field and
// with profiles; and clear refusals of files that are not run outputs.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../CliTestSupport.hpp"

namespace fs = std::filesystem;
using hkmc::test::run_command;
using hkmc::test::Scratch;

namespace {

bool has(const std::string& text, const std::string& what) { return text.find(what) != std::string::npos; }

// The numbers (mean of "x±e" cells) of the row of the segregation table that
// starts with `time`, in column order.
std::vector<double> row_values(const std::string& table_line) {
  std::istringstream in(table_line);
  std::vector<double> v;
  std::string cell;
  while (in >> cell) v.push_back(std::stod(cell.substr(0, cell.find("±"))));
  return v;
}

}  // namespace

TEST_CASE("analyze: the shipped segregation example orders below Tc, and its tables are printed") {
  Scratch s("hkmc_analyze");
  const std::string input = std::string(HKMC_SOURCE_DIR) + "/inputs/segregation.toml";
  // A tenth of the shipped run: enough for the order to be unmistakable.
  const auto r = run_command("run " + input + " --quiet --set kmc.steps=400000 --set output.samples=40" +
                             " --set output.file=" + s.path("seg.h5") + " --set output.summary=" + s.path("seg.json"));
  REQUIRE(r.code == 0);
  const auto a = run_command("analyze " + s.path("seg.h5") + " --rows 0");
  INFO(a.output);
  REQUIRE(a.code == 0);
  for (const char* what : {"Run: ", "perovskite 16 x 16 x 16; species I, Br\n", "temperature           100 K",
                           "Diffusion (tracer D", "vacancy", "Haven ratio", "Segregation: mean over 2 replica(s)",
                           "L Br (Å)", "domains Br", "α1(I,Br)", "α3(I,Br)", "clusters of >= 20 like sites"})
    CHECK(has(a.output, what));
  CHECK_FALSE(has(a.output, "Cl"));  // species the run does not have are left out
  CHECK_FALSE(has(a.output, "Drift"));  // no field
  // Rows: time, L I, L Br, domains I, domains Br, α1..α3 (I,Br); first and last sample.
  std::istringstream lines(a.output);
  std::string line;
  std::vector<std::vector<double>> rows;
  bool in_table = false;
  while (std::getline(lines, line)) {
    if (has(line, "time (s)")) {
      in_table = true;
      continue;
    }
    if (in_table && line.size() > 2 && std::isdigit(static_cast<unsigned char>(line[2]))) rows.push_back(row_values(line));
  }
  REQUIRE(rows.size() == 41);
  const auto &first = rows.front(), &last = rows.back();
  REQUIRE(first.size() == 8);
  CHECK(first[0] == 0.0);
  // A random start has α ≈ 0 (|α| < 0.02 for 12,288 sites) and L of a flat
  // S(k): 16a/4.5 = 21.6 Å (shells 1..8, mean 4.5 Δk).
  CHECK(std::abs(first[5]) < 0.02);
  CHECK(first[1] == doctest::Approx(16 * 6.08 / 4.5).epsilon(0.05));
  // Below Tc like neighbours win (α > 0) and domains grow (L rises).
  CHECK(last[5] > 0.25);
  CHECK(last[7] > 0.1);
  CHECK(last[1] > first[1] + 3.0);
  // I and Br see the same S(k) when vacancies are few: equal L within 2 %.
  CHECK(last[2] == doctest::Approx(last[1]).epsilon(0.02));

  // The JSON summary holds the same end values (α per shell, L, domains) as the table's last row.
  const auto j = nlohmann::json::parse(std::ifstream(s.path("seg.json")));
  REQUIRE(j.contains("segregation"));
  const auto& seg = j["segregation"];
  REQUIRE(seg["sro"].size() == 3);
  CHECK(seg["sro"][0]["shell"] == 1);
  CHECK(seg["sro"][0]["distance_A"].get<double>() == doctest::Approx(6.08 / std::sqrt(2.0)));
  const auto& alpha1 = seg["sro"][0]["alpha"].contains("I-Br") ? seg["sro"][0]["alpha"]["I-Br"] : seg["sro"][0]["alpha"]["Br-I"];
  CHECK(alpha1["value"].get<double>() == doctest::Approx(last[5]).epsilon(0.01));
  CHECK(alpha1["err"].get<double>() > 0);
  CHECK(seg["length_A"]["Br"]["value"].get<double>() == doctest::Approx(last[2]).epsilon(0.01));
  CHECK(seg["domains"]["Br"]["value"].get<double>() == doctest::Approx(last[4]));
  CHECK(seg["time_s"].get<double>() > 0);

  // Fewer rows: log-spaced, always the first and last sample.
  const auto few = run_command("analyze " + s.path("seg.h5") + " --rows 5");
  REQUIRE(few.code == 0);
  CHECK(has(few.output, "\n  0 "));
}

TEST_CASE("analyze: drift and current in a field; profile summary; no segregation table when not recorded") {
  Scratch s("hkmc_analyze");
  const auto input = s.write("field.toml", R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [4, 4, 8]
[initial]
type = "layers"
axis = "z"
[[initial.layers]]
cells = 4
composition = { I = 1.0 }
[[initial.layers]]
cells = 4
composition = { Br = 1.0 }
[defects]
vacancies = 8
[kmc]
temperature = 300.0
steps = 20000
seed = 2
replicas = 2
field = [0.0, 0.0, 0.01]
[output]
samples = 10
profile = true
profile_axis = "z"
crossings = true
)");
  REQUIRE(run_command("run " + input + " --quiet --set output.file=" + s.path("f.h5") + " --set output.summary=" +
                      s.path("f.json")).code == 0);
  const auto a = run_command("analyze " + s.path("f.h5"));
  INFO(a.output);
  REQUIRE(a.code == 0);
  CHECK(has(a.output, "Drift and current (field [0, 0, 0.01] V/Å)"));
  CHECK(has(a.output, "conductivity (S/cm)"));
  CHECK(has(a.output, "Concentration profile (replica 0000, 8 cell layers)"));
  // The bilayer starts with pure layers: fractions 0 to 1 for both species.
  CHECK(has(a.output, "0.000 – 1.000"));
  CHECK_FALSE(has(a.output, "Segregation"));
  // Crossings: the two interfaces of the bilayer and each layer's bulk plane, in the table and the JSON.
  CHECK(has(a.output, "Plane crossings along z (16 planes of 576 Å²"));
  CHECK(has(a.output, "0|1 z = 22.5"));
  CHECK(has(a.output, "1|0 z = 46.5"));
  CHECK(has(a.output, "layer 1   z = 34.5"));
  const auto j = nlohmann::json::parse(std::ifstream(s.path("f.json")));
  REQUIRE(j["crossings"]["interfaces"].size() == 2);
  const auto& vacancy = j["crossings"]["interfaces"][0]["rates"]["vacancy"];
  CHECK(vacancy["total_per_cm2_s"].get<double>() > 0);
  CHECK(vacancy["permeability_vs_lower"].get<double>() > 0);
  CHECK(j["crossings"]["layers"][1]["bulk_plane"] == 11);  // site planes 8..15, middle gap 11
}

TEST_CASE("analyze: missing, unreadable and foreign files are refused with the file name and the reason (exit 2)") {
  Scratch s("hkmc_analyze");
  auto refused = [](const std::string& file, const std::string& why) {
    const auto r = run_command("analyze " + file);
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(has(r.output, "'" + file + "'"));
    CHECK(has(r.output, why));
  };
  refused(s.path("nothing.h5"), "no such file");
  refused(s.dir.string(), "is a directory");
  refused(s.write("text.h5", "not hdf5 at all\n"), "not an HDF5 file");
  refused(std::string(HKMC_SOURCE_DIR) + "/inputs/cache/cspbibr3_reference_vacancy.h5",
          "its format is 'halide-kmc barrier cache', not 'halide-kmc-output'");
  refused(std::string(HKMC_SOURCE_DIR) + "/tests/fuzz/corpus/checkpoint/finished_3x3x3.h5",
          "(a checkpoint: continue it with `run --restart`)");
  // A run output cut short: HDF5 finds its superblock but not the rest.
  const std::string input = std::string(HKMC_SOURCE_DIR) + "/inputs/demo.toml";
  REQUIRE(run_command("run " + input + " --quiet --set kmc.steps=2000 --set output.file=" + s.path("ok.h5") +
                      " --set output.summary=" + s.path("ok.json")).code == 0);
  std::ifstream in(s.path("ok.h5"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(s.path("cut.h5"), std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  const auto r = run_command("analyze " + s.path("cut.h5"));
  CHECK(r.code == 2);
  CHECK(has(r.output, "'" + s.path("cut.h5") + "'"));
  CHECK(run_command("analyze " + s.path("ok.h5")).code == 0);
  // Usage: the file is required.
  CHECK(run_command("analyze").code == 1);
}
