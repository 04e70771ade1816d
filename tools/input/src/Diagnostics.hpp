#pragma once
// Private to hkmc_input: where a value came from (file line or --set), the
// problems found so far, and the small text helpers every message uses. The
// reader never stops at the first problem, so everything funnels through here.
#include <cstddef>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

namespace hkmc::input::detail {

// The source name given to toml++ when it parses a --set value.
inline constexpr std::string_view kOverrideSource = "--set";

class Diagnostics {
 public:
  explicit Diagnostics(std::string source_name) : m_source_name(std::move(source_name)) {}

  const std::string& source_name() const { return m_source_name; }

  // Remembers that `path` ("kmc.temperature") was set by `--set <text>`, so
  // messages about it (or anything inside it) point at the command line.
  void add_override(const std::string& path, const std::string& text) { m_overrides[path] = text; }

  // "--set kmc.temperature=400", else "input.toml:12", else "input.toml".
  std::string location(const std::string& path, const toml::node* node) const;

  // Records path -> location in key_locations (for checks made after parsing).
  void record(const std::string& path, const toml::node* node);

  // One problem; `path`/`node` only order the list (by line, --set first).
  void report(std::string text, const std::string& path = {}, const toml::node* node = nullptr);
  // A problem with a --set argument itself (listed first).
  void report_override(std::string text) { m_problems.push_back({0, std::move(text)}); }

  bool has_problems() const { return !m_problems.empty(); }
  std::size_t problem_count() const { return m_problems.size(); }
  // Problems in reading order: --set ones first, then by line, then file-level ones.
  std::vector<std::string> problems() const;

  std::map<std::string, std::string> key_locations;

 private:
  std::optional<std::string> override_for(const std::string& path) const;
  std::size_t line_of(const std::string& path, const toml::node* node) const;

  struct Problem {
    std::size_t order;  // 0: --set; line number; max: no line
    std::string text;
  };
  std::string m_source_name;
  std::map<std::string, std::string> m_overrides;
  std::vector<Problem> m_problems;
};

// A value as TOML would show it, on one line: strings in double quotes,
// floats always with a '.' or exponent; long values are cut with "...".
std::string format_value(const toml::node& node, std::size_t max_chars = 80);
// The whole document as TOML, sections and keys in the order of the file
// (what --set added comes last), floats in shortest round-trip form; nested
// tables and arrays of tables inside a section are written inline.
std::string format_document(const toml::table& root);
// A key as TOML would accept it: bare when possible, else a quoted string.
std::string format_key(std::string_view key);
// A TOML basic (double-quoted) string.
std::string quote(std::string_view text);
// A computed number for a message (sums, remainders): up to 10 significant digits.
std::string format_number(double value);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
// `"a", "b", "c"` for lists of allowed string values.
std::string quoted_list(const std::vector<std::string>& values);

// Optimal-string-alignment distance (Levenshtein plus adjacent transposition).
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate equal to `word` ignoring case, else the nearest within edit
// distance 2; nothing when none is close.
std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates);

bool is_identifier(std::string_view name);  // [A-Za-z][A-Za-z0-9_]*

}  // namespace hkmc::input::detail
