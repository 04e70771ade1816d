#pragma once
// Spherically averaged structure factor of the occupancy of the mobile
// lattice sites (the X sublattice of the perovskite; interstitial sites are
// left out), and the characteristic length from its first moment.
//
// For occupant code c, with σ_c(j) = 1 when lattice site j holds c and 0
// otherwise, r_j the site position and N the number of lattice sites:
//   S_c(k) = |Σ_j σ_c(j) exp(−i k·r_j)|² / N,
// on the wave vectors of the periodic box, k = 2π C⁻¹ (m1/n1, m2/n2, m3/n3)
// (C: rows are the lattice vectors, n the supercell), with 0 < |k| ≤ k_cut.
// k_cut = |G_min|/2, half the shortest reciprocal lattice vector (π/a for the
// cubic perovskite): the sphere inscribed in the first Brillouin zone, so
// wavelengths of at least two lattice spacings. S is averaged over the
// vectors in shells of width Δk (the smallest |k| of the box, 2π/(n a) for a
// cubic n×n×n box) centred on k_b = b Δk, b = 1, 2, …; then
//   ⟨k⟩ = Σ_b k_b S_b / Σ_b S_b,   L = 2π / ⟨k⟩   (Å).
// k = 0 is excluded (it only measures the composition). In a random alloy of
// composition c at fixed N, ⟨S_c(k)⟩ = c(1−c)·N/(N−1) for every k in the
// range (no k in it is a reciprocal lattice vector).
//
// Computed by FFT: each lattice basis site s forms an n1×n2×n3 grid, whose
// 3D DFT F_s(m) gives the sum over cells; F(k) = Σ_s exp(−2πi q·f_s) F_s(m mod n)
// with q = m/n and f_s the fractional basis position. O(N log N) per code
// (two codes per complex transform); a direct sum (compute_direct) is the
// reference the FFT is tested against.
#include <complex>
#include <span>
#include <vector>

#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::kmc {

class StructureFactor {
 public:
  explicit StructureFactor(const lattice::Supercell& supercell);

  int bins() const { return static_cast<int>(m_bin_k.size()); }
  double bin_width() const { return m_dk; }       // Δk (Å⁻¹)
  double cutoff() const { return m_cutoff; }      // k_cut (Å⁻¹)
  const std::vector<double>& bin_k() const { return m_bin_k; }        // k_b = b Δk (Å⁻¹)
  const std::vector<int>& bin_vectors() const { return m_bin_count; }  // k vectors in each shell
  int lattice_sites() const { return m_sites; }

  // S_b of every occupant code, flattened as code * bins() + b (code 0: vacancies).
  std::vector<double> compute(std::span<const lattice::Occupant> occupancy, int codes) const;
  // The same by a direct sum over sites and k vectors, O(N·K): the reference.
  std::vector<double> compute_direct(std::span<const lattice::Occupant> occupancy, int codes) const;
  // L = 2π/⟨k⟩ (Å) from one code's shells; NaN when Σ_b S_b ≤ 1e-12 (a uniform
  // occupancy, up to round-off). Shells without k vectors (NaN) are skipped.
  double length(std::span<const double> shells) const;

 private:
  struct KVector {
    int fft_index;                                  // (m mod n) in row-major cell order
    int fft_index_neg;                              // (−m mod n)
    int bin;
    std::vector<std::complex<double>> basis_phase;  // exp(−2πi q·f_s), by lattice basis site
    double q[3];                                    // m/n
  };
  // Σ over a shell's vectors of |F|², flattened code * bins() + b -> S_b (NaN for an empty shell).
  void shell_average(std::vector<double>& sums) const;

  lattice::Supercell m_supercell;
  std::vector<int> m_basis;  // mobile indices of the lattice (non-interstitial) basis sites
  int m_sites = 0;
  double m_dk = 0.0, m_cutoff = 0.0;  // Å⁻¹
  std::vector<double> m_bin_k;
  std::vector<int> m_bin_count;
  std::vector<KVector> m_k;
};

}  // namespace hkmc::kmc
