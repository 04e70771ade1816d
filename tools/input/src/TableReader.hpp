#pragma once
// Private to hkmc_input: typed, checked access to the keys of one TOML table.
// Every read either returns a value or reports a problem (naming the key, the
// value as written and what is allowed) and returns nothing, so a section
// reader can go on and find the next problem instead of stopping.
#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "Diagnostics.hpp"

namespace hkmc::input::detail {

class TableReader;

// One key of a table (present or absent) with the labels its messages use:
// "[kmc] temperature", "[barriers] E_kra.vacancy", "[mechanisms[0]] kind".
class Field {
 public:
  Field(Diagnostics& diag, const toml::node* node, std::string path, std::string section_label,
        std::string key_label);

  explicit operator bool() const { return m_node != nullptr; }
  const toml::node* node() const { return m_node; }
  const std::string& path() const { return m_path; }
  const std::string& key_label() const { return m_key_label; }
  std::string location() const { return m_diag->location(m_path, m_node); }
  std::string value_text() const;

  // "[kmc] temperature = -300: <what> (input.toml:12)"
  void fail(std::string_view what) const;

  // Each returns nothing (after reporting) when the value has the wrong type
  // or breaks the stated rule; `rule` is the "must ..." text of the message.
  std::optional<double> number() const;  // finite; integers accepted
  std::optional<double> number(const std::function<bool(double)>& ok, std::string_view rule) const;
  std::optional<std::int64_t> integer() const;
  std::optional<std::int64_t> integer(std::int64_t lo, std::int64_t hi, std::string_view rule) const;
  std::optional<std::string> string() const;
  std::optional<std::string> choice(const std::vector<std::string>& allowed) const;
  std::optional<bool> boolean() const;
  std::optional<int> axis() const;  // "x" | "y" | "z" -> 0 | 1 | 2
  std::optional<std::array<double, 3>> number3(std::string_view rule) const;
  std::optional<std::array<std::int64_t, 3>> integer3(std::int64_t lo, std::int64_t hi,
                                                    std::string_view rule) const;
  std::optional<std::vector<std::string>> string_list() const;

  // A sub-table whose keys keep this section's label ("[barriers] E_kra.x").
  std::optional<TableReader> table(std::vector<std::string> known_keys) const;
  // An array of tables; element i is labelled "[<path>[i]]".
  std::optional<std::vector<TableReader>> table_array(const std::vector<std::string>& known_keys,
                                                      std::string_view rule) const;

 private:
  Diagnostics* m_diag;
  const toml::node* m_node;
  std::string m_path;
  std::string m_section_label;
  std::string m_key_label;
};

// The keys of one table: a section, an element of an array of tables, or an
// inline table inside a section. Keys not in `known_keys` are reported by
// report_unknown_keys(), with a "did you mean" where one is close.
class TableReader {
 public:
  TableReader(Diagnostics& diag, const toml::table& table, std::string path,
              std::string section_label, std::string key_prefix,
              std::vector<std::string> known_keys);

  bool has(std::string_view key) const { return m_table->contains(key); }
  // The key's field (absent if not in the table); records its location.
  Field field(std::string_view key) const;
  std::vector<std::string> keys() const;

  // "[kmc] temperature: missing; required, <what> (input.toml:10)"
  void require(std::string_view key, std::string_view what) const;
  // A problem with the table as a whole, e.g. fractions that do not sum to 1.
  void fail(std::string_view what) const;
  void report_unknown_keys() const;

  const toml::table& table() const { return *m_table; }
  const std::string& path() const { return m_path; }
  const std::string& section_label() const { return m_section_label; }
  const std::string& key_prefix() const { return m_key_prefix; }
  std::string location() const { return m_diag->location(m_path, m_table); }
  Diagnostics& diagnostics() const { return *m_diag; }

 private:
  Diagnostics* m_diag;
  const toml::table* m_table;
  std::string m_path;
  std::string m_section_label;
  std::string m_key_prefix;  // "" for a section, "E_kra." for an inline table in one
  std::vector<std::string> m_known_keys;
};

// `second` may not be given together with `first`: reports on `second`.
void report_exclusive(const TableReader& table, std::string_view first, std::string_view second);

}  // namespace hkmc::input::detail
