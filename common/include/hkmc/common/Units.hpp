#pragma once
// Physical constants in the program's units: eV, Å, K, s, V/Å.
namespace hkmc::units {

inline constexpr double kBoltzmann_eV_per_K = 8.617333262e-5;  // CODATA 2018
inline constexpr double kAngstrom2_per_s_to_cm2_per_s = 1e-16;
inline constexpr double kElementaryCharge_C = 1.602176634e-19;  // exact (SI 2019)
inline constexpr double kAngstrom_to_cm = 1e-8;
inline constexpr double kAngstrom3_to_cm3 = 1e-24;
inline constexpr double kV_per_angstrom_to_V_per_cm = 1e8;

}  // namespace hkmc::units
