#pragma once
// Small RAII and write helpers over the HDF5 C API, private to hkmc_kmc
// (RunOutput and Checkpoint).
#include <hdf5.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "hkmc/common/Error.hpp"

namespace hkmc::kmc::hdf5 {

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

}  // namespace hkmc::kmc::hdf5
