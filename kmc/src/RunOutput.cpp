#include "hkmc/kmc/RunOutput.hpp"

#include <hdf5.h>

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Units.hpp"
#include "hkmc/common/Hdf5Util.hpp"

namespace hkmc::kmc {
namespace {

using namespace hdf5;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void estimate_attributes(hid_t g, const std::string& prefix, const Estimate& e) {
  attribute(g, prefix, e.value);
  attribute(g, prefix + "_err", e.error);
  attribute(g, prefix + "_err_replicas", e.error_replicas);
  attribute(g, prefix + "_err_blocks", e.error_blocks);
}

void vector_attribute(hid_t g, const std::string& name, const Vec3& v) {
  const hsize_t n = 3;
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "dataspace " + name);
  Handle attr(H5Acreate2(g, name.c_str(), H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              "attribute " + name);
  check(H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, v.data()), name);
}

// 3-vectors named as estimate_attributes names scalars (prefix, prefix_err, ...).
void vector_estimate_attributes(hid_t g, const std::string& prefix, const VectorEstimate& e) {
  auto part = [&](auto member) { return Vec3{e[0].*member, e[1].*member, e[2].*member}; };
  vector_attribute(g, prefix, part(&Estimate::value));
  vector_attribute(g, prefix + "_err", part(&Estimate::error));
  vector_attribute(g, prefix + "_err_replicas", part(&Estimate::error_replicas));
  vector_attribute(g, prefix + "_err_blocks", part(&Estimate::error_blocks));
}

// Segregation time series (S samples); a quantity not recorded has empty vectors.
void write_segregation(hid_t g, const std::vector<SegregationSample>& samples, int codes) {
  if (samples.empty()) return;
  const hsize_t n = samples.size(), c = static_cast<hsize_t>(codes);
  std::vector<double> alpha, sk, length;
  std::vector<std::int32_t> domains;
  for (const auto& s : samples) {
    alpha.insert(alpha.end(), s.alpha.begin(), s.alpha.end());
    sk.insert(sk.end(), s.structure_factor.begin(), s.structure_factor.end());
    length.insert(length.end(), s.length_A.begin(), s.length_A.end());
    domains.insert(domains.end(), s.domains.begin(), s.domains.end());
  }
  const auto& first = samples.front();
  if (!first.alpha.empty())
    dataset(g, "sro_alpha", alpha, {n, first.alpha.size() / (c * c), c, c});
  if (!first.structure_factor.empty()) {
    dataset(g, "structure_factor", sk, {n, c, first.structure_factor.size() / c});
    dataset(g, "length_A", length, {n, c});
  }
  if (!first.domains.empty()) dataset(g, "domains", domains, {n, c});
}

// Crossing rates per plane, interface and layer, and the permeabilities
// (docs/output.md), from the same tables `analyze` reads back.
void write_crossings(hid_t observables, const CrossingStatistics& stats) {
  auto g = group(observables, "crossings");
  const RunFileCrossings c = crossing_tables(stats);
  string_list(g.id(), "entities", c.entities);
  auto matrix = [&](const std::string& name, const RunFileMatrix& m) {
    const std::vector<hsize_t> dims{m.rows, c.entities.size()};
    dataset(g.id(), name, m.value, dims);
    dataset(g.id(), name + "_err", m.error, dims);
  };
  matrix("plane_total_per_cm2_s", c.plane_total);
  if (stats.layers.empty()) return;
  matrix("bulk_total_per_cm2_s", c.bulk_total);
  matrix("interface_total_per_cm2_s", c.interface_total);
  matrix("interface_net_per_cm2_s", c.interface_net);
  matrix("permeability_vs_lower", c.permeability_vs_lower);
  matrix("permeability_vs_upper", c.permeability_vs_upper);
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

void write_moments(hid_t g, const std::vector<DiffusionMoments>& blocks, int codes) {
  std::vector<double> duration, ion_r2, hop_sq, defect_r2, charge, ion_disp, defect_disp;
  std::vector<std::int64_t> hops;
  for (const auto& b : blocks) {
    for (const auto& v : b.ion_displacement) ion_disp.insert(ion_disp.end(), v.begin(), v.end());
    for (const auto& v : b.defect_displacement) defect_disp.insert(defect_disp.end(), v.begin(), v.end());
    duration.push_back(b.duration_s);
    ion_r2.insert(ion_r2.end(), b.ion_r2.begin(), b.ion_r2.end());
    hop_sq.insert(hop_sq.end(), b.hop_length_sq.begin(), b.hop_length_sq.end());
    hops.insert(hops.end(), b.hops.begin(), b.hops.end());
    defect_r2.insert(defect_r2.end(), b.defect_r2.begin(), b.defect_r2.end());
    charge.insert(charge.end(), b.charge_displacement.begin(), b.charge_displacement.end());
  }
  const hsize_t n = blocks.size();
  dataset(g, "duration_s", duration);
  dataset(g, "ion_r2_A2", ion_r2, {n, static_cast<hsize_t>(codes)});
  dataset(g, "hop_length_sq_A2", hop_sq, {n, static_cast<hsize_t>(codes)});
  dataset(g, "hops", hops, {n, static_cast<hsize_t>(codes)});
  dataset(g, "defect_r2_A2", defect_r2, {n, static_cast<hsize_t>(kDefectTypes)});
  dataset(g, "charge_displacement_A", charge, {n, 3});
  dataset(g, "ion_displacement_A", ion_disp, {n, static_cast<hsize_t>(codes), 3});
  dataset(g, "defect_displacement_A", defect_disp, {n, static_cast<hsize_t>(kDefectTypes), 3});
}

nlohmann::json number_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); }

nlohmann::json rates_json(const CrossingRates& r) {
  return {{"total_per_cm2_s", number_or_null(r.total_per_cm2_s.value)},
          {"total_err_per_cm2_s", number_or_null(r.total_per_cm2_s.error)},
          {"net_per_cm2_s", number_or_null(r.net_per_cm2_s.value)},
          {"net_err_per_cm2_s", number_or_null(r.net_per_cm2_s.error)}};
}

nlohmann::json crossings_json(const CrossingStatistics& c) {
  using nlohmann::json;
  json j;
  j["axis"] = std::string(1, static_cast<char>('x' + c.axis));
  j["plane_area_A2"] = c.area_A2;
  j["planes"] = c.planes.size();
  json mean = json::object();
  for (std::size_t e = 0; e < c.entities.size(); ++e) mean[c.entities[e]] = rates_json(c.plane_mean[e]);
  j["plane_mean"] = mean;
  json layers = json::array();
  for (std::size_t l = 0; l < c.layers.size(); ++l) {
    const auto& layer = c.layers[l];
    json rates = json::object();
    for (std::size_t e = 0; e < layer.rates.size(); ++e) rates[c.entities[e]] = rates_json(layer.rates[e]);
    layers.push_back({{"layer", l},
                      {"bulk_plane", layer.plane},
                      {"position_A", layer.plane >= 0 ? json(layer.position_A) : json(nullptr)},
                      {"rates", rates}});
  }
  j["layers"] = layers;
  json interfaces = json::array();
  for (const auto& in : c.interfaces) {
    json rates = json::object();
    for (std::size_t e = 0; e < c.entities.size(); ++e) {
      json r = rates_json(in.rates[e]);
      r["permeability_vs_lower"] = number_or_null(in.permeability_vs_lower[e].value);
      r["permeability_vs_lower_err"] = number_or_null(in.permeability_vs_lower[e].error);
      r["permeability_vs_upper"] = number_or_null(in.permeability_vs_upper[e].value);
      r["permeability_vs_upper_err"] = number_or_null(in.permeability_vs_upper[e].error);
      rates[c.entities[e]] = r;
    }
    interfaces.push_back({{"plane", in.plane},
                          {"position_A", in.position_A},
                          {"layers", {in.lower_layer, in.upper_layer}},
                          {"rates", rates}});
  }
  j["interfaces"] = interfaces;
  return j;
}

// The segregation observables at the last sample, by species name and shell.
nlohmann::json segregation_json(const Simulation& simulation, const SegregationStatistics& s) {
  using nlohmann::json;
  const auto& species = simulation.model().species();
  auto name = [&](int code) { return species.name(static_cast<lattice::Occupant>(code)); };
  auto estimate = [](const Estimate& e) {
    return json{{"value", number_or_null(e.value)}, {"err", number_or_null(e.error)}};
  };
  json j;
  j["time_s"] = number_or_null(s.time_s);
  const int codes = s.codes;
  if (!s.alpha.empty()) {
    const SegregationSettings seg = simulation.control().segregation;
    const ShortRangeOrder sro(simulation.model().supercell(), seg.sro_shells);
    json shells = json::array();
    for (int k = 0; k < sro.shells(); ++k) {
      json pairs = json::object();
      for (int a = 1; a < codes; ++a)
        for (int b = a; b < codes; ++b)
          if (const Estimate& e = s.alpha[(static_cast<std::size_t>(k) * codes + a) * codes + b]; std::isfinite(e.value))
            pairs[name(a) + "-" + name(b)] = estimate(e);
      shells.push_back({{"shell", k + 1}, {"distance_A", sro.shell_distance_angstrom(k)}, {"alpha", pairs}});
    }
    j["sro"] = shells;
  }
  auto by_code = [&](const std::vector<Estimate>& values) {
    json out = json::object();
    for (int c = 0; c < static_cast<int>(values.size()); ++c)
      if (std::isfinite(values[c].value)) out[c == 0 ? "vacancy" : name(c)] = estimate(values[c]);
    return out;
  };
  if (!s.length_A.empty()) j["length_A"] = by_code(s.length_A);
  if (!s.domains.empty()) j["domains"] = by_code(s.domains);
  return j;
}

}  // namespace

double random_walk_vacancy_d_cm2_s(const Simulation& simulation) {
  const auto& spec = simulation.spec();
  const auto& model = simulation.model();
  const auto& cat = model.catalog();
  if (spec.barriers.provider != "constant" || !spec.barriers.e_kra_overrides.empty()) return kNaN;
  if (model.hamiltonian() != nullptr) return kNaN;  // ΔE != 0: not a plain random walk
  if (cat.mechanisms().size() != 1 || cat.mechanisms()[0].kind != lattice::MechanismKind::kVacancy) return kNaN;
  if (cat.classes().size() != 1) return kNaN;
  for (double f : spec.kmc.field_v_per_angstrom)
    if (f != 0.0) return kNaN;
  const auto rate = model.rate_law().rate(spec.barriers.e_kra_ev, 0.0, 0.0).rate_hz;
  const double d = cat.classes()[0].distance_angstrom;
  const double z = static_cast<double>(cat.slots(cat.classes()[0].representative_mobile).size());
  return rate * z * d * d / 6.0 * units::kAngstrom2_per_s_to_cm2_per_s;
}

bool is_incomplete_output(const std::string& path) {
  if (!std::filesystem::exists(path) || H5Fis_hdf5(path.c_str()) <= 0) return false;
  H5E_auto2_t func = nullptr;
  void* data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &func, &data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  bool incomplete = false;
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file >= 0) {
    if (H5Aexists(file, "complete") > 0) {
      const hid_t attr = H5Aopen(file, "complete", H5P_DEFAULT);
      std::int64_t value = 1;
      if (attr >= 0 && H5Aread(attr, H5T_NATIVE_INT64, &value) >= 0) incomplete = value == 0;
      if (attr >= 0) H5Aclose(attr);
    }
    H5Fclose(file);
  }
  H5Eset_auto2(H5E_DEFAULT, func, data);
  return incomplete;
}

bool is_interrupted_summary(const std::string& path) {
  std::ifstream in(path);
  if (!in) return false;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_object() && j.contains("interrupted") && j["interrupted"] == true;
}

void write_text_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw RuntimeError("cannot write '" + tmp + "'");
    out << text;
    out.flush();
    if (!out) {
      out.close();
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw RuntimeError("writing '" + tmp + "' failed (disk full?)");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

void write_hdf5(const std::string& path, const Simulation& simulation,
                const std::vector<ReplicaResult>& replicas, const RunStatistics& stats,
                const RunInfo& info, const RunStatus& status) {
  const std::string tmp = path + ".tmp";
  const auto& model = simulation.model();
  const auto& sc = model.supercell();
  const int codes = model.species().size() + 1;
  try {
    Handle file = create_memory_file(tmp);
    const hid_t root = file.id();
    string_attribute(root, "format", "halide-kmc-output");
    attribute<std::int64_t>(root, "format_version", kOutputFormatVersion);
    string_attribute(root, "program_version", HKMC_VERSION);
    string_attribute(root, "created_utc", utc_now());
    string_attribute(root, "command_line", info.command_line);
    attribute<std::int64_t>(root, "complete", status.interrupted ? 0 : 1);
    if (!status.restarted_from.empty()) string_attribute(root, "restarted_from", status.restarted_from);

    {
      auto g = group(root, "input");
      string_dataset(g.id(), "toml", simulation.spec().source_text);
      string_attribute(g.id(), "source_path", simulation.spec().source_path);
    }
    {
      auto g = group(root, "lattice");
      string_attribute(g.id(), "prototype", sc.crystal().prototype());
      const auto& d = sc.dims();
      dataset<std::int64_t>(g.id(), "supercell", {d[0], d[1], d[2]});
      std::vector<double> box(9), cell(9);
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) box[3 * i + j] = sc.box()(i, j), cell[3 * i + j] = sc.crystal().cell()(i, j);
      dataset(g.id(), "box_A", box, {3, 3});
      dataset(g.id(), "unit_cell_A", cell, {3, 3});
      std::vector<double> pos(3 * static_cast<std::size_t>(sc.num_sites()));
      std::vector<std::uint8_t> role(sc.num_sites());
      for (int s = 0; s < sc.num_sites(); ++s) {
        const auto p = sc.position(s);
        for (int k = 0; k < 3; ++k) pos[3 * s + k] = p[k];
        role[s] = sc.role(s) == lattice::SiteRole::kInterstitial ? 1 : 0;
      }
      dataset(g.id(), "site_positions_A", pos, {static_cast<hsize_t>(sc.num_sites()), 3});
      dataset(g.id(), "site_is_interstitial", role);
      std::vector<std::string> names;
      for (int c = 0; c < codes; ++c) names.push_back(model.species().name(static_cast<lattice::Occupant>(c)));
      string_list(g.id(), "species_names", names);
      std::vector<std::string> labels, paths;
      std::vector<double> distance;
      for (const auto& hc : model.catalog().classes()) {
        labels.push_back(hc.label);
        paths.push_back(hc.path_type);
        distance.push_back(hc.distance_angstrom);
      }
      string_list(g.id(), "hop_class_labels", labels);
      string_list(g.id(), "hop_class_path_types", paths);
      dataset(g.id(), "hop_class_distance_A", distance);
    }
    // What the segregation time series are measured on (docs/output.md).
    if (const SegregationSettings seg = simulation.control().segregation; seg.any()) {
      auto g = group(root, "segregation");
      attribute<std::int64_t>(g.id(), "sro_shells", seg.sro_shells);
      attribute<std::int64_t>(g.id(), "structure_factor", seg.structure_factor ? 1 : 0);
      attribute<std::int64_t>(g.id(), "domains", seg.domains ? 1 : 0);
      if (seg.domains) attribute<std::int64_t>(g.id(), "domain_min_sites", seg.domain_min_sites);
      if (seg.sro_shells > 0) {
        const ShortRangeOrder sro(sc, seg.sro_shells);
        std::vector<double> d;
        for (int k = 0; k < sro.shells(); ++k) d.push_back(sro.shell_distance_angstrom(k));
        dataset(g.id(), "sro_shell_distance_A", d);
      }
      if (seg.structure_factor) {
        const StructureFactor sk(sc);
        dataset(g.id(), "structure_factor_k_inv_A", sk.bin_k());
        dataset(g.id(), "structure_factor_vectors",
                std::vector<std::int64_t>(sk.bin_vectors().begin(), sk.bin_vectors().end()));
        attribute(g.id(), "structure_factor_cutoff_inv_A", sk.cutoff());
      }
    }
    // What the crossings are counted on (docs/output.md); only with counts to go with it.
    if (const CrossingSettings cs = simulation.control().crossings; cs.any() && stats.crossings.axis >= 0) {
      auto g = group(root, "crossings");
      const CrossingGeometry geometry = crossing_geometry(sc, cs.axis);
      attribute<std::int64_t>(g.id(), "axis", cs.axis);
      attribute<std::int64_t>(g.id(), "planes_per_cell", geometry.planes_per_cell);
      attribute(g.id(), "plane_area_A2", geometry.area_A2);
      dataset(g.id(), "plane_position_A", geometry.plane_position_A);
      if (!cs.layer_cells.empty()) {
        const LayerPlanes lp = layer_planes(cs.layer_cells, geometry.planes_per_cell);
        dataset(g.id(), "layer_cells", std::vector<std::int64_t>(cs.layer_cells.begin(), cs.layer_cells.end()));
        dataset(g.id(), "interface_planes", std::vector<std::int64_t>(lp.interface_plane.begin(), lp.interface_plane.end()));
        dataset(g.id(), "bulk_planes", std::vector<std::int64_t>(lp.bulk_plane.begin(), lp.bulk_plane.end()));
      }
    }
    {
      auto g = group(root, "replicas");
      for (const auto& r : replicas) {
        char name[16];
        std::snprintf(name, sizeof name, "%04d", r.replica);
        auto rg = group(g.id(), name);
        attribute<std::int64_t>(rg.id(), "events", r.events);
        attribute(rg.id(), "time_s", r.time_s);
        attribute(rg.id(), "wall_s", r.wall_s);
        attribute<std::int64_t>(rg.id(), "clamped_events", r.clamped_events);
        attribute<std::int64_t>(rg.id(), "stalled", r.stalled ? 1 : 0);
        {
          auto ts = group(rg.id(), "timeseries");
          std::vector<double> t, msd, msd_def, charge;
          std::vector<std::int64_t> ev;
          for (const auto& s : r.samples) {
            t.push_back(s.time_s);
            ev.push_back(s.events);
            msd.insert(msd.end(), s.msd_by_species.begin(), s.msd_by_species.end());
            msd_def.insert(msd_def.end(), s.msd_by_defect.begin(), s.msd_by_defect.end());
            charge.push_back(s.charge_msd);
          }
          const hsize_t n = r.samples.size();
          dataset(ts.id(), "time_s", t);
          dataset(ts.id(), "events", ev);
          dataset(ts.id(), "msd_species_A2", msd, {n, static_cast<hsize_t>(codes)});
          dataset(ts.id(), "msd_defect_A2", msd_def, {n, static_cast<hsize_t>(kDefectTypes)});
          dataset(ts.id(), "charge_msd_A2", charge);
          if (!r.profiles.empty())
            dataset(ts.id(), "profile_counts", r.profiles,
                    {n, static_cast<hsize_t>(r.profile_layers), static_cast<hsize_t>(codes)});
          write_segregation(ts.id(), r.segregation, codes);
        }
        {
          auto bg = group(rg.id(), "blocks");
          write_moments(bg.id(), r.blocks, codes);
        }
        if (const auto& c = r.crossings.counts; c.planes > 0) {
          auto cg = group(rg.id(), "crossings");
          const std::vector<hsize_t> dims{static_cast<hsize_t>(c.planes), static_cast<hsize_t>(c.entities)};
          dataset(cg.id(), "up", c.up, dims);
          dataset(cg.id(), "down", c.down, dims);
        }
        {
          auto fg = group(rg.id(), "final");
          dataset(fg.id(), "occupancy", r.final_occupancy);
          std::vector<std::int32_t> sites;
          std::vector<std::uint8_t> types;
          std::vector<double> disp;
          for (const auto& d : r.final_defects) {
            sites.push_back(d.site);
            types.push_back(static_cast<std::uint8_t>(d.type));
            disp.insert(disp.end(), d.displacement.begin(), d.displacement.end());
          }
          dataset(fg.id(), "defect_sites", sites);
          dataset(fg.id(), "defect_types", types);
          dataset(fg.id(), "defect_displacement_A", disp, {static_cast<hsize_t>(sites.size()), 3});
        }
      }
    }
    {
      auto g = group(root, "observables");
      attribute<std::int64_t>(g.id(), "replicas", stats.replicas);
      attribute<std::int64_t>(g.id(), "events", stats.events);
      attribute(g.id(), "simulated_time_s", stats.simulated_time_s);
      attribute(g.id(), "temperature_K", simulation.spec().kmc.temperature_k);
      attribute<std::int64_t>(g.id(), "clamped_events", stats.clamped_events);
      estimate_attributes(g.id(), "charge_D_cm2_s", stats.charge_d_cm2_s);
      const auto cache = simulation.model().barrier_statistics();
      if (cache.on_demand) {
        auto cg = group(g.id(), "barrier_cache");
        attribute<std::int64_t>(cg.id(), "entries", cache.entries);
        attribute<std::int64_t>(cg.id(), "loaded", cache.loaded);
        attribute<std::int64_t>(cg.id(), "hits", cache.hits);
        attribute<std::int64_t>(cg.id(), "misses", cache.misses);
        attribute<std::int64_t>(cg.id(), "nebs", cache.computed);
        attribute<std::int64_t>(cg.id(), "failed", cache.failed);
        attribute<std::int64_t>(cg.id(), "blocked_lookups", cache.blocked);
        attribute(cg.id(), "neb_seconds", cache.compute_seconds);
        string_attribute(cg.id(), "file", cache.cache_file);
      }
      estimate_attributes(g.id(), "haven_ratio", stats.haven_ratio);
      vector_attribute(g.id(), "field_V_per_A", stats.field_v_per_angstrom);
      vector_estimate_attributes(g.id(), "current_density_A_cm2", stats.current_density_a_cm2);
      estimate_attributes(g.id(), "conductivity_S_cm", stats.conductivity_s_cm);
      estimate_attributes(g.id(), "nernst_einstein_conductivity_S_cm", stats.nernst_einstein_conductivity_s_cm);
      auto sg = group(g.id(), "species");
      for (const auto& s : stats.species) {
        auto x = group(sg.id(), s.name);
        attribute<std::int64_t>(x.id(), "ions", s.ions);
        attribute<std::int64_t>(x.id(), "hops", s.hops);
        estimate_attributes(x.id(), "D_cm2_s", s.d_cm2_s);
        estimate_attributes(x.id(), "correlation_factor", s.correlation_factor);
        vector_estimate_attributes(x.id(), "drift_velocity_cm_s", s.drift_velocity_cm_s);
        estimate_attributes(x.id(), "mobility_cm2_V_s", s.mobility_cm2_v_s);
      }
      if (stats.crossings.axis >= 0) write_crossings(g.id(), stats.crossings);
      auto dg = group(g.id(), "defects");
      for (const auto& d : stats.defects) {
        auto x = group(dg.id(), d.type);
        attribute<std::int64_t>(x.id(), "count", d.count);
        estimate_attributes(x.id(), "D_cm2_s", d.d_cm2_s);
        vector_estimate_attributes(x.id(), "drift_velocity_cm_s", d.drift_velocity_cm_s);
        estimate_attributes(x.id(), "mobility_cm2_V_s", d.mobility_cm2_v_s);
      }
    }
    write_file_durably(tmp, file_image(root, tmp));
  } catch (const Error&) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);  // no half-written file left behind, and its space freed
    throw;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

std::string summary_json(const Simulation& simulation, const RunStatistics& stats, const RunInfo& info,
                         const RunStatus& status) {
  using nlohmann::json;
  auto num = [](double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
  auto vec = [&](const VectorEstimate& e, double Estimate::*member) {
    return json::array({num(e[0].*member), num(e[1].*member), num(e[2].*member)});
  };
  json j;
  j["program"] = "halide-kmc";
  j["version"] = HKMC_VERSION;
  j["input"] = simulation.spec().source_path;
  j["output_file"] = simulation.spec().output.file;
  j["replicas"] = stats.replicas;
  j["interrupted"] = status.interrupted;
  if (!status.restarted_from.empty()) j["restarted_from"] = status.restarted_from;
  j["temperature_K"] = simulation.spec().kmc.temperature_k;
  j["events"] = stats.events;
  j["simulated_time_s"] = stats.simulated_time_s;
  j["wall_time_s"] = info.wall_s;
  j["threads"] = info.threads;
  j["events_per_second"] = info.wall_s > 0 ? stats.events / info.wall_s : 0.0;
  j["clamped_events"] = stats.clamped_events;
  j["stalled_replicas"] = stats.stalled_replicas;
  const auto& barriers = simulation.spec().barriers;
  j["barriers"] = {{"provider", simulation.model().provider().name()},
                   {"perturbation_sigma_eV", barriers.perturbation_sigma_ev},
                   {"perturbation_seed", barriers.perturbation_seed}};
  if (const auto cache = simulation.model().barrier_statistics(); cache.on_demand) {
    const double lookups = static_cast<double>(cache.hits + cache.misses);
    j["barrier_cache"] = {{"file", cache.cache_file},
                          {"entries", cache.entries},
                          {"loaded", cache.loaded},
                          {"hits", cache.hits},
                          {"misses", cache.misses},
                          {"hit_rate", lookups > 0 ? cache.hits / lookups : 1.0},
                          {"nebs", cache.computed},
                          {"failed", cache.failed},
                          {"blocked_lookups", cache.blocked},
                          {"neb_seconds", cache.compute_seconds}};
  }
  json species = json::object();
  for (const auto& s : stats.species) {
    species[s.name] = {{"ions", s.ions},
                       {"hops", s.hops},
                       {"D_cm2_s", num(s.d_cm2_s.value)},
                       {"D_err_cm2_s", num(s.d_cm2_s.error)},
                       {"D_err_replicas_cm2_s", num(s.d_cm2_s.error_replicas)},
                       {"D_err_blocks_cm2_s", num(s.d_cm2_s.error_blocks)},
                       {"correlation_factor", num(s.correlation_factor.value)},
                       {"correlation_factor_err", num(s.correlation_factor.error)},
                       {"drift_velocity_cm_s", vec(s.drift_velocity_cm_s, &Estimate::value)},
                       {"drift_velocity_err_cm_s", vec(s.drift_velocity_cm_s, &Estimate::error)},
                       {"mobility_cm2_V_s", num(s.mobility_cm2_v_s.value)},
                       {"mobility_err_cm2_V_s", num(s.mobility_cm2_v_s.error)}};
  }
  j["species"] = species;
  json defects = json::object();
  for (const auto& d : stats.defects) {
    defects[d.type] = {{"count", d.count},
                       {"D_cm2_s", num(d.d_cm2_s.value)},
                       {"D_err_cm2_s", num(d.d_cm2_s.error)},
                       {"D_err_replicas_cm2_s", num(d.d_cm2_s.error_replicas)},
                       {"D_err_blocks_cm2_s", num(d.d_cm2_s.error_blocks)},
                       {"drift_velocity_cm_s", vec(d.drift_velocity_cm_s, &Estimate::value)},
                       {"drift_velocity_err_cm_s", vec(d.drift_velocity_cm_s, &Estimate::error)},
                       {"mobility_cm2_V_s", num(d.mobility_cm2_v_s.value)},
                       {"mobility_err_cm2_V_s", num(d.mobility_cm2_v_s.error)}};
  }
  j["defects"] = defects;
  j["charge_D_cm2_s"] = num(stats.charge_d_cm2_s.value);
  j["charge_D_err_cm2_s"] = num(stats.charge_d_cm2_s.error);
  j["haven_ratio"] = num(stats.haven_ratio.value);
  j["haven_ratio_err"] = num(stats.haven_ratio.error);
  const auto& f = stats.field_v_per_angstrom;
  j["field_V_per_A"] = json::array({f[0], f[1], f[2]});
  j["current_density_A_cm2"] = vec(stats.current_density_a_cm2, &Estimate::value);
  j["current_density_err_A_cm2"] = vec(stats.current_density_a_cm2, &Estimate::error);
  j["conductivity_S_cm"] = num(stats.conductivity_s_cm.value);
  j["conductivity_err_S_cm"] = num(stats.conductivity_s_cm.error);
  j["nernst_einstein_conductivity_S_cm"] = num(stats.nernst_einstein_conductivity_s_cm.value);
  j["nernst_einstein_conductivity_err_S_cm"] = num(stats.nernst_einstein_conductivity_s_cm.error);
  if (stats.crossings.axis >= 0) j["crossings"] = crossings_json(stats.crossings);
  if (!stats.segregation.alpha.empty() || !stats.segregation.length_A.empty() || !stats.segregation.domains.empty())
    j["segregation"] = segregation_json(simulation, stats.segregation);
  const double exact = random_walk_vacancy_d_cm2_s(simulation);
  if (std::isfinite(exact)) {
    json ref = {{"formula", "D_V = Gamma z d^2 / 6"}, {"D_cm2_s", exact}};
    for (const auto& d : stats.defects) {
      if (d.type != "vacancy") continue;
      ref["deviation_in_sigma"] = num((d.d_cm2_s.value - exact) / d.d_cm2_s.error);
    }
    j["vacancy_random_walk_reference"] = ref;
  }
  return j.dump(2) + "\n";
}

}  // namespace hkmc::kmc
