#include "hkmc/sweep/PointResult.hpp"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/kmc/DiffusionObserver.hpp"

namespace hkmc::sweep {
namespace {

using nlohmann::json;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double species_d(const kmc::DiffusionMoments& m, const kmc::Populations& p, int code) {
  return kmc::tracer_d(m, p, code);
}
double defect_d(const kmc::DiffusionMoments& m, const kmc::Populations& p, int type) {
  return kmc::defect_d(m, p, static_cast<kmc::DefectType>(type));
}

json number(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
double number(const json& j) { return j.is_null() ? kNaN : j.get<double>(); }

json estimate_json(const kmc::Estimate& e) {
  return {{"value", number(e.value)},
          {"error", number(e.error)},
          {"error_replicas", number(e.error_replicas)},
          {"error_blocks", number(e.error_blocks)}};
}
kmc::Estimate estimate_from(const json& j) {
  kmc::Estimate e;
  e.value = number(j.at("value"));
  e.error = number(j.at("error"));
  e.error_replicas = number(j.at("error_replicas"));
  e.error_blocks = number(j.at("error_blocks"));
  return e;
}

json vector_json(const kmc::VectorEstimate& v) {
  json a = json::array();
  for (const auto& e : v) a.push_back(estimate_json(e));
  return a;
}
kmc::VectorEstimate vector_from(const json& j) {
  kmc::VectorEstimate v;
  for (int k = 0; k < 3; ++k) v[k] = estimate_from(j.at(k));
  return v;
}

json diffusion_json(const DiffusionResult& d) {
  return {{"name", d.name},
          {"count", d.count},
          {"hops", d.hops},
          {"D_cm2_s", estimate_json(d.d_cm2_s)},
          {"correlation_factor", estimate_json(d.correlation_factor)},
          {"first_half_D_cm2_s", estimate_json(d.first_half_d_cm2_s)},
          {"second_half_D_cm2_s", estimate_json(d.second_half_d_cm2_s)},
          {"drift_velocity_cm_s", vector_json(d.drift_velocity_cm_s)},
          {"mobility_cm2_V_s", estimate_json(d.mobility_cm2_v_s)}};
}
DiffusionResult diffusion_from(const json& j) {
  DiffusionResult d;
  d.name = j.at("name").get<std::string>();
  d.count = j.at("count").get<std::int64_t>();
  d.hops = j.at("hops").get<std::int64_t>();
  d.d_cm2_s = estimate_from(j.at("D_cm2_s"));
  d.correlation_factor = estimate_from(j.at("correlation_factor"));
  d.first_half_d_cm2_s = estimate_from(j.at("first_half_D_cm2_s"));
  d.second_half_d_cm2_s = estimate_from(j.at("second_half_D_cm2_s"));
  if (j.contains("drift_velocity_cm_s")) {  // format 2
    d.drift_velocity_cm_s = vector_from(j.at("drift_velocity_cm_s"));
    d.mobility_cm2_v_s = estimate_from(j.at("mobility_cm2_V_s"));
  }
  return d;
}

json crossing_json(const CrossingRow& r) {
  return {{"kind", r.kind},
          {"index", r.index},
          {"position_A", number(r.position_A)},
          {"layers", {r.lower_layer, r.upper_layer}},
          {"entity", r.entity},
          {"rate_per_cm2_s", estimate_json(r.rate_per_cm2_s)},
          {"net_per_cm2_s", estimate_json(r.net_per_cm2_s)},
          {"permeability_vs_lower", estimate_json(r.permeability_vs_lower)},
          {"permeability_vs_upper", estimate_json(r.permeability_vs_upper)}};
}
CrossingRow crossing_from(const json& j) {
  CrossingRow r;
  r.kind = j.at("kind").get<std::string>();
  r.index = j.at("index").get<int>();
  r.position_A = number(j.at("position_A"));
  r.lower_layer = j.at("layers").at(0).get<int>();
  r.upper_layer = j.at("layers").at(1).get<int>();
  r.entity = j.at("entity").get<std::string>();
  r.rate_per_cm2_s = estimate_from(j.at("rate_per_cm2_s"));
  r.net_per_cm2_s = estimate_from(j.at("net_per_cm2_s"));
  r.permeability_vs_lower = estimate_from(j.at("permeability_vs_lower"));
  r.permeability_vs_upper = estimate_from(j.at("permeability_vs_upper"));
  return r;
}

// The run's crossing statistics as rows: interfaces, layers' bulk planes, the plane mean.
std::vector<CrossingRow> crossing_rows(const kmc::CrossingStatistics& c) {
  std::vector<CrossingRow> rows;
  if (c.axis < 0) return rows;
  for (std::size_t i = 0; i < c.interfaces.size(); ++i) {
    const auto& in = c.interfaces[i];
    for (std::size_t e = 0; e < c.entities.size(); ++e)
      rows.push_back({"interface", static_cast<int>(i), in.position_A, in.lower_layer, in.upper_layer, c.entities[e],
                      in.rates[e].total_per_cm2_s, in.rates[e].net_per_cm2_s, in.permeability_vs_lower[e],
                      in.permeability_vs_upper[e]});
  }
  for (std::size_t l = 0; l < c.layers.size(); ++l) {
    const auto& layer = c.layers[l];
    if (layer.plane < 0) continue;  // too thin to have a bulk plane
    for (std::size_t e = 0; e < c.entities.size(); ++e)
      rows.push_back({"layer_bulk", static_cast<int>(l), layer.position_A, -1, -1, c.entities[e],
                      layer.rates[e].total_per_cm2_s, layer.rates[e].net_per_cm2_s, {}, {}});
  }
  for (std::size_t e = 0; e < c.entities.size(); ++e)
    rows.push_back({"plane_mean", -1, kNaN, -1, -1, c.entities[e], c.plane_mean[e].total_per_cm2_s,
                    c.plane_mean[e].net_per_cm2_s, {}, {}});
  return rows;
}

}  // namespace

double DiffusionResult::half_difference_sigmas() const {
  const auto& a = first_half_d_cm2_s;
  const auto& b = second_half_d_cm2_s;
  const double sigma = std::sqrt(a.error * a.error + b.error * b.error);
  if (!std::isfinite(a.value) || !std::isfinite(b.value) || !std::isfinite(sigma) || sigma <= 0) return kNaN;
  return std::abs(a.value - b.value) / sigma;
}

double PointResult::max_half_difference_sigmas() const {
  double worst = kNaN;
  for (const auto* list : {&species, &defects})
    for (const auto& d : *list) {
      const double z = d.half_difference_sigmas();
      if (std::isfinite(z) && !(z <= worst)) worst = z;
    }
  return worst;
}

bool PointResult::has_field() const {
  return field_v_per_angstrom[0] != 0 || field_v_per_angstrom[1] != 0 || field_v_per_angstrom[2] != 0;
}

int PointResult::converged() const {
  const double z = max_half_difference_sigmas();
  if (!std::isfinite(z)) return -1;
  return z > kConvergenceSigmas ? 0 : 1;
}

kmc::DiffusionMoments sum_moments(const std::vector<kmc::DiffusionMoments>& blocks, int begin, int end) {
  kmc::DiffusionMoments s;
  for (int b = begin; b < end; ++b) {
    const auto& m = blocks[b];
    s.duration_s += m.duration_s;
    auto add = [](auto& to, const auto& from) {
      if (to.size() < from.size()) to.resize(from.size(), 0);
      for (std::size_t i = 0; i < from.size(); ++i) to[i] += from[i];
    };
    add(s.ion_r2, m.ion_r2);
    add(s.hop_length_sq, m.hop_length_sq);
    add(s.hops, m.hops);
    for (int t = 0; t < kmc::kDefectTypes; ++t) s.defect_r2[t] += m.defect_r2[t];
    for (int k = 0; k < 3; ++k) s.charge_displacement[k] += m.charge_displacement[k];
    s.charge_weighted_r2 += m.charge_weighted_r2;
  }
  return s;
}

std::pair<kmc::Estimate, kmc::Estimate> half_run_estimates(const std::vector<kmc::ReplicaResult>& replicas,
                                                           HalfEstimator estimator, int which) {
  const double to_cm2 = units::kAngstrom2_per_s_to_cm2_per_s;
  std::vector<double> first, second;
  for (const auto& r : replicas) {
    const int b = static_cast<int>(r.blocks.size());
    const int h = b / 2;
    if (h == 0) continue;
    first.push_back(to_cm2 * estimator(sum_moments(r.blocks, 0, h), r.populations, which));
    second.push_back(to_cm2 * estimator(sum_moments(r.blocks, b - h, b), r.populations, which));
  }
  if (replicas.size() == 1 && !first.empty()) {
    // One replica: the spread of the blocks inside each half gives the errors.
    const auto& r = replicas.front();
    const int b = static_cast<int>(r.blocks.size());
    const int h = b / 2;
    std::vector<double> first_blocks, second_blocks;
    for (int i = 0; i < h; ++i) {
      first_blocks.push_back(to_cm2 * estimator(r.blocks[i], r.populations, which));
      second_blocks.push_back(to_cm2 * estimator(r.blocks[b - h + i], r.populations, which));
    }
    auto e1 = kmc::mean_and_error(first_blocks), e2 = kmc::mean_and_error(second_blocks);
    kmc::Estimate a, c;
    a.value = first.front(), c.value = second.front();
    a.error = a.error_blocks = e1.error;
    c.error = c.error_blocks = e2.error;
    return {a, c};
  }
  auto a = kmc::mean_and_error(first), c = kmc::mean_and_error(second);
  a.error_replicas = a.error, c.error_replicas = c.error;
  return {a, c};
}

PointResult make_point_result(const std::vector<kmc::ReplicaResult>& replicas,
                              const lattice::SpeciesTable& species) {
  const kmc::RunStatistics stats = kmc::summarize(replicas, species);
  PointResult p;
  p.replicas = stats.replicas;
  p.events = stats.events;
  p.simulated_time_s = stats.simulated_time_s;
  p.clamped_events = stats.clamped_events;
  p.stalled_replicas = stats.stalled_replicas;
  for (const auto& s : stats.species) {
    DiffusionResult d;
    d.name = s.name;
    d.count = s.ions;
    d.hops = s.hops;
    d.d_cm2_s = s.d_cm2_s;
    d.correlation_factor = s.correlation_factor;
    d.drift_velocity_cm_s = s.drift_velocity_cm_s;
    d.mobility_cm2_v_s = s.mobility_cm2_v_s;
    std::tie(d.first_half_d_cm2_s, d.second_half_d_cm2_s) = half_run_estimates(replicas, species_d, s.code);
    p.species.push_back(std::move(d));
  }
  for (const auto& s : stats.defects) {
    DiffusionResult d;
    d.name = s.type;
    d.count = s.count;
    d.d_cm2_s = s.d_cm2_s;
    d.drift_velocity_cm_s = s.drift_velocity_cm_s;
    d.mobility_cm2_v_s = s.mobility_cm2_v_s;
    const int type = s.type == kmc::defect_type_name(kmc::DefectType::kVacancy) ? 0 : 1;
    std::tie(d.first_half_d_cm2_s, d.second_half_d_cm2_s) = half_run_estimates(replicas, defect_d, type);
    p.defects.push_back(std::move(d));
  }
  p.charge_d_cm2_s = stats.charge_d_cm2_s;
  p.haven_ratio = stats.haven_ratio;
  p.field_v_per_angstrom = stats.field_v_per_angstrom;
  p.conductivity_s_cm = stats.conductivity_s_cm;
  p.nernst_einstein_conductivity_s_cm = stats.nernst_einstein_conductivity_s_cm;
  p.crossings = crossing_rows(stats.crossings);
  return p;
}

std::string to_json(const PointResult& r) {
  json j;
  j["format"] = "halide-kmc-sweep-point";
  j["format_version"] = kPointFormatVersion;
  j["index"] = r.index;
  json params = json::array();
  for (const auto& [k, v] : r.parameters) params.push_back({{"key", k}, {"value", v}});
  j["parameters"] = params;
  j["seed"] = r.seed;
  j["temperature_K"] = r.temperature_k;
  j["replicas"] = r.replicas;
  j["events"] = r.events;
  j["simulated_time_s"] = number(r.simulated_time_s);
  j["wall_s"] = r.wall_s;
  j["clamped_events"] = r.clamped_events;
  j["stalled_replicas"] = r.stalled_replicas;
  json sp = json::array(), df = json::array();
  for (const auto& d : r.species) sp.push_back(diffusion_json(d));
  for (const auto& d : r.defects) df.push_back(diffusion_json(d));
  j["species"] = sp;
  j["defects"] = df;
  j["charge_D_cm2_s"] = estimate_json(r.charge_d_cm2_s);
  j["haven_ratio"] = estimate_json(r.haven_ratio);
  j["field_V_per_A"] = {r.field_v_per_angstrom[0], r.field_v_per_angstrom[1], r.field_v_per_angstrom[2]};
  j["conductivity_S_cm"] = estimate_json(r.conductivity_s_cm);
  j["nernst_einstein_conductivity_S_cm"] = estimate_json(r.nernst_einstein_conductivity_s_cm);
  json crossings = json::array();
  for (const auto& c : r.crossings) crossings.push_back(crossing_json(c));
  j["crossings"] = crossings;
  j["converged"] = r.converged();
  j["max_half_difference_sigmas"] = number(r.max_half_difference_sigmas());
  j["input_toml"] = r.input_toml;
  return j.dump(1) + "\n";
}

PointResult point_from_json(const std::string& text, const std::string& source) {
  try {
    const json j = json::parse(text);
    if (j.at("format").get<std::string>() != "halide-kmc-sweep-point")
      throw RuntimeError(source + ": not a halide-kmc sweep point file");
    const int version = j.at("format_version").get<int>();
    if (version < 1 || version > kPointFormatVersion)
      throw RuntimeError(source + ": point file format version " + j.at("format_version").dump() +
                         "; this program reads versions 1 to " + std::to_string(kPointFormatVersion));
    PointResult r;
    r.index = j.at("index").get<int>();
    for (const auto& p : j.at("parameters"))
      r.parameters.emplace_back(p.at("key").get<std::string>(), p.at("value").get<std::string>());
    r.input_toml = j.at("input_toml").get<std::string>();
    r.seed = j.at("seed").get<std::uint64_t>();
    r.temperature_k = j.at("temperature_K").get<double>();
    r.replicas = j.at("replicas").get<int>();
    r.events = j.at("events").get<std::int64_t>();
    r.simulated_time_s = number(j.at("simulated_time_s"));
    r.wall_s = j.at("wall_s").get<double>();
    r.clamped_events = j.at("clamped_events").get<std::int64_t>();
    r.stalled_replicas = j.at("stalled_replicas").get<int>();
    for (const auto& d : j.at("species")) r.species.push_back(diffusion_from(d));
    for (const auto& d : j.at("defects")) r.defects.push_back(diffusion_from(d));
    r.charge_d_cm2_s = estimate_from(j.at("charge_D_cm2_s"));
    r.haven_ratio = estimate_from(j.at("haven_ratio"));
    if (version >= 2) {
      for (int k = 0; k < 3; ++k) r.field_v_per_angstrom[k] = j.at("field_V_per_A").at(k).get<double>();
      r.conductivity_s_cm = estimate_from(j.at("conductivity_S_cm"));
      r.nernst_einstein_conductivity_s_cm = estimate_from(j.at("nernst_einstein_conductivity_S_cm"));
    }
    if (version >= 3)
      for (const auto& c : j.at("crossings")) r.crossings.push_back(crossing_from(c));
    return r;
  } catch (const json::exception& e) {
    throw RuntimeError(source + ": unreadable sweep point file (" + e.what() + ")");
  }
}

}  // namespace hkmc::sweep
