// Known Unicorn deviations; see deviations.hpp and KNOWN_DEVIATIONS.md.
#include "tests/fuzz/deviations.hpp"

#include <algorithm>

#include "core/decode/decoder.hpp"
#include "tests/fuzz/fp_state.hpp"
#include "tests/fuzz/layout.hpp"

namespace xlat::fuzz {

namespace {

struct Insn {
  const uint8_t* bytes;  // from the first prefix
  size_t avail;          // bytes from there to the end of the code
  const core::DecodedInsn& in;
  const InsnInfo& info;
  uint8_t opcode() const {  // first opcode byte after the prefixes
    unsigned i = 0;
    while (i < in.len && is_prefix(bytes[i])) ++i;
    return bytes[i];
  }
  uint8_t byte_at(unsigned n) const {  // n-th byte after the prefixes
    unsigned i = 0;
    while (i < in.len && is_prefix(bytes[i])) ++i;
    return bytes[i + n];
  }
  static bool is_prefix(uint8_t b) {
    return b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65 || b == 0x66 ||
           b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3;
  }
};

// Whether the bytes are an invalid instruction only because of a LOCK
// prefix: without that prefix they decode.
bool lock_makes_invalid(const uint8_t* p, size_t n) {
  std::vector<uint8_t> b;
  bool lock = false;
  size_t i = 0;
  for (; i < n && i < 15 && Insn::is_prefix(p[i]); ++i) {
    if (p[i] == 0xF0) lock = true;
    else b.push_back(p[i]);
  }
  if (!lock) return false;
  b.insert(b.end(), p + i, p + std::min(n, i + 15));
  core::DecodedInsn in;
  return core::decode(b.data(), b.size(), core::CodeMode::Bits32, in) == core::DecodeStatus::Ok;
}

struct DeviationRule {
  const char* name;
  const char* reason;
  bool (*match)(const Insn&);
};

const DeviationRule kRules[] = {
    {"test-f6-f7-reg1",
     "TEST r/m, imm encoded with ModRM.reg=1 (F6 /1, F7 /1, an alias of /0 on Intel and AMD CPUs): "
     "Unicorn stops with UC_ERR_INSN_INVALID",
     [](const Insn& x) {
       const uint8_t op = x.opcode();
       return x.info.mnem == "TEST" && (op == 0xF6 || op == 0xF7) && ((x.byte_at(1) >> 3) & 7) == 1;
     }},
    {"hint-nop-0f18-reg",
     "0F 18 /r with a register operand (a hint NOP; the memory forms are PREFETCHh): Unicorn raises #UD, "
     "Intel and AMD CPUs execute a NOP",
     [](const Insn& x) {
       return x.info.mnem == "NOP" && x.opcode() == 0x0F && x.byte_at(1) == 0x18 && (x.byte_at(2) >> 6) == 3;
     }},
    {"lock-neg-flags",
     "LOCK NEG m: Unicorn sets SF, ZF and PF from the operand instead of the result",
     [](const Insn& x) { return x.info.mnem == "NEG" && x.in.lock; }},
    {"enter16-ebp",
     "ENTER with a 16-bit operand size: Unicorn writes the whole of EBP instead of BP",
     [](const Insn& x) { return x.info.mnem == "ENTER" && x.in.osize == 2; }},
    {"loopcc-flags",
     "LOOPE/LOOPNE that fall through because the count became zero: Unicorn loses the pending "
     "arithmetic flags (EFLAGS comes out as garbage, e.g. the last ALU result)",
     [](const Insn& x) { return x.info.mnem == "LOOPE" || x.info.mnem == "LOOPNE"; }},
    {"lock-illegal",
     "LOCK where it is illegal (not a read-modify-write of memory; #UD on real CPUs): Unicorn executes the "
     "instruction as if there were no LOCK (e.g. lock cmc), and for CMP m,r (38/39), CMPS (A6/A7), "
     "BT/BTS/BTR/BTC with a register destination (0F A3/AB/B3/BB, 0F BA /4-/7) and FF /3, FF /5 with a "
     "register operand it aborts the whole process (tcg.c:3073: tcg fatal error)",
     [](const Insn& x) { return x.info.mnem.empty() && lock_makes_invalid(x.bytes, x.avail); }},
    {"cmpxchg8b-flags",
     "CMPXCHG8B: Unicorn computes the flags CMPXCHG8B leaves unchanged (CF PF AF SF OF) from a stale "
     "lazy-flag state when the previous flag writer was an ALU instruction",
     [](const Insn& x) { return x.info.mnem == "CMPXCHG8B"; }},
};

// --- fp family ----------------------------------------------------------------

// What the fp rules know of the initial x87/SSE state.
struct FpInit {
  uint16_t fcw = 0x37F, fsw = 0;
  uint32_t mxcsr = 0x1F80;
};

FpInit fp_init_of(const Sequence& s) {
  FpInit i;
  if (s.init.fx.size() == 512) {
    const FpState f = fp_from_fxsave(s.init.fx.data());
    i.fcw = f.fcw, i.fsw = f.fsw, i.mxcsr = f.mxcsr;
  }
  return i;
}

struct FpRule {
  const char* name;
  const char* reason;
  bool (*match)(const Insn&, const FpInit&);
};

#include "tests/fuzz/deviations_fp.inc"

}  // namespace

std::vector<std::string> unicorn_deviations(const Sequence& s, const Catalog& cat) {
  std::vector<std::string> hits;
  size_t off = 0;
  for (const auto& f : s.facts.insns) {
    core::DecodedInsn in{};
    const uint8_t* p = s.code.data() + off;
    off += f.len;
    InsnInfo info;  // stays empty for an invalid instruction (rules then look at the bytes)
    if (core::decode(p, s.code.size() - (p - s.code.data()), core::CodeMode::Bits32, in) == core::DecodeStatus::Ok)
      info = cat.identify(in, p, in.len);
    else
      in.len = uint8_t(std::min<size_t>(15, s.code.size() - (p - s.code.data())));
    const Insn x{p, size_t(s.code.size() - (p - s.code.data())), in, info};
    for (const DeviationRule& r : kRules)
      if (r.match(x)) hits.push_back(r.name);
  }
  return hits;
}

std::vector<std::string>& disabled_fp() {
  static std::vector<std::string> d;
  return d;
}

bool disable_fp_deviation(const std::string& name) {
  for (const FpRule& r : kFpRules)
    if (name == r.name) {
      disabled_fp().push_back(name);
      return true;
    }
  return false;
}

std::vector<std::string> unicorn_fp_deviations(const Sequence& s, const Catalog& cat) {
  std::vector<std::string> hits;
  const FpInit init = fp_init_of(s);
  size_t off = 0;
  for (const auto& f : s.facts.insns) {
    core::DecodedInsn in{};
    const uint8_t* p = s.code.data() + off;
    off += f.len;
    InsnInfo info;
    if (core::decode(p, s.code.size() - (p - s.code.data()), core::CodeMode::Bits32, in) == core::DecodeStatus::Ok)
      info = cat.identify(in, p, in.len);
    else
      continue;
    const Insn x{p, size_t(s.code.size() - (p - s.code.data())), in, info};
    for (const FpRule& r : kFpRules)
      if (r.match(x, init) && std::find(hits.begin(), hits.end(), r.name) == hits.end() &&
          std::find(disabled_fp().begin(), disabled_fp().end(), r.name) == disabled_fp().end())
        hits.push_back(r.name);
  }
  return hits;
}

std::string describe_deviations() {
  std::string s = "known Unicorn deviations (the host CPU is the reference for these):\n";
  for (const DeviationRule& r : kRules) s += std::string("  ") + r.name + ": " + r.reason + "\n";
  s += "known Unicorn deviations in the fp family (the host CPU referees a difference):\n";
  for (const FpRule& r : kFpRules) s += std::string("  ") + r.name + ": " + r.reason + "\n";
  return s;
}

}  // namespace xlat::fuzz
