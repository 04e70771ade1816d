// `halide-kmc neb` through its CLI11 registration, as main uses it.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "NebCommand.hpp"
#include "hkmc/common/Error.hpp"

namespace {

int parse_and_run(std::vector<std::string> args) {
  CLI::App app{"test"};
  auto* neb = hkmc::cli::add_neb_command(app);
  args.insert(args.begin(), "halide-kmc");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  app.parse(static_cast<int>(argv.size()), argv.data());
  REQUIRE(*neb);
  return hkmc::cli::run_neb_command();
}

}  // namespace

TEST_CASE("halide-kmc neb writes a converged path as extended XYZ") {
  const auto xyz = std::filesystem::temp_directory_path() / "hkmc_test_neb_path.xyz";
  std::filesystem::remove(xyz);
  CHECK(parse_and_run({"neb", "--supercell", "2", "--halide", "Br", "-o", xyz.string()}) == 0);
  std::ifstream in(xyz);
  REQUIRE(in);
  int frames = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line == "39") ++frames;  // 40 atoms less the vacancy
  }
  CHECK(frames == 7);  // 5 images + 2 endpoints
}

TEST_CASE("halide-kmc neb rejects a malformed site") {
  CHECK_THROWS_WITH_AS(parse_and_run({"neb", "--supercell", "2", "--vacancy", "0,0,x,0"}),
                       doctest::Contains("'0,0,x,0'"), hkmc::InputError);
}
