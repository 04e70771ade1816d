// The one translation unit that includes libtorch (it costs ~20 s to compile).
#include "hkmc/neb/TorchPotential.hpp"

#include <torch/script.h>
#include <ATen/Parallel.h>

#include <Eigen/LU>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sstream>

#include "hkmc/common/Error.hpp"
#include "hkmc/neb/NeighbourList.hpp"

namespace hkmc::neb {
namespace {

constexpr const char* kElements[] = {
    "H",  "He", "Li", "Be", "B",  "C",  "N",  "O",  "F",  "Ne", "Na", "Mg", "Al", "Si", "P",
    "S",  "Cl", "Ar", "K",  "Ca", "Sc", "Ti", "V",  "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn",
    "Ga", "Ge", "As", "Se", "Br", "Kr", "Rb", "Sr", "Y",  "Zr", "Nb", "Mo", "Tc", "Ru", "Rh",
    "Pd", "Ag", "Cd", "In", "Sn", "Sb", "Te", "I",  "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd",
    "Pm", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W",  "Re",
    "Os", "Ir", "Pt", "Au", "Hg", "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th",
    "Pa", "U",  "Np", "Pu", "Am", "Cm", "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db",
    "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn", "Nh", "Fl", "Mc", "Lv", "Ts", "Og"};

std::vector<std::string> split_words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A batch of structures flattened into disjoint graphs.
struct Graphs {
  torch::Tensor positions;   // [N, 3] float64
  torch::Tensor types;       // [N] int64, index into the model's species
  torch::Tensor edge_index;  // [2, E] int64
  torch::Tensor unit_shift;  // [E, 3] float64 (integer values)
  torch::Tensor batch;       // [N] int64
  torch::Tensor cell;        // [3, 3] float64
  std::vector<std::int64_t> offsets;  // first atom of each graph, plus N at the end
};

}  // namespace

struct TorchPotential::Impl {
  std::string path;
  TorchOptions options;
  TorchFlavour flavour = TorchFlavour::Hkmc;
  torch::Device device{torch::kCPU};
  torch::Dtype dtype = torch::kFloat64;
  mutable torch::jit::Module module;
  std::map<std::string, std::string> metadata;
  std::vector<std::string> type_names;
  double r_max = 0.0;  // Å
  bool periodic_required = false;
  mutable std::atomic<long> calls{0};

  std::string who() const { return fmt::format("torch potential '{}'", path); }

  Graphs build(const std::vector<Structure>& structures) const;
  std::vector<EnergyForces> run(const std::vector<Structure>& structures) const;
  std::vector<EnergyForces> run_hkmc(const Graphs& g, std::size_t n_graphs) const;
  std::vector<EnergyForces> run_nequip(const Graphs& g, std::size_t n_graphs) const;
  std::vector<EnergyForces> run_mace(const Graphs& g, std::size_t n_graphs) const;
};

Graphs TorchPotential::Impl::build(const std::vector<Structure>& structures) const {
  Graphs g;
  std::int64_t n_atoms = 0, n_edges = 0;
  std::vector<NeighbourList> lists;
  lists.reserve(structures.size());
  for (const auto& s : structures) {
    s.validate();
    if (periodic_required && !s.periodic) {
      throw InputError(who() + ": this model needs a periodic cell (its metadata says periodic = "
                               "required)");
    }
    if (s.periodic) {
      const Eigen::Matrix3d inv = s.cell.inverse();
      for (int k = 0; k < 3; ++k) {
        const double width = 1.0 / inv.col(k).norm();
        // Small cells work (several images), but a cell many times narrower
        // than the cutoff is almost surely a unit mistake (nm for Å).
        if (width < r_max / 4.0) {
          throw InputError(fmt::format(
              "{}: cell width {:.3f} A along lattice vector {} is below r_max/4 = {:.3f} A; the "
              "cell is too small for the model's cutoff (r_max = {} A): use a larger supercell",
              who(), width, k + 1, r_max / 4.0, r_max));
        }
      }
    }
    lists.push_back(build_neighbour_list(s, r_max, NeighbourListKind::Full));
    n_atoms += static_cast<std::int64_t>(s.size());
    n_edges += static_cast<std::int64_t>(lists.back().size());
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const auto i64 = torch::TensorOptions().dtype(torch::kInt64);
  g.positions = torch::empty({n_atoms, 3}, f64);
  g.types = torch::empty({n_atoms}, i64);
  g.batch = torch::empty({n_atoms}, i64);
  g.edge_index = torch::empty({2, n_edges}, i64);
  g.unit_shift = torch::empty({n_edges, 3}, f64);
  auto pos = g.positions.accessor<double, 2>();
  auto typ = g.types.accessor<std::int64_t, 1>();
  auto bat = g.batch.accessor<std::int64_t, 1>();
  auto edge = g.edge_index.accessor<std::int64_t, 2>();
  auto shift = g.unit_shift.accessor<double, 2>();
  std::int64_t a0 = 0, e0 = 0;
  for (std::size_t b = 0; b < structures.size(); ++b) {
    const Structure& s = structures[b];
    g.offsets.push_back(a0);
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto it = std::find(type_names.begin(), type_names.end(), s.symbols[i]);
      if (it == type_names.end()) {
        throw InputError(fmt::format("{}: atom {} has species '{}', which the model does not know "
                                     "(its species: {})",
                                     who(), i, s.symbols[i], fmt::join(type_names, ", ")));
      }
      typ[a0 + i] = it - type_names.begin();
      bat[a0 + i] = static_cast<std::int64_t>(b);
      for (int k = 0; k < 3; ++k) pos[a0 + i][k] = s.positions(i, k);
    }
    const NeighbourList& l = lists[b];
    for (std::size_t e = 0; e < l.size(); ++e) {
      edge[0][e0 + e] = a0 + l.first[e];
      edge[1][e0 + e] = a0 + l.second[e];
      for (int k = 0; k < 3; ++k) shift[e0 + e][k] = l.shifts[e](k);
    }
    a0 += static_cast<std::int64_t>(s.size());
    e0 += static_cast<std::int64_t>(l.size());
  }
  g.offsets.push_back(a0);
  g.cell = torch::empty({3, 3}, f64);
  const Cell cell = structures.front().periodic ? structures.front().cell : Cell::Identity();
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 3; ++c) g.cell[r][c] = cell(r, c);
  }
  return g;
}

namespace {

std::vector<EnergyForces> split_forces(const torch::Tensor& forces_any,
                                       const std::vector<double>& energies,
                                       const std::vector<std::int64_t>& offsets) {
  const torch::Tensor forces = forces_any.to(torch::kCPU, torch::kFloat64).contiguous();
  auto f = forces.accessor<double, 2>();
  std::vector<EnergyForces> out(energies.size());
  for (std::size_t b = 0; b < energies.size(); ++b) {
    out[b].energy = energies[b];
    const std::int64_t n = offsets[b + 1] - offsets[b];
    out[b].forces.resize(n, 3);
    for (std::int64_t i = 0; i < n; ++i) {
      for (int k = 0; k < 3; ++k) out[b].forces(i, k) = f[offsets[b] + i][k];
    }
  }
  return out;
}

std::vector<double> to_vector(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kCPU, torch::kFloat64).contiguous().reshape({-1});
  return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
}

torch::Tensor output_tensor(const c10::impl::GenericDict& dict, const std::string& key,
                            const std::string& who) {
  const auto it = dict.find(key);
  if (it == dict.end() || !it->value().isTensor()) {
    throw RuntimeError(fmt::format("{}: the model's output has no tensor '{}'", who, key));
  }
  return it->value().toTensor();
}

}  // namespace

std::vector<EnergyForces> TorchPotential::Impl::run_hkmc(const Graphs& g,
                                                         std::size_t n_graphs) const {
  std::vector<torch::jit::IValue> in{g.positions.to(device),  g.types.to(device),
                                     g.cell.to(device),       g.edge_index.to(device),
                                     g.unit_shift.to(device), g.batch.to(device),
                                     static_cast<std::int64_t>(n_graphs)};
  const auto out = module.forward(in).toGenericDict();
  const std::vector<double> energies = to_vector(output_tensor(out, "energy", who()));
  if (energies.size() != n_graphs) {
    throw RuntimeError(fmt::format("{}: 'energy' has {} entries for {} structures", who(),
                                   energies.size(), n_graphs));
  }
  return split_forces(output_tensor(out, "forces", who()), energies, g.offsets);
}

std::vector<EnergyForces> TorchPotential::Impl::run_nequip(const Graphs& g,
                                                           std::size_t n_graphs) const {
  // Deployed NequIP models see one graph; disjoint images in it interact with
  // nothing, so per-atom energies summed per image give each image's energy.
  c10::Dict<std::string, torch::Tensor> in;
  in.insert("pos", g.positions.to(device, dtype));
  in.insert("edge_index", g.edge_index.to(device));
  in.insert("edge_cell_shift", g.unit_shift.to(device, dtype));
  in.insert("cell", g.cell.to(device, dtype));
  in.insert("atom_types", g.types.to(device));
  const auto out = module.forward({in}).toGenericDict();
  std::vector<double> energies;
  if (n_graphs == 1) {
    energies = to_vector(output_tensor(out, "total_energy", who()));
  } else {
    const std::vector<double> atomic = to_vector(output_tensor(out, "atomic_energy", who()));
    energies.assign(n_graphs, 0.0);
    for (std::size_t b = 0; b < n_graphs; ++b) {
      for (std::int64_t i = g.offsets[b]; i < g.offsets[b + 1]; ++i) energies[b] += atomic[i];
    }
  }
  if (energies.size() != n_graphs) {
    throw RuntimeError(fmt::format("{}: 'total_energy' has {} entries for 1 structure", who(),
                                   energies.size()));
  }
  return split_forces(output_tensor(out, "forces", who()), energies, g.offsets);
}

std::vector<EnergyForces> TorchPotential::Impl::run_mace(const Graphs& g,
                                                         std::size_t n_graphs) const {
  const auto n_atoms = g.positions.size(0);
  const auto n_species = static_cast<std::int64_t>(type_names.size());
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  torch::Tensor node_attrs = torch::zeros({n_atoms, n_species}, f64);
  node_attrs.scatter_(1, g.types.unsqueeze(1), 1.0);
  torch::Tensor ptr = torch::tensor(std::vector<std::int64_t>(g.offsets.begin(), g.offsets.end()),
                                    torch::TensorOptions().dtype(torch::kInt64));
  const auto b = static_cast<std::int64_t>(n_graphs);
  c10::Dict<std::string, torch::Tensor> in;
  in.insert("positions", g.positions.to(device, dtype));
  in.insert("node_attrs", node_attrs.to(device, dtype));
  in.insert("edge_index", g.edge_index.to(device));
  in.insert("shifts", g.unit_shift.matmul(g.cell).to(device, dtype));
  in.insert("unit_shifts", g.unit_shift.to(device, dtype));
  // One 3×3 cell per graph, stacked as MACE batches them.
  in.insert("cell", g.cell.repeat({b, 1}).to(device, dtype));
  in.insert("batch", g.batch.to(device));
  in.insert("ptr", ptr.to(device));
  in.insert("weight", torch::ones({b}, f64).to(device, dtype));
  in.insert("energy", torch::zeros({b}, f64).to(device, dtype));
  in.insert("forces", torch::zeros({n_atoms, 3}, f64).to(device, dtype));
  torch::Tensor local = torch::ones({n_atoms}, torch::TensorOptions().dtype(torch::kBool));
  const auto out = module.forward({in, local.to(device), false}).toGenericDict();
  const std::vector<double> energies = to_vector(output_tensor(out, "total_energy_local", who()));
  if (energies.size() != n_graphs) {
    throw RuntimeError(fmt::format("{}: 'total_energy_local' has {} entries for {} structures",
                                   who(), energies.size(), n_graphs));
  }
  return split_forces(output_tensor(out, "forces", who()), energies, g.offsets);
}

std::vector<EnergyForces> TorchPotential::Impl::run(
    const std::vector<Structure>& structures) const {
  // Models compute forces by autograd: gradients must be on even if a caller
  // switched them off on this thread.
  torch::AutoGradMode grad_on(true);
  const Graphs g = build(structures);
  std::vector<EnergyForces> out;
  try {
    switch (flavour) {
      case TorchFlavour::Hkmc: out = run_hkmc(g, structures.size()); break;
      case TorchFlavour::Nequip: out = run_nequip(g, structures.size()); break;
      case TorchFlavour::Mace: out = run_mace(g, structures.size()); break;
    }
  } catch (const c10::Error& e) {
    throw RuntimeError(fmt::format("{}: the model failed: {}", who(), e.what_without_backtrace()));
  }
  ++calls;
  for (const auto& r : out) check_finite(r, who());
  return out;
}

TorchPotential::TorchPotential(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
TorchPotential::~TorchPotential() = default;

std::unique_ptr<TorchPotential> TorchPotential::load(const std::string& path,
                                                     const TorchOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->options = options;
  if (!std::filesystem::is_regular_file(path)) {
    throw InputError(fmt::format("torch potential: file '{}' does not exist", path));
  }
  try {
    impl->device = torch::Device(options.device);
  } catch (const c10::Error& e) {
    throw InputError(fmt::format("torch potential: device = '{}': not a torch device ({}); use "
                                 "'cpu' or 'cuda[:n]'",
                                 options.device, e.what_without_backtrace()));
  }
  if (options.intra_op_threads > 0) set_torch_threads(options.intra_op_threads);
  torch::jit::ExtraFilesMap extra{{"hkmc_contract", ""}, {"r_max", ""},       {"type_names", ""},
                                  {"model_dtype", ""},   {"periodic", ""},    {"description", ""},
                                  {"nequip_version", ""}, {"n_species", ""}};
  try {
    impl->module = torch::jit::load(path, impl->device, extra);
  } catch (const c10::Error& e) {
    throw InputError(fmt::format(
        "torch potential: '{}' is not a TorchScript model that this libtorch can load ({}); "
        "expected a file written by torch.jit.save",
        path, e.what_without_backtrace()));
  }
  impl->module.eval();
  for (const auto& [k, v] : extra) {
    if (!v.empty()) impl->metadata[k] = v;
  }
  const auto& md = impl->metadata;
  auto parse_r_max = [&](const std::string& text) {
    try {
      return std::stod(text);
    } catch (const std::exception&) {
      throw InputError(fmt::format("torch potential '{}': metadata r_max = '{}' is not a number",
                                   path, text));
    }
  };
  if (md.contains("hkmc_contract")) {
    if (md.at("hkmc_contract") != "hkmc-potential-v1") {
      throw InputError(fmt::format("torch potential '{}': hkmc_contract = '{}': this program "
                                   "reads 'hkmc-potential-v1'",
                                   path, md.at("hkmc_contract")));
    }
    impl->flavour = TorchFlavour::Hkmc;
    if (!md.contains("r_max") || !md.contains("type_names")) {
      throw InputError(fmt::format("torch potential '{}': hkmc contract needs metadata 'r_max' "
                                   "and 'type_names'",
                                   path));
    }
    impl->r_max = parse_r_max(md.at("r_max"));
    impl->type_names = split_words(md.at("type_names"));
    impl->periodic_required = md.contains("periodic") && md.at("periodic") == "required";
    if (md.contains("model_dtype") && md.at("model_dtype") != "float64") {
      throw InputError(fmt::format("torch potential '{}': model_dtype = '{}': the hkmc contract "
                                   "is float64",
                                   path, md.at("model_dtype")));
    }
  } else if (md.contains("r_max") && md.contains("type_names")) {
    impl->flavour = TorchFlavour::Nequip;
    impl->r_max = parse_r_max(md.at("r_max"));
    impl->type_names = split_words(md.at("type_names"));
    const std::string dt = md.contains("model_dtype") ? md.at("model_dtype") : "float32";
    if (dt == "float32") {
      impl->dtype = torch::kFloat32;
    } else if (dt == "float64") {
      impl->dtype = torch::kFloat64;
    } else {
      throw InputError(fmt::format("torch potential '{}': model_dtype = '{}': expected float32 "
                                   "or float64",
                                   path, dt));
    }
  } else if (impl->module.hasattr("r_max") && impl->module.hasattr("atomic_numbers")) {
    impl->flavour = TorchFlavour::Mace;
    const torch::Tensor r = impl->module.attr("r_max").toTensor();
    impl->r_max = r.to(torch::kCPU, torch::kFloat64).item<double>();
    impl->dtype = r.scalar_type() == torch::kFloat32 ? torch::kFloat32 : torch::kFloat64;
    for (const auto& p : impl->module.named_parameters(true)) {
      impl->dtype = p.value.scalar_type();
      break;
    }
    const torch::Tensor z = impl->module.attr("atomic_numbers").toTensor().to(torch::kCPU,
                                                                              torch::kInt64);
    for (std::int64_t i = 0; i < z.numel(); ++i) {
      const std::int64_t zi = z[i].item<std::int64_t>();
      if (zi < 1 || zi > 118) {
        throw InputError(fmt::format("torch potential '{}': atomic_numbers holds {}", path, zi));
      }
      impl->type_names.emplace_back(kElements[zi - 1]);
    }
    impl->metadata["r_max"] = fmt::format("{}", impl->r_max);
    impl->metadata["type_names"] = fmt::format("{}", fmt::join(impl->type_names, " "));
  } else {
    throw InputError(fmt::format(
        "torch potential '{}': no supported interface found: expected extra file "
        "'hkmc_contract' (hkmc-potential-v1), extra files 'r_max' and 'type_names' (NequIP/"
        "Allegro deployed model), or buffers 'r_max' and 'atomic_numbers' (MACE LAMMPS export)",
        path));
  }
  if (!(impl->r_max > 0.0) || impl->type_names.empty()) {
    throw InputError(fmt::format("torch potential '{}': r_max must be > 0 and type_names "
                                 "non-empty",
                                 path));
  }
  return std::unique_ptr<TorchPotential>(new TorchPotential(std::move(impl)));
}

EnergyForces TorchPotential::compute(const Structure& structure) const {
  return std::move(m_impl->run({structure}).front());
}

std::vector<EnergyForces> TorchPotential::compute_batch(
    const std::vector<Structure>& structures) const {
  if (structures.empty()) return {};
  bool shared_cell = m_impl->options.batch_images;
  for (const auto& s : structures) {
    shared_cell = shared_cell && s.periodic == structures.front().periodic &&
                  (!s.periodic || s.cell == structures.front().cell);
  }
  if (shared_cell) return m_impl->run(structures);
  return Potential::compute_batch(structures);
}

double TorchPotential::cutoff() const { return m_impl->r_max; }
std::vector<std::string> TorchPotential::species() const { return m_impl->type_names; }
TorchFlavour TorchPotential::flavour() const { return m_impl->flavour; }
const std::map<std::string, std::string>& TorchPotential::metadata() const {
  return m_impl->metadata;
}
long TorchPotential::model_calls() const { return m_impl->calls.load(); }

std::string TorchPotential::description() const {
  const auto& md = m_impl->metadata;
  return fmt::format("TorchScript ({}) '{}', r_max {} A, species {}{}", to_string(flavour()),
                     m_impl->path, m_impl->r_max, fmt::join(m_impl->type_names, " "),
                     md.contains("description") ? ": " + md.at("description") : "");
}

void set_torch_threads(int n) {
  if (n < 1) throw InputError(fmt::format("torch threads = {}: must be >= 1", n));
  at::set_num_threads(n);
}

std::string to_string(TorchFlavour flavour) {
  switch (flavour) {
    case TorchFlavour::Hkmc: return "hkmc";
    case TorchFlavour::Nequip: return "nequip";
    case TorchFlavour::Mace: return "mace";
  }
  return "?";
}

}  // namespace hkmc::neb
