#pragma once
// Physical constants in the program's units: eV, Å, K, s, V/Å.
namespace hkmc::units {

inline constexpr double kBoltzmann_eV_per_K = 8.617333262e-5;  // CODATA 2018
inline constexpr double kAngstrom2_per_s_to_cm2_per_s = 1e-16;

}  // namespace hkmc::units
