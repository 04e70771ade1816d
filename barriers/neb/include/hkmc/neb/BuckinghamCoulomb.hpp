#pragma once
// Buckingham + Coulomb pair potential, the exact reference implementation:
//
//   E = Σ_{i<j} [A_ij exp(−r/ρ_ij) − C_ij / r⁶]_{r < r_buck}  +  E_Ewald(q)
//
// The Buckingham part is truncated (not shifted) at r_buck = 12 Å, as in the
// GULP library the parameters come from; the Coulomb part is a full Ewald sum
// with a neutralising background, so charged defect cells are well defined
// (see Ewald.hpp). The TorchScript twin written by
// tools/potentials/make_reference_potential.py implements the same formula
// and must agree to 1e-8 relative (tests/neb/test_torch_reference.cpp).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hkmc/neb/Ewald.hpp"
#include "hkmc/neb/Potential.hpp"

namespace hkmc::neb {

struct BuckinghamPair {
  double a = 0.0;    // A, eV
  double rho = 1.0;  // ρ, Å
  double c = 0.0;    // C, eV·Å⁶
};

struct BuckinghamCoulombParameters {
  std::map<std::string, double> charges;  // element → charge, e
  // Unordered pairs, key (min(name), max(name)); a missing pair has no
  // Buckingham term (Coulomb only).
  std::map<std::pair<std::string, std::string>, BuckinghamPair> pairs;
  double buckingham_cutoff = 12.0;    // Å
  double ewald_real_cutoff = 12.0;    // Å
  double ewald_accuracy = 1e-8;       // ε of EwaldParameters::from_accuracy
  // Closest approach allowed, Å: below it the Buckingham terms approach their
  // r → 0 catastrophe (turnover at 1.0–1.35 Å for this set), so a structure
  // with a pair closer than this is refused rather than evaluated.
  double min_distance = 1.5;

  // "A Buckingham–Coulomb set from the FLAMA fitting library (initial set)"
  // for CsPbX3, X = I, Br (shared/data/reference_potential.md). No Cl.
  static BuckinghamCoulombParameters cspbx3_flama_initial();

  const BuckinghamPair* pair(const std::string& a, const std::string& b) const;
};

class BuckinghamCoulomb final : public Potential {
 public:
  explicit BuckinghamCoulomb(BuckinghamCoulombParameters parameters);

  EnergyForces compute(const Structure& structure) const override;
  double cutoff() const override;
  std::vector<std::string> species() const override;
  std::string description() const override;

  const BuckinghamCoulombParameters& parameters() const { return m_parameters; }
  // Ewald parameters actually used (α, r_c, k_c).
  const EwaldParameters& ewald_parameters() const { return m_ewald.parameters(); }

 private:
  BuckinghamCoulombParameters m_parameters;
  Ewald m_ewald;
};

}  // namespace hkmc::neb
