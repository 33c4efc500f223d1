// The engine registry: every CPU engine by name ("interp", and "jit" once the
// translator exists). Frontends and tests create engines only through it, so
// a new engine is picked up by every CPU test automatically.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine.hpp"

namespace xlat::translator {

std::vector<std::string> engine_names();
// nullptr if there is no engine of that name.
std::unique_ptr<core::Engine> make_engine(std::string_view name, core::Bus& bus);

}  // namespace xlat::translator
