#pragma once
// The one place where a TOML input file becomes typed spec structs
// (hkmc::kmc::RunSpec). The schema is documented in docs/input/.
//
// Reading is one pass that collects every problem before failing: a file with
// five mistakes gives one hkmc::InputError listing five messages, each shaped
//   [kmc] temperature = -300: must be > 0 K (input.toml:12)
// (section, key, the value as TOML shows it, what is allowed, where it came
// from; "(--set kmc.temperature=-300)" for a value given on the command line).
#include <string>
#include <string_view>
#include <vector>

#include "hkmc/kmc/RunSpec.hpp"

namespace hkmc::input {

// Reads the file at `path` and applies `overrides` ("section.key=value", as
// given to --set) before checking. Relative paths inside the file (the barrier
// table) are resolved against the file's directory. Throws hkmc::InputError
// (with every problem) for an unreadable file, a TOML syntax error, a
// malformed override, or any invalid key or value.
kmc::RunSpec read_input_file(const std::string& path,
                             const std::vector<std::string>& overrides = {});

// Same, for TOML text already in memory; `source_name` stands for the file in
// messages and RunSpec::source_path, `base_dir` resolves relative paths.
kmc::RunSpec read_input_string(std::string_view toml_text, const std::string& source_name,
                               const std::vector<std::string>& overrides = {},
                               const std::string& base_dir = ".");

}  // namespace hkmc::input
