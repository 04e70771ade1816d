// Parsing of --vary and --shard and the grid order, against values written
// out by hand.
#include <doctest/doctest.h>

#include "hkmc/common/Error.hpp"
#include "hkmc/sweep/SweepGrid.hpp"

using hkmc::InputError;
using namespace hkmc::sweep;
using Strings = std::vector<std::string>;

TEST_CASE("lists and inclusive ranges") {
  CHECK(parse_vary("kmc.temperature=300,350,400").values == Strings{"300", "350", "400"});
  CHECK(parse_vary("kmc.temperature = 300 , 350").key == "kmc.temperature");
  // 0:1:0.125 has (1 - 0)/0.125 + 1 = 9 values, ending exactly at 1.
  CHECK(parse_vary("composition.Br=0:1:0.125").values ==
        Strings{"0", "0.125", "0.25", "0.375", "0.5", "0.625", "0.75", "0.875", "1"});
  // 0.1 is not exact in binary: 0.1 + 2*0.1 = 0.30000000000000004 must print as 0.3.
  CHECK(parse_vary("composition.Br=0.1:0.3:0.1").values == Strings{"0.1", "0.2", "0.3"});
  // (1 - 0)/0.3 = 3.33: the range stops at the last step inside, 0.9.
  CHECK(parse_vary("composition.Br=0:1:0.3").values == Strings{"0", "0.3", "0.6", "0.9"});
  CHECK(parse_vary("kmc.blocks=2:8:3").values == Strings{"2", "5", "8"});
  CHECK(parse_vary("kmc.temperature=500:300:-100").values == Strings{"500", "400", "300"});
  CHECK(parse_vary("kmc.temperature=300:300:50").values == Strings{"300"});
  // Items mix; commas inside brackets and quotes do not split.
  CHECK(parse_vary("kmc.temperature=250,300:400:100").values == Strings{"250", "300", "400"});
  CHECK(parse_vary("kmc.field=[0,0,0],[0,0,0.01]").values == Strings{"[0,0,0]", "[0,0,0.01]"});
  CHECK(parse_vary("barriers.provider=\"constant\",\"model\"").values == Strings{"\"constant\"", "\"model\""});
}

TEST_CASE("bad --vary texts are input errors that quote the text") {
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature"), doctest::Contains("no '='"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("temperature=300"), doctest::Contains("section.key"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature="), doctest::Contains("no values"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=300,,400"), doctest::Contains("empty value"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=300:400:0"), doctest::Contains("step must not be 0"),
                       InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=300:400:-50"), doctest::Contains("wrong sign"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=300:400"), doctest::Contains("'300:400'"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=a:b:c"), doctest::Contains("finite numbers"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=0:1:1e-9"), doctest::Contains("at most"), InputError);
  CHECK_THROWS_WITH_AS(parse_vary("kmc.temperature=300,300"), doctest::Contains("appears twice"), InputError);
}

TEST_CASE("shards") {
  const Shard s = parse_shard("1/3");
  CHECK(s.k == 1);
  CHECK(s.n == 3);
  CHECK(s.contains(4));
  CHECK_FALSE(s.contains(3));
  CHECK_THROWS_WITH_AS(parse_shard("3/3"), doctest::Contains("0 to n-1"), InputError);
  CHECK_THROWS_WITH_AS(parse_shard("1"), doctest::Contains("no '/'"), InputError);
  CHECK_THROWS_WITH_AS(parse_shard("x/2"), doctest::Contains("integers"), InputError);
  CHECK_THROWS_WITH_AS(parse_shard("0/0"), doctest::Contains("n must be"), InputError);
}

TEST_CASE("the grid: first axis slowest, indices in order") {
  const auto points = expand_grid({parse_vary("composition.Br=0,0.5"), parse_vary("kmc.temperature=300,350,400")});
  REQUIRE(points.size() == 6);
  CHECK(points[0].overrides() == Strings{"composition.Br=0", "kmc.temperature=300"});
  CHECK(points[2].overrides() == Strings{"composition.Br=0", "kmc.temperature=400"});
  CHECK(points[3].overrides() == Strings{"composition.Br=0.5", "kmc.temperature=300"});
  CHECK(points[5].index == 5);
  CHECK_THROWS_WITH_AS(expand_grid({}), doctest::Contains("no --vary"), InputError);
  CHECK_THROWS_WITH_AS(expand_grid({parse_vary("kmc.seed=1,2"), parse_vary("kmc.seed=3")}),
                       doctest::Contains("varied twice"), InputError);
  CHECK_THROWS_WITH_AS(expand_grid({parse_vary("kmc.seed=1:100:1"), parse_vary("kmc.blocks=1:100:1")}, 1000),
                       doctest::Contains("10000 points"), InputError);
}
