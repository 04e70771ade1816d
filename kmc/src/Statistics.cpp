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

using VectorEstimator = std::function<Vec3(const DiffusionMoments&, const Populations&)>;

VectorEstimate vector_estimate(const std::vector<ReplicaResult>& replicas, const VectorEstimator& f, double scale) {
  VectorEstimate e;
  for (int k = 0; k < 3; ++k)
    e[k] = estimate(replicas, [&f, k](const auto& m, const auto& p) { return f(m, p)[k]; }, scale);
  return e;
}

double dot(const Vec3& a, const Vec3& b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

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

SegregationStatistics summarize_segregation(const std::vector<ReplicaResult>& replicas) {
  SegregationStatistics out;
  std::vector<const SegregationSample*> last;
  std::vector<double> times;
  for (const auto& r : replicas) {
    if (r.segregation.empty()) continue;
    last.push_back(&r.segregation.back());
    if (!r.samples.empty()) times.push_back(r.samples.back().time_s);
  }
  if (last.empty()) return out;
  out.time_s = mean_and_error(times).value;
  // Element-wise over replicas; NaN entries (undefined α, uniform L) are skipped.
  auto across = [&](auto member) {
    std::vector<Estimate> e;
    const std::size_t n = (last.front()->*member).size();
    for (std::size_t i = 0; i < n; ++i) {
      std::vector<double> values;
      for (const auto* s : last)
        if ((s->*member).size() == n) values.push_back(static_cast<double>((s->*member)[i]));
      e.push_back(mean_and_error(values));
    }
    return e;
  };
  out.alpha = across(&SegregationSample::alpha);
  out.length_A = across(&SegregationSample::length_A);
  out.domains = across(&SegregationSample::domains);
  out.codes = static_cast<int>(replicas.front().populations.ions.size());
  return out;
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
  const TransportConditions& cond = replicas.front().conditions;
  s.field_v_per_angstrom = cond.field_v_per_angstrom;
  // Along the field: F̂/|F| = F/|F|², in Å/V; per V/cm below.
  const double f2 = dot(cond.field_v_per_angstrom, cond.field_v_per_angstrom);
  Vec3 along{kNaN, kNaN, kNaN};
  if (f2 > 0)
    for (int k = 0; k < 3; ++k) along[k] = cond.field_v_per_angstrom[k] / f2;
  const double to_cm_s = units::kAngstrom_to_cm;
  const double per_v_cm = 1.0 / units::kV_per_angstrom_to_V_per_cm;
  const double volume_cm3 = cond.volume_A3 * units::kAngstrom3_to_cm3;  // NaN when unknown
  const double kt_ev = units::kBoltzmann_eV_per_K * cond.temperature_k;
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
    sp.drift_velocity_cm_s = vector_estimate(
        replicas, [code](const auto& m, const auto& p) { return drift_velocity(m, p, code); }, to_cm_s);
    sp.mobility_cm2_v_s = estimate(
        replicas, [code, along](const auto& m, const auto& p) { return dot(drift_velocity(m, p, code), along); },
        to_cm_s * per_v_cm);
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
    d.drift_velocity_cm_s = vector_estimate(
        replicas,
        [t](const auto& m, const auto& p) { return defect_drift_velocity(m, p, static_cast<DefectType>(t)); },
        to_cm_s);
    d.mobility_cm2_v_s = estimate(
        replicas,
        [t, along](const auto& m, const auto& p) {
          return dot(defect_drift_velocity(m, p, static_cast<DefectType>(t)), along);
        },
        to_cm_s * per_v_cm);
    s.defects.push_back(std::move(d));
  }
  s.charge_d_cm2_s = estimate(replicas, charge_d, to_cm2);
  s.charge_weighted_tracer_d_cm2_s = estimate(replicas, charge_weighted_tracer_d, to_cm2);
  // j = e Σ z ΔR / (V T): e (C) · Å/s / cm³ → A/cm² after Å → cm.
  const double to_a_cm2 = units::kElementaryCharge_C * units::kAngstrom_to_cm / volume_cm3;
  s.current_density_a_cm2 = vector_estimate(
      replicas, [](const auto& m, const auto&) { return charge_flux(m); }, to_a_cm2);
  s.conductivity_s_cm = estimate(
      replicas, [along](const auto& m, const auto&) { return dot(charge_flux(m), along); }, to_a_cm2 * per_v_cm);
  // σ_NE = e² n_z D_σ / (k_B T) = e (C) · Σz²/V (cm⁻³) · D_σ (cm²/s) / k_B T (eV), in S/cm.
  s.nernst_einstein_conductivity_s_cm = estimate(
      replicas,
      [](const auto& m, const auto& p) { return p.charge_sq_sum * charge_d(m, p); },
      units::kElementaryCharge_C / volume_cm3 * to_cm2 / kt_ev);
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
  s.crossings = summarize_crossings(replicas, species);
  s.segregation = summarize_segregation(replicas);
  return s;
}

}  // namespace hkmc::kmc
