#pragma once
// The tables of a sweep, built from the finished points only (never from
// in-memory state), so a single run and merged shards give identical tables:
//   sweep.csv      one row per finished point (columns in docs/sweep.md)
//   arrhenius.csv  one row per composition (every varied key except
//                  kmc.temperature) and quantity (tracer D of each species,
//                  D of each defect type), fitted as in ArrheniusFit.hpp
//   crossings.csv  only when points counted plane crossings: one row per
//                  point, plane (interfaces, layers' bulk planes, the mean
//                  over planes) and entity, with rates and permeabilities
//   sweep.h5       the tables as column datasets, the manifest, and under
//                  /points/pNNNNN each point's run file (docs/output.md layout)
#include <string>
#include <vector>

#include "hkmc/sweep/ArrheniusFit.hpp"
#include "hkmc/sweep/PointResult.hpp"
#include "hkmc/sweep/SweepManifest.hpp"

namespace hkmc::sweep {

inline constexpr const char* kTemperatureKey = "kmc.temperature";

// A table column: numbers (NaN shown as "nan") or texts.
struct Column {
  std::string name;
  bool numeric = true;
  std::vector<double> numbers;
  std::vector<std::string> texts;
};
using Table = std::vector<Column>;

Table point_table(const SweepManifest& manifest, const std::vector<PointResult>& points);
Table arrhenius_table(const SweepManifest& manifest, const std::vector<PointResult>& points);
Table crossing_table(const SweepManifest& manifest, const std::vector<PointResult>& points);

// CSV with a header line; numbers in shortest round-trip form.
std::string to_csv(const Table& table);

// Writes sweep.csv, arrhenius.csv and sweep.h5 into `dir` (each atomically).
void write_sweep_tables(const std::string& dir, const SweepManifest& manifest,
                        const std::vector<PointResult>& points);

}  // namespace hkmc::sweep
