#pragma once
// Private to hkmc_input: one reader per input section. They run in a fixed
// order (lattice, composition and initial, defects, mechanisms, barriers,
// energy, kmc, mc, output) because later sections check names the earlier ones define
// (species, mechanisms); what is known so far travels in SectionContext.
#include <optional>
#include <string>
#include <vector>

#include "hkmc/kmc/RunSpec.hpp"
#include "TableReader.hpp"

namespace hkmc::input::detail {

struct SectionContext {
  SectionContext(Diagnostics& d, kmc::RunSpec& s, std::string dir)
      : diag(d), spec(s), base_dir(std::move(dir)) {}
  Diagnostics& diag;
  kmc::RunSpec& spec;
  std::string base_dir;                   // resolves relative paths in the input
  std::optional<std::string> prototype;   // set once [lattice] prototype is valid
  bool supercell_valid = false;
  // Species named by [composition] and the layers; `species_complete` says
  // they all parsed, so a name missing from the list is really missing.
  std::vector<std::string> species;
  bool species_complete = false;
  // Names from [[mechanisms]]; empty when none are declared (prototype defaults).
  std::vector<std::string> mechanism_names;
  bool mechanisms_complete = false;
};

// A section that is absent is passed as nullopt (defaults apply, or "missing").
void read_lattice(SectionContext& ctx, const std::optional<TableReader>& table);
void read_composition_and_initial(SectionContext& ctx, const std::optional<TableReader>& composition,
                                  const std::optional<TableReader>& initial);
void read_defects(SectionContext& ctx, const std::optional<TableReader>& table);
void read_mechanisms(SectionContext& ctx, const Field& field);
void read_barriers(SectionContext& ctx, const std::optional<TableReader>& table);
void read_energy(SectionContext& ctx, const std::optional<TableReader>& table);
void read_kmc(SectionContext& ctx, const std::optional<TableReader>& table);
// Resolves a file name against `base_dir`; reports on `f` unless it is a readable file.
std::optional<std::string> readable_file(const Field& f, const std::string& base_dir, const char* what);
void read_mc(SectionContext& ctx, const std::optional<TableReader>& table);
void read_output(SectionContext& ctx, const std::optional<TableReader>& table);

// Checks a species name (a [composition] key, a balance value, a slope or
// charge key) against the prototype's rule; reports on `field` if it fails.
bool check_species_name(const SectionContext& ctx, const Field& field, const std::string& name,
                        bool name_is_key);
// Checks that `name` is one of the composition's species (when they are known).
bool check_known_species(const SectionContext& ctx, const Field& field, const std::string& name,
                         bool name_is_key);

}  // namespace hkmc::input::detail
