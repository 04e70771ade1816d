#include "hkmc/sweep/SweepGrid.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>

#include "hkmc/common/Error.hpp"

namespace hkmc::sweep {
namespace {

constexpr int kMaxRangeValues = 100000;

std::string trim(const std::string& s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

// Splits at commas outside brackets, braces and quotes.
std::vector<std::string> split_items(const std::string& text) {
  std::vector<std::string> items;
  std::string current;
  int depth = 0;
  char quote = 0;
  for (char c : text) {
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[' || c == '{') {
      ++depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (c == ',' && depth == 0) {
      items.push_back(trim(current));
      current.clear();
      continue;
    }
    current += c;
  }
  items.push_back(trim(current));
  return items;
}

std::optional<std::int64_t> parse_integer(const std::string& s) {
  std::int64_t v = 0;
  const char* first = s.data() + (!s.empty() && s[0] == '+' ? 1 : 0);
  const auto [ptr, ec] = std::from_chars(first, s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size() || first == s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<double> parse_number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  try {
    std::size_t used = 0;
    const double v = std::stod(s, &used);
    if (used != s.size() || !std::isfinite(v)) return std::nullopt;
    return v;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// A number as the shortest text that reads back as the value rounded to 12
// significant digits (so accumulated step rounding does not show).
std::string format_value(double v) {
  const double rounded = std::stod(fmt::format("{:.12g}", v));
  return fmt::format("{}", rounded == 0.0 ? 0.0 : rounded);
}

void expand_range(const std::string& where, const std::string& item, std::vector<std::string>& out) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto colon = item.find(':', start);
    parts.push_back(trim(item.substr(start, colon - start)));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const auto bad = [&](const std::string& why) {
    return InputError(fmt::format("{}: range '{}': {}; a range is start:stop:step with an inclusive "
                                  "stop, e.g. 0:1:0.125",
                                  where, item, why));
  };
  if (parts.size() != 3) throw bad("expected three numbers separated by ':'");
  const auto a = parse_number(parts[0]), b = parse_number(parts[1]), s = parse_number(parts[2]);
  if (!a || !b || !s) throw bad("start, stop and step must be finite numbers");
  if (*s == 0.0) throw bad("step must not be 0");
  const double steps = (*b - *a) / *s;
  if (steps < -1e-9) throw bad("step has the wrong sign to go from start to stop");
  const double nearest = std::round(steps);
  const bool exact_end = std::abs(steps - nearest) <= 1e-9 * std::max(1.0, std::abs(steps));
  const double last_step = exact_end ? nearest : std::floor(steps);
  if (last_step + 1 > kMaxRangeValues)
    throw bad(fmt::format("{:.0f} values; at most {} are allowed", last_step + 1, kMaxRangeValues));
  const auto n = static_cast<std::int64_t>(last_step);
  const auto ia = parse_integer(parts[0]), ib = parse_integer(parts[1]), is = parse_integer(parts[2]);
  for (std::int64_t i = 0; i <= n; ++i) {
    if (ia && ib && is) {
      out.push_back(std::to_string(*ia + i * *is));
    } else {
      const double v = (i == n && exact_end) ? *b : *a + static_cast<double>(i) * *s;
      out.push_back(format_value(v));
    }
  }
}

bool looks_like_range(const std::string& item) {
  if (item.empty() || item.front() == '"' || item.front() == '\'' || item.front() == '[' ||
      item.front() == '{')
    return false;
  return item.find(':') != std::string::npos;
}

}  // namespace

std::vector<std::string> SweepPoint::overrides() const {
  std::vector<std::string> out;
  for (const auto& [key, value] : parameters) out.push_back(key + "=" + value);
  return out;
}

VaryAxis parse_vary(const std::string& text) {
  const std::string where = "--vary " + text;
  const auto eq = text.find('=');
  if (eq == std::string::npos)
    throw InputError(where + ": no '='; expected section.key=values, e.g. kmc.temperature=300,350,400 "
                             "or composition.Br=0:1:0.25");
  VaryAxis axis;
  axis.key = trim(text.substr(0, eq));
  const auto dot = axis.key.find('.');
  if (axis.key.empty() || dot == std::string::npos || dot == 0 || dot + 1 == axis.key.size())
    throw InputError(where + ": the key must be section.key, e.g. kmc.temperature");
  const std::string values = trim(text.substr(eq + 1));
  if (values.empty()) throw InputError(where + ": no values; give a list (300,350) or a range (0:1:0.25)");
  for (const auto& item : split_items(values)) {
    if (item.empty()) throw InputError(where + ": empty value in the list (two commas in a row?)");
    if (looks_like_range(item)) {
      expand_range(where, item, axis.values);
    } else {
      axis.values.push_back(item);
    }
  }
  std::set<std::string> seen;
  for (const auto& v : axis.values) {
    if (!seen.insert(v).second)
      throw InputError(fmt::format("{}: value '{}' appears twice; each value is one grid line", where, v));
  }
  return axis;
}

Shard parse_shard(const std::string& text) {
  const auto bad = [&](const std::string& why) {
    return InputError(fmt::format("--shard {}: {}; expected k/n with 0 <= k < n, e.g. 0/4 "
                                  "(Slurm: $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT with --array=0-3)",
                                  text, why));
  };
  const auto slash = text.find('/');
  if (slash == std::string::npos) throw bad("no '/'");
  const auto k = parse_integer(trim(text.substr(0, slash)));
  const auto n = parse_integer(trim(text.substr(slash + 1)));
  if (!k || !n) throw bad("k and n must be integers");
  if (*n < 1 || *n > 1000000) throw bad("n must be from 1 to 1000000");
  if (*k < 0 || *k >= *n) throw bad("k must be from 0 to n-1");
  return Shard{static_cast<int>(*k), static_cast<int>(*n)};
}

std::vector<SweepPoint> expand_grid(const std::vector<VaryAxis>& axes, int max_points) {
  if (axes.empty()) throw InputError("sweep: no --vary given; name at least one key=values");
  std::set<std::string> keys;
  double count = 1;
  for (const auto& a : axes) {
    if (!keys.insert(a.key).second)
      throw InputError("--vary " + a.key + ": the key is varied twice; give all its values in one --vary");
    if (a.values.empty()) throw InputError("--vary " + a.key + ": no values");
    count *= static_cast<double>(a.values.size());
  }
  if (count > max_points)
    throw InputError(fmt::format("sweep: the grid has {:.0f} points; at most {} are allowed", count, max_points));
  std::vector<SweepPoint> points;
  std::vector<std::size_t> digit(axes.size(), 0);
  for (int index = 0; index < static_cast<int>(count); ++index) {
    SweepPoint p;
    p.index = index;
    for (std::size_t a = 0; a < axes.size(); ++a) p.parameters.emplace_back(axes[a].key, axes[a].values[digit[a]]);
    points.push_back(std::move(p));
    // Odometer: the last axis turns fastest.
    for (std::size_t a = axes.size(); a-- > 0;) {
      if (++digit[a] < axes[a].values.size()) break;
      digit[a] = 0;
    }
  }
  return points;
}

}  // namespace hkmc::sweep
