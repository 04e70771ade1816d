// Fuzz target: the TOML input reader (read_input_string) and, for inputs it
// accepts with a small supercell, the cross-checks of building the run
// (Simulation). Anything but hkmc::Error is a finding.
#include <cstdint>
#include <string_view>

#include "hkmc/common/Error.hpp"
#include "hkmc/input/InputReader.hpp"
#include "hkmc/kmc/Simulation.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    auto spec = hkmc::input::read_input_string(text, "fuzz.toml", {}, "/nonexistent");
    const auto& n = spec.lattice.supercell;
    // Large lattices are correct to build but too slow for fuzzing.
    if (static_cast<double>(n[0]) * n[1] * n[2] <= 512 && spec.kmc.replicas <= 4) hkmc::kmc::Simulation sim(std::move(spec));
  } catch (const hkmc::Error&) {
  }
  return 0;
}
