#pragma once
// Shared by the tests that drive the halide-kmc binary: run a command and
// capture its exit code and output, and a scratch directory per test.
// HKMC_CLI_PATH is a compile definition of each such test target.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace hkmc::test {

struct CommandResult {
  int code;
  std::string output;  // stdout and stderr
};

// Runs `program args` through the shell; code -1 if it did not exit normally.
inline CommandResult run_command(const std::string& args, const std::string& program = HKMC_CLI_PATH) {
  const std::string cmd = program + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// A fresh directory per test, removed afterwards.
struct Scratch {
  std::filesystem::path dir;
  explicit Scratch(const std::string& prefix = "hkmc_test") {
    static int counter = 0;
    dir = std::filesystem::temp_directory_path() /
          (prefix + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~Scratch() { std::filesystem::remove_all(dir); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  std::string path(const std::string& name) const { return (dir / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name) << text;
    return path(name);
  }
};

}  // namespace hkmc::test
