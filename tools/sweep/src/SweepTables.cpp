#include "hkmc/sweep/SweepTables.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <unistd.h>

#include <cmath>
#include <functional>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <set>

#include "Hdf5Lock.hpp"
#include "hkmc/common/Error.hpp"

namespace hkmc::sweep {
namespace {

namespace fs = std::filesystem;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Names in order of first appearance over the points.
std::vector<std::string> union_names(const std::vector<PointResult>& points, bool defects) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const auto& p : points)
    for (const auto& d : defects ? p.defects : p.species)
      if (seen.insert(d.name).second) names.push_back(d.name);
  return names;
}

const DiffusionResult* find(const std::vector<DiffusionResult>& list, const std::string& name) {
  for (const auto& d : list)
    if (d.name == name) return &d;
  return nullptr;
}

Column numbers(std::string name) { return Column{std::move(name), true, {}, {}}; }
Column texts(std::string name) { return Column{std::move(name), false, {}, {}}; }

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  return fmt::format("{}", v);
}

// ---- HDF5 --------------------------------------------------------------

class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : m_id(id), m_close(close) {
    if (id < 0) throw RuntimeError("HDF5: cannot open or create " + what);
  }
  ~Handle() {
    if (m_id >= 0) m_close(m_id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return m_id; }

 private:
  hid_t m_id;
  herr_t (*m_close)(hid_t);
};

Handle make_group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "group " + name);
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw RuntimeError("HDF5: cannot write " + what);
}

void double_dataset(hid_t parent, const std::string& name, const std::vector<double>& data) {
  const hsize_t n = data.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "dataspace " + name);
  Handle set(H5Dcreate2(parent, name.c_str(), H5T_NATIVE_DOUBLE, space.id(), H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT),
             H5Dclose, "dataset " + name);
  if (n) check(H5Dwrite(set.id(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), name);
}

void string_dataset(hid_t parent, const std::string& name, const std::vector<std::string>& values,
                    bool scalar = false) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type.id(), H5T_VARIABLE), "string type");
  check(H5Tset_cset(type.id(), H5T_CSET_UTF8), "string type");
  const hsize_t n = values.size();
  Handle space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose,
               "dataspace " + name);
  Handle set(H5Dcreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, "dataset " + name);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (!ptrs.empty()) check(H5Dwrite(set.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()), name);
}

void string_attribute(hid_t parent, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  check(H5Tset_size(type.id(), std::max<std::size_t>(1, value.size())), "string type");
  check(H5Tset_cset(type.id(), H5T_CSET_UTF8), "string type");
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "dataspace " + name);
  Handle attr(H5Acreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              "attribute " + name);
  check(H5Awrite(attr.id(), type.id(), value.c_str()), name);
}

void int_attribute(hid_t parent, const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "dataspace " + name);
  Handle attr(H5Acreate2(parent, name.c_str(), H5T_NATIVE_INT64, space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose, "attribute " + name);
  check(H5Awrite(attr.id(), H5T_NATIVE_INT64, &value), name);
}

void write_table(hid_t parent, const std::string& name, const Table& table) {
  auto g = make_group(parent, name);
  std::vector<std::string> order;
  for (const auto& c : table) {
    order.push_back(c.name);
    if (c.numeric) {
      double_dataset(g.id(), c.name, c.numbers);
    } else {
      string_dataset(g.id(), c.name, c.texts);
    }
  }
  // Dataset names sort alphabetically in HDF5; keep the CSV column order.
  string_dataset(g.id(), "_columns", order);
}

std::vector<std::string> link_names(hid_t group) {
  std::vector<std::string> names;
  H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names);
  return names;
}

void copy_attributes(hid_t src, hid_t dst) {
  std::vector<std::string> names;
  H5Aiterate2(
      src, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names);
  for (const auto& name : names) {
    Handle a(H5Aopen(src, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
    Handle type(H5Aget_type(a.id()), H5Tclose, "attribute type");
    Handle space(H5Aget_space(a.id()), H5Sclose, "attribute space");
    if (H5Tis_variable_str(type.id()) > 0) continue;  // the run file writes fixed-length strings only
    std::vector<char> buffer(H5Aget_storage_size(a.id()) + 16);
    check(H5Aread(a.id(), type.id(), buffer.data()), "attribute " + name);
    Handle out(H5Acreate2(dst, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
               "attribute " + name);
    check(H5Awrite(out.id(), type.id(), buffer.data()), "attribute " + name);
  }
}

// Copies group `src` into a new group `name` of `dst_parent` with its
// attributes, leaving out the members named in `skip` (by path below the
// run file's root, "*" matching any one name).
void copy_group(hid_t src, hid_t dst_parent, const std::string& name, const std::string& path,
                const std::vector<std::string>& skip) {
  auto g = make_group(dst_parent, name);
  copy_attributes(src, g.id());
  for (const auto& m : link_names(src)) {
    const std::string member = path + "/" + m;
    bool skipped = false, deeper = false;
    for (const auto& pattern : skip) {
      // Compare component by component.
      std::size_t pi = 0, mi = 0;
      bool match = true;
      while (pi < pattern.size() && mi < member.size() && match) {
        const auto pe = pattern.find('/', pi + 1), me = member.find('/', mi + 1);
        const std::string pc = pattern.substr(pi, pe - pi), mc = member.substr(mi, me - mi);
        match = pc == "/*" || pc == mc;
        pi = pe == std::string::npos ? pattern.size() : pe;
        mi = me == std::string::npos ? member.size() : me;
      }
      if (!match) continue;
      if (pi >= pattern.size() && mi >= member.size()) skipped = true;
      if (pi < pattern.size() && mi >= member.size()) deeper = true;
    }
    if (skipped) continue;
    H5O_info_t info;
    if (deeper && H5Oget_info_by_name(src, m.c_str(), &info, H5P_DEFAULT) >= 0 && info.type == H5O_TYPE_GROUP) {
      Handle sub(H5Gopen2(src, m.c_str(), H5P_DEFAULT), H5Gclose, "group " + member);
      copy_group(sub.id(), g.id(), m, member, skip);
    } else {
      check(H5Ocopy(src, m.c_str(), g.id(), m.c_str(), H5P_DEFAULT, H5P_DEFAULT), "copy of " + member);
    }
  }
}

// Copies the run file `source` into the new group `target` of `dest`: every
// member and root attribute except what is per site (site positions, final
// configurations), which can be 10⁸ bytes a point for large lattices and
// stays in the point's own run file.
void copy_run_file(const std::string& source, hid_t dest, const std::string& target) {
  Handle src(H5Fopen(source.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose, "file " + source);
  Handle root(H5Gopen2(src.id(), "/", H5P_DEFAULT), H5Gclose, "root of " + source);
  copy_group(root.id(), dest, target, "",
             {"/lattice/site_positions_A", "/lattice/site_is_interstitial", "/replicas/*/final"});
}

void write_sweep_h5(const std::string& path, const std::string& dir, const SweepManifest& manifest,
                    const std::vector<PointResult>& points, const Table& table, const Table& arrhenius,
                    const Table* crossings) {
  std::lock_guard lock(hdf5_mutex());
  const std::string tmp = path + ".tmp" + std::to_string(::getpid());
  {
    Handle file(H5Fcreate(tmp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose, "file " + tmp);
    const hid_t root = file.id();
    string_attribute(root, "format", "halide-kmc-sweep");
    int_attribute(root, "format_version", kSweepFormatVersion);
    string_attribute(root, "program_version", HKMC_VERSION);
    int_attribute(root, "points_total", manifest.points);
    int_attribute(root, "points_finished", static_cast<std::int64_t>(points.size()));
    string_dataset(root, "manifest_json", {to_json(manifest)}, true);
    write_table(root, "table", table);
    write_table(root, "arrhenius", arrhenius);
    if (crossings) write_table(root, "crossings", *crossings);
    auto pg = make_group(root, "points");
    for (const auto& p : points) {
      const std::string name = fmt::format("p{:05d}", p.index);
      const std::string run_file = point_h5_path(dir, p.index);
      if (fs::exists(run_file)) {
        copy_run_file(run_file, pg.id(), name);
      } else {
        make_group(pg.id(), name);
      }
      Handle g(H5Gopen2(pg.id(), name.c_str(), H5P_DEFAULT), H5Gclose, "group " + name);
      string_dataset(g.id(), "point_json", {to_json(p)}, true);
    }
    if (H5Fflush(root, H5F_SCOPE_GLOBAL) < 0) throw RuntimeError("HDF5: flushing '" + tmp + "' failed");
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
}

}  // namespace

std::mutex& hdf5_mutex() {
  static std::mutex m;
  return m;
}

namespace {

std::size_t add_column(Table& t, Column c) {
  t.push_back(std::move(c));
  return t.size() - 1;
}

// The columns that say which point a row belongs to: its index, the varied
// keys' values and the temperature.
struct PointKeyColumns {
  std::size_t point = 0, temperature = 0;
  std::vector<std::size_t> params;
};

PointKeyColumns add_point_key_columns(Table& t, const SweepManifest& manifest) {
  PointKeyColumns c;
  c.point = add_column(t, numbers("point"));
  for (const auto& a : manifest.axes) c.params.push_back(add_column(t, texts(a.key)));
  c.temperature = add_column(t, numbers("temperature_K"));
  return c;
}

void push_point_key(Table& t, const PointKeyColumns& c, const PointResult& p) {
  t[c.point].numbers.push_back(p.index);
  for (std::size_t i = 0; i < c.params.size(); ++i) t[c.params[i]].texts.push_back(p.parameters.at(i).second);
  t[c.temperature].numbers.push_back(p.temperature_k);
}

}  // namespace

Table point_table(const SweepManifest& manifest, const std::vector<PointResult>& points) {
  Table t;
  auto add = [&](Column c) { return add_column(t, std::move(c)); };
  const PointKeyColumns key = add_point_key_columns(t, manifest);
  const auto replicas = add(numbers("replicas"));
  const auto events = add(numbers("events"));
  const auto time = add(numbers("simulated_time_s"));
  const auto converged = add(numbers("converged"));
  const auto sigmas = add(numbers("max_half_difference_sigmas"));
  for (const auto& p : points) {
    push_point_key(t, key, p);
    t[replicas].numbers.push_back(p.replicas);
    t[events].numbers.push_back(static_cast<double>(p.events));
    t[time].numbers.push_back(p.simulated_time_s);
    t[converged].numbers.push_back(p.converged());
    t[sigmas].numbers.push_back(p.max_half_difference_sigmas());
  }
  // Field columns only in sweeps that apply a field somewhere.
  bool any_field = false;
  for (const auto& p : points) any_field = any_field || p.has_field();
  if (any_field) {
    Column c = numbers("field_V_per_A");
    for (const auto& p : points) {
      const auto& f = p.field_v_per_angstrom;
      c.numbers.push_back(std::sqrt(f[0] * f[0] + f[1] * f[1] + f[2] * f[2]));
    }
    t.push_back(std::move(c));
  }
  // Per species and per defect type: D, its halves, (species) f, and in a field the mobility.
  for (const bool defects : {false, true}) {
    for (const auto& name : union_names(points, defects)) {
      std::vector<std::pair<std::string, std::function<double(const DiffusionResult&)>>> fields = {
          {"D_" + name + "_cm2_s", [](const auto& d) { return d.d_cm2_s.value; }},
          {"D_" + name + "_err_cm2_s", [](const auto& d) { return d.d_cm2_s.error; }},
          {"D1_" + name + "_cm2_s", [](const auto& d) { return d.first_half_d_cm2_s.value; }},
          {"D1_" + name + "_err_cm2_s", [](const auto& d) { return d.first_half_d_cm2_s.error; }},
          {"D2_" + name + "_cm2_s", [](const auto& d) { return d.second_half_d_cm2_s.value; }},
          {"D2_" + name + "_err_cm2_s", [](const auto& d) { return d.second_half_d_cm2_s.error; }},
      };
      if (!defects) {
        fields.push_back({"f_" + name, [](const auto& d) { return d.correlation_factor.value; }});
        fields.push_back({"f_" + name + "_err", [](const auto& d) { return d.correlation_factor.error; }});
      }
      if (any_field) {
        fields.push_back({"mu_" + name + "_cm2_V_s", [](const auto& d) { return d.mobility_cm2_v_s.value; }});
        fields.push_back({"mu_" + name + "_err_cm2_V_s", [](const auto& d) { return d.mobility_cm2_v_s.error; }});
      }
      for (const auto& [column, get] : fields) {
        Column c = numbers(column);
        for (const auto& p : points) {
          const auto* d = find(defects ? p.defects : p.species, name);
          c.numbers.push_back(d ? get(*d) : kNaN);
        }
        t.push_back(std::move(c));
      }
    }
  }
  std::vector<std::pair<std::string, std::function<double(const PointResult&)>>> tail = {
      {"charge_D_cm2_s", [](const auto& p) { return p.charge_d_cm2_s.value; }},
      {"charge_D_err_cm2_s", [](const auto& p) { return p.charge_d_cm2_s.error; }},
      {"haven_ratio", [](const auto& p) { return p.haven_ratio.value; }},
      {"haven_ratio_err", [](const auto& p) { return p.haven_ratio.error; }},
  };
  if (any_field) {
    tail.push_back({"sigma_S_cm", [](const auto& p) { return p.conductivity_s_cm.value; }});
    tail.push_back({"sigma_err_S_cm", [](const auto& p) { return p.conductivity_s_cm.error; }});
    tail.push_back({"sigma_NE_S_cm", [](const auto& p) { return p.nernst_einstein_conductivity_s_cm.value; }});
    tail.push_back({"sigma_NE_err_S_cm", [](const auto& p) { return p.nernst_einstein_conductivity_s_cm.error; }});
  }
  for (const auto& [column, get] : tail) {
    Column c = numbers(column);
    for (const auto& p : points) c.numbers.push_back(get(p));
    t.push_back(std::move(c));
  }
  return t;
}

Table crossing_table(const SweepManifest& manifest, const std::vector<PointResult>& points) {
  Table t;
  auto add = [&](Column c) { return add_column(t, std::move(c)); };
  const PointKeyColumns key = add_point_key_columns(t, manifest);
  const auto kind = add(texts("plane_kind"));
  const auto index = add(numbers("index"));
  const auto position = add(numbers("position_A"));
  const auto lower = add(numbers("lower_layer"));
  const auto upper = add(numbers("upper_layer"));
  const auto entity = add(texts("entity"));
  struct EstimateColumns {
    const char* value;
    const char* error;
    kmc::Estimate CrossingRow::*member;
  };
  const EstimateColumns estimates[] = {
      {"rate_per_cm2_s", "rate_err_per_cm2_s", &CrossingRow::rate_per_cm2_s},
      {"net_per_cm2_s", "net_err_per_cm2_s", &CrossingRow::net_per_cm2_s},
      {"P_vs_lower", "P_vs_lower_err", &CrossingRow::permeability_vs_lower},
      {"P_vs_upper", "P_vs_upper_err", &CrossingRow::permeability_vs_upper}};
  std::vector<std::size_t> value_columns;  // each followed by its error column
  for (const auto& e : estimates) {
    value_columns.push_back(add(numbers(e.value)));
    add(numbers(e.error));
  }
  auto nan_if_negative = [](int v) { return v < 0 ? kNaN : static_cast<double>(v); };
  for (const auto& p : points)
    for (const auto& row : p.crossings) {
      push_point_key(t, key, p);
      t[kind].texts.push_back(row.kind);
      t[index].numbers.push_back(nan_if_negative(row.index));
      t[position].numbers.push_back(row.position_A);
      t[lower].numbers.push_back(nan_if_negative(row.lower_layer));
      t[upper].numbers.push_back(nan_if_negative(row.upper_layer));
      t[entity].texts.push_back(row.entity);
      for (std::size_t k = 0; k < std::size(estimates); ++k) {
        const kmc::Estimate& e = row.*estimates[k].member;
        t[value_columns[k]].numbers.push_back(e.value);
        t[value_columns[k] + 1].numbers.push_back(e.error);
      }
    }
  return t;
}

Table arrhenius_table(const SweepManifest& manifest, const std::vector<PointResult>& points) {
  // Composition: the values of every varied key except the temperature.
  std::vector<std::size_t> group_axes;
  for (std::size_t i = 0; i < manifest.axes.size(); ++i)
    if (manifest.axes[i].key != kTemperatureKey) group_axes.push_back(i);
  std::vector<std::vector<std::string>> groups;
  std::map<std::vector<std::string>, std::vector<const PointResult*>> members;
  for (const auto& p : points) {
    std::vector<std::string> key;
    for (auto i : group_axes) key.push_back(p.parameters.at(i).second);
    if (!members.count(key)) groups.push_back(key);
    members[key].push_back(&p);
  }
  Table t;
  for (auto i : group_axes) t.push_back(texts(manifest.axes[i].key));
  t.push_back(texts("quantity"));
  for (const char* name : {"points_used", "T_min_K", "T_max_K", "Ea_eV", "Ea_err_eV", "D0_cm2_s",
                           "D0_err_cm2_s", "ln_D0", "ln_D0_err", "cov_ln_D0_Ea_eV", "reduced_chi2"})
    t.push_back(numbers(name));
  const std::size_t first_number = group_axes.size() + 1;
  for (const auto& key : groups) {
    const auto& list = members[key];
    for (const bool defects : {false, true}) {
      for (const auto& name : union_names(points, defects)) {
        std::vector<ArrheniusPoint> data;
        std::set<double> temperatures;
        for (const auto* p : list) {
          const auto* d = find(defects ? p->defects : p->species, name);
          if (!d) continue;
          data.push_back({p->temperature_k, d->d_cm2_s.value, d->d_cm2_s.error});
          temperatures.insert(p->temperature_k);
        }
        if (temperatures.size() < 2) continue;
        const ArrheniusFit f = fit_arrhenius(data);
        for (std::size_t i = 0; i < key.size(); ++i) t[i].texts.push_back(key[i]);
        t[group_axes.size()].texts.push_back(defects ? name : "tracer_" + name);
        const double values[] = {static_cast<double>(f.points_used), f.t_min_k, f.t_max_k, f.e_a_ev,
                                 f.e_a_error_ev, f.d0, f.d0_error, f.ln_d0, f.ln_d0_error,
                                 f.covariance_ln_d0_e_a, f.reduced_chi2};
        for (std::size_t i = 0; i < std::size(values); ++i) t[first_number + i].numbers.push_back(values[i]);
      }
    }
  }
  return t;
}

std::string to_csv(const Table& table) {
  std::string out;
  for (std::size_t c = 0; c < table.size(); ++c) {
    if (c) out += ',';
    out += csv_field(table[c].name);
  }
  out += "\n";
  const std::size_t rows =
      table.empty() ? 0 : (table[0].numeric ? table[0].numbers.size() : table[0].texts.size());
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < table.size(); ++c) {
      if (c) out += ",";
      out += table[c].numeric ? format_number(table[c].numbers[r]) : csv_field(table[c].texts[r]);
    }
    out += "\n";
  }
  return out;
}

void write_sweep_tables(const std::string& dir, const SweepManifest& manifest,
                        const std::vector<PointResult>& points) {
  const Table table = point_table(manifest, points);
  const Table arrhenius = arrhenius_table(manifest, points);
  const Table crossings = crossing_table(manifest, points);
  const bool any_crossings = !crossings.empty() && !crossings[0].numbers.empty();
  write_file_atomically((fs::path(dir) / "sweep.csv").string(), to_csv(table));
  write_file_atomically((fs::path(dir) / "arrhenius.csv").string(), to_csv(arrhenius));
  // The tables are a function of the points: no crossings, no crossings table
  // (not one left from an earlier sweep in this directory).
  const fs::path crossings_csv = fs::path(dir) / "crossings.csv";
  if (any_crossings) write_file_atomically(crossings_csv.string(), to_csv(crossings));
  else fs::remove(crossings_csv);
  write_sweep_h5((fs::path(dir) / "sweep.h5").string(), dir, manifest, points, table, arrhenius,
                 any_crossings ? &crossings : nullptr);
}

}  // namespace hkmc::sweep
