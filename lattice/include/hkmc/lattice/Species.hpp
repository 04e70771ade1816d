#pragma once
// Species codes stored in the occupancy array (one byte a site; 0 = empty).
// For the perovskite prototypes the halides have fixed codes (I=1, Br=2,
// Cl=3, F=4) so environment keys mean the same in every run; other names
// (fcc, custom) get codes in alphabetical order after them.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hkmc::lattice {

using Occupant = std::uint8_t;
inline constexpr Occupant kEmpty = 0;

class SpeciesTable {
 public:
  SpeciesTable() = default;
  // `names`: the species the run uses. Halides always get their fixed codes.
  explicit SpeciesTable(const std::vector<std::string>& names);

  int size() const { return static_cast<int>(m_names.size()); }  // excluding "empty"
  // Code of a name; throws InputError listing the known names.
  Occupant code(std::string_view name) const;
  bool contains(std::string_view name) const;
  // Name of a code; code 0 is "empty".
  const std::string& name(Occupant code) const;
  // All codes in use (1..size()).
  std::vector<Occupant> codes() const;

 private:
  std::vector<std::string> m_names;  // index = code - 1
};

const std::vector<std::string>& halide_names();

}  // namespace hkmc::lattice
