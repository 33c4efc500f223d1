#include "translator/engines.hpp"

#include <cstdlib>

#include "core/interp/interpreter.hpp"
#include "translator/jit.hpp"

namespace xlat::translator {

std::vector<std::string> known_engines() { return {"interp", "jit"}; }

std::vector<std::string> engine_names() {
  if (const char* env = std::getenv("XLAT_ENGINES"); env && *env) {
    std::vector<std::string> out;
    std::string cur;
    for (const char* p = env;; ++p) {
      if (*p == ',' || *p == ' ' || *p == ';' || *p == 0) {
        if (!cur.empty()) out.push_back(cur);
        cur.clear();
        if (!*p) break;
      } else {
        cur += *p;
      }
    }
    if (!out.empty()) return out;
  }
  return {"interp", "jit"};
}

std::unique_ptr<core::Engine> make_engine(std::string_view name, core::Bus& bus) {
  return make_engine(name, bus, EngineOptions{});
}

std::unique_ptr<core::Engine> make_engine(std::string_view name, core::Bus& bus, const EngineOptions& opt) {
  if (name == "interp") return std::make_unique<core::Interpreter>(bus);
  if (name == "jit") {
    JitOptions jo;
    jo.stats = opt.stats;
    jo.perf_map = opt.perf_map;
    if (opt.cache_bytes) jo.cache_bytes = opt.cache_bytes;
    return std::make_unique<Jit>(bus, jo);
  }
  return nullptr;
}

void print_stats(const core::Engine& e, std::FILE* out, uint64_t icount) {
  if (auto* j = dynamic_cast<const Jit*>(&e)) {
    j->print_stats(out, icount);
  } else if (auto* i = dynamic_cast<const core::Interpreter*>(&e)) {
    std::fprintf(out, "interp: guest instructions retired %llu\n", (unsigned long long)icount);
    std::fprintf(out, "interp: blocks decoded            %llu (%llu invalidated), %llu single steps\n",
                 (unsigned long long)i->blocks_decoded, (unsigned long long)i->block_invalidations,
                 (unsigned long long)i->single_steps);
  }
}

}  // namespace xlat::translator
