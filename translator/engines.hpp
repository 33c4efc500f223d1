// The engine registry: every CPU engine by name ("interp", and "jit", the
// translator). Frontends and tests create engines only through it, so a new
// engine is picked up by every CPU test automatically.
//
// engine_names() lists the engines every CPU test runs under (both: the
// interpreter and the translator); the
// XLAT_ENGINES environment variable (names separated by commas or spaces)
// replaces that list, e.g. XLAT_ENGINES=jit to run the suite under the
// translator only.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.hpp"

namespace xlat::translator {

std::vector<std::string> engine_names();
// Every engine make_engine() knows (also those not in engine_names()).
std::vector<std::string> known_engines();

struct EngineOptions {
  bool stats = false;     // count transitions, helper calls, TLB hits (print_stats)
  bool perf_map = false;  // write /tmp/perf-<pid>.map for perf report (jit)
  bool lockstep = false;  // run the engine and the interpreter side by side, compare after every block
  size_t cache_bytes = 0; // jit code cache size (0: default)
};

// nullptr if there is no engine of that name.
std::unique_ptr<core::Engine> make_engine(std::string_view name, core::Bus& bus);
std::unique_ptr<core::Engine> make_engine(std::string_view name, core::Bus& bus, const EngineOptions& opt);

// Prints the engine's statistics (for -stats); nothing for engines without any.
void print_stats(const core::Engine& e, std::FILE* out, uint64_t icount);

}  // namespace xlat::translator
