#pragma once
// Counter-based random numbers (Philox4x32-10, Salmon et al., SC'11, via
// Random123). A stream's numbers are a pure function of (seed, stream,
// replica, counter), so a trajectory never depends on thread scheduling.
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

namespace hkmc {

// Every named stream the program draws from. Add new streams at the end, so
// that existing seeds keep giving the same numbers.
enum class RandomStream : std::uint32_t {
  kInitialConfiguration = 1,  // placing species and defects
  kKmcEvents = 2,             // event selection and waiting times
  kMetropolis = 3,            // equilibrium Monte Carlo
  kSectorKmcEvents = 4,       // sector-parallel KMC: events of one sector in one sub-cycle, and the sub-sector order
};

class RandomGenerator {
 public:
  RandomGenerator(std::uint64_t seed, RandomStream stream, std::uint32_t replica)
      : m_key{{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)}},
        m_replica(replica),
        m_stream(static_cast<std::uint32_t>(stream)) {}

  // Uniform double in the open interval (0, 1): safe for -log(u).
  double uniform_open() { return (static_cast<double>(next_u64() >> 11) + 0.5) * 0x1.0p-53; }

  // Uniform integer in [0, n) without modulo bias (Lemire's method).
  std::uint64_t below(std::uint64_t n) {
    while (true) {
      const std::uint64_t x = next_u64();
      const unsigned __int128 m = static_cast<unsigned __int128>(x) * n;
      const std::uint64_t low = static_cast<std::uint64_t>(m);
      if (low >= n || low >= (-n) % n) return static_cast<std::uint64_t>(m >> 64);
    }
  }

  std::uint64_t next_u64() {
    if (m_buffered == 0) refill();
    --m_buffered;
    return m_buffer[m_buffered];
  }

  // Position in the stream, for checkpoints: restoring it resumes the stream exactly.
  std::uint64_t counter() const { return m_counter; }
  int buffered() const { return m_buffered; }
  void restore(std::uint64_t counter, int buffered) {
    m_counter = counter;
    m_buffered = 0;
    if (buffered > 0) {
      --m_counter;
      refill();
      m_buffered = buffered;
    }
  }

 private:
  void refill() {
    using Philox = r123::Philox4x32;
    Philox::ctr_type ctr{{static_cast<std::uint32_t>(m_counter),
                          static_cast<std::uint32_t>(m_counter >> 32), m_replica, m_stream}};
    const Philox::ctr_type out = Philox()(ctr, m_key);
    ++m_counter;
    m_buffer[1] = (static_cast<std::uint64_t>(out[0]) << 32) | out[1];
    m_buffer[0] = (static_cast<std::uint64_t>(out[2]) << 32) | out[3];
    m_buffered = 2;
  }

  r123::Philox4x32::key_type m_key;
  std::uint32_t m_replica;
  std::uint32_t m_stream;
  std::uint64_t m_counter = 0;
  std::uint64_t m_buffer[2] = {0, 0};
  int m_buffered = 0;
};

}  // namespace hkmc
