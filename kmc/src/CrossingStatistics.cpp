// Crossing rates per plane, interface and layer, and the permeability ratios
// (Statistics.hpp), from the replicas' PlaneCrossingCounter counts.
#include <cmath>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/Statistics.hpp"

namespace hkmc::kmc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Per replica: total and net crossings of one plane by one entity, per cm² and s.
struct PlaneSeries {
  std::vector<double> total, net;
};

PlaneSeries plane_series(const std::vector<ReplicaResult>& replicas, int plane, int column, double area_cm2) {
  PlaneSeries s;
  for (const auto& r : replicas) {
    const auto& c = r.crossings.counts;
    const double scale = r.time_s > 0 ? 1.0 / (area_cm2 * r.time_s) : kNaN;
    const auto up = static_cast<double>(c.up_at(plane, column)), down = static_cast<double>(c.down_at(plane, column));
    s.total.push_back((up + down) * scale);
    s.net.push_back((up - down) * scale);
  }
  return s;
}

CrossingRates rates_of(const PlaneSeries& s) {
  CrossingRates r;
  r.total_per_cm2_s = mean_and_error(s.total);
  r.net_per_cm2_s = mean_and_error(s.net);
  for (Estimate* e : {&r.total_per_cm2_s, &r.net_per_cm2_s}) e->error_replicas = e->error;
  return r;
}

}  // namespace

Estimate ratio_of_means(const std::vector<double>& a, const std::vector<double>& b) {
  Estimate e;
  const std::size_t n = a.size();
  if (n == 0 || b.size() != n) return e;
  double sa = 0, sb = 0;
  for (std::size_t i = 0; i < n; ++i) sa += a[i], sb += b[i];
  if (!(sb > 0) || !std::isfinite(sa)) return e;
  e.value = sa / sb;
  if (n >= 2) {
    std::vector<double> leave_one_out;
    for (std::size_t i = 0; i < n; ++i) {
      if (!(sb - b[i] > 0)) return e;  // a replica alone carries the denominator: no jackknife
      leave_one_out.push_back((sa - a[i]) / (sb - b[i]));
    }
    double mean = 0, ss = 0;
    for (double r : leave_one_out) mean += r / n;
    for (double r : leave_one_out) ss += (r - mean) * (r - mean);
    e.error = e.error_replicas = std::sqrt((n - 1.0) / n * ss);
  }
  return e;
}

CrossingStatistics summarize_crossings(const std::vector<ReplicaResult>& replicas,
                                       const lattice::SpeciesTable& species) {
  CrossingStatistics out;
  if (replicas.empty() || replicas.front().crossings.counts.planes == 0) return out;
  const CrossingRecord& first = replicas.front().crossings;
  for (const auto& r : replicas)
    if (r.crossings.counts.planes != first.counts.planes || r.crossings.counts.entities != first.counts.entities)
      throw Error("replicas counted crossings on different planes");
  out.axis = first.settings.axis;
  out.area_A2 = first.geometry.area_A2;
  out.plane_position_A = first.geometry.plane_position_A;
  const Populations& p0 = replicas.front().populations;
  const int codes = first.counts.entities - kDefectTypes;
  for (int code = 1; code < codes; ++code) {
    if (code < static_cast<int>(p0.ions.size()) && p0.ions[code] > 0) {
      out.entities.push_back(species.name(static_cast<lattice::Occupant>(code)));
      out.entity_columns.push_back(code);
    }
  }
  for (int t = 0; t < kDefectTypes; ++t) {
    if (p0.defects[t] > 0) {
      out.entities.push_back(defect_type_name(static_cast<DefectType>(t)));
      out.entity_columns.push_back(codes + t);
    }
  }
  const double area_cm2 = out.area_A2 * units::kAngstrom_to_cm * units::kAngstrom_to_cm;
  const int planes = first.counts.planes;
  std::vector<std::vector<PlaneSeries>> series(planes);
  out.planes.resize(planes);
  for (int p = 0; p < planes; ++p) {
    for (int column : out.entity_columns) {
      series[p].push_back(plane_series(replicas, p, column, area_cm2));
      out.planes[p].push_back(rates_of(series[p].back()));
    }
  }
  // Every plane equivalent (a homogeneous lattice): the mean over planes of each replica.
  for (std::size_t e = 0; e < out.entity_columns.size(); ++e) {
    PlaneSeries mean;
    mean.total.assign(replicas.size(), 0.0);
    mean.net.assign(replicas.size(), 0.0);
    for (int p = 0; p < planes; ++p)
      for (std::size_t r = 0; r < replicas.size(); ++r) {
        mean.total[r] += series[p][e].total[r] / planes;
        mean.net[r] += series[p][e].net[r] / planes;
      }
    out.plane_mean.push_back(rates_of(mean));
  }
  const auto& layer_cells = first.settings.layer_cells;
  if (layer_cells.empty()) return out;
  const LayerPlanes lp = layer_planes(layer_cells, first.geometry.planes_per_cell);
  for (int plane : lp.bulk_plane) {
    LayerBulkCrossings layer;
    layer.plane = plane;
    if (plane >= 0) {
      layer.position_A = out.plane_position_A[plane];
      layer.rates = out.planes[plane];
    }
    out.layers.push_back(std::move(layer));
  }
  const int layers = static_cast<int>(layer_cells.size());
  for (int b = 0; b < static_cast<int>(lp.interface_plane.size()); ++b) {
    InterfaceCrossings in;
    in.plane = lp.interface_plane[b];
    in.position_A = out.plane_position_A[in.plane];
    in.lower_layer = b;
    in.upper_layer = (b + 1) % layers;
    in.rates = out.planes[in.plane];
    for (std::size_t e = 0; e < out.entity_columns.size(); ++e) {
      const auto& at_interface = series[in.plane][e].total;
      auto versus = [&](int layer) {
        const int bulk = lp.bulk_plane[layer];
        return bulk >= 0 ? ratio_of_means(at_interface, series[bulk][e].total) : Estimate{};
      };
      in.permeability_vs_lower.push_back(versus(in.lower_layer));
      in.permeability_vs_upper.push_back(versus(in.upper_layer));
    }
    out.interfaces.push_back(std::move(in));
  }
  return out;
}

RunFileCrossings crossing_tables(const CrossingStatistics& c) {
  RunFileCrossings t;
  t.axis = c.axis;
  t.plane_area_A2 = c.area_A2;
  t.plane_position_A = c.plane_position_A;
  t.entities = c.entities;
  auto matrix = [&](const auto& rows, auto pick) {
    RunFileMatrix m;
    m.rows = rows.size();
    for (const auto& row : rows)
      for (std::size_t e = 0; e < c.entities.size(); ++e) {
        const Estimate x = pick(row, e);
        m.value.push_back(x.value);
        m.error.push_back(x.error);
      }
    return m;
  };
  t.plane_total = matrix(c.planes, [](const auto& r, std::size_t e) { return r[e].total_per_cm2_s; });
  for (const auto& l : c.layers) t.bulk_planes.push_back(l.plane);
  t.bulk_total = matrix(c.layers, [](const LayerBulkCrossings& l, std::size_t e) {
    return l.rates.empty() ? Estimate{} : l.rates[e].total_per_cm2_s;
  });
  for (const auto& i : c.interfaces) t.interface_planes.push_back(i.plane);
  t.interface_total = matrix(c.interfaces, [](const InterfaceCrossings& i, std::size_t e) { return i.rates[e].total_per_cm2_s; });
  t.interface_net = matrix(c.interfaces, [](const InterfaceCrossings& i, std::size_t e) { return i.rates[e].net_per_cm2_s; });
  t.permeability_vs_lower =
      matrix(c.interfaces, [](const InterfaceCrossings& i, std::size_t e) { return i.permeability_vs_lower[e]; });
  t.permeability_vs_upper =
      matrix(c.interfaces, [](const InterfaceCrossings& i, std::size_t e) { return i.permeability_vs_upper[e]; });
  return t;
}

}  // namespace hkmc::kmc
