#include "hkmc/kmc/Statistics.hpp"

#include <cmath>
#include <functional>

#include "hkmc/common/Units.hpp"

namespace hkmc::kmc {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

using Estimator = std::function<double(const DiffusionMoments&, const Populations&)>;

Estimate estimate(const std::vector<ReplicaResult>& replicas, const Estimator& f, double scale) {
  std::vector<double> per_replica, per_block;
  for (const auto& r : replicas) {
    per_replica.push_back(scale * f(r.total, r.populations));
    for (const auto& b : r.blocks) per_block.push_back(scale * f(b, r.populations));
  }
  Estimate e = mean_and_error(per_replica);
  e.error_replicas = e.error;
  e.error_blocks = mean_and_error(per_block).error;
  e.error = replicas.size() >= 2 ? e.error_replicas : e.error_blocks;
  return e;
}

}  // namespace

Estimate mean_and_error(const std::vector<double>& values) {
  double sum = 0.0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++n;
  Estimate e;
  if (n == 0) return e;
  e.value = sum / n;
  if (n >= 2) {
    double ss = 0.0;
    for (double v : values)
      if (std::isfinite(v)) ss += (v - e.value) * (v - e.value);
    e.error = std::sqrt(ss / (n - 1) / n);
  }
  return e;
}

RunStatistics summarize(const std::vector<ReplicaResult>& replicas,
                        const lattice::SpeciesTable& species) {
  RunStatistics s;
  s.replicas = static_cast<int>(replicas.size());
  if (replicas.empty()) return s;
  const double to_cm2 = units::kAngstrom2_per_s_to_cm2_per_s;
  double time_sum = 0.0;
  for (const auto& r : replicas) {
    s.events += r.events;
    time_sum += r.time_s;
    s.replica_wall_s += r.wall_s;
    s.clamped_events += r.clamped_events;
    s.stalled_replicas += r.stalled ? 1 : 0;
  }
  s.simulated_time_s = time_sum / replicas.size();
  const Populations& p0 = replicas.front().populations;
  for (int code = 1; code < static_cast<int>(p0.ions.size()); ++code) {
    if (p0.ions[code] == 0) continue;
    SpeciesStatistics sp;
    sp.name = species.name(static_cast<lattice::Occupant>(code));
    sp.code = code;
    sp.ions = p0.ions[code];
    for (const auto& r : replicas) sp.hops += r.total.hops[code];
    sp.d_cm2_s = estimate(
        replicas, [code](const auto& m, const auto& p) { return tracer_d(m, p, code); }, to_cm2);
    sp.correlation_factor = estimate(
        replicas, [code](const auto& m, const auto&) { return correlation_factor(m, code); }, 1.0);
    s.species.push_back(std::move(sp));
  }
  for (int t = 0; t < kDefectTypes; ++t) {
    if (p0.defects[t] == 0) continue;
    DefectStatistics d;
    d.type = defect_type_name(static_cast<DefectType>(t));
    d.count = p0.defects[t];
    d.d_cm2_s = estimate(
        replicas,
        [t](const auto& m, const auto& p) { return defect_d(m, p, static_cast<DefectType>(t)); },
        to_cm2);
    s.defects.push_back(std::move(d));
  }
  s.charge_d_cm2_s = estimate(replicas, charge_d, to_cm2);
  s.charge_weighted_tracer_d_cm2_s = estimate(replicas, charge_weighted_tracer_d, to_cm2);
  // Haven ratio from the means; its error by propagation of the two relative
  // errors in quadrature (their correlation neglected, which overstates it).
  const Estimate& t = s.charge_weighted_tracer_d_cm2_s;
  const Estimate& c = s.charge_d_cm2_s;
  if (std::isfinite(t.value) && std::isfinite(c.value) && c.value > 0) {
    s.haven_ratio.value = t.value / c.value;
    auto rel = [](double err, double v) { return std::isfinite(err) ? err / v : kNaN; };
    auto combine = [&](double et, double ec) {
      return s.haven_ratio.value * std::sqrt(std::pow(rel(et, t.value), 2) + std::pow(rel(ec, c.value), 2));
    };
    s.haven_ratio.error = combine(t.error, c.error);
    s.haven_ratio.error_replicas = combine(t.error_replicas, c.error_replicas);
    s.haven_ratio.error_blocks = combine(t.error_blocks, c.error_blocks);
  }
  return s;
}

}  // namespace hkmc::kmc
