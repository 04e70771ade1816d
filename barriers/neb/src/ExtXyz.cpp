#include "hkmc/neb/ExtXyz.hpp"

#include <fmt/format.h>
#include <fmt/ostream.h>
#include <fstream>

#include "hkmc/common/Error.hpp"

namespace hkmc::neb {

void write_extxyz_frame(std::ostream& out, const Structure& s, const EnergyForces* result,
                        const std::string& comment) {
  fmt::print(out, "{}\n", s.size());
  std::string header;
  if (s.periodic) {
    header += "Lattice=\"";
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) header += fmt::format("{}{:.10f}", (r || c) ? " " : "", s.cell(r, c));
    }
    header += "\" pbc=\"T T T\" ";
  } else {
    header += "pbc=\"F F F\" ";
  }
  header += result ? "Properties=species:S:1:pos:R:3:forces:R:3" : "Properties=species:S:1:pos:R:3";
  if (result) header += fmt::format(" energy={:.10f}", result->energy);
  if (!comment.empty()) header += " comment=\"" + comment + "\"";
  fmt::print(out, "{}\n", header);
  for (std::size_t i = 0; i < s.size(); ++i) {
    fmt::print(out, "{:<3s} {:16.10f} {:16.10f} {:16.10f}", s.symbols[i], s.positions(i, 0),
               s.positions(i, 1), s.positions(i, 2));
    if (result) {
      fmt::print(out, " {:16.10f} {:16.10f} {:16.10f}", result->forces(i, 0), result->forces(i, 1),
                 result->forces(i, 2));
    }
    fmt::print(out, "\n");
  }
}

void write_extxyz(const std::string& path, const std::vector<Structure>& structures,
                  const std::vector<EnergyForces>& results) {
  std::ofstream out(path);
  if (!out) throw RuntimeError(fmt::format("extxyz: cannot open '{}' for writing", path));
  for (std::size_t k = 0; k < structures.size(); ++k) {
    write_extxyz_frame(out, structures[k], results.empty() ? nullptr : &results[k]);
  }
  if (!out) throw RuntimeError(fmt::format("extxyz: writing '{}' failed", path));
}

}  // namespace hkmc::neb
