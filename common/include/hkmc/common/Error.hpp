#pragma once
// One error hierarchy for the whole program. Libraries throw; only main turns
// exceptions into exit codes (1 usage, 2 invalid input, 3 runtime failure).
#include <stdexcept>
#include <string>
#include <vector>

namespace hkmc {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Invalid input: a file, a key or a value the program cannot accept. The
// message names the file, line, key, the bad value and what is allowed.
class InputError : public Error {
 public:
  explicit InputError(const std::string& message) : Error(message), m_problems{message} {}
  explicit InputError(std::vector<std::string> problems)
      : Error(join(problems)), m_problems(std::move(problems)) {}
  const std::vector<std::string>& problems() const { return m_problems; }

 private:
  static std::string join(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) {
      if (!out.empty()) out += '\n';
      out += p;
    }
    return out;
  }
  std::vector<std::string> m_problems;
};

// A failure while running a valid input (I/O, a barrier that cannot be found).
class RuntimeError : public Error {
 public:
  using Error::Error;
};

}  // namespace hkmc
