// Split-pair interstitials (docs/lattice.md, "Split-pair interstitial
// sites"): the 12h sites, the hops a pair can make and their conditions,
// checked against positions worked out by hand; and the two labellings of
// one pair state: a mirrored slot must get exactly the key its mirror image
// gets in the other labelling, so that a physical hop has one barrier.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <map>
#include <set>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Random.hpp"
#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/Prototypes.hpp"

using namespace hkmc::lattice;

namespace {

constexpr double kA = 6.0;

Supercell split_supercell(int n) { return Supercell(make_perovskite(kA, InterstitialSites::kSplit12h), {n, n, n}); }

// Mobile basis index of the site at fractional position x (in [0, 1)).
int mobile_at(const Crystal& crystal, const Eigen::Vector3d& x) {
  for (int m = 0; m < static_cast<int>(crystal.mobile_basis().size()); ++m)
    if ((crystal.basis()[crystal.mobile_basis()[m]].frac - x).norm() < 1e-9) return m;
  FAIL("no mobile site at " << x.transpose());
  return -1;
}

// Absolute fractional position of an offset from cell 0.
Eigen::Vector3d position(const Crystal& crystal, const SiteOffset& o) {
  return Eigen::Vector3d(o.cell[0], o.cell[1], o.cell[2]) + crystal.basis()[crystal.mobile_basis()[o.mobile]].frac;
}

std::string rounded(const Eigen::Vector3d& x) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "(%.3f,%.3f,%.3f)", x[0] + 0.0, x[1] + 0.0, x[2] + 0.0);
  return buf;
}

}  // namespace

TEST_CASE("split pairs: 12h sites, each a/4 from exactly one X site") {
  const Crystal c = make_perovskite(kA, InterstitialSites::kSplit12h);
  int x_sites = 0, i_sites = 0;
  for (int m : c.mobile_basis()) (c.basis()[m].role == SiteRole::kLattice ? x_sites : i_sites)++;
  CHECK(x_sites == 3);
  CHECK(i_sites == 12);
  for (int m : c.mobile_basis()) {
    if (c.basis()[m].role != SiteRole::kInterstitial) continue;
    int at_quarter = 0;
    for (int x : c.mobile_basis()) {
      if (c.basis()[x].role != SiteRole::kLattice) continue;
      for (int i = -1; i <= 1; ++i)
        for (int j = -1; j <= 1; ++j)
          for (int k = -1; k <= 1; ++k) {
            const double d = kA * (c.basis()[x].frac + Eigen::Vector3d(i, j, k) - c.basis()[m].frac).norm();
            CHECK(d > 0.25 * kA - 1e-9);  // no X site closer than a/4
            if (d < 0.25 * kA + 1e-9) ++at_quarter;
          }
    }
    CHECK(at_quarter == 1);
  }
}

TEST_CASE("split pairs: the hops of the pair at X(1/2,0,0) with its atom at (1/2,1/4,0), derived by hand") {
  const Supercell sc = split_supercell(4);
  const HopCatalog cat(sc, {Mechanism{"split", MechanismKind::kSplit, 2}}, 0.0);
  const Crystal& c = sc.crystal();
  const int o = mobile_at(c, {0.5, 0.25, 0.0});
  const Eigen::Vector3d host(0.5, 0.0, 0.0);
  // (target, target's host) by kind. Rotations: the other axis (z) on the own
  // host, each as two slots (one per labelling order). Edge hops (a/√2·/2 =
  // 0.354 a): to the X sites sharing the octahedron edge in the xy plane.
  // Window hop (a/2): along the pair axis to the next X site.
  std::multiset<std::string> expected{
      // the interstitial atom leaves (kind interstitial, not mirrored)
      "i|rot+|(0.500,0.000,0.250)|(0.500,0.000,0.000)", "i|rot+|(0.500,0.000,-0.250)|(0.500,0.000,0.000)",
      "i|rot-|(0.500,0.000,0.250)|(0.500,0.000,0.000)", "i|rot-|(0.500,0.000,-0.250)|(0.500,0.000,0.000)",
      "i|(0.250,0.500,0.000)|(0.000,0.500,0.000)", "i|(0.750,0.500,0.000)|(1.000,0.500,0.000)",
      "i|(0.500,0.750,0.000)|(0.500,1.000,0.000)",
      // the host's atom, at (1/2,-1/4,0), leaves (interstitialcy via the host)
      "c|(0.250,-0.500,0.000)|(0.000,-0.500,0.000)", "c|(0.750,-0.500,0.000)|(1.000,-0.500,0.000)",
      "c|(0.500,-0.750,0.000)|(0.500,-1.000,0.000)"};
  std::multiset<std::string> found;
  for (const auto& slot : cat.slots(o)) {
    REQUIRE(slot.split);
    CHECK((position(c, slot.host) - host).norm() < 1e-9);
    const Eigen::Vector3d target = position(c, slot.target), target_host = position(c, slot.required_ion);
    CHECK(kA * (target - target_host).norm() == doctest::Approx(0.25 * kA));
    CHECK((slot.pair_displacement - kA * (target_host - host)).norm() < 1e-9);
    // The target's host has four sites: the target and the three that must be empty.
    std::set<std::string> siblings{rounded(target)};
    for (const auto& e : slot.required_empty) {
      CHECK(kA * (position(c, e) - target_host).norm() == doctest::Approx(0.25 * kA));
      siblings.insert(rounded(position(c, e)));
    }
    CHECK(siblings.size() == (slot.view != 0 ? 3u : 4u));  // a rotation's origin is the fourth
    std::string desc = slot.kind == MechanismKind::kInterstitialcy ? "c|" : "i|";
    if (slot.view > 0) desc += "rot+|";
    if (slot.view < 0) desc += "rot-|";
    found.insert(desc + rounded(target) + "|" + rounded(target_host));
    if (slot.kind == MechanismKind::kInterstitialcy) {
      CHECK(slot.via == slot.host);
      CHECK(slot.mirrored);
    }
    CHECK(slot.mirrored == (slot.kind == MechanismKind::kInterstitialcy || slot.view < 0));
  }
  CHECK(found == expected);
  // Three classes: rotation, edge (path B) and window (path A).
  std::set<std::string> labels;
  for (const auto& hc : cat.classes()) labels.insert(hc.label);
  CHECK(labels == std::set<std::string>{"split/rotation", "split/B", "split/A"});
  // Shell 1 keeps the 0.354 a hops only.
  const HopCatalog near(sc, {Mechanism{"split", MechanismKind::kSplit, 1}}, 0.0);
  CHECK(near.slots(o).size() == 8u);
  CHECK(near.classes().size() == 2u);
}

TEST_CASE("split pairs: a mirrored slot's key is its mirror image's key in the pair's other labelling") {
  // Random I/Br on the X sites and one pair; labelling 1: host X = A,
  // interstitial site o = B; labelling 2 (same atoms, same places): host X =
  // B, the opposite site = A, o empty. For every mirrored slot of o, the key
  // (with the slot's key mover) must equal the key of its primary in
  // labelling 2 — the hop the same atom makes there.
  const Supercell sc = split_supercell(4);
  const HopCatalog cat(sc, {Mechanism{"split", MechanismKind::kSplit, 2}}, kA);
  const Crystal& c = sc.crystal();
  const Occupant iodide = 1, bromide = 2;
  hkmc::RandomGenerator rng(11, hkmc::RandomStream::kInitialConfiguration, 0);
  int compared = 0, distinct_keys = 0;
  std::set<std::string> keys;
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<Occupant> occ(sc.num_sites(), kEmpty);
    for (int s = 0; s < sc.num_sites(); ++s)
      if (sc.role(s) == SiteRole::kLattice) occ[s] = rng.uniform_open() < 0.5 ? iodide : bromide;
    const CellIndex cell{1, 2, 1};
    const int m = mobile_at(c, trial % 2 ? Eigen::Vector3d(0.5, 0.25, 0.0) : Eigen::Vector3d(0.0, 0.5, 0.75));
    const int o = sc.site(cell, m);
    const auto& slots = cat.slots(m);
    const int host = sc.shifted(o, slots.front().host);
    const Occupant a = occ[host], b = rng.uniform_open() < 0.5 ? iodide : bromide;
    occ[o] = b;
    // Labelling 2.
    const Eigen::Vector3d opposite_frac = 2.0 * position(c, slots.front().host) - position(c, SiteOffset{m, {0, 0, 0}});
    Eigen::Vector3d wrapped = opposite_frac;
    CellIndex shift{0, 0, 0};
    for (int d = 0; d < 3; ++d) {
      while (wrapped[d] < 0) wrapped[d] += 1.0, --shift[d];
      while (wrapped[d] >= 1.0) wrapped[d] -= 1.0, ++shift[d];
    }
    const int mo = mobile_at(c, wrapped);
    const int opposite = sc.site(sc.shift_cell(cell, SiteOffset{mo, shift}), mo);
    std::vector<Occupant> occ2 = occ;
    occ2[host] = b;
    occ2[o] = kEmpty;
    occ2[opposite] = a;
    for (const auto& slot : slots) {
      if (!slot.mirrored) continue;
      const bool rotation = slot.view != 0;
      const EnvironmentKey mirrored = cat.key(slot, o, occ, a);
      // Its image from the opposite site: same target (interstitialcy) or the
      // rotation's mirrored target.
      const Eigen::Vector3d target = position(c, slot.target) + Eigen::Vector3d(cell[0], cell[1], cell[2]);
      const Eigen::Vector3d host_abs = position(c, slot.host) + Eigen::Vector3d(cell[0], cell[1], cell[2]);
      const Eigen::Vector3d image_target = rotation ? 2.0 * host_abs - target : target;
      const HopSlot* primary = nullptr;
      int primary_target = -1;
      for (const auto& p : cat.slots(mo)) {
        if (p.mirrored) continue;
        const CellIndex oc = sc.cell_of(opposite);
        const Eigen::Vector3d t = position(c, p.target) + Eigen::Vector3d(oc[0], oc[1], oc[2]);
        Eigen::Vector3d diff = t - image_target;
        for (int d = 0; d < 3; ++d) diff[d] -= 4.0 * std::round(diff[d] / 4.0);
        if (diff.norm() < 1e-9) primary = &p, primary_target = sc.shifted(opposite, p.target);
      }
      REQUIRE(primary != nullptr);
      CHECK(occ2[primary_target] == kEmpty);
      const EnvironmentKey direct = cat.key(*primary, opposite, occ2, a);
      CHECK(mirrored == direct);
      keys.insert(std::to_string(mirrored.hop_class) + mirrored.occupancy);
      ++compared;
    }
  }
  distinct_keys = static_cast<int>(keys.size());
  CHECK(compared >= 100);
  CHECK(distinct_keys > 20);  // the environments did differ
}

TEST_CASE("split pairs: sites without a unique host are refused with a message") {
  // The 3c window sites have four X sites at a/2: no host.
  const Supercell sc(make_perovskite(kA, InterstitialSites::kWindow3c), {4, 4, 4});
  CHECK_THROWS_WITH_AS(HopCatalog(sc, {Mechanism{"pairs", MechanismKind::kSplit, 2}}, 0.0),
                       doctest::Contains("mechanism 'pairs' (kind split)"), hkmc::InputError);
  CHECK(mechanism_kind_from_name("split") == MechanismKind::kSplit);
  CHECK_THROWS_WITH_AS(mechanism_kind_from_name("spilt"), doctest::Contains("split"), hkmc::InputError);
}
