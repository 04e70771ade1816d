#include "hkmc/neb/PotentialRegistry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/BuckinghamCoulomb.hpp"

namespace hkmc::neb {

std::vector<std::string> potential_kinds() { return {"buckingham_coulomb", "torchscript"}; }

std::unique_ptr<Potential> make_potential(const PotentialSpec& spec) {
  if (spec.kind == "buckingham_coulomb") {
    return std::make_unique<BuckinghamCoulomb>(BuckinghamCoulombParameters::cspbx3_flama_initial());
  }
  if (spec.kind == "torchscript") {
    if (spec.path.empty()) throw InputError("potential: kind 'torchscript' needs a model path");
    return TorchPotential::load(spec.path, spec.torch);
  }
  throw InputError(fmt::format("potential: kind = '{}': unknown; valid kinds: {}", spec.kind,
                               fmt::join(potential_kinds(), ", ")));
}

}  // namespace hkmc::neb
