// Canonical environment keys. Two independent checks:
// 1. Rotating a whole configuration by a symmetry operation of the crystal
//    maps every hop onto an equivalent hop that must get the same key.
// 2. The number of distinct keys over all occupancies of a small environment
//    equals the number of orbits counted by Burnside's lemma with a stabiliser
//    that this test derives itself from the 48 signed permutation matrices.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <set>

#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/InitialConfiguration.hpp"
#include "hkmc/lattice/Prototypes.hpp"
#include "hkmc/lattice/SpaceGroup.hpp"

using namespace hkmc::lattice;

namespace {

// Image of a supercell site under a space-group operation of a cubic n^3 box.
int image_site(const Supercell& sc, const SymmetryOperation& op, int site) {
  const Eigen::Vector3d x = op.apply_frac(sc.cell_frac(site));
  const auto& crystal = sc.crystal();
  for (int m = 0; m < sc.mobile_count(); ++m) {
    Eigen::Vector3d shift;
    if (lattice_equivalent(x, crystal.basis()[crystal.mobile_basis()[m]].frac, &shift, 1e-6)) {
      CellIndex c;
      for (int d = 0; d < 3; ++d) {
        c[d] = static_cast<int>(shift[d]) % sc.dims()[d];
        if (c[d] < 0) c[d] += sc.dims()[d];
      }
      return sc.site(c, m);
    }
  }
  FAIL("image not found");
  return -1;
}

void check_keys_invariant(const Crystal& crystal, int n, double r_env, MechanismKind kind) {
  Supercell sc(crystal, {n, n, n});
  const Mechanism mech{"m", kind, 1};
  HopCatalog cat(sc, {mech}, r_env);
  hkmc::RandomGenerator rng(3, hkmc::RandomStream::kInitialConfiguration, 0);
  // A disordered I/Br/Cl configuration with vacancies and interstitials gives rich environments.
  const std::int64_t n_int = crystal.has_role(SiteRole::kInterstitial) ? sc.num_sites() / 10 : 0;
  auto occ = random_configuration(sc, {{1, 0.4}, {2, 0.4}, {3, 0.2}},
                                  DefectCounts{sc.num_sites() / 20, n_int, kEmpty, {}}, rng);
  const auto ops = space_group(crystal);
  std::set<std::string> distinct;
  int compared = 0;
  for (std::size_t o = 1; o < ops.size(); o += 5) {
    std::vector<Occupant> rotated(occ.size());
    for (int s = 0; s < sc.num_sites(); ++s) rotated[image_site(sc, ops[o], s)] = occ[s];
    for (int s = 0; s < sc.num_sites(); ++s) {
      const int s2 = image_site(sc, ops[o], s);
      for (const auto& slot : cat.slots(sc.mobile_of(s))) {
        const int t2 = image_site(sc, ops[o], sc.shifted(s, slot.target));
        const HopSlot* mapped = nullptr;
        for (const auto& slot2 : cat.slots(sc.mobile_of(s2)))
          if (sc.shifted(s2, slot2.target) == t2) mapped = &slot2;
        REQUIRE(mapped != nullptr);
        CHECK(mapped->hop_class == slot.hop_class);
        const auto k1 = cat.key(slot, s, occ, 1);
        const auto k2 = cat.key(*mapped, s2, rotated, 1);
        CHECK(k1 == k2);
        distinct.insert(k1.occupancy);
        ++compared;
      }
    }
  }
  CHECK(compared > 100);
  // Non-trivial: the environments really differ from hop to hop.
  CHECK(distinct.size() > 20);
}

// The 48 signed permutation matrices: the cubic point group, built here
// independently of space_group().
std::vector<Eigen::Matrix3d> cubic_point_group() {
  std::vector<Eigen::Matrix3d> out;
  int p[3] = {0, 1, 2};
  do {
    for (int signs = 0; signs < 8; ++signs) {
      Eigen::Matrix3d r = Eigen::Matrix3d::Zero();
      for (int i = 0; i < 3; ++i) r(i, p[i]) = (signs >> i & 1) ? -1.0 : 1.0;
      out.push_back(r);
    }
  } while (std::next_permutation(p, p + 3));
  return out;
}

}  // namespace

TEST_CASE("symmetry-equivalent vacancy hops in the perovskite share keys") {
  check_keys_invariant(make_perovskite(6.0, false), 4, 6.0, MechanismKind::kVacancy);
}

TEST_CASE("symmetry-equivalent interstitial hops share keys") {
  check_keys_invariant(make_perovskite(6.0, true), 4, 5.0, MechanismKind::kInterstitial);
}

TEST_CASE("symmetry-equivalent hops in the double perovskite share keys") {
  check_keys_invariant(make_double_perovskite(10.0, false), 2, 5.5, MechanismKind::kVacancy);
}

TEST_CASE("a hop and its reverse share a key") {
  Supercell sc(make_perovskite(6.0, false), {4, 4, 4});
  HopCatalog cat(sc, {Mechanism{"v", MechanismKind::kVacancy, 1}}, 6.0);
  hkmc::RandomGenerator rng(5, hkmc::RandomStream::kInitialConfiguration, 0);
  auto occ = random_configuration(sc, {{1, 0.5}, {2, 0.5}}, DefectCounts{}, rng);
  int checked = 0;
  for (int s = 0; s < sc.num_sites(); ++s) {
    for (const auto& slot : cat.slots(sc.mobile_of(s))) {
      const int t = sc.shifted(s, slot.target);
      for (const auto& back : cat.slots(sc.mobile_of(t))) {
        if (sc.shifted(t, back.target) != s) continue;
        CHECK(cat.key(slot, s, occ, 2) == cat.key(back, t, occ, 2));
        ++checked;
      }
    }
  }
  CHECK(checked == sc.num_sites() * 8);
}

TEST_CASE("distinct keys equal the Burnside orbit count") {
  // Perovskite edge hop (1/2,0,0) -> (0,1/2,0); midpoint (1/4,1/4,0).
  const double a = 6.0;
  for (double r_env : {5.0, 6.2}) {
    Supercell sc(make_perovskite(a, false), {4, 4, 4});
    HopCatalog cat(sc, {Mechanism{"v", MechanismKind::kVacancy, 1}}, r_env);
    const HopClass& hc = cat.classes().at(0);
    const int k_sites = static_cast<int>(hc.template_vectors.size());
    REQUIRE(k_sites >= 4);
    REQUIRE(k_sites <= 20);

    // Stabiliser derived here: cubic point operations about the midpoint that
    // map the hop's end points onto themselves (possibly swapped) and the
    // crystal (all atoms, fixed A and B included) onto itself.
    const Crystal& crystal = sc.crystal();
    int rep_site = sc.site({0, 0, 0}, cat.classes()[0].representative_mobile);
    const HopSlot* rep = nullptr;
    for (const auto& s : cat.slots(hc.representative_mobile))
      if (s.hop_class == 0) { rep = &s; break; }
    REQUIRE(rep != nullptr);
    const Eigen::Vector3d p0 = sc.position(rep_site);
    const Eigen::Vector3d d = rep->defect_displacement;
    const Eigen::Vector3d mid = p0 + 0.5 * d;
    std::vector<std::pair<Eigen::Vector3d, std::string>> atoms;  // within 2a of the midpoint
    for (int i = -3; i <= 3; ++i)
      for (int j = -3; j <= 3; ++j)
        for (int k = -3; k <= 3; ++k)
          for (const auto& b : crystal.basis()) {
            const Eigen::Vector3d x = crystal.cartesian(Eigen::Vector3d(i, j, k) + b.frac) - mid;
            if (x.norm() < 2 * a) atoms.emplace_back(x, b.sublattice);
          }
    std::vector<std::vector<int>> perms;
    for (const auto& r : cubic_point_group()) {
      if (!((r * d - d).norm() < 1e-9 || (r * d + d).norm() < 1e-9)) continue;
      bool ok = true;
      for (const auto& [x, name] : atoms) {
        const Eigen::Vector3d y = r * x;
        if (y.norm() > 2 * a - 1e-6) continue;
        bool found = false;
        for (const auto& [x2, name2] : atoms)
          if (name2 == name && (x2 - y).norm() < 1e-6) found = true;
        ok = ok && found;
      }
      if (!ok) continue;
      std::vector<int> perm(k_sites);
      for (int k = 0; k < k_sites; ++k) {
        const Eigen::Vector3d y = r * hc.template_vectors[k];
        perm[k] = -1;
        for (int k2 = 0; k2 < k_sites; ++k2)
          if ((hc.template_vectors[k2] - y).norm() < 1e-6) perm[k] = k2;
        REQUIRE(perm[k] >= 0);
      }
      perms.push_back(perm);
    }
    // The edge-midpoint site symmetry m.m2 has order 4.
    CHECK(perms.size() == 4);
    // Burnside: orbits = (1/|G|) sum_g 2^cycles(g) for two species.
    long long total = 0;
    for (const auto& perm : perms) {
      std::vector<bool> seen(k_sites, false);
      int cycles = 0;
      for (int k = 0; k < k_sites; ++k) {
        if (seen[k]) continue;
        ++cycles;
        for (int j = k; !seen[j]; j = perm[j]) seen[j] = true;
      }
      total += 1LL << cycles;
    }
    const long long burnside = total / static_cast<long long>(perms.size());

    std::set<std::string> keys;
    for (int code = 0; code < (1 << k_sites); ++code) {
      std::string raw(k_sites, '\0');
      for (int k = 0; k < k_sites; ++k) raw[k] = static_cast<char>(1 + (code >> k & 1));
      keys.insert(cat.canonicalize(0, raw));
    }
    MESSAGE("r_env = " << r_env << " Å: " << k_sites << " environment sites, " << keys.size()
                       << " distinct keys, Burnside " << burnside);
    CHECK(static_cast<long long>(keys.size()) == burnside);
    CHECK(keys.size() < (1u << k_sites));  // symmetry really reduced the count
  }
}
