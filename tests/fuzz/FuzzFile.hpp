#pragma once
// The table and Hamiltonian readers take a path: each fuzz input is written
// to one scratch file per process (in /dev/shm when there is one: no disk).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace hkmc::fuzz {

inline std::string scratch_file(const char* name, const std::uint8_t* data, std::size_t size) {
  static const std::string dir = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
  const std::string path = dir + "/hkmc_fuzz_" + std::to_string(::getpid()) + "_" + name;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  return path;
}

}  // namespace hkmc::fuzz
