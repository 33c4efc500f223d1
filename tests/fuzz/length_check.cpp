// Length cross-check; see length_check.hpp.
#include "tests/fuzz/length_check.hpp"

#include <cstdio>
#include <map>
#include <string>

#include "core/decode/decoder.hpp"
#include "tests/fuzz/compare.hpp"
#include "tests/fuzz/rng.hpp"

namespace xlat::fuzz {

namespace {

// Disagreements understood and harmless (KNOWN_DEVIATIONS.md, "Instruction
// lengths"): the opcode (after prefixes) and why.
struct Known {
  const char* opcode;
  const char* reason;
};
constexpr Known kKnown[] = {
    {"0fb9", "UD1: the SDM defines 0F B9 /r with a ModRM byte; Capstone 4 decodes two bytes (#UD either way)"},
    {"0fff", "UD0: the SDM (Intel) defines 0F FF /r with a ModRM byte; Capstone 4 decodes two bytes (#UD either way)"},
};

const char* known_reason(const std::string& op) {
  for (const Known& k : kKnown)
    if (op == k.opcode) return k.reason;
  return nullptr;
}

struct Disagreement {
  uint64_t count = 0;
  std::vector<uint8_t> example;
  unsigned ours = 0, theirs = 0;
};

}  // namespace

int run_length_check(const Catalog& cat, const Capstone& cs, const Generator& gen, uint64_t count, unsigned len,
                     bool verbose) {
  (void)cat;
  std::map<std::string, Disagreement> classes;
  std::map<std::string, Disagreement> one_sided;  // "ours"/"capstone" + opcode
  std::map<std::string, uint64_t> explained;
  uint64_t checked = 0, only_ours = 0, only_capstone = 0;
  auto check = [&](const uint8_t* p, size_t n, bool bits16, const std::string& corpus) {
    const unsigned ours = core::decode_length(p, n, bits16 ? core::CodeMode::Bits16 : core::CodeMode::Bits32);
    const unsigned theirs = cs.length(p, n, bits16);
    if (ours && !theirs) ++only_ours;
    if (!ours && theirs) ++only_capstone;
    // Class: the opcode bytes after prefixes.
    size_t i = 0;
    while (i < n && (p[i] == 0x26 || p[i] == 0x2E || p[i] == 0x36 || p[i] == 0x3E || p[i] == 0x64 ||
                     p[i] == 0x65 || p[i] == 0x66 || p[i] == 0x67 || p[i] == 0xF0 || p[i] == 0xF2 || p[i] == 0xF3))
      ++i;
    std::string op;
    char b[8];
    for (size_t k = i; k < n && k < i + (p[i] == 0x0F ? 2 : 1); ++k) std::snprintf(b, sizeof b, "%02x", p[k]), op += b;
    if (verbose && (!ours != !theirs)) {
      auto& c = one_sided[std::string(ours ? "only ours " : "only Capstone ") + op];
      if (!c.count++) c.example.assign(p, p + std::min<size_t>(n, 15)), c.ours = ours, c.theirs = theirs;
    }
    if (!ours || !theirs) return;
    ++checked;
    if (ours == theirs) return;
    if (const char* why = known_reason(op)) {
      ++explained[why];
      return;
    }
    const std::string key = op + (bits16 ? " in 16-bit code" : " in 32-bit code");
    auto& c = classes[key];
    if (!c.count++) {
      c.example.assign(p, p + std::min<size_t>(n, 15));
      c.ours = ours;
      c.theirs = theirs;
    }
  };
  for (uint64_t i = 0; i < count; ++i) {
    const Sequence s = gen.make(i, len);
    size_t off = 0;
    for (const auto& f : s.facts.insns) {
      check(s.code.data() + off, s.code.size() - off, false, "fuzz");
      off += f.len;
    }
  }
  Rng rng(0x1e9, 0, 7);
  for (int bits16 = 0; bits16 < 2; ++bits16) {
    for (unsigned two = 0; two < 2; ++two) {
      for (unsigned op = 0; op < 256; ++op) {
        for (unsigned t = 0; t < 64; ++t) {
          uint8_t buf[16];
          unsigned k = 0;
          if (two) buf[k++] = 0x0F;
          buf[k++] = uint8_t(op);
          while (k < 16) buf[k++] = uint8_t(rng.u32());
          check(buf, 16, bits16 != 0, "opcodes");
        }
      }
    }
  }
  std::printf("length check: %llu instructions where both decoders accept the bytes; "
              "only ours: %llu, only Capstone: %llu\n",
              (unsigned long long)checked, (unsigned long long)only_ours, (unsigned long long)only_capstone);
  for (const auto& [key, c] : classes) {
    std::printf("  UNEXPLAINED length difference: %s (%llu times), e.g. %s: ours %u, Capstone %u (%s)\n", key.c_str(),
                (unsigned long long)c.count, hex(c.example).c_str(), c.ours, c.theirs,
                cs.text(c.example.data(), c.example.size(), 0).c_str());
  }
  for (const auto& [why, n] : explained) std::printf("  known (%llu times): %s\n", (unsigned long long)n, why.c_str());
  for (const auto& [key, c] : one_sided)
    std::printf("  %s (%llu times), e.g. %s (%s)\n", key.c_str(), (unsigned long long)c.count, hex(c.example).c_str(),
                c.theirs ? cs.text(c.example.data(), c.example.size(), 0).c_str() : "");
  return classes.empty() ? 0 : 1;
}

}  // namespace xlat::fuzz
