#pragma once
// Least-squares fit of the lattice Hamiltonian (LatticeHamiltonian.hpp) to
// energies of configurations, e.g. relaxed energies from an NN potential.
//
// The Hamiltonian is linear in its coefficients: E(σ) = Σ_t c_t Π_t(σ), where
// Π_t(σ) is the number of clusters of term t in configuration σ (sites for a
// point term, pairs for a pair term, triangles for a triplet term). Π_t is
// computed by the LatticeHamiltonian itself with c_t = 1 and every other
// coefficient 0, so the fit and the runs count clusters in exactly the same
// way.
//
// Gauge. Cluster counts are linearly dependent: on a sublattice with a fixed
// number of sites the point counts sum to a constant, and pair counts obey
// 2 N_aa + Σ_{b≠a} N_ab = z_k n_a in each shell. A term whose column of Π is
// a linear combination of the columns before it (in the order given: points,
// then pairs, then triplets, each in input order) cannot be told apart from
// those terms by any energy and is fixed at 0 ("not identifiable"); the
// others are fitted. The test is a Gram–Schmidt residual
// |Π_t − P Π_t| <= tolerance |Π_t| with P the projector on the kept columns.
// With the kept columns of full rank the least-squares problem is solved by
// Householder QR; no ridge term is needed.
//
// Cross-validation: leave-one-out residuals from the hat matrix,
// e_i / (1 − h_ii), exact for linear least squares (the refit without sample
// i, with the same kept terms); CV = sqrt(mean of their squares). A sample
// with h_ii = 1 alone determines a coefficient: its LOO residual is NaN and
// the CV score +inf.
#include <Eigen/Core>
#include <string>
#include <vector>

#include "hkmc/barriers/LatticeHamiltonian.hpp"
#include "hkmc/lattice/Species.hpp"
#include "hkmc/lattice/Supercell.hpp"

namespace hkmc::barriers {

// Least squares on a design matrix, with the gauge and LOO CV above.
struct LinearFit {
  Eigen::VectorXd coefficients;  // one per column; 0 for dropped columns
  std::vector<bool> kept;        // column fitted (true) or dropped as dependent (false)
  int rank = 0;                  // number of kept columns
  Eigen::VectorXd predicted;     // X c, one per row
  Eigen::VectorXd loo_residual;  // y_i − prediction of the fit without row i; NaN where h_ii = 1
  double rms = 0.0;              // sqrt(mean (y − X c)²), units of y
  double cv_rms = 0.0;           // sqrt(mean loo_residual²); +inf if any is NaN
};

// x: rows × columns design matrix; y: rows. Throws InputError if there are
// no rows, the shapes disagree, or fewer rows than kept columns + 1 (no CV).
LinearFit fit_linear(const Eigen::MatrixXd& x, const Eigen::VectorXd& y, double tolerance = 1e-9);

struct FitSample {
  std::string label;                         // e.g. "x0.250_s03_vac"
  std::vector<lattice::Occupant> occupancy;  // one per supercell site (lattice order)
  double energy_ev = 0.0;                    // energy of the whole supercell, eV
  // For the parity table only:
  double composition = 0.0;  // e.g. Br fraction of the halides
  std::string defects;       // e.g. "none", "V_X", "Br_i"
};

struct HamiltonianFitResult {
  std::vector<std::string> names;  // every candidate term, in column order
  Eigen::MatrixXd correlations;    // samples × candidates: Π_t(σ)
  LinearFit fit;                   // coefficients in eV per cluster
  HamiltonianTerms fitted;         // the kept terms with their fitted values (eV)
  std::vector<std::string> dropped;  // names of the terms fixed at 0
};

// Column order: candidates.points, then .pairs, then .triplets (their values
// are ignored). Throws InputError for terms the lattice does not accept
// (LatticeHamiltonian's messages, e.g. a supercell too small for a shell) and
// occupancies of the wrong length.
HamiltonianFitResult fit_hamiltonian(const lattice::Supercell& supercell, const lattice::SpeciesTable& species,
                                     const HamiltonianTerms& candidates, const std::vector<FitSample>& samples);

// "point X Br", "pair X-X shell 1 I-Br", "triplet X shell 1 I-Br-Br".
std::string term_name(const PointTerm& t);
std::string term_name(const PairTerm& t);
std::string term_name(const TripletTerm& t);

// The Hamiltonian in the file format of docs/hamiltonian.md, with each line of
// `comments` as a leading "# " comment. Values are written with 12 significant
// digits (well below any fitting error).
std::string hamiltonian_toml(const HamiltonianTerms& terms, const std::string& description,
                             const std::vector<std::string>& comments);

// The parity table as CSV: id, label, composition, defects, E_potential_eV,
// E_fit_eV, residual_meV (potential − fit), loo_residual_meV.
std::string parity_csv(const std::vector<FitSample>& samples, const LinearFit& fit);

}  // namespace hkmc::barriers
