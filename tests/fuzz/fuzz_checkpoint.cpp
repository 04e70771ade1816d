// Fuzz target: the checkpoint loader. First byte 0: the rest is a replica
// state blob (decoded, then restored into a small model and run for a few
// events: states that pass the decoder must still be checked by the engine);
// otherwise the whole input is a checkpoint file image (header, checksums,
// then HDF5 and the decoder).
#include <cstdint>
#include <span>

#include "hkmc/common/Error.hpp"
#include "hkmc/kmc/Checkpoint.hpp"
#include "hkmc/kmc/Simulation.hpp"

namespace {

const hkmc::kmc::Simulation& simulation() {
  static const hkmc::kmc::Simulation sim = [] {
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
    return hkmc::kmc::Simulation(s);
  }();
  return sim;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    if (size > 0 && data[0] == 0) {
      const auto states = hkmc::kmc::decode_replica_states(bytes.subspan(1));
      const auto& sim = simulation();
      for (const auto& state : states) {
        if (state.replica != 0) break;
        hkmc::kmc::ReplicaHooks hooks;
        hooks.pause_at_events = (state.started ? state.engine.events : 0) + 20;
        try {
          (void)hkmc::kmc::advance_replica(sim.model(), sim.initial_configuration(0), sim.control(), 1, state, hooks);
        } catch (const hkmc::Error&) {
        }
      }
    } else {
      (void)hkmc::kmc::read_checkpoint_image(bytes, "fuzz.h5");
    }
  } catch (const hkmc::Error&) {
  }
  return 0;
}
