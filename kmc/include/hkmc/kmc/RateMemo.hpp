#pragma once
// Rates by activation energy, remembered. With a lattice Hamiltonian E_a =
// E_KRA + ΔE/2 takes few distinct values (ΔE sums a few J times small counts),
// so most recomputed rates repeat one seen shortly before; a hit costs a hash
// and a compare instead of std::exp. Every stored value is RateLaw::rate_at's
// for exactly that E_a, so rates have the same bits with or without the memo.
// Not thread safe: one per engine.
#include <bit>
#include <cstdint>
#include <vector>

#include "hkmc/barriers/RateLaw.hpp"

namespace hkmc::kmc {

class RateMemo {
 public:
  // Every slot starts as a true entry (E_a = 0), so no "empty" mark is needed.
  explicit RateMemo(const barriers::RateLaw& law)
      : m_law(&law), m_slots(std::size_t{1} << kBits, Slot{std::bit_cast<std::uint64_t>(0.0), law.rate_at(0.0)}) {}
  double rate_at(double e_a_ev) {
    const auto bits = std::bit_cast<std::uint64_t>(e_a_ev);
    Slot& slot = m_slots[slot_of(e_a_ev)];
    if (slot.bits != bits) {
      ++m_misses;
      slot = Slot{bits, m_law->rate_at(e_a_ev)};
    }
    return slot.rate_hz;
  }
  std::int64_t misses() const { return m_misses; }
  // Where E_a is kept (Fibonacci hashing of its bits); public for the tests.
  static std::size_t slot_of(double e_a_ev) {
    return (std::bit_cast<std::uint64_t>(e_a_ev) * 0x9E3779B97F4A7C15ull) >> (64 - kBits);
  }

 private:
  static constexpr int kBits = 11;  // 2,048 slots of 16 B: the size of L1
  struct Slot {
    std::uint64_t bits;
    double rate_hz;
  };
  const barriers::RateLaw* m_law;
  std::vector<Slot> m_slots;
  std::int64_t m_misses = 0;
};

}  // namespace hkmc::kmc
