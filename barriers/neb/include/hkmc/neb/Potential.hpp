#pragma once
// The interface every interatomic potential implements: the C++ reference
// Buckingham–Coulomb potential and the TorchScript (NN) adapters alike.
#include <string>
#include <vector>

#include "hkmc/neb/Structure.hpp"

namespace hkmc::neb {

struct EnergyForces {
  double energy = 0.0;  // total potential energy, eV
  Matrix3N forces;      // N×3, −∂E/∂r, eV/Å
};

class Potential {
 public:
  virtual ~Potential() = default;

  // Energy and forces of one structure. Must be thread-safe for concurrent
  // calls on one instance (NEB providers evaluate cache misses in parallel).
  // Throws InputError for a species the potential does not know or a cell too
  // small for it, RuntimeError for a non-finite result.
  virtual EnergyForces compute(const Structure& structure) const = 0;

  // Several structures, e.g. the NEB images; results in input order. The
  // default evaluates one at a time; TorchScript adapters override it to make
  // one model call on disjoint graphs.
  virtual std::vector<EnergyForces> compute_batch(const std::vector<Structure>& structures) const;

  // Interaction range, Å (neighbour-list cutoff; Ewald reciprocal sums extend
  // beyond it).
  virtual double cutoff() const = 0;
  // Element symbols the potential knows.
  virtual std::vector<std::string> species() const = 0;
  // One line: what this is and where it came from (for logs and provenance).
  virtual std::string description() const = 0;
};

// Throws RuntimeError naming `who` if the energy or any force is not finite.
void check_finite(const EnergyForces& result, const std::string& who);

}  // namespace hkmc::neb
