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
#include <cmath>
#include <memory>

#include "hkmc/barriers/BarrierProvider.hpp"
#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;

namespace {

// E_KRA by hop class and moving species; with `per_iodide` > 0 also by the
// iodides in the hop's environment (then the engine gathers environments).
class SpeciesBarriers : public barriers::BarrierProvider {
 public:
  SpeciesBarriers(lattice::Occupant iodide, double per_iodide) : m_iodide(iodide), m_per_iodide(per_iodide) {}
  std::string name() const override { return "test"; }
  barriers::ProviderNeeds needs() const override { return {m_per_iodide > 0, false}; }
  double e_kra(const barriers::HopContext& hop) const override {
    double e = hop.path_type == "rotation" ? 0.22 : hop.path_type == "A" ? 0.18 : 0.14;
    if (hop.moving_species == m_iodide) e -= 0.06;
    if (m_per_iodide > 0) e += m_per_iodide * hop.species_counts[m_iodide];
    return e;
  }
  void check(const lattice::HopCatalog&) const override {}

 private:
  lattice::Occupant m_iodide;
  double m_per_iodide;
};

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
                      per_iodide > 0 ? a : 0.0, std::make_unique<SpeciesBarriers>(iodide, per_iodide), parameters);
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
