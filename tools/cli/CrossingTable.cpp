#include "CrossingTable.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace hkmc::cli {
namespace {

std::string cell(const kmc::RunFileMatrix& m, std::size_t row, std::size_t column, std::size_t columns) {
  const std::size_t i = row * columns + column;
  if (i >= m.value.size() || !std::isfinite(m.value[i])) return "-";
  const double e = m.error[i];
  return std::isfinite(e) ? fmt::format("{:.4g} ± {:.2g}", m.value[i], e) : fmt::format("{:.4g}", m.value[i]);
}

}  // namespace

void print_crossings(const kmc::RunFileCrossings& c) {
  if (c.axis < 0) return;
  const char axis = static_cast<char>('x' + c.axis);
  const std::size_t n = c.entities.size();
  fmt::print("\nPlane crossings along {} ({} planes of {:.5g} Å²; rates in cm⁻² s⁻¹, ± standard error over replicas)\n",
             axis, c.plane_position_A.size(), c.plane_area_A2);
  if (c.interface_planes.empty()) {
    // No interfaces (fewer than two layers along the axis): in a homogeneous run every plane is equivalent.
    fmt::print("  no interfaces along {} (fewer than two layers along it); plane 0 at {} = {:.4g} Å:\n", axis, axis,
               c.plane_position_A.empty() ? 0.0 : c.plane_position_A[0]);
    for (std::size_t e = 0; e < n; ++e) fmt::print("  {:<14}{}\n", c.entities[e], cell(c.plane_total, 0, e, n));
    return;
  }
  fmt::print("  bulk planes (middle of each layer): total crossing rate\n");
  for (std::size_t l = 0; l < c.bulk_planes.size(); ++l) {
    if (c.bulk_planes[l] < 0) {
      fmt::print("  layer {:<3} too thin for a bulk plane\n", l);
      continue;
    }
    fmt::print("  layer {:<3} {} = {:<9.4g}", l, axis, c.plane_position_A[c.bulk_planes[l]]);
    for (std::size_t e = 0; e < n; ++e) fmt::print("  {} {}", c.entities[e], cell(c.bulk_total, l, e, n));
    fmt::print("\n");
  }
  fmt::print("  interfaces: total and net rate, permeability P = interface / bulk rate of the layer below, above\n");
  fmt::print("  {:<22}{:<14}{:<24}{:<24}{:<20}{:<20}\n", "interface", "entity", "total", "net", "P below", "P above");
  const std::size_t layers = c.bulk_planes.size();
  for (std::size_t i = 0; i < c.interface_planes.size(); ++i) {
    const std::string where = fmt::format("{}|{} {} = {:.4g}", i, (i + 1) % layers, axis,
                                          c.plane_position_A[c.interface_planes[i]]);
    for (std::size_t e = 0; e < n; ++e)
      fmt::print("  {:<22}{:<14}{:<24}{:<24}{:<20}{:<20}\n", e == 0 ? where : "", c.entities[e],
                 cell(c.interface_total, i, e, n), cell(c.interface_net, i, e, n),
                 cell(c.permeability_vs_lower, i, e, n), cell(c.permeability_vs_upper, i, e, n));
  }
}

}  // namespace hkmc::cli
