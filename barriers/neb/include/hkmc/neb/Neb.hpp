#pragma once
// Climbing-image nudged elastic band.
//
// Tangent: the improved (energy-weighted upwind) tangent of Henkelman &
// Jónsson, JCP 113, 9978 (2000), eqs. 8–11. Force on intermediate image i:
//   F_i = F_i^⊥ + k (|R_{i+1} − R_i| − |R_i − R_{i−1}|) τ_i        (eq. 12)
// and, for the highest-energy image when climbing (Henkelman, Uberuaga &
// Jónsson, JCP 113, 9901 (2000)):
//   F_climb = F − 2 (F·τ) τ    (no spring).
// The images are moved together by FIRE (Fire.hpp) on the concatenated NEB
// forces; converged when the largest atomic NEB force on any intermediate
// image is below fmax. This is the same algorithm as ASE's
// NEB(method='improvedtangent', climb=True) driven by ase.optimize.FIRE.
#include <functional>
#include <string>
#include <vector>

#include "hkmc/neb/Fire.hpp"
#include "hkmc/neb/Potential.hpp"

namespace hkmc::neb {

enum class Interpolation { Linear, Idpp };

struct NebOptions {
  int n_images = 5;        // intermediate images (endpoints not counted)
  double spring = 0.1;     // spring constant k, eV/Å²
  bool climb = true;       // climbing image on the highest intermediate image
  double fmax = 0.05;      // convergence on NEB forces, eV/Å
  int max_steps = 1000;    // FIRE steps
  Interpolation interpolation = Interpolation::Idpp;
  FireOptions fire;        // FIRE parameters; its fmax and max_steps are ignored
  std::vector<bool> fixed; // size N or empty: atoms that never move

  void validate() const;  // throws InputError naming the bad field
};

struct NebResult {
  std::vector<Structure> images;            // n_images + 2, endpoints included
  std::vector<double> energies;             // eV, one per image
  std::vector<Matrix3N> forces;             // N×3 potential forces per image, eV/Å
  std::vector<double> reaction_coordinate;  // cumulative path length |ΔR|, Å
  int climbing_image = -1;                  // index into images (−1 when not climbing)
  double saddle_energy = 0.0;               // highest image energy, eV
  double barrier_forward = 0.0;             // E_saddle − E_initial, eV
  double barrier_backward = 0.0;            // E_saddle − E_final, eV
  double e_kra = 0.0;                       // (forward + backward)/2, eV
  double max_force = 0.0;                   // largest NEB force at the end, eV/Å
  int steps = 0;                            // FIRE steps
  int force_calls = 0;                      // single-structure evaluations, endpoints included
  bool converged = false;
};

// Energies and forces of a set of path images, results in the same order;
// `path_index` gives each image's position on the path (0 = initial). Lets the
// NEB driver run on potentials and on the image-dependent IDPP objective alike.
using ImageEvaluator = std::function<std::vector<EnergyForces>(
    const std::vector<Structure>& images, const std::vector<int>& path_index)>;

// NEB on a given initial path (endpoints included, already relaxed). The
// endpoints are evaluated once. Returns the last path even when not converged.
NebResult run_neb_on_path(const ImageEvaluator& evaluate, std::vector<Structure> path,
                          const NebOptions& options);

// The usual entry point: interpolates between the endpoints (which should be
// relaxed: see relax() in Fire.hpp) and runs CI-NEB with `potential`, whose
// compute_batch evaluates the images each step.
NebResult run_neb(const Potential& potential, const Structure& initial,
                  const Structure& final_state, const NebOptions& options);

}  // namespace hkmc::neb
