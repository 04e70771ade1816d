#pragma once
// Shared by the hop-barrier tests and report: requests for edge hops of the
// cubic perovskite with every mobile site within r_env listed, and requests
// read from a lattice HopCatalog slot.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "hkmc/neb/HopBarrier.hpp"

namespace hkmc::neb::testing {

// Mobile sites (X and 3c) within r_env (fractions of a) of `midpoint`, the
// given excluded positions (relative) left out; vectors relative to the midpoint.
inline std::vector<Eigen::Vector3d> mobile_sites_within(const Eigen::Vector3d& midpoint, double r_env,
                                                        const std::vector<Eigen::Vector3d>& exclude) {
  std::vector<Eigen::Vector3d> out;
  const int reach = static_cast<int>(std::ceil(2 * (r_env + 1)));
  for (int i = -reach; i <= reach; ++i)
    for (int j = -reach; j <= reach; ++j)
      for (int k = -reach; k <= reach; ++k) {
        // absolute position on the a/2 grid around the midpoint
        const Eigen::Vector3d p(std::floor(2 * midpoint[0]) / 2 + 0.5 * i,
                                std::floor(2 * midpoint[1]) / 2 + 0.5 * j,
                                std::floor(2 * midpoint[2]) / 2 + 0.5 * k);
        int odd = 0;
        for (int d = 0; d < 3; ++d) odd += std::lround(2 * p[d]) % 2 != 0;
        if (odd != 1 && odd != 2) continue;  // A or B
        const Eigen::Vector3d rel = p - midpoint;
        if (rel.norm() > r_env + 1e-9) continue;
        bool skip = false;
        for (const auto& e : exclude) skip = skip || (e - rel).norm() < 1e-9;
        if (!skip) out.push_back(rel);
      }
  return out;
}

inline bool is_x_site(const Eigen::Vector3d& absolute) {
  int odd = 0;
  for (int d = 0; d < 3; ++d) odd += std::lround(2 * absolute[d]) % 2 != 0;
  return odd == 1;
}

// Species of the X site at absolute position p (fractions of a): Br with
// probability x_br, else I, from a hash of (seed, p), so a site keeps its
// species whatever r_env lists it.
inline std::string hashed_halide(const Eigen::Vector3d& p, double x_br, unsigned seed) {
  std::uint64_t h = seed;
  for (int d = 0; d < 3; ++d) h = h * 1000003u + static_cast<std::uint64_t>(std::llround(4 * p[d]) + 1000);
  std::mt19937_64 rng(h);
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < x_br ? "Br" : "I";
}

inline void fill_environment(HopRequest& r, double r_env, double x_br, unsigned seed) {
  r.environment = mobile_sites_within(r.midpoint, r_env, {r.origin, r.target});
  r.environment_species.clear();
  for (const auto& e : r.environment) {
    const Eigen::Vector3d p = r.midpoint + e;
    r.environment_species.push_back(is_x_site(p) ? hashed_halide(p, x_br, seed) : "");
  }
}

// The vacancy edge hop X(½,0,0) <- X(0,½,0) of `halide-kmc neb` (vacancy at
// origin, the mover from target), environment within r_env: X sites I/Br
// (hashed_halide), 3c sites empty.
inline HopRequest vacancy_edge_request(double r_env, double x_br, unsigned seed,
                                       const std::string& moving = "Br") {
  HopRequest r;
  r.kind = HopKind::Vacancy;
  r.midpoint = Eigen::Vector3d(0.25, 0.25, 0.0);
  r.origin = Eigen::Vector3d(0.25, -0.25, 0.0);
  r.target = Eigen::Vector3d(-0.25, 0.25, 0.0);
  r.moving = moving;
  fill_environment(r, r_env, x_br, seed);
  return r;
}

// Interstitial hop 3c(0,½,½) -> 3c(½,0,½) (a/√2), environment as above.
inline HopRequest interstitial_request(double r_env, double x_br, unsigned seed,
                                       const std::string& moving = "Br") {
  HopRequest r;
  r.kind = HopKind::Interstitial;
  r.midpoint = Eigen::Vector3d(0.25, 0.25, 0.5);
  r.origin = Eigen::Vector3d(-0.25, 0.25, 0.0);
  r.target = Eigen::Vector3d(0.25, -0.25, 0.0);
  r.moving = moving;
  fill_environment(r, r_env, x_br, seed);
  return r;
}

// Split-pair edge interstitialcy (docs/neb.md, "Halide interstitials"): the
// pair on X(0,½,0) (Pb–X–Pb axis y) along z; its atom at (0,½,−¼) joins the
// ion of X(0,0,−½) (axis z), ending at (0,¼,−½); that ion goes to (0,−¼,−½).
inline HopRequest split_pair_request(double r_env, double x_br, unsigned seed, const std::string& moving = "Br",
                                     const std::string& partner = "Br", const std::string& pushed = "Br") {
  HopRequest r;
  r.kind = HopKind::SplitPair;
  r.midpoint = Eigen::Vector3d(0.0, 0.25, -0.25);
  r.origin = Eigen::Vector3d(0.0, 0.25, 0.25);
  r.target = Eigen::Vector3d(0.0, -0.25, -0.25);
  r.pair_origin = Eigen::Vector3d(0.0, 0.0, -0.25);
  r.pair_target = Eigen::Vector3d(0.0, 0.25, 0.0);
  r.moving = moving;
  r.partner = partner;
  r.pushed = pushed;
  fill_environment(r, r_env, x_br, seed);
  return r;
}

// On-site rotation of the split pair on X(0,½,0) (Pb–X–Pb axis y): the
// mover at (0,½,−¼) goes to (¼,½,0), the partner at (0,½,¼) to (−¼,½,0).
inline HopRequest split_rotation_request(double r_env, double x_br, unsigned seed, const std::string& moving = "Br",
                                         const std::string& partner = "Br") {
  HopRequest r;
  r.kind = HopKind::SplitPair;
  r.midpoint = Eigen::Vector3d(0.0, 0.5, 0.0);
  r.pair_origin = Eigen::Vector3d(0.0, 0.0, -0.25);
  r.pair_target = Eigen::Vector3d(0.25, 0.0, 0.0);
  r.moving = moving;
  r.partner = partner;
  fill_environment(r, r_env, x_br, seed);
  return r;
}

}  // namespace hkmc::neb::testing

namespace hkmc::neb::testing {

// The request seen through x -> R x + t (R a signed permutation, t integer),
// optionally reversed, with its environment listed in a shuffled order.
inline HopRequest transformed(const HopRequest& r, const Eigen::Matrix3i& rotation, const Eigen::Vector3i& t,
                              bool reverse, unsigned shuffle_seed) {
  const Eigen::Matrix3d R = rotation.cast<double>();
  HopRequest out = r;
  out.midpoint = R * r.midpoint + t.cast<double>();
  out.origin = R * (reverse ? r.target : r.origin);
  out.target = R * (reverse ? r.origin : r.target);
  out.via = R * r.via;
  if (reverse && r.kind == HopKind::Interstitialcy) std::swap(out.moving, out.pushed);
  out.pair_origin = R * (reverse ? r.pair_target : r.pair_origin);
  out.pair_target = R * (reverse ? r.pair_origin : r.pair_target);
  // (a rotation's reverse keeps its partner: the same pair turns back)
  if (reverse && r.kind == HopKind::SplitPair && r.origin != r.target) std::swap(out.pushed, out.partner);
  std::vector<std::size_t> order(r.environment.size());
  for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::mt19937_64 rng(shuffle_seed);
  std::shuffle(order.begin(), order.end(), rng);
  out.environment.clear();
  out.environment_species.clear();
  for (std::size_t k : order) {
    out.environment.push_back(R * r.environment[k]);
    out.environment_species.push_back(r.environment_species[k]);
  }
  return out;
}

// A signed permutation matrix from an index in [0, 48).
inline Eigen::Matrix3i signed_permutation(int index) {
  std::array<int, 3> perm{0, 1, 2};
  for (int k = 0; k < index / 8; ++k) std::next_permutation(perm.begin(), perm.end());
  Eigen::Matrix3i m = Eigen::Matrix3i::Zero();
  for (int i = 0; i < 3; ++i) m(i, perm[i]) = (index >> i) & 1 ? -1 : 1;
  return m;
}

}  // namespace hkmc::neb::testing

namespace hkmc::neb::testing {

// What the lattice's split-pair hop classes list (docs/lattice.md): X sites
// and 12h sites (X ± a/4 perpendicular to its Pb-X-Pb axis) within r_env of
// `midpoint`, the absolute positions `exclude` left out; vectors relative to
// the midpoint (fractions of a). `is_12h` says which are 12h sites.
inline std::vector<Eigen::Vector3d> split_sites_within(const Eigen::Vector3d& midpoint, double r_env,
                                                       const std::vector<Eigen::Vector3d>& exclude,
                                                       std::vector<bool>* is_12h = nullptr) {
  std::vector<Eigen::Vector3d> out;
  const int reach = static_cast<int>(std::ceil(4 * (r_env + 1)));
  const Eigen::Vector3i c = (4.0 * midpoint).array().round().cast<int>();
  for (int i = -reach; i <= reach; ++i)
    for (int j = -reach; j <= reach; ++j)
      for (int k = -reach; k <= reach; ++k) {
        const Eigen::Vector3i q = c + Eigen::Vector3i(i, j, k);  // quarters of a
        int odd = 0, halves = 0, integers = 0;
        for (int d = 0; d < 3; ++d) {
          const int m = ((q[d] % 4) + 4) % 4;
          odd += m % 2;
          halves += m == 2;
          integers += m == 0;
        }
        const bool x_site = halves == 1 && integers == 2, split = odd == 1 && halves == 1;
        if (!x_site && !split) continue;
        const Eigen::Vector3d p = q.cast<double>() / 4.0;
        if ((p - midpoint).norm() > r_env + 1e-9) continue;
        bool skip = false;
        for (const auto& e : exclude) skip = skip || (e - p).norm() < 1e-9;
        if (skip) continue;
        out.push_back(p - midpoint);
        if (is_12h) is_12h->push_back(split);
      }
  return out;
}

}  // namespace hkmc::neb::testing
