// Sequence generation; see generator.hpp.
#include "tests/fuzz/generator.hpp"

#include <algorithm>
#include <optional>

#include "core/decode/decoder.hpp"
#include "core/flags.hpp"
#include "tests/fuzz/fp_state.hpp"
#include "tests/fuzz/layout.hpp"
#include "tests/fuzz/rng.hpp"

namespace xlat::fuzz {

namespace {

using core::DecodedInsn;
using core::OpKind;
using namespace layout;

constexpr unsigned EAX = 0, ECX = 1, EDX = 2, EBX = 3, ESP = 4, EBP = 5, ESI = 6, EDI = 7;
constexpr uint32_t MARGIN = 0x40;  // bytes kept free around a data-area address

struct Prelude {
  uint8_t reg;
  uint32_t value;
};

struct Unit {
  std::vector<uint8_t> bytes;
  unsigned insn_off = 0;   // where the main instruction starts
  bool branch = false;
  unsigned target = 0;     // unit index a branch goes to (== count: the end)
  unsigned disp_size = 0;  // rel8 or rel32
  bool uncond = false;
};

// An address in the data area; one in ten just below the page boundary in
// its middle, so that accesses split across two pages.
// `align` (fp family, 16-byte operands): usually a 16-byte aligned address.
uint32_t data_target(Rng& rng, unsigned align = 1) {
  if (align > 1 && !rng.chance(8)) return (DATA + MARGIN + rng.below(DATA_SIZE - 2 * MARGIN)) & ~(align - 1);
  if (rng.chance(10)) return DATA + 0x1000 - 1 - rng.below(8);
  return DATA + MARGIN + rng.below(DATA_SIZE - 2 * MARGIN);
}

uint32_t interesting_u32(Rng& rng) {
  static constexpr uint32_t k[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 0x7F, 0x80, 0xFF,
                                   0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF};
  return k[rng.below(sizeof k / sizeof k[0])];
}

void put32(std::vector<uint8_t>& v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v.push_back(uint8_t(x >> (8 * i)));
}

bool taken(uint32_t mask, unsigned r) { return mask & (1u << r); }

// Picks a register not in `avoid` from `choices`; returns 8 if none.
unsigned pick_reg(Rng& rng, std::initializer_list<unsigned> choices, uint32_t avoid) {
  unsigned ok[8], n = 0;
  for (unsigned r : choices)
    if (!taken(avoid, r)) ok[n++] = r;
  return n ? ok[rng.below(n)] : 8;
}

// ModRM/SIB/displacement for a memory operand in 32-bit addressing, with the
// register set-up that makes the address land in the data (or stack) area.
// `free_ea`: the address is never accessed (LEA): anything goes.
bool ea32(Rng& rng, unsigned reg, uint32_t avoid, bool free_ea, std::vector<uint8_t>& out,
          std::vector<Prelude>& pre, unsigned align = 1) {
  const uint32_t target = data_target(rng, align);
  const unsigned v = rng.below(7);
  auto disp_for = [&](unsigned mod) -> int64_t {
    if (mod == 1) return rng.range(-128, 127);
    if (mod == 2) return rng.chance(20) ? int64_t(int32_t(rng.u32())) : rng.range(-0x1000, 0x1000);
    return 0;
  };
  auto put_disp = [&](unsigned mod, int64_t d) {
    if (mod == 1) out.push_back(uint8_t(d));
    if (mod == 2) put32(out, uint32_t(d));
  };
  switch (v) {
    case 0:  // [disp32]
      out.push_back(uint8_t(reg << 3 | 5));
      put32(out, free_ea ? rng.u32() : target);
      return true;
    case 1:
    case 2:
    case 3: {  // [base], [base+disp8], [base+disp32]
      const unsigned mod = v - 1;
      const unsigned base = mod == 0 ? pick_reg(rng, {EAX, ECX, EDX, EBX, ESI, EDI}, avoid)
                                     : pick_reg(rng, {EAX, ECX, EDX, EBX, EBP, ESI, EDI}, avoid);
      if (base == 8) return false;
      const int64_t d = disp_for(mod);
      out.push_back(uint8_t(mod << 6 | reg << 3 | base));
      put_disp(mod, d);
      if (!free_ea) pre.push_back({uint8_t(base), uint32_t(target - uint32_t(d))});
      return true;
    }
    case 4:
    case 5: {  // SIB: [base + index*scale + disp], [index*scale + disp32]
      const unsigned mod = v == 5 ? 0 : rng.below(3);
      unsigned base = v == 5 ? 5 : pick_reg(rng, {EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI}, avoid);
      if (base == 8) return false;
      const bool no_base = base == 5 && mod == 0;
      const bool stack = base == ESP;
      const uint32_t avoid_idx = avoid | (1u << ESP) | (no_base ? 0 : (1u << base));
      unsigned index = rng.chance(15) ? 4 : pick_reg(rng, {EAX, ECX, EDX, EBX, EBP, ESI, EDI}, avoid_idx);
      if (index == 8) index = 4;
      const unsigned scale = rng.below(4);
      uint32_t idx_val = 0;
      if (index != 4) {
        idx_val = stack ? rng.below(8) : rng.chance(20) ? rng.u32() : uint32_t(rng.range(-16, 64));
        if (!free_ea) pre.push_back({uint8_t(index), idx_val});
      }
      int64_t d = no_base ? 0 : stack ? (mod == 2 ? rng.range(-64, 64) : mod == 1 ? rng.range(-64, 64) : 0)
                                      : disp_for(mod);
      const uint32_t scaled = idx_val << scale;
      if (no_base) d = int64_t(uint32_t(target - scaled));
      out.push_back(uint8_t(mod << 6 | reg << 3 | 4));
      out.push_back(uint8_t(scale << 6 | index << 3 | base));
      if (no_base) put32(out, uint32_t(d));
      else put_disp(mod, d);
      if (!no_base && !stack && !free_ea) pre.push_back({uint8_t(base), uint32_t(target - uint32_t(d) - scaled)});
      return true;
    }
    default: {  // [esp+disp8]
      out.push_back(uint8_t(1 << 6 | reg << 3 | 4));
      out.push_back(0x24);
      out.push_back(uint8_t(rng.range(-64, 64)));
      return true;
    }
  }
}

// The same for 16-bit addressing (67 prefix): the data area is below 64 KiB.
bool ea16(Rng& rng, unsigned reg, uint32_t avoid, bool free_ea, std::vector<uint8_t>& out,
          std::vector<Prelude>& pre, unsigned align = 1) {
  static constexpr int8_t kBase[8] = {EBX, EBX, EBP, EBP, -1, -1, EBP, EBX};
  static constexpr int8_t kIndex[8] = {ESI, EDI, ESI, EDI, ESI, EDI, -1, -1};
  const unsigned rm = rng.below(8), mod = rng.below(3);
  const uint16_t target = uint16_t(data_target(rng, align));
  const bool abs = mod == 0 && rm == 6;
  const int b = abs ? -1 : kBase[rm], x = abs ? -1 : kIndex[rm];
  if ((b >= 0 && taken(avoid, unsigned(b))) || (x >= 0 && taken(avoid, unsigned(x)))) return false;
  int32_t d = 0;
  if (mod == 1) d = rng.range(-128, 127);
  if (mod == 2) d = int32_t(rng.below(0x10000));
  out.push_back(uint8_t(mod << 6 | reg << 3 | rm));
  if (abs) {
    const uint16_t a = free_ea ? uint16_t(rng.u32()) : target;
    out.push_back(uint8_t(a)), out.push_back(uint8_t(a >> 8));
    return true;
  }
  if (mod == 1) out.push_back(uint8_t(d));
  if (mod == 2) out.push_back(uint8_t(d)), out.push_back(uint8_t(d >> 8));
  if (free_ea) return true;
  const uint32_t hi_x = rng.chance(50) ? rng.u32() & 0xFFFF0000u : 0;
  const uint32_t hi_b = rng.chance(50) ? rng.u32() & 0xFFFF0000u : 0;
  if (b >= 0 && x >= 0) {
    const uint16_t xv = uint16_t(rng.chance(30) ? rng.u32() : rng.below(64));
    pre.push_back({uint8_t(x), hi_x | xv});
    pre.push_back({uint8_t(b), hi_b | uint16_t(target - uint16_t(d) - xv)});
  } else {
    pre.push_back({uint8_t(b >= 0 ? b : x), hi_b | uint16_t(target - uint16_t(d))});
  }
  return true;
}

bool reg_in(const std::vector<Prelude>& pre, unsigned r) {
  return std::any_of(pre.begin(), pre.end(), [&](const Prelude& p) { return p.reg == r; });
}

// The explicit register operands must not write ESP (or SP).
bool esp_ok(const DecodedInsn& in, const Rule& r) {
  for (unsigned i = 0; i < in.nops; ++i) {
    const auto& o = in.o[i];
    if (o.kind != OpKind::Reg || o.size < 2 || o.reg != ESP) continue;
    if (r.gen & gen::WRITES_ALL) return false;
    if (i == 0 && !(r.gen & gen::READS_OPS)) return false;
  }
  return true;
}

bool uses_cl_count(const DecodedInsn& in) {
  if (in.nops < 2) return false;
  const auto& o = in.o[in.nops - 1];
  return o.kind == OpKind::Reg && o.size == 1 && o.reg == 1;
}

bool has_mem(const DecodedInsn& in) {
  for (unsigned i = 0; i < in.nops; ++i)
    if (in.o[i].kind == OpKind::Mem) return true;
  return false;
}

class UnitMaker {
 public:
  UnitMaker(const Catalog& cat, Rng& rng) : cat_(cat), rng_(rng) {}

  // One instruction with its set-up, or nothing if this attempt failed.
  std::optional<Unit> make(const Form& f);

 private:
  const Catalog& cat_;
  Rng& rng_;
};

std::optional<Unit> UnitMaker::make(const Form& f) {
  const Rule& r = *f.rule;
  const uint32_t g = r.gen;
  // A first decode of the bare form tells the operand shapes.
  std::vector<uint8_t> bare;
  bare.reserve(20);  // (also avoids a GCC 12 -Wstringop-overflow false positive)
  if (f.pfx) bare.push_back(f.pfx);
  bare.insert(bare.end(), f.opcode, f.opcode + f.opcode_len);
  if (f.modrm) bare.push_back(uint8_t(f.mem ? (f.reg << 3) : (0xC0 | f.reg << 3 | (f.rm < 0 ? 0 : f.rm))));
  bare.resize(16, 0);
  DecodedInsn b;
  if (core::decode(bare.data(), bare.size(), core::CodeMode::Bits32, b) != core::DecodeStatus::Ok) return {};
  const bool cl_count = uses_cl_count(b);
  const bool moffs = !f.modrm && has_mem(b) && !(g & (gen::STRING | gen::XLAT)) &&
                     !(f.mnem == "PUSH" || f.mnem == "POP");

  // Registers whose value the instruction needs from its set-up.
  uint32_t avoid = 0;
  if (cl_count) avoid |= 1u << ECX;
  const bool div_setup = (g & gen::DIVIDE) && rng_.chance(80);
  if (div_setup) avoid |= (1u << EAX) | (1u << EDX);
  const bool bitoff = (g & gen::BITOFF) && f.mem && b.nops > 1 && b.o[1].kind == OpKind::Reg;
  if (bitoff && f.reg == ESP) return {};  // the bit offset would be the stack address
  if (bitoff) avoid |= 1u << f.reg;

  // Prefixes.
  std::vector<uint8_t> prefixes;
  prefixes.reserve(8);  // (also avoids a GCC 12 -Wstringop-overflow false positive)
  const bool memish = f.mem || moffs || (g & (gen::STRING | gen::XLAT));
  const bool a16 = (memish && rng_.chance(15)) || ((g & gen::COUNT_ECX) && rng_.chance(15)) ||
                   (!memish && !f.rel && rng_.chance(3));
  if (a16) prefixes.push_back(0x67);
  if (!(g & gen::NO_OSIZE) && rng_.chance(25)) prefixes.push_back(0x66);
  if (memish && !(g & gen::NO_MEM) && rng_.chance(20)) {
    static constexpr uint8_t kSeg[] = {0x26, 0x36, 0x3E, 0x64, 0x65};
    // fp family: not FS (the host, the referee there, cannot run FS-relative code flat).
    uint8_t seg = kSeg[rng_.below(5)];
    if ((g & gen::FP) && seg == 0x64) seg = 0x65;
    prefixes.push_back(seg);
  }
  if ((g & gen::LOCKABLE) && f.mem && rng_.chance(25)) prefixes.push_back(0xF0);
  bool rep = false;
  if ((g & gen::STRING) && rng_.chance(60)) {
    rep = true;
    prefixes.push_back((g & gen::REPCC) && rng_.chance(50) ? 0xF2 : 0xF3);
  }
  for (size_t i = prefixes.size(); i > 1; --i) std::swap(prefixes[i - 1], prefixes[rng_.below(uint32_t(i))]);
  if (f.pfx) prefixes.push_back(f.pfx);  // a mandatory prefix goes right before the opcode
  // 16-byte memory operands (SSE): usually aligned (else #GP).
  unsigned align = 1;
  if ((g & gen::FP) && f.mem)
    for (unsigned k = 0; k < b.nops; ++k)
      if (b.o[k].kind == OpKind::Mem && b.o[k].size == 16) align = 16;

  // Body: opcode, ModRM/SIB/displacement, then immediate bytes.
  std::vector<Prelude> pre;
  std::vector<uint8_t> body(f.opcode, f.opcode + f.opcode_len);
  const bool free_ea = (g & gen::NO_MEM) != 0;
  if (f.modrm) {
    if (f.mem) {
      const bool ok = a16 ? ea16(rng_, f.reg, avoid, free_ea, body, pre, align)
                          : ea32(rng_, f.reg, avoid, free_ea, body, pre, align);
      if (!ok) return {};
    } else {
      body.push_back(uint8_t(0xC0 | f.reg << 3 | (f.rm >= 0 ? unsigned(f.rm) : rng_.below(8))));
    }
  }
  const size_t imm_at = body.size();
  if (moffs) {
    const uint32_t t = data_target(rng_);
    put32(body, a16 ? (t & 0xFFFF) | 0 : t);
  } else if (g & gen::ENTER) {
    const uint16_t size = uint16_t(rng_.chance(30) ? 0 : rng_.below(0x100));
    body.push_back(uint8_t(size)), body.push_back(uint8_t(size >> 8));
    body.push_back(uint8_t(rng_.below(4) + (rng_.chance(10) ? 32 : 0)));
  } else if (rng_.chance(30)) {
    put32(body, interesting_u32(rng_));
  }
  while (body.size() < imm_at + 8) body.push_back(uint8_t(rng_.u32()));

  // Set-up the rule asks for.
  if (cl_count) {
    const unsigned bits = (b.o[0].size ? b.o[0].size : 4) * 8;
    uint32_t c;
    switch (rng_.below(4)) {
      case 0: c = rng_.below(3); break;
      case 1: c = bits - 1 + rng_.below(3); break;
      default: c = rng_.below(256); break;
    }
    pre.push_back({ECX, (rng_.u32() & 0xFFFFFF00u) | c});
  }
  if (div_setup) {
    const bool idiv = r.mnem == "IDIV", neg = idiv && rng_.chance(50);
    const unsigned size = b.o[0].size;
    if (size == 1) {
      pre.push_back({EAX, (rng_.u32() & 0xFFFF0000u) | (neg ? 0xFF80u | rng_.below(0x80) : rng_.below(0x80))});
    } else {
      pre.push_back({EDX, neg ? 0xFFFFFFFFu : 0});
      pre.push_back({EAX, neg ? 0xFFFF8000u | rng_.below(0x8000) : rng_.u32() & 0x7FFFFFFFu});
    }
  }
  if (bitoff) {
    if (reg_in(pre, f.reg)) return {};
    pre.push_back({f.reg, uint32_t(rng_.range(-0x100, 0xFF))});
  }
  if (g & gen::STRING) {
    pre.push_back({ESI, DATA + MARGIN + rng_.below(DATA_SIZE - 2 * MARGIN)});
    pre.push_back({EDI, DATA + MARGIN + rng_.below(DATA_SIZE - 2 * MARGIN)});
    if (rep) {
      static constexpr uint32_t kCounts[] = {0, 1, 2, 3, 5, 8};
      pre.push_back({ECX, (a16 ? rng_.u32() & 0xFFFF0000u : 0) | kCounts[rng_.below(6)]});
    }
  }
  if (g & gen::XLAT) pre.push_back({EBX, DATA + MARGIN + rng_.below(DATA_SIZE - 0x100 - 2 * MARGIN)});
  if ((g & gen::FP) && (f.mnem == "MASKMOVQ" || f.mnem == "MASKMOVDQU")) pre.push_back({EDI, data_target(rng_)});
  if (g & gen::LEAVE) pre.push_back({EBP, STACK + 0x800 + rng_.below(0x1000)});
  if ((g & gen::ENTER) && body[imm_at + 2] % 32) pre.push_back({EBP, STACK + 0x800 + rng_.below(0x1000)});

  Unit u;
  for (const Prelude& p : pre) {
    u.bytes.push_back(uint8_t(0xB8 + p.reg));
    put32(u.bytes, p.value);
  }
  if (g & gen::POPF) {
    const uint32_t img = 0x202 | (rng_.u32() & core::fl::ARITH) | (rng_.chance(20) ? core::fl::DF : 0);
    u.bytes.push_back(0x68);
    put32(u.bytes, img);
  }
  // Every set-up instruction must exist in the table (MOV, PUSH imm32).
  {
    size_t off = 0;
    while (off < u.bytes.size()) {
      DecodedInsn s;
      if (core::decode(u.bytes.data() + off, u.bytes.size() - off, core::CodeMode::Bits32, s) !=
          core::DecodeStatus::Ok)
        return {};
      const InsnInfo si = cat_.identify(s, u.bytes.data() + off, u.bytes.size() - off);
      if (cat_.from_table() && !si.in_table) return {};
      off += s.len;
    }
  }
  u.insn_off = unsigned(u.bytes.size());
  std::vector<uint8_t> insn = prefixes;
  insn.insert(insn.end(), body.begin(), body.end());
  DecodedInsn in;
  if (core::decode(insn.data(), insn.size(), core::CodeMode::Bits32, in) != core::DecodeStatus::Ok) return {};
  insn.resize(in.len);
  const InsnInfo info = cat_.identify(in, insn.data(), insn.size());
  if (!info.rule || (cat_.from_table() && !info.in_table)) return {};
  if ((info.rule->gen & gen::BRANCH) != (g & gen::BRANCH)) return {};
  if (!esp_ok(in, *info.rule)) return {};
  // PUSH Sreg with a 32-bit operand size either zero-extends the selector or
  // writes only 16 bits (SDM: implementation-specific): push it 16-bit only.
  if (info.mnem == "PUSH" && in.o[0].kind == OpKind::SReg && in.osize == 4) return {};
  if (has_rel(in)) {
    u.branch = true;
    u.uncond = (info.rule->gen & gen::UNCOND) != 0;
    // The displacement is the instruction's last bytes: rel8 or rel32.
    u.disp_size = in.len - f.opcode_len - unsigned(prefixes.size());
  }
  u.bytes.insert(u.bytes.end(), insn.begin(), insn.end());
  return u;
}

}  // namespace

Sequence Generator::make(uint64_t index, unsigned units) const {
  Sequence seq;
  seq.seed = seed_;
  seq.index = index;
  seq.init = make_init(seed_, index);
  if (cat_.family() != Family::Int) {
    seq.init.fx = make_fp_image(seed_, index);
    clear_mxcsr_mm(seq.init);
  }
  const auto& groups = cat_.groups();
  for (uint64_t stream = 1; stream < 50; ++stream) {
    Rng rng(seed_, index, stream);
    UnitMaker maker(cat_, rng);
    std::vector<Unit> list;
    std::vector<uint32_t> pending(units + 1, 0);
    uint32_t cur = 0;
    bool reachable = true;
    for (unsigned j = 0; j < units && !groups.empty(); ++j) {
      const uint32_t in_undef = (reachable ? cur : 0) | pending[j];
      std::optional<Unit> u;
      uint32_t out_undef = in_undef;
      for (int attempt = 0; attempt < 40 && !u; ++attempt) {
        const auto& grp = groups[rng.below(uint32_t(groups.size()))];
        const Form& f = *grp[rng.below(uint32_t(grp.size()))];
        u = maker.make(f);
        if (!u) continue;
        // Flag effects of this unit, starting from what is undefined now.
        const Analysis a = analyze(cat_, u->bytes, CODE, in_undef);
        const bool only_outside_target = u->branch && a.problem == "branch to a non-instruction address";
        if (a.reads_undefined || a.undefined_result || (!a.problem.empty() && !only_outside_target)) {
          u.reset();
          continue;
        }
        out_undef = u->branch ? in_undef : a.undef_end;
      }
      if (!u) {
        Unit nop;
        nop.bytes = {0x90};
        u = nop;
        out_undef = in_undef;
      }
      if (u->branch) {
        u->target = std::min(units, j + 1 + rng.below(4));
        pending[u->target] |= in_undef;
        reachable = !u->uncond;
        cur = in_undef;
      } else {
        reachable = true;
        cur = out_undef;
      }
      list.push_back(*u);
    }
    // Now and then an invalid instruction at the end: LOCK where it is not
    // allowed (register destination, non-lockable instruction). Every
    // opinion must raise #UD there, with the state of the instructions before.
    if (rng.chance(3) && !groups.empty()) {
      for (int attempt = 0; attempt < 40; ++attempt) {
        const auto& grp = groups[rng.below(uint32_t(groups.size()))];
        std::optional<Unit> u = maker.make(*grp[rng.below(uint32_t(grp.size()))]);
        if (!u || u->branch) continue;
        u->bytes.insert(u->bytes.begin() + u->insn_off, 0xF0);
        core::DecodedInsn in;
        const uint8_t* p = u->bytes.data() + u->insn_off;
        if (core::decode(p, u->bytes.size() - u->insn_off, core::CodeMode::Bits32, in) != core::DecodeStatus::Invalid)
          continue;
        list.push_back(*u);
        break;
      }
    }
    // Lay out and patch branch displacements.
    std::vector<uint32_t> start(list.size() + 1);
    uint32_t addr = CODE;
    for (size_t j = 0; j < list.size(); ++j) start[j] = addr, addr += uint32_t(list[j].bytes.size());
    start[list.size()] = addr;
    std::vector<uint8_t> code;
    bool fits = true;
    for (size_t j = 0; j < list.size(); ++j) {
      Unit& u = list[j];
      if (u.branch) {
        const uint32_t end = start[j] + uint32_t(u.bytes.size());
        const int64_t d = int64_t(start[u.target]) - int64_t(end);
        if (u.disp_size == 1 && (d < -128 || d > 127)) fits = false;
        for (unsigned k = 0; k < u.disp_size; ++k) u.bytes[u.bytes.size() - u.disp_size + k] = uint8_t(uint64_t(d) >> (8 * k));
      }
      code.insert(code.end(), u.bytes.begin(), u.bytes.end());
    }
    if (!fits || code.size() + 8 > CODE_SIZE) continue;
    seq.code = std::move(code);
    // A quarter of the sequences straddle a page boundary (blocks that span
    // two pages, instructions split across them).
    seq.base = rng.chance(25) ? CODE + 0x1000 - rng.below(uint32_t(seq.code.size())) : CODE;
    seq.facts = analyze(cat_, seq.code, seq.base);
    if (!seq.facts.reads_undefined && !seq.facts.undefined_result && seq.facts.problem.empty()) return seq;
  }
  return seq;  // the last attempt (the caller sees facts.problem / reads_undefined)
}

}  // namespace xlat::fuzz
