#include "hkmc/barriers/TableProvider.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "hkmc/common/Error.hpp"

namespace hkmc::barriers {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(trim(field));
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

}  // namespace

TableProvider::TableProvider(const std::string& path, const lattice::SpeciesTable& species)
    : m_path(path) {
  std::ifstream in(path);
  if (!in) throw InputError("barrier table '" + path + "': cannot be opened for reading");
  std::string line;
  int line_no = 0;
  std::vector<std::string> header;
  int col_mech = -1, col_path = -1, col_species = -1, col_e = -1;
  std::vector<std::pair<int, lattice::Occupant>> count_columns;
  std::vector<std::string> problems;
  auto where = [&](int l) { return path + ":" + std::to_string(l); };

  while (std::getline(in, line)) {
    ++line_no;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto fields = split_csv(t);
    if (header.empty()) {
      header = fields;
      for (int c = 0; c < static_cast<int>(header.size()); ++c) {
        const std::string& h = header[c];
        if (h == "mechanism") col_mech = c;
        else if (h == "path_type") col_path = c;
        else if (h == "species") col_species = c;
        else if (h == "E_kra_eV") col_e = c;
        else if (h.rfind("n_", 0) == 0 && species.contains(h.substr(2)))
          count_columns.emplace_back(c, species.code(h.substr(2)));
        else
          problems.push_back(where(line_no) + ": unknown column '" + h +
                             "'; allowed: mechanism, path_type, species, E_kra_eV, n_<species> "
                             "for a species of this run");
      }
      for (auto [col, name] : {std::pair{col_mech, "mechanism"}, std::pair{col_path, "path_type"},
                               std::pair{col_e, "E_kra_eV"}}) {
        if (col < 0)
          problems.push_back(where(line_no) + ": header lacks the required column '" +
                             std::string(name) + "'");
      }
      if (!problems.empty()) throw InputError(problems);
      m_uses_counts = !count_columns.empty();
      continue;
    }
    if (fields.size() != header.size()) {
      problems.push_back(where(line_no) + ": " + std::to_string(fields.size()) +
                         " fields, but the header has " + std::to_string(header.size()));
      continue;
    }
    Row row;
    row.line = line_no;
    row.mechanism = fields[col_mech];
    if (row.mechanism.empty()) problems.push_back(where(line_no) + ": column mechanism is empty");
    row.path_type = fields[col_path] == "*" ? "" : fields[col_path];
    if (col_species >= 0 && !fields[col_species].empty()) {
      if (!species.contains(fields[col_species])) {
        problems.push_back(where(line_no) + ": column species = '" + fields[col_species] +
                           "': not a species of this run");
      } else {
        row.species = species.code(fields[col_species]);
      }
    }
    {
      const std::string& v = fields[col_e];
      char* end = nullptr;
      errno = 0;
      const double e = std::strtod(v.c_str(), &end);
      if (v.empty() || *end != '\0' || errno != 0 || !std::isfinite(e) || e < 0 || e > 20) {
        problems.push_back(where(line_no) + ": column E_kra_eV = '" + v +
                           "': must be a number in [0, 20] eV");
      }
      row.e_kra_ev = e;
    }
    for (const auto& [col, code] : count_columns) {
      const std::string& v = fields[col];
      if (v.empty()) continue;
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || n < 0 || n > 10000) {
        problems.push_back(where(line_no) + ": column " + header[col] + " = '" + v +
                           "': must be an integer >= 0 or empty (any)");
        continue;
      }
      row.counts.emplace_back(code, static_cast<int>(n));
    }
    row.specificity = (row.path_type.empty() ? 0 : 1) + (row.species ? 1 : 0) +
                      static_cast<int>(row.counts.size());
    for (const auto& other : m_rows) {
      if (other.mechanism == row.mechanism && other.path_type == row.path_type &&
          other.species == row.species && other.counts == row.counts) {
        problems.push_back(where(line_no) + ": duplicates the row on line " +
                           std::to_string(other.line));
      }
    }
    m_rows.push_back(std::move(row));
  }
  if (header.empty()) problems.push_back(path + ": the table is empty (no header line)");
  else if (m_rows.empty() && problems.empty()) problems.push_back(path + ": the table has no data rows");
  if (!problems.empty()) throw InputError(problems);
}

double TableProvider::e_kra(const HopContext& hop) const {
  const Row* best = nullptr;
  bool ambiguous = false;
  for (const auto& row : m_rows) {
    if (row.mechanism != hop.mechanism) continue;
    if (!row.path_type.empty() && row.path_type != hop.path_type) continue;
    if (row.species && row.species != hop.moving_species) continue;
    bool match = true;
    for (const auto& [code, n] : row.counts) {
      const int have = code < hop.species_counts.size() ? hop.species_counts[code] : 0;
      if (have != n) { match = false; break; }
    }
    if (!match) continue;
    if (!best || row.specificity > best->specificity) {
      best = &row;
      ambiguous = false;
    } else if (row.specificity == best->specificity && row.e_kra_ev != best->e_kra_ev) {
      ambiguous = true;
    }
  }
  if (!best) {
    std::ostringstream msg;
    msg << "barrier table '" << m_path << "' has no row for mechanism '" << hop.mechanism
        << "', path '" << hop.path_type << "'";
    if (!hop.species_counts.empty()) {
      msg << " with environment counts";
      for (std::size_t c = 1; c < hop.species_counts.size(); ++c)
        if (hop.species_counts[c]) msg << " [code " << c << "]=" << hop.species_counts[c];
    }
    throw RuntimeError(msg.str());
  }
  if (ambiguous) {
    throw RuntimeError("barrier table '" + m_path + "': several equally specific rows match a hop of '" +
                       std::string(hop.mechanism) + "/" + std::string(hop.path_type) +
                       "' with different values (one is line " + std::to_string(best->line) + ")");
  }
  return best->e_kra_ev;
}

void TableProvider::check(const lattice::HopCatalog& catalog) const {
  std::vector<std::string> problems;
  std::set<std::string> mechanisms;
  for (const auto& c : catalog.classes()) {
    const std::string& mech = catalog.mechanisms()[c.mechanism].name;
    mechanisms.insert(mech);
    bool covered = false;
    for (const auto& row : m_rows)
      if (row.mechanism == mech && (row.path_type.empty() || row.path_type == c.path_type))
        covered = true;
    if (!covered)
      problems.push_back("barrier table '" + m_path + "' has no row for mechanism '" + mech +
                         "' and path type '" + c.path_type + "'");
  }
  for (const auto& row : m_rows) {
    if (!mechanisms.count(row.mechanism)) {
      std::string allowed;
      for (const auto& m : mechanisms) allowed += (allowed.empty() ? "" : ", ") + m;
      problems.push_back(m_path + ":" + std::to_string(row.line) + ": mechanism '" + row.mechanism +
                         "' is not one of this run's mechanisms (" + allowed + ")");
    }
  }
  if (!problems.empty()) throw InputError(problems);
}

}  // namespace hkmc::barriers
