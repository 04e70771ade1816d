// The command line under faults: SIGTERM/SIGINT during a run give a
// checkpoint and outputs marked incomplete within 2 s, exit code 3; the
// restart ends where an uninterrupted run ends; a checkpoint from another
// input, a damaged checkpoint and a supercell too large for memory are
// refused with exit code 2 and a message.
#include <doctest/doctest.h>

#include "../CliTestSupport.hpp"
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "hkmc/kmc/RunOutput.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using hkmc::test::Scratch;
using Result = hkmc::test::CommandResult;

Result run(const std::string& args, const std::string& program = HKMC_CLI_PATH) {
  return hkmc::test::run_command(args, program);
}

std::string read(const std::string& path) { return hkmc::test::read_text(path); }

// The summary without what legitimately differs between an interrupted and
// restarted run and an uninterrupted one (wall time, paths, flags).
std::string physics_lines(const std::string& json) {
  std::istringstream in(json);
  std::string line, out;
  while (std::getline(in, line)) {
    bool keep = true;
    for (const char* key : {"wall_time_s", "events_per_second", "\"input\"", "output_file", "interrupted",
                            "restarted_from", "threads"})
      if (line.find(key) != std::string::npos) keep = false;
    if (keep) out += line + "\n";
  }
  return out;
}

// `kmc_extra`: more [kmc] lines; `cells`: the supercell's edge.
std::string input(const Scratch& s, const std::string& prefix, std::int64_t steps, const std::string& kmc_extra = "",
                  int cells = 6, int vacancies = 6) {
  const std::string n = std::to_string(cells);
  return s.write(prefix + ".toml", R"(
[lattice]
prototype = "perovskite"
a = 5.87
supercell = [)" + n + ", " + n + ", " + n + R"(]

[composition]
Br = 0.5
I = 0.5

[defects]
vacancies = )" + std::to_string(vacancies) + R"(

[kmc]
temperature = 300.0
steps = )" + std::to_string(steps) + R"(
seed = 5
replicas = 2
)" + kmc_extra + R"(

[output]
file = ")" + s.path(prefix + ".h5") + R"("
summary = ")" + s.path(prefix + ".json") + R"("
checkpoint = ")" + s.path(prefix + ".ckpt.h5") + R"("
checkpoint_every = 100000
)");
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log) {
  std::fflush(nullptr);  // no buffered test output may be copied into the child
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    dup2(fileno(stdout), 2);
    execv(HKMC_CLI_PATH, argv.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

TEST_CASE("SIGTERM and SIGINT: checkpoint, incomplete outputs, exit 3 within 2 s; the restart equals an uninterrupted run") {
  Scratch s("hkmc_rel");
  // 3·10^6 events per replica (~1 s): the signal comes after the first
  // checkpoint (10^5 events), normally long before the end.
  const std::int64_t steps = 3'000'000;
  const auto ref_in = input(s, "ref", steps);
  // Both runs take their seed from --set: the restart needs it too, and the
  // interrupted run's message must say so (its restart runs that message's command).
  REQUIRE(run("run " + ref_in + " --quiet --set kmc.seed=7").code == 0);
  const std::string reference = physics_lines(read(s.path("ref.json")));
  REQUIRE(reference.find("\"events\": 6000000") != std::string::npos);

  for (int sig : {SIGTERM, SIGINT}) {
    CAPTURE(sig);
    const std::string prefix = sig == SIGTERM ? "term" : "int";
    const auto in = input(s, prefix, steps);
    const pid_t pid = spawn({HKMC_CLI_PATH, "run", in, "--quiet", "--set", "kmc.seed=7"}, s.path(prefix + ".log"));
    REQUIRE(pid > 0);
    // Wait for the first periodic checkpoint: the run is under way.
    const auto start = Clock::now();
    while (!fs::exists(s.path(prefix + ".ckpt.h5")) && Clock::now() - start < std::chrono::seconds(120))
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    REQUIRE(fs::exists(s.path(prefix + ".ckpt.h5")));
    const auto sent = Clock::now();
    REQUIRE(kill(pid, sig) == 0);
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    const double seconds = std::chrono::duration<double>(Clock::now() - sent).count();
    MESSAGE("stopped " << seconds << " s after the signal");
    CHECK(seconds < 2.0);
    const std::string log = read(s.path(prefix + ".log"));
    INFO(log);
    REQUIRE(WIFEXITED(status));
    if (WEXITSTATUS(status) == 0) {
      MESSAGE("the run finished before the signal arrived; nothing to test");
      continue;
    }
    CHECK(WEXITSTATUS(status) == 3);
    CHECK(log.find("interrupted by a signal") != std::string::npos);
    const std::string hint = "continue with: halide-kmc ";
    const auto at = log.find(hint);
    REQUIRE(at != std::string::npos);
    const std::string restart = log.substr(at + hint.size(), log.find('\n', at) - at - hint.size());
    CHECK(restart == "run " + in + " --set kmc.seed=7 --restart " + s.path(prefix + ".ckpt.h5"));
    CHECK(read(s.path(prefix + ".json")).find("\"interrupted\": true") != std::string::npos);
    CHECK(hkmc::kmc::is_incomplete_output(s.path(prefix + ".h5")));

    // Restart with the command the message gives: replaces the incomplete
    // outputs without --force, and ends where the uninterrupted run ends, to the last digit.
    const auto r = run(restart + " --quiet");
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(physics_lines(read(s.path(prefix + ".json"))) == reference);
    CHECK(read(s.path(prefix + ".json")).find("\"interrupted\": false") != std::string::npos);
    CHECK_FALSE(hkmc::kmc::is_incomplete_output(s.path(prefix + ".h5")));
  }
}

TEST_CASE("sector-parallel runs: SIGTERM, checkpoint, and a restart on another thread count equal the uninterrupted run; the other parallel mode is refused") {
  Scratch s("hkmc_rel");
  // 12³ cells in 2×2×2 sectors (halves of 3 cells), 40 vacancies, 10^6
  // events per replica: the signal comes after the first checkpoint (10^5
  // events, at a cycle end), normally long before the end.
  const std::int64_t steps = 1'000'000;
  const std::string sectors = "parallel = \"sectors\"\nsectors = [2, 2, 2]\n";
  const auto ref_in = input(s, "sref", steps, sectors, 12, 40);
  REQUIRE(run("run " + ref_in + " --quiet --threads 1").code == 0);
  const std::string reference = physics_lines(read(s.path("sref.json")));
  REQUIRE(reference.find("\"events\": ") != std::string::npos);

  const auto in = input(s, "sterm", steps, sectors, 12, 40);
  const pid_t pid = spawn({HKMC_CLI_PATH, "run", in, "--quiet", "--threads", "2"}, s.path("sterm.log"));
  REQUIRE(pid > 0);
  const auto start = Clock::now();
  while (!fs::exists(s.path("sterm.ckpt.h5")) && Clock::now() - start < std::chrono::seconds(120))
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(fs::exists(s.path("sterm.ckpt.h5")));
  const auto sent = Clock::now();
  REQUIRE(kill(pid, SIGTERM) == 0);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  const double seconds = std::chrono::duration<double>(Clock::now() - sent).count();
  MESSAGE("stopped " << seconds << " s after the signal");
  CHECK(seconds < 2.0);
  const std::string log = read(s.path("sterm.log"));
  INFO(log);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 0) {
    MESSAGE("the run finished before the signal arrived; nothing to restart");
  } else {
    CHECK(WEXITSTATUS(status) == 3);
    CHECK(log.find("--restart") != std::string::npos);
    const auto r = run("run " + in + " --quiet --threads 1 --restart " + s.path("sterm.ckpt.h5"));
    INFO(r.output);
    REQUIRE(r.code == 0);
    CHECK(physics_lines(read(s.path("sterm.json"))) == reference);
  }
  // The checkpoint of a sector run does not continue serially.
  const auto serial_in = input(s, "serial", steps, "", 12, 40);
  const auto r = run("run " + serial_in + " --quiet --restart " + s.path("sterm.ckpt.h5"));
  INFO(r.output);
  CHECK(r.code == 2);
  CHECK(r.output.find("was written by a sector-parallel run") != std::string::npos);
}

TEST_CASE("restart refuses another input, a damaged checkpoint, and an existing checkpoint path") {
  Scratch s("hkmc_rel");
  const auto in = input(s, "a", 200000);
  REQUIRE(run("run " + in + " --quiet").code == 0);
  const std::string cp = s.path("a.ckpt.h5");
  REQUIRE(fs::exists(cp));

  auto r = run("run " + in + " --quiet --force --restart " + cp + " --set kmc.temperature=310");
  CHECK(r.code == 2);
  CHECK(r.output.find("kmc.temperature is '300' in the checkpoint but '310' in the input") != std::string::npos);

  r = run("run " + in + " --quiet --force --restart " + cp + " --set kmc.seed=6");
  CHECK(r.code == 2);
  CHECK(r.output.find("kmc.seed is '5' in the checkpoint but '6' in the input") != std::string::npos);

  // Damaged copy: one byte in the middle flipped.
  {
    std::fstream f(s.path("a.ckpt.h5"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(cp) / 2));
    f.put('\x5a');
  }
  r = run("run " + in + " --quiet --force --restart " + cp);
  CHECK(r.code == 2);
  CHECK(r.output.find("checksum mismatch: the file is corrupted") != std::string::npos);

  // A fresh run does not overwrite an existing checkpoint without --force.
  const auto before = fs::file_size(cp);
  r = run("run " + in + " --quiet --set output.file=" + s.path("b.h5") + " --set output.summary=" + s.path("b.json"));
  CHECK(r.code == 2);
  CHECK(r.output.find("[output] checkpoint") != std::string::npos);
  CHECK(fs::file_size(cp) == before);
}

TEST_CASE("a supercell too large for memory is refused by check and run, with the size and the limit") {
  Scratch s("hkmc_rel");
  const auto in = input(s, "huge", 1000);
  for (const char* command : {"check ", "run "}) {
    // 1.536e9 sites: fits the 32-bit index, not the memory (about 5e11 bytes).
    auto r = run(std::string(command) + in + " --set lattice.supercell=[800,800,800]");
    INFO(r.output);
    CHECK(r.code == 2);
    CHECK(r.output.find("[lattice] supercell = [800, 800, 800]: 1.536e+09 mobile sites need about") != std::string::npos);
    CHECK(r.output.find("of memory available") != std::string::npos);
    r = run(std::string(command) + in + " --set lattice.supercell=[2000,2000,2000]");
    CHECK(r.code == 2);
    CHECK(r.output.find("2.4e+10 mobile sites; at most 2147483647 fit the program's 32-bit site index") !=
          std::string::npos);
  }
  CHECK_FALSE(fs::exists(s.path("huge.h5")));
}
