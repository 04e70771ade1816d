// Where the extra halide's minimum is, and how it migrates (not a test; the
// measurements of docs/neb.md, "Halide interstitials: where the minimum is").
//
//   <build>/tests/interstitial_report minima|paths|all|records [options]
//     --halide I|Br        host and extra halide (default I)
//     --n N                N×N×N supercell (default 3)
//     --a A                lattice constant, Å (default 6.20 for I, 5.76 for Br:
//                          the reference potential's static minima)
//     --potential P        buckingham_coulomb (default) or a TorchScript file
//                          (needs a build with libtorch)
//     --fmax F             relaxation fmax, eV/Å (default 0.005)
//     --images K           NEB intermediate images (default 7)
//     --neb-fmax F         CI-NEB convergence, eV/Å (default 0.01: at the usual
//                          0.05 the band of the edge interstitialcy stops on a
//                          higher path, 0.187 instead of 0.131 eV for I)
//     --max-neighbour R    paths: target X sites up to R·a from the host site (default 1.0)
//     --xyz DIR            write the relaxed minima and NEB paths as extended XYZ
//
// minima: one extra halide in a perfect cubic CsPbX3 cell (charge −0.657 e,
// the Ewald neutralising background of the potential, as for the vacancy
// cells), relaxed with FIRE from several starts around the X site
// s = (c, c+½, c)·a (c = n/2; its Pb–X–Pb axis is y). For each relaxed state:
// energy relative to the lowest, the closest halide pair (its centre, the X
// site nearest to it, orientation in the host site's frame, X–X distance),
// and a stability test: three random displacement patterns (each component
// uniform in ±amp Å, std::mt19937_64(seed)) for amp = 0.05 and 0.2 Å, each
// relaxed again; a minimum returns to the same energy (drop < 1e-3 eV).
// paths: from the lowest minimum G (split pair on X site s), every
// symmetry-equivalent copy of G whose pair sits on an X site t within
// max-neighbour·a of s (t = s: another orientation on the same site) is an
// end state, up to the symmetry of G itself. Atoms are matched so that the
// total squared displacement is smallest (the three atoms involved, the pair
// at s and the lattice ion at t, over all six assignments; every other atom
// to its nearest image). CI-NEB (IDPP, climbing image) between G and each end
// state (fmax --neb-fmax); barrier, path length, and whether an image lies below the end states
// (then the path crosses another minimum).
// records: the barrier records (compute_hop_barrier, the provider's code
// path: cell rule with --n repeats, Vegard lattice constants, probe, checks)
// of the split-pair edge interstitialcy, on-site rotation and hop through
// the 3c window along the pair axis, empty
// environment, the extra halide and every X site --halide; NEB images
// --images, endpoint relaxation --fmax, CI-NEB --neb-fmax.
#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "HopRequestSupport.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/ExtXyz.hpp"
#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Neb.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"
#ifdef HKMC_HAVE_TORCH
#include "hkmc/neb/PotentialRegistry.hpp"
#endif

using namespace hkmc::neb;

namespace {

struct Options {
  std::string mode = "all";
  std::string halide = "I";
  int n = 3;
  double a = 0.0;
  std::string potential = "buckingham_coulomb";
  double fmax = 0.005;
  int images = 7;
  double neb_fmax = 0.01;
  double max_neighbour = 1.0;
  std::string xyz;
};

struct Host {
  Structure perfect;  // N atoms, the extra halide is appended as atom N
  double a = 0;
  int n = 0;
  Eigen::Vector3d site;  // host X site s, Å
  int site_atom = -1;    // index of the X atom on s
  int axis = 1;          // Pb–X–Pb axis of s
};

Host make_host(const Options& o) {
  Host h;
  h.a = o.a;
  h.n = o.n;
  CubicPerovskiteSpec spec;
  spec.a = o.a;
  spec.repeats = {o.n, o.n, o.n};
  spec.x_species = {o.halide};
  h.perfect = build_cubic_perovskite(spec);
  const int c = o.n / 2;
  h.site_atom = x_atom_index(spec, c, c, c, h.axis);
  h.site = h.perfect.positions.row(h.site_atom).transpose();
  return h;
}

Structure with_extra(const Host& h, const std::string& halide) {
  Structure s = h.perfect;
  const Eigen::Index n = s.positions.rows();
  s.positions.conservativeResize(n + 1, 3);
  s.positions.row(n) = h.site.transpose();
  s.symbols.push_back(halide);
  return s;
}

bool is_halide(const std::string& e) { return e == "I" || e == "Br" || e == "Cl" || e == "F"; }

// Closest halide pair, and its geometry relative to the nearest X site.
struct PairInfo {
  int i = -1, j = -1;
  double d = 0;              // X–X distance, Å
  Eigen::Vector3d centre;    // Å (wrapped into the cell)
  Eigen::Vector3d site;      // nearest ideal X site to the centre, Å
  int site_axis = -1;        // its Pb–X–Pb axis
  double offset = 0;         // |centre − site|, Å
  Eigen::Vector3d u;         // unit vector i → j
  double axial = 0;          // |u · axis| of that site (0 = perpendicular to Pb–X–Pb)
  double pb_min = 0;         // shortest pair-atom–Pb distance, Å
  double cs_min = 0;         // shortest pair-atom–Cs distance, Å
};

PairInfo pair_info(const Structure& s, double a) {
  PairInfo p;
  p.d = 1e9;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!is_halide(s.symbols[i])) continue;
    for (std::size_t j = i + 1; j < s.size(); ++j) {
      if (!is_halide(s.symbols[j])) continue;
      const double d =
          minimum_image((s.positions.row(j) - s.positions.row(i)).transpose(), s.cell).norm();
      if (d < p.d) {
        p.d = d;
        p.i = static_cast<int>(i);
        p.j = static_cast<int>(j);
      }
    }
  }
  const Eigen::Vector3d ri = s.positions.row(p.i).transpose();
  const Eigen::Vector3d dij = minimum_image((s.positions.row(p.j) - s.positions.row(p.i)).transpose(), s.cell);
  p.u = dij.normalized();
  Eigen::Vector3d c = ri + 0.5 * dij;
  const double L = s.cell(0, 0);
  for (int d = 0; d < 3; ++d) c[d] -= L * std::floor(c[d] / L);
  p.centre = c;
  // nearest X site: positions (k + ½ e_axis)·a
  double best = 1e9;
  for (int axis = 0; axis < 3; ++axis) {
    Eigen::Vector3d f = c / a;
    Eigen::Vector3d g;
    for (int d = 0; d < 3; ++d) g[d] = d == axis ? std::floor(f[d]) + 0.5 : std::round(f[d]);
    const double dist = minimum_image(g * a - c, s.cell).norm();
    if (dist < best) {
      best = dist;
      p.site = g * a;
      p.site_axis = axis;
    }
  }
  p.offset = best;
  p.axial = std::abs(p.u[p.site_axis]);
  p.pb_min = p.cs_min = 1e9;
  for (std::size_t k = 0; k < s.size(); ++k) {
    for (int m : {p.i, p.j}) {
      const double d = minimum_image((s.positions.row(k) - s.positions.row(m)).transpose(), s.cell).norm();
      if (s.symbols[k] == "Pb") p.pb_min = std::min(p.pb_min, d);
      if (s.symbols[k] == "Cs") p.cs_min = std::min(p.cs_min, d);
    }
  }
  return p;
}

// Orientation in the frame of the pair's site: (along Pb–X–Pb, the other two
// sorted descending), absolute values.
std::string frame_orientation(const PairInfo& p) {
  std::array<double, 2> perp{};
  int k = 0;
  for (int d = 0; d < 3; ++d)
    if (d != p.site_axis) perp[k++] = std::abs(p.u[d]);
  std::sort(perp.begin(), perp.end(), std::greater<>());
  return fmt::format("({:.2f} | {:.2f}, {:.2f})", std::abs(p.u[p.site_axis]), perp[0], perp[1]);
}

struct Start {
  std::string name;
  Structure s;
};

std::vector<Start> starts(const Host& h, const std::string& x) {
  const double a = h.a;
  const double half = x == "I" ? 1.45 : 1.30;  // half of a starting X–X bond, Å
  const Eigen::Vector3d s = h.site;
  const Eigen::Vector3d pb = s - Eigen::Vector3d(0, 0.5 * a, 0);  // the Pb below s along y
  std::vector<Start> out;
  auto add_point = [&](const std::string& name, const Eigen::Vector3d& p) {
    Structure st = with_extra(h, x);
    st.positions.row(st.positions.rows() - 1) = p.transpose();
    out.push_back({name, st});
  };
  auto add_split = [&](const std::string& name, Eigen::Vector3d u) {
    u.normalize();
    Structure st = with_extra(h, x);
    st.positions.row(h.site_atom) = (s - half * u).transpose();
    st.positions.row(st.positions.rows() - 1) = (s + half * u).transpose();
    out.push_back({name, st});
  };
  add_point("3c site (window between A cages)", s + Eigen::Vector3d(0, 0, 0.5 * a));
  add_point("3c site, moved 0.1 A towards the X site", s + Eigen::Vector3d(0.02, 0, 0.5 * a - 0.1));
  add_split("split on X, perp <100> (towards 3c)", Eigen::Vector3d(0, 0, 1));
  add_split("split on X, perp <110> (towards Cs)", Eigen::Vector3d(1, 0, 1));
  add_split("split on X, <110> with axial part", Eigen::Vector3d(0, 1, 1));
  add_split("split on X, <111>", Eigen::Vector3d(1, 1, 1));
  add_split("split on X, perp, 22.5 deg off <100>", Eigen::Vector3d(std::sin(M_PI / 8), 0, std::cos(M_PI / 8)));
  add_point("octahedron edge, outward (Pb + (0,0.33,0.33) a)", pb + Eigen::Vector3d(0, 0.33 * a, 0.33 * a));
  add_point("octahedron face, outward (Pb + 0.27 (1,1,1) a)", pb + Eigen::Vector3d(0.27, 0.27, 0.27) * a);
  add_point("off-axis bridge (s + 0.25 a z, 0.1 a x)", s + Eigen::Vector3d(0.1 * a, 0, 0.25 * a));
  return out;
}

struct Minimum {
  std::string name;
  RelaxResult r;
  PairInfo p;
  double drop_small = 0, drop_large = 0;  // largest energy drop after displacement + relax, eV
  double move_large = 0;                  // largest pair-centre shift after displacement + relax, Å
  bool ok = false;
  std::string error;
};

Structure displaced(const Structure& s, double amp, unsigned seed) {
  Structure out = s;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-amp, amp);
  for (Eigen::Index i = 0; i < out.positions.rows(); ++i)
    for (int d = 0; d < 3; ++d) out.positions(i, d) += u(rng);
  return out;
}

FireOptions relax_options(const Options& o) {
  FireOptions f;
  f.fmax = o.fmax;
  f.max_steps = 20000;
  return f;
}

std::vector<Minimum> find_minima(const Potential& pot, const Host& h, const Options& o, bool stability) {
  std::vector<Minimum> out;
  const FireOptions fo = relax_options(o);
  for (auto& st : starts(h, o.halide)) {
    Minimum m;
    m.name = st.name;
    try {
      m.r = relax(pot, st.s, fo);
      m.p = pair_info(m.r.structure, h.a);
      m.ok = true;
      if (stability) {
        for (const auto& [amp, drop] : {std::pair{0.05, &m.drop_small}, std::pair{0.2, &m.drop_large}}) {
          for (unsigned seed = 1; seed <= 3; ++seed) {
            const RelaxResult again = relax(pot, displaced(m.r.structure, amp, seed), fo);
            *drop = std::max(*drop, m.r.energy - again.energy);
            if (amp > 0.1) {
              const PairInfo q = pair_info(again.structure, h.a);
              m.move_large =
                  std::max(m.move_large, minimum_image(q.centre - m.p.centre, again.structure.cell).norm());
            }
          }
        }
      }
    } catch (const std::exception& e) {
      m.error = e.what();
    }
    out.push_back(std::move(m));
  }
  return out;
}

void print_minima(const std::vector<Minimum>& ms, const Host& h, const Options& o) {
  double e0 = 1e300;
  for (const auto& m : ms)
    if (m.ok) e0 = std::min(e0, m.r.energy);
  fmt::print("minima: one extra {} in {}x{}x{} CsPb{}3, a = {} A, {} atoms, relax fmax {} eV/A\n", o.halide, o.n,
             o.n, o.n, o.halide, h.a, h.perfect.size() + 1, o.fmax);
  fmt::print("host X site s = ({:.3f}, {:.3f}, {:.3f}) A, Pb-X-Pb axis y\n", h.site[0], h.site[1], h.site[2]);
  fmt::print("| start | E - E_min (eV) | steps | pair X-X (A) | centre - s (A) | centre's X site - s (a) | "
             "orientation (axial | perp) | X-Pb min (A) | X-Cs min (A) | drop 0.05 A / 0.2 A (eV) | centre shift 0.2 A (A) |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& m : ms) {
    if (!m.ok) {
      fmt::print("| {} | failed: {} |\n", m.name, m.error);
      continue;
    }
    const Eigen::Vector3d off = minimum_image(m.p.centre - h.site, m.r.structure.cell);
    const Eigen::Vector3d site_off = minimum_image(m.p.site - h.site, m.r.structure.cell) / h.a;
    fmt::print("| {} | {:.4f} | {}{} | {:.3f} | ({:+.2f}, {:+.2f}, {:+.2f}) | ({:+.1f}, {:+.1f}, {:+.1f}) axis {} | {} | "
               "{:.3f} | {:.3f} | {:.4f} / {:.4f} | {:.3f} |\n",
               m.name, m.r.energy - e0, m.r.steps, m.r.converged ? "" : " (not converged)", m.p.d, off[0], off[1],
               off[2], site_off[0], site_off[1], site_off[2], "xyz"[m.p.site_axis], frame_orientation(m.p), m.p.pb_min,
               m.p.cs_min, m.drop_small, m.drop_large, m.move_large);
  }
  std::fflush(stdout);
}

// --- paths ------------------------------------------------------------------

const std::vector<Eigen::Matrix3d>& rotations() {
  static const std::vector<Eigen::Matrix3d> ops = [] {
    std::vector<Eigen::Matrix3d> out;
    std::array<int, 3> perm{0, 1, 2};
    do {
      for (int signs = 0; signs < 8; ++signs) {
        Eigen::Matrix3d r = Eigen::Matrix3d::Zero();
        for (int i = 0; i < 3; ++i) r(i, perm[i]) = (signs >> i) & 1 ? -1 : 1;
        out.push_back(r);
      }
    } while (std::next_permutation(perm.begin(), perm.end()));
    return out;
  }();
  return ops;
}

Structure transformed(const Structure& s, const Eigen::Matrix3d& r, const Eigen::Vector3d& t) {
  Structure out = s;
  const double L = s.cell(0, 0);
  for (Eigen::Index i = 0; i < s.positions.rows(); ++i) {
    Eigen::Vector3d p = r * s.positions.row(i).transpose() + t;
    for (int d = 0; d < 3; ++d) p[d] -= L * std::floor(p[d] / L);
    out.positions.row(i) = p.transpose();
  }
  return out;
}

// Same set of positions (per species), within tol Å.
bool same_set(const Structure& x, const Structure& y, double tol) {
  std::vector<bool> used(y.size(), false);
  for (std::size_t i = 0; i < x.size(); ++i) {
    bool found = false;
    for (std::size_t j = 0; j < y.size() && !found; ++j) {
      if (used[j] || x.symbols[i] != y.symbols[j]) continue;
      if (minimum_image((x.positions.row(i) - y.positions.row(j)).transpose(), x.cell).norm() < tol) {
        used[j] = found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

// Reorders `image` so that atom k of the result is the partner of atom k of
// `ref`: the atoms in `special_ref` (indices into ref) are matched to
// `special_img` (indices into image) by the assignment of smallest total
// squared displacement; every other atom to its nearest image atom of the
// same species. Positions are unwrapped against ref.
Structure match_atoms(const Structure& ref, const Structure& image, const std::vector<int>& special_ref,
                      const std::vector<int>& special_img, double* cost_out) {
  const std::size_t n = ref.size();
  std::vector<int> partner(n, -1);
  std::vector<bool> taken(image.size(), false);
  for (int j : special_img) taken[j] = true;
  auto d2 = [&](int i, int j) {
    return minimum_image((image.positions.row(j) - ref.positions.row(i)).transpose(), ref.cell).squaredNorm();
  };
  for (std::size_t i = 0; i < n; ++i) {
    if (std::find(special_ref.begin(), special_ref.end(), static_cast<int>(i)) != special_ref.end()) continue;
    int best = -1;
    for (std::size_t j = 0; j < image.size(); ++j) {
      if (taken[j] || image.symbols[j] != ref.symbols[i]) continue;
      if (best < 0 || d2(static_cast<int>(i), static_cast<int>(j)) < d2(static_cast<int>(i), best))
        best = static_cast<int>(j);
    }
    partner[i] = best;
    taken[best] = true;
  }
  std::vector<int> perm(special_img.size());
  for (std::size_t k = 0; k < perm.size(); ++k) perm[k] = static_cast<int>(k);
  double best_cost = 1e300;
  std::vector<int> best_perm = perm;
  do {
    double c = 0;
    for (std::size_t k = 0; k < perm.size(); ++k) c += d2(special_ref[k], special_img[perm[k]]);
    if (c < best_cost) {
      best_cost = c;
      best_perm = perm;
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  for (std::size_t k = 0; k < perm.size(); ++k) partner[special_ref[k]] = special_img[best_perm[k]];
  Structure out = ref;
  double cost = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Eigen::Vector3d d =
        minimum_image((image.positions.row(partner[i]) - ref.positions.row(i)).transpose(), ref.cell);
    out.positions.row(i) = ref.positions.row(i) + d.transpose();
    cost += d.squaredNorm();
  }
  if (cost_out) *cost_out = cost;
  return out;
}

int nearest_halide(const Structure& s, const Eigen::Vector3d& p, const std::vector<int>& exclude) {
  int best = -1;
  double bd = 1e300;
  for (std::size_t k = 0; k < s.size(); ++k) {
    if (!is_halide(s.symbols[k])) continue;
    if (std::find(exclude.begin(), exclude.end(), static_cast<int>(k)) != exclude.end()) continue;
    const double d = minimum_image(s.positions.row(k).transpose() - p, s.cell).norm();
    if (d < bd) {
      bd = d;
      best = static_cast<int>(k);
    }
  }
  return best;
}

void paths(const Potential& pot, const Host& h, const Options& o, const Minimum& g) {
  const Structure& G = g.r.structure;
  const PairInfo& p = g.p;
  const double a = h.a;
  const double tol = 0.05;  // Å, symmetry-equivalence of relaxed structures
  // Stabiliser of G (operations x -> R x + t that map G onto itself).
  std::vector<std::pair<Eigen::Matrix3d, Eigen::Vector3d>> stab;
  for (const auto& r : rotations()) {
    const Eigen::Vector3d t = p.site - r * p.site;  // maps the pair's site onto itself
    const Structure img = transformed(G, r, t);
    if (same_set(img, G, tol)) stab.emplace_back(r, t);
  }
  fmt::print("\npaths: ground state '{}', pair on X site ({:.3f}, {:.3f}, {:.3f}) A (axis {}), "
             "orientation {}, X-X {:.3f} A; its stabiliser has {} of the 48 point operations\n",
             g.name, p.site[0], p.site[1], p.site[2], "xyz"[p.site_axis], frame_orientation(p), p.d, stab.size());
  // X sites within max_neighbour·a of the pair's site, same or other axis.
  std::vector<Structure> finals;
  std::vector<std::string> labels;
  std::vector<Eigen::Vector3d> targets;
  std::vector<int> target_axes;
  for (const auto& r : rotations()) {
    const Eigen::Vector3d rs = r * p.site;
    for (int axis = 0; axis < 3; ++axis)
      for (int i = -2; i <= 2; ++i)
        for (int j = -2; j <= 2; ++j)
          for (int k = -2; k <= 2; ++k) {
            Eigen::Vector3d t_site = p.site / a;
            for (int d = 0; d < 3; ++d) t_site[d] = std::floor(t_site[d]);
            t_site += Eigen::Vector3d(i, j, k);
            t_site[axis] += 0.5;
            t_site *= a;
            const double dist = (t_site - p.site).norm();
            if (dist > o.max_neighbour * a + 1e-6) continue;
            const Eigen::Vector3d t = t_site - rs;
            // t must be a lattice vector
            bool lattice = true;
            for (int d = 0; d < 3; ++d) lattice = lattice && std::abs(t[d] / a - std::round(t[d] / a)) < 1e-6;
            if (!lattice) continue;
            const Structure img = transformed(G, r, t);
            // new up to G's own symmetry (G itself is not an end state)
            bool seen = same_set(img, G, tol);
            for (const auto& f : finals) {
              for (const auto& [sr, st] : stab) {
                if (same_set(transformed(img, sr, st), f, tol)) {
                  seen = true;
                  break;
                }
              }
              if (seen) break;
            }
            if (seen) continue;
            finals.push_back(img);
            targets.push_back(t_site);
            target_axes.push_back(axis);
          }
  }
  fmt::print("{} inequivalent end states within {} a\n", finals.size(), o.max_neighbour);
  fmt::print("| # | target site - s (a) | distance (a) | final pair direction (|x|, |y|, |z|) | moved atoms > 0.5 A | sum |dR|^2 (A^2) | "
             "E_fwd (eV) | climbing image | lowest inner image (eV) | NEB steps | converged |\n");
  fmt::print("|---|---|---|---|---|---|---|---|---|---|---|\n");
  NebOptions no;
  no.n_images = o.images;
  no.fmax = o.neb_fmax;
  no.max_steps = 5000;
  for (std::size_t f = 0; f < finals.size(); ++f) {
    const Eigen::Vector3d ts = targets[f];
    const bool same_site = (ts - p.site).norm() < 1e-6;
    const PairInfo q = pair_info(finals[f], a);
    std::vector<int> sref{p.i, p.j}, simg{q.i, q.j};
    if (!same_site) {
      sref.push_back(nearest_halide(G, ts, {p.i, p.j}));
      simg.push_back(nearest_halide(finals[f], p.site, {q.i, q.j}));
    }
    double cost = 0;
    const Structure fin = match_atoms(G, finals[f], sref, simg, &cost);
    int moved = 0;
    for (Eigen::Index k = 0; k < G.positions.rows(); ++k)
      moved += (fin.positions.row(k) - G.positions.row(k)).norm() > 0.5;
    std::string row, profile;
    try {
      const NebResult neb = run_neb(pot, G, fin, no);
      double lowest = 1e300;
      for (std::size_t k = 1; k + 1 < neb.energies.size(); ++k) lowest = std::min(lowest, neb.energies[k]);
      row = fmt::format("{:.4f} | {} | {:+.4f} | {} | {}", neb.barrier_forward, neb.climbing_image,
                        lowest - neb.energies.front(), neb.steps, neb.converged ? "yes" : "no");
      profile = "|   | image energies (eV):";
      for (double e : neb.energies) profile += fmt::format(" {:.4f}", e - neb.energies.front());
      profile += fmt::format("; path length {:.3f} A |\n", neb.reaction_coordinate.back());
      if (!o.xyz.empty()) {
        write_extxyz(fmt::format("{}/path_{}_{}{}_{}.xyz", o.xyz, o.halide, o.n, o.n, f), neb.images);
      }
    } catch (const std::exception& e) {
      row = fmt::format("failed: {}", e.what());
    }
    const Eigen::Vector3d rel = (ts - p.site) / a;
    fmt::print("| {} | ({:+.1f}, {:+.1f}, {:+.1f}) axis {} | {:.3f} | ({:.2f}, {:.2f}, {:.2f}){} | {} | {:.2f} | {} |\n",
               f, rel[0], rel[1], rel[2], "xyz"[target_axes[f]], rel.norm(), std::abs(q.u[0]), std::abs(q.u[1]),
               std::abs(q.u[2]), same_site ? " (same site)" : "", moved, cost, row);
    fmt::print("{}", profile);
    // the atoms that move: where from and to (relative to s, fractions of a)
    for (Eigen::Index k = 0; k < G.positions.rows(); ++k) {
      const Eigen::Vector3d d = (fin.positions.row(k) - G.positions.row(k)).transpose();
      if (d.norm() < 0.5) continue;
      const Eigen::Vector3d from = minimum_image(G.positions.row(k).transpose() - p.site, G.cell) / a;
      const Eigen::Vector3d to = from + d / a;
      fmt::print("|   | atom {} ({}): ({:+.3f}, {:+.3f}, {:+.3f}) -> ({:+.3f}, {:+.3f}, {:+.3f}) a, |d| {:.3f} A |\n", k,
                 G.symbols[k], from[0], from[1], from[2], to[0], to[1], to[2], d.norm());
    }
    std::fflush(stdout);
  }
}

Options parse(int argc, char** argv) {
  Options o;
  int k = 1;
  if (argc > 1 && argv[1][0] != '-') o.mode = argv[k++];
  for (; k < argc; ++k) {
    const std::string a = argv[k];
    auto next = [&]() -> std::string {
      if (k + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++k];
    };
    if (a == "--halide") o.halide = next();
    else if (a == "--n") o.n = std::stoi(next());
    else if (a == "--a") o.a = std::stod(next());
    else if (a == "--potential") o.potential = next();
    else if (a == "--fmax") o.fmax = std::stod(next());
    else if (a == "--images") o.images = std::stoi(next());
    else if (a == "--neb-fmax") o.neb_fmax = std::stod(next());
    else if (a == "--max-neighbour") o.max_neighbour = std::stod(next());
    else if (a == "--xyz") o.xyz = next();
    else throw std::runtime_error("unknown option '" + a + "'");
  }
  if (o.a == 0.0) o.a = o.halide == "I" ? 6.20 : 5.76;
  if (o.mode != "minima" && o.mode != "paths" && o.mode != "all" && o.mode != "records")
    throw std::runtime_error("mode '" + o.mode + "': use minima, paths, all or records");
  return o;
}

void records(const Potential& pot, const Options& o) {
  HopBarrierSettings settings;
  settings.cell.repeats = o.n;
  settings.neb.n_images = o.images;
  settings.neb.fmax = o.neb_fmax;
  settings.relax.fmax = o.fmax;
  const std::string& x = o.halide;
  fmt::print("records: {}^3, {} images, relax fmax {}, NEB fmax {}, empty environment, all {}\n", o.n, o.images,
             o.fmax, o.neb_fmax, x);
  // Through the 3c window along the pair axis: pair on X(0,1/2,0) along z,
  // its atom at (0,1/2,-1/4) goes to (0,1/2,-3/4) beside X(0,1/2,-1).
  HopRequest window = testing::split_pair_request(0.0, 0.0, 1, x, x, x);
  window.midpoint = {0.0, 0.5, -0.5};
  window.origin = {0.0, 0.0, 0.5};
  window.target = {0.0, 0.0, -0.5};
  window.pair_origin = {0.0, 0.0, -0.25};
  window.pair_target = {0.0, 0.0, 0.25};
  for (const auto& [name, req] : {std::pair{"edge interstitialcy", testing::split_pair_request(0.0, 0.0, 1, x, x, x)},
                                  std::pair{"on-site rotation", testing::split_rotation_request(0.0, 0.0, 1, x, x)},
                                  std::pair{"3c window", window}}) {
    const HopBarrierRecord r = compute_hop_barrier(pot, req, settings);
    std::string energies;
    for (double e : r.image_energies) energies += fmt::format("{}{:.3f}", energies.empty() ? "" : " ", e);
    fmt::print("  {:20s} {:13s} E_KRA {:.4f} fwd {:.4f} bwd {:.4f} eV, a {} A, {} attempt(s), {} force calls, "
               "{:.0f} s; images: {} {}\n",
               name, to_string(r.status), r.e_kra, r.e_forward, r.e_backward, r.lattice_constant, r.attempts,
               r.force_calls, r.wall_seconds, energies, r.message);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    std::unique_ptr<Potential> pot;
    if (o.potential == "buckingham_coulomb") {
      pot = std::make_unique<BuckinghamCoulomb>(BuckinghamCoulombParameters::cspbx3_flama_initial());
    } else {
#ifdef HKMC_HAVE_TORCH
      PotentialSpec spec;
      spec.kind = "torchscript";
      spec.path = o.potential;
      spec.torch.intra_op_threads = 1;
      pot = make_potential(spec);
#else
      throw std::runtime_error("this build has no libtorch: only --potential buckingham_coulomb");
#endif
    }
    fmt::print("potential: {}\n", pot->description());
    if (o.mode == "records") {
      records(*pot, o);
      return 0;
    }
    if (!o.xyz.empty()) std::filesystem::create_directories(o.xyz);
    const Host h = make_host(o);
    const std::vector<Minimum> ms = find_minima(*pot, h, o, true);
    print_minima(ms, h, o);
    if (!o.xyz.empty()) {
      std::vector<Structure> relaxed;
      for (const auto& m : ms)
        if (m.ok) relaxed.push_back(m.r.structure);
      write_extxyz(fmt::format("{}/minima_{}_{}.xyz", o.xyz, o.halide, o.n), relaxed);
    }
    if (o.mode == "paths" || o.mode == "all") {
      const Minimum* g = nullptr;
      for (const auto& m : ms)
        if (m.ok && (!g || m.r.energy < g->r.energy)) g = &m;
      if (g) paths(*pot, h, o, *g);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "interstitial_report: {}\n", e.what());
    return 1;
  }
  return 0;
}
