#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <tuple>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/NeighbourList.hpp"

using namespace hkmc::neb;

namespace {

using Edge = std::tuple<long, long, int, int, int>;

std::set<Edge> as_set(const NeighbourList& l) {
  std::set<Edge> s;
  for (std::size_t e = 0; e < l.size(); ++e) {
    s.insert({l.first[e], l.second[e], l.shifts[e](0), l.shifts[e](1), l.shifts[e](2)});
  }
  return s;
}

// Every image within a generous shift range, checked one by one.
std::set<Edge> brute_force(const Structure& s, double cutoff, int range) {
  std::set<Edge> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    for (std::size_t j = 0; j < s.size(); ++j) {
      for (int a = -range; a <= range; ++a) {
        for (int b = -range; b <= range; ++b) {
          for (int c = -range; c <= range; ++c) {
            if (i == j && a == 0 && b == 0 && c == 0) continue;
            const Eigen::RowVector3d d = s.positions.row(j) - s.positions.row(i) +
                                         Eigen::RowVector3d(a, b, c) * s.cell;
            if (d.norm() < cutoff) out.insert({long(i), long(j), a, b, c});
          }
        }
      }
    }
  }
  return out;
}

Structure random_triclinic(int n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  Structure s;
  s.cell << 5.0, 0.0, 0.0, 1.2, 4.5, 0.0, -0.8, 0.7, 6.0;
  s.positions.resize(n, 3);
  for (int i = 0; i < n; ++i) {
    // Some atoms well outside the cell: the list must refer to them as given.
    s.positions.row(i) = Eigen::RowVector3d(u(rng), u(rng), u(rng)) * s.cell;
    s.symbols.push_back("X");
  }
  return s;
}

}  // namespace

TEST_CASE("full neighbour list equals brute force in a triclinic cell narrower than the cutoff") {
  const Structure s = random_triclinic(7, 42);
  for (double cutoff : {2.5, 4.0, 9.5}) {
    CAPTURE(cutoff);
    const auto list = build_neighbour_list(s, cutoff, NeighbourListKind::Full);
    const auto expected = brute_force(s, cutoff, 5);
    CHECK(list.size() == expected.size());  // also: no duplicates
    CHECK(as_set(list) == expected);
    CHECK(expected.size() > 7);  // non-trivial: several edges per atom
    // The cutoff of 9.5 Å exceeds every cell width: self-images must appear.
    if (cutoff > 9.0) {
      CHECK(std::any_of(expected.begin(), expected.end(),
                        [](const Edge& e) { return std::get<0>(e) == std::get<1>(e); }));
    }
  }
}

TEST_CASE("half neighbour list holds each pair once") {
  const Structure s = random_triclinic(9, 7);
  const auto full = build_neighbour_list(s, 7.0, NeighbourListKind::Full);
  const auto half = build_neighbour_list(s, 7.0, NeighbourListKind::Half);
  CHECK(2 * half.size() == full.size());
  std::set<Edge> mirrored;
  for (const auto& [i, j, a, b, c] : as_set(half)) {
    mirrored.insert({i, j, a, b, c});
    mirrored.insert({j, i, -a, -b, -c});
  }
  CHECK(mirrored == as_set(full));
}

TEST_CASE("non-periodic neighbour list and bad cutoff") {
  Structure s;
  s.periodic = false;
  s.positions.resize(3, 3);
  s.positions << 0, 0, 0, 1.0, 0, 0, 3.0, 0, 0;
  s.symbols = {"X", "X", "X"};
  const auto l = build_neighbour_list(s, 2.5, NeighbourListKind::Full);
  CHECK(l.size() == 4);  // 0-1, 1-0, 1-2, 2-1 (0-2 is 3 Å apart)
  CHECK_THROWS_AS(build_neighbour_list(s, -1.0, NeighbourListKind::Full), hkmc::InputError);
}
