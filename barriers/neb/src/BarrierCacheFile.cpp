#include "hkmc/neb/BarrierCacheFile.hpp"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <unordered_map>

#include "hkmc/common/Error.hpp"
#include "hkmc/common/Hdf5Util.hpp"

namespace hkmc::neb {
namespace {

using hdf5::Handle;

[[noreturn]] void refuse(const std::string& path, const std::string& why) {
  throw RuntimeError("barrier cache '" + path + "': " + why);
}

const std::vector<std::pair<std::string, HopBarrierStatus>>& status_names() {
  static const std::vector<std::pair<std::string, HopBarrierStatus>> names{
      {to_string(HopBarrierStatus::Ok), HopBarrierStatus::Ok},
      {to_string(HopBarrierStatus::NotConverged), HopBarrierStatus::NotConverged},
      {to_string(HopBarrierStatus::BelowEndpoint), HopBarrierStatus::BelowEndpoint},
      {to_string(HopBarrierStatus::BasinChange), HopBarrierStatus::BasinChange},
      {to_string(HopBarrierStatus::Failed), HopBarrierStatus::Failed}};
  return names;
}

// ---- reading: every shape and type checked, errors name the file.

using hdf5::has_link;

std::string read_string_attribute(hid_t obj, const char* name, const std::string& path) {
  return hdf5::read_string_attribute(obj, name, [&](const std::string& why) { refuse(path, why); });
}

std::int64_t read_int_attribute(hid_t obj, const char* name, const std::string& path) {
  return hdf5::read_int_attribute(obj, name, [&](const std::string& why) { refuse(path, why); });
}

template <class T>
std::vector<T> read_column(hid_t parent, const char* name, std::size_t n, const std::string& path) {
  if (!has_link(parent, name)) refuse(path, std::string("dataset 'records/") + name + "' is missing");
  Handle set(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, "dataset");
  Handle space(H5Dget_space(set.id()), H5Sclose, "dataspace");
  if (H5Sget_simple_extent_ndims(space.id()) != 1 || H5Sget_simple_extent_npoints(space.id()) != static_cast<hssize_t>(n))
    refuse(path, std::string("dataset 'records/") + name + "' does not hold " + std::to_string(n) + " values");
  std::vector<T> values(n);
  if (n && H5Dread(set.id(), hdf5::native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) < 0)
    refuse(path, std::string("cannot read dataset 'records/") + name + "'");
  return values;
}

std::vector<std::string> read_strings(hid_t parent, const char* name, std::size_t n, const std::string& path) {
  if (!has_link(parent, name)) refuse(path, std::string("dataset 'records/") + name + "' is missing");
  Handle set(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, "dataset");
  Handle type(H5Dget_type(set.id()), H5Tclose, "type");
  Handle space(H5Dget_space(set.id()), H5Sclose, "dataspace");
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0 ||
      H5Sget_simple_extent_ndims(space.id()) != 1 || H5Sget_simple_extent_npoints(space.id()) != static_cast<hssize_t>(n))
    refuse(path, std::string("dataset 'records/") + name + "' is not " + std::to_string(n) + " fixed-length strings");
  const std::size_t width = H5Tget_size(type.id());
  if (width == 0 || width > (1u << 16)) refuse(path, std::string("dataset 'records/") + name + "' has a bad string size");
  std::vector<char> buffer(n * width);
  if (n && H5Dread(set.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()) < 0)
    refuse(path, std::string("cannot read dataset 'records/") + name + "'");
  std::vector<std::string> values(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(buffer.data() + i * width, width);
    values[i] = s.substr(0, s.find('\0'));
  }
  return values;
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) refuse(path, "cannot be opened for reading");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) refuse(path, "read error");
  return bytes;
}

}  // namespace

std::string CacheProvenance::difference(const CacheProvenance& other) const {
  std::string out;
  auto compare = [&](const char* field, const std::string& a, const std::string& b) {
    if (a != b) out += std::string(out.empty() ? "" : "\n") + "  " + field + ": '" + a + "' vs '" + b + "'";
  };
  compare("potential", potential, other.potential);
  compare("potential_sha256", potential_sha256, other.potential_sha256);
  compare("settings", settings, other.settings);
  compare("environment", environment, other.environment);
  return out;
}

CacheFile read_cache_file(const std::string& path) {
  const auto bytes = read_bytes(path);
  if (bytes.size() < 8 || bytes[0] != 0x89 || bytes[1] != 'H' || bytes[2] != 'D' || bytes[3] != 'F')
    refuse(path, "not an HDF5 file");
  // Opened from memory: a damaged file can fail only here, not half-way
  // through a later write.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties");
  hdf5::check(H5Pset_fapl_core(fapl.id(), 1 << 20, 0), "core driver");
  if (H5Pset_file_image(fapl.id(), const_cast<std::uint8_t*>(bytes.data()), bytes.size()) < 0)
    refuse(path, "cannot take its image");
  H5E_auto2_t old_handler = nullptr;
  void* old_data = nullptr;
  H5Eget_auto2(H5E_DEFAULT, &old_handler, &old_data);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);  // our messages, not HDF5's stack dumps
  struct RestoreHandler {
    H5E_auto2_t h;
    void* d;
    ~RestoreHandler() { H5Eset_auto2(H5E_DEFAULT, h, d); }
  } restore{old_handler, old_data};
  const hid_t fid = H5Fopen((path + "#image").c_str(), H5F_ACC_RDONLY, fapl.id());
  if (fid < 0) refuse(path, "damaged or not an HDF5 file");
  Handle file(fid, H5Fclose, "file");
  Handle root(H5Gopen2(file.id(), "/", H5P_DEFAULT), H5Gclose, "root group");
  if (H5Aexists(root.id(), "format") <= 0 || read_string_attribute(root.id(), "format", path) != kCacheFormat)
    refuse(path, std::string("not a barrier cache (its 'format' attribute is not '") + kCacheFormat + "')");
  const auto version = read_int_attribute(root.id(), "format_version", path);
  if (version != kCacheFormatVersion)
    refuse(path, "format_version " + std::to_string(version) + "; this halide-kmc reads version " +
                     std::to_string(kCacheFormatVersion));
  CacheFile cache;
  cache.provenance.potential = read_string_attribute(root.id(), "potential", path);
  cache.provenance.potential_sha256 = read_string_attribute(root.id(), "potential_sha256", path);
  cache.provenance.settings = read_string_attribute(root.id(), "settings", path);
  cache.provenance.environment = read_string_attribute(root.id(), "environment", path);
  cache.provenance.program_version = read_string_attribute(root.id(), "program_version", path);
  if (H5Aexists(root.id(), "usage_hits") > 0) cache.usage_hits = read_int_attribute(root.id(), "usage_hits", path);
  if (H5Aexists(root.id(), "usage_misses") > 0)
    cache.usage_misses = read_int_attribute(root.id(), "usage_misses", path);
  const auto count = read_int_attribute(root.id(), "records", path);
  if (count < 0 || count > (std::int64_t{1} << 32)) refuse(path, "bad record count");
  const auto n = static_cast<std::size_t>(count);
  if (!has_link(root.id(), "records")) refuse(path, "group 'records' is missing");
  Handle g(H5Gopen2(root.id(), "records", H5P_DEFAULT), H5Gclose, "group records");
  const auto hop_class = read_strings(g.id(), "hop_class", n, path);
  const auto moving = read_strings(g.id(), "moving", n, path);
  const auto occupancy = read_strings(g.id(), "occupancy", n, path);
  const auto status = read_strings(g.id(), "status", n, path);
  const auto message = read_strings(g.id(), "message", n, path);
  const auto e_forward = read_column<double>(g.id(), "e_forward", n, path);
  const auto e_backward = read_column<double>(g.id(), "e_backward", n, path);
  const auto e_kra = read_column<double>(g.id(), "e_kra", n, path);
  const auto delta_e = read_column<double>(g.id(), "delta_e", n, path);
  const auto max_force = read_column<double>(g.id(), "max_force", n, path);
  const auto lattice_constant = read_column<double>(g.id(), "lattice_constant", n, path);
  const auto wall_seconds = read_column<double>(g.id(), "wall_seconds", n, path);
  const auto force_calls = read_column<std::int32_t>(g.id(), "force_calls", n, path);
  const auto attempts = read_column<std::int32_t>(g.id(), "attempts", n, path);
  const auto image_count = read_column<std::int32_t>(g.id(), "image_count", n, path);
  std::size_t total_images = 0;
  for (auto c : image_count) {
    if (c < 0 || c > 1000) refuse(path, "bad image_count");
    total_images += static_cast<std::size_t>(c);
  }
  const auto images = read_column<double>(g.id(), "image_energies", total_images, path);
  std::size_t offset = 0;
  cache.records.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    CacheRecord& r = cache.records[i];
    r.hop_class = hop_class[i];
    r.moving = moving[i];
    r.occupancy = occupancy[i];
    auto& b = r.barrier;
    b.e_forward = e_forward[i];
    b.e_backward = e_backward[i];
    b.e_kra = e_kra[i];
    b.delta_e = delta_e[i];
    b.max_force = max_force[i];
    b.lattice_constant = lattice_constant[i];
    b.wall_seconds = wall_seconds[i];
    b.force_calls = force_calls[i];
    b.attempts = attempts[i];
    b.message = message[i];
    b.image_energies.assign(images.begin() + offset, images.begin() + offset + image_count[i]);
    offset += image_count[i];
    bool known = false;
    for (const auto& [name, value] : status_names())
      if (name == status[i]) {
        b.status = value;
        known = true;
      }
    if (!known) refuse(path, "record " + std::to_string(i) + " has an unknown status '" + status[i] + "'");
    if (b.usable() && !(std::isfinite(b.e_kra) && b.e_kra >= 0))
      refuse(path, "record " + std::to_string(i) + " is marked ok but its E_KRA is " + std::to_string(b.e_kra));
  }
  return cache;
}

void write_cache_file(const std::string& path, const CacheFile& cache) {
  const std::size_t n = cache.records.size();
  std::vector<std::string> hop_class(n), moving(n), occupancy(n), status(n), message(n);
  std::vector<double> e_forward(n), e_backward(n), e_kra(n), delta_e(n), max_force(n), lattice_constant(n),
      wall_seconds(n), images;
  std::vector<std::int32_t> force_calls(n), attempts(n), image_count(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = cache.records[i];
    const auto& b = r.barrier;
    hop_class[i] = r.hop_class;
    moving[i] = r.moving;
    occupancy[i] = r.occupancy;
    status[i] = to_string(b.status);
    message[i] = b.message;
    e_forward[i] = b.e_forward;
    e_backward[i] = b.e_backward;
    e_kra[i] = b.e_kra;
    delta_e[i] = b.delta_e;
    max_force[i] = b.max_force;
    lattice_constant[i] = b.lattice_constant;
    wall_seconds[i] = b.wall_seconds;
    force_calls[i] = b.force_calls;
    attempts[i] = b.attempts;
    image_count[i] = static_cast<std::int32_t>(b.image_energies.size());
    images.insert(images.end(), b.image_energies.begin(), b.image_energies.end());
  }
  std::vector<std::uint8_t> image;
  {
    Handle file = hdf5::create_memory_file(path);
    Handle root(H5Gopen2(file.id(), "/", H5P_DEFAULT), H5Gclose, "root group");
    hdf5::string_attribute(root.id(), "format", kCacheFormat);
    hdf5::attribute<std::int64_t>(root.id(), "format_version", kCacheFormatVersion);
    hdf5::string_attribute(root.id(), "potential", cache.provenance.potential);
    hdf5::string_attribute(root.id(), "potential_sha256", cache.provenance.potential_sha256);
    hdf5::string_attribute(root.id(), "settings", cache.provenance.settings);
    hdf5::string_attribute(root.id(), "environment", cache.provenance.environment);
    hdf5::string_attribute(root.id(), "program_version", cache.provenance.program_version);
    hdf5::attribute<std::int64_t>(root.id(), "records", static_cast<std::int64_t>(n));
    hdf5::attribute<std::int64_t>(root.id(), "usage_hits", cache.usage_hits);
    hdf5::attribute<std::int64_t>(root.id(), "usage_misses", cache.usage_misses);
    Handle g = hdf5::group(root.id(), "records");
    hdf5::string_list(g.id(), "hop_class", hop_class);
    hdf5::string_list(g.id(), "moving", moving);
    hdf5::string_list(g.id(), "occupancy", occupancy);
    hdf5::string_list(g.id(), "status", status);
    hdf5::string_list(g.id(), "message", message);
    hdf5::dataset(g.id(), "e_forward", e_forward);
    hdf5::dataset(g.id(), "e_backward", e_backward);
    hdf5::dataset(g.id(), "e_kra", e_kra);
    hdf5::dataset(g.id(), "delta_e", delta_e);
    hdf5::dataset(g.id(), "max_force", max_force);
    hdf5::dataset(g.id(), "lattice_constant", lattice_constant);
    hdf5::dataset(g.id(), "wall_seconds", wall_seconds);
    hdf5::dataset(g.id(), "force_calls", force_calls);
    hdf5::dataset(g.id(), "attempts", attempts);
    hdf5::dataset(g.id(), "image_count", image_count);
    hdf5::dataset(g.id(), "image_energies", images);
    image = hdf5::file_image(file.id(), path);
  }
  const std::string tmp = path + ".tmp";
  hdf5::write_file_durably(tmp, image);
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw RuntimeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  }
}

MergeReport merge_cache(CacheFile& into, const CacheFile& from, const std::string& into_name,
                        const std::string& from_name) {
  const std::string diff = into.provenance.difference(from.provenance);
  if (!diff.empty())
    throw Error("cannot merge '" + from_name + "' into '" + into_name +
                "': their barriers were computed differently ('" + into_name + "' vs '" + from_name + "'):\n" + diff);
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < into.records.size(); ++i) index.emplace(into.records[i].key(), i);
  MergeReport report;
  into.usage_hits += from.usage_hits;
  into.usage_misses += from.usage_misses;
  for (const auto& r : from.records) {
    const auto it = index.find(r.key());
    if (it == index.end()) {
      index.emplace(r.key(), into.records.size());
      into.records.push_back(r);
      ++report.added;
      continue;
    }
    ++report.duplicates;
    const auto& kept = into.records[it->second].barrier;
    if (kept.usable() != r.barrier.usable() || std::abs(kept.e_kra - r.barrier.e_kra) > 1e-6) ++report.conflicts;
  }
  return report;
}

}  // namespace hkmc::neb
