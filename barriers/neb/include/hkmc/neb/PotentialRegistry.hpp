#pragma once
// The one place that turns a potential name from an input into an object.
//   "buckingham_coulomb"  the C++ reference (BuckinghamCoulomb.hpp); `path` unused
//   "torchscript"         a TorchScript file (TorchPotential.hpp), convention
//                         chosen from its metadata
#include <memory>
#include <string>
#include <vector>

#include "hkmc/neb/Potential.hpp"
#include "hkmc/neb/TorchPotential.hpp"

namespace hkmc::neb {

struct PotentialSpec {
  std::string kind = "buckingham_coulomb";
  std::string path;  // model file for "torchscript"
  TorchOptions torch;
};

std::vector<std::string> potential_kinds();

// Throws InputError for an unknown kind (listing the valid ones) or a bad file.
std::unique_ptr<Potential> make_potential(const PotentialSpec& spec);

}  // namespace hkmc::neb
