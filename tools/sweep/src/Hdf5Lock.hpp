#pragma once
// One lock for every HDF5 file this library writes (point run files and
// sweep.h5). The system HDF5 serialises its own calls when built
// thread-safe; the lock keeps builds that are not safe too.
#include <mutex>

namespace hkmc::sweep {
std::mutex& hdf5_mutex();
}  // namespace hkmc::sweep
