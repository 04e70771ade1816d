// Validation (label `validation`): environments that the lattice module's key
// calls equivalent give the same NEB barrier when each is computed in its own
// orientation. For random I/Br occupancies of a 4x4x4 perovskite supercell
// (vacancy edge hops and 3c interstitial hops, r_env = a), hop A and its image
// B under a random space-group operation (half of them reversed) must have
// equal HopCatalog keys and different raw environments; both are turned into
// HopRequests from the supercell's own positions and computed with
// canonical_frame = false, i.e. in their own orientation, 3x3x3 NEB cells,
// C++ reference potential. Measured max |ΔE_KRA| is printed (docs/neb.md).
#include <doctest/doctest.h>

#include <cmath>
#include <map>
#include <random>

#include "hkmc/lattice/HopCatalog.hpp"
#include "hkmc/lattice/Prototypes.hpp"
#include "hkmc/lattice/Supercell.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/HopBarrier.hpp"

using namespace hkmc;
using namespace hkmc::neb;

namespace {

constexpr lattice::Occupant kI = 1, kBr = 2;  // fixed halide codes (Species.hpp)

std::string name_of(lattice::Occupant c) { return c == kI ? "I" : c == kBr ? "Br" : ""; }

struct World {
  // Lattice constant 1: supercell positions are fractions of a.
  lattice::Supercell cell{lattice::make_perovskite(1.0, true), {4, 4, 4}};
  lattice::HopCatalog catalog{cell,
                              {{"vacancy_edge", lattice::MechanismKind::kVacancy, 1},
                               {"interstitial", lattice::MechanismKind::kInterstitial, 1}},
                              1.0};
  std::map<std::array<long, 3>, int> site_at;  // quarters of a (wrapped) -> site
  World() {
    for (int s = 0; s < cell.num_sites(); ++s) site_at[key(cell.cell_frac(s))] = s;
  }
  std::array<long, 3> key(const Eigen::Vector3d& p) const {
    std::array<long, 3> k{};
    for (int d = 0; d < 3; ++d) {
      const long n4 = 4L * cell.dims()[d];
      k[d] = ((std::lround(4 * p[d]) % n4) + n4) % n4;
    }
    return k;
  }
  int site(const Eigen::Vector3d& p) const { return site_at.at(key(p)); }
  // The request of `slot` at `site` in the supercell's own orientation.
  HopRequest request(const lattice::HopSlot& slot, int site, const std::vector<lattice::Occupant>& occ,
                     HopKind kind) const {
    const Eigen::Vector3d origin = cell.cell_frac(site);
    const Eigen::Vector3d target = origin + slot.defect_displacement;  // Å = a here
    HopRequest r;
    r.kind = kind;
    r.midpoint = 0.5 * (origin + target);
    r.origin = origin - r.midpoint;
    r.target = target - r.midpoint;
    const auto c = cell.cell_of(site);
    const auto& crystal = cell.crystal();
    for (const auto& e : slot.environment) {
      const Eigen::Vector3d p = Eigen::Vector3d(c[0] + e.cell[0], c[1] + e.cell[1], c[2] + e.cell[2]) +
                                crystal.basis()[crystal.mobile_basis()[e.mobile]].frac;
      r.environment.push_back(p - r.midpoint);
      r.environment_species.push_back(name_of(occ[cell.shifted(site, e)]));
    }
    const int t = cell.shifted(site, slot.target);
    r.moving = name_of(kind == HopKind::Vacancy ? occ[t] : occ[site]);
    return r;
  }
  int slot_to(int from, int to) const {
    const auto& slots = catalog.slots(cell.mobile_of(from));
    for (int k = 0; k < static_cast<int>(slots.size()); ++k) {
      if (cell.shifted(from, slots[k].target) == to) return k;
    }
    return -1;
  }
};

Eigen::Matrix3i signed_permutation(int index) {
  std::array<int, 3> perm{0, 1, 2};
  for (int k = 0; k < index / 8; ++k) std::next_permutation(perm.begin(), perm.end());
  Eigen::Matrix3i m = Eigen::Matrix3i::Zero();
  for (int i = 0; i < 3; ++i) m(i, perm[i]) = (index >> i) & 1 ? -1 : 1;
  return m;
}

}  // namespace

TEST_CASE("equivalent environment keys give equal NEB barriers in their own orientation") {
  const World w;
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings own;
  own.canonical_frame = false;
  // Interstitials: the 3c end states are saddles of this potential (BasinChange
  // with the probe); without the probe the NEB between them still runs and is
  // compared as a path, not as a usable barrier.
  HopBarrierSettings own_unprobed = own;
  own_unprobed.probe_displacement = 0.0;
  own_unprobed.max_attempts = 1;

  std::mt19937_64 rng(20261121);
  const int n_sites = w.cell.num_sites();
  for (HopKind kind : {HopKind::Vacancy, HopKind::Interstitial}) {
    double max_delta = 0.0, sum_delta = 0.0;
    int compared = 0, raw_differs = 0, reversed_count = 0;
    std::map<std::string, int> statuses;
    std::map<std::string, std::string> messages;  // one example per status
    for (int trial = 0; trial < 20; ++trial) {
      CAPTURE(std::string(to_string(kind)));
      CAPTURE(trial);
      const double x_br = std::uniform_real_distribution<double>(0.2, 0.8)(rng);
      std::vector<lattice::Occupant> occ(n_sites, lattice::kEmpty);
      std::vector<int> x_sites, i_sites;
      for (int s = 0; s < n_sites; ++s) {
        if (w.cell.role(s) == lattice::SiteRole::kLattice) {
          occ[s] = std::uniform_real_distribution<double>(0, 1)(rng) < x_br ? kBr : kI;
          x_sites.push_back(s);
        } else {
          i_sites.push_back(s);
        }
      }
      const auto& pool = kind == HopKind::Vacancy ? x_sites : i_sites;
      const int s_a = pool[std::uniform_int_distribution<std::size_t>(0, pool.size() - 1)(rng)];
      const auto& slots_a = w.catalog.slots(w.cell.mobile_of(s_a));
      std::vector<int> candidates;
      for (int k = 0; k < static_cast<int>(slots_a.size()); ++k) {
        if (w.catalog.mechanisms()[slots_a[k].mechanism].kind ==
            (kind == HopKind::Vacancy ? lattice::MechanismKind::kVacancy : lattice::MechanismKind::kInterstitial))
          candidates.push_back(k);
      }
      REQUIRE(!candidates.empty());
      const auto& slot_a = slots_a[candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(rng)]];
      const int t_a = w.cell.shifted(s_a, slot_a.target);
      const lattice::Occupant moving = std::uniform_int_distribution<int>(0, 1)(rng) ? kBr : kI;
      if (kind == HopKind::Vacancy) {
        occ[s_a] = lattice::kEmpty;
        occ[t_a] = moving;
      } else {
        occ[s_a] = moving;
      }

      // B: the image of the whole configuration under x -> R x + T, the hop
      // possibly reversed.
      const Eigen::Matrix3i rot = signed_permutation(std::uniform_int_distribution<int>(1, 47)(rng));
      const Eigen::Vector3i shift(std::uniform_int_distribution<int>(0, 3)(rng),
                                  std::uniform_int_distribution<int>(0, 3)(rng),
                                  std::uniform_int_distribution<int>(0, 3)(rng));
      auto image = [&](int s) {
        return w.site(rot.cast<double>() * w.cell.cell_frac(s) + shift.cast<double>());
      };
      std::vector<lattice::Occupant> occ_b(n_sites);
      for (int s = 0; s < n_sites; ++s) occ_b[image(s)] = occ[s];
      const bool reverse = std::uniform_int_distribution<int>(0, 1)(rng) == 1;
      reversed_count += reverse;
      int s_b = image(s_a), t_b = image(t_a);
      if (reverse) {
        std::swap(s_b, t_b);
        std::swap(occ_b[s_b], occ_b[t_b]);  // the defect now at the image of the target
      }
      const int k_b = w.slot_to(s_b, t_b);
      REQUIRE(k_b >= 0);
      const auto& slot_b = w.catalog.slots(w.cell.mobile_of(s_b))[k_b];

      // The lattice module calls them equivalent ...
      REQUIRE(w.catalog.key(slot_a, s_a, occ, moving) == w.catalog.key(slot_b, s_b, occ_b, moving));
      std::string raw_a, raw_b;
      w.catalog.environment(slot_a, s_a, occ, raw_a);
      w.catalog.environment(slot_b, s_b, occ_b, raw_b);
      raw_differs += raw_a != raw_b;

      const HopRequest ra = w.request(slot_a, s_a, occ, kind);
      const HopRequest rb = w.request(slot_b, s_b, occ_b, kind);
      REQUIRE(ra.environment.size() == rb.environment.size());
      REQUIRE(!ra.environment.empty());
      // ... so does the hop-cell builder (identical canonical requests, hence
      // bitwise-identical records with canonical_frame = true) ...
      const CanonicalHop ca = canonical_hop(ra), cb = canonical_hop(rb);
      CHECK(ca.request.environment_species == cb.request.environment_species);
      CHECK(ca.request.midpoint == cb.request.midpoint);
      CHECK(ca.request.origin == cb.request.origin);
      // ... and the NEB in each one's own orientation agrees.
      const HopBarrierRecord a = compute_hop_barrier(pot, ra, own);
      const HopBarrierRecord b = compute_hop_barrier(pot, rb, own);
      CHECK(a.status == b.status);
      ++statuses[to_string(a.status)];
      if (kind == HopKind::Vacancy) {
        CHECK(a.usable());
        CHECK(b.usable());
        const double delta = std::abs(a.e_kra - b.e_kra);
        CHECK(delta < 0.01);
        max_delta = std::max(max_delta, delta);
        sum_delta += delta;
        ++compared;
      } else {
        if (a.usable() && b.usable()) {
          const double d = std::abs(a.e_kra - b.e_kra);
          CHECK(d < 0.01);
          max_delta = std::max(max_delta, d);
        }
        if (!a.usable() && !messages.count(to_string(a.status))) messages[to_string(a.status)] = a.message;
        const HopBarrierRecord pa = compute_hop_barrier(pot, ra, own_unprobed);
        const HopBarrierRecord pb = compute_hop_barrier(pot, rb, own_unprobed);
        CHECK(pa.status == pb.status);
        const double delta = std::abs(pa.e_kra - pb.e_kra);
        CHECK(delta < 0.01);
        max_delta = std::max(max_delta, delta);
        sum_delta += delta;
        ++compared;
        ++statuses["unprobed " + to_string(pa.status)];
      }
    }
    std::string status_list;
    for (const auto& [s, n] : statuses) status_list += " " + s + " x" + std::to_string(n);
    CHECK(raw_differs >= 10);  // most pairs were not the same raw environment
    for (const auto& [status, message] : messages) MESSAGE("example ", status, ": ", message);
    MESSAGE(std::string(to_string(kind)), ": ", compared, " pairs (", reversed_count, " reversed, ", raw_differs,
            " with different raw environments), max |dE_KRA| = ", max_delta, " eV, mean ",
            sum_delta / compared, " eV; statuses:", status_list);
  }
}
