#pragma once
// Checkpoints: every replica's full state (engine, observer, position on the
// sample and block grids), the input echo and a fingerprint of everything
// that shapes the trajectory, in one HDF5 file (layout in docs/output.md).
//
// Integrity: the HDF5 image is followed by a 64-byte trailer (HDF5 ignores
// bytes past its end, so h5py reads the file as it is) holding a magic
// string, the format version, the image length, a CRC-64 of the image and
// one of the trailer. The reader checks all of them on the bytes in memory
// before HDF5 sees any, then reads from that same image, and decodes the
// state with bounds checks on every length: a truncated, corrupted or foreign
// file is refused with a message, never half-read. The file is built in
// memory, written to <path>.tmp, fsync'ed, read back and checked, and only
// then renamed over <path>: a kill or a full disk at any instant leaves the
// previous checkpoint intact.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/kmc/RunSpec.hpp"

namespace hkmc::kmc {

// 2: blocks carry the displacement sums by species and defect type (drift).
// Version 1 files are refused: their blocks lack what the drift needs.
inline constexpr int kCheckpointFormatVersion = 2;
inline constexpr std::size_t kCheckpointTrailerBytes = 64;

struct Checkpoint {
  std::string input_source;              // input path as given
  std::string input_toml;                // input text after --set (echo, for people)
  std::string fingerprint;               // run_fingerprint() of the input
  std::string command_line;
  bool interrupted = false;              // written because of a signal
  std::vector<ReplicaState> replicas;    // one per replica, in replica order
};

// One "key = value" line per setting that shapes the trajectory or its
// observables (output paths and checkpoint settings excluded), with the
// content hashes of the files it reads (barrier table, Hamiltonian). Two
// inputs with equal fingerprints give identical runs.
std::string run_fingerprint(const RunSpec& spec);

// "" when equal; else names the first differing setting with both values.
std::string fingerprint_difference(const std::string& in_checkpoint, const std::string& in_input);

void write_checkpoint(const std::string& path, const Checkpoint& checkpoint);

// Throws hkmc::InputError naming `path` and what is wrong.
Checkpoint read_checkpoint(const std::string& path);
// The same on a file image (fuzzing, tests); `name` stands for the file in messages.
Checkpoint read_checkpoint_image(std::span<const std::uint8_t> image, const std::string& name);

// The replica-state codec inside the file (exposed for the fuzz target).
std::vector<std::uint8_t> encode_replica_states(const std::vector<ReplicaState>& replicas);
std::vector<ReplicaState> decode_replica_states(std::span<const std::uint8_t> bytes);
// Segregation samples (α, S(k), L, domains) of every replica: the optional
// `/segregation` dataset. Decoding fills `replicas[i].segregation`.
std::vector<std::uint8_t> encode_segregation_states(const std::vector<ReplicaState>& replicas);
void decode_segregation_states(std::span<const std::uint8_t> bytes, std::vector<ReplicaState>& replicas);
// Plane-crossing counts of every replica: the optional `/crossings` dataset.
std::vector<std::uint8_t> encode_crossing_states(const std::vector<ReplicaState>& replicas);
void decode_crossing_states(std::span<const std::uint8_t> bytes, std::vector<ReplicaState>& replicas);
// Sector-parallel runs' SectorState of every replica: the optional `/sectors`
// dataset. Decoding fills `replicas[i].sector` (replicas that started).
std::vector<std::uint8_t> encode_sector_states(const std::vector<ReplicaState>& replicas);
void decode_sector_states(std::span<const std::uint8_t> bytes, std::vector<ReplicaState>& replicas);

// CRC-64/XZ (ECMA-182 polynomial, reflected), as in xz and Go's crc64.ECMA.
std::uint64_t crc64(std::span<const std::uint8_t> bytes, std::uint64_t crc = 0);

}  // namespace hkmc::kmc
