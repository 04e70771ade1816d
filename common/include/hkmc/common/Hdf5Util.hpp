#pragma once
// Small RAII, write and read helpers over the HDF5 C API (run outputs,
// checkpoints, the barrier cache). Include only where hdf5 is linked.
#include <fcntl.h>
#include <hdf5.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hkmc/common/Error.hpp"

namespace hkmc::hdf5 {

// Minimal RAII over HDF5 identifiers.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t), const std::string& what) : m_id(id), m_close(close) {
    if (id < 0) throw RuntimeError("HDF5: cannot create " + what);
  }
  ~Handle() {
    if (m_id >= 0) m_close(m_id);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return m_id; }
  // Closes now and reports failure (a file's last writes happen at close:
  // on a full disk this is where the error shows).
  void close(const std::string& what) {
    const herr_t status = m_close(m_id);
    m_id = -1;
    if (status < 0) throw RuntimeError("HDF5: closing " + what + " failed (disk full?)");
  }

 private:
  hid_t m_id;
  herr_t (*m_close)(hid_t);
};

inline Handle group(hid_t parent, const std::string& name) {
  return Handle(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose,
                "group " + name);
}

inline void check(herr_t status, const std::string& what) {
  if (status < 0) throw RuntimeError("HDF5: cannot write " + what);
}

template <class T>
hid_t native_type();
template <> inline hid_t native_type<double>() { return H5T_NATIVE_DOUBLE; }
template <> inline hid_t native_type<std::int64_t>() { return H5T_NATIVE_INT64; }
template <> inline hid_t native_type<std::int32_t>() { return H5T_NATIVE_INT32; }
template <> inline hid_t native_type<std::uint8_t>() { return H5T_NATIVE_UINT8; }
template <> inline hid_t native_type<std::uint64_t>() { return H5T_NATIVE_UINT64; }

template <class T>
void dataset(hid_t parent, const std::string& name, const std::vector<T>& data,
             std::vector<hsize_t> dims = {}) {
  if (dims.empty()) dims = {static_cast<hsize_t>(data.size())};
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
               "dataspace " + name);
  Handle set(H5Dcreate2(parent, name.c_str(), native_type<T>(), space.id(), H5P_DEFAULT, H5P_DEFAULT,
                        H5P_DEFAULT),
             H5Dclose, "dataset " + name);
  if (!data.empty()) check(H5Dwrite(set.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), name);
}

template <class T>
void attribute(hid_t parent, const std::string& name, T value) {
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "dataspace " + name);
  Handle attr(H5Acreate2(parent, name.c_str(), native_type<T>(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
              H5Aclose, "attribute " + name);
  check(H5Awrite(attr.id(), native_type<T>(), &value), name);
}

inline void string_attribute(hid_t parent, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  H5Tset_size(type.id(), std::max<std::size_t>(1, value.size()));
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "dataspace " + name);
  Handle attr(H5Acreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
              "attribute " + name);
  check(H5Awrite(attr.id(), type.id(), value.c_str()), name);
}

inline void string_dataset(hid_t parent, const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  H5Tset_size(type.id(), std::max<std::size_t>(1, value.size()));
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose, "dataspace " + name);
  Handle set(H5Dcreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, "dataset " + name);
  check(H5Dwrite(set.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, value.c_str()), name);
}

inline void string_list(hid_t parent, const std::string& name, const std::vector<std::string>& values) {
  // Fixed-length strings read back as bytes arrays in h5py: simple and portable.
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  std::vector<char> buffer(values.size() * width, '\0');
  for (std::size_t i = 0; i < values.size(); ++i) std::copy(values[i].begin(), values[i].end(), buffer.begin() + i * width);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose, "string type");
  H5Tset_size(type.id(), width);
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  const hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr), H5Sclose, "dataspace " + name);
  Handle set(H5Dcreate2(parent, name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
             H5Dclose, "dataset " + name);
  if (n) check(H5Dwrite(set.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.data()), name);
}

// ---- reading. Each file kind words its own errors: `refuse(why)` must throw.

// HDF5 prints its error stack by default; while one of these lives, our
// messages say what went wrong instead.
struct QuietErrors {
  H5E_auto2_t func = nullptr;
  void* data = nullptr;
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func, data); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;
};

inline bool has_link(hid_t parent, const char* name) { return H5Lexists(parent, name, H5P_DEFAULT) > 0; }

template <class Refuse>
std::string read_string_attribute(hid_t obj, const char* name, Refuse&& refuse) {
  if (H5Aexists(obj, name) <= 0) refuse(std::string("attribute '") + name + "' is missing");
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "attribute");
  Handle type(H5Aget_type(attr.id()), H5Tclose, "type");
  if (H5Tget_class(type.id()) != H5T_STRING || H5Tis_variable_str(type.id()) > 0)
    refuse(std::string("attribute '") + name + "' is not a fixed-length string");
  const std::size_t size = H5Tget_size(type.id());
  if (size == 0 || size > (1u << 20)) refuse(std::string("attribute '") + name + "' has a bad size");
  std::string value(size, '\0');
  if (H5Aread(attr.id(), type.id(), value.data()) < 0) refuse(std::string("cannot read attribute '") + name + "'");
  return value.substr(0, value.find('\0'));
}

template <class Refuse>
std::int64_t read_int_attribute(hid_t obj, const char* name, Refuse&& refuse) {
  if (H5Aexists(obj, name) <= 0) refuse(std::string("attribute '") + name + "' is missing");
  Handle attr(H5Aopen(obj, name, H5P_DEFAULT), H5Aclose, "attribute");
  Handle space(H5Aget_space(attr.id()), H5Sclose, "dataspace");
  if (H5Sget_simple_extent_npoints(space.id()) != 1) refuse(std::string("attribute '") + name + "' is not a scalar");
  std::int64_t value = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_INT64, &value) < 0) refuse(std::string("cannot read attribute '") + name + "'");
  return value;
}

// Files are built in memory (core driver, no backing store) and written by
// write_file_durably: HDF5 never writes to disk itself. libhdf5 1.10 cannot
// recover from a failed write at H5Fclose (a full disk): the half-closed file
// crashes its exit handler. In memory nothing fails, and the disk errors are
// ours to report.
inline Handle create_memory_file(const std::string& name, hid_t fcpl = H5P_DEFAULT) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "file access properties");
  check(H5Pset_fapl_core(fapl.id(), 1 << 20, 0), "core driver");
  return Handle(H5Fcreate((name + "#memory").c_str(), H5F_ACC_TRUNC, fcpl, fapl.id()), H5Fclose,
                "in-memory file for " + name);
}

inline std::vector<std::uint8_t> file_image(hid_t file, const std::string& name) {
  // H5Fget_file_image does not flush the metadata cache (1.10.8): without
  // this the root group's header is missing from the image.
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) throw RuntimeError("HDF5: cannot flush " + name);
  const ssize_t size = H5Fget_file_image(file, nullptr, 0);
  if (size <= 0) throw RuntimeError("HDF5: cannot take the image of " + name);
  std::vector<std::uint8_t> image(static_cast<std::size_t>(size));
  if (H5Fget_file_image(file, image.data(), image.size()) != size)
    throw RuntimeError("HDF5: cannot take the image of " + name);
  return image;
}

// Writes `bytes` to `path` and fsyncs it; on any error removes the partial
// file (freeing the space) and throws RuntimeError with the cause.
inline void write_file_durably(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw RuntimeError("cannot create '" + path + "': " + std::strerror(errno));
  std::size_t done = 0;
  int error = 0;
  while (done < bytes.size() && !error) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) error = n < 0 ? errno : ENOSPC;
    else done += static_cast<std::size_t>(n);
  }
  if (!error && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && !error) error = errno;
  if (error) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    throw RuntimeError("writing '" + path + "' failed: " + std::strerror(error));
  }
}

}  // namespace hkmc::hdf5
