#include "hkmc/neb/Ewald.hpp"

#include <Eigen/LU>
#include <cmath>
#include <complex>
#include <numbers>
#include <vector>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/NeighbourList.hpp"

namespace hkmc::neb {

EwaldParameters EwaldParameters::from_accuracy(double real_cutoff, double accuracy) {
  if (!(real_cutoff > 0.0)) {
    throw InputError("ewald: real_cutoff = " + std::to_string(real_cutoff) + " Å: must be > 0");
  }
  if (!(accuracy > 0.0 && accuracy < 1.0)) {
    throw InputError("ewald: accuracy = " + std::to_string(accuracy) + ": must be in (0, 1)");
  }
  const double p = -std::log(accuracy);
  EwaldParameters out;
  out.real_cutoff = real_cutoff;
  out.alpha = std::sqrt(p) / real_cutoff;
  out.k_cutoff = 2.0 * out.alpha * std::sqrt(p);
  return out;
}

Ewald::Ewald(const EwaldParameters& parameters) : m_parameters(parameters) {
  if (!(parameters.alpha > 0.0 && parameters.real_cutoff > 0.0 && parameters.k_cutoff > 0.0)) {
    throw InputError("ewald: alpha, real_cutoff and k_cutoff must all be > 0");
  }
}

double Ewald::real_energy(double qq, double r) const {
  if (r >= m_parameters.real_cutoff) return 0.0;
  return kCoulomb_eV_A * qq * std::erfc(m_parameters.alpha * r) / r;
}

double Ewald::real_dedr(double qq, double r) const {
  if (r >= m_parameters.real_cutoff) return 0.0;
  const double a = m_parameters.alpha;
  return -kCoulomb_eV_A * qq *
         (std::erfc(a * r) / (r * r) +
          2.0 * a / std::sqrt(std::numbers::pi) * std::exp(-a * a * r * r) / r);
}

double Ewald::long_range(const Matrix3N& positions, const Eigen::VectorXd& charges,
                         const Cell& cell, Matrix3N& forces) const {
  const double pi = std::numbers::pi;
  const Eigen::Index n = positions.rows();
  const double volume = std::abs(cell.determinant());
  const double a = m_parameters.alpha;
  const double kc = m_parameters.k_cutoff;
  // Reciprocal lattice vectors as rows, with the 2π: g_k · a_l = 2π δ_kl.
  const Eigen::Matrix3d g = 2.0 * pi * cell.inverse().transpose();
  int nmax[3];
  for (int k = 0; k < 3; ++k) {
    nmax[k] = static_cast<int>(std::floor(kc * cell.row(k).norm() / (2.0 * pi)));
  }

  // e^{i n g_k · r_j} for |n| ≤ nmax[k], built by repeated multiplication so a
  // structure factor costs two complex products per (k, atom), not a sincos.
  using C = std::complex<double>;
  std::vector<std::vector<C>> phase[3];
  for (int k = 0; k < 3; ++k) {
    phase[k].assign(2 * nmax[k] + 1, std::vector<C>(n));
    for (Eigen::Index j = 0; j < n; ++j) {
      const double theta = g.row(k).dot(positions.row(j));
      const C e1(std::cos(theta), std::sin(theta));
      phase[k][nmax[k]][j] = 1.0;
      for (int m = 1; m <= nmax[k]; ++m) {
        phase[k][nmax[k] + m][j] = phase[k][nmax[k] + m - 1][j] * e1;
        phase[k][nmax[k] - m][j] = std::conj(phase[k][nmax[k] + m][j]);
      }
    }
  }

  double e_recip = 0.0;
  std::vector<C> eikr(n);
  const double kc2 = kc * kc;
  // Half space: k and −k give equal terms; keep n1 > 0, or n1 = 0 and n2 > 0,
  // or n1 = n2 = 0 and n3 > 0, and count twice.
  for (int n1 = 0; n1 <= nmax[0]; ++n1) {
    for (int n2 = (n1 == 0 ? 0 : -nmax[1]); n2 <= nmax[1]; ++n2) {
      for (int n3 = (n1 == 0 && n2 == 0 ? 1 : -nmax[2]); n3 <= nmax[2]; ++n3) {
        const Eigen::RowVector3d kv = n1 * g.row(0) + n2 * g.row(1) + n3 * g.row(2);
        const double k2 = kv.squaredNorm();
        if (k2 >= kc2) continue;
        const double w = std::exp(-k2 / (4.0 * a * a)) / k2;
        C s(0.0, 0.0);
        for (Eigen::Index j = 0; j < n; ++j) {
          eikr[j] = phase[0][nmax[0] + n1][j] * phase[1][nmax[1] + n2][j] * phase[2][nmax[2] + n3][j];
          s += charges(j) * eikr[j];
        }
        e_recip += w * std::norm(s);
        // F_j = (8π k_e q_j / V) Σ_half w k Im(e^{ik·r_j} S*)
        const double pref = 8.0 * pi * kCoulomb_eV_A / volume * w;
        for (Eigen::Index j = 0; j < n; ++j) {
          const double im = (eikr[j] * std::conj(s)).imag();
          forces.row(j) += (pref * charges(j) * im) * kv;
        }
      }
    }
  }
  e_recip *= 4.0 * pi * kCoulomb_eV_A / volume;

  const double q_total = charges.sum();
  const double e_self = -kCoulomb_eV_A * a / std::sqrt(pi) * charges.squaredNorm();
  const double e_background = -kCoulomb_eV_A * pi * q_total * q_total / (2.0 * volume * a * a);
  return e_recip + e_self + e_background;
}

double Ewald::energy_forces(const Structure& structure, const Eigen::VectorXd& charges,
                            Matrix3N& forces) const {
  if (!structure.periodic) throw InputError("ewald: the structure must be periodic");
  if (charges.size() != static_cast<Eigen::Index>(structure.size())) {
    throw InputError("ewald: one charge per atom is required");
  }
  forces = Matrix3N::Zero(structure.size(), 3);
  const NeighbourList list =
      build_neighbour_list(structure, m_parameters.real_cutoff, NeighbourListKind::Half);
  double energy = 0.0;
  for (std::size_t e = 0; e < list.size(); ++e) {
    const auto i = list.first[e], j = list.second[e];
    const Eigen::RowVector3d d = structure.positions.row(j) - structure.positions.row(i) +
                                 list.shifts[e].cast<double>().transpose() * structure.cell;
    const double r = d.norm();
    const double qq = charges(i) * charges(j);
    energy += real_energy(qq, r);
    const Eigen::RowVector3d f = real_dedr(qq, r) / r * d;  // force on j is −dE/dr r̂
    forces.row(i) += f;
    forces.row(j) -= f;
  }
  return energy + long_range(structure.positions, charges, structure.cell, forces);
}

}  // namespace hkmc::neb
