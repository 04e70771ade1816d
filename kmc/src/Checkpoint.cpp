#include "hkmc/kmc/Checkpoint.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "hkmc/common/Hdf5Util.hpp"

namespace hkmc::kmc {
namespace {

using namespace hdf5;

constexpr char kMagic[16] = {'h', 'a', 'l', 'i', 'd', 'e', '-', 'k', 'm', 'c', ' ', 'c', 'k', 'p', 't', '\n'};
constexpr const char* kFormatName = "halide-kmc-checkpoint";

// ---- replica-state codec: little-endian host layout, every length checked on read.

class Writer {
 public:
  template <class T>
  void put(T value) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
    m_bytes.insert(m_bytes.end(), p, p + sizeof(T));
  }
  template <class T>
  void put_vector(const std::vector<T>& v) {
    put<std::uint64_t>(v.size());
    for (const auto& x : v) put(x);
  }
  void put_vec3s(const std::vector<Vec3>& v) {
    put<std::uint64_t>(v.size());
    for (const auto& x : v)
      for (double c : x) put(c);
  }
  void put_moments(const DiffusionMoments& m) {
    put(m.duration_s);
    put_vector(m.ion_r2);
    put_vector(m.hop_length_sq);
    put_vector(m.hops);
    for (double x : m.defect_r2) put(x);
    for (double x : m.charge_displacement) put(x);
    put(m.charge_weighted_r2);
    put_vec3s(m.ion_displacement);
    for (const auto& v : m.defect_displacement)
      for (double x : v) put(x);
  }
  std::vector<std::uint8_t>& bytes() { return m_bytes; }

 private:
  std::vector<std::uint8_t> m_bytes;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : m_bytes(bytes) {}
  template <class T>
  T get() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, m_bytes.data() + m_pos, sizeof(T));
    m_pos += sizeof(T);
    return value;
  }
  // A length read from the data, checked against the bytes left before
  // anything is allocated (a damaged length must not ask for terabytes).
  std::size_t count(std::size_t element_bytes) {
    const auto n = get<std::uint64_t>();
    if (n > (m_bytes.size() - m_pos) / element_bytes) fail("a length exceeds the data");
    return static_cast<std::size_t>(n);
  }
  template <class T>
  std::vector<T> get_vector() {
    std::vector<T> v(count(sizeof(T)));
    for (auto& x : v) x = get<T>();
    return v;
  }
  Vec3 get_vec3() { return Vec3{get<double>(), get<double>(), get<double>()}; }
  std::vector<Vec3> get_vec3s() {
    std::vector<Vec3> v(count(3 * sizeof(double)));
    for (auto& x : v) x = get_vec3();
    return v;
  }
  bool get_bool() {
    const auto b = get<std::uint8_t>();
    if (b > 1) fail("a flag is neither 0 nor 1");
    return b == 1;
  }
  DiffusionMoments get_moments() {
    DiffusionMoments m;
    m.duration_s = get<double>();
    m.ion_r2 = get_vector<double>();
    m.hop_length_sq = get_vector<double>();
    m.hops = get_vector<std::int64_t>();
    for (double& x : m.defect_r2) x = get<double>();
    m.charge_displacement = get_vec3();
    m.charge_weighted_r2 = get<double>();
    m.ion_displacement = get_vec3s();
    for (auto& v : m.defect_displacement) v = get_vec3();
    return m;
  }
  bool done() const { return m_pos == m_bytes.size(); }
  [[noreturn]] static void fail(const std::string& why) { throw InputError("replica state: " + why); }

 private:
  void need(std::size_t n) const {
    if (n > m_bytes.size() - m_pos) fail("ends early (truncated)");
  }
  std::span<const std::uint8_t> m_bytes;
  std::size_t m_pos = 0;
};

constexpr std::uint32_t kStateMagic = 0x53524b48;        // "HKRS"
constexpr std::uint32_t kSegregationMagic = 0x47534b48;  // "HKSG"
constexpr std::uint32_t kCrossingMagic = 0x58434b48;     // "HKCX"
constexpr std::uint32_t kSectorMagic = 0x43534b48;       // "HKSC"

// The optional per-replica datasets (/segregation, /crossings): a marker, the
// replica count, then each replica's part; `what` names them in messages.
template <class Part>
std::vector<std::uint8_t> encode_section(std::uint32_t magic, const std::vector<ReplicaState>& replicas, Part part) {
  Writer w;
  w.put(magic);
  w.put<std::uint64_t>(replicas.size());
  for (const auto& r : replicas) part(w, r);
  return std::move(w.bytes());
}

template <class Part>
void decode_section(std::span<const std::uint8_t> bytes, std::uint32_t magic, const std::string& what,
                    std::vector<ReplicaState>& replicas, Part part) {
  Reader r(bytes);
  if (r.get<std::uint32_t>() != magic) Reader::fail(what + " do not start with their marker");
  if (r.get<std::uint64_t>() != replicas.size()) Reader::fail(what + " are for another replica count");
  for (auto& replica : replicas) part(r, replica);
  if (!r.done()) Reader::fail(what + " have trailing bytes");
}

// ---- small file helpers

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string file_digest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "unreadable";
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return fmt::format("{} bytes, crc64 {:016x}", bytes.size(), crc64(bytes));
}

void put_u64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// The trailer's own checksum: every trailer byte but the 8 that hold it
// (so damage to the unused padding is detected too).
std::uint64_t trailer_crc(const std::uint8_t* trailer) {
  const std::uint64_t crc = crc64(std::span(trailer, 40));
  return crc64(std::span(trailer + 48, kCheckpointTrailerBytes - 48), crc);
}

// Appends the trailer to a finished HDF5 file image.
void seal(std::vector<std::uint8_t>& image) {
  std::array<std::uint8_t, kCheckpointTrailerBytes> trailer{};
  std::memcpy(trailer.data(), kMagic, 16);
  put_u64(trailer.data() + 16, kCheckpointFormatVersion);
  put_u64(trailer.data() + 24, image.size());
  put_u64(trailer.data() + 32, crc64(image));
  put_u64(trailer.data() + 40, trailer_crc(trailer.data()));
  image.insert(image.end(), trailer.begin(), trailer.end());
}

void sync_directory(const std::string& path) {
  auto dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);  // best effort: the rename is durable once the directory is
    ::close(fd);
  }
}

// ---- HDF5 reading (on an image already verified by its checksum)

[[noreturn]] void refuse(const std::string& name, const std::string& why) {
  throw InputError("checkpoint '" + name + "': " + why);
}

std::string read_string_attribute(hid_t obj, const char* name, const std::string& file) {
  return hdf5::read_string_attribute(obj, name, [&](const std::string& why) { refuse(file, why); });
}

std::int64_t read_int_attribute(hid_t obj, const char* name, const std::string& file) {
  return hdf5::read_int_attribute(obj, name, [&](const std::string& why) { refuse(file, why); });
}

std::string read_string_dataset(hid_t parent, const char* name, const std::string& file) {
  if (!has_link(parent, name)) refuse(file, std::string("dataset '") + name + "' is missing");
  Handle set(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, "dataset");
  Handle type(H5Dget_type(set.id()), H5Tclose, "type");
  Handle space(H5Dget_space(set.id()), H5Sclose, "dataspace");
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0 ||
      H5Sget_simple_extent_npoints(space.id()) != 1)
    refuse(file, std::string("dataset '") + name + "' is not one fixed-length string");
  const std::size_t size = H5Tget_size(type.id());
  if (size == 0 || size > (std::size_t{1} << 30)) refuse(file, std::string("dataset '") + name + "' has a bad size");
  std::string value(size, '\0');
  if (H5Dread(set.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, value.data()) < 0)
    refuse(file, std::string("cannot read dataset '") + name + "'");
  return value.substr(0, value.find('\0'));
}

std::vector<std::uint8_t> read_bytes_dataset(hid_t parent, const char* name, const std::string& file,
                                             std::size_t limit) {
  if (!has_link(parent, name)) refuse(file, std::string("dataset '") + name + "' is missing");
  Handle set(H5Dopen2(parent, name, H5P_DEFAULT), H5Dclose, "dataset");
  Handle space(H5Dget_space(set.id()), H5Sclose, "dataspace");
  if (H5Sget_simple_extent_ndims(space.id()) != 1) refuse(file, std::string("dataset '") + name + "' is not 1-D");
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n < 0 || static_cast<std::size_t>(n) > limit) refuse(file, std::string("dataset '") + name + "' has a bad size");
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(n));
  if (n > 0 && H5Dread(set.id(), H5T_NATIVE_UINT8, H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
    refuse(file, std::string("cannot read dataset '") + name + "'");
  return bytes;
}


std::string fmt_double(double x) { return fmt::format("{}", x); }

std::vector<std::uint8_t> checkpoint_image(const std::string& tmp, const Checkpoint& c) {
  const auto state = encode_replica_states(c.replicas);
  Handle file = create_memory_file(tmp);
  const hid_t root = file.id();
  string_attribute(root, "format", kFormatName);
  attribute<std::int64_t>(root, "format_version", kCheckpointFormatVersion);
  string_attribute(root, "program_version", HKMC_VERSION);
  string_attribute(root, "created_utc", utc_now());
  string_attribute(root, "command_line", c.command_line);
  attribute<std::int64_t>(root, "interrupted", c.interrupted ? 1 : 0);
  attribute<std::int64_t>(root, "replicas", static_cast<std::int64_t>(c.replicas.size()));
  {
    auto g = group(root, "input");
    string_dataset(g.id(), "toml", c.input_toml);
    string_dataset(g.id(), "fingerprint", c.fingerprint);
    string_attribute(g.id(), "source_path", c.input_source);
  }
  {
    // For people and scripts; the state blob below is what a restart reads.
    auto g = group(root, "replicas");
    std::vector<std::int64_t> events, started, finished;
    std::vector<double> time;
    for (const auto& r : c.replicas) {
      events.push_back(r.started ? r.engine.events : 0);
      time.push_back(r.started ? r.engine.time_s : 0.0);
      started.push_back(r.started);
      finished.push_back(r.finished);
    }
    dataset(g.id(), "events", events);
    dataset(g.id(), "time_s", time);
    dataset(g.id(), "started", started);
    dataset(g.id(), "finished", finished);
    std::vector<std::int64_t> cycles;
    for (const auto& r : c.replicas)
      if (r.sector) cycles.resize(c.replicas.size(), 0);
    for (std::size_t i = 0; i < cycles.size(); ++i)
      if (c.replicas[i].sector) cycles[i] = c.replicas[i].sector->cycles;
    if (!cycles.empty()) dataset(g.id(), "sector_cycles", cycles);
  }
  dataset(root, "state", state);
  // Segregation samples ride in their own dataset, present only when a run
  // records them: the state blob keeps format 2 byte for byte.
  bool segregation = false;
  for (const auto& r : c.replicas) segregation = segregation || !r.segregation.empty();
  if (segregation) dataset(root, "segregation", encode_segregation_states(c.replicas));
  bool crossings = false;  // likewise
  for (const auto& r : c.replicas) crossings = crossings || r.crossings.planes > 0;
  if (crossings) dataset(root, "crossings", encode_crossing_states(c.replicas));
  bool sectors = false;  // sector-parallel runs only: serial checkpoints stay as they were
  for (const auto& r : c.replicas) sectors = sectors || r.sector.has_value();
  if (sectors) dataset(root, "sectors", encode_sector_states(c.replicas));
  auto image = file_image(root, tmp);
  seal(image);
  return image;
}

}  // namespace

std::uint64_t crc64(std::span<const std::uint8_t> bytes, std::uint64_t crc) {
  static const auto table = [] {
    std::array<std::uint64_t, 256> t{};
    for (std::uint64_t i = 0; i < 256; ++i) {
      std::uint64_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xC96C5795D7870F42ULL : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  crc = ~crc;
  for (std::uint8_t b : bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::vector<std::uint8_t> encode_replica_states(const std::vector<ReplicaState>& replicas) {
  Writer w;
  w.put(kStateMagic);
  w.put<std::uint64_t>(replicas.size());
  for (const auto& r : replicas) {
    w.put<std::int32_t>(r.replica);
    w.put<std::uint8_t>(r.started);
    w.put<std::uint8_t>(r.finished);
    w.put<std::uint8_t>(r.stalled);
    w.put<std::int32_t>(r.block);
    w.put(r.next_sample_s);
    w.put(r.wall_s);
    if (!r.started) continue;
    const EngineState& e = r.engine;
    w.put_vector(e.occupancy);
    w.put_vector<std::int32_t>(std::vector<std::int32_t>(e.ion_at_site.begin(), e.ion_at_site.end()));
    w.put_vector(e.ion_species);
    w.put_vec3s(e.ion_displacement);
    w.put<std::uint64_t>(e.defects.size());
    for (const auto& d : e.defects) {
      w.put<std::int32_t>(d.site);
      w.put<std::uint8_t>(static_cast<std::uint8_t>(d.type));
      for (double x : d.displacement) w.put(x);
    }
    w.put_vector(e.hops);
    w.put_vector(e.hop_length_sq);
    w.put(e.time_s);
    w.put(e.events);
    w.put(e.clamped_events);
    w.put(e.rng_counter);
    w.put<std::int32_t>(e.rng_buffered);
    const ObserverState& o = r.observer;
    w.put<std::uint64_t>(o.samples.size());
    for (const auto& s : o.samples) {
      w.put(s.time_s);
      w.put(s.events);
      w.put_vector(s.msd_by_species);
      for (double x : s.msd_by_defect) w.put(x);
      w.put(s.charge_msd);
    }
    w.put_vector(o.profiles);
    w.put<std::uint64_t>(o.blocks.size());
    for (const auto& b : o.blocks) w.put_moments(b);
    w.put(o.block_start_s);
    w.put_vec3s(o.block_ion_start);
    w.put_vec3s(o.block_defect_start);
    w.put_vector(o.block_hops_start);
    w.put_vector(o.block_hop_sq_start);
  }
  return std::move(w.bytes());
}

std::vector<ReplicaState> decode_replica_states(std::span<const std::uint8_t> bytes) {
  Reader r(bytes);
  if (r.get<std::uint32_t>() != kStateMagic) Reader::fail("does not start with the state marker");
  // The smallest replica record is 30 bytes: bounds the count before reserving.
  std::vector<ReplicaState> out(r.count(30));
  for (std::size_t i = 0; i < out.size(); ++i) {
    ReplicaState& s = out[i];
    s.replica = r.get<std::int32_t>();
    if (s.replica != static_cast<int>(i)) Reader::fail("replicas are out of order");
    s.started = r.get_bool();
    s.finished = r.get_bool();
    s.stalled = r.get_bool();
    s.block = r.get<std::int32_t>();
    s.next_sample_s = r.get<double>();
    s.wall_s = r.get<double>();
    if (!std::isfinite(s.next_sample_s) || !std::isfinite(s.wall_s)) Reader::fail("non-finite runner position");
    if (!s.started) {
      if (s.finished) Reader::fail("a replica is finished but never started");
      continue;
    }
    EngineState& e = s.engine;
    e.occupancy = r.get_vector<lattice::Occupant>();
    const auto ions = r.get_vector<std::int32_t>();
    e.ion_at_site.assign(ions.begin(), ions.end());
    e.ion_species = r.get_vector<lattice::Occupant>();
    e.ion_displacement = r.get_vec3s();
    e.defects.resize(r.count(1 + 4 + 24));
    for (auto& d : e.defects) {
      d.site = r.get<std::int32_t>();
      const auto type = r.get<std::uint8_t>();
      if (type >= kDefectTypes) Reader::fail("unknown defect type " + std::to_string(type));
      d.type = static_cast<DefectType>(type);
      d.displacement = r.get_vec3();
    }
    e.hops = r.get_vector<std::int64_t>();
    e.hop_length_sq = r.get_vector<double>();
    e.time_s = r.get<double>();
    e.events = r.get<std::int64_t>();
    e.clamped_events = r.get<std::int64_t>();
    e.rng_counter = r.get<std::uint64_t>();
    e.rng_buffered = r.get<std::int32_t>();
    ObserverState& o = s.observer;
    o.samples.resize(r.count(8 + 8 + 8 + 16 + 8));
    for (auto& t : o.samples) {
      t.time_s = r.get<double>();
      t.events = r.get<std::int64_t>();
      t.msd_by_species = r.get_vector<double>();
      for (double& x : t.msd_by_defect) x = r.get<double>();
      t.charge_msd = r.get<double>();
    }
    o.profiles = r.get_vector<std::int32_t>();
    o.blocks.resize(r.count(8 + 24 + 16 + 24 + 8 + 8 + 48));
    for (auto& b : o.blocks) b = r.get_moments();
    o.block_start_s = r.get<double>();
    o.block_ion_start = r.get_vec3s();
    o.block_defect_start = r.get_vec3s();
    o.block_hops_start = r.get_vector<std::int64_t>();
    o.block_hop_sq_start = r.get_vector<double>();
  }
  if (!r.done()) Reader::fail("has trailing bytes");
  return out;
}

std::vector<std::uint8_t> encode_segregation_states(const std::vector<ReplicaState>& replicas) {
  return encode_section(kSegregationMagic, replicas, [](Writer& w, const ReplicaState& r) {
    w.put<std::uint64_t>(r.segregation.size());
    for (const auto& s : r.segregation) {
      w.put_vector(s.alpha);
      w.put_vector(s.structure_factor);
      w.put_vector(s.length_A);
      w.put_vector(s.domains);
    }
  });
}

void decode_segregation_states(std::span<const std::uint8_t> bytes, std::vector<ReplicaState>& replicas) {
  decode_section(bytes, kSegregationMagic, "segregation samples", replicas, [](Reader& r, ReplicaState& replica) {
    // The smallest sample is four empty vectors, 32 bytes.
    replica.segregation.resize(r.count(32));
    for (auto& s : replica.segregation) {
      s.alpha = r.get_vector<double>();
      s.structure_factor = r.get_vector<double>();
      s.length_A = r.get_vector<double>();
      s.domains = r.get_vector<std::int32_t>();
    }
  });
}

std::vector<std::uint8_t> encode_crossing_states(const std::vector<ReplicaState>& replicas) {
  return encode_section(kCrossingMagic, replicas, [](Writer& w, const ReplicaState& r) {
    w.put<std::int32_t>(r.crossings.planes);
    w.put<std::int32_t>(r.crossings.entities);
    w.put_vector(r.crossings.up);
    w.put_vector(r.crossings.down);
  });
}

void decode_crossing_states(std::span<const std::uint8_t> bytes, std::vector<ReplicaState>& replicas) {
  decode_section(bytes, kCrossingMagic, "crossing counts", replicas, [](Reader& r, ReplicaState& replica) {
    auto& c = replica.crossings;
    c.planes = r.get<std::int32_t>();
    c.entities = r.get<std::int32_t>();
    c.up = r.get_vector<std::int64_t>();
    c.down = r.get_vector<std::int64_t>();
    // Sizes are checked here too (the counter checks them again on restore).
    if (c.planes < 0 || c.entities < 0 ||
        c.up.size() != static_cast<std::uint64_t>(c.planes) * static_cast<std::uint64_t>(c.entities) ||
        c.down.size() != c.up.size())
      Reader::fail("crossing counts have inconsistent sizes");
  });
}

std::vector<std::uint8_t> encode_sector_states(const std::vector<ReplicaState>& replicas) {
  return encode_section(kSectorMagic, replicas, [](Writer& w, const ReplicaState& r) {
    w.put<std::uint8_t>(r.sector.has_value());
    if (!r.sector) return;
    const SectorState& s = *r.sector;
    for (int k : s.sectors) w.put<std::int32_t>(k);
    w.put(s.window_s);
    w.put(s.max_rate_hz);
    w.put(s.cycles);
    w.put_vector(s.offsets);
    w.put_vector(s.defects);
  });
}

void decode_sector_states(std::span<const std::uint8_t> bytes, std::vector<ReplicaState>& replicas) {
  decode_section(bytes, kSectorMagic, "sector states", replicas, [](Reader& r, ReplicaState& replica) {
    if (!r.get_bool()) return;
    if (!replica.started) Reader::fail("sector states: a replica that never started has one");
    SectorState& s = replica.sector.emplace();
    for (int& k : s.sectors) k = r.get<std::int32_t>();
    s.window_s = r.get<double>();
    s.max_rate_hz = r.get<double>();
    s.cycles = r.get<std::int64_t>();
    s.offsets = r.get_vector<std::int64_t>();
    s.defects = r.get_vector<std::int32_t>();
    // The engine checks the lists against the defects and the layout on
    // resume; here only what needs no model.
    if (s.cycles < 0 || !(s.window_s > 0) || !(s.max_rate_hz >= 0) || s.offsets.empty() || s.offsets.front() != 0 ||
        s.offsets.back() != static_cast<std::int64_t>(s.defects.size()))
      Reader::fail("sector states are inconsistent (window, cycle count or list offsets)");
  });
}

std::string run_fingerprint(const RunSpec& s) {
  std::ostringstream out;
  auto line = [&](const std::string& key, const std::string& value) { out << key << " = " << value << "\n"; };
  auto num = [](double x) { return fmt_double(x); };
  const auto& l = s.lattice;
  line("lattice.prototype", l.prototype);
  line("lattice.a", num(l.a_angstrom));
  line("lattice.supercell", fmt::format("[{}, {}, {}]", l.supercell[0], l.supercell[1], l.supercell[2]));
  if (l.prototype == "custom") {
    for (int i = 0; i < 3; ++i)
      line(fmt::format("lattice.cell[{}]", i),
           fmt::format("[{}, {}, {}]", num(l.cell[i][0]), num(l.cell[i][1]), num(l.cell[i][2])));
    for (std::size_t i = 0; i < l.basis.size(); ++i)
      line(fmt::format("lattice.basis[{}]", i),
           fmt::format("{} [{}, {}, {}]", l.basis[i].sublattice, num(l.basis[i].frac[0]),
                       num(l.basis[i].frac[1]), num(l.basis[i].frac[2])));
    line("lattice.mobile_sublattices", fmt::format("{}", fmt::join(l.mobile_sublattices, ", ")));
    line("lattice.interstitial_sublattices", fmt::format("{}", fmt::join(l.interstitial_sublattices, ", ")));
  }
  for (const auto& [name, f] : s.composition.fractions) line("composition." + name, num(f));
  if (s.defects.vacancies) line("defects.vacancies", std::to_string(*s.defects.vacancies));
  if (s.defects.vacancy_fraction) line("defects.vacancy_fraction", num(*s.defects.vacancy_fraction));
  line("defects.interstitials", std::to_string(s.defects.interstitials));
  line("defects.interstitial_species", s.defects.interstitial_species);
  line("initial.type", s.initial.type);
  line("initial.axis", std::to_string(s.initial.axis));
  for (std::size_t i = 0; i < s.initial.layers.size(); ++i) {
    const auto& layer = s.initial.layers[i];
    std::string comp;
    for (const auto& [name, f] : layer.composition.fractions) comp += " " + name + "=" + num(f);
    line(fmt::format("initial.layers[{}]", i), std::to_string(layer.cells) + " cells," + comp);
  }
  for (std::size_t i = 0; i < s.mechanisms.size(); ++i) {
    const auto& m = s.mechanisms[i];
    line(fmt::format("mechanisms[{}]", i), m.name + " " + m.kind + " shell " + std::to_string(m.shell));
  }
  const auto& b = s.barriers;
  line("barriers.provider", b.provider);
  line("barriers.attempt_frequency", num(b.attempt_frequency_hz));
  line("barriers.e_kra", num(b.e_kra_ev));
  for (const auto& [k, v] : b.e_kra_overrides) line("barriers.e_kra." + k, num(v));
  line("barriers.r_env", num(b.r_env_angstrom));
  line("barriers.model.e0", num(b.model_e0_ev));
  for (const auto& [k, v] : b.model_slopes_ev) line("barriers.model.slopes." + k, num(v));
  if (!b.table_file.empty()) line("barriers.table (content)", file_digest(b.table_file));
  if (b.provider == "neb") {
    const auto& n = b.neb;
    line("barriers.neb.potential", n.potential);
    line("barriers.neb.on_unusable", n.on_unusable);
    if (n.potential != "buckingham_coulomb") line("barriers.neb.potential (content)", file_digest(n.potential));
    std::string constants;
    for (const auto& [name, a] : n.lattice_constants) constants += " " + name + "=" + num(a);
    line("barriers.neb.settings",
         fmt::format("images {} spring {} fmax {} relax_fmax {} max_steps {} cell {} lattice_constants{}",
                     n.images, num(n.spring_ev_per_a2), num(n.fmax_ev_per_a), num(n.relax_fmax_ev_per_a),
                     n.max_steps, n.cell_repeats, constants) +
             // only when set, so checkpoints written before the setting existed stay valid
             (n.split_fmax_ev_per_a != 0.01 ? " split_fmax " + num(n.split_fmax_ev_per_a) : std::string()));
  }
  if (!s.energy.hamiltonian_file.empty()) line("energy.hamiltonian (content)", file_digest(s.energy.hamiltonian_file));
  const auto& k = s.kmc;
  line("kmc.temperature", num(k.temperature_k));
  if (k.steps) line("kmc.steps", std::to_string(*k.steps));
  if (k.time_s) line("kmc.time", num(*k.time_s));
  line("kmc.seed", std::to_string(k.seed));
  line("kmc.replicas", std::to_string(k.replicas));
  line("kmc.blocks", std::to_string(k.blocks));
  line("kmc.field", fmt::format("[{}, {}, {}]", num(k.field_v_per_angstrom[0]), num(k.field_v_per_angstrom[1]),
                                num(k.field_v_per_angstrom[2])));
  for (const auto& [name, q] : k.charges_e) line("kmc.charges." + name, num(q));
  // Sector runs only, so serial fingerprints (and their checkpoints) stay as
  // they were. The layout, window and order shape a sector trajectory; a
  // sector checkpoint must not continue serially, nor the reverse.
  if (k.parallel == "sectors") {
    line("kmc.parallel", k.parallel);
    line("kmc.sectors", fmt::format("[{}, {}, {}]", k.sectors[0], k.sectors[1], k.sectors[2]));
    line("kmc.sector_window", num(k.sector_window));
    line("kmc.sector_order", k.sector_order);
  }
  const auto& o = s.output;
  line("output.every", std::to_string(o.every_events));
  line("output.every_s", num(o.every_s));
  line("output.samples", std::to_string(o.samples));
  line("output.profile", o.profile ? "true" : "false");
  line("output.profile_axis", std::to_string(o.profile_axis));
  // Only when recorded, so checkpoints of runs without them (and those written
  // before these keys existed) keep their fingerprint.
  if (o.sro_shells > 0) line("output.sro_shells", std::to_string(o.sro_shells));
  if (o.structure_factor) line("output.structure_factor", "true");
  if (o.domains) line("output.domains", "true");
  if (o.domains && o.domain_min_sites != 1) line("output.domain_min_sites", std::to_string(o.domain_min_sites));
  if (o.crossings) line("output.crossing_axis", std::to_string(o.crossing_axis >= 0 ? o.crossing_axis : s.initial.axis));
  return out.str();
}

std::string fingerprint_difference(const std::string& in_checkpoint, const std::string& in_input) {
  auto parse = [](const std::string& text) {
    std::map<std::string, std::string> m;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) {
      const auto eq = l.find(" = ");
      if (eq != std::string::npos) m[l.substr(0, eq)] = l.substr(eq + 3);
    }
    return m;
  };
  const auto a = parse(in_checkpoint), b = parse(in_input);
  std::vector<std::string> diffs;
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    const std::string other = it == b.end() ? "(not set)" : "'" + it->second + "'";
    if (it == b.end() || it->second != value)
      diffs.push_back(key + " is '" + value + "' in the checkpoint but " + other + " in the input");
  }
  for (const auto& [key, value] : b)
    if (!a.count(key)) diffs.push_back(key + " is (not set) in the checkpoint but '" + value + "' in the input");
  std::string out;
  for (const auto& d : diffs) out += (out.empty() ? "" : "; ") + d;
  return out;
}

void write_checkpoint(const std::string& path, const Checkpoint& c) {
  const std::string tmp = path + ".tmp";
  try {
    write_file_durably(tmp, checkpoint_image(tmp, c));
    // Read back and check what is on disk before it replaces the previous
    // checkpoint: a write that failed silently must not cost the good one.
    (void)read_checkpoint(tmp);
  } catch (const Error& e) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);  // frees the space a full disk needs
    throw RuntimeError("checkpoint '" + path + "' not written: " + e.what());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) throw RuntimeError("cannot rename '" + tmp + "' to '" + path + "': " + ec.message());
  sync_directory(path);
}
Checkpoint read_checkpoint_image(std::span<const std::uint8_t> file_bytes, const std::string& name) {
  // 1. Trailer and checksums on the raw bytes: nothing else is trusted before.
  static const std::uint8_t kHdf5[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  const bool hdf5 = file_bytes.size() >= 8 && std::memcmp(file_bytes.data(), kHdf5, 8) == 0;
  if (file_bytes.size() < kCheckpointTrailerBytes ||
      std::memcmp(file_bytes.data() + file_bytes.size() - kCheckpointTrailerBytes, kMagic, 16) != 0) {
    refuse(name, hdf5 ? "an HDF5 file without the checkpoint trailer: truncated, or not a halide-kmc "
                        "checkpoint (an output file?)"
                      : fmt::format("{} bytes without the checkpoint trailer: truncated, or not a halide-kmc "
                                    "checkpoint", file_bytes.size()));
  }
  const std::uint8_t* trailer = file_bytes.data() + file_bytes.size() - kCheckpointTrailerBytes;
  if (get_u64(trailer + 40) != trailer_crc(trailer))
    refuse(name, "the trailer is corrupted (trailer checksum mismatch)");
  const std::uint64_t version = get_u64(trailer + 16);
  if (version != kCheckpointFormatVersion)
    refuse(name, fmt::format("format version {}; this program reads version {}", version, kCheckpointFormatVersion));
  const std::uint64_t length = get_u64(trailer + 24);
  const std::size_t have = file_bytes.size() - kCheckpointTrailerBytes;
  if (length != have)
    refuse(name, fmt::format("{} bytes before the trailer, the trailer says {}: the file is corrupted", have, length));
  const auto image = file_bytes.subspan(0, have);
  if (!hdf5) refuse(name, "no HDF5 signature: the file is corrupted");
  if (get_u64(trailer + 32) != crc64(image)) refuse(name, "checksum mismatch: the file is corrupted");

  // 2. The verified image, opened in memory.
  QuietErrors quiet;
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties");
  check(H5Pset_fapl_core(fapl.id(), 1 << 20, 0), "core driver");
  if (H5Pset_file_image(fapl.id(), const_cast<std::uint8_t*>(image.data()), image.size()) < 0)
    refuse(name, "cannot hand the file image to HDF5");
  // The core driver refuses a name that exists on disk, and reads only the image.
  std::string image_name = name + "#image";
  while (std::filesystem::exists(image_name)) image_name += "_";
  const hid_t fid = H5Fopen(image_name.c_str(), H5F_ACC_RDONLY, fapl.id());
  if (fid < 0) refuse(name, "HDF5 cannot open it");
  Handle file(fid, H5Fclose, "file");
  const hid_t root = file.id();
  if (read_string_attribute(root, "format", name) != kFormatName) refuse(name, "its format attribute is not '" + std::string(kFormatName) + "'");
  if (read_int_attribute(root, "format_version", name) != kCheckpointFormatVersion)
    refuse(name, "its format_version attribute disagrees with the header");
  Checkpoint c;
  c.command_line = read_string_attribute(root, "command_line", name);
  c.interrupted = read_int_attribute(root, "interrupted", name) != 0;
  if (!has_link(root, "input")) refuse(name, "group 'input' is missing");
  {
    Handle g(H5Gopen2(root, "input", H5P_DEFAULT), H5Gclose, "group input");
    c.input_toml = read_string_dataset(g.id(), "toml", name);
    c.fingerprint = read_string_dataset(g.id(), "fingerprint", name);
    c.input_source = read_string_attribute(g.id(), "source_path", name);
  }
  const auto state = read_bytes_dataset(root, "state", name, image.size());
  try {
    c.replicas = decode_replica_states(state);
    if (has_link(root, "segregation"))
      decode_segregation_states(read_bytes_dataset(root, "segregation", name, image.size()), c.replicas);
    if (has_link(root, "crossings"))
      decode_crossing_states(read_bytes_dataset(root, "crossings", name, image.size()), c.replicas);
    if (has_link(root, "sectors"))
      decode_sector_states(read_bytes_dataset(root, "sectors", name, image.size()), c.replicas);
  } catch (const InputError& e) {
    refuse(name, e.what());
  }
  if (static_cast<std::int64_t>(c.replicas.size()) != read_int_attribute(root, "replicas", name))
    refuse(name, "the replica count disagrees with the state");
  return c;
}

Checkpoint read_checkpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError("checkpoint '" + path + "': cannot open it");
  std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw InputError("checkpoint '" + path + "': read error");
  return read_checkpoint_image(bytes, path);
}

}  // namespace hkmc::kmc
