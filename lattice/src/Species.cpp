#include "hkmc/lattice/Species.hpp"

#include <algorithm>

#include "hkmc/common/Error.hpp"

namespace hkmc::lattice {

const std::vector<std::string>& halide_names() {
  static const std::vector<std::string> names{"I", "Br", "Cl", "F"};
  return names;
}

SpeciesTable::SpeciesTable(const std::vector<std::string>& names) {
  m_names = halide_names();
  std::vector<std::string> others;
  for (const auto& n : names) {
    if (std::find(m_names.begin(), m_names.end(), n) == m_names.end() &&
        std::find(others.begin(), others.end(), n) == others.end()) {
      others.push_back(n);
    }
  }
  std::sort(others.begin(), others.end());
  m_names.insert(m_names.end(), others.begin(), others.end());
  if (m_names.size() > 250) throw InputError("too many species (at most 250)");
}

bool SpeciesTable::contains(std::string_view name) const {
  return std::find(m_names.begin(), m_names.end(), name) != m_names.end();
}

Occupant SpeciesTable::code(std::string_view name) const {
  const auto it = std::find(m_names.begin(), m_names.end(), name);
  if (it == m_names.end()) {
    std::string known;
    for (const auto& n : m_names) known += (known.empty() ? "" : ", ") + n;
    throw InputError("unknown species '" + std::string(name) + "'; known: " + known);
  }
  return static_cast<Occupant>(1 + (it - m_names.begin()));
}

const std::string& SpeciesTable::name(Occupant code) const {
  static const std::string empty = "empty";
  if (code == kEmpty || code > m_names.size()) return empty;
  return m_names[code - 1];
}

std::vector<Occupant> SpeciesTable::codes() const {
  std::vector<Occupant> out;
  for (int i = 0; i < size(); ++i) out.push_back(static_cast<Occupant>(i + 1));
  return out;
}

}  // namespace hkmc::lattice
