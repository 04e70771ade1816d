#pragma once
// Barrier-uncertainty propagation: another provider's E_KRA plus a fixed
// random offset per canonical environment key, drawn from N(0, σ²) by a hash
// of the key and a seed. Runs with several seeds show how far the results
// (D, permeabilities, ...) move when every keyed barrier is off by about σ —
// e.g. σ = 0.064 eV, the measured spread of a cached NEB barrier over the
// arrangements outside its key (docs/barrier_cache.md).
//
// A hop and its reverse share their canonical key, so they get the same
// offset: E_KRA stays symmetric and detailed balance holds for every seed.
#include <cstdint>
#include <memory>

#include "hkmc/barriers/BarrierProvider.hpp"

namespace hkmc::barriers {

// The offset's standard normal factor for a key and seed: a pure function of
// (seed, class, moving species, occupancy) — integer hashing, then log and
// cos (Box–Muller), so machines agree up to their libm's last bit.
double standard_normal_of_key(const lattice::EnvironmentKey& key, std::uint64_t seed);

class PerturbedProvider final : public BarrierProvider {
 public:
  PerturbedProvider(std::unique_ptr<BarrierProvider> inner, double sigma_ev, std::uint64_t seed);
  std::string name() const override;
  // The environment and its canonical key, whatever the inner provider needs
  // (the offset is keyed by it).
  ProviderNeeds needs() const override;
  double e_kra(const HopContext& hop) const override;
  void check(const lattice::HopCatalog& catalog) const override { m_inner->check(catalog); }
  void attach(const lattice::HopCatalog& catalog) override { m_inner->attach(catalog); }
  bool on_demand() const override { return m_inner->on_demand(); }
  bool computes_missing() const override { return m_inner->computes_missing(); }
  std::optional<double> find(const HopContext& hop) const override;
  void prepare(std::span<const lattice::EnvironmentKey> keys) const override { m_inner->prepare(keys); }
  ProviderStatistics statistics() const override { return m_inner->statistics(); }
  void save() const override { m_inner->save(); }

  double offset_ev(const lattice::EnvironmentKey& key) const { return m_sigma_ev * standard_normal_of_key(key, m_seed); }

 private:
  std::unique_ptr<BarrierProvider> m_inner;
  double m_sigma_ev;
  std::uint64_t m_seed;
};

}  // namespace hkmc::barriers
