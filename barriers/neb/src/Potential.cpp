#include "hkmc/neb/Potential.hpp"

#include <cmath>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {

std::vector<EnergyForces> Potential::compute_batch(const std::vector<Structure>& structures) const {
  std::vector<EnergyForces> out;
  out.reserve(structures.size());
  for (const auto& s : structures) out.push_back(compute(s));
  return out;
}

void check_finite(const EnergyForces& result, const std::string& who) {
  if (!std::isfinite(result.energy)) {
    throw RuntimeError(who + ": energy is not finite (" + std::to_string(result.energy) +
                       " eV); atoms may have collapsed or the model is broken");
  }
  if (!result.forces.allFinite()) {
    throw RuntimeError(who + ": a force component is NaN or infinite");
  }
}

}  // namespace hkmc::neb
