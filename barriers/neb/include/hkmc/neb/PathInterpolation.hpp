#pragma once
// Initial NEB paths between two endpoint structures with the same atoms in
// the same order. The final endpoint is first unwrapped against the initial
// one (minimum image per atom), so an atom that crosses the cell boundary
// moves the short way.
#include <vector>

#include "hkmc/neb/Structure.hpp"

namespace hkmc::neb {

// Throws InputError unless the two structures have the same size, symbols,
// cell and periodicity.
void check_compatible_endpoints(const Structure& initial, const Structure& final_state);

// n_intermediate + 2 structures, endpoints included; image k sits at fraction
// k/(n+1) of each atom's minimum-image displacement.
std::vector<Structure> interpolate_linear(const Structure& initial, const Structure& final_state,
                                          int n_intermediate);

// Image-dependent pair potential (Smidstrup, Pedersen, Stokbro & Jónsson,
// JCP 140, 214106 (2014)): starting from the linear path, the images are
// optimised by NEB (springs, no climbing) on
//   S_k = Σ_{i<j} w(d_ij) (d_ij^(k) − d_ij)²,  w(d) = d⁻⁴,
//   d_ij^(k) = d_ij(initial) + (k/(n+1)) (d_ij(final) − d_ij(initial)),
// with minimum-image distances. This keeps atoms from passing through each
// other when the linear path would. `fmax` is in the objective's units
// (Å⁻³); `max_steps` bounds the FIRE steps.
std::vector<Structure> interpolate_idpp(const Structure& initial, const Structure& final_state,
                                        int n_intermediate, double fmax = 0.01,
                                        int max_steps = 500);

}  // namespace hkmc::neb
