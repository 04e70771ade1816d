// `halide-kmc barriers ...` and `run` with provider "neb", driven through the
// binary: precompute fills a cache, a run then finds every barrier in it,
// show/export/import/merge round-trip it, and bad input gets clear errors.
#include <doctest/doctest.h>

#include <filesystem>

#include "../CliTestSupport.hpp"
#include "hkmc/neb/BarrierCacheFile.hpp"

using hkmc::test::run_command;
using hkmc::test::Scratch;

namespace {

// Pure CsPbBr3 with r_env small enough for one environment per moving
// species: precompute runs one real CI-NEB (C++ reference potential, 3x3x3).
std::string input(const Scratch& s, const std::string& extra_neb = "", const std::string& extra_barriers = "") {
  return R"(
[lattice]
prototype = "perovskite"
a = 5.76
supercell = [4, 4, 4]
[composition]
Br = 1.0
[defects]
vacancies = 1
[[mechanisms]]
name = "vac"
kind = "vacancy"
[barriers]
provider = "neb"
r_env = 3.6
)" + extra_barriers + R"(
[barriers.neb]
)" + (extra_neb.find("potential =") == std::string::npos ? "potential = \"buckingham_coulomb\"\n" : "") +
         (extra_neb.find("cache =") == std::string::npos ? "cache = \"cache.h5\"\n" : "") + extra_neb + R"(
[kmc]
temperature = 500.0
steps = 2000
seed = 2
[output]
file = ")" + s.path("run.h5") + R"("
summary = ")" + s.path("run.json") + R"("
)";
}

}  // namespace

TEST_CASE("precompute, then a run that finds everything; show, export, import, merge") {
  Scratch s("hkmc_barriers_cli");
  const auto in = s.write("in.toml", input(s));
  auto pre = run_command("barriers precompute " + in);
  INFO(pre.output);
  REQUIRE(pre.code == 0);
  CHECK(pre.output.find("1 environments") != std::string::npos);
  CHECK(pre.output.find("1 to compute") != std::string::npos);
  // Resume: a second precompute has nothing left to do.
  auto again = run_command("barriers precompute " + in);
  CHECK(again.code == 0);
  CHECK(again.output.find("0 to compute") != std::string::npos);

  // A run that may not compute anything: every barrier comes from the cache.
  const auto strict = s.write("strict.toml", input(s, "compute_missing = false\n"));
  auto run = run_command("run --quiet " + strict);
  INFO(run.output);
  REQUIRE(run.code == 0);
  const auto json = hkmc::test::read_text(s.path("run.json"));
  CHECK(json.find("\"nebs\": 0") != std::string::npos);
  CHECK(json.find("\"hit_rate\": 1.0") != std::string::npos);

  auto show = run_command("barriers show " + s.path("cache.h5"));
  CHECK(show.code == 0);
  CHECK(show.output.find("entries          1") != std::string::npos);
  CHECK(show.output.find("potential_sha256 builtin") != std::string::npos);
  CHECK(show.output.find("E_KRA (eV)") != std::string::npos);

  // inspect: nothing flagged, so nothing to do without --all; with --all the
  // record is computed again, must come out identical (a record is a pure
  // function of its key), and its path is written as extended XYZ.
  auto none = run_command("barriers inspect " + in + " -o " + s.path("paths"));
  INFO(none.output);
  CHECK(none.code == 0);
  CHECK(none.output.find("0 records inspected") != std::string::npos);
  auto all = run_command("barriers inspect --all " + in + " -o " + s.path("paths"));
  INFO(all.output);
  REQUIRE(all.code == 0);
  CHECK(all.output.find("1 records inspected (1 reproduced exactly)") != std::string::npos);
  const auto xyz = hkmc::test::read_text(s.path("paths/environment_0000.xyz"));
  CHECK(xyz.find("initial state, relaxed") != std::string::npos);
  CHECK(xyz.find("attempt 1 image 6/6") != std::string::npos);  // 5 images + 2 ends
  CHECK(xyz.find("Lattice=\"17.28") != std::string::npos);     // 3 x 5.76 A
  // The XYZ files are not replaced without --force.
  CHECK(run_command("barriers inspect --all " + in + " -o " + s.path("paths")).code == 2);
  CHECK(run_command("barriers inspect --all --force " + in + " -o " + s.path("paths")).code == 0);

  REQUIRE(run_command("barriers export " + s.path("cache.h5") + " -o " + s.path("cache.csv")).code == 0);
  REQUIRE(run_command("barriers import " + s.path("cache.csv") + " -o " + s.path("copy.h5")).code == 0);
  const auto original = hkmc::neb::read_cache_file(s.path("cache.h5"));
  const auto copy = hkmc::neb::read_cache_file(s.path("copy.h5"));
  REQUIRE(copy.records.size() == 1);
  CHECK(copy.provenance.difference(original.provenance).empty());
  CHECK(copy.records[0].key() == original.records[0].key());
  CHECK(copy.records[0].barrier.e_kra == original.records[0].barrier.e_kra);  // 17 digits: exact

  auto merge = run_command("barriers merge " + s.path("cache.h5") + " " + s.path("copy.h5") + " -o " +
                           s.path("merged.h5"));
  CHECK(merge.code == 0);
  CHECK(merge.output.find("0 added, 1 already present (0 with a different E_KRA") != std::string::npos);
  // Existing outputs are not replaced without --force.
  CHECK(run_command("barriers export " + s.path("cache.h5") + " -o " + s.path("cache.csv")).code == 2);

  SUBCASE("a cache from other settings is refused by the run, naming the field") {
    const auto other = s.write("other.toml", input(s, "fmax = 0.03\n"));
    auto r = run_command("run --quiet --force " + other);
    CHECK(r.code == 2);
    CHECK(r.output.find("computed differently") != std::string::npos);
    CHECK(r.output.find("settings:") != std::string::npos);
  }
  SUBCASE("merging caches of different provenance is refused") {
    auto csv = hkmc::test::read_text(s.path("cache.csv"));
    csv.replace(csv.find("# potential: "), 13, "# potential: another ");
    s.write("other.csv", csv);
    REQUIRE(run_command("barriers import " + s.path("other.csv") + " -o " + s.path("other.h5")).code == 0);
    auto r = run_command("barriers merge " + s.path("cache.h5") + " " + s.path("other.h5") + " -o " +
                         s.path("bad.h5"));
    CHECK(r.code == 3);
    CHECK(r.output.find("computed differently") != std::string::npos);
  }
}

TEST_CASE("sweep shards save their own barrier caches and merge combines them") {
  // Two points, pure CsPbBr3 and pure CsPbI3: each meets one environment of
  // its own, so each shard computes one record. Shards must not write the
  // input's cache (they may run at once on a cluster); merged, their caches
  // must hold what one unsharded sweep computes.
  Scratch s("hkmc_barriers_shards");
  auto text = input(s);
  text.replace(text.find("Br = 1.0\n"), 9, "Br = 1.0\nbalance = \"I\"\n");
  const auto in = s.write("in.toml", text);
  const std::string vary = " --vary composition.Br=0,1 --quiet";
  for (const char* k : {"0", "1"}) {
    auto shard = run_command(std::string("sweep ") + in + vary + " --shard " + k + "/2 --out " + s.path(std::string("shard") + k));
    INFO(shard.output);
    REQUIRE(shard.code == 0);
  }
  CHECK_FALSE(std::filesystem::exists(s.path("cache.h5")));
  const auto c0 = hkmc::neb::read_cache_file(s.path("shard0/barrier_cache.h5"));
  const auto c1 = hkmc::neb::read_cache_file(s.path("shard1/barrier_cache.h5"));
  REQUIRE(c0.records.size() == 1);
  REQUIRE(c1.records.size() == 1);
  CHECK(c0.records[0].moving != c1.records[0].moving);

  auto merge = run_command("merge " + s.path("shard0") + " " + s.path("shard1") + " --out " + s.path("merged"));
  INFO(merge.output);
  REQUIRE(merge.code == 0);
  CHECK(merge.output.find("2 barrier cache file(s) of the shards") != std::string::npos);
  const auto merged = hkmc::neb::read_cache_file(s.path("merged/barrier_cache.h5"));

  // The same sweep in one process writes the input's cache.
  auto single = run_command("sweep " + in + vary + " --out " + s.path("single"));
  INFO(single.output);
  REQUIRE(single.code == 0);
  const auto whole = hkmc::neb::read_cache_file(s.path("cache.h5"));
  CHECK_FALSE(std::filesystem::exists(s.path("single/barrier_cache.h5")));
  CHECK(merged.provenance.difference(whole.provenance).empty());
  REQUIRE(merged.records.size() == 2);
  REQUIRE(whole.records.size() == 2);
  for (const auto& r : whole.records) {
    CAPTURE(r.key());
    const auto* m = r.key() == merged.records[0].key() ? &merged.records[0] : &merged.records[1];
    CHECK(m->key() == r.key());
    CHECK(m->barrier.e_kra == r.barrier.e_kra);  // a record is a pure function of its key
  }
  // The merged tables equal the single run's (the point files are unchanged by the cache redirection).
  CHECK(hkmc::test::read_text(s.path("merged/sweep.csv")) == hkmc::test::read_text(s.path("single/sweep.csv")));
}

TEST_CASE("bad [barriers.neb] input is reported with file, key and rule") {
  Scratch s("hkmc_barriers_cli_bad");
  auto check = [&](const std::string& extra_neb, const std::string& expected, const std::string& extra = "") {
    const auto in = s.write("bad.toml", input(s, extra_neb, extra));
    auto r = run_command("check " + in);
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find(expected) != std::string::npos);
    CHECK(r.output.find("bad.toml:") != std::string::npos);
  };
  check("images = 0\n", "images = 0: must be an integer from 1 to 50");
  check("fmax = -1\n", "fmax = -1: must be > 0 eV/Å");
  check("cell = 20\n", "cell = 20: must be an integer from 2 to 8");
  check("lattice_constants = { Xx = 6.0 }\n", "Xx");
  check("potential = \"missing.pt\"\n", "no such file");
  check("cache = \"nodir/cache.h5\"\n", "its directory does not exist");
  check("colour = 1\n", "colour");
  check("on_unusable = \"skip\"\n", "on_unusable = \"skip\"");
  check("compute_missing = 1\n", "compute_missing");
  check("spring = 0\n", "spring = 0: must be > 0 eV/Å²");
  check("relax_fmax = 0\n", "relax_fmax = 0: must be > 0 eV/Å");
  check("split_fmax = 0.05\n", "split_fmax = 0.05: must be in (0, 0.02] eV/Å");
  check("max_steps = 0\n", "max_steps = 0: must be an integer from 1 to 1000000");
  check("save_every = -5\n", "save_every = -5: must be >= 0 s");
  check("threads = -1\n", "threads = -1: must be an integer >= 0");
  // r_env too large for the 3x3x3 NEB cell: refused before any NEB runs.
  check("", "r_env", "r_env = 12.0\n");
}

TEST_CASE("precompute of split-pair classes: hosts read as X sites, every record computed") {
  // Pure CsPbBr3 with one split pair: one environment per class (edge B,
  // window A, rotation). The enumeration must read the template through a
  // primary slot: a mirrored slot's environment puts the host's X site on
  // the origin, which left it "vacant" (an InputError before the fix).
  Scratch s("hkmc_barriers_cli_split");
  std::string text = input(s);
  text.replace(text.find("vacancies = 1"), 13, "interstitials = 1");
  text.replace(text.find("name = \"vac\"\nkind = \"vacancy\""), 29, "name = \"pair\"\nkind = \"split\"");
  text.replace(text.find("r_env = 3.6"), 11, "r_env = 3.0");
  const auto in = s.write("split.toml", text);
  auto pre = run_command("barriers precompute " + in);
  INFO(pre.output);
  REQUIRE(pre.code == 0);
  CHECK(pre.output.find("3 environments (3 hop classes") != std::string::npos);
  CHECK(pre.output.find("3 computed now (0 unusable)") != std::string::npos);
  auto show = run_command("barriers show " + s.path("cache.h5"));
  CHECK(show.output.find("split_pair[neb fmax=0.01 checks=v1]") != std::string::npos);
  CHECK(show.output.find("split_pair|rotation|") != std::string::npos);
}
