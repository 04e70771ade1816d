#include "hkmc/barriers/PerturbedProvider.hpp"

#include <fmt/format.h>

#include <cmath>
#include <numbers>

#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {
namespace {

// splitmix64's finaliser: a bijective 64-bit mix.
std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in (0, 1): 53 bits, never 0.
double open_unit(std::uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1.0p-53; }

const lattice::EnvironmentKey& require_key(const HopContext& hop) {
  if (!hop.key) throw RuntimeError("barrier perturbation: the hop came without its canonical key (internal error)");
  return *hop.key;
}

}  // namespace

double standard_normal_of_key(const lattice::EnvironmentKey& key, std::uint64_t seed) {
  // FNV-1a over the key's fields, then mixed with the seed twice for two
  // independent uniforms (Box–Muller).
  std::uint64_t h = 0xCBF29CE484222325ull;
  auto add = [&h](std::uint64_t byte) { h = (h ^ (byte & 0xFF)) * 0x100000001B3ull; };
  for (int k = 0; k < 4; ++k) add(static_cast<std::uint64_t>(key.hop_class) >> (8 * k));
  add(key.moving_species);
  for (const char c : key.occupancy) add(static_cast<unsigned char>(c));
  const std::uint64_t a = mix(h ^ mix(seed)), b = mix(a ^ 0x9E3779B97F4A7C15ull);
  return std::sqrt(-2.0 * std::log(open_unit(a))) * std::cos(2.0 * std::numbers::pi * open_unit(b));
}

PerturbedProvider::PerturbedProvider(std::unique_ptr<BarrierProvider> inner, double sigma_ev, std::uint64_t seed)
    : m_inner(std::move(inner)), m_sigma_ev(sigma_ev), m_seed(seed) {
  if (!(sigma_ev >= 0.0) || !std::isfinite(sigma_ev))
    throw InputError(fmt::format("[barriers] perturbation_sigma = {}: must be a finite number >= 0 eV", sigma_ev));
}

std::string PerturbedProvider::name() const {
  return fmt::format("{} (E_KRA perturbed: sigma {} eV, seed {})", m_inner->name(), m_sigma_ev, m_seed);
}

ProviderNeeds PerturbedProvider::needs() const { return {true, true}; }

double PerturbedProvider::e_kra(const HopContext& hop) const {
  return m_inner->e_kra(hop) + offset_ev(require_key(hop));
}

std::optional<double> PerturbedProvider::find(const HopContext& hop) const {
  auto e = m_inner->find(hop);
  if (e) *e += offset_ev(require_key(hop));
  return e;
}

}  // namespace hkmc::barriers
