// Fuzz target: the checkpoint loader. First byte 0: the rest is a replica
// state blob (decoded, then restored into a small model and run for a few
// events: states that pass the decoder must still be checked by the engine).
// First byte 1: a sector-parallel run's state: a 4-byte little-endian length
// n, n bytes of replica state blob, then the `/sectors` dataset's bytes
// (decoded, restored into a small sector-parallel model and run for a few
// cycles). Otherwise the whole input is a checkpoint file image (header,
// checksums, then HDF5 and the decoder).
#include <cstdint>
#include <span>

#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/Checkpoint.hpp"
#include "hkmc/kmc/Simulation.hpp"

namespace {

hkmc::kmc::RunSpec small_spec() {
  hkmc::kmc::RunSpec s;
  s.source_path = "fuzz";
  s.lattice.prototype = "perovskite";
  s.lattice.a_angstrom = 6.0;
  s.lattice.supercell = {3, 3, 3};
  s.composition.fractions = {{"I", 0.5}, {"Br", 0.5}};
  s.defects.vacancies = 3;
  s.kmc.steps = 1000;
  s.kmc.seed = 1;
  s.kmc.blocks = 4;
  s.output.samples = 10;
  return s;
}

const hkmc::kmc::Simulation& simulation() {
  static const hkmc::kmc::Simulation sim(small_spec());
  return sim;
}

// 8 x 4 x 4 cells in 2 x 1 x 1 sectors: the smallest box whose sub-sectors
// are two cells thick, as vacancy hops need.
const hkmc::kmc::Simulation& sector_simulation() {
  static const hkmc::kmc::Simulation sim = [] {
    auto s = small_spec();
    s.lattice.supercell = {8, 4, 4};
    s.defects.vacancies = 4;
    s.kmc.steps = 1000000000;  // as the run that wrote the seeds (interrupted)
    s.kmc.parallel = "sectors";
    s.kmc.sectors = {2, 1, 1};
    return hkmc::kmc::Simulation(s);
  }();
  return sim;
}

void run_a_little(const hkmc::kmc::Simulation& sim, const std::vector<hkmc::kmc::ReplicaState>& states) {
  for (const auto& state : states) {
    if (state.replica != 0) break;
    hkmc::kmc::ReplicaHooks hooks;
    hooks.pause_at_events = (state.started ? state.engine.events : 0) + 20;
    try {
      (void)sim.advance(sim.control(), state, hooks);
    } catch (const hkmc::Error&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    if (size > 0 && data[0] == 0) {
      run_a_little(simulation(), hkmc::kmc::decode_replica_states(bytes.subspan(1)));
    } else if (size >= 5 && data[0] == 1) {
      const std::size_t n = data[1] | std::size_t{data[2]} << 8 | std::size_t{data[3]} << 16 | std::size_t{data[4]} << 24;
      if (n > size - 5) return 0;
      auto states = hkmc::kmc::decode_replica_states(bytes.subspan(5, n));
      hkmc::kmc::decode_sector_states(bytes.subspan(5 + n), states);
      run_a_little(sector_simulation(), states);
    } else {
      (void)hkmc::kmc::read_checkpoint_image(bytes, "fuzz.h5");
    }
  } catch (const hkmc::Error&) {
  }
  return 0;
}
