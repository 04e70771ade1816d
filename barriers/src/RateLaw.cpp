#include "hkmc/barriers/RateLaw.hpp"

#include <cmath>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Units.hpp"

namespace hkmc::barriers {

RateLaw::RateLaw(double attempt_frequency_hz, double temperature_k)
    : m_nu(attempt_frequency_hz), m_temperature(temperature_k) {
  if (!(attempt_frequency_hz > 0) || !std::isfinite(attempt_frequency_hz))
    throw InputError("attempt frequency must be a finite number > 0 Hz");
  if (!(temperature_k > 0) || !std::isfinite(temperature_k))
    throw InputError("temperature must be a finite number > 0 K");
  m_beta = 1.0 / (units::kBoltzmann_eV_per_K * temperature_k);
}

}  // namespace hkmc::barriers
