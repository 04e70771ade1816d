#include "hkmc/kmc/StructureFactor.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <numbers>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {
namespace {

using cd = std::complex<double>;
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kNoStructure = 1e-12;  // Σ_b S_b below this: no structure, L undefined

// Mixed-radix decimation-in-time FFT of one length (Cooley–Tukey): a length n
// splits into p sub-transforms of n/p (p its smallest prime factor); a prime
// length is summed directly. X[m] = Σ_j x[j] exp(−2πi m j / n).
// O(n Σ p_i): n log n for the supercell sizes used in practice (powers of 2,
// 3, 5). No FFT library is among the dependencies, and the grids are small
// (n ≤ 64 per axis), so this is enough: a sample costs milliseconds.
class Fft1d {
 public:
  explicit Fft1d(int n) : m_n(n), m_w(n) {
    for (int j = 0; j < n; ++j) m_w[j] = std::polar(1.0, -kTwoPi * j / n);
  }
  // Transforms in[0], in[stride], … (n values) into out[0..n).
  void transform(const cd* in, int stride, cd* out) const { recurse(in, stride, m_n, out); }

 private:
  void recurse(const cd* in, int stride, int n, cd* out) const {
    if (n == 1) {
      out[0] = in[0];
      return;
    }
    int p = 2;
    while (n % p != 0) ++p;
    const int step = m_n / n;  // twiddle exp(−2πi e/n) = m_w[e * step mod m_n]
    if (p == n) {
      for (int m = 0; m < n; ++m) {
        cd sum = 0;
        for (int j = 0, e = 0; j < n; ++j, e = e + m >= n ? e + m - n : e + m) sum += in[j * stride] * m_w[e * step];
        out[m] = sum;
      }
      return;
    }
    const int sub = n / p;
    for (int r = 0; r < p; ++r) recurse(in + r * stride, stride * p, sub, out + r * sub);
    if (p == 2) {  // the butterfly: X[k] = Y0[k] ± W^k Y1[k]
      for (int k = 0; k < sub; ++k) {
        const cd a = out[k], b = out[sub + k] * m_w[k * step];
        out[k] = a + b;
        out[sub + k] = a - b;
      }
      return;
    }
    cd y[64];  // p ≤ 64 here; larger prime factors go through the vector below
    std::vector<cd> big(p > 64 ? p : 0);
    cd* t = p > 64 ? big.data() : y;
    for (int k = 0; k < sub; ++k) {
      for (int r = 0; r < p; ++r) t[r] = out[r * sub + k];
      for (int q = 0; q < p; ++q) {
        const int m = k + sub * q;
        cd sum = 0;
        for (int r = 0, e = 0; r < p; ++r, e = e + m >= n ? e + m - n : e + m) sum += t[r] * m_w[e * step];
        out[m] = sum;
      }
    }
  }
  int m_n;
  std::vector<cd> m_w;
};

// In-place 3D DFT of a row-major n0×n1×n2 grid.
void fft3d(std::vector<cd>& grid, const lattice::CellIndex& n) {
  const int stride[3] = {n[1] * n[2], n[2], 1};
  std::vector<cd> line, out;
  for (int axis = 0; axis < 3; ++axis) {
    if (n[axis] == 1) continue;
    const Fft1d fft(n[axis]);
    line.resize(n[axis]);
    out.resize(n[axis]);
    const int a = (axis + 1) % 3, b = (axis + 2) % 3;
    for (int i = 0; i < n[a]; ++i)
      for (int j = 0; j < n[b]; ++j) {
        cd* base = grid.data() + i * stride[a] + j * stride[b];
        fft.transform(base, stride[axis], out.data());
        for (int m = 0; m < n[axis]; ++m) base[m * stride[axis]] = out[m];
      }
  }
}

}  // namespace

StructureFactor::StructureFactor(const lattice::Supercell& supercell) : m_supercell(supercell) {
  const auto& crystal = supercell.crystal();
  for (int m = 0; m < supercell.mobile_count(); ++m)
    if (crystal.basis()[crystal.mobile_basis()[m]].role == lattice::SiteRole::kLattice) m_basis.push_back(m);
  m_sites = supercell.num_cells() * static_cast<int>(m_basis.size());
  if (m_basis.empty()) throw InputError("structure factor: the crystal has no mobile lattice sites");
  const Eigen::Matrix3d recip = kTwoPi * crystal.cell().inverse();  // columns: reciprocal vectors (Å⁻¹)
  const auto& n = supercell.dims();
  // Shortest reciprocal lattice vector and shortest box wave vector.
  double g_min = std::numeric_limits<double>::infinity();
  m_dk = std::numeric_limits<double>::infinity();
  for (int i = -2; i <= 2; ++i)
    for (int j = -2; j <= 2; ++j)
      for (int k = -2; k <= 2; ++k) {
        if (i == 0 && j == 0 && k == 0) continue;
        g_min = std::min(g_min, (recip * Eigen::Vector3d(i, j, k)).norm());
        m_dk = std::min(m_dk, (recip * Eigen::Vector3d(double(i) / n[0], double(j) / n[1], double(k) / n[2])).norm());
      }
  m_cutoff = g_min / 2;
  const int nbins = static_cast<int>(std::floor(m_cutoff / m_dk + 0.5 + 1e-9));
  m_bin_count.assign(nbins, 0);
  for (int b = 0; b < nbins; ++b) m_bin_k.push_back((b + 1) * m_dk);
  // |m_i| ≤ n_i k_cut |a_i| / 2π bounds every k of the sphere (k·a_i = 2π m_i/n_i).
  int bound[3];
  for (int d = 0; d < 3; ++d)
    bound[d] = static_cast<int>(std::ceil(n[d] * m_cutoff * crystal.cell().row(d).norm() / kTwoPi)) + 1;
  for (int i = -bound[0]; i <= bound[0]; ++i)
    for (int j = -bound[1]; j <= bound[1]; ++j)
      for (int k = -bound[2]; k <= bound[2]; ++k) {
        if (i == 0 && j == 0 && k == 0) continue;
        const Eigen::Vector3d q(double(i) / n[0], double(j) / n[1], double(k) / n[2]);
        const double kn = (recip * q).norm();
        if (kn > m_cutoff * (1 + 1e-9)) continue;
        const int bin = static_cast<int>(std::floor(kn / m_dk + 0.5 + 1e-9)) - 1;
        if (bin < 0 || bin >= nbins) continue;
        KVector v;
        auto wrap = [](int m, int len) { return ((m % len) + len) % len; };
        v.fft_index = (wrap(i, n[0]) * n[1] + wrap(j, n[1])) * n[2] + wrap(k, n[2]);
        v.fft_index_neg = (wrap(-i, n[0]) * n[1] + wrap(-j, n[1])) * n[2] + wrap(-k, n[2]);
        v.bin = bin;
        for (int d = 0; d < 3; ++d) v.q[d] = q[d];
        for (int s : m_basis) {
          const Eigen::Vector3d& f = crystal.basis()[crystal.mobile_basis()[s]].frac;
          v.basis_phase.push_back(std::polar(1.0, -kTwoPi * q.dot(f)));
        }
        m_bin_count[bin]++;
        m_k.push_back(std::move(v));
      }
}

std::vector<double> StructureFactor::compute(std::span<const lattice::Occupant> occupancy, int codes) const {
  const auto& n = m_supercell.dims();
  const int cells = m_supercell.num_cells();
  const int per_cell = m_supercell.mobile_count();
  std::vector<cd> amplitude(m_k.size() * codes, cd(0));
  std::vector<cd> grid(cells);
  for (std::size_t b = 0; b < m_basis.size(); ++b) {
    const int mobile = m_basis[b];
    auto site = [&](int c) { return occupancy[static_cast<std::size_t>(c) * per_cell + mobile]; };
    std::vector<int> present;
    std::vector<bool> seen(codes, false);
    for (int c = 0; c < cells; ++c) seen[site(c)] = true;
    for (int code = 0; code < codes; ++code)
      if (seen[code]) present.push_back(code);
    // Two real grids per complex transform: Z = FFT(σ_a + i σ_b) gives
    // A(m) = (Z(m) + Z*(−m))/2 and B(m) = (Z(m) − Z*(−m))/(2i).
    for (std::size_t p = 0; p < present.size(); p += 2) {
      const int a = present[p], second = p + 1 < present.size() ? present[p + 1] : -1;
      for (int c = 0; c < cells; ++c) grid[c] = cd(site(c) == a ? 1.0 : 0.0, site(c) == second ? 1.0 : 0.0);
      fft3d(grid, n);
      for (std::size_t v = 0; v < m_k.size(); ++v) {
        const cd z = grid[m_k[v].fft_index], zm = std::conj(grid[m_k[v].fft_index_neg]);
        const cd& phase = m_k[v].basis_phase[b];
        amplitude[v * codes + a] += phase * (0.5 * (z + zm));
        if (second >= 0) amplitude[v * codes + second] += phase * (cd(0, -0.5) * (z - zm));
      }
    }
  }
  std::vector<double> s(static_cast<std::size_t>(codes) * bins(), 0.0);
  for (std::size_t v = 0; v < m_k.size(); ++v)
    for (int code = 0; code < codes; ++code)
      s[static_cast<std::size_t>(code) * bins() + m_k[v].bin] += std::norm(amplitude[v * codes + code]);
  shell_average(s);
  return s;
}

std::vector<double> StructureFactor::compute_direct(std::span<const lattice::Occupant> occupancy, int codes) const {
  const auto& crystal = m_supercell.crystal();
  std::vector<double> s(static_cast<std::size_t>(codes) * bins(), 0.0);
  for (const auto& v : m_k) {
    std::vector<cd> amplitude(codes, cd(0));
    for (int site = 0; site < m_supercell.num_sites(); ++site) {
      if (m_supercell.role(site) != lattice::SiteRole::kLattice) continue;
      const auto cell = m_supercell.cell_of(site);
      const Eigen::Vector3d r = Eigen::Vector3d(cell[0], cell[1], cell[2]) +
                                crystal.basis()[crystal.mobile_basis()[m_supercell.mobile_of(site)]].frac;
      amplitude[occupancy[site]] += std::polar(1.0, -kTwoPi * (v.q[0] * r[0] + v.q[1] * r[1] + v.q[2] * r[2]));
    }
    for (int code = 0; code < codes; ++code)
      s[static_cast<std::size_t>(code) * bins() + v.bin] += std::norm(amplitude[code]);
  }
  shell_average(s);
  return s;
}

void StructureFactor::shell_average(std::vector<double>& sums) const {
  for (std::size_t i = 0; i < sums.size(); ++i) {
    const int b = static_cast<int>(i % bins());
    sums[i] = m_bin_count[b] ? sums[i] / (m_bin_count[b] * double(m_sites)) : std::numeric_limits<double>::quiet_NaN();
  }
}

double StructureFactor::length(std::span<const double> shells) const {
  double sum = 0, first = 0;
  for (int b = 0; b < bins() && b < static_cast<int>(shells.size()); ++b) {
    if (!std::isfinite(shells[b])) continue;
    sum += shells[b];
    first += m_bin_k[b] * shells[b];
  }
  // A uniform occupancy leaves only round-off (~1e-30) at k ≠ 0; real
  // structure gives at least ~1/N per shell.
  if (!(sum > kNoStructure)) return std::numeric_limits<double>::quiet_NaN();
  return kTwoPi * sum / first;
}

}  // namespace hkmc::kmc
