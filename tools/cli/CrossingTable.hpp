#pragma once
// The plane-crossing table (interfaces, bulk planes, permeability ratios),
// printed the same way by the summary of `halide-kmc run` and by `analyze`.
#include "hkmc/kmc/RunFile.hpp"

namespace hkmc::cli {

void print_crossings(const kmc::RunFileCrossings& c);

}  // namespace hkmc::cli
