// [kmc] and [output]: how long and how the run goes, and what it writes.
// See docs/input/{kmc,output}.md.
#include <cstdint>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "Sections.hpp"

namespace hkmc::input::detail {

namespace {
constexpr double kMaxTemperatureK = 5000.0;  // far above any perovskite's melting point
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
}  // namespace

void read_kmc(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) {
    ctx.diag.report(fmt::format(
        "[kmc]: missing; required section (temperature, and steps or time) ({})",
        ctx.diag.source_name()));
    return;
  }
  const TableReader& t = *table;
  t.report_unknown_keys();
  auto& kmc = ctx.spec.kmc;

  t.require("temperature", "in K, > 0 and <= 5000");
  if (auto temp = t.field("temperature").number([](double x) { return x > 0; }, "must be > 0 K")) {
    if (*temp > kMaxTemperatureK) {
      t.field("temperature").fail("must be <= 5000 K");
    } else {
      kmc.temperature_k = *temp;
    }
  }

  if (!t.has("steps") && !t.has("time")) {
    ctx.diag.report(fmt::format("[kmc] steps, time: missing; give exactly one: steps (events per "
                                "replica) or time (simulated s) ({})",
                                t.location()),
                    t.path(), &t.table());
  }
  report_exclusive(t, "steps", "time");
  if (auto steps = t.field("steps").integer(1, kInt64Max, "must be an integer > 0")) {
    if (!t.has("time")) kmc.steps = *steps;
  }
  if (auto time = t.field("time").number([](double x) { return x > 0; }, "must be > 0 s")) {
    if (!t.has("steps")) kmc.time_s = *time;
  }

  if (auto seed = t.field("seed").integer(0, kInt64Max, "must be an integer >= 0")) {
    kmc.seed = static_cast<std::uint64_t>(*seed);
  }
  if (auto n = t.field("replicas").integer(1, 4096, "must be an integer from 1 to 4096")) {
    kmc.replicas = static_cast<int>(*n);
  }
  if (auto n = t.field("blocks").integer(2, 1000, "must be an integer from 2 to 1000")) {
    kmc.blocks = static_cast<int>(*n);
  }
  if (auto field = t.field("field").number3("must be an array of 3 numbers [Fx, Fy, Fz] in V/Å")) {
    kmc.field_v_per_angstrom = *field;
  }
  // Sector-parallel KMC (docs/sector_kmc.md): its keys only mean something with it.
  const auto parallel = t.field("parallel").choice({"replicas", "sectors"});
  if (parallel) kmc.parallel = *parallel;
  // A bad parallel value has its own error; the sector keys are not blamed for it.
  const bool parallel_valid = parallel || !t.has("parallel");
  for (const char* key : {"sectors", "sector_window", "sector_order"})
    if (t.has(key) && parallel_valid && kmc.parallel != "sectors") t.field(key).fail("needs [kmc] parallel = \"sectors\"");
  if (auto n = t.field("sectors").integer3(1, 4096, "must be an array of 3 integers from 1 to 4096 (sectors along x, y, z)"))
    for (int a = 0; a < 3; ++a) kmc.sectors[a] = static_cast<int>((*n)[a]);
  if (auto w = t.field("sector_window").number([](double x) { return x > 0 && x <= 100; },
                                               "must be > 0 and <= 100 (the window in units of 1/Γ_max)"))
    kmc.sector_window = *w;
  if (auto o = t.field("sector_order").choice({"random", "fixed"})) kmc.sector_order = *o;
  if (const Field f = t.field("charges")) {
    if (auto charges = f.table({})) {
      for (const auto& species : charges->keys()) {
        const Field c = charges->field(species);
        auto q = c.number();
        if (check_known_species(ctx, c, species, true) && q) kmc.charges_e[species] = *q;
      }
    }
  }
}

void read_mc(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) return;
  const TableReader& t = *table;
  t.report_unknown_keys();
  auto& mc = ctx.spec.mc;
  if (auto n = t.field("equilibration").integer(0, 100000000, "must be an integer from 0 to 1e8 sweeps"))
    mc.equilibration_sweeps = *n;
  if (auto n = t.field("sweeps").integer(1, 100000000, "must be an integer from 1 to 1e8 sweeps")) mc.sweeps = *n;
  if (auto n = t.field("sample_every").integer(1, 1000000, "must be an integer from 1 to 1e6 sweeps"))
    mc.sample_every = static_cast<int>(*n);
  if (auto n = t.field("shells").integer(1, 10, "must be an integer from 1 to 10")) mc.shells = static_cast<int>(*n);
  if (mc.sweeps < mc.sample_every) {
    // Point at the key the user wrote: sweeps may be the default.
    if (t.has("sweeps"))
      t.field("sweeps").fail(fmt::format("must be at least sample_every = {} so that one sample is taken", mc.sample_every));
    else
      t.field("sample_every").fail(fmt::format("must be at most sweeps = {} (the default; set sweeps too) so that one "
                                               "sample is taken", mc.sweeps));
  }
}

namespace {
// Two output paths that name one file as written ("out.h5", "./out.h5"):
// compared after lexical normalisation, without touching the file system.
bool same_path(const std::string& a, const std::string& b) {
  return !a.empty() && !b.empty() &&
         std::filesystem::path(a).lexically_normal() == std::filesystem::path(b).lexically_normal();
}
}  // namespace

void read_output(SectionContext& ctx, const std::optional<TableReader>& table) {
  if (!table) return;
  const TableReader& t = *table;
  t.report_unknown_keys();
  auto& out = ctx.spec.output;

  // Output paths are relative to the working directory, not the input file,
  // and are only checked as text: creating or probing them is the writer's job.
  for (const char* key : {"file", "summary"}) {
    const Field f = t.field(key);
    if (auto path = f.string()) {
      if (path->empty()) {
        f.fail("must not be empty (leave the key out to write no such file)");
      } else {
        (std::string_view(key) == "file" ? out.file : out.summary) = *path;
      }
    }
  }
  if (same_path(out.file, out.summary)) {
    t.field("summary").fail("must differ from file (both would write the same path)");
    out.summary.clear();
  }

  report_exclusive(t, "every", "every_s");
  if (auto n = t.field("every").integer(1, kInt64Max, "must be an integer > 0 (events)")) {
    if (!t.has("every_s")) out.every_events = *n;
  }
  if (auto s = t.field("every_s").number([](double x) { return x > 0; }, "must be > 0 s")) {
    if (!t.has("every")) out.every_s = *s;
  }
  if (auto n = t.field("samples").integer(1, 100000, "must be an integer from 1 to 100000")) {
    out.samples = static_cast<int>(*n);
  }
  if (auto b = t.field("profile").boolean()) out.profile = *b;
  if (auto axis = t.field("profile_axis").axis()) out.profile_axis = *axis;
  // Segregation observables at the sample times (docs/input/output.md).
  if (auto n = t.field("sro_shells").integer(0, 10, "must be an integer from 0 (none) to 10")) {
    out.sro_shells = static_cast<int>(*n);
  }
  if (auto b = t.field("structure_factor").boolean()) out.structure_factor = *b;
  if (auto b = t.field("domains").boolean()) out.domains = *b;
  if (auto n = t.field("domain_min_sites").integer(1, 1000000000, "must be an integer >= 1 (sites)")) {
    out.domain_min_sites = static_cast<int>(*n);
  }
  // Plane crossings (interface permeability); the axis defaults to the layering axis.
  if (auto b = t.field("crossings").boolean()) out.crossings = *b;
  if (auto axis = t.field("crossing_axis").axis()) out.crossing_axis = *axis;

  // Checkpoints: the path like `file`; how often by events and/or wall-clock s.
  if (const Field f = t.field("checkpoint")) {
    if (auto path = f.string()) {
      if (path->empty()) {
        f.fail("must not be empty (leave the key out to write no checkpoints)");
      } else if (same_path(*path, out.file) || same_path(*path, out.summary)) {
        f.fail("must differ from file and summary (both would write the same path)");
      } else {
        out.checkpoint = *path;
      }
    }
  }
  if (auto n = t.field("checkpoint_every").integer(1, kInt64Max, "must be an integer > 0 (events of a replica)")) {
    out.checkpoint_every = *n;
  }
  if (auto s = t.field("checkpoint_every_s").number([](double x) { return x > 0; }, "must be > 0 s (wall clock)")) {
    out.checkpoint_every_s = *s;
  }
  if (t.has("crossing_axis") && !out.crossings)
    t.field("crossing_axis").fail("needs [output] crossings = true (it sets the planes whose crossings are counted)");
  if (t.has("domain_min_sites") && !out.domains)
    t.field("domain_min_sites").fail("needs [output] domains = true (it sets which clusters count as domains)");
  for (const char* key : {"checkpoint_every", "checkpoint_every_s"}) {
    if (t.has(key) && !t.has("checkpoint"))
      t.field(key).fail("needs [output] checkpoint = \"<path>\" (where to write the checkpoints)");
  }
}

}  // namespace hkmc::input::detail
