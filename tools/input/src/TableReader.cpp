#include "TableReader.hpp"

#include <cmath>
#include <limits>

#include <fmt/format.h>

namespace hkmc::input::detail {

Field::Field(Diagnostics& diag, const toml::node* node, std::string path,
             std::string section_label, std::string key_label)
    : m_diag(&diag),
      m_node(node),
      m_path(std::move(path)),
      m_section_label(std::move(section_label)),
      m_key_label(std::move(key_label)) {}

std::string Field::value_text() const { return m_node ? format_value(*m_node) : std::string(); }

void Field::fail(std::string_view what) const {
  // Top-level keys have no section label: "temperature = 300: ...".
  const std::string label =
      m_section_label.empty() ? m_key_label : m_section_label + " " + m_key_label;
  m_diag->report(fmt::format("{} = {}: {} ({})", label, value_text(), what, location()), m_path,
                 m_node);
}

std::optional<double> Field::number() const {
  if (!m_node) return std::nullopt;
  std::optional<double> value;
  if (const auto* v = m_node->as_floating_point()) value = v->get();
  if (const auto* v = m_node->as_integer()) value = static_cast<double>(v->get());
  if (!value) {
    fail("must be a number");
    return std::nullopt;
  }
  if (!std::isfinite(*value)) {
    fail("must be a finite number");
    return std::nullopt;
  }
  return value;
}

std::optional<double> Field::number(const std::function<bool(double)>& ok,
                                    std::string_view rule) const {
  auto value = number();
  if (value && !ok(*value)) {
    fail(rule);
    return std::nullopt;
  }
  return value;
}

std::optional<std::int64_t> Field::integer() const {
  if (!m_node) return std::nullopt;
  if (const auto* v = m_node->as_integer()) return v->get();
  fail("must be an integer");
  return std::nullopt;
}

std::optional<std::int64_t> Field::integer(std::int64_t lo, std::int64_t hi,
                                           std::string_view rule) const {
  auto value = integer();
  if (value && (*value < lo || *value > hi)) {
    fail(rule);
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> Field::string() const {
  if (!m_node) return std::nullopt;
  if (const auto* v = m_node->as_string()) return v->get();
  fail("must be a string");
  return std::nullopt;
}

std::optional<std::string> Field::choice(const std::vector<std::string>& allowed) const {
  if (!m_node) return std::nullopt;
  const auto* v = m_node->as_string();
  if (v) {
    for (const auto& a : allowed) {
      if (v->get() == a) return a;
    }
  }
  std::string rule = "must be one of " + quoted_list(allowed);
  if (v) {
    if (auto near = closest_match(v->get(), allowed)) rule += "; did you mean " + quote(*near) + "?";
  }
  fail(rule);
  return std::nullopt;
}

std::optional<bool> Field::boolean() const {
  if (!m_node) return std::nullopt;
  if (const auto* v = m_node->as_boolean()) return v->get();
  fail("must be true or false");
  return std::nullopt;
}

std::optional<int> Field::axis() const {
  auto name = choice({"x", "y", "z"});
  if (!name) return std::nullopt;
  return (*name)[0] - 'x';
}

std::optional<std::array<double, 3>> Field::number3(std::string_view rule) const {
  if (!m_node) return std::nullopt;
  const auto* array = m_node->as_array();
  std::array<double, 3> out{};
  bool ok = array && array->size() == 3;
  for (std::size_t i = 0; ok && i < 3; ++i) {
    const auto& element = (*array)[i];
    if (const auto* f = element.as_floating_point()) {
      out[i] = f->get();
    } else if (const auto* n = element.as_integer()) {
      out[i] = static_cast<double>(n->get());
    } else {
      ok = false;
    }
    ok = ok && std::isfinite(out[i]);
  }
  if (!ok) {
    fail(rule);
    return std::nullopt;
  }
  return out;
}

std::optional<std::array<std::int64_t, 3>> Field::integer3(std::int64_t lo, std::int64_t hi,
                                                           std::string_view rule) const {
  if (!m_node) return std::nullopt;
  const auto* array = m_node->as_array();
  std::array<std::int64_t, 3> out{};
  bool ok = array && array->size() == 3;
  for (std::size_t i = 0; ok && i < 3; ++i) {
    const auto* n = (*array)[i].as_integer();
    ok = n && n->get() >= lo && n->get() <= hi;
    if (ok) out[i] = n->get();
  }
  if (!ok) {
    fail(rule);
    return std::nullopt;
  }
  return out;
}

std::optional<std::vector<std::string>> Field::string_list() const {
  if (!m_node) return std::nullopt;
  const auto* array = m_node->as_array();
  std::vector<std::string> out;
  bool ok = array != nullptr;
  if (ok) {
    for (const auto& element : *array) {
      const auto* s = element.as_string();
      if (!s) {
        ok = false;
        break;
      }
      out.push_back(s->get());
    }
  }
  if (!ok) {
    fail("must be an array of strings");
    return std::nullopt;
  }
  return out;
}

std::optional<TableReader> Field::table(std::vector<std::string> known_keys) const {
  if (!m_node) return std::nullopt;
  const auto* t = m_node->as_table();
  if (!t) {
    fail("must be a table");
    return std::nullopt;
  }
  return TableReader(*m_diag, *t, m_path, m_section_label, m_key_label + ".",
                     std::move(known_keys));
}

std::optional<std::vector<TableReader>> Field::table_array(
    const std::vector<std::string>& known_keys, std::string_view rule) const {
  if (!m_node) return std::nullopt;
  const auto* array = m_node->as_array();
  // An empty array is an empty list of tables (toml++ does not call it one).
  if (!array || (!array->empty() && !array->is_array_of_tables())) {
    fail(rule);
    return std::nullopt;
  }
  std::vector<TableReader> out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const std::string element_path = fmt::format("{}[{}]", m_path, i);
    const auto& element = *(*array)[i].as_table();
    m_diag->record(element_path, &element);
    out.emplace_back(*m_diag, element, element_path, "[" + element_path + "]", "", known_keys);
  }
  return out;
}

TableReader::TableReader(Diagnostics& diag, const toml::table& table, std::string path,
                         std::string section_label, std::string key_prefix,
                         std::vector<std::string> known_keys)
    : m_diag(&diag),
      m_table(&table),
      m_path(std::move(path)),
      m_section_label(std::move(section_label)),
      m_key_prefix(std::move(key_prefix)),
      m_known_keys(std::move(known_keys)) {}

Field TableReader::field(std::string_view key) const {
  const toml::node* node = m_table->get(key);
  std::string path = m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
  m_diag->record(path, node);
  return Field(*m_diag, node, std::move(path), m_section_label, m_key_prefix + format_key(key));
}

std::vector<std::string> TableReader::keys() const {
  std::vector<std::string> out;
  for (auto&& [key, node] : *m_table) out.emplace_back(key.str());
  return out;
}

void TableReader::require(std::string_view key, std::string_view what) const {
  if (has(key)) return;
  m_diag->report(fmt::format("{} {}{}: missing; required, {} ({})", m_section_label, m_key_prefix,
                             format_key(key), what, location()),
                 m_path, m_table);
}

void TableReader::fail(std::string_view what) const {
  std::string shown;
  if (m_key_prefix.empty()) {
    // A whole section: list its keys as they are written in it.
    std::vector<std::string> parts;
    for (auto&& [key, node] : *m_table) {
      parts.push_back(format_key(key.str()) + " = " + format_value(node, 40));
    }
    shown = m_section_label + " " + join(parts, ", ");
  } else {
    shown = m_section_label + " " + m_key_prefix.substr(0, m_key_prefix.size() - 1) + " = " +
            format_value(*m_table);
  }
  m_diag->report(fmt::format("{}: {} ({})", shown, what, location()), m_path, m_table);
}

void TableReader::report_unknown_keys() const {
  for (auto&& [key, node] : *m_table) {
    const std::string name(key.str());
    bool known = false;
    for (const auto& k : m_known_keys) known = known || k == name;
    if (known) continue;
    std::string rule = "unknown key";
    if (auto near = closest_match(name, m_known_keys)) {
      rule += "; did you mean '" + *near + "'?";
    } else {
      rule += "; allowed keys: " + join(m_known_keys, ", ");
    }
    std::string path = m_path.empty() ? name : m_path + "." + name;
    Field(*m_diag, &node, std::move(path), m_section_label, m_key_prefix + format_key(name))
        .fail(rule);
  }
}

void report_exclusive(const TableReader& table, std::string_view first, std::string_view second) {
  if (!table.has(first) || !table.has(second)) return;
  const Field a = table.field(first);
  table.field(second).fail(fmt::format("give either {} or {}, not both ({} is set at {})", first,
                                       second, first, a.location()));
}

}  // namespace hkmc::input::detail
