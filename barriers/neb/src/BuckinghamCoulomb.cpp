#include "hkmc/neb/BuckinghamCoulomb.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/NeighbourList.hpp"

namespace hkmc::neb {

BuckinghamCoulombParameters BuckinghamCoulombParameters::cspbx3_flama_initial() {
  BuckinghamCoulombParameters p;
  p.charges = {{"Cs", 1.05200}, {"Pb", 0.91990}, {"I", -0.65730}, {"Br", -0.65730}};
  auto set = [&p](std::string a, std::string b, double A, double rho, double C) {
    if (b < a) std::swap(a, b);
    p.pairs[{a, b}] = BuckinghamPair{A, rho, C};
  };
  set("Pb", "Pb", 0.0, 0.250000, 1024.359);
  set("Cs", "Pb", 8753.5043, 0.418713, 1.1082039);
  set("Cs", "Cs", 7511.9269, 0.043775, 227.77208);
  set("I", "Pb", 8955.2901, 0.303895, 267.49087);
  set("I", "I", 62088.839, 0.275171, 1022.4065);
  set("I", "Cs", 40322.272, 0.330972, 0.0);
  set("Br", "Pb", 6446.9831, 0.300951, 330.91084);
  set("Br", "Br", 370703.45, 0.241959, 277.92647);
  set("Br", "Cs", 9345.4968, 0.333138, 117.4985);
  set("Br", "I", 151712.05, 0.266294, 918.44378);
  return p;
}

const BuckinghamPair* BuckinghamCoulombParameters::pair(const std::string& a,
                                                        const std::string& b) const {
  auto it = a < b ? pairs.find({a, b}) : pairs.find({b, a});
  return it == pairs.end() ? nullptr : &it->second;
}

BuckinghamCoulomb::BuckinghamCoulomb(BuckinghamCoulombParameters parameters)
    : m_parameters(std::move(parameters)),
      m_ewald(EwaldParameters::from_accuracy(m_parameters.ewald_real_cutoff,
                                             m_parameters.ewald_accuracy)) {
  if (!(m_parameters.buckingham_cutoff > 0.0)) {
    throw InputError(fmt::format("buckingham_coulomb: buckingham_cutoff = {}: must be > 0 Å",
                                 m_parameters.buckingham_cutoff));
  }
  for (const auto& [key, bp] : m_parameters.pairs) {
    if (!m_parameters.charges.contains(key.first) || !m_parameters.charges.contains(key.second)) {
      throw InputError(fmt::format("buckingham_coulomb: pair {}-{} names a species without a charge",
                                   key.first, key.second));
    }
    if (!(bp.rho > 0.0)) {
      throw InputError(fmt::format("buckingham_coulomb: pair {}-{} rho = {}: must be > 0 Å",
                                   key.first, key.second, bp.rho));
    }
  }
}

double BuckinghamCoulomb::cutoff() const {
  return std::max(m_parameters.buckingham_cutoff, m_parameters.ewald_real_cutoff);
}

std::vector<std::string> BuckinghamCoulomb::species() const {
  std::vector<std::string> out;
  for (const auto& [name, q] : m_parameters.charges) out.push_back(name);
  return out;
}

std::string BuckinghamCoulomb::description() const {
  const auto& e = m_ewald.parameters();
  return fmt::format(
      "Buckingham-Coulomb (C++ reference), Buckingham cutoff {} A, Ewald alpha {:.6f} 1/A, "
      "r_c {} A, k_c {:.6f} 1/A",
      m_parameters.buckingham_cutoff, e.alpha, e.real_cutoff, e.k_cutoff);
}

EnergyForces BuckinghamCoulomb::compute(const Structure& structure) const {
  structure.validate();
  if (!structure.periodic) {
    throw InputError("buckingham_coulomb: needs a periodic cell (Ewald summation)");
  }
  const std::size_t n = structure.size();
  // Species → dense index, so the pair loop looks up a table, not a map.
  std::vector<std::string> names = species();
  std::vector<int> type(n);
  Eigen::VectorXd q(n);
  for (std::size_t i = 0; i < n; ++i) {
    auto it = std::find(names.begin(), names.end(), structure.symbols[i]);
    if (it == names.end()) {
      throw InputError(fmt::format("buckingham_coulomb: atom {} has species '{}', which this "
                                   "potential does not know (known: {})",
                                   i, structure.symbols[i], fmt::join(names, ", ")));
    }
    type[i] = static_cast<int>(it - names.begin());
    q(i) = m_parameters.charges.at(structure.symbols[i]);
  }
  const std::size_t nt = names.size();
  std::vector<BuckinghamPair> table(nt * nt);
  std::vector<char> has(nt * nt, 0);
  for (std::size_t a = 0; a < nt; ++a) {
    for (std::size_t b = 0; b < nt; ++b) {
      if (const auto* bp = m_parameters.pair(names[a], names[b])) {
        table[a * nt + b] = *bp;
        has[a * nt + b] = 1;
      }
    }
  }

  EnergyForces out;
  out.forces = Matrix3N::Zero(n, 3);
  const NeighbourList list = build_neighbour_list(structure, cutoff(), NeighbourListKind::Half);
  const double rb = m_parameters.buckingham_cutoff;
  double energy = 0.0;
  for (std::size_t e = 0; e < list.size(); ++e) {
    const auto i = list.first[e], j = list.second[e];
    const Eigen::RowVector3d d = structure.positions.row(j) - structure.positions.row(i) +
                                 list.shifts[e].cast<double>().transpose() * structure.cell;
    const double r = d.norm();
    if (r < m_parameters.min_distance) {
      throw RuntimeError(fmt::format(
          "buckingham_coulomb: atoms {} ({}) and {} ({}) are {:.3f} A apart, closer than "
          "min_distance = {} A where the Buckingham terms become unphysical",
          i, structure.symbols[i], j, structure.symbols[j], r, m_parameters.min_distance));
    }
    double dedr = 0.0;
    const std::size_t t = type[i] * nt + type[j];
    if (has[t] && r < rb) {
      const auto& bp = table[t];
      const double ex = bp.a * std::exp(-r / bp.rho);
      const double r6 = std::pow(r, 6);
      energy += ex - bp.c / r6;
      dedr += -ex / bp.rho + 6.0 * bp.c / (r6 * r);
    }
    const double qq = q(i) * q(j);
    energy += m_ewald.real_energy(qq, r);
    dedr += m_ewald.real_dedr(qq, r);
    const Eigen::RowVector3d f = dedr / r * d;
    out.forces.row(i) += f;
    out.forces.row(j) -= f;
  }
  energy += m_ewald.long_range(structure.positions, q, structure.cell, out.forces);
  out.energy = energy;
  check_finite(out, "buckingham_coulomb");
  return out;
}

}  // namespace hkmc::neb
