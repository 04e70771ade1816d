#pragma once
// Relative comparison for rates and probabilities, which doctest::Approx gets
// wrong near its absolute floor (and at exactly zero).
#include <algorithm>
#include <cmath>

namespace hkmc::test {

inline bool close_rel(double a, double b, double rel) {
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b));
}

}  // namespace hkmc::test
