#include "hkmc/neb/HopBarrier.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cmath>
#include <map>
#include <set>
#include <tuple>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {

const char* to_string(HopKind kind) {
  switch (kind) {
    case HopKind::Vacancy: return "vacancy";
    case HopKind::Interstitial: return "interstitial";
    case HopKind::Interstitialcy: return "interstitialcy";
    case HopKind::SplitPair: return "split_pair";
  }
  return "?";
}

std::string to_string(HopBarrierStatus status) {
  switch (status) {
    case HopBarrierStatus::Ok: return "ok";
    case HopBarrierStatus::NotConverged: return "not_converged";
    case HopBarrierStatus::BelowEndpoint: return "below_endpoint";
    case HopBarrierStatus::BasinChange: return "basin_change";
    case HopBarrierStatus::Failed: return "failed";
  }
  return "?";
}

namespace {

// Every request position is a multiple of a/4 (sites at multiples of a/2,
// midpoints halfway between two of them), so the geometry is done exactly in
// integers: "quarters" = 4 × (position in units of a).
using Vec3i = Eigen::Vector3i;

std::string fmt_vec(const Eigen::Vector3d& v) { return fmt::format("({}, {}, {})", v[0], v[1], v[2]); }

Vec3i quarters(const Eigen::Vector3d& x, const std::string& what) {
  Vec3i q;
  for (int d = 0; d < 3; ++d) {
    const double v = 4.0 * x[d];
    const double r = std::round(v);
    if (!std::isfinite(v) || std::abs(v - r) > 1e-6 || std::abs(r) > 1e6) {
      throw InputError(fmt::format("hop request: {} = {} (fractions of a) is not on the a/4 grid of "
                                   "the cubic perovskite's sites and hop midpoints",
                                   what, fmt_vec(x)));
    }
    q[d] = static_cast<int>(r);
  }
  return q;
}

int pmod(int v, int n) { return ((v % n) + n) % n; }

int compare(const Vec3i& a, const Vec3i& b) {
  for (int d = 0; d < 3; ++d) {
    if (a[d] != b[d]) return a[d] < b[d] ? -1 : 1;
  }
  return 0;
}

// The 48 signed permutation matrices, identity first.
const std::vector<Eigen::Matrix3i>& cubic_rotations() {
  static const std::vector<Eigen::Matrix3i> ops = [] {
    std::vector<Eigen::Matrix3i> out;
    std::array<int, 3> perm{0, 1, 2};
    do {
      for (int signs = 0; signs < 8; ++signs) {
        Eigen::Matrix3i r = Eigen::Matrix3i::Zero();
        for (int i = 0; i < 3; ++i) r(i, perm[i]) = (signs >> i) & 1 ? -1 : 1;
        out.push_back(r);
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
    return out;
  }();
  return ops;
}

void validate_request(const HopRequest& r) {
  if (r.moving.empty()) throw InputError("hop request: moving species is empty: name the element that hops");
  if (r.kind == HopKind::Interstitialcy && r.pushed.empty()) {
    throw InputError("hop request (interstitialcy): pushed species is empty: name the element of the "
                     "lattice ion at `via`");
  }
  if (r.environment.size() != r.environment_species.size()) {
    throw InputError(fmt::format("hop request: {} environment sites but {} environment species: "
                                 "need one species (or \"\" for empty) per site",
                                 r.environment.size(), r.environment_species.size()));
  }
  if (r.kind == HopKind::SplitPair) {
    const bool rotation = (r.origin - r.target).norm() < 1e-9;
    if (rotation) {
      if (r.partner.empty() || !r.pushed.empty()) {
        throw InputError(fmt::format("hop request (split_pair rotation, origin = target): partner (the other "
                                     "atom of the pair) must name an element and pushed must be empty "
                                     "(got partner '{}', pushed '{}'): a rotation pushes no ion",
                                     r.partner, r.pushed));
      }
    } else if (r.pushed.empty() || r.partner.empty()) {
      throw InputError("hop request (split_pair): pushed (the ion on `target`) and partner (the ion that "
                       "stays on `origin`) must name elements");
    }
    for (const auto& [name, v] : {std::pair{"pair_origin", &r.pair_origin}, std::pair{"pair_target", &r.pair_target}}) {
      int nonzero = 0;
      bool quarter = true;  // the one non-zero component is ±1/4
      for (int d = 0; d < 3; ++d) {
        if (std::abs((*v)[d]) < 1e-9) continue;
        ++nonzero;
        quarter = quarter && std::abs(std::abs((*v)[d]) - 0.25) < 1e-9;
      }
      if (nonzero != 1 || !quarter) {
        throw InputError(fmt::format("hop request (split_pair): {} = {} must be a/4 along one cube axis "
                                     "(fractions of a), e.g. (0, 0, -0.25)",
                                     name, fmt_vec(*v)));
      }
    }
    // A rotation turns the pair by 90° about its site (parallel: no hop;
    // antiparallel: the same pair with its atoms relabelled).
    if (rotation && std::abs(r.pair_origin.dot(r.pair_target)) > 1e-9) {
      throw InputError(fmt::format("hop request (split_pair rotation, origin = target): pair_target = {} must "
                                   "be perpendicular to pair_origin = {}",
                                   fmt_vec(r.pair_target), fmt_vec(r.pair_origin)));
    }
  }
  if ((r.origin + r.target).norm() > 1e-6) {
    throw InputError(fmt::format("hop request: origin {} and target {} must be symmetric about the "
                                 "midpoint (origin = -target)",
                                 fmt_vec(r.origin), fmt_vec(r.target)));
  }
}

// A request in integer form, for the canonical comparison.
struct Rep {
  Vec3i mid, o, t, v;
  std::vector<Vec3i> env;
  std::vector<std::string> species;
  std::string moving, pushed;
  Vec3i po = Vec3i::Zero(), pt = Vec3i::Zero();  // split pair: pair_origin, pair_target
  std::string partner;
};

int compare(const Rep& a, const Rep& b) {
  for (const auto& [x, y] : {std::pair{&a.mid, &b.mid}, std::pair{&a.o, &b.o}, std::pair{&a.t, &b.t},
                             std::pair{&a.v, &b.v}}) {
    if (const int c = compare(*x, *y)) return c;
  }
  if (a.env.size() != b.env.size()) return a.env.size() < b.env.size() ? -1 : 1;
  for (std::size_t k = 0; k < a.env.size(); ++k) {
    if (const int c = compare(a.env[k], b.env[k])) return c;
  }
  for (std::size_t k = 0; k < a.species.size(); ++k) {
    if (const int c = a.species[k].compare(b.species[k])) return c < 0 ? -1 : 1;
  }
  if (const int c = a.moving.compare(b.moving)) return c < 0 ? -1 : 1;
  if (const int c = a.pushed.compare(b.pushed)) return c < 0 ? -1 : 1;
  // Split pairs only (zero and empty for the other kinds, so their order is unchanged).
  if (const int c = compare(a.po, b.po)) return c;
  if (const int c = compare(a.pt, b.pt)) return c;
  if (const int c = a.partner.compare(b.partner)) return c < 0 ? -1 : 1;
  return 0;
}

// Site of the perovskite at absolute position p (quarters), wrapped into an
// n×n×n cell: X site (axis of the half-integer coordinate) or 3c
// interstitial site (axis of the integer coordinate).
struct CellSite {
  bool interstitial = false;
  int index = -1;  // 3·cell + axis
  int axis = -1;
};

CellSite locate_site(const Vec3i& p, int n, const std::string& what, const Eigen::Vector3d& shown) {
  int odd = 0, odd_axis = -1, even_axis = -1;
  std::array<int, 3> cell{};
  for (int d = 0; d < 3; ++d) {
    if (pmod(p[d], 2) != 0) {
      throw InputError(fmt::format("hop request: {} at {} (fractions of a, absolute) is not a site of "
                                   "the cubic perovskite (sites lie on the a/2 grid)",
                                   what, fmt_vec(shown)));
    }
    const int h = pmod(p[d] / 2, 2 * n);  // position in units of a/2, wrapped
    if (h % 2) {
      ++odd;
      odd_axis = d;
    } else {
      even_axis = d;
    }
    cell[d] = h / 2;
  }
  CellSite s;
  if (odd == 1) {
    s.axis = odd_axis;
  } else if (odd == 2) {
    s.interstitial = true;
    s.axis = even_axis;
  } else {
    throw InputError(fmt::format("hop request: {} at {} (fractions of a, absolute) is {} site, not a "
                                 "mobile (X or 3c interstitial) site",
                                 what, fmt_vec(shown), odd == 0 ? "a B (Pb)" : "an A (Cs)"));
  }
  s.index = 3 * ((cell[0] * n + cell[1]) * n + cell[2]) + s.axis;
  return s;
}

// The periodic image of d (quarters) in an n×n×n cell closest to zero, as
// seen in the canonical frame (r0 · d); ties between images (exactly half a
// cell) go to the lexicographically smallest rotated vector, so the choice
// does not depend on the request's orientation. Returns (|d|², r0 · d).
std::pair<long long, Vec3i> canonical_relative(const Vec3i& d0, int n, const Eigen::Matrix3i& r0) {
  long long best = -1;
  Vec3i key = Vec3i::Zero();
  for (int a = -1; a <= 1; ++a)
    for (int b = -1; b <= 1; ++b)
      for (int e = -1; e <= 1; ++e) {
        const Vec3i d = d0 + 4 * n * Vec3i(a, b, e);
        const long long d2 = d.cast<long long>().squaredNorm();
        const Vec3i rk = r0 * d;
        if (best < 0 || d2 < best || (d2 == best && compare(rk, key) < 0)) {
          best = d2;
          key = rk;
        }
      }
  return {best, key};
}

Eigen::Vector3d from_quarters(const Vec3i& q) { return q.cast<double>() / 4.0; }

std::string describe_fire(const FireOptions& f) {
  return fmt::format("fmax={} max_steps={} dt={} dt_max={} max_step={} n_min={} f_inc={} f_dec={} "
                     "alpha_start={} f_alpha={}",
                     f.fmax, f.max_steps, f.dt, f.dt_max, f.max_step, f.n_min, f.f_inc, f.f_dec,
                     f.alpha_start, f.f_alpha);
}

}  // namespace

CanonicalHop canonical_hop(const HopRequest& request) {
  validate_request(request);
  const Vec3i mid = quarters(request.midpoint, "midpoint");
  const Vec3i o = quarters(request.origin, "origin");
  const Vec3i t = quarters(request.target, "target");
  const Vec3i v = request.kind == HopKind::Interstitialcy ? quarters(request.via, "via") : Vec3i::Zero();
  const bool split = request.kind == HopKind::SplitPair;
  const Vec3i po = split ? quarters(request.pair_origin, "pair_origin") : Vec3i::Zero();
  const Vec3i pt = split ? quarters(request.pair_target, "pair_target") : Vec3i::Zero();
  // A rotation (origin = target) reads the same with mover and partner
  // swapped (pair vectors negated): both labellings are images.
  const bool rotation = split && o == t;
  std::vector<Vec3i> env;
  for (std::size_t k = 0; k < request.environment.size(); ++k) {
    env.push_back(quarters(request.environment[k], fmt::format("environment[{}]", k)));
  }
  const auto& ops = cubic_rotations();
  Rep best;
  int best_op = -1;
  bool best_rev = false;
  std::vector<int> order(env.size());
  for (int op = 0; op < static_cast<int>(ops.size()); ++op) {
    const Eigen::Matrix3i& r = ops[op];
    for (int variant = 0; variant < (rotation ? 4 : 2); ++variant) {
      const bool rev = variant & 1, relabel = variant & 2;
      Rep rep;
      rep.mid = r * mid;
      for (int d = 0; d < 3; ++d) rep.mid[d] = pmod(rep.mid[d], 4);
      rep.o = r * (rev ? t : o);
      rep.t = r * (rev ? o : t);
      rep.v = r * v;
      std::vector<Vec3i> rotated(env.size());
      for (std::size_t k = 0; k < env.size(); ++k) rotated[k] = r * env[k];
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
      std::sort(order.begin(), order.end(), [&](int a, int b) {
        const int c = compare(rotated[a], rotated[b]);
        return c != 0 ? c < 0 : request.environment_species[a] < request.environment_species[b];
      });
      for (int k : order) {
        rep.env.push_back(rotated[k]);
        rep.species.push_back(request.environment_species[k]);
      }
      const bool swap = rev && request.kind == HopKind::Interstitialcy;
      rep.moving = swap ? request.pushed : request.moving;
      rep.pushed = request.kind == HopKind::Interstitialcy ? (swap ? request.moving : request.pushed) : "";
      if (rotation) {  // reversed: the pair turns back; relabelled: the partner is the mover
        rep.moving = relabel ? request.partner : request.moving;
        rep.partner = relabel ? request.moving : request.partner;
        const int sign = relabel ? -1 : 1;
        rep.po = sign * (r * (rev ? pt : po));
        rep.pt = sign * (r * (rev ? po : pt));
      } else if (split) {  // reversed: the mover goes back; the ion on target stays, the partner is pushed
        rep.pushed = rev ? request.partner : request.pushed;
        rep.partner = rev ? request.pushed : request.partner;
        rep.po = r * (rev ? pt : po);
        rep.pt = r * (rev ? po : pt);
      }
      if (best_op < 0 || compare(rep, best) < 0) {
        best = std::move(rep);
        best_op = op;
        best_rev = rev;
      }
    }
  }
  CanonicalHop out;
  out.rotation = ops[best_op];
  out.reversed = best_rev;
  HopRequest& c = out.request;
  c.kind = request.kind;
  c.midpoint = from_quarters(best.mid);
  c.origin = from_quarters(best.o);
  c.target = from_quarters(best.t);
  c.via = from_quarters(best.v);
  for (const auto& e : best.env) c.environment.push_back(from_quarters(e));
  c.environment_species = best.species;
  c.moving = best.moving;
  c.pushed = best.pushed;
  c.pair_origin = from_quarters(best.po);
  c.pair_target = from_quarters(best.pt);
  c.partner = best.partner;
  return out;
}

namespace {

// A 12h site (quarters, absolute): one coordinate an odd number of quarters;
// moving it to the nearest integer gives its host, an X site. Returns the
// host and the pair vector (site − host), or throws.
std::pair<Vec3i, Vec3i> split_host(const Vec3i& q, const std::string& what, const Eigen::Vector3d& shown) {
  int odd = -1, halves = 0;
  for (int d = 0; d < 3; ++d) {
    if (pmod(q[d], 2) == 1) {
      if (odd >= 0) odd = 3;  // two odd coordinates: not a 12h site
      else odd = d;
    } else if (pmod(q[d], 4) == 2) {
      ++halves;
    }
  }
  if (odd < 0 || odd > 2 || halves != 1) {
    throw InputError(fmt::format("split-pair hop: {} at {} (fractions of a, absolute) is not a 12h split-pair "
                                 "site (X site ± a/4 perpendicular to its Pb-X-Pb axis)",
                                 what, fmt_vec(shown)));
  }
  Vec3i host = q;
  host[odd] = pmod(q[odd], 4) == 1 ? q[odd] - 1 : q[odd] + 1;
  return {host, q - host};
}

bool is_split_site(const Vec3i& q) {
  int odd = 0, halves = 0;
  for (int d = 0; d < 3; ++d) {
    odd += pmod(q[d], 2) == 1;
    halves += pmod(q[d], 4) == 2;
  }
  return odd == 1 && halves == 1;
}

}  // namespace

bool is_split_pair_site(const Eigen::Vector3d& absolute) {
  const Eigen::Vector3d q = 4.0 * absolute;
  if (((q.array() - q.array().round()).abs() > 1e-6).any()) return false;
  return is_split_site(q.array().round().cast<int>());
}

std::string split_pair_blocker(const Eigen::Vector3d& midpoint, const std::vector<Eigen::Vector3d>& environment,
                               const std::vector<std::string>& species) {
  // (A 12h-12h midpoint can lie off the a/4 grid; the sites lie on it.)
  for (std::size_t k = 0; k < environment.size() && k < species.size(); ++k) {
    if (species[k].empty()) continue;
    if (is_split_site(quarters(midpoint + environment[k], fmt::format("environment[{}]", k)))) {
      return fmt::format("environment site {} at {} (fractions of a from the midpoint) holds {} on a split-pair "
                         "(12h) site: another pair within r_env, which the one-pair NEB cell cannot hold",
                         k, fmt_vec(environment[k]), species[k]);
    }
  }
  return {};
}

HopRequest split_pair_request_from_sites(const Eigen::Vector3d& midpoint, const Eigen::Vector3d& origin_12h,
                                         const Eigen::Vector3d& target_12h,
                                         const std::vector<Eigen::Vector3d>& environment,
                                         const std::vector<std::string>& species, const std::string& moving) {
  if (environment.size() != species.size()) {
    throw InputError(fmt::format("split-pair hop: {} environment sites but {} species", environment.size(),
                                 species.size()));
  }
  if (const std::string blocker = split_pair_blocker(midpoint, environment, species); !blocker.empty()) {
    throw InputError("split-pair hop: " + blocker);
  }
  const auto [s, po] = split_host(quarters(midpoint + origin_12h, "origin"), "origin", midpoint + origin_12h);
  const auto [t, pt] = split_host(quarters(midpoint + target_12h, "target"), "target", midpoint + target_12h);
  const bool rotation = s == t;
  HopRequest r;
  r.kind = HopKind::SplitPair;
  r.moving = moving;
  // Request midpoint: halfway between the hosts (quarters: s + t is even
  // in every coordinate, both being X sites on the a/2 grid).
  const Vec3i mid2 = s + t;  // twice the request midpoint
  r.midpoint = from_quarters(mid2) / 2.0;
  r.origin = from_quarters(2 * s - mid2) / 2.0;
  r.target = from_quarters(2 * t - mid2) / 2.0;
  r.pair_origin = from_quarters(po);
  r.pair_target = from_quarters(pt);
  bool found_s = false, found_t = rotation;
  for (std::size_t k = 0; k < environment.size(); ++k) {
    const Vec3i p = quarters(midpoint + environment[k], fmt::format("environment[{}]", k));
    if (is_split_site(p)) continue;  // empty (occupied ones were refused above)
    if (p == s || p == t) {
      if (species[k].empty()) {
        throw InputError(fmt::format("split-pair hop: the X site {} that holds the {} pair is vacant",
                                     fmt_vec(from_quarters(p)), p == s ? "origin" : "target"));
      }
      (p == s ? r.partner : r.pushed) = species[k];
      (p == s ? found_s : found_t) = true;
      continue;
    }
    r.environment.push_back(from_quarters(2 * p - mid2) / 2.0);
    r.environment_species.push_back(species[k]);
  }
  if (!found_s || !found_t) {
    throw InputError(fmt::format("split-pair hop: the environment does not list the X site {} of the {} "
                                 "pair (it must lie within r_env)",
                                 fmt_vec(from_quarters(found_s ? t : s)), found_s ? "target" : "origin"));
  }
  return r;
}

void HopCellRule::validate() const {
  if (repeats < 1) throw InputError(fmt::format("hop cell: repeats = {}: must be >= 1", repeats));
  if (lattice_constant.empty()) throw InputError("hop cell: lattice_constant is empty: give one per halide (Å)");
  for (const auto& [element, a] : lattice_constant) {
    if (!(a > 0.0) || !std::isfinite(a)) {
      throw InputError(fmt::format("hop cell: lattice_constant[{}] = {}: must be > 0 Å", element, a));
    }
  }
  if (a_site.empty() || b_site.empty()) throw InputError("hop cell: a_site and b_site must name elements");
  if (!(fixed_lattice_constant >= 0.0) || !std::isfinite(fixed_lattice_constant)) {
    throw InputError(fmt::format("hop cell: fixed_lattice_constant = {}: must be 0 (Vegard's law over the "
                                 "cell) or > 0 Å",
                                 fixed_lattice_constant));
  }
  if (!fill_composition.empty()) {
    double sum = 0.0;
    for (const auto& [element, x] : fill_composition) {
      if (!(x >= 0.0 && x <= 1.0)) {
        throw InputError(fmt::format("hop cell: fill_composition[{}] = {}: must be in [0, 1]", element, x));
      }
      if (fixed_lattice_constant == 0.0 && !lattice_constant.count(element)) {
        throw InputError(fmt::format("hop cell: fill_composition names '{}', which has no lattice_constant",
                                     element));
      }
      sum += x;
    }
    if (std::abs(sum - 1.0) > 1e-9) {
      throw InputError(fmt::format("hop cell: fill_composition sums to {}: the fractions must sum to 1", sum));
    }
  }
}

std::string HopCellRule::describe() const {
  std::string lc;
  for (const auto& [element, a] : lattice_constant) lc += fmt::format("{}{}={}", lc.empty() ? "" : ",", element, a);
  // The default construction keeps its original wording, so caches made
  // with it stay valid; each option, when set, changes the line.
  std::string fill = "env-X-composition";
  if (!fill_composition.empty()) {
    std::string fc;
    for (const auto& [element, x] : fill_composition) fc += fmt::format("{}{}={}", fc.empty() ? "" : ",", element, x);
    fill = fmt::format("fixed-composition[{}]", fc);
  }
  return fmt::format("hop_cell_rule=v1 repeats={} a_site={} b_site={} lattice_constant[{}] "
                     "{} fill={}/largest-deficit/order(distance,canonical-vector)",
                     repeats, a_site, b_site, lc,
                     fixed_lattice_constant > 0.0 ? fmt::format("a=fixed:{}", fixed_lattice_constant)
                                                  : std::string("vegard=all-halides"),
                     fill);
}

void HopBarrierSettings::validate() const {
  cell.validate();
  neb.validate();
  relax.validate();
  if (!neb.fixed.empty()) throw InputError("hop barrier: neb.fixed must be empty (every atom of the hop cell moves)");
  if (!(basin_tolerance > 0.0 && basin_tolerance < 1.0)) {
    throw InputError(fmt::format("hop barrier: basin_tolerance = {}: must be in (0, 1) (fractions of a)",
                                 basin_tolerance));
  }
  if (!(probe_displacement >= 0.0 && probe_displacement < 0.5)) {
    throw InputError(fmt::format("hop barrier: probe_displacement = {}: must be in [0, 0.5) Å",
                                 probe_displacement));
  }
  if (!(probe_drop > 0.0)) {
    throw InputError(fmt::format("hop barrier: probe_drop = {}: must be > 0 eV", probe_drop));
  }
  if (max_attempts < 1 || max_attempts > 3) {
    throw InputError(fmt::format("hop barrier: max_attempts = {}: must be 1, 2 or 3", max_attempts));
  }
  if (!(relax_radius == 0.0 || (relax_radius >= 0.75 && std::isfinite(relax_radius)))) {
    throw InputError(fmt::format("hop barrier: relax_radius = {}: must be 0 (every atom relaxes) or >= 0.75 "
                                 "(fractions of a)",
                                 relax_radius));
  }
}

std::string HopBarrierSettings::describe() const {
  return fmt::format("{} | relax[{}] | neb[images={} spring={} climb={} fmax={} max_steps={} "
                     "interpolation={} fire[{}]] | basin_tolerance={} probe_displacement={} "
                     "probe_drop={} canonical_frame={} max_attempts={} checks=v1",
                     cell.describe(), describe_fire(relax), neb.n_images, neb.spring, neb.climb,
                     neb.fmax, neb.max_steps,
                     neb.interpolation == Interpolation::Idpp ? "idpp" : "linear",
                     describe_fire(neb.fire), basin_tolerance, probe_displacement, probe_drop,
                     canonical_frame, max_attempts) +
         (relax_radius > 0.0 ? fmt::format(" relax_radius={} (embedded cell)", relax_radius) : std::string());
}

HopEndpointsBuilt build_hop_cell(const HopRequest& request, const HopCellRule& rule) {
  rule.validate();
  validate_request(request);
  const int n = rule.repeats;
  const int ncell = n * n * n;
  // The fill order is read in the canonical orientation, so that the cells of
  // two symmetry-equivalent requests are exact images of each other.
  const Eigen::Matrix3i r0 = canonical_hop(request).rotation;

  // Shift by a lattice vector so that the midpoint lies near the cell centre.
  Vec3i mid = quarters(request.midpoint, "midpoint");
  for (int d = 0; d < 3; ++d) {
    mid[d] += 4 * static_cast<int>(std::floor(n / 2.0 - request.midpoint[d] + 0.5));
  }

  struct Placed {
    std::string name;
    Vec3i abs;  // quarters, absolute (unwrapped) in the shifted frame
    Eigen::Vector3d shown;  // absolute, as requested (for messages)
    CellSite site;
    double r;   // distance from the midpoint, a
  };
  std::vector<Placed> placed;
  auto place = [&](const std::string& name, const Eigen::Vector3d& rel) {
    const Vec3i q = mid + quarters(rel, name);
    placed.push_back({name, q, request.midpoint + rel, locate_site(q, n, name, request.midpoint + rel), rel.norm()});
    return placed.size() - 1;
  };
  // Split-pair rotation: origin and target are one X site, placed once.
  const bool rotation = request.kind == HopKind::SplitPair && request.origin == request.target;
  const std::size_t i_origin = place("origin", request.origin);
  const std::size_t i_target = rotation ? i_origin : place("target", request.target);
  std::size_t i_via = 0;
  if (request.kind == HopKind::Interstitialcy) i_via = place("via", request.via);
  const std::size_t first_env = placed.size();
  for (std::size_t k = 0; k < request.environment.size(); ++k) {
    place(fmt::format("environment[{}]", k), request.environment[k]);
  }

  // Two request sites on one site of the periodic cell.
  {
    std::map<std::pair<bool, int>, std::size_t> seen;
    double r_max = 0.0;
    for (const auto& p : placed) r_max = std::max(r_max, p.r);
    for (std::size_t k = 0; k < placed.size(); ++k) {
      const auto key = std::pair{placed[k].site.interstitial, placed[k].site.index};
      const auto [it, fresh] = seen.emplace(key, k);
      if (!fresh) {
        throw InputError(fmt::format(
            "hop cell: {} and {} land on the same site of the {}x{}x{} NEB cell: the request reaches "
            "r = {:.4g} a from the midpoint (r_env too large for the cell), but sites stay distinct "
            "only within half the cell ({} a); use more repeats or a smaller r_env",
            placed[it->second].name, placed[k].name, n, n, n, r_max, n / 2.0));
      }
    }
  }

  // Roles demanded by the mechanism.
  auto require = [&](std::size_t i, bool interstitial, const char* why) {
    if (placed[i].site.interstitial != interstitial) {
      throw InputError(fmt::format("hop request ({}): {} at {} is {} site; {}", to_string(request.kind),
                                   placed[i].name, fmt_vec(placed[i].shown),
                                   placed[i].site.interstitial ? "an interstitial (3c)" : "an X",
                                   why));
    }
  };
  switch (request.kind) {
    case HopKind::Vacancy:
      require(i_origin, false, "a vacancy hop runs between two X sites");
      require(i_target, false, "a vacancy hop runs between two X sites");
      break;
    case HopKind::Interstitial:
      require(i_origin, true, "an interstitial hop runs between two interstitial sites");
      require(i_target, true, "an interstitial hop runs between two interstitial sites");
      break;
    case HopKind::Interstitialcy:
      require(i_origin, true, "an interstitialcy starts on an interstitial site");
      require(i_target, true, "an interstitialcy ends on an interstitial site");
      require(i_via, false, "the pushed ion sits on an X site");
      break;
    case HopKind::SplitPair:
      require(i_origin, false, "a split pair sits on an X site");
      require(i_target, false, "a split pair moves to an X site");
      break;
  }
  if (request.kind == HopKind::SplitPair) {
    // The pair lies perpendicular to its site's Pb–X–Pb axis.
    for (const auto& [i, v, name] : {std::tuple{i_origin, &request.pair_origin, "pair_origin"},
                                     std::tuple{i_target, &request.pair_target, "pair_target"}}) {
      if (std::abs((*v)[placed[i].site.axis]) > 1e-9) {
        throw InputError(fmt::format("hop request (split_pair): {} = {} lies along the Pb-X-Pb axis of "
                                     "its X site at {}: the pair must be perpendicular to it",
                                     name, fmt_vec(*v), fmt_vec(placed[i].shown)));
      }
    }
  }

  // Occupancy of the initial state.
  std::vector<std::string> x_occ(3 * ncell), i_occ(3 * ncell);
  std::vector<bool> x_set(3 * ncell, false);
  std::map<std::string, long long> env_composition;
  for (std::size_t k = first_env; k < placed.size(); ++k) {
    const std::string& species = request.environment_species[k - first_env];
    const CellSite& s = placed[k].site;
    if (s.interstitial) {
      i_occ[s.index] = species;
    } else {
      x_occ[s.index] = species;
      x_set[s.index] = true;
      if (!species.empty()) ++env_composition[species];
    }
  }
  int moving_site = -1;  // X index or interstitial index of the mover in the initial state
  switch (request.kind) {
    case HopKind::Vacancy:
      x_set[placed[i_origin].site.index] = true;  // vacant
      x_occ[placed[i_target].site.index] = request.moving;
      x_set[placed[i_target].site.index] = true;
      moving_site = placed[i_target].site.index;
      break;
    case HopKind::Interstitial:
      i_occ[placed[i_origin].site.index] = request.moving;
      i_occ[placed[i_target].site.index] = "";
      moving_site = placed[i_origin].site.index;
      break;
    case HopKind::Interstitialcy:
      i_occ[placed[i_origin].site.index] = request.moving;
      i_occ[placed[i_target].site.index] = "";
      x_occ[placed[i_via].site.index] = request.pushed;
      x_set[placed[i_via].site.index] = true;
      moving_site = placed[i_origin].site.index;
      break;
    case HopKind::SplitPair:  // the mover is appended after the interstitials
      x_occ[placed[i_origin].site.index] = request.partner;
      x_set[placed[i_origin].site.index] = true;
      if (!rotation) {
        x_occ[placed[i_target].site.index] = request.pushed;
        x_set[placed[i_target].site.index] = true;
      }
      break;
  }

  // Deterministic fill of the other X sites: the environment's X composition,
  // assigned by the largest-deficit (running-fraction) rule along the sites
  // sorted by periodic distance from the midpoint, ties by the canonical
  // vector (the lexicographically smallest of the tied images, rotated by r0).
  if (env_composition.empty()) env_composition[request.moving] = 1;
  if (!rule.fill_composition.empty()) {
    // Integer weights (parts per 10^9) keep the largest-deficit rule exact.
    env_composition.clear();
    for (const auto& [element, x] : rule.fill_composition) {
      const long long w = std::llround(x * 1e9);
      if (w > 0) env_composition[element] = w;
    }
  }
  {
    struct Outside {
      long long dist2;
      Vec3i key;
      int index;
    };
    std::vector<Outside> outside;
    for (int c = 0; c < ncell; ++c) {
      const int i = c / (n * n), j = (c / n) % n, k = c % n;
      for (int axis = 0; axis < 3; ++axis) {
        const int xi = 3 * c + axis;
        if (x_set[xi]) continue;
        Vec3i pos(4 * i, 4 * j, 4 * k);
        pos[axis] += 2;
        const auto [best, key] = canonical_relative(pos - mid, n, r0);
        outside.push_back({best, key, xi});
      }
    }
    std::sort(outside.begin(), outside.end(), [](const Outside& a, const Outside& b) {
      if (a.dist2 != b.dist2) return a.dist2 < b.dist2;
      return compare(a.key, b.key) < 0;
    });
    long long total = 0;
    for (const auto& [element, count] : env_composition) total += count;
    std::map<std::string, long long> assigned;
    long long k = 0;
    for (const auto& o : outside) {
      ++k;
      // deficit_e · total = k·c_e − assigned_e·total; largest wins, ties alphabetical.
      const std::string* pick = nullptr;
      long long best = 0;
      for (const auto& [element, count] : env_composition) {
        const long long deficit = k * count - assigned[element] * total;
        if (!pick || deficit > best) {
          pick = &element;
          best = deficit;
        }
      }
      x_occ[o.index] = *pick;
      x_set[o.index] = true;
      ++assigned[*pick];
    }
  }

  // Vegard's law over every halide in the cell (X sites and interstitials).
  std::map<std::string, long long> composition;
  for (const auto& s : x_occ) if (!s.empty()) ++composition[s];
  for (const auto& s : i_occ) if (!s.empty()) ++composition[s];
  if (request.kind == HopKind::SplitPair) ++composition[request.moving];
  double a = rule.fixed_lattice_constant;
  if (a > 0.0) composition.clear();
  long long halides = 0;
  for (const auto& [element, count] : composition) halides += count;
  for (const auto& [element, count] : composition) {
    const auto it = rule.lattice_constant.find(element);
    if (it == rule.lattice_constant.end()) {
      std::string known;
      for (const auto& [e, v] : rule.lattice_constant) known += (known.empty() ? "" : ", ") + e;
      throw InputError(fmt::format("hop cell: element '{}' has no lattice constant in the cell rule "
                                   "(known: {})",
                                   element, known));
    }
    a += it->second * static_cast<double>(count) / static_cast<double>(halides);
  }

  // Atoms: per unit cell A, B, then the occupied X sites (PerovskiteCell
  // order), then the occupied interstitial sites by index.
  HopEndpointsBuilt out;
  out.a = a;
  out.midpoint = from_quarters(mid) * a;
  out.rotation = r0;
  Structure s;
  s.cell = Cell::Identity() * (a * n);
  s.periodic = true;
  std::vector<Eigen::RowVector3d> pos;
  int pushed_atom = -1, partner_atom = -1;
  const int via_index = request.kind == HopKind::Interstitialcy ? placed[i_via].site.index
                        : request.kind == HopKind::SplitPair && !rotation ? placed[i_target].site.index
                                                                : -1;
  const int partner_index = request.kind == HopKind::SplitPair ? placed[i_origin].site.index : -1;
  for (int c = 0; c < ncell; ++c) {
    const Eigen::RowVector3d o(c / (n * n), (c / n) % n, c % n);
    s.symbols.push_back(rule.a_site);
    pos.push_back((o + Eigen::RowVector3d(0.5, 0.5, 0.5)) * a);
    s.symbols.push_back(rule.b_site);
    pos.push_back(o * a);
    for (int axis = 0; axis < 3; ++axis) {
      const int xi = 3 * c + axis;
      if (x_occ[xi].empty()) continue;
      if (request.kind == HopKind::Vacancy && xi == moving_site) out.moving_atom = static_cast<int>(pos.size());
      if (xi == via_index) pushed_atom = static_cast<int>(pos.size());
      if (xi == partner_index) partner_atom = static_cast<int>(pos.size());
      Eigen::RowVector3d p = o;
      p[axis] += 0.5;
      s.symbols.push_back(x_occ[xi]);
      pos.push_back(p * a);
    }
  }
  for (int ii = 0; ii < 3 * ncell; ++ii) {
    if (i_occ[ii].empty()) continue;
    const int c = ii / 3, axis = ii % 3;
    Eigen::RowVector3d p(c / (n * n), (c / n) % n, c % n);
    p += Eigen::RowVector3d(0.5, 0.5, 0.5);
    p[axis] -= 0.5;
    if (request.kind != HopKind::Vacancy && ii == moving_site) out.moving_atom = static_cast<int>(pos.size());
    s.symbols.push_back(i_occ[ii]);
    pos.push_back(p * a);
  }
  if (request.kind == HopKind::SplitPair) {
    // The pair on origin: the partner moved off its site by −pair_origin,
    // the mover appended at +pair_origin.
    const Eigen::RowVector3d po = request.pair_origin.transpose() * a;
    pos[partner_atom] -= po;
    out.moving_atom = static_cast<int>(pos.size());
    s.symbols.push_back(request.moving);
    pos.push_back(pos[partner_atom] + 2.0 * po);
  }
  s.positions.resize(static_cast<Eigen::Index>(pos.size()), 3);
  for (std::size_t k = 0; k < pos.size(); ++k) s.positions.row(static_cast<Eigen::Index>(k)) = pos[k];
  s.validate();

  // Final state: the mover (and the pushed ion) displaced by the request's
  // own vectors, not wrapped, so the path is the short one.
  out.initial = s;
  auto displacement = [&](std::size_t from, std::size_t to) -> Eigen::RowVector3d {
    return from_quarters(placed[to].abs - placed[from].abs).transpose() * a;
  };
  switch (request.kind) {
    case HopKind::Vacancy: s.positions.row(out.moving_atom) += displacement(i_target, i_origin); break;
    case HopKind::Interstitial: s.positions.row(out.moving_atom) += displacement(i_origin, i_target); break;
    case HopKind::Interstitialcy:
      s.positions.row(out.moving_atom) += displacement(i_origin, i_via);
      s.positions.row(pushed_atom) += displacement(i_via, i_target);
      out.pushed_atoms.push_back(pushed_atom);
      break;
    case HopKind::SplitPair: {
      // mover: origin + po -> target + pt; partner: origin − po -> origin;
      // ion on target: target -> target − pt. Rotation (target = origin):
      // mover origin + po -> origin + pt, partner origin − po -> origin − pt.
      const Eigen::RowVector3d po = request.pair_origin.transpose() * a;
      const Eigen::RowVector3d pt = request.pair_target.transpose() * a;
      s.positions.row(out.moving_atom) += displacement(i_origin, i_target) - po + pt;
      if (rotation) {
        s.positions.row(partner_atom) += po - pt;
        out.pushed_atoms = {partner_atom};
      } else {
        s.positions.row(partner_atom) += po;
        s.positions.row(pushed_atom) -= pt;
        out.pushed_atoms = {pushed_atom, partner_atom};
      }
      break;
    }
  }
  out.final_state = std::move(s);
  return out;
}

namespace {

// An intermediate image this far below the lower end state (eV) means the path
// runs through another minimum: the "hop" is two hops, not one barrier.
constexpr double kIntermediateMinimum = 0.01;

// Basin tolerance of halides in split-pair cells (fractions of a): half the
// 12h -> 3c (and 12h -> X) distance a/4.
constexpr double kSplitHalideTolerance = 0.125;

// Largest displacement of a relaxed structure from its ideal sites (Å), and the atom.
std::pair<double, int> largest_displacement(const Structure& relaxed, const Structure& ideal) {
  double worst = 0.0;
  int atom = -1;
  for (Eigen::Index i = 0; i < relaxed.positions.rows(); ++i) {
    const Eigen::Vector3d d =
        minimum_image((relaxed.positions.row(i) - ideal.positions.row(i)).transpose(), ideal.cell);
    if (d.norm() > worst) {
      worst = d.norm();
      atom = static_cast<int>(i);
    }
  }
  return {worst, atom};
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// `relaxed` with every atom displaced by a pattern fixed in the canonical
// frame: component c of atom i is amplitude · u_c(q_i), u uniform in [−1, 1]
// from a hash of q_i = the canonical vector from the midpoint to the atom's
// ideal site (quarters of a), rotated back into the cell's frame.
Structure probe_structure(const Structure& relaxed, const Structure& ideal, const HopEndpointsBuilt& built,
                          double amplitude) {
  Structure out = relaxed;
  const int n = static_cast<int>(std::lround(ideal.cell(0, 0) / built.a));
  const Eigen::Matrix3d back = built.rotation.cast<double>().transpose();
  for (Eigen::Index i = 0; i < ideal.positions.rows(); ++i) {
    const Eigen::Vector3d rel = (ideal.positions.row(i).transpose() - built.midpoint) / built.a;
    const Vec3i q = (4.0 * rel).array().round().cast<int>();
    const Vec3i key = canonical_relative(q, n, built.rotation).second;
    std::uint64_t h = 0x243F6A8885A308D3ull;
    for (int d = 0; d < 3; ++d) h = splitmix64(h ^ static_cast<std::uint64_t>(static_cast<std::int64_t>(key[d])));
    Eigen::Vector3d u;
    for (int d = 0; d < 3; ++d) {
      h = splitmix64(h);
      u[d] = 2.0 * (static_cast<double>(h >> 11) * 0x1.0p-53) - 1.0;
    }
    out.positions.row(i) += amplitude * (back * u).transpose();
  }
  return out;
}

// Forward and backward swapped, energies re-referenced: the record of the
// reversed hop.
void reverse_record(HopBarrierRecord& r) {
  std::swap(r.e_forward, r.e_backward);
  r.delta_e = -r.delta_e;
  std::reverse(r.image_energies.begin(), r.image_energies.end());
  if (!r.image_energies.empty()) {
    const double e0 = r.image_energies.front();
    for (double& e : r.image_energies) e -= e0;
  }
}

}  // namespace

HopBarrierRecord compute_hop_barrier(const Potential& potential, const HopRequest& request,
                                     const HopBarrierSettings& settings, HopBarrierTrace* trace) {
  const auto t0 = std::chrono::steady_clock::now();
  settings.validate();
  bool reversed = false;
  HopRequest req = request;
  if (settings.canonical_frame) {
    CanonicalHop canon = canonical_hop(request);
    req = std::move(canon.request);
    reversed = canon.reversed;
  }
  const HopEndpointsBuilt built = build_hop_cell(req, settings.cell);
  {
    const auto known = potential.species();
    const std::set<std::string> known_set(known.begin(), known.end());
    for (const auto& e : std::set<std::string>(built.initial.symbols.begin(), built.initial.symbols.end())) {
      if (!known_set.count(e)) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        throw InputError(fmt::format("hop barrier: the potential ({}) does not know element '{}' "
                                     "(known: {})",
                                     potential.description(), e, list));
      }
    }
  }

  HopBarrierRecord record;
  record.lattice_constant = built.a;
  auto keep = [trace](const Structure& s, double energy, std::string label) {
    if (!trace) return;
    trace->structures.push_back(s);
    trace->energies.push_back(energy);
    trace->labels.push_back(std::move(label));
  };
  auto finish = [&]() {
    if (reversed) reverse_record(record);
    record.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return record;
  };
  // Embedded cell: atoms farther than relax_radius from the midpoint (ideal
  // sites of the initial state, periodic distance) stay where they are.
  std::vector<bool> fixed;
  if (settings.relax_radius > 0.0) {
    fixed.assign(built.initial.size(), false);
    for (Eigen::Index i = 0; i < built.initial.positions.rows(); ++i) {
      const Eigen::Vector3d d =
          minimum_image(built.initial.positions.row(i).transpose() - built.midpoint, built.initial.cell);
      fixed[static_cast<std::size_t>(i)] = d.norm() > settings.relax_radius * built.a + 1e-9;
    }
  }
  try {
    const RelaxResult ini = relax(potential, built.initial, settings.relax, fixed);
    const RelaxResult fin = relax(potential, built.final_state, settings.relax, fixed);
    record.force_calls += ini.force_calls + fin.force_calls;
    keep(ini.structure, ini.energy, "initial state, relaxed");
    keep(fin.structure, fin.energy, "final state, relaxed");
    record.delta_e = fin.energy - ini.energy;
    for (const auto& [name, r] : {std::pair{"initial", &ini}, std::pair{"final", &fin}}) {
      if (!r->converged) {
        record.status = HopBarrierStatus::NotConverged;
        record.message = fmt::format("{} state relaxation stopped at max force {:.4g} eV/A > fmax {} "
                                     "after {} steps",
                                     name, r->fmax, settings.relax.fmax, r->steps);
        return finish();
      }
    }
    const double tolerance = settings.basin_tolerance * built.a;
    for (const auto& [name, r, ideal] : {std::tuple{"initial", &ini, &built.initial},
                                         std::tuple{"final", &fin, &built.final_state}}) {
      const auto [worst, atom] = largest_displacement(r->structure, *ideal);
      if (worst > tolerance) {
        record.status = HopBarrierStatus::BasinChange;
        record.message = fmt::format(
            "relaxed {} state left its basin: atom {} ({}{}) moved {:.3f} A from its ideal site "
            "(tolerance {} a = {:.3f} A)",
            name, atom, ideal->symbols[atom],
            atom == built.moving_atom ? ", the moving ion"
            : (req.kind == HopKind::SplitPair && atom == built.pushed_atoms.back()) ? ", the partner"
            : (!built.pushed_atoms.empty() && atom == built.pushed_atoms[0])        ? ", the pushed ion"
                                                                                    : "",
            worst, settings.basin_tolerance, tolerance);
        return finish();
      }
    }
    // Split pairs: both end states can relax into one minimum between them
    // (e.g. an I bridging two Br hosts): a flat path, E_KRA 0, no hop; so
    // the relaxed end states must differ by at least half the ideal hop.
    // And a halide a/4 from its ideal site may be on another 12h, X or 3c
    // site, so halides get half that (A and B keep the tolerance above).
    if (req.kind == HopKind::SplitPair) {
      const double ideal_apart = largest_displacement(built.final_state, built.initial).first;
      const auto [apart, atom] = largest_displacement(fin.structure, ini.structure);
      if (apart < 0.5 * ideal_apart) {
        record.status = HopBarrierStatus::BasinChange;
        record.message = fmt::format(
            "relaxed end states coincide: no atom differs by more than {:.3f} A between them (atom {}), "
            "against {:.3f} A between the ideal end states: both relaxed into one minimum",
            apart, atom, ideal_apart);
        return finish();
      }
      const double halide_tolerance = kSplitHalideTolerance * built.a;
      for (const auto& [name, r, ideal] : {std::tuple{"initial", &ini, &built.initial},
                                           std::tuple{"final", &fin, &built.final_state}}) {
        for (Eigen::Index i = 0; i < ideal->positions.rows(); ++i) {
          const std::string& element = ideal->symbols[static_cast<std::size_t>(i)];
          if (element == settings.cell.a_site || element == settings.cell.b_site) continue;
          const double moved = minimum_image((r->structure.positions.row(i) - ideal->positions.row(i)).transpose(),
                                             ideal->cell)
                                   .norm();
          if (moved <= halide_tolerance) continue;
          record.status = HopBarrierStatus::BasinChange;
          record.message = fmt::format(
              "relaxed {} state left its split-pair basin: halide atom {} ({}{}) moved {:.3f} A from its ideal "
              "site (tolerance for halides of split-pair cells {} a = {:.3f} A)",
              name, i, element,
              i == built.moving_atom                        ? ", the moving ion"
              : i == built.pushed_atoms.back()              ? ", the partner"
              : i == built.pushed_atoms.front()             ? ", the pushed ion"
                                                            : "",
              moved, kSplitHalideTolerance, halide_tolerance);
          return finish();
        }
      }
    }

    if (settings.probe_displacement > 0.0) {
      for (const auto& [name, r, ideal] : {std::tuple{"initial", &ini, &built.initial},
                                           std::tuple{"final", &fin, &built.final_state}}) {
        Structure probe = probe_structure(r->structure, *ideal, built, settings.probe_displacement);
        for (std::size_t i = 0; i < fixed.size(); ++i) {
          if (fixed[i]) probe.positions.row(static_cast<Eigen::Index>(i)) = r->structure.positions.row(static_cast<Eigen::Index>(i));
        }
        const RelaxResult probed = relax(potential, probe, settings.relax, fixed);
        record.force_calls += probed.force_calls;
        keep(probed.structure, probed.energy, fmt::format("{} state, probed and relaxed again", name));
        if (probed.energy < r->energy - settings.probe_drop) {
          const auto [worst, atom] = largest_displacement(probed.structure, r->structure);
          record.status = HopBarrierStatus::BasinChange;
          record.message = fmt::format(
              "relaxed {} state is not a minimum: displacing every atom by up to {} A and relaxing "
              "again lowers the energy by {:.4f} eV (atom {} ({}) moves {:.3f} A; the moving ion "
              "{:.3f} A): a saddle held by symmetry",
              name, settings.probe_displacement, r->energy - probed.energy, atom,
              probed.structure.symbols[atom], worst,
              minimum_image((probed.structure.positions.row(built.moving_atom) -
                             r->structure.positions.row(built.moving_atom)).transpose(),
                            probed.structure.cell)
                  .norm());
          return finish();
        }
      }
    }

    for (int attempt = 1; attempt <= settings.max_attempts; ++attempt) {
      NebOptions options = settings.neb;
      options.fixed = fixed;
      if (attempt >= 2) {
        options.interpolation = settings.neb.interpolation == Interpolation::Idpp ? Interpolation::Linear
                                                                                   : Interpolation::Idpp;
      }
      if (attempt >= 3) {
        options.n_images = std::max(7, settings.neb.n_images + 2);
        options.max_steps = 2 * settings.neb.max_steps;
      }
      const NebResult neb = run_neb(potential, ini.structure, fin.structure, options);
      record.attempts = attempt;
      record.force_calls += neb.force_calls;
      for (std::size_t i = 0; i < neb.images.size(); ++i)
        keep(neb.images[i], neb.energies[i],
             fmt::format("attempt {} image {}/{}", attempt, i, neb.images.size() - 1));
      record.e_forward = neb.barrier_forward;
      record.e_backward = neb.barrier_backward;
      record.e_kra = neb.e_kra;
      record.max_force = neb.max_force;
      record.delta_e = neb.energies.back() - neb.energies.front();
      record.image_energies.clear();
      for (double e : neb.energies) record.image_energies.push_back(e - neb.energies.front());
      const double lower_end = std::min(neb.energies.front(), neb.energies.back());
      const double lowest_inner = *std::min_element(neb.energies.begin() + 1, neb.energies.end() - 1);
      const std::string tried = fmt::format(
          "attempt {}: {} images, {} interpolation, {} steps", attempt, options.n_images,
          options.interpolation == Interpolation::Idpp ? "IDPP" : "linear", neb.steps);
      if (!neb.converged) {
        record.status = HopBarrierStatus::NotConverged;
        record.message = fmt::format("CI-NEB not converged ({}): max NEB force {:.4g} eV/A > fmax {}",
                                     tried, neb.max_force, options.fmax);
      } else if (neb.barrier_forward < 0.0 || neb.barrier_backward < 0.0) {
        record.status = HopBarrierStatus::BelowEndpoint;
        record.message = fmt::format("saddle below an end state ({}): forward {:.4g} eV, backward {:.4g} eV",
                                     tried, neb.barrier_forward, neb.barrier_backward);
      } else if (lowest_inner < lower_end - kIntermediateMinimum) {
        record.status = HopBarrierStatus::BelowEndpoint;
        record.message = fmt::format("an intermediate image lies {:.4g} eV below the lower end state "
                                     "({}): the path crosses another minimum",
                                     lower_end - lowest_inner, tried);
      } else {
        record.status = HopBarrierStatus::Ok;
        record.message.clear();
        break;
      }
    }
  } catch (const std::exception& e) {
    record.status = HopBarrierStatus::Failed;
    record.message = fmt::format("potential or NEB error: {}", e.what());
  }
  return finish();
}

}  // namespace hkmc::neb
