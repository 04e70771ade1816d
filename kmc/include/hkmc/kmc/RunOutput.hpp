#pragma once
// Results of a finished run: the HDF5 file (layout in docs/output.md, format
// version kOutputFormatVersion) and the JSON summary. Both are written to a
// temporary file next to the target and renamed into place, so a crash never
// leaves a half-written file under the final name.
#include <string>
#include <vector>

#include "hkmc/kmc/ReplicaRunner.hpp"
#include "hkmc/kmc/Simulation.hpp"
#include "hkmc/kmc/Statistics.hpp"

namespace hkmc::kmc {

inline constexpr int kOutputFormatVersion = 1;

struct RunInfo {
  std::string command_line;
  double wall_s = 0.0;
  int threads = 1;
};

// Exact vacancy random-walk D (cm²/s), Γ z d²/6, when the run is one where it
// applies (constant barriers, no Hamiltonian, one vacancy hop class, no
// field); NaN otherwise.
double random_walk_vacancy_d_cm2_s(const Simulation& simulation);

void write_hdf5(const std::string& path, const Simulation& simulation,
                const std::vector<ReplicaResult>& replicas, const RunStatistics& stats,
                const RunInfo& info);

std::string summary_json(const Simulation& simulation, const RunStatistics& stats,
                         const RunInfo& info);

// Writes `text` to path + ".tmp" and renames it over `path`.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace hkmc::kmc
