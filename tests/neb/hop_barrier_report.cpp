// Measurements quoted in docs/neb.md, "NEB cells for environment keys" (not a test):
//   build-hop/tests/hop_barrier_report [timing|convergence|all|ladder]
// timing:      one compute_hop_barrier, 3x3x3 CsPbBr3 V_Br edge hop, empty
//              environment, C++ reference and the shipped demo NN (one thread).
// convergence: five mixed environments (x_Br = 0.5, site species hashed from
//              the position, so a site keeps its species when r_env grows):
//              E_KRA with r_env = a and 3x3x3 cells, then r_env = 1.25 a
//              (more keyed sites, 3x3x3) and r_env = a in a 4x4x4 cell.
// ladder:      (not in "all") E_KRA for r_env/a = 1 .. 2 and cells 3^3 .. 5^3,
//              five mixed environments, for choosing converged defaults.
// study [options]: (not in "all") the convergence diagnosis of docs/neb.md:
//              E_KRA over (r_env, cell) rungs for construction variants
//              (fixed lattice constant, fixed fill composition, embedded cell),
//              other arrangements outside the key, and displacement
//              diagnostics; options listed at StudyOptions below.
// basins AMP PATTERNS [options]: (not in "all") relax + CI-NEB of one cell
//              from randomly displaced starts, and embedded cells that freeze
//              only some elements (--freeze-species).
#include <fmt/format.h>

#include <cmath>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "HopRequestSupport.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"
#include "hkmc/neb/PotentialRegistry.hpp"

using namespace hkmc::neb;

namespace {

void timing() {
  const BuckinghamCoulomb ref(BuckinghamCoulombParameters::cspbx3_flama_initial());
  PotentialSpec spec;
  spec.kind = "torchscript";
  spec.path = std::string(HKMC_SOURCE_DIR) + "/inputs/potentials/cspbx3_nn_demo.pt";
  spec.torch.intra_op_threads = 1;
  const auto nn = make_potential(spec);
  const HopRequest req = testing::vacancy_edge_request(1.0, 1.0, 1);  // all-Br environment within a
  HopBarrierSettings settings;
  fmt::print("timing: 3x3x3 CsPbBr3 V_Br edge hop, {} keyed sites, default settings\n",
             req.environment.size());
  for (const auto& [name, pot] : {std::pair{"C++ reference", static_cast<const Potential*>(&ref)},
                                  std::pair{"demo NN", static_cast<const Potential*>(nn.get())}}) {
    for (int repeat = 0; repeat < 2; ++repeat) {
      const HopBarrierRecord r = compute_hop_barrier(*pot, req, settings);
      fmt::print("  {:14s} status {:13s} E_KRA {:.4f} eV  fwd {:.4f} bwd {:.4f}  {} force calls, "
                 "{} attempt(s), {:.2f} s\n",
                 name, to_string(r.status), r.e_kra, r.e_forward, r.e_backward, r.force_calls,
                 r.attempts, r.wall_seconds);
    }
  }
}

void convergence() {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  HopBarrierSettings s3, s4;
  s4.cell.repeats = 4;
  fmt::print("convergence: vacancy edge hop, x_Br = 0.5, moving Br, C++ reference\n");
  fmt::print("| seed | a (A) | E_KRA r_env=a, 3x3x3 | r_env=1.25a, 3x3x3 | change | r_env=a, 4x4x4 | change |\n");
  fmt::print("|---|---|---|---|---|---|---|\n");
  double max_env = 0, max_cell = 0;
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const HopRequest r1 = testing::vacancy_edge_request(1.0, 0.5, seed);
    const HopRequest r125 = testing::vacancy_edge_request(1.25, 0.5, seed);
    const HopBarrierRecord a = compute_hop_barrier(pot, r1, s3);
    const HopBarrierRecord b = compute_hop_barrier(pot, r125, s3);
    const HopBarrierRecord c = compute_hop_barrier(pot, r1, s4);
    auto show = [](const HopBarrierRecord& r) {
      return r.usable() ? fmt::format("{:.4f}", r.e_kra) : fmt::format("{} ({})", to_string(r.status), r.message);
    };
    fmt::print("| {} | {:.4f} | {} | {} | {:+.4f} | {} | {:+.4f} |\n", seed, a.lattice_constant, show(a),
               show(b), b.e_kra - a.e_kra, show(c), c.e_kra - a.e_kra);
    max_env = std::max(max_env, std::abs(b.e_kra - a.e_kra));
    max_cell = std::max(max_cell, std::abs(c.e_kra - a.e_kra));
  }
  fmt::print("max |change|: r_env a -> 1.25 a: {:.4f} eV; cell 3 -> 4: {:.4f} eV\n", max_env, max_cell);
}

// E_KRA over a ladder of environment radii and cell sizes, to choose
// defaults that converge: r_env/a in {1, 1.25, 1.5, 1.75, 2} and n x n x n
// cells with r_env < n/2 (sites within r_env must stay distinct in the cell).
void ladder() {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  const std::vector<std::pair<double, int>> steps{{1.0, 3}, {1.25, 3}, {1.0, 4}, {1.25, 4}, {1.5, 4},
                                                  {1.75, 4}, {1.25, 5}, {1.5, 5}, {1.75, 5}, {2.0, 5}};
  fmt::print("ladder: vacancy edge hop, x_Br = 0.5, C++ reference; E_KRA (eV) by (r_env/a, cell)\n| seed | moving |");
  for (const auto& [r, n] : steps) fmt::print(" {}a,{}^3 |", r, n);
  fmt::print("\n|---|---|{}\n", [&] {
    std::string d;
    for (std::size_t k = 0; k < steps.size(); ++k) d += "---|";
    return d;
  }());
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const std::string moving = seed % 2 ? "Br" : "I";
    fmt::print("| {} | {} |", seed, moving);
    for (const auto& [r, n] : steps) {
      HopBarrierSettings s;
      s.cell.repeats = n;
      const HopBarrierRecord rec = compute_hop_barrier(pot, testing::vacancy_edge_request(r, 0.5, seed, moving), s);
      const std::string cell = rec.usable() ? fmt::format("{:.4f}", rec.e_kra) : to_string(rec.status);
      fmt::print(" {} |", cell);
      std::fflush(stdout);
    }
    fmt::print("\n");
  }
}

// Construction variants for the convergence study ("study" mode):
//   --fixed-a A        one lattice constant (Å) for every cell (no Vegard's law)
//   --fill El=x,...    fixed fill composition outside r_env
//   --relax-radius R   embedded cell: only atoms within R·a of the midpoint relax
//   --steps r:n,...    (r_env/a, cell repeats) rungs; default 1:3,1.25:3,1:4,1.25:4,1.5:4
//   --seeds a-b        environments (hashed_halide seeds), default 1-5
//   --outer-seed s     sites beyond --outer-from R (default 1) take their species from seed s
//                      (same keyed sites within a, another arrangement outside)
//   --probe A, --relax-fmax F, --neb-fmax F, --images N: settings that should
//                      not matter (probe amplitude Å, fmax eV/Å), to see the
//                      NEB's own spread
//   --x-br x           Br fraction of the hashed environment (default 0.5)
//   --diag             per record: largest displacement of the relaxed initial
//                      state from the ideal sites, split into atoms within and
//                      beyond 1.5 a of the midpoint, and the largest far-atom
//                      (beyond 1.5 a) displacement between the saddle and the
//                      initial state.
struct StudyOptions {
  double fixed_a = 0.0, relax_radius = 0.0;
  std::map<std::string, double> fill;
  std::vector<std::pair<double, int>> steps{{1.0, 3}, {1.25, 3}, {1.0, 4}, {1.25, 4}, {1.5, 4}};
  unsigned seed_lo = 1, seed_hi = 5;
  unsigned outer_seed = 0;
  double outer_from = 1.0;  // r/a beyond which --outer-seed applies
  double x_br = 0.5;
  bool diag = false;
  // settings that should not matter (noise probes); < 0 = default
  double probe = -1, relax_fmax = -1, neb_fmax = -1;
  int images = -1;
  std::string freeze_species;  // basins mode: only these elements (comma list) are frozen beyond R
};

HopRequest study_request(double r_env, unsigned seed, unsigned outer_seed, const std::string& moving,
                         double x_br, double outer_from = 1.0) {
  HopRequest r = testing::vacancy_edge_request(r_env, x_br, seed, moving);
  if (outer_seed == 0) return r;
  for (std::size_t k = 0; k < r.environment.size(); ++k) {
    const Eigen::Vector3d p = r.midpoint + r.environment[k];
    if (r.environment[k].norm() > outer_from + 1e-9 && testing::is_x_site(p)) {
      r.environment_species[k] = testing::hashed_halide(p, x_br, outer_seed);
    }
  }
  return r;
}

void study(const StudyOptions& o) {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  std::string fill;
  for (const auto& [e, x] : o.fill) fill += fmt::format("{}{}={}", fill.empty() ? "" : ",", e, x);
  fmt::print("study: vacancy edge hop, x_Br = {} (hashed), C++ reference; fixed a {} A, fill [{}], "
             "relax_radius {} a, outer seed {}\n",
             o.x_br, o.fixed_a, fill.empty() ? "env" : fill, o.relax_radius, o.outer_seed);
  for (unsigned seed = o.seed_lo; seed <= o.seed_hi; ++seed) {
    const std::string moving = seed % 2 ? "Br" : "I";
    fmt::print("seed {} moving {}:", seed, moving);
    std::string diag;
    for (const auto& [r, n] : o.steps) {
      HopBarrierSettings s;
      s.cell.repeats = n;
      s.cell.fixed_lattice_constant = o.fixed_a;
      s.cell.fill_composition = o.fill;
      s.relax_radius = o.relax_radius;
      if (o.probe >= 0) s.probe_displacement = o.probe;
      if (o.relax_fmax > 0) s.relax.fmax = o.relax_fmax;
      if (o.neb_fmax > 0) s.neb.fmax = o.neb_fmax;
      if (o.images > 0) s.neb.n_images = o.images;
      const HopRequest req = study_request(r, seed, o.outer_seed, moving, o.x_br, o.outer_from);
      HopBarrierTrace trace;
      const HopBarrierRecord rec = compute_hop_barrier(pot, req, s, o.diag ? &trace : nullptr);
      fmt::print(" {}a,{}^3={}", r, n, rec.usable() ? fmt::format("{:.4f}", rec.e_kra) : to_string(rec.status));
      std::fflush(stdout);
      if (o.diag && !trace.structures.empty()) {
        const HopEndpointsBuilt built = build_hop_cell(canonical_hop(req).request, s.cell);
        auto split = [&](const Structure& x, const Structure& ref) {
          double near = 0, far = 0;
          for (Eigen::Index i = 0; i < x.positions.rows(); ++i) {
            const double d = minimum_image((x.positions.row(i) - ref.positions.row(i)).transpose(), x.cell).norm();
            const double rm = minimum_image(built.initial.positions.row(i).transpose() - built.midpoint, x.cell).norm();
            (rm > 1.5 * built.a ? far : near) = std::max(rm > 1.5 * built.a ? far : near, d);
          }
          return std::pair{near, far};
        };
        const auto [near0, far0] = split(trace.structures[0], built.initial);
        // rms displacements of the relaxed initial state: X along and across
        // its Pb-X-Pb axis (across = bending/tilting), Pb, Cs
        double xpar = 0, xperp = 0, pb = 0, cs = 0;
        int nx = 0, npb = 0, ncs = 0;
        for (Eigen::Index i = 0; i < built.initial.positions.rows(); ++i) {
          const Eigen::Vector3d u = minimum_image(
              (trace.structures[0].positions.row(i) - built.initial.positions.row(i)).transpose(), built.initial.cell);
          const std::string& el = built.initial.symbols[i];
          if (el == "Pb") { pb += u.squaredNorm(); ++npb; }
          else if (el == "Cs") { cs += u.squaredNorm(); ++ncs; }
          else {
            const Eigen::Vector3d f = built.initial.positions.row(i).transpose() / built.a;
            int axis = 0;
            for (int d = 0; d < 3; ++d) if (std::abs(f[d] - std::floor(f[d]) - 0.5) < 0.1) axis = d;
            xpar += u[axis] * u[axis];
            xperp += u.squaredNorm() - u[axis] * u[axis];
            ++nx;
          }
        }
        const std::string rms = fmt::format("rms X_par={:.3f} X_perp={:.3f} Pb={:.3f} Cs={:.3f}",
                                            std::sqrt(xpar / nx), std::sqrt(xperp / nx), std::sqrt(pb / npb),
                                            std::sqrt(cs / ncs));
        // saddle: highest image of the last NEB attempt
        const std::string tag = fmt::format("attempt {} image", rec.attempts);
        int saddle = -1;
        for (std::size_t k = 0; k < trace.labels.size(); ++k) {
          if (trace.labels[k].rfind(tag, 0) == 0 && (saddle < 0 || trace.energies[k] > trace.energies[saddle]))
            saddle = static_cast<int>(k);
        }
        const double far_saddle = saddle >= 0 ? split(trace.structures[saddle], trace.structures[0]).second : -1;
        diag += fmt::format("  [{}a,{}^3 a={:.4f} calls={} att={} u_near={:.3f} u_far={:.3f} du_far(saddle)={:.3f} {}]\n",
                            r, n, rec.lattice_constant, rec.force_calls, rec.attempts, near0, far0, far_saddle, rms);
      }
    }
    fmt::print("\n{}", diag);
  }
}

// Basin sensitivity: the same cell (default construction unless the study
// options say otherwise), both unrelaxed end states displaced by one random
// pattern (components uniform in ±amp Å, std::mt19937_64(p), the same for
// both end states) before relaxation, then relax + CI-NEB as in
// compute_hop_barrier (no probe, one attempt). p = 0 is unperturbed. A
// --freeze-species Cs,Pb freezes only those elements beyond relax_radius.
// A spread of E_initial or E_KRA over p means the relaxation lands in
// different local minima: the barrier depends on where the descent starts.
void basins(const StudyOptions& o, double amp, int patterns) {
  const BuckinghamCoulomb pot(BuckinghamCoulombParameters::cspbx3_flama_initial());
  fmt::print("basins: perturbation amplitude {} A, {} patterns, relax_radius {} a (frozen beyond: {}), fixed a {} A\n",
             amp, patterns, o.relax_radius, o.freeze_species.empty() ? "all" : o.freeze_species, o.fixed_a);
  for (unsigned seed = o.seed_lo; seed <= o.seed_hi; ++seed) {
    const std::string moving = seed % 2 ? "Br" : "I";
    for (const auto& [r, n] : o.steps) {
      HopBarrierSettings s;
      s.cell.repeats = n;
      s.cell.fixed_lattice_constant = o.fixed_a;
      s.cell.fill_composition = o.fill;
      const HopRequest req = canonical_hop(study_request(r, seed, o.outer_seed, moving, o.x_br, o.outer_from)).request;
      const HopEndpointsBuilt built = build_hop_cell(req, s.cell);
      std::vector<bool> fixed;
      if (o.relax_radius > 0) {
        fixed.assign(built.initial.size(), false);
        for (Eigen::Index i = 0; i < built.initial.positions.rows(); ++i)
          fixed[i] = minimum_image(built.initial.positions.row(i).transpose() - built.midpoint, built.initial.cell)
                             .norm() > o.relax_radius * built.a + 1e-9 &&
                     (o.freeze_species.empty() ||
                      o.freeze_species.find("," + built.initial.symbols[i] + ",") != std::string::npos);
      }
      fmt::print("seed {} ({}) {}a,{}^3:", seed, moving, r, n);
      double lo = 1e9, hi = -1e9, ilo = 1e9, ihi = -1e9;
      for (int p = 0; p < patterns; ++p) {
        Structure a0 = built.initial, b0 = built.final_state;
        if (p > 0) {
          std::mt19937_64 rng(static_cast<unsigned>(p));
          std::uniform_real_distribution<double> u(-amp, amp);
          for (Eigen::Index i = 0; i < a0.positions.rows(); ++i)
            for (int d = 0; d < 3; ++d) {
              const double du = (!fixed.empty() && fixed[i]) ? 0.0 : u(rng);
              a0.positions(i, d) += du;
              b0.positions(i, d) += du;
            }
        }
        const RelaxResult ri = relax(pot, a0, s.relax, fixed);
        const RelaxResult rf = relax(pot, b0, s.relax, fixed);
        NebOptions no = s.neb;
        no.fixed = fixed;
        const NebResult neb = run_neb(pot, ri.structure, rf.structure, no);
        fmt::print(" [Ei {:+.4f} Ef {:+.4f} E_KRA {:.4f}{}]", ri.energy - (p ? 0.0 : 0.0), rf.energy, neb.e_kra,
                   neb.converged ? "" : " nc");
        std::fflush(stdout);
        lo = std::min(lo, neb.e_kra);
        hi = std::max(hi, neb.e_kra);
        ilo = std::min(ilo, ri.energy);
        ihi = std::max(ihi, ri.energy);
      }
      fmt::print("\n   spread: E_KRA {:.4f} eV, E_initial {:.4f} eV\n", hi - lo, ihi - ilo);
    }
  }
}

StudyOptions parse_study(int argc, char** argv) {
  StudyOptions o;
  for (int k = 2; k < argc; ++k) {
    const std::string a = argv[k];
    auto next = [&]() -> std::string {
      if (k + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++k];
    };
    if (a == "--fixed-a") o.fixed_a = std::stod(next());
    else if (a == "--relax-radius") o.relax_radius = std::stod(next());
    else if (a == "--outer-from") o.outer_from = std::stod(next());
    else if (a == "--outer-seed") o.outer_seed = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--diag") o.diag = true;
    else if (a == "--x-br") o.x_br = std::stod(next());
    else if (a == "--probe") o.probe = std::stod(next());
    else if (a == "--relax-fmax") o.relax_fmax = std::stod(next());
    else if (a == "--neb-fmax") o.neb_fmax = std::stod(next());
    else if (a == "--images") o.images = std::stoi(next());
    else if (a == "--freeze-species") o.freeze_species = "," + next() + ",";
    else if (a == "--seeds") {
      const std::string v = next();
      const auto dash = v.find('-');
      o.seed_lo = static_cast<unsigned>(std::stoul(v.substr(0, dash)));
      o.seed_hi = dash == std::string::npos ? o.seed_lo : static_cast<unsigned>(std::stoul(v.substr(dash + 1)));
    } else if (a == "--fill" || a == "--steps") {
      const std::string v = next() + ",";
      if (a == "--steps") o.steps.clear();
      std::size_t start = 0;
      for (std::size_t c = v.find(','); c != std::string::npos; start = c + 1, c = v.find(',', start)) {
        const std::string item = v.substr(start, c - start);
        const auto sep = item.find(a == "--fill" ? '=' : ':');
        if (sep == std::string::npos) throw std::runtime_error("bad " + a + " item '" + item + "'");
        if (a == "--fill") o.fill[item.substr(0, sep)] = std::stod(item.substr(sep + 1));
        else o.steps.emplace_back(std::stod(item.substr(0, sep)), std::stoi(item.substr(sep + 1)));
      }
    } else {
      throw std::runtime_error("unknown option '" + a + "'");
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "all";
  if (what == "timing" || what == "all") timing();
  if (what == "convergence" || what == "all") convergence();
  if (what == "ladder") ladder();
  if (what == "study") study(parse_study(argc, argv));
  if (what == "basins") {
    // basins AMP PATTERNS [study options]
    const double amp = std::stod(argv[2]);
    const int patterns = std::stoi(argv[3]);
    basins(parse_study(argc - 2, argv + 2), amp, patterns);
  }
  return 0;
}
