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

// 2: optional crossing counts and rates (/crossings, /replicas/NNNN/crossings,
// /observables/crossings); a version 1 file reads as one without them.
inline constexpr int kOutputFormatVersion = 2;

struct RunInfo {
  std::string command_line;
  double wall_s = 0.0;
  int threads = 1;
};

// How the run ended, for the files' metadata.
struct RunStatus {
  bool interrupted = false;    // stopped by a signal: the files say so (complete = 0, "interrupted": true)
  std::string restarted_from;  // checkpoint the run continued, if any
};

// Exact vacancy random-walk D (cm²/s), Γ z d²/6, when the run is one where it
// applies (constant barriers, no Hamiltonian, one vacancy hop class, no
// field); NaN otherwise.
double random_walk_vacancy_d_cm2_s(const Simulation& simulation);

void write_hdf5(const std::string& path, const Simulation& simulation,
                const std::vector<ReplicaResult>& replicas, const RunStatistics& stats,
                const RunInfo& info, const RunStatus& status = {});

std::string summary_json(const Simulation& simulation, const RunStatistics& stats,
                         const RunInfo& info, const RunStatus& status = {});

// An existing HDF5 output marked incomplete (complete = 0), and a JSON summary
// with "interrupted": true: files a restart may replace. False for anything else.
bool is_incomplete_output(const std::string& path);
bool is_interrupted_summary(const std::string& path);

// Writes `text` to path + ".tmp" and renames it over `path`.
void write_text_atomically(const std::string& path, const std::string& text);

}  // namespace hkmc::kmc
