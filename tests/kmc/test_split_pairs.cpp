// Split-pair interstitials in the model (docs/lattice.md, "Split-pair
// interstitial sites").
//
// 1. Every physical hop and the hop back have the same total rate. The
//    lattice keeps labels (which atom of a pair sits on the lattice site);
//    this test maps each labelled state to its atoms' physical positions
//    (the interstitial atom at its site, the host's atom mirrored through
//    the host) and, for random states, compares the summed rate of the hops
//    from state P to physical state Q with the summed rate of the hops from
//    the labelled state reached back to P. With barriers that depend on the
//    mover and the environment but no ΔE this is detailed balance; it broke
//    for rotations whose key followed the labelling (fixed: HopSlot::view).
// 2. Runs the model does not support are refused with messages.
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <tuple>

#include "SpecHelpers.hpp"
#include "SplitPairSupport.hpp"
#include "hkmc/barriers/BarrierProvider.hpp"
#include "hkmc/common/Error.hpp"
#include "hkmc/common/Random.hpp"
#include "hkmc/kmc/KmcEngine.hpp"
#include "hkmc/kmc/KmcModel.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc;

namespace {

// Atoms as (position in eighths of a, species), whatever the labelling.
using Physical = std::set<std::tuple<long, long, long, int>>;

Physical physical(const kmc::KmcModel& model, std::span<const lattice::Occupant> occ) {
  const auto& sc = model.supercell();
  std::map<int, int> pair_of_host;  // host -> its occupied interstitial site
  for (int s = 0; s < sc.num_sites(); ++s)
    if (occ[s] != lattice::kEmpty && model.split_host(s) >= 0) pair_of_host[model.split_host(s)] = s;
  Physical atoms;
  for (int s = 0; s < sc.num_sites(); ++s) {
    if (occ[s] == lattice::kEmpty) continue;
    Eigen::Vector3d f = sc.cell_frac(s);
    if (const auto it = pair_of_host.find(s); it != pair_of_host.end()) {
      Eigen::Vector3d d = sc.cell_frac(it->second) - f;
      for (int k = 0; k < 3; ++k) d[k] -= sc.dims()[k] * std::round(d[k] / sc.dims()[k]);
      f -= d;  // the host's atom sits opposite the interstitial atom
    }
    long q[3];
    for (int k = 0; k < 3; ++k) {
      const long period = 8L * sc.dims()[k];
      q[k] = ((std::lround(8 * f[k]) % period) + period) % period;
    }
    atoms.insert({q[0], q[1], q[2], occ[s]});
  }
  return atoms;
}

std::vector<lattice::Occupant> after_hop(const kmc::KmcModel& model, std::vector<lattice::Occupant> occ, int site,
                                         int slot) {
  const auto hop = model.hop_effect(site, model.supercell().cell_of(site), slot);
  lattice::Occupant moving[2];
  for (int i = 0; i < hop.n_moves; ++i) moving[i] = occ[hop.moves[i].from];
  for (int i = 0; i < hop.n_moves; ++i) occ[hop.moves[i].from] = lattice::kEmpty;
  for (int i = 0; i < hop.n_moves; ++i) occ[hop.moves[i].to] = moving[i];
  return occ;
}

// Summed rate of the pair's hops from `occ` by the physical state they reach.
std::map<Physical, double> rates_by_outcome(const kmc::KmcModel& model, const std::vector<lattice::Occupant>& occ,
                                            int pair, int* events) {
  std::map<Physical, double> out;
  std::string buffer;
  const int slots = static_cast<int>(model.catalog().slots(model.supercell().mobile_of(pair)).size());
  for (int k = 0; k < slots; ++k) {
    const double rate = model.hop_rate(pair, k, occ, buffer).rate_hz;
    if (rate <= 0) continue;
    const auto next = after_hop(model, occ, pair, k);
    REQUIRE(model.split_pair_violation(next).empty());
    out[physical(model, next)] += rate;
    ++*events;
  }
  return out;
}

void check_reverse_rates(double per_iodide) {
  const double a = 6.0;
  lattice::Supercell sc(lattice::make_perovskite(a, lattice::InterstitialSites::kSplit12h), {3, 3, 3});
  lattice::SpeciesTable species({"I", "Br"});
  const auto iodide = species.code("I"), bromide = species.code("Br");
  kmc::KmcModel model(sc, species, {lattice::Mechanism{"split", lattice::MechanismKind::kSplit, 2}},
                      per_iodide > 0 ? a : 0.0, std::make_unique<test::SplitPairBarriers>(iodide, per_iodide),
                      kmc::ModelParameters{400.0, 1e13, Eigen::Vector3d::Zero(), {}});
  const auto& cell = model.supercell();
  std::vector<int> x_sites, i_sites;
  for (int s = 0; s < cell.num_sites(); ++s)
    (cell.role(s) == lattice::SiteRole::kLattice ? x_sites : i_sites).push_back(s);
  RandomGenerator rng(per_iodide > 0 ? 5 : 6, RandomStream::kInitialConfiguration, 0);
  int forward = 0, backward = 0, compared = 0, rotations_mixed = 0, rotations_equal = 0;
  std::set<long> distinct_rates;
  for (int trial = 0; trial < 400; ++trial) {
    // Mostly Br with some I, often in or next to the pair.
    std::vector<lattice::Occupant> occ(cell.num_sites(), lattice::kEmpty);
    for (int s : x_sites) occ[s] = rng.uniform_open() < 0.2 ? iodide : bromide;
    const int pair = i_sites[rng.below(i_sites.size())];
    occ[pair] = rng.uniform_open() < 0.5 ? iodide : bromide;
    if (rng.uniform_open() < 0.5) occ[model.split_host(pair)] = iodide;
    const Physical start = physical(model, occ);
    const auto outcomes = rates_by_outcome(model, occ, pair, &forward);
    for (const auto& [outcome, rate] : outcomes) {
      // The labelled state this outcome was reached in (any hop leading there).
      std::vector<lattice::Occupant> next;
      int next_pair = -1;
      std::string buffer;
      const int slots = static_cast<int>(model.catalog().slots(cell.mobile_of(pair)).size());
      for (int k = 0; k < slots && next_pair < 0; ++k) {
        if (model.hop_rate(pair, k, occ, buffer).rate_hz <= 0) continue;
        auto candidate = after_hop(model, occ, pair, k);
        if (physical(model, candidate) != outcome) continue;
        next = std::move(candidate);
        next_pair = model.hop_effect(pair, cell.cell_of(pair), k).changed[1];
        const auto& slot = model.catalog().slots(cell.mobile_of(pair))[k];
        if (slot.view != 0) (occ[pair] == occ[model.split_host(pair)] ? rotations_equal : rotations_mixed)++;
      }
      REQUIRE(next_pair >= 0);
      const auto back = rates_by_outcome(model, next, next_pair, &backward);
      const auto it = back.find(start);
      REQUIRE(it != back.end());
      CHECK(it->second == doctest::Approx(rate).epsilon(1e-12));
      distinct_rates.insert(std::lround(std::log(rate) * 1e6));
      ++compared;
    }
  }
  MESSAGE("per_iodide " << per_iodide << ": " << compared << " hops compared with the hop back, " << forward
                        << " events; rotations of mixed / equal pairs " << rotations_mixed << " / " << rotations_equal
                        << "; distinct rates " << distinct_rates.size());
  CHECK(compared > 2000);
  CHECK(rotations_mixed > 100);
  CHECK(rotations_equal > 100);
  CHECK(distinct_rates.size() >= (per_iodide > 0 ? 12u : 6u));
}

kmc::RunSpec split_spec() {
  auto s = test::perovskite_spec(6.2, 4, {{"I", 0.5}, {"Br", 0.5}}, 0, 1000);
  s.defects.interstitials = 3;
  s.mechanisms.push_back({"pair", "split", 2});
  return s;
}

}  // namespace

TEST_CASE("split pairs: every hop and the hop back have the same rate (tabulated barriers)") {
  check_reverse_rates(0.0);
}

TEST_CASE("split pairs: every hop and the hop back have the same rate (environment-dependent barriers)") {
  check_reverse_rates(0.04);
}

TEST_CASE("split pairs: a run keeps the pair rules, and its initial pairs obey them") {
  kmc::Simulation sim(split_spec());
  const auto& model = sim.model();
  for (int replica = 0; replica < 4; ++replica) {
    const auto occ = sim.initial_configuration(replica);
    CHECK(model.split_pair_violation(occ).empty());
    kmc::KmcEngine engine(model, occ, 3, replica);
    CHECK(engine.defects().size() == 3u);
    for (int step = 0; step < 20000; ++step) {
      REQUIRE(engine.step());
      if (step % 50 == 0) REQUIRE(model.split_pair_violation(engine.occupancy()).empty());
    }
  }
  // A start that breaks them is refused.
  auto occ = sim.initial_configuration(0);
  int pair = -1;
  for (int s = 0; s < static_cast<int>(occ.size()); ++s)
    if (occ[s] != lattice::kEmpty && model.split_host(s) >= 0) pair = s;
  REQUIRE(pair >= 0);
  auto on_vacancy = occ;
  on_vacancy[model.split_host(pair)] = lattice::kEmpty;
  CHECK_THROWS_WITH_AS(kmc::KmcEngine(model, on_vacancy, 3, 0), doctest::Contains("vacant lattice site"), Error);
}

TEST_CASE("split pairs: unsupported combinations are refused with a message") {
  auto vacancies = split_spec();
  vacancies.defects.vacancies = 2;
  CHECK_THROWS_WITH_AS(kmc::Simulation{vacancies}, doctest::Contains("recombination"), InputError);
  auto mixed = split_spec();
  mixed.mechanisms.push_back({"hop", "interstitial", 1});
  CHECK_THROWS_WITH_AS(kmc::Simulation{mixed}, doctest::Contains("do not combine them"), InputError);
  auto hamiltonian = split_spec();
  hamiltonian.energy.hamiltonian_file = test::small_system_hamiltonian(false);
  CHECK_THROWS_WITH_AS(kmc::Simulation{hamiltonian}, doctest::Contains("lattice Hamiltonian"), InputError);
  auto double_perovskite = split_spec();
  double_perovskite.lattice.prototype = "double_perovskite";
  double_perovskite.lattice.a_angstrom = 12.0;
  double_perovskite.lattice.supercell = {2, 2, 2};
  CHECK_THROWS_WITH_AS(kmc::Simulation{double_perovskite}, doctest::Contains("needs prototype \"perovskite\""),
                       InputError);
  auto field = split_spec();
  field.kmc.field_v_per_angstrom = {0.0, 0.0, 0.01};
  field.kmc.charges_e = {{"I", -1.0}, {"Br", -0.8}};
  CHECK_THROWS_WITH_AS(kmc::Simulation{field}, doctest::Contains("same charge"), InputError);
  auto crowded = split_spec();
  crowded.lattice.supercell = {3, 3, 3};
  crowded.defects.interstitials = 82;  // 81 X sites
  CHECK_THROWS_WITH_AS(kmc::Simulation(crowded).initial_configuration(0), doctest::Contains("host a split pair"),
                       InputError);
}
