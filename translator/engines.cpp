#include "translator/engines.hpp"

#include "core/interp/interpreter.hpp"

namespace xlat::translator {

std::vector<std::string> engine_names() { return {"interp"}; }

std::unique_ptr<core::Engine> make_engine(std::string_view name, core::Bus& bus) {
  if (name == "interp") return std::make_unique<core::Interpreter>(bus);
  return nullptr;
}

}  // namespace xlat::translator
