// Sum tree against a direct sum and a linear search (consistency tier).
#include <doctest/doctest.h>

#include <numeric>
#include <vector>

#include "../Close.hpp"
#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/SumTree.hpp"

using hkmc::kmc::SumTree;

TEST_CASE("sum tree total and selection equal a direct sum after random updates") {
  hkmc::RandomGenerator rng(5, hkmc::RandomStream::kKmcEvents, 0);
  for (std::size_t n : {1u, 2u, 7u, 64u, 1000u}) {
    SumTree tree(n);
    std::vector<double> w(n, 0.0);
    for (int update = 0; update < 5000; ++update) {
      const std::size_t i = rng.below(n);
      // A quarter of the updates set a zero weight: blocked events.
      w[i] = rng.below(4) == 0 ? 0.0 : rng.uniform_open() * 1e9;
      tree.set(i, w[i]);
      const double direct = std::accumulate(w.begin(), w.end(), 0.0);
      REQUIRE(hkmc::test::close_rel(tree.total(), direct, 1e-12));
      if (direct <= 0) continue;
      const double x = rng.uniform_open() * direct;
      double residual = -1;
      const std::size_t leaf = tree.find(x, &residual);
      // Linear search for the same x.
      double acc = 0.0;
      std::size_t expect = 0;
      for (std::size_t k = 0; k < n; ++k) {
        if (x < acc + w[k]) { expect = k; break; }
        acc += w[k];
      }
      CHECK(leaf == expect);
      CHECK(w[leaf] > 0.0);
      CHECK(residual == doctest::Approx(x - acc).epsilon(1e-9).scale(0));
    }
  }
}

TEST_CASE("sum tree never selects a zero-weight leaf at an interval edge") {
  SumTree tree(4);
  tree.set(0, 1.0);
  tree.set(1, 0.0);
  tree.set(2, 0.0);
  tree.set(3, 2.0);
  CHECK(tree.find(0.0) == 0);
  CHECK(tree.find(1.0) == 3);
  CHECK(tree.find(2.999999) == 3);
  // Rounding can push x to the total: still a non-zero leaf.
  CHECK(tree.find(3.0) == 3);
}
