// The site -> defect hash map against std::unordered_map after random moves
// (consistency tier): defects hop between sites as in the engine.
#include <doctest/doctest.h>

#include <unordered_map>

#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/SiteDefectMap.hpp"

TEST_CASE("site-defect map equals an unordered_map under random hops") {
  hkmc::RandomGenerator rng(17, hkmc::RandomStream::kKmcEvents, 0);
  const int sites = 5000, defects = 300;
  hkmc::kmc::SiteDefectMap map(defects);
  std::unordered_map<int, int> reference;
  std::vector<int> where(defects);
  for (int d = 0; d < defects; ++d) {
    int s;
    do s = static_cast<int>(rng.below(sites)); while (reference.count(s));
    where[d] = s;
    reference[s] = d;
    map.insert(s, d);
  }
  // Clustered moves (small steps) make long probe runs and exercise the
  // backward shift on deletion.
  for (int move = 0; move < 200000; ++move) {
    const int d = static_cast<int>(rng.below(defects));
    const int to = (where[d] + 1 + static_cast<int>(rng.below(7))) % sites;
    if (reference.count(to)) continue;
    map.erase(where[d]);
    reference.erase(where[d]);
    map.insert(to, d);
    reference[to] = d;
    where[d] = to;
    if (move % 1000 == 0) {
      for (int s = 0; s < sites; ++s) {
        const auto it = reference.find(s);
        REQUIRE(map.find(s) == (it == reference.end() ? -1 : it->second));
      }
    }
  }
}
