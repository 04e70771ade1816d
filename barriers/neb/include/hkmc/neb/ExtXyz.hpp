#pragma once
// Extended XYZ output (the format ASE and OVITO read): one frame per
// structure, with Lattice, pbc, energy (eV) and per-atom forces (eV/Å).
#include <iosfwd>
#include <string>
#include <vector>

#include "hkmc/neb/Potential.hpp"

namespace hkmc::neb {

// Appends one frame. `result` may be null (positions only).
void write_extxyz_frame(std::ostream& out, const Structure& structure,
                        const EnergyForces* result = nullptr, const std::string& comment = "");

// Writes all frames to `path`; `results` is empty or one per structure.
// Throws RuntimeError if the file cannot be written.
void write_extxyz(const std::string& path, const std::vector<Structure>& structures,
                  const std::vector<EnergyForces>& results = {});

}  // namespace hkmc::neb
