// Static analysis of a fuzz sequence and initial-state generation; see
// sequence.hpp.
#include "tests/fuzz/sequence.hpp"

#include <map>
#include <optional>

#include "core/decode/decoder.hpp"
#include "core/flags.hpp"
#include "tests/fuzz/layout.hpp"
#include "tests/fuzz/rng.hpp"

namespace xlat::fuzz {

namespace {

using core::DecodedInsn;
using core::OpKind;

bool has_prefix(const uint8_t* p, unsigned len, uint8_t which) {
  for (unsigned i = 0; i < len; ++i) {
    const uint8_t b = p[i];
    if (b == which) return true;
    const bool prefix = b == 0x26 || b == 0x2E || b == 0x36 || b == 0x3E || b == 0x64 || b == 0x65 ||
                        b == 0x66 || b == 0x67 || b == 0xF0 || b == 0xF2 || b == 0xF3;
    if (!prefix) return false;
  }
  return false;
}

// The shift/rotate count an instruction uses: CL, an immediate, or 1.
int64_t shift_count(const DecodedInsn& in, const std::optional<uint32_t> known[8]) {
  for (unsigned i = 1; i < in.nops; ++i) {
    const auto& o = in.o[i];
    if (o.kind == OpKind::Reg && o.size == 1 && o.reg == 1 && i + 1 == in.nops)
      return known[1] ? int64_t(*known[1] & 0xFF) : -1;
  }
  for (unsigned i = 1; i < in.nops; ++i)
    if (in.o[i].kind == OpKind::Imm) return int64_t(in.o[i].reg ? in.imm2 : in.imm) & 0xFF;
  return 1;
}

}  // namespace

uint16_t Analysis::cc_undef_at(uint32_t addr) const {
  for (const auto& f : insns)
    if (f.addr == addr) return f.cc_undef_before;
  return cc_undef_end;
}

uint32_t Analysis::undef_at(uint32_t addr) const {
  for (const auto& f : insns)
    if (f.addr == addr) return f.undef_before;
  return undef_end;
}

Analysis analyze(const Catalog& cat, const std::vector<uint8_t>& code, uint32_t base, uint32_t initial_undef) {
  Analysis a;
  uint32_t cur = initial_undef;
  uint16_t cc = 0;  // x87 condition codes possibly undefined (merged over every path, as `cur`)
  bool reachable = true;
  std::optional<uint32_t> known[8];
  std::map<uint32_t, uint32_t> pending;  // branch target -> flags undefined on arrival
  std::map<uint32_t, uint16_t> pending_cc;  // branch target -> x87 codes undefined on arrival
  size_t off = 0;
  while (off < code.size()) {
    const uint32_t addr = base + uint32_t(off);
    auto pit = pending.find(addr);
    auto cit = pending_cc.find(addr);
    if (cit != pending_cc.end()) {
      cc = uint16_t((reachable ? cc : 0) | cit->second);
      pending_cc.erase(cit);
    }
    if (pit != pending.end()) {
      cur = (reachable ? cur : 0) | pit->second;
      reachable = true;
      pending.erase(pit);
      for (auto& k : known) k.reset();
    }
    DecodedInsn in;
    const uint8_t* p = code.data() + off;
    const size_t avail = code.size() - off;
    InsnFacts f{addr, 1, cur, 0, {}, false, cc};
    const core::DecodeStatus st = core::decode(p, avail, core::CodeMode::Bits32, in);
    if (st != core::DecodeStatus::Ok) {
      // An invalid instruction (#UD) ends what can run; the generator puts
      // one at the end of some sequences on purpose. Bytes that are merely
      // cut short would run into each runner's own end marker: a problem.
      a.insns.push_back(f);
      if (st == core::DecodeStatus::Invalid) {
        a.ends_invalid = true;
      } else {
        a.problem = "incomplete instruction at " + std::to_string(addr);
        a.native_ok = false;
      }
      break;
    }
    f.len = in.len;
    const InsnInfo info = cat.identify(in, p, avail);
    f.mnem = info.mnem;
    if (has_prefix(p, in.len, 0x64) || has_prefix(p, in.len, 0x2E))
      a.native_ok = false;  // FS is the host's thread pointer; CS is not writable
    for (unsigned i = 0; i < in.nops; ++i)
      if (in.o[i].kind == OpKind::SReg) a.native_ok = false;  // selectors differ on the host
    if (!info.rule) {
      a.problem = "no rule for " + (info.mnem.empty() ? std::string("?") : info.mnem);
      a.native_ok = a.native_ok && !info.mnem.empty();
      cur = core::fl::ARITH;
      a.insns.push_back(f);
      off += in.len;
      for (auto& k : known) k.reset();
      continue;
    }
    const Rule& r = *info.rule;
    if (r.gen & gen::NOT_NATIVE) a.native_ok = false;
    int64_t count = -1;
    if (r.gen & (gen::SHIFT | gen::ROTATE | gen::RCROTATE | gen::DSHIFT)) {
      count = shift_count(in, known);
    } else if ((r.gen & gen::STRING) && in.rep != core::REP_NONE) {
      count = known[1] ? int64_t(in.asize == 2 ? (*known[1] & 0xFFFF) : *known[1]) : -1;
    }
    if (r.gen & gen::FP) {
      const CcEffect ce = fp_cc_effect(info.mnem);
      if (ce.stores_sw && cc) a.undefined_result = true;  // FNSTSW would store undefined bits
      cc = uint16_t((cc & ~ce.written) | ce.undef);
    }
    const FlagEffect e = flag_effect(r, in, count, info.table_written, info.table_read);
    f.reads = e.reads;
    f.undefined_result = e.undefined_result;
    if (e.reads & cur) a.reads_undefined = true;
    if (e.undefined_result) a.undefined_result = true;
    cur = (cur & ~e.written) | e.undef;
    a.insns.push_back(f);
    // Register values known from the generator's `mov r32, imm32` set-up.
    if (in.len == 5 && p[0] >= 0xB8 && p[0] <= 0xBF) {
      known[p[0] - 0xB8] = in.imm;
    } else {
      for (auto& k : known) k.reset();
    }
    if (has_rel(in)) {
      const uint32_t target = addr + in.len + in.imm;
      if (target > addr) {
        pending[target] |= cur;
        pending_cc[target] |= cc;
      } else {
        a.backward_branch = true;
        a.problem = "backward branch: flag analysis assumes nothing after it";
        cur = core::fl::ARITH;
      }
      if (r.gen & gen::UNCOND) reachable = false;
    }
    off += in.len;
  }
  const uint32_t end = base + uint32_t(code.size());
  a.undef_end = reachable ? cur : 0;
  a.cc_undef_end = reachable ? cc : 0;
  for (auto& [t, u] : pending_cc)
    if (t == end) a.cc_undef_end |= u;
  for (auto& [t, u] : pending) {
    if (t == end) a.undef_end |= u;
    else if (a.problem.empty()) a.problem = "branch to a non-instruction address";
  }
  return a;
}

void clear_mxcsr_mm(InitState& s) {
  for (auto* v : {&s.data, &s.stack})
    for (size_t i = 2; i < v->size(); i += 4) (*v)[i] &= uint8_t(~0x02);
}

InitState make_init(uint64_t seed, uint64_t index) {
  Rng rng(seed, index, 0);
  InitState s{};
  static constexpr uint32_t kInteresting[] = {0,          1,          2,          0x7F,       0x80,
                                              0xFF,       0x100,      0x7FFF,     0x8000,     0xFFFF,
                                              0x10000,    0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE,
                                              0x80000001, 0x0F,       0x99,       0x9A,       0x1F};
  for (unsigned r = 0; r < 8; ++r) {
    if (rng.chance(30)) s.gpr[r] = kInteresting[rng.below(sizeof kInteresting / sizeof kInteresting[0])];
    else if (rng.chance(20)) s.gpr[r] = rng.below(64);
    else s.gpr[r] = rng.u32();
  }
  s.gpr[4] = layout::ESP0 - 4 * rng.below(16) - (rng.chance(10) ? rng.below(4) : 0);
  s.eflags = 0x202 | (rng.u32() & core::fl::ARITH) | (rng.chance(20) ? core::fl::DF : 0);
  s.data.resize(layout::DATA_SIZE);
  for (size_t i = 0; i < s.data.size(); i += 4) {
    uint32_t v = rng.chance(20) ? 0 : rng.chance(10) ? kInteresting[rng.below(20)] : rng.u32();
    for (unsigned k = 0; k < 4; ++k) s.data[i + k] = uint8_t(v >> (8 * k));
  }
  s.stack.resize(layout::STACK_SIZE);
  for (auto& b : s.stack) b = uint8_t(rng.u32());
  return s;
}

}  // namespace xlat::fuzz
