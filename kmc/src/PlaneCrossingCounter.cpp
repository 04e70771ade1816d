#include "hkmc/kmc/PlaneCrossingCounter.hpp"

#include <Eigen/Geometry>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <string>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc {
namespace {

constexpr double kSamePlane = 1e-6;  // fractional coordinates closer than this share a site plane

int floor_div(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
int floor_mod(int a, int b) { return a - floor_div(a, b) * b; }

// Distinct fractional heights (in [0, 1)) of the mobile basis sites along `axis`, ascending.
std::vector<double> site_plane_heights(const lattice::Crystal& crystal, int axis) {
  std::vector<double> heights;
  for (int b : crystal.mobile_basis()) {
    const double f = crystal.basis()[b].frac[axis];
    const double h = f - std::floor(f);
    if (std::none_of(heights.begin(), heights.end(), [h](double x) { return std::abs(x - h) < kSamePlane; }))
      heights.push_back(h);
  }
  std::sort(heights.begin(), heights.end());
  return heights;
}

// Site plane of a mobile basis site within its cell (q·floor(frac) + rank of its height).
int level_in_cell(const lattice::Crystal& crystal, const std::vector<double>& heights, int mobile, int axis) {
  const double f = crystal.basis()[crystal.mobile_basis()[mobile]].frac[axis];
  const double h = f - std::floor(f);
  int rank = 0;
  while (std::abs(heights[rank] - h) >= kSamePlane) ++rank;
  return static_cast<int>(std::floor(f)) * static_cast<int>(heights.size()) + rank;
}

void check_axis(int axis) {
  if (axis < 0 || axis > 2) throw Error("plane crossings: axis " + std::to_string(axis) + " is not 0, 1 or 2");
}

}  // namespace

LayerPlanes layer_planes(const std::vector<int>& layer_cells, int planes_per_cell) {
  LayerPlanes out;
  int total = 0;
  for (int c : layer_cells) total += c;
  const int planes = total * planes_per_cell;
  int start = 0;  // first site plane of the layer
  for (int cells : layer_cells) {
    const int own = cells * planes_per_cell;
    out.bulk_plane.push_back(own >= 2 ? start + (own - 2) / 2 : -1);
    start += own;
    if (layer_cells.size() > 1) out.interface_plane.push_back(floor_mod(start - 1, planes));
  }
  return out;
}

PlaneCrossingCounter::PlaneCrossingCounter(const KmcModel& model, int axis)
    : m_supercell(model.supercell()), m_catalog(model.catalog()), m_axis(axis) {
  check_axis(axis);
  const auto& crystal = m_supercell.crystal();
  const auto heights = site_plane_heights(crystal, axis);
  m_per_cell = static_cast<int>(heights.size());
  const int mobiles = m_supercell.mobile_count();
  for (int m = 0; m < mobiles; ++m) m_level_in_cell.push_back(level_in_cell(crystal, heights, m, axis));
  const auto& catalog = model.catalog();
  auto step = [&](int m, const lattice::SiteOffset& to) {
    return to.mobile < 0 ? 0 : to.cell[axis] * m_per_cell + m_level_in_cell[to.mobile] - m_level_in_cell[m];
  };
  m_target_step.resize(mobiles);
  m_via_step.resize(mobiles);
  for (int m = 0; m < mobiles; ++m) {
    for (const auto& slot : catalog.slots(m)) {
      m_target_step[m].push_back(step(m, slot.target));
      m_via_step[m].push_back(step(m, slot.via));
    }
  }
  m_counts.planes = m_supercell.dims()[axis] * m_per_cell;
  m_counts.entities = static_cast<int>(model.species().size()) + 1 + kDefectTypes;
  const std::size_t n = static_cast<std::size_t>(m_counts.planes) * m_counts.entities;
  m_counts.up.assign(n, 0);
  m_counts.down.assign(n, 0);
}

namespace {

// Adds a move of `entity` from site plane `from_level` to `to_level` (unwrapped) to `counts`.
void cross(CrossingCounts& counts, int from_level, int to_level, int entity) {
  auto& side = to_level > from_level ? counts.up : counts.down;
  for (int l = std::min(from_level, to_level); l < std::max(from_level, to_level); ++l)
    ++side[static_cast<std::size_t>(floor_mod(l, counts.planes)) * counts.entities + entity];
}

}  // namespace

void PlaneCrossingCounter::record(const KmcEngine& engine, const PlannedEvent& event) {
  count(engine.defects()[event.defect], event.slot, engine.occupancy(), m_counts);
}

void PlaneCrossingCounter::count(const Defect& defect, int slot_index, std::span<const lattice::Occupant> occupancy,
                                 CrossingCounts& into) const {
  const int mobile = m_supercell.mobile_of(defect.site);
  const auto& slot = m_catalog.slots(mobile)[slot_index];
  const int origin = m_supercell.cell_of(defect.site)[m_axis] * m_per_cell + m_level_in_cell[mobile];
  const int target = origin + m_target_step[mobile][slot_index];
  const int codes = into.entities - kDefectTypes;
  cross(into, origin, target, codes + static_cast<int>(defect.type));
  // Split pairs cross as their lattice labels move (docs/lattice.md).
  switch (slot.kind) {
    case lattice::MechanismKind::kSplit:  // never a slot's kind
      break;
    case lattice::MechanismKind::kVacancy:  // the ion on the target fills the vacancy
      cross(into, target, origin, occupancy[m_supercell.shifted(defect.site, slot.target)]);
      break;
    case lattice::MechanismKind::kInterstitial:
      cross(into, origin, target, occupancy[defect.site]);
      break;
    case lattice::MechanismKind::kInterstitialcy: {  // the interstitial takes the via site, whose ion moves on
      const int via = origin + m_via_step[mobile][slot_index];
      cross(into, origin, via, occupancy[defect.site]);
      cross(into, via, target, occupancy[m_supercell.shifted(defect.site, slot.via)]);
      break;
    }
  }
}

CrossingCounts PlaneCrossingCounter::zero_counts() const {
  CrossingCounts c;
  c.planes = m_counts.planes;
  c.entities = m_counts.entities;
  c.up.assign(m_counts.up.size(), 0);
  c.down.assign(m_counts.down.size(), 0);
  return c;
}

void PlaneCrossingCounter::add(CrossingCounts& more) {
  if (more.planes != m_counts.planes || more.entities != m_counts.entities || more.up.size() != m_counts.up.size() ||
      more.down.size() != m_counts.down.size())
    throw Error("plane crossings: counts of another shape cannot be added");
  for (std::size_t i = 0; i < more.up.size(); ++i) {
    m_counts.up[i] += more.up[i];
    m_counts.down[i] += more.down[i];
    more.up[i] = more.down[i] = 0;
  }
}

void PlaneCrossingCounter::restore(const CrossingCounts& counts) {
  const std::size_t n = static_cast<std::size_t>(m_counts.planes) * m_counts.entities;
  if (counts.planes != m_counts.planes || counts.entities != m_counts.entities || counts.up.size() != n ||
      counts.down.size() != n)
    throw Error("crossing counts do not fit the run: " + std::to_string(counts.planes) + " planes × " +
                std::to_string(counts.entities) + " entities for " + std::to_string(m_counts.planes) + " × " +
                std::to_string(m_counts.entities));
  m_counts = counts;
}

CrossingGeometry crossing_geometry(const lattice::Supercell& supercell, int axis) {
  check_axis(axis);
  const auto& crystal = supercell.crystal();
  const auto heights = site_plane_heights(crystal, axis);
  CrossingGeometry g;
  g.planes_per_cell = static_cast<int>(heights.size());
  g.planes = supercell.dims()[axis] * g.planes_per_cell;
  const Eigen::Matrix3d box = supercell.box();  // rows: box vectors (Å)
  g.area_A2 = box.row((axis + 1) % 3).cross(box.row((axis + 2) % 3)).norm();
  // Spacing of the unit cell's faces normal to the axis: 1 / |reciprocal vector|.
  const double cell_spacing = 1.0 / crystal.cell().inverse().col(axis).norm();
  const int q = g.planes_per_cell;
  auto height = [&](int level) { return floor_div(level, q) + heights[floor_mod(level, q)]; };
  for (int p = 0; p < g.planes; ++p) g.plane_position_A.push_back(0.5 * (height(p) + height(p + 1)) * cell_spacing);
  return g;
}

}  // namespace hkmc::kmc
