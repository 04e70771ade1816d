// Split-pair interstitials in the engine (docs/lattice.md): the pair rules
// hold after every event, and the dynamics samples the right equilibrium.
//
// Independent check: with barriers that depend on the moving species, the
// hop class and the environment but no energies (ΔE = 0), every physical
// state is equally likely. One I among 81 X sites of a 3x3x3 perovskite plus
// one Br split pair: the pair sits on one of 81 hosts with one of 2 axes,
// and the I is one of its two atoms (either side: 2 states) or on one of the
// other 80 X sites, 8 of them edge neighbours of the host. So the I spends
// 2/82 of the time in the pair, 8/82 next to it and 72/82 elsewhere. A
// hop whose key had the wrong mover or environment in one labelling (so
// that a hop and the hop back had different barriers) moves these.
//
// Which atom of a pair sits on the lattice site is a label, not physics: the
// two labellings of one state need not be equally likely (the hops that
// lead into a state need not reach both), so the split of the 2/82 between
// "I on the interstitial site" and "I on the host" is printed, not tested.
#include <doctest/doctest.h>

#include <algorithm>
#include <tuple>
#include <cmath>
#include <memory>

#include "SpecHelpers.hpp"
#include "SplitPairSupport.hpp"
#include "hkmc/barriers/BarrierProvider.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;

namespace {

// Minimum-image distance (Å) in a cubic box.
double periodic_distance(const lattice::Supercell& cell, int x, int y) {
  Eigen::Vector3d d = cell.cell_frac(x) - cell.cell_frac(y);
  for (int k = 0; k < 3; ++k) d[k] -= cell.dims()[k] * std::round(d[k] / cell.dims()[k]);
  return (cell.crystal().cell().transpose() * d).norm();
}

void check_split_equilibrium(double per_iodide, std::uint64_t seed) {
  const double a = 6.0;
  lattice::Supercell sc(lattice::make_perovskite(a, lattice::InterstitialSites::kSplit12h), {3, 3, 3});
  lattice::SpeciesTable species({"I", "Br"});
  const auto iodide = species.code("I"), bromide = species.code("Br");
  kmc::ModelParameters parameters;
  parameters.temperature_k = 400.0;
  kmc::KmcModel model(sc, species, {lattice::Mechanism{"split", lattice::MechanismKind::kSplit, 2}},
                      per_iodide > 0 ? a : 0.0, std::make_unique<test::SplitPairBarriers>(iodide, per_iodide), parameters);
  CHECK(model.tabulated() == (per_iodide == 0));
  const auto& cell = model.supercell();
  const int n = cell.num_sites();

  // X sites a/√2 from each X site (its edge neighbours).
  std::vector<std::vector<int>> edge_neighbours(n);
  for (int x = 0; x < n; ++x)
    for (int y = 0; y < n; ++y)
      if (cell.role(x) == lattice::SiteRole::kLattice && cell.role(y) == lattice::SiteRole::kLattice &&
          std::abs(periodic_distance(cell, x, y) - a / std::sqrt(2.0)) < 1e-6)
        edge_neighbours[x].push_back(y);
  const int replicas = 8;
  const double expected[3] = {2.0 / 82, 8.0 / 82, 72.0 / 82};
  const char* names[3] = {"in the pair", "on an edge neighbour of the host", "elsewhere"};
  double mean[3] = {0, 0, 0}, square[3] = {0, 0, 0};
  double on_interstitial_site = 0;  // of the time in the pair (a labelling statistic)
  std::int64_t checked = 0;
  for (int r = 0; r < replicas; ++r) {
    // Start: Br everywhere, the I on a random X site, one Br pair elsewhere.
    RandomGenerator rng(seed, RandomStream::kInitialConfiguration, r);
    std::vector<lattice::Occupant> occ(n, lattice::kEmpty);
    std::vector<int> x_sites, i_sites;
    for (int s = 0; s < n; ++s) (cell.role(s) == lattice::SiteRole::kLattice ? x_sites : i_sites).push_back(s);
    for (int s : x_sites) occ[s] = bromide;
    occ[x_sites[rng.below(x_sites.size())]] = iodide;
    occ[i_sites[rng.below(i_sites.size())]] = bromide;
    kmc::KmcEngine engine(model, occ, seed + r, r);
    double time_in[3] = {0, 0, 0}, total = 0, time_on_site = 0;
    for (int step = 0; step < 400000; ++step) {
      const auto ev = engine.plan();
      REQUIRE(ev);
      const int pair = engine.defects()[0].site;
      const int host = model.split_host(pair);
      const auto& now = engine.occupancy();
      int where = 2;
      if (now[pair] == iodide || now[host] == iodide) where = 0;
      for (int y : edge_neighbours[host])
        if (now[y] == iodide) where = 1;
      if (step >= 20000) {
        time_in[where] += ev->dt_s;
        total += ev->dt_s;
        if (now[pair] == iodide) time_on_site += ev->dt_s;
      }
      engine.execute(*ev);
      if (step % 97 == 0) {  // the rules hold along the way
        REQUIRE(model.split_pair_violation(engine.occupancy()).empty());
        ++checked;
      }
    }
    REQUIRE(std::count(engine.occupancy().begin(), engine.occupancy().end(), iodide) == 1);
    on_interstitial_site += time_on_site / time_in[0] / replicas;
    for (int k = 0; k < 3; ++k) {
      mean[k] += time_in[k] / total / replicas;
      square[k] += (time_in[k] / total) * (time_in[k] / total) / replicas;
    }
  }
  double chi2 = 0;
  for (int k = 0; k < 3; ++k) {
    const double err = std::sqrt((square[k] - mean[k] * mean[k]) * replicas / (replicas - 1) / replicas);
    MESSAGE("I " << std::string(names[k]) << ": expected " << expected[k] << ", KMC " << mean[k] << " ± " << err);
    CHECK(std::abs(mean[k] - expected[k]) < 4 * err);
    if (k < 2) chi2 += (mean[k] - expected[k]) * (mean[k] - expected[k]) / (err * err);
  }
  MESSAGE("chi² = " << chi2 << " for 2 independent fractions; rules checked " << checked
                    << " times; of the time in the pair the I was on its interstitial site " << on_interstitial_site);
  CHECK(chi2 < 2 + 5 * std::sqrt(4.0) + 5);
}

}  // namespace

TEST_CASE("split pairs: uniform equilibrium with species-dependent barriers (tabulated path)") {
  check_split_equilibrium(0.0, 41);
}

TEST_CASE("split pairs: the same with environment-dependent barriers (environment path, mirrored keys)") {
  check_split_equilibrium(0.04, 43);
}

// The pair's diffusion coefficient against the random walk of its host.
// From every state the host's possible moves come in ± pairs (edge hops to
// the four hosts a/√2 away in the pair's plane, window hops to the two a
// away along its axis; rotations stay), so successive moves are
// uncorrelated and D = (1/6) Σ Γ r² = a² (Γ_edge + Γ_window) / 3, whatever
// the rotation rate. The engine records the interstitial site's moves,
// which stay within a/4 of the host. Estimated from 2000 blocks of 2000 events
// (increments of a martingale: independent), error from their spread.
TEST_CASE("split pairs: a single pair diffuses as its host's random walk predicts") {
  for (const auto& [edge, window, rotation] : {std::tuple{0.2, 0.2, 0.2}, std::tuple{0.15, 0.25, 0.35}}) {
    auto s = test::perovskite_spec(6.2, 8, {{"I", 1.0}}, 0, 0);
    s.defects.interstitials = 1;
    s.mechanisms.push_back({"pair", "split", 2});
    s.barriers.e_kra_overrides = {{"pair/B", edge}, {"pair/A", window}, {"pair/rotation", rotation}};
    kmc::Simulation sim(s);
    const auto& model = sim.model();
    auto rate = [&](double e) { return model.rate_law().rate(e, 0.0, 0.0).rate_hz; };
    const double a = 6.2;
    const double expected = a * a * (rate(edge) + rate(window)) / 3 * units::kAngstrom2_per_s_to_cm2_per_s;
    kmc::KmcEngine engine(model, sim.initial_configuration(0), 5, 0);
    std::vector<double> block_r2;
    double total_r2 = 0, total_t = 0;
    for (int block = 0; block < 2000; ++block) {
      const auto start = engine.defects()[0].displacement;
      const double t0 = engine.time_s();
      for (int step = 0; step < 2000; ++step) REQUIRE(engine.step());
      double r2 = 0;
      for (int k = 0; k < 3; ++k) r2 += std::pow(engine.defects()[0].displacement[k] - start[k], 2);
      block_r2.push_back(r2);
      total_r2 += r2;
      total_t += engine.time_s() - t0;
    }
    const double n = static_cast<double>(block_r2.size());
    double var = 0;
    for (double r2 : block_r2) var += std::pow(r2 - total_r2 / n, 2) / (n - 1);
    const double d = total_r2 / (6 * total_t) * units::kAngstrom2_per_s_to_cm2_per_s;
    const double err = d * std::sqrt(var / n) / (total_r2 / n);
    MESSAGE("E_edge " << edge << ", E_window " << window << ", E_rotation " << rotation << " eV: D = " << d << " ± "
                      << err << " cm²/s, host random walk " << expected);
    CHECK(std::abs(d - expected) < 4 * err);
    CHECK(err < 0.05 * expected);
  }
}
