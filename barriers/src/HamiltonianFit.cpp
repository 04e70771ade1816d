#include "hkmc/barriers/HamiltonianFit.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>

#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {

LinearFit fit_linear(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double tolerance) {
  const Eigen::Index rows = x.rows(), cols = x.cols();
  if (rows == 0) throw InputError("Hamiltonian fit: no samples");
  if (y.size() != rows)
    throw InputError(fmt::format("Hamiltonian fit: {} energies for {} samples", y.size(), rows));
  LinearFit out;
  out.kept.assign(static_cast<std::size_t>(cols), false);
  // Gram–Schmidt in column order (twice, for orthogonality to rounding): the
  // gauge keeps a column only if it adds a direction to the earlier ones.
  Eigen::MatrixXd q(rows, cols);
  int rank = 0;
  for (Eigen::Index c = 0; c < cols; ++c) {
    const double norm = x.col(c).norm();
    if (!(norm > 0.0)) continue;
    Eigen::VectorXd r = x.col(c) / norm;
    for (int pass = 0; pass < 2; ++pass)
      if (rank > 0) r -= q.leftCols(rank) * (q.leftCols(rank).transpose() * r);
    const double rest = r.norm();
    if (rest <= tolerance) continue;
    q.col(rank++) = r / rest;
    out.kept[static_cast<std::size_t>(c)] = true;
  }
  out.rank = rank;
  if (rows < rank + 1)
    throw InputError(fmt::format("Hamiltonian fit: {} samples for {} identifiable terms: need at least {} "
                                 "(one more than the terms, for the cross-validation)",
                                 rows, rank, rank + 1));
  Eigen::MatrixXd kept(rows, rank);
  for (Eigen::Index c = 0, k = 0; c < cols; ++c)
    if (out.kept[static_cast<std::size_t>(c)]) kept.col(k++) = x.col(c);
  const Eigen::VectorXd solution = kept.householderQr().solve(y);
  out.coefficients = Eigen::VectorXd::Zero(cols);
  for (Eigen::Index c = 0, k = 0; c < cols; ++c)
    if (out.kept[static_cast<std::size_t>(c)]) out.coefficients[c] = solution[k++];
  out.predicted = kept * solution;
  const Eigen::VectorXd residual = y - out.predicted;
  out.rms = std::sqrt(residual.squaredNorm() / static_cast<double>(rows));
  // Leverages h_ii = |row i of Q|², Q an orthonormal basis of the kept columns.
  out.loo_residual.resize(rows);
  double sum = 0.0;
  bool defined = true;
  for (Eigen::Index i = 0; i < rows; ++i) {
    const double h = q.row(i).head(rank).squaredNorm();
    if (1.0 - h < 1e-10) {
      out.loo_residual[i] = std::numeric_limits<double>::quiet_NaN();
      defined = false;
      continue;
    }
    out.loo_residual[i] = residual[i] / (1.0 - h);
    sum += out.loo_residual[i] * out.loo_residual[i];
  }
  out.cv_rms = defined ? std::sqrt(sum / static_cast<double>(rows)) : std::numeric_limits<double>::infinity();
  return out;
}

std::string term_name(const PointTerm& t) { return "point " + t.sublattice + " " + t.species; }

std::string term_name(const PairTerm& t) {
  return fmt::format("pair {}-{} shell {} {}-{}", t.sublattices[0], t.sublattices[1], t.shell, t.species[0],
                     t.species[1]);
}

std::string term_name(const TripletTerm& t) {
  return fmt::format("triplet {} shell {} {}-{}-{}", t.sublattice, t.shell, t.species[0], t.species[1],
                     t.species[2]);
}

HamiltonianFitResult fit_hamiltonian(const lattice::Supercell& supercell, const lattice::SpeciesTable& species,
                                     const HamiltonianTerms& candidates, const std::vector<FitSample>& samples) {
  const int n_sites = supercell.num_sites();
  for (const auto& s : samples)
    if (static_cast<int>(s.occupancy.size()) != n_sites)
      throw InputError(fmt::format("Hamiltonian fit: sample '{}' has {} sites, the supercell {}", s.label,
                                   s.occupancy.size(), n_sites));
  // One single-term Hamiltonian per candidate, coefficient 1: its energy is the cluster count.
  std::vector<HamiltonianTerms> unit;
  HamiltonianFitResult out;
  for (auto t : candidates.points) {
    t.energy_ev = 1.0;
    out.names.push_back(term_name(t));
    unit.push_back({{t}, {}, {}});
  }
  for (auto t : candidates.pairs) {
    t.j_ev = 1.0;
    out.names.push_back(term_name(t));
    unit.push_back({{}, {t}, {}});
  }
  for (auto t : candidates.triplets) {
    t.k_ev = 1.0;
    out.names.push_back(term_name(t));
    unit.push_back({{}, {}, {t}});
  }
  const auto rows = static_cast<Eigen::Index>(samples.size());
  out.correlations.resize(rows, static_cast<Eigen::Index>(unit.size()));
  std::vector<std::string> problems;
  for (std::size_t c = 0; c < unit.size(); ++c) {
    try {
      const LatticeHamiltonian h(supercell, species, unit[c], "candidate term '" + out.names[c] + "'");
      for (Eigen::Index i = 0; i < rows; ++i)
        out.correlations(i, static_cast<Eigen::Index>(c)) = h.energy(samples[i].occupancy);
    } catch (const InputError& e) {
      problems.insert(problems.end(), e.problems().begin(), e.problems().end());
    }
  }
  if (!problems.empty()) throw InputError(problems);
  Eigen::VectorXd y(rows);
  for (Eigen::Index i = 0; i < rows; ++i) y[i] = samples[i].energy_ev;
  out.fit = fit_linear(out.correlations, y);
  std::size_t c = 0;
  for (auto t : candidates.points) {
    if (out.fit.kept[c]) {
      t.energy_ev = out.fit.coefficients[static_cast<Eigen::Index>(c)];
      out.fitted.points.push_back(t);
    } else {
      out.dropped.push_back(out.names[c]);
    }
    ++c;
  }
  for (auto t : candidates.pairs) {
    if (out.fit.kept[c]) {
      t.j_ev = out.fit.coefficients[static_cast<Eigen::Index>(c)];
      out.fitted.pairs.push_back(t);
    } else {
      out.dropped.push_back(out.names[c]);
    }
    ++c;
  }
  for (auto t : candidates.triplets) {
    if (out.fit.kept[c]) {
      t.k_ev = out.fit.coefficients[static_cast<Eigen::Index>(c)];
      out.fitted.triplets.push_back(t);
    } else {
      out.dropped.push_back(out.names[c]);
    }
    ++c;
  }
  return out;
}

namespace {

std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

}  // namespace

std::string hamiltonian_toml(const HamiltonianTerms& terms, const std::string& description,
                             const std::vector<std::string>& comments) {
  std::string out;
  for (const auto& line : comments) out += line.empty() ? "#\n" : "# " + line + "\n";
  if (!comments.empty()) out += "\n";
  out += "description = " + quoted(description) + "\n";
  for (const auto& p : terms.points)
    out += fmt::format("\n[[point]]\nsublattice = {}\nspecies = {}\nenergy = {:.12g}\n", quoted(p.sublattice),
                       quoted(p.species), p.energy_ev);
  for (const auto& p : terms.pairs)
    out += fmt::format("\n[[pair]]\nsublattices = [{}, {}]\nshell = {}\nspecies = [{}, {}]\nJ = {:.12g}\n",
                       quoted(p.sublattices[0]), quoted(p.sublattices[1]), p.shell, quoted(p.species[0]),
                       quoted(p.species[1]), p.j_ev);
  for (const auto& p : terms.triplets)
    out += fmt::format("\n[[triplet]]\nsublattice = {}\nshell = {}\nspecies = [{}, {}, {}]\nK = {:.12g}\n",
                       quoted(p.sublattice), p.shell, quoted(p.species[0]), quoted(p.species[1]),
                       quoted(p.species[2]), p.k_ev);
  return out;
}

std::string parity_csv(const std::vector<FitSample>& samples, const LinearFit& fit) {
  if (static_cast<Eigen::Index>(samples.size()) != fit.predicted.size())
    throw InputError(fmt::format("parity table: {} samples, {} predictions", samples.size(), fit.predicted.size()));
  std::string out = "id,label,composition,defects,E_potential_eV,E_fit_eV,residual_meV,loo_residual_meV\n";
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const auto k = static_cast<Eigen::Index>(i);
    const auto& s = samples[i];
    const double loo = fit.loo_residual[k];
    out += fmt::format("{},{},{:.6f},{},{:.6f},{:.6f},{:.3f},{}\n", i, s.label, s.composition, s.defects,
                       s.energy_ev, fit.predicted[k], 1e3 * (s.energy_ev - fit.predicted[k]),
                       std::isfinite(loo) ? fmt::format("{:.3f}", 1e3 * loo) : std::string("nan"));
  }
  return out;
}

}  // namespace hkmc::barriers
