#pragma once
// Crossings of the lattice planes normal to one axis, counted hop by hop for
// every species and defect type, up (+axis) and down.
//
// The mobile sites lie on q planes per unit cell along the axis (perovskite X
// along z: z = 0 and z = ½, q = 2); the counted planes sit halfway between
// consecutive site planes, so the supercell has P = q·n of them (gap g lies
// between site plane g and g + 1, periodic) and a hop crosses every gap
// between the site planes of its ends. Rates per unit area and time divide
// by the box cross-section normal to the axis. The counter reads the event
// before the engine executes it, so the serial engine needs no hook; the
// sector engine counts each sector's hops into that sector's own counts with
// count() and adds them into the totals at its cycle ends (add()).
#include <cstdint>
#include <span>
#include <vector>

#include "hkmc/kmc/KmcEngine.hpp"

namespace hkmc::kmc {

// Whether and along which axis crossings are counted, and the layers of the
// initial state along it (their boundaries are the interface planes).
struct CrossingSettings {
  int axis = -1;                 // 0..2; -1: not counted
  std::vector<int> layer_cells;  // thickness of each layer along `axis` (cells); empty: no layers
  bool any() const { return axis >= 0; }
};

// One replica's counts, [plane][entity] flattened; entities are the species
// codes 0 … codes-1 followed by the defect types (vacancy, interstitial).
struct CrossingCounts {
  int planes = 0;
  int entities = 0;
  std::vector<std::int64_t> up, down;
  std::int64_t up_at(int plane, int entity) const { return up[static_cast<std::size_t>(plane) * entities + entity]; }
  std::int64_t down_at(int plane, int entity) const {
    return down[static_cast<std::size_t>(plane) * entities + entity];
  }
};

// Interface and bulk planes of a layered initial state. Layer l covers cells
// [c_l, c_l + cells_l) along the axis, i.e. site planes q·c_l … q·(c_l +
// cells_l) - 1. The interface after layer l is the gap between its last site
// plane and the next layer's first (periodic: the last layer meets the
// first); its bulk plane is the middle gap among its own site planes (-1 when
// it has fewer than two site planes).
struct LayerPlanes {
  std::vector<int> interface_plane;  // per boundary b (between layer b and b+1 mod L); none for one layer
  std::vector<int> bulk_plane;       // per layer
};
LayerPlanes layer_planes(const std::vector<int>& layer_cells, int planes_per_cell);

class PlaneCrossingCounter {
 public:
  PlaneCrossingCounter(const KmcModel& model, int axis);

  // Counts the crossings of `event`; call before engine.execute(event).
  void record(const KmcEngine& engine, const PlannedEvent& event);
  // Adds to `into` (shaped like counts(), e.g. by zero_counts()) the
  // crossings of the hop of `defect` through its slot `slot`, reading the
  // occupancy before the hop: the defect's site and the slot's target and via
  // sites. Reads nothing else and writes only `into`, so threads that hop
  // defects in disjoint regions may each count into their own.
  void count(const Defect& defect, int slot, std::span<const lattice::Occupant> occupancy,
             CrossingCounts& into) const;
  // Counts of this counter's shape, all zero.
  CrossingCounts zero_counts() const;
  // Adds `more` (shaped like counts()) into the totals and zeroes it.
  void add(CrossingCounts& more);

  int axis() const { return m_axis; }
  int planes_per_cell() const { return m_per_cell; }
  const CrossingCounts& counts() const { return m_counts; }
  // Throws hkmc::Error, changing nothing, when the sizes do not fit.
  void restore(const CrossingCounts& counts);

 private:
  const lattice::Supercell& m_supercell;
  const lattice::HopCatalog& m_catalog;
  int m_axis;
  int m_per_cell;                   // q: site planes per unit cell
  std::vector<int> m_level_in_cell;  // by mobile basis site: its site plane in the cell (may be outside 0..q-1)
  std::vector<std::vector<int>> m_target_step, m_via_step;  // by mobile basis, slot: site planes moved
  CrossingCounts m_counts;
};

// Geometry of the counted planes, for the outputs.
struct CrossingGeometry {
  int planes = 0;
  int planes_per_cell = 0;
  double area_A2 = 0.0;                    // box cross-section normal to the axis (Å²)
  std::vector<double> plane_position_A;    // distance of each plane from the origin along the axis normal (Å)
};
CrossingGeometry crossing_geometry(const lattice::Supercell& supercell, int axis);

// What a replica's result carries: the counts and what they were counted on.
struct CrossingRecord {
  CrossingSettings settings;
  CrossingGeometry geometry;
  CrossingCounts counts;  // planes = 0: not counted
};

}  // namespace hkmc::kmc
