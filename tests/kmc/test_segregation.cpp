// Segregation observables against cases whose answer is known without the
// code under test: the structure factor by FFT equals the direct sum over
// sites; a random alloy has a flat S(k) = c(1−c)·N/(N−1); a lamellar I|Br
// pattern has S only at k = 2π/λ, with the peak height worked out by hand,
// and L = λ; hand-built blobs, rods and slabs have the domain counts one
// counts on paper, and a flood fill written here agrees on random alloys.
#include <doctest/doctest.h>

#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/DomainCounter.hpp"
#include "hkmc/kmc/StructureFactor.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;
using lattice::Occupant;

namespace {

constexpr Occupant kI = 1, kBr = 2;
constexpr int kCodes = 3;  // empty, I, Br
constexpr double kPi = std::numbers::pi;

lattice::Supercell perovskite(double a, lattice::CellIndex n, bool interstitials = false) {
  return lattice::Supercell(lattice::make_perovskite(a, interstitials), n);
}

// Random alloy of the lattice sites: exactly `br` Br, the rest I (interstitial sites empty).
std::vector<Occupant> random_alloy(const lattice::Supercell& sc, int br, std::mt19937_64& rng) {
  std::vector<int> lattice_sites;
  std::vector<Occupant> occ(sc.num_sites(), lattice::kEmpty);
  for (int s = 0; s < sc.num_sites(); ++s)
    if (sc.role(s) == lattice::SiteRole::kLattice) lattice_sites.push_back(s), occ[s] = kI;
  std::shuffle(lattice_sites.begin(), lattice_sites.end(), rng);
  for (int i = 0; i < br; ++i) occ[lattice_sites[i]] = kBr;
  return occ;
}

// Br where the cell's index along `axis` satisfies `is_br`, I elsewhere.
template <class F>
std::vector<Occupant> by_cell(const lattice::Supercell& sc, F is_br) {
  std::vector<Occupant> occ(sc.num_sites());
  for (int s = 0; s < sc.num_sites(); ++s) occ[s] = is_br(sc.cell_of(s)) ? kBr : kI;
  return occ;
}

// Flood fill over nearest lattice neighbours found by brute-force minimum-image
// distance: the independent reference for DomainCounter.
std::vector<int> flood_fill_domains(const lattice::Supercell& sc, const std::vector<Occupant>& occ, double nn) {
  const int n = sc.num_sites();
  const Eigen::Matrix3d box = sc.box();
  auto distance = [&](int i, int j) {
    Eigen::Vector3d f = box.transpose().inverse() * (sc.position(j) - sc.position(i));
    for (int d = 0; d < 3; ++d) f[d] -= std::round(f[d]);
    return (box.transpose() * f).norm();
  };
  std::vector<int> label(n, -1), domains(kCodes, 0);
  for (int s = 0; s < n; ++s) {
    if (label[s] >= 0) continue;
    label[s] = s;
    domains[occ[s]]++;
    std::vector<int> stack{s};
    while (!stack.empty()) {
      const int i = stack.back();
      stack.pop_back();
      for (int j = 0; j < n; ++j)
        if (label[j] < 0 && occ[j] == occ[i] && std::abs(distance(i, j) - nn) < 1e-6) label[j] = s, stack.push_back(j);
    }
  }
  return domains;
}

}  // namespace

TEST_CASE("structure factor: the FFT equals the direct sum over sites") {
  std::mt19937_64 rng(5);
  struct Case {
    lattice::Supercell sc;
    const char* what;
  };
  const std::vector<Case> cases = {
      {perovskite(6.2, {6, 6, 6}), "perovskite 6^3 (radix 2 and 3)"},
      {perovskite(6.2, {4, 5, 7}), "perovskite 4x5x7 (prime lengths)"},
      {perovskite(6.0, {4, 4, 4}, true), "perovskite with interstitial sites (left out)"},
      {lattice::Supercell(lattice::make_double_perovskite(11.0, false), {3, 3, 3}), "double perovskite (fcc cell)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    const kmc::StructureFactor sk(c.sc);
    int lattice_sites = 0;
    for (int s = 0; s < c.sc.num_sites(); ++s) lattice_sites += c.sc.role(s) == lattice::SiteRole::kLattice;
    auto occ = random_alloy(c.sc, lattice_sites / 3, rng);
    occ[0] = lattice::kEmpty;  // a vacancy: code 0 is transformed too
    const auto fast = sk.compute(occ, kCodes);
    const auto direct = sk.compute_direct(occ, kCodes);
    REQUIRE(fast.size() == direct.size());
    REQUIRE(sk.bins() >= 1);
    double largest = 0;
    for (std::size_t i = 0; i < fast.size(); ++i) {
      if (std::isnan(direct[i])) {  // a shell without k vectors (non-cubic box)
        CHECK(std::isnan(fast[i]));
        continue;
      }
      CHECK(fast[i] == doctest::Approx(direct[i]).epsilon(1e-10).scale(0));
      largest = std::max(largest, direct[i]);
    }
    CHECK(largest > 0.1);  // not all zero
  }
}

TEST_CASE("structure factor: shells and cutoff of a cubic box, by hand") {
  const double a = 6.0;
  const kmc::StructureFactor sk(perovskite(a, {8, 8, 8}));
  // Δk = 2π/(8a); k_cut = π/a = 4Δk: shells b = 1..4.
  CHECK(sk.bin_width() == doctest::Approx(2 * kPi / (8 * a)));
  CHECK(sk.cutoff() == doctest::Approx(kPi / a));
  REQUIRE(sk.bins() == 4);
  // Shell 2 holds the m with 1.5 ≤ |m| < 2.5: |m|² = 3 (8 vectors), 4 (6), 5 (24), 6 (24).
  CHECK(sk.bin_vectors()[1] == 62);
  // Shell 1: |m|² = 1 (6) and 2 (12).
  CHECK(sk.bin_vectors()[0] == 18);
  CHECK(sk.lattice_sites() == 3 * 512);
}

TEST_CASE("structure factor: a random alloy is flat at c(1-c) N/(N-1)") {
  const auto sc = perovskite(6.0, {8, 8, 8});
  const kmc::StructureFactor sk(sc);
  const int n = sk.lattice_sites(), br = n / 4;  // c = 1/4
  const double c = double(br) / n, expected = c * (1 - c) * n / (n - 1.0);
  std::mt19937_64 rng(17);
  const int configs = 200;
  std::vector<double> sum(sk.bins(), 0), sum2(sk.bins(), 0);
  double length_sum = 0;
  for (int i = 0; i < configs; ++i) {
    const auto s = sk.compute(random_alloy(sc, br, rng), kCodes);
    for (int b = 0; b < sk.bins(); ++b) {
      const double x = s[kBr * sk.bins() + b];
      sum[b] += x, sum2[b] += x * x;
      // No vacancies: the I and Br amplitudes are opposite at k ≠ 0.
      CHECK(s[kI * sk.bins() + b] == doctest::Approx(x).epsilon(1e-9));
    }
    length_sum += sk.length(std::span<const double>(s).subspan(kBr * sk.bins(), sk.bins()));
  }
  for (int b = 0; b < sk.bins(); ++b) {
    const double mean = sum[b] / configs;
    const double err = std::sqrt((sum2[b] / configs - mean * mean) / (configs - 1));
    CAPTURE(b);
    CHECK(err > 0);
    CHECK(std::abs(mean - expected) < 4 * err);
  }
  // Flat S: ⟨k⟩ is the mean shell centre, (1+2+3+4)/4 Δk, so L = 8a/2.5 = 3.2a.
  CHECK(length_sum / configs == doctest::Approx(8 * 6.0 / 2.5).epsilon(0.03));
}

TEST_CASE("structure factor: a lamellar I|Br pattern of period λ = 4a peaks at 2π/λ with L = λ") {
  const double a = 6.2;
  const auto sc = perovskite(a, {8, 8, 8});
  const kmc::StructureFactor sk(sc);
  // Cells with z index 2, 3 (mod 4) hold Br on all three X sites.
  const auto occ = by_cell(sc, [](const lattice::CellIndex& c) { return c[2] % 4 >= 2; });
  const auto s = sk.compute(occ, kCodes);
  // Only k = ±(π/2a) ẑ, shell 2, is non-zero. Per period and (x, y) column the
  // Br amplitude is Σ_{c=2,3} [2 e^{−iπc/2} + e^{−iπ(c+½)/2}] = −2 + i(2+√2),
  // |·|² = 10 + 4√2; 2 periods × 64 columns add coherently, over N = 1536 sites
  // and the 62 vectors of the shell, for both signs of k.
  const double peak = 2 * std::pow(2.0 * 64, 2) * (10 + 4 * std::sqrt(2.0)) / (1536.0 * 62);
  for (int b = 0; b < sk.bins(); ++b) {
    CAPTURE(b);
    if (b == 1) {
      CHECK(s[kBr * sk.bins() + b] == doctest::Approx(peak).epsilon(1e-12));
    } else {
      CHECK(std::abs(s[kBr * sk.bins() + b]) < 1e-12);
    }
  }
  const double length = sk.length(std::span<const double>(s).subspan(kBr * sk.bins(), sk.bins()));
  CHECK(length == doctest::Approx(4 * a).epsilon(1e-12));
  // A uniform box has no structure at k ≠ 0: L is undefined.
  const auto uniform = sk.compute(by_cell(sc, [](const lattice::CellIndex&) { return false; }), kCodes);
  CHECK(std::isnan(sk.length(std::span<const double>(uniform).subspan(kI * sk.bins(), sk.bins()))));
}

TEST_CASE("domain count: blobs, rods across the periodic boundary, slabs, vacancies") {
  const auto sc = perovskite(6.0, {8, 8, 8});
  const kmc::DomainCounter domains(sc);
  SUBCASE("one phase is one domain") {
    const auto d = domains.count(by_cell(sc, [](const lattice::CellIndex&) { return false; }), kCodes);
    CHECK(d == std::vector<std::int32_t>{0, 1, 0});
  }
  SUBCASE("m = 5 single-cell Br blobs, pairwise ≥ 3 cells apart (a cell's 3 X sites are mutual neighbours)") {
    const std::vector<lattice::CellIndex> blobs = {{0, 0, 0}, {3, 0, 0}, {0, 3, 0}, {0, 0, 3}, {3, 3, 5}};
    const auto occ = by_cell(sc, [&](const lattice::CellIndex& c) {
      return std::find(blobs.begin(), blobs.end(), c) != blobs.end();
    });
    CHECK(domains.count(occ, kCodes) == std::vector<std::int32_t>{0, 1, 5});
    // Each blob has 3 sites: a threshold of 4 sites leaves only the I matrix.
    CHECK(domains.count(occ, kCodes, 3) == std::vector<std::int32_t>{0, 1, 5});
    CHECK(domains.count(occ, kCodes, 4) == std::vector<std::int32_t>{0, 1, 0});
  }
  SUBCASE("a rod cut in two inside the box is joined through the periodic boundary") {
    auto rod = [&](std::vector<int> xs) {
      return by_cell(sc, [&](const lattice::CellIndex& c) {
        return c[1] == 4 && c[2] == 4 && std::find(xs.begin(), xs.end(), c[0]) != xs.end();
      });
    };
    CHECK(domains.count(rod({0, 1, 2, 5, 6, 7}), kCodes)[kBr] == 1);  // 7 and 0 touch across the face
    CHECK(domains.count(rod({1, 2, 5, 6}), kCodes)[kBr] == 2);
  }
  SUBCASE("lamellae of period 4 cells: two slabs of each") {
    const auto occ = by_cell(sc, [](const lattice::CellIndex& c) { return c[2] % 4 >= 2; });
    CHECK(domains.count(occ, kCodes) == std::vector<std::int32_t>{0, 2, 2});
  }
  SUBCASE("random alloys (with vacancies) agree with a brute-force flood fill") {
    const auto small = perovskite(6.0, {4, 4, 4});
    const kmc::DomainCounter counter(small);
    std::mt19937_64 rng(3);
    for (int br : {20, 60, 96}) {
      auto occ = random_alloy(small, br, rng);
      for (int v = 0; v < 6; ++v) occ[rng() % occ.size()] = lattice::kEmpty;
      const auto expected = flood_fill_domains(small, occ, 6.0 / std::sqrt(2.0));
      const auto got = counter.count(occ, kCodes);
      CAPTURE(br);
      CHECK(got == std::vector<std::int32_t>(expected.begin(), expected.end()));
      CHECK(got[kBr] > 1);  // not a trivial single domain
    }
  }
}

TEST_CASE("domain count: a supercell too small for the first shell is refused") {
  CHECK_THROWS_WITH_AS(kmc::DomainCounter(perovskite(6.0, {1, 2, 2})),
                       doctest::Contains("domain count: the supercell is too small"), InputError);
}
