#include "hkmc/kmc/RunFile.hpp"

#include <hdf5.h>

#include <filesystem>
#include <limits>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Hdf5Util.hpp"

namespace hkmc::kmc {
namespace {

using namespace hdf5;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Reads one output file; every failure names the file and the object.
class Reader {
 public:
  explicit Reader(std::string path) : m_path(std::move(path)) {}

  [[noreturn]] void refuse(const std::string& why) const {
    throw InputError("'" + m_path + "': " + why);
  }
  auto refuser() const {
    return [this](const std::string& why) { refuse(why); };
  }

  Handle open_group(hid_t parent, const std::string& name) const {
    if (!has_link(parent, name.c_str())) refuse("group '" + name + "' is missing (not a complete halide-kmc output?)");
    const hid_t g = H5Gopen2(parent, name.c_str(), H5P_DEFAULT);
    if (g < 0) refuse("'" + name + "' is not a group");
    return Handle(g, H5Gclose, "group " + name);
  }

  // A numeric attribute of `n` values; NaNs when absent and not `required`.
  std::vector<double> doubles_attribute(hid_t obj, const std::string& name, std::size_t n, bool required) const {
    if (H5Aexists(obj, name.c_str()) <= 0) {
      if (required) refuse("attribute '" + name + "' is missing");
      return std::vector<double>(n, kNaN);
    }
    Handle attr(H5Aopen(obj, name.c_str(), H5P_DEFAULT), H5Aclose, "attribute " + name);
    Handle space(H5Aget_space(attr.id()), H5Sclose, "dataspace " + name);
    if (H5Sget_simple_extent_npoints(space.id()) != static_cast<hssize_t>(n))
      refuse("attribute '" + name + "' does not hold " + std::to_string(n) + " value(s)");
    std::vector<double> v(n);
    if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, v.data()) < 0) refuse("cannot read attribute '" + name + "'");
    return v;
  }
  double number(hid_t obj, const std::string& name, bool required = true) const {
    return doubles_attribute(obj, name, 1, required)[0];
  }
  RunFileEstimate estimate(hid_t obj, const std::string& prefix) const {
    return {number(obj, prefix, false), number(obj, prefix + "_err", false)};
  }
  std::array<RunFileEstimate, 3> vector_estimate(hid_t obj, const std::string& prefix) const {
    const auto v = doubles_attribute(obj, prefix, 3, false), e = doubles_attribute(obj, prefix + "_err", 3, false);
    return {RunFileEstimate{v[0], e[0]}, RunFileEstimate{v[1], e[1]}, RunFileEstimate{v[2], e[2]}};
  }

  // A numeric dataset as T, with its dimensions; empty when absent and not `required`.
  template <class T>
  std::vector<T> data(hid_t parent, const std::string& name, std::vector<hsize_t>* dims = nullptr,
                      bool required = false) const {
    if (!has_link(parent, name.c_str())) {
      if (required) refuse("dataset '" + name + "' is missing");
      return {};
    }
    const hid_t id = H5Dopen2(parent, name.c_str(), H5P_DEFAULT);
    if (id < 0) refuse("'" + name + "' is not a dataset");
    Handle set(id, H5Dclose, "dataset " + name);
    Handle space(H5Dget_space(set.id()), H5Sclose, "dataspace " + name);
    const int rank = H5Sget_simple_extent_ndims(space.id());
    if (rank < 0 || rank > 8) refuse("dataset '" + name + "' has a bad shape");
    std::vector<hsize_t> shape(rank);
    H5Sget_simple_extent_dims(space.id(), shape.data(), nullptr);
    hsize_t n = 1;
    for (auto d : shape) n *= d;
    if (n > (hsize_t{1} << 32)) refuse("dataset '" + name + "' is implausibly large");
    std::vector<T> v(n);
    if (n && H5Dread(set.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) < 0)
      refuse("cannot read dataset '" + name + "' as numbers");
    if (dims) *dims = shape;
    return v;
  }

  std::vector<std::string> strings(hid_t parent, const std::string& name) const {
    if (!has_link(parent, name.c_str())) refuse("dataset '" + name + "' is missing");
    Handle set(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose, "dataset " + name);
    Handle type(H5Dget_type(set.id()), H5Tclose, "type " + name);
    Handle space(H5Dget_space(set.id()), H5Sclose, "dataspace " + name);
    if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0)
      refuse("dataset '" + name + "' is not a list of fixed-length strings");
    const std::size_t width = H5Tget_size(type.id());
    const hssize_t n = H5Sget_simple_extent_npoints(space.id());
    if (width == 0 || width > 4096 || n < 0 || n > 100000) refuse("dataset '" + name + "' has a bad size");
    std::vector<char> buffer(width * static_cast<std::size_t>(n));
    if (n && H5Dread(set.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
      refuse("cannot read dataset '" + name + "'");
    std::vector<std::string> out;
    for (hssize_t i = 0; i < n; ++i) {
      std::string s(buffer.data() + i * width, width);
      out.push_back(s.substr(0, s.find('\0')));
    }
    return out;
  }

  std::vector<std::string> children(hid_t group) const {
    H5G_info_t info;
    if (H5Gget_info(group, &info) < 0) refuse("cannot list a group");
    std::vector<std::string> names;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
      char buf[256] = {};
      if (H5Lget_name_by_idx(group, ".", H5_INDEX_NAME, H5_ITER_INC, i, buf, sizeof buf, H5P_DEFAULT) < 0)
        refuse("cannot list a group");
      names.emplace_back(buf);
    }
    return names;
  }

 private:
  std::string m_path;
};

RunFileSpecies read_species(const Reader& r, hid_t g, const std::string& name, const char* count_key) {
  RunFileSpecies s;
  s.name = name;
  s.ions = read_int_attribute(g, count_key, r.refuser());
  if (H5Aexists(g, "hops") > 0) s.hops = read_int_attribute(g, "hops", r.refuser());
  s.d_cm2_s = r.estimate(g, "D_cm2_s");
  s.correlation_factor = r.estimate(g, "correlation_factor");
  s.mobility_cm2_v_s = r.estimate(g, "mobility_cm2_V_s");
  s.drift_velocity_cm_s = r.vector_estimate(g, "drift_velocity_cm_s");
  return s;
}

// `name` and `name_err` of `entities` columns, as written by RunOutput's estimate_matrix.
RunFileMatrix read_matrix(const Reader& r, hid_t g, const std::string& name, std::size_t entities) {
  RunFileMatrix m;
  std::vector<hsize_t> dims, err_dims;
  m.value = r.data<double>(g, name, &dims);
  m.error = r.data<double>(g, name + "_err", &err_dims);
  if (m.value.empty()) return m;
  if (dims.size() != 2 || dims[1] != entities || err_dims != dims)
    r.refuse("dataset 'observables/crossings/" + name + "' (or its _err) does not have the shape rows × entities");
  m.rows = dims[0];
  return m;
}

void read_crossings(const Reader& r, hid_t root, RunFileCrossings& c) {
  {
    const Handle g = r.open_group(root, "crossings");
    c.axis = static_cast<int>(read_int_attribute(g.id(), "axis", r.refuser()));
    c.plane_area_A2 = r.number(g.id(), "plane_area_A2");
    c.plane_position_A = r.data<double>(g.id(), "plane_position_A", nullptr, true);
    c.layer_cells = r.data<std::int64_t>(g.id(), "layer_cells");
    c.interface_planes = r.data<std::int64_t>(g.id(), "interface_planes");
    c.bulk_planes = r.data<std::int64_t>(g.id(), "bulk_planes");
  }
  const Handle obs = r.open_group(root, "observables");
  const Handle g = r.open_group(obs.id(), "crossings");
  c.entities = r.strings(g.id(), "entities");
  const std::size_t n = c.entities.size();
  c.plane_total = read_matrix(r, g.id(), "plane_total_per_cm2_s", n);
  c.bulk_total = read_matrix(r, g.id(), "bulk_total_per_cm2_s", n);
  c.interface_total = read_matrix(r, g.id(), "interface_total_per_cm2_s", n);
  c.interface_net = read_matrix(r, g.id(), "interface_net_per_cm2_s", n);
  c.permeability_vs_lower = read_matrix(r, g.id(), "permeability_vs_lower", n);
  c.permeability_vs_upper = read_matrix(r, g.id(), "permeability_vs_upper", n);
  if (c.interface_total.rows != c.interface_planes.size() || c.bulk_total.rows != c.bulk_planes.size() ||
      c.plane_total.rows != c.plane_position_A.size())
    r.refuse("the crossing rates do not match the planes in 'crossings'");
}

}  // namespace

RunFile read_run_file(const std::string& path) {
  const Reader r(path);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) r.refuse("no such file");
  if (std::filesystem::is_directory(path, ec)) r.refuse("is a directory, not a run output");
  QuietErrors quiet;
  if (H5Fis_hdf5(path.c_str()) <= 0) r.refuse("not an HDF5 file (expected the [output] file of a halide-kmc run)");
  const hid_t fid = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (fid < 0) r.refuse("HDF5 cannot open it (unreadable or damaged)");
  Handle file(fid, H5Fclose, "file " + path);
  const hid_t root = file.id();
  if (H5Aexists(root, "format") <= 0)
    r.refuse("not a halide-kmc run output (no 'format' attribute; a checkpoint or another program's file?)");
  const std::string format = read_string_attribute(root, "format", r.refuser());
  if (format != "halide-kmc-output")
    r.refuse("its format is '" + format + "', not 'halide-kmc-output'" +
             (format == "halide-kmc-checkpoint" ? " (a checkpoint: continue it with `run --restart`)" : ""));
  const auto version = read_int_attribute(root, "format_version", r.refuser());
  if (version < 1 || version > 2)
    r.refuse("output format version " + std::to_string(version) + "; this program reads versions 1 and 2");

  RunFile f;
  f.path = path;
  f.program_version = read_string_attribute(root, "program_version", r.refuser());
  f.created_utc = read_string_attribute(root, "created_utc", r.refuser());
  f.command_line = read_string_attribute(root, "command_line", r.refuser());
  f.complete = read_int_attribute(root, "complete", r.refuser()) != 0;
  {
    const Handle g = r.open_group(root, "lattice");
    f.prototype = read_string_attribute(g.id(), "prototype", r.refuser());
    const auto sc = r.data<std::int64_t>(g.id(), "supercell", nullptr, true);
    if (sc.size() != 3) r.refuse("dataset 'lattice/supercell' does not hold 3 values");
    f.supercell = {sc[0], sc[1], sc[2]};
    f.species_names = r.strings(g.id(), "species_names");
    if (f.species_names.empty()) r.refuse("dataset 'lattice/species_names' is empty");
  }
  if (has_link(root, "segregation")) {
    const Handle g = r.open_group(root, "segregation");
    f.sro_shell_distance_A = r.data<double>(g.id(), "sro_shell_distance_A");
    f.sro_shells = static_cast<int>(f.sro_shell_distance_A.size());
    f.structure_factor_k_inv_A = r.data<double>(g.id(), "structure_factor_k_inv_A");
    if (!f.structure_factor_k_inv_A.empty())
      f.structure_factor_cutoff_inv_A = r.number(g.id(), "structure_factor_cutoff_inv_A");
    if (H5Aexists(g.id(), "domain_min_sites") > 0)
      f.domain_min_sites = read_int_attribute(g.id(), "domain_min_sites", r.refuser());
  }
  const std::size_t codes = f.species_names.size();
  {
    const Handle g = r.open_group(root, "observables");
    f.replicas = read_int_attribute(g.id(), "replicas", r.refuser());
    f.events = read_int_attribute(g.id(), "events", r.refuser());
    f.simulated_time_s = r.number(g.id(), "simulated_time_s");
    f.temperature_k = r.number(g.id(), "temperature_K", false);
    const auto field = r.doubles_attribute(g.id(), "field_V_per_A", 3, false);
    f.field_v_per_angstrom = {field[0], field[1], field[2]};
    f.charge_d_cm2_s = r.estimate(g.id(), "charge_D_cm2_s");
    f.haven_ratio = r.estimate(g.id(), "haven_ratio");
    f.conductivity_s_cm = r.estimate(g.id(), "conductivity_S_cm");
    f.nernst_einstein_s_cm = r.estimate(g.id(), "nernst_einstein_conductivity_S_cm");
    f.current_density_a_cm2 = r.vector_estimate(g.id(), "current_density_A_cm2");
    const Handle sg = r.open_group(g.id(), "species");
    for (const auto& name : r.children(sg.id())) {
      const Handle x = r.open_group(sg.id(), name);
      f.species.push_back(read_species(r, x.id(), name, "ions"));
    }
    const Handle dg = r.open_group(g.id(), "defects");
    for (const auto& name : r.children(dg.id())) {
      const Handle x = r.open_group(dg.id(), name);
      f.defects.push_back(read_species(r, x.id(), name, "count"));
    }
  }
  if (has_link(root, "crossings")) read_crossings(r, root, f.crossings);
  const Handle rg = r.open_group(root, "replicas");
  for (const auto& name : r.children(rg.id())) {
    const Handle g = r.open_group(rg.id(), name);
    RunFileReplica rep;
    rep.name = name;
    rep.events = read_int_attribute(g.id(), "events", r.refuser());
    rep.time_s = r.number(g.id(), "time_s");
    const Handle ts = r.open_group(g.id(), "timeseries");
    rep.sample_time_s = r.data<double>(ts.id(), "time_s", nullptr, true);
    const std::size_t samples = rep.sample_time_s.size();
    const std::string where = "replicas/" + name + "/timeseries/";
    std::vector<hsize_t> dims;
    rep.sro_alpha = r.data<double>(ts.id(), "sro_alpha", &dims);
    if (!rep.sro_alpha.empty() &&
        (dims.size() != 4 || dims[0] != samples || dims[1] != static_cast<hsize_t>(f.sro_shells) ||
         dims[2] != codes || dims[3] != codes))
      r.refuse("dataset '" + where + "sro_alpha' does not have the shape samples × shells × codes × codes");
    rep.length_A = r.data<double>(ts.id(), "length_A", &dims);
    if (!rep.length_A.empty() && (dims.size() != 2 || dims[0] != samples || dims[1] != codes))
      r.refuse("dataset '" + where + "length_A' does not have the shape samples × codes");
    rep.domains = r.data<std::int32_t>(ts.id(), "domains", &dims);
    if (!rep.domains.empty() && (dims.size() != 2 || dims[0] != samples || dims[1] != codes))
      r.refuse("dataset '" + where + "domains' does not have the shape samples × codes");
    rep.profile_counts = r.data<std::int32_t>(ts.id(), "profile_counts", &dims);
    if (!rep.profile_counts.empty()) {
      if (dims.size() != 3 || dims[0] != samples || dims[2] != codes)
        r.refuse("dataset '" + where + "profile_counts' does not have the shape samples × layers × codes");
      rep.profile_layers = static_cast<int>(dims[1]);
    }
    f.replica_series.push_back(std::move(rep));
  }
  return f;
}

}  // namespace hkmc::kmc
