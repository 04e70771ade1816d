// Barrier perturbation (barriers/PerturbedProvider.hpp): offsets are
// standard-normal per canonical key, reproducible, different per seed, and a
// hop and its reverse get the same barrier (so detailed balance holds; the
// statistical check is in test_detailed_balance.cpp).
#include <doctest/doctest.h>

#include <cmath>
#include <set>

#include "SpecHelpers.hpp"
#include "hkmc/barriers/PerturbedProvider.hpp"
#include "hkmc/common/Error.hpp"
#include <random>
#include "hkmc/kmc/Simulation.hpp"

using namespace hkmc;

TEST_CASE("key offsets are standard normal, a pure function of key and seed") {
  // 40,000 random keys: mean 0 and variance 1 within 4 standard errors, the
  // tail beyond 2 within 4 binomial errors of 0.0455 (the normal's).
  const int n = 40000;
  std::mt19937_64 rng(7);
  double sum = 0, sum2 = 0, same_seed_diff = 0, cross = 0;
  int tail = 0;
  for (int i = 0; i < n; ++i) {
    lattice::EnvironmentKey key;
    key.hop_class = static_cast<int>(rng() % 5);
    key.moving_species = static_cast<lattice::Occupant>(1 + rng() % 2);
    for (int k = 0; k < 10; ++k) key.occupancy += static_cast<char>(rng() % 3);
    const double z = barriers::standard_normal_of_key(key, 3);
    same_seed_diff += std::abs(z - barriers::standard_normal_of_key(key, 3));
    cross += z * barriers::standard_normal_of_key(key, 4);
    sum += z, sum2 += z * z;
    tail += std::abs(z) > 2.0;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean, p = 0.0455;
  MESSAGE("mean " << mean << ", variance " << var << ", beyond 2: " << tail << " of " << n
                  << ", correlation with another seed " << cross / n);
  CHECK(same_seed_diff == 0.0);
  CHECK(std::abs(mean) < 4.0 / std::sqrt(n));
  CHECK(std::abs(var - 1.0) < 4.0 * std::sqrt(2.0 / n));
  CHECK(std::abs(tail - p * n) < 4.0 * std::sqrt(n * p * (1 - p)));
  // The repeated keys (there are only 5 * 2 * 3^10 of them) make another
  // seed's offsets correlate only through chance: |r| < 4 / sqrt(n).
  CHECK(std::abs(cross / n) < 4.0 / std::sqrt(n));
}

TEST_CASE("a perturbed hop and its reverse have the same rate; the offsets vary by environment") {
  auto s = test::perovskite_spec(6.0, 4, {{"I", 0.5}, {"Br", 0.5}}, 6, 0);
  s.barriers.perturbation_sigma_ev = 0.064;
  s.barriers.perturbation_seed = 5;
  kmc::Simulation sim(s);
  const auto& model = sim.model();
  CHECK(model.provider().name().find("perturbed") != std::string::npos);
  const auto& sc = model.supercell();
  auto occupancy = sim.initial_configuration(0);
  std::string buffer;
  std::set<double> distinct;
  int checked = 0;
  for (int site = 0; site < sc.num_sites(); ++site) {
    if (occupancy[site] != lattice::kEmpty) continue;  // a vacancy
    const auto& slots = model.catalog().slots(sc.mobile_of(site));
    for (int k = 0; k < static_cast<int>(slots.size()); ++k) {
      const int target = sc.shifted_from(sc.cell_of(site), slots[k].target);
      if (occupancy[target] == lattice::kEmpty) continue;
      const double forward = model.hop_rate(site, k, occupancy, buffer).rate_hz;
      // Make the hop, find the reverse slot, compare, and undo.
      auto after = occupancy;
      std::swap(after[site], after[target]);
      const auto& back = model.catalog().slots(sc.mobile_of(target));
      int reverse = -1;
      for (int j = 0; j < static_cast<int>(back.size()); ++j)
        if (sc.shifted_from(sc.cell_of(target), back[j].target) == site) reverse = j;
      REQUIRE(reverse >= 0);
      CHECK(model.hop_rate(target, reverse, after, buffer).rate_hz == forward);  // no Hamiltonian: ΔE = 0
      distinct.insert(forward);
      ++checked;
    }
  }
  MESSAGE(checked << " hops, " << distinct.size() << " distinct rates");
  CHECK(checked > 30);
  // Without the perturbation every hop has one rate (constant E_KRA, ΔE = 0).
  CHECK(distinct.size() > 10);
}

TEST_CASE("perturbation settings out of range are input errors") {
  auto s = test::perovskite_spec(6.0, 4, {{"Br", 1.0}}, 2, 0);
  s.barriers.perturbation_sigma_ev = -0.01;
  CHECK_THROWS_WITH_AS(kmc::Simulation{s}, doctest::Contains("perturbation_sigma"), hkmc::InputError);
}
