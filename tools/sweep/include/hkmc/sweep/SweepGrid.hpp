#pragma once
// The points of a sweep: every `--vary key=values` is one axis; several axes
// form a grid (the first axis varies slowest, the last fastest), and each
// point is a set of `--set` overrides applied to the base input. A point's
// index is its position in that order; it fixes the point's seed (base seed +
// index) and its shard (index mod n), so both are the same however the sweep
// is split or resumed.
//
// Values: a comma-separated list (`300,350,400`; commas inside [..], {..} or
// quotes do not split, so `[0,0,0.01]` is one value) whose items may be
// ranges `start:stop:step` with an inclusive end (`0:1:0.125` has 9 values).
// A range whose end is a whole number of steps from its start within 1e-9
// relative ends exactly at `stop`; values are rounded to 12 significant
// digits so `0.1` steps print as 0.3, not 0.30000000000000004. Ranges of
// integers (no '.', 'e') give integers.
#include <string>
#include <utility>
#include <vector>

namespace hkmc::sweep {

struct VaryAxis {
  std::string key;                  // "section.key", as for --set
  std::vector<std::string> values;  // TOML value texts, in order
};

struct SweepPoint {
  int index = 0;
  // (key, value text) for every axis, in axis order.
  std::vector<std::pair<std::string, std::string>> parameters;
  std::vector<std::string> overrides() const;  // "key=value" for read_input_file
};

// One slice of a sweep for a job array: shard k of n (0 <= k < n) holds the
// points whose index mod n == k (round robin, so a slice is not all of the
// slow low-temperature points).
struct Shard {
  int k = 0;
  int n = 1;
  bool contains(int index) const { return index % n == k; }
};

// Parses "key=values". Throws hkmc::InputError naming the bad text.
VaryAxis parse_vary(const std::string& text);

// Parses "k/n". Throws hkmc::InputError.
Shard parse_shard(const std::string& text);

// All points of the grid. Throws hkmc::InputError when a key is given twice
// or the grid is empty or larger than `max_points`.
std::vector<SweepPoint> expand_grid(const std::vector<VaryAxis>& axes, int max_points = 1000000);

}  // namespace hkmc::sweep
