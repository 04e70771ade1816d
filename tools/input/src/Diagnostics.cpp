#include "Diagnostics.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

namespace hkmc::input::detail {

namespace {

bool covers(const std::string& outer, const std::string& inner) {
  // True when `inner` is `outer` or lies inside it ("kmc.field" covers "kmc.field[1]").
  if (inner.size() < outer.size() || inner.compare(0, outer.size(), outer) != 0) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '.' || inner[outer.size()] == '[';
}

std::size_t node_line(const toml::node* node) {
  if (!node) return 0;
  // Values parsed from a --set argument carry line 1 of that argument, not of the file.
  const auto& source_path = node->source().path;
  if (source_path && *source_path == kOverrideSource) return 0;
  if (node->source().begin.line != 0) return node->source().begin.line;
  // Implicit tables (created by a dotted header such as [a.b]) and arrays of
  // tables may have no source; their first child's line is the closest thing
  // the user wrote.
  std::size_t best = 0;
  const auto consider = [&best](const toml::node& child) {
    const std::size_t line = node_line(&child);
    if (line != 0 && (best == 0 || line < best)) best = line;
  };
  if (const auto* table = node->as_table()) {
    for (auto&& [key, child] : *table) consider(child);
  } else if (const auto* array = node->as_array()) {
    for (const auto& child : *array) consider(child);
  }
  return best;
}

std::string format_float(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  std::string text = fmt::format("{}", value);
  // TOML tells floats from integers by the '.' or the exponent; keep that visible.
  if (text.find_first_of(".eE") == std::string::npos) text += ".0";
  return text;
}

void append_value(std::string& out, const toml::node& node) {
  node.visit([&out](auto&& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_same_v<T, toml::value<std::string>>) {
      out += quote(v.get());
    } else if constexpr (std::is_same_v<T, toml::value<std::int64_t>>) {
      out += std::to_string(v.get());
    } else if constexpr (std::is_same_v<T, toml::value<double>>) {
      out += format_float(v.get());
    } else if constexpr (std::is_same_v<T, toml::value<bool>>) {
      out += v.get() ? "true" : "false";
    } else if constexpr (std::is_same_v<T, toml::array>) {
      out += '[';
      bool first = true;
      for (const auto& element : v) {
        if (!first) out += ", ";
        first = false;
        append_value(out, element);
      }
      out += ']';
    } else if constexpr (std::is_same_v<T, toml::table>) {
      out += '{';
      bool first = true;
      for (auto&& [key, child] : v) {
        out += first ? " " : ", ";
        first = false;
        out += format_key(key.str());
        out += " = ";
        append_value(out, child);
      }
      out += first ? "}" : " }";
    } else {
      std::ostringstream os;  // dates and times: toml++ prints them as TOML does
      os << v;
      out += os.str();
    }
  });
}

}  // namespace

std::optional<std::string> Diagnostics::override_for(const std::string& path) const {
  // The longest --set path that covers `path` ("kmc.field" covers "kmc.field[1]").
  std::optional<std::string> best;
  std::size_t best_len = 0;
  for (const auto& [set_path, text] : m_overrides) {
    if (covers(set_path, path) && (!best || set_path.size() > best_len)) {
      best = text;
      best_len = set_path.size();
    }
  }
  return best;
}

std::string Diagnostics::location(const std::string& path, const toml::node* node) const {
  if (auto text = override_for(path)) return "--set " + *text;
  const std::size_t line = node_line(node);
  if (line != 0) return fmt::format("{}:{}", m_source_name, line);
  // A table that no line of the file wrote: --set created it on its way to a key.
  if (!path.empty()) {
    for (const auto& [set_path, text] : m_overrides) {
      if (covers(path, set_path)) return "--set " + text;
    }
  }
  return m_source_name;
}

std::size_t Diagnostics::line_of(const std::string& path, const toml::node* node) const {
  if (location(path, node).rfind("--set ", 0) == 0) return 0;
  const std::size_t line = node_line(node);
  return line == 0 ? std::numeric_limits<std::size_t>::max() : line;
}

void Diagnostics::record(const std::string& path, const toml::node* node) {
  if (!path.empty() && node) key_locations[path] = location(path, node);
}

void Diagnostics::report(std::string text, const std::string& path, const toml::node* node) {
  const std::size_t order = (path.empty() && !node) ? std::numeric_limits<std::size_t>::max()
                                                     : line_of(path, node);
  m_problems.push_back({order, std::move(text)});
}

std::vector<std::string> Diagnostics::problems() const {
  std::vector<Problem> sorted = m_problems;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Problem& a, const Problem& b) { return a.order < b.order; });
  std::vector<std::string> out;
  out.reserve(sorted.size());
  for (auto& p : sorted) out.push_back(std::move(p.text));
  return out;
}

std::string format_value(const toml::node& node, std::size_t max_chars) {
  std::string out;
  append_value(out, node);
  if (max_chars != std::string::npos && out.size() > max_chars) {
    out.resize(max_chars > 3 ? max_chars - 3 : 0);
    out += "...";
  }
  return out;
}

namespace {

// Entries of a table in the order they were written (line, then column);
// entries without a position (added by --set) last, by name.
std::vector<std::pair<std::string, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(std::string(key.str()), &node);
  const auto position = [](const toml::node* n) {
    const std::size_t line = node_line(n);
    const std::size_t column = n->source().begin.line != 0 ? n->source().begin.column : 0;
    return std::pair(line == 0 ? std::numeric_limits<std::size_t>::max() : line, column);
  };
  std::stable_sort(entries.begin(), entries.end(), [&](const auto& a, const auto& b) {
    return std::pair(position(a.second), a.first) < std::pair(position(b.second), b.first);
  });
  return entries;
}

void append_key_values(std::string& out, const toml::table& table) {
  for (const auto& [key, node] : in_file_order(table)) {
    out += format_key(key) + " = " + format_value(*node, std::string::npos) + "\n";
  }
}

}  // namespace

std::string format_document(const toml::table& root) {
  std::string values, sections;
  for (const auto& [key, node] : in_file_order(root)) {
    if (const auto* table = node->as_table()) {
      sections += (sections.empty() ? "[" : "\n[") + format_key(key) + "]\n";
      append_key_values(sections, *table);
    } else if (const auto* array = node->as_array(); array && !array->empty() &&
                                                     array->is_array_of_tables()) {
      for (const auto& element : *array) {
        sections += (sections.empty() ? "[[" : "\n[[") + format_key(key) + "]]\n";
        append_key_values(sections, *element.as_table());
      }
    } else {
      // TOML needs keys outside any section before the first header.
      values += format_key(key) + " = " + format_value(*node, std::string::npos) + "\n";
    }
  }
  return values.empty() || sections.empty() ? values + sections : values + "\n" + sections;
}

std::string format_key(std::string_view key) {
  const bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
  return bare ? std::string(key) : quote(key);
}

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

std::string format_number(double value) { return fmt::format("{:.10g}", value); }

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::string quoted_list(const std::vector<std::string>& values) {
  std::vector<std::string> quoted;
  quoted.reserve(values.size());
  for (const auto& v : values) quoted.push_back(quote(v));
  return join(quoted, ", ");
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  auto lower = [](std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
  };
  const std::string word_lower = lower(word);
  for (const auto& c : candidates) {
    if (lower(c) == word_lower) return c;
  }
  std::optional<std::string> best;
  std::size_t best_distance = 3;  // accept distance <= 2 only
  for (const auto& c : candidates) {
    const std::size_t dist = edit_distance(word_lower, lower(c));
    // A distance equal to the longer length means nothing in common ("Xe" vs "F").
    if (dist < best_distance && dist < std::max(word.size(), c.size())) {
      best = c;
      best_distance = dist;
    }
  }
  return best;
}

bool is_identifier(std::string_view name) {
  if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace hkmc::input::detail
