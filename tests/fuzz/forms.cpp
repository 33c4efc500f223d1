// Form discovery; see forms.hpp.
#include "tests/fuzz/forms.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "core/decode/decoder.hpp"
#include "core/isa/isa.hpp"

namespace xlat::fuzz {

namespace {

using core::CodeMode;
using core::DecodedInsn;
using core::DecodeStatus;

// The table's Zydis-mnemonic column, by row.
const char* const kRowMnemonic[] = {
#define X(name, zy, fn, fr, fw, at) #zy,
#include "core/isa/table.inc"
#undef X
};
// Its name column (distinguishes rows that share a Zydis mnemonic, such as
// MOVSD_XMM and CMPSD_XMM).
const char* const kRowName[] = {
#define X(name, zy, fn, fr, fw, at) #name,
#include "core/isa/table.inc"
#undef X
};

// State save/restore forms (see forms.hpp).
bool fp_excluded(const std::string& m) {
  return m == "FNSAVE" || m == "FRSTOR" || m == "FNSTENV" || m == "FLDENV" || m == "FXSAVE" || m == "FXRSTOR";
}

bool is_prefix(uint8_t b) {
  switch (b) {
    case 0x26: case 0x2E: case 0x36: case 0x3E: case 0x64: case 0x65:
    case 0x66: case 0x67: case 0xF0: case 0xF2: case 0xF3:
      return true;
    default:
      return false;
  }
}

unsigned length_of(const std::vector<uint8_t>& b) { return core::decode_length(b.data(), b.size(), CodeMode::Bits32); }

// Whether the opcode takes a ModRM byte: with ModRM, mod=00 rm=101 adds a
// 32-bit displacement that mod=00 rm=000 does not have.
bool probe_modrm(const uint8_t* op, unsigned oplen, uint8_t pfx = 0) {
  for (unsigned reg = 0; reg < 8; ++reg) {
    std::vector<uint8_t> a, b;
    if (pfx) a.push_back(pfx), b.push_back(pfx);
    a.insert(a.end(), op, op + oplen), b.insert(b.end(), op, op + oplen);
    a.push_back(uint8_t(reg << 3));
    b.push_back(uint8_t(reg << 3 | 5));
    a.resize(16, 0);
    b.resize(16, 0);
    const unsigned la = length_of(a), lb = length_of(b);
    if (la && lb && lb == la + 4) return true;
  }
  return false;
}

// Without the table (--all-forms), the arithmetic flags an instruction
// writes, as the SDM's "Flags Affected" says (what the table's flags_written
// column holds in table mode).
uint32_t assumed_written(const std::string& m, const Rule& r) {
  namespace fl = core::fl;
  static const char* const kNone[] = {"MOV",   "MOVZX", "MOVSX", "LEA",   "NOP",   "XCHG",   "BSWAP",  "CBW",
                                      "CWDE",  "CWD",   "CDQ",   "SALC",  "PUSH",  "POP",    "PUSHA",  "PUSHAD",
                                      "POPA",  "POPAD", "PUSHF", "PUSHFD", "NOT",  "LAHF",   "CLD",    "STD",
                                      "BOUND", "ENTER", "LEAVE", "XLAT"};
  for (const char* n : kNone)
    if (m == n) return 0;
  if (m.rfind("SET", 0) == 0 || m.rfind("CMOV", 0) == 0) return 0;
  if ((r.gen & (gen::BRANCH | gen::STRING)) && !(r.gen & gen::REPCC)) return 0;
  if (m == "INC" || m == "DEC") return fl::ARITH & ~fl::CF;
  if (m == "CLC" || m == "STC" || m == "CMC") return fl::CF;
  if (m == "ARPL" || m == "CMPXCHG8B") return fl::ZF;
  if (m == "BT" || m == "BTS" || m == "BTR" || m == "BTC") return fl::ARITH & ~fl::ZF;
  if (r.gen & (gen::ROTATE | gen::RCROTATE)) return fl::CF | fl::OF;
  if (m == "SAHF") return fl::ARITH & ~fl::OF;
  return fl::ARITH;
}

}  // namespace

bool has_rel(const DecodedInsn& in) {
  for (unsigned i = 0; i < in.nops; ++i)
    if (in.o[i].kind == core::OpKind::Rel) return true;
  return false;
}

Catalog::Catalog(bool from_table, const Capstone& cs, Family family, bool save_restore)
    : from_table_(from_table), cs_(cs), family_(from_table ? family : Family::Int), save_restore_(save_restore) {
  discover();
}

InsnInfo Catalog::identify(const DecodedInsn& in, const uint8_t* bytes, size_t n) const {
  InsnInfo info;
  if (from_table_) {
    if (in.op == core::OP_INVALID || in.op >= core::OP_COUNT) return info;
    info.op = in.op;
    info.in_table = true;
    info.mnem = kRowMnemonic[in.op];
    const core::OpInfo& oi = core::op_info[in.op];
    if ((oi.attrs & core::isa_attr::A_FPU) && info.mnem == "INVALID") info.mnem = kRowName[in.op];
    info.table_read = oi.flags_read;
    info.table_written = oi.flags_written;
    info.attrs = oi.attrs;
  } else {
    info.mnem = cs_.zydis_name(bytes, n);
  }
  info.rule = info.mnem.empty() ? nullptr : find_rule(info.mnem);
  if (!info.rule && (info.attrs & core::isa_attr::A_FPU)) info.rule = fp_rule();
  if (!from_table_ && info.rule) info.table_written = assumed_written(info.mnem, *info.rule);
  return info;
}

bool Catalog::acceptable(const DecodedInsn& in, const InsnInfo& info, std::string* why) const {
  using namespace core::isa_attr;
  const uint32_t g = info.rule ? info.rule->gen : 0;
  const bool fp = (info.attrs & A_FPU) != 0;
  if (from_table_ && fp) {
    if (family_ == Family::Int) {
      *why = "x87/MMX/SSE (--family fp)";
      return false;
    }
    if (fp_excluded(info.mnem) && !save_restore_) {
      *why = "state save/restore (instruction pointers differ between runners)";
      return false;
    }
    if (info.mnem == "FSTPNCE") {
      // D9 D8+i, the undocumented alias of FSTP ST(i): the AMD host pops an
      // empty ST(0) without a stack fault; what Intel CPUs do is not known here.
      *why = "undocumented alias (FSTP1): vendor-specific stack-fault behaviour";
      return false;
    }
    return true;
  }
  if (from_table_ && family_ == Family::Fp) {
    *why = "integer (--family int)";
    return false;
  }
  if (from_table_) {
    // POPF may change mode bits, but the generator pops a safe EFLAGS image.
    const uint32_t mode = (g & gen::POPF) ? 0 : A_MODE;
    if (info.attrs & (A_PRIV | A_IO | mode | A_FPU)) {
      *why = "privileged, I/O, mode-changing or FPU";
      return false;
    }
    if ((info.attrs & A_END) && !((g & gen::BRANCH) && has_rel(in))) {
      *why = "control transfer out of the sequence";
      return false;
    }
  }
  if (!info.rule) {
    *why = "no fuzz rule (tests/fuzz/rules.cpp)";
    return false;
  }
  if ((info.rule->gen & gen::BRANCH) && !has_rel(in)) {
    *why = "indirect or far branch";
    return false;
  }
  for (unsigned i = 0; i < in.nops; ++i) {
    const core::OpKind k = in.o[i].kind;
    if (k == core::OpKind::CReg || k == core::OpKind::DReg || k == core::OpKind::Far ||
        k == core::OpKind::St || k == core::OpKind::Mmx || k == core::OpKind::Xmm) {
      *why = "system or FPU operand";
      return false;
    }
    if (k == core::OpKind::SReg && !(info.mnem == "MOV" && i == 1) && info.mnem != "PUSH") {
      *why = "segment register load";
      return false;
    }
  }
  return true;
}

void Catalog::discover() {
  std::map<std::string, std::vector<size_t>> by_mnem;
  std::set<std::string> skipped;
  const bool fp_family = from_table_ && family_ != Family::Int;
  std::set<std::string> seen;  // fp forms already found (a prefix the decoder ignores adds nothing)
  auto try_opcode = [&](const uint8_t* op, unsigned oplen, uint8_t pfx) {
    const bool modrm = probe_modrm(op, oplen, pfx);
    // x87 register forms: every ModRM.rm is its own form (fp family).
    const bool each_rm = fp_family && oplen == 1 && op[0] >= 0xD8 && op[0] <= 0xDF;
    for (unsigned reg = 0; reg < (modrm ? 8u : 1u); ++reg) {
      for (int mem = 0; mem < (modrm ? 2 : 1); ++mem) {
       for (int rm = (each_rm && !mem) ? 0 : -1; rm < ((each_rm && !mem) ? 8 : 0); ++rm) {
        std::vector<uint8_t> b;
        if (pfx) b.push_back(pfx);
        b.insert(b.end(), op, op + oplen);
        if (modrm) b.push_back(uint8_t(mem ? (reg << 3) : (0xC0 | reg << 3 | (rm < 0 ? 0 : rm))));
        b.resize(16, 0);
        DecodedInsn in;
        if (core::decode(b.data(), b.size(), CodeMode::Bits32, in) != DecodeStatus::Ok) continue;
        const InsnInfo info = identify(in, b.data(), b.size());
        if (info.mnem.empty() || (from_table_ && !info.in_table)) continue;
        // A 66/F2/F3 prefix is part of the form only for MMX/SSE rows (on an
        // integer instruction it is an operand-size or REP prefix).
        if (pfx && !(info.attrs & core::isa_attr::A_FPU)) continue;
        std::string why;
        if (!acceptable(in, info, &why)) {
          skipped.insert(info.mnem + ": " + why);
          continue;
        }
        if (info.attrs & core::isa_attr::A_FPU) {
          std::string key = std::to_string(op[0]) + "." + std::to_string(oplen > 1 ? op[1] : 0) + "." +
                            std::to_string(reg) + "." + std::to_string(mem) + "." + std::to_string(rm) + "." +
                            std::to_string(in.op);
          for (unsigned k = 0; k < in.nops; ++k)
            key += "." + std::to_string(int(in.o[k].kind)) + ":" + std::to_string(in.o[k].size);
          if (!seen.insert(key).second) continue;
        }
        Form f{};
        f.pfx = pfx;
        f.rm = int8_t(rm);
        f.opcode[0] = op[0];
        f.opcode[1] = oplen > 1 ? op[1] : 0;
        f.opcode_len = uint8_t(oplen);
        f.modrm = modrm;
        f.reg = uint8_t(reg);
        f.mem = mem != 0;
        f.rel = has_rel(in);
        f.op = info.op;
        f.mnem = info.mnem;
        f.rule = info.rule;
        by_mnem[f.mnem].push_back(forms_.size());
        forms_.push_back(f);
       }
      }
    }
  };
  for (unsigned b = 0; b < 256; ++b) {
    if (is_prefix(uint8_t(b)) || b == 0x0F) continue;
    const uint8_t op[1] = {uint8_t(b)};
    try_opcode(op, 1, 0);
  }
  for (unsigned b = 0; b < 256; ++b) {
    if (b == 0x38 || b == 0x3A || b == 0x0F) continue;  // three-byte maps and 3DNow!: not P6 integer
    // 0F 0D with a register operand is a NOP on Intel CPUs but #UD on AMD
    // ones (PREFETCH group): not a P6 instruction, and no common answer.
    if (b == 0x0D) {
      skipped.insert("0F 0D (NOP/PREFETCHW): vendor-specific");
      continue;
    }
    const uint8_t op[2] = {0x0F, uint8_t(b)};
    try_opcode(op, 2, 0);
    if (fp_family)
      for (uint8_t pfx : {uint8_t(0x66), uint8_t(0xF2), uint8_t(0xF3)}) try_opcode(op, 2, pfx);
  }
  for (auto& [m, idx] : by_mnem) {
    std::vector<const Form*> g;
    for (size_t i : idx) g.push_back(&forms_[i]);
    groups_.push_back(std::move(g));
  }
  skipped_.assign(skipped.begin(), skipped.end());
}

std::string Catalog::describe() const {
  std::string s = std::string(from_table_ ? "forms from the instruction table" : "forms named by Capstone") +
                  ": " + std::to_string(forms_.size()) + " forms, " + std::to_string(groups_.size()) +
                  " mnemonics\n";
  for (const auto& g : groups_) s += "  " + g.front()->mnem + " (" + std::to_string(g.size()) + ")\n";
  if (!skipped_.empty()) {
    s += "not fuzzed:\n";
    for (const auto& k : skipped_) s += "  " + k + "\n";
  }
  return s;
}

}  // namespace xlat::fuzz
