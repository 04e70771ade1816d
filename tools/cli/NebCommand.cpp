#include "NebCommand.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iostream>
#include <random>
#include <sstream>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/ExtXyz.hpp"
#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Neb.hpp"
#include "hkmc/neb/PerovskiteCell.hpp"
#include "hkmc/neb/PotentialRegistry.hpp"

namespace hkmc::cli {
namespace {

struct NebCommandOptions {
  std::string potential = "buckingham_coulomb";  // kind, or a TorchScript file
  std::string halide = "I";
  double x_br = -1.0;                // Br fraction of a random I/Br fill (−1: pure `halide`)
  unsigned seed = 1;                 // seed of that fill
  double a = 0.0;                    // Å; 0: Vegard rule between the static minima
  int supercell = 3;
  std::string vacancy = "0,0,0,0";   // i,j,k,axis of the vacant X site
  std::string mover = "0,0,0,1";     // i,j,k,axis of the hopping X
  int images = 5;
  double spring = 0.1;               // eV/Å²
  double fmax = 0.05;                // eV/Å
  double relax_fmax = 0.01;          // eV/Å
  int max_steps = 1000;
  std::string interpolation = "idpp";
  bool no_climb = false;
  std::string device = "cpu";
  int threads = 1;
  std::string output;                // extended XYZ of the final path
};

NebCommandOptions g_options;

std::array<int, 4> parse_site(const std::string& text, const std::string& key) {
  std::array<int, 4> v{};
  std::stringstream in(text);
  std::string item;
  int k = 0;
  while (std::getline(in, item, ',')) {
    if (k >= 4) break;
    try {
      std::size_t used = 0;
      v[k] = std::stoi(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      k = -1;
      break;
    }
    ++k;
  }
  if (k != 4 || v[3] < 0 || v[3] > 2) {
    throw InputError(fmt::format("neb: {} = '{}': must be four integers i,j,k,axis with axis "
                                 "0 (x), 1 (y) or 2 (z)",
                                 key, text));
  }
  return v;
}

}  // namespace

CLI::App* add_neb_command(CLI::App& app) {
  auto& o = g_options;
  auto* neb = app.add_subcommand(
      "neb", "Climbing-image NEB of a halide-vacancy edge hop in cubic CsPbX3; prints the path");
  neb->add_option("--potential", o.potential,
                  "'buckingham_coulomb' (C++ reference) or a TorchScript model file")
      ->capture_default_str();
  neb->add_option("--halide", o.halide, "Halide on every X site: I or Br")->capture_default_str();
  neb->add_option("--x-br", o.x_br, "Br fraction of a random I/Br fill instead (0..1)");
  neb->add_option("--seed", o.seed, "Seed of the random I/Br fill")->capture_default_str();
  neb->add_option("--a", o.a, "Cubic lattice constant, Å (default 6.20 - 0.44 x_Br)");
  neb->add_option("--supercell", o.supercell, "n for an n x n x n supercell")
      ->capture_default_str()
      ->check(CLI::Range(1, 12));
  neb->add_option("--vacancy", o.vacancy, "Vacant X site i,j,k,axis")->capture_default_str();
  neb->add_option("--mover", o.mover, "Hopping X site i,j,k,axis (an octahedron-edge neighbour)")
      ->capture_default_str();
  neb->add_option("--images", o.images, "Intermediate images")->capture_default_str()->check(
      CLI::Range(1, 64));
  neb->add_option("--spring", o.spring, "Spring constant, eV/Å^2")->capture_default_str();
  neb->add_option("--fmax", o.fmax, "NEB convergence: max force, eV/Å")->capture_default_str();
  neb->add_option("--relax-fmax", o.relax_fmax, "Endpoint relaxation: max force, eV/Å")
      ->capture_default_str();
  neb->add_option("--max-steps", o.max_steps, "FIRE steps for the NEB")->capture_default_str();
  neb->add_option("--interpolation", o.interpolation, "idpp or linear")
      ->capture_default_str()
      ->check(CLI::IsMember({"idpp", "linear"}));
  neb->add_flag("--no-climb", o.no_climb, "Plain NEB without climbing image");
  neb->add_option("--device", o.device, "Torch device for TorchScript models")->capture_default_str();
  neb->add_option("--threads", o.threads, "Torch intra-op threads")->capture_default_str()->check(
      CLI::Range(1, 256));
  neb->add_option("--output,-o", o.output, "Write the path as extended XYZ (ASE, OVITO)");
  return neb;
}

int run_neb_command() {
  using namespace hkmc::neb;
  const auto& o = g_options;
  const auto t0 = std::chrono::steady_clock::now();

  PotentialSpec pspec;
  if (o.potential == "buckingham_coulomb") {
    pspec.kind = "buckingham_coulomb";
  } else {
    pspec.kind = "torchscript";
    pspec.path = o.potential;
    pspec.torch.device = o.device;
    pspec.torch.intra_op_threads = o.threads;
  }
  const auto potential = make_potential(pspec);

  CubicPerovskiteSpec spec;
  spec.repeats = {o.supercell, o.supercell, o.supercell};
  const int nx = 3 * o.supercell * o.supercell * o.supercell;
  double x_br = 0.0;
  if (o.x_br >= 0.0) {
    if (o.x_br > 1.0) throw InputError(fmt::format("neb: --x-br = {}: must be in [0, 1]", o.x_br));
    x_br = o.x_br;
    // Deterministic fill for a given seed: site k is Br if u_k < x_Br.
    std::mt19937_64 rng(o.seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    spec.x_species.resize(nx);
    for (auto& s : spec.x_species) s = u(rng) < x_br ? "Br" : "I";
  } else {
    if (o.halide != "I" && o.halide != "Br") {
      throw InputError(fmt::format("neb: --halide = '{}': must be I or Br", o.halide));
    }
    spec.x_species = {o.halide};
    x_br = o.halide == "Br" ? 1.0 : 0.0;
  }
  spec.a = o.a > 0.0 ? o.a : 6.20 - 0.44 * x_br;
  const Structure perfect = build_cubic_perovskite(spec);
  const auto v = parse_site(o.vacancy, "--vacancy");
  const auto m = parse_site(o.mover, "--mover");
  const int iv = x_atom_index(spec, v[0], v[1], v[2], v[3]);
  const int im = x_atom_index(spec, m[0], m[1], m[2], m[3]);
  const double hop = minimum_image((perfect.positions.row(iv) - perfect.positions.row(im))
                                       .transpose(),
                                   perfect.cell)
                         .norm();
  if (iv == im) throw InputError("neb: --vacancy and --mover name the same site");
  const HopEndpoints ends = make_vacancy_hop(perfect, iv, im);

  std::cout << fmt::format("potential  {}\n", potential->description());
  std::cout << fmt::format("cell       {}x{}x{} cubic CsPbX3, a = {:.4f} A, {} atoms after the "
                           "vacancy, x_Br = {:.3f}\n",
                           o.supercell, o.supercell, o.supercell, spec.a, ends.initial.size(),
                           x_br);
  std::cout << fmt::format("hop        {} at X site {} -> vacant X site {}, distance {:.4f} A\n",
                           perfect.symbols[im], o.mover, o.vacancy, hop);

  FireOptions relax_opt;
  relax_opt.fmax = o.relax_fmax;
  relax_opt.max_steps = 5000;
  const RelaxResult ini = relax(*potential, ends.initial, relax_opt);
  const RelaxResult fin = relax(*potential, ends.final_state, relax_opt);
  std::cout << fmt::format("endpoints  relaxed in {} + {} force calls (fmax {:.4f}, {:.4f} eV/A){}\n",
                           ini.force_calls, fin.force_calls, ini.fmax, fin.fmax,
                           ini.converged && fin.converged ? "" : "  NOT CONVERGED");

  NebOptions nopt;
  nopt.n_images = o.images;
  nopt.spring = o.spring;
  nopt.fmax = o.fmax;
  nopt.max_steps = o.max_steps;
  nopt.climb = !o.no_climb;
  nopt.interpolation = o.interpolation == "linear" ? Interpolation::Linear : Interpolation::Idpp;
  const NebResult r = run_neb(*potential, ini.structure, fin.structure, nopt);

  std::cout << "\n image   path (A)   E - E_initial (eV)\n";
  for (std::size_t k = 0; k < r.images.size(); ++k) {
    std::cout << fmt::format(" {:>5}   {:8.4f}   {:12.6f}{}\n", k, r.reaction_coordinate[k],
                             r.energies[k] - r.energies.front(),
                             static_cast<int>(k) == r.climbing_image ? "   <- climbing image" : "");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << fmt::format(
      "\nbarrier    forward {:.4f} eV, backward {:.4f} eV, E_KRA {:.4f} eV\n"
      "neb        {} in {} FIRE steps, {} force calls (+{} for the endpoints), max NEB force "
      "{:.4f} eV/A\n"
      "time       {:.2f} s\n",
      r.barrier_forward, r.barrier_backward, r.e_kra, r.converged ? "converged" : "NOT converged",
      r.steps, r.force_calls, ini.force_calls + fin.force_calls, r.max_force, seconds);
  if (!o.output.empty()) {
    std::vector<EnergyForces> results(r.images.size());
    for (std::size_t k = 0; k < r.images.size(); ++k) results[k] = {r.energies[k], r.forces[k]};
    write_extxyz(o.output, r.images, results);
    std::cout << fmt::format("path       written to {}\n", o.output);
  }
  if (!r.converged) {
    throw RuntimeError(fmt::format("neb: not converged after {} steps (max NEB force {:.4f} > "
                                   "fmax {} eV/A); raise --max-steps or loosen --fmax",
                                   r.steps, r.max_force, o.fmax));
  }
  return 0;
}

}  // namespace hkmc::cli
