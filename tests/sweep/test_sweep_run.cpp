// Running sweeps in-process: results independent of the thread count, resume
// after lost points, shards merged into the same table as one run, and every
// problem reported before anything runs.
#include <doctest/doctest.h>
#include <tbb/global_control.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "hkmc/common/Error.hpp"
#include "hkmc/sweep/SweepMerge.hpp"
#include "hkmc/sweep/SweepRunner.hpp"

namespace fs = std::filesystem;
using namespace hkmc;

namespace {

const char* kInput = R"(
[lattice]
prototype = "perovskite"
a = 6.0
supercell = [4, 4, 4]

[composition]
Br = 0.5
balance = "I"

[defects]
vacancies = 4

[barriers]
provider = "model"
E0 = 0.25
slope = { Br = 0.01 }

[kmc]
temperature = 300.0
steps = 4000
seed = 11
replicas = 2
blocks = 4
)";

struct Scratch {
  fs::path dir;
  Scratch() {
    static int counter = 0;
    dir = fs::temp_directory_path() / ("hkmc_sweep_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::ofstream(dir / "in.toml") << kInput;
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

sweep::SweepOptions options(const Scratch& s, const std::string& out, const std::string& shard = "") {
  sweep::SweepOptions o;
  o.input_path = s.path("in.toml");
  o.vary = {"composition.Br=0.25,0.75", "kmc.temperature=300:500:100"};
  o.out_dir = s.path(out);
  o.shard = shard;
  return o;
}

std::string run(const sweep::SweepOptions& o, int threads) {
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
  sweep::run_sweep(sweep::plan_sweep(o));
  return read(o.out_dir + "/sweep.csv");
}

}  // namespace

TEST_CASE("a sweep's table does not depend on the thread count, and point 0 is the base seed") {
  Scratch s;
  const std::string one = run(options(s, "t1"), 1);
  const std::string two = run(options(s, "t2"), 2);
  CHECK(one == two);
  // 6 points + header, every point has both species and the vacancy.
  CHECK(std::count(one.begin(), one.end(), '\n') == 7);
  CHECK(one.find("D_Br_cm2_s") != std::string::npos);
  CHECK(one.find("D_I_cm2_s") != std::string::npos);
  CHECK(one.find("nan,") == std::string::npos);
  const auto p0 = sweep::point_from_json(read(s.path("t1/points/p00000.json")), "p0");
  const auto p5 = sweep::point_from_json(read(s.path("t1/points/p00005.json")), "p5");
  CHECK(p0.seed == 11);
  CHECK(p5.seed == 16);
  CHECK(p5.parameters == std::vector<std::pair<std::string, std::string>>{{"composition.Br", "0.75"},
                                                                          {"kmc.temperature", "500"}});
  CHECK(fs::exists(s.path("t1/sweep.h5")));
  // Three temperatures per composition: one Arrhenius row per composition and quantity (Br, I, vacancy).
  const std::string arr = read(s.path("t1/arrhenius.csv"));
  CHECK(std::count(arr.begin(), arr.end(), '\n') == 1 + 2 * 3);
}

TEST_CASE("resume computes only the missing points and gives the same table") {
  Scratch s;
  const auto o = options(s, "out");
  const std::string full = run(o, 2);
  const std::string kept = read(s.path("out/points/p00001.json"));
  fs::remove(s.path("out/points/p00003.json"));
  fs::remove(s.path("out/points/p00004.json"));
  fs::remove(s.path("out/points/p00004.h5"));
  std::ofstream(s.path("out/points/p00004.json.tmp123")) << "half-written";  // a killed writer's leftover
  const auto plan = sweep::plan_sweep(o);
  CHECK(plan.to_run == std::vector<int>{3, 4});
  CHECK(plan.finished.size() == 4);
  const auto report = sweep::run_sweep(plan);
  CHECK(report.computed == std::vector<int>{3, 4});
  CHECK(read(s.path("out/sweep.csv")) == full);
  CHECK(read(s.path("out/points/p00001.json")) == kept);  // untouched, wall time included
  // Nothing left to do the next time.
  CHECK(sweep::plan_sweep(o).to_run.empty());
}

TEST_CASE("shards merged equal the unsharded sweep exactly") {
  Scratch s;
  const std::string full = run(options(s, "full"), 2);
  run(options(s, "a", "0/2"), 2);
  run(options(s, "b", "1/2"), 1);
  CHECK(fs::exists(s.path("a/points/p00004.json")));
  CHECK_FALSE(fs::exists(s.path("a/points/p00001.json")));
  const auto report = sweep::merge_sweeps({s.path("a"), s.path("b")}, s.path("merged"), false);
  CHECK(report.points_found == 6);
  CHECK(report.missing.empty());
  CHECK(report.copied == 6);
  CHECK(read(s.path("merged/sweep.csv")) == full);
  CHECK(read(s.path("merged/arrhenius.csv")) == read(s.path("full/arrhenius.csv")));
  // The merged directory is a complete sweep: resuming it computes nothing.
  CHECK(sweep::plan_sweep(options(s, "merged")).to_run.empty());
  // One shard alone: the missing points are reported.
  const auto partial = sweep::merge_sweeps({s.path("a")}, s.path("partial"), false);
  CHECK(partial.missing == std::vector<int>{1, 3, 5});
  // Overlapping inputs that agree are fine; a different sweep is refused.
  CHECK(sweep::merge_sweeps({s.path("a"), s.path("full")}, s.path("m2"), false).points_found == 6);
  auto other = options(s, "other");
  other.vary = {"kmc.temperature=300,400"};
  run(other, 2);
  CHECK_THROWS_WITH_AS(sweep::merge_sweeps({s.path("a"), s.path("other")}, s.path("m3"), false),
                       doctest::Contains("different sweep"), InputError);
}

TEST_CASE("a changed sweep in an existing directory is refused unless --force") {
  Scratch s;
  run(options(s, "out"), 2);
  auto changed = options(s, "out");
  changed.set_overrides = {"kmc.steps=5000"};
  CHECK_THROWS_WITH_AS(sweep::plan_sweep(changed), doctest::Contains("holds a different sweep"), InputError);
  changed.force = true;
  CHECK(sweep::plan_sweep(changed).to_run.size() == 6);
  // A point file whose content does not match its point is never silently reused.
  auto o = options(s, "out2");
  run(o, 2);
  std::string text = read(s.path("out2/points/p00002.json"));
  text.replace(text.find("\"seed\": 13"), 10, "\"seed\": 99");
  std::ofstream(s.path("out2/points/p00002.json")) << text;
  CHECK_THROWS_WITH_AS(sweep::plan_sweep(o), doctest::Contains("p00002.json"), InputError);
}

TEST_CASE("bad --vary input: every problem before anything runs, nothing written") {
  Scratch s;
  auto o = options(s, "bad");
  o.vary = {"kmc.temprature=300,400", "composition.Br=0:1:0"};
  CHECK_THROWS_WITH_AS(sweep::plan_sweep(o), doctest::Contains("step must not be 0"), InputError);
  o.vary = {"kmc.temprature=300,400"};
  CHECK_THROWS_WITH_AS(sweep::plan_sweep(o), doctest::Contains("temprature"), InputError);
  // Valid syntax, invalid value at one point: named with the point.
  o.vary = {"kmc.temperature=300,-5"};
  try {
    sweep::plan_sweep(o);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].find("-5") != std::string::npos);
    CHECK(e.problems()[0].find("[point 1: kmc.temperature=-5]") != std::string::npos);
  }
  // Checked against the lattice: more vacancies than sites at one point.
  o.vary = {"defects.vacancies=4,1000"};
  CHECK_THROWS_WITH_AS(sweep::plan_sweep(o), doctest::Contains("point 1"), InputError);
  o.vary = {"kmc.replicas=1,2"};
  o.replicas = 3;
  CHECK_THROWS_WITH_AS(sweep::plan_sweep(o), doctest::Contains("also fixed"), InputError);
  CHECK_FALSE(fs::exists(s.path("bad")));
}
