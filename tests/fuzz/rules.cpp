// Per-instruction fuzzing rules; see rules.hpp. Undefined flags are those the
// Intel SDM (vol. 2, "Flags Affected") leaves undefined for each instruction.
#include "tests/fuzz/rules.hpp"

#include <array>

#include "core/flags.hpp"

namespace xlat::fuzz {

namespace {

using namespace gen;
namespace fl = core::fl;

constexpr uint32_t CF = fl::CF, PF = fl::PF, AF = fl::AF, ZF = fl::ZF, SF = fl::SF, OF = fl::OF;
constexpr uint32_t ALL = fl::ARITH;

// Condition codes: flags read.
constexpr uint32_t C_O = OF, C_B = CF, C_Z = ZF, C_BE = CF | ZF, C_S = SF, C_P = PF, C_L = SF | OF,
                   C_LE = ZF | SF | OF;

#define CC_RULES(prefix, g)                                                                        \
  {prefix "O", g, 0, C_O}, {prefix "NO", g, 0, C_O}, {prefix "B", g, 0, C_B}, {prefix "NB", g, 0, C_B}, \
      {prefix "Z", g, 0, C_Z}, {prefix "NZ", g, 0, C_Z}, {prefix "BE", g, 0, C_BE},                  \
      {prefix "NBE", g, 0, C_BE}, {prefix "S", g, 0, C_S}, {prefix "NS", g, 0, C_S},                 \
      {prefix "P", g, 0, C_P}, {prefix "NP", g, 0, C_P}, {prefix "L", g, 0, C_L},                    \
      {prefix "NL", g, 0, C_L}, {prefix "LE", g, 0, C_LE}, {prefix "NLE", g, 0, C_LE}

const Rule kRules[] = {
    // Arithmetic and logic.
    {"ADD", LOCKABLE, 0, 0},
    {"ADC", LOCKABLE, 0, CF},
    {"SUB", LOCKABLE, 0, 0},
    {"SBB", LOCKABLE, 0, CF},
    {"CMP", READS_OPS, 0, 0},
    {"AND", LOCKABLE, AF, 0},
    {"OR", LOCKABLE, AF, 0},
    {"XOR", LOCKABLE, AF, 0},
    {"TEST", READS_OPS, AF, 0},
    {"INC", LOCKABLE, 0, 0},
    {"DEC", LOCKABLE, 0, 0},
    {"NEG", LOCKABLE, 0, 0},
    {"NOT", LOCKABLE, 0, 0},
    {"MUL", 0, SF | ZF | AF | PF, 0},
    {"IMUL", 0, SF | ZF | AF | PF, 0},
    {"DIV", DIVIDE, ALL, 0},
    {"IDIV", DIVIDE, ALL, 0},
    // Shifts and rotates: flags depend on the count (flag_effect).
    {"SHL", SHIFT, 0, 0},
    {"SHR", SHIFT, 0, 0},
    {"SAR", SHIFT, 0, 0},
    {"ROL", ROTATE, 0, 0},
    {"ROR", ROTATE, 0, 0},
    {"RCL", RCROTATE, 0, CF},
    {"RCR", RCROTATE, 0, CF},
    {"SHLD", DSHIFT, 0, 0},
    {"SHRD", DSHIFT, 0, 0},
    // Bit operations.
    {"BT", READS_OPS | BITOFF, OF | SF | AF | PF, 0},
    {"BTS", LOCKABLE | BITOFF, OF | SF | AF | PF, 0},
    {"BTR", LOCKABLE | BITOFF, OF | SF | AF | PF, 0},
    {"BTC", LOCKABLE | BITOFF, OF | SF | AF | PF, 0},
    {"BSF", 0, CF | OF | SF | AF | PF, 0},
    {"BSR", 0, CF | OF | SF | AF | PF, 0},
    {"BSWAP", NO_OSIZE, 0, 0},  // 16-bit BSWAP has an undefined result
    // Decimal arithmetic.
    {"AAA", 0, OF | SF | ZF | PF, AF},
    {"AAS", 0, OF | SF | ZF | PF, AF},
    {"DAA", 0, OF, AF | CF},
    {"DAS", 0, OF, AF | CF},
    {"AAM", 0, OF | AF | CF, 0},
    {"AAD", 0, OF | AF | CF, 0},
    // Conversions, conditional moves and sets.
    {"CBW", 0, 0, 0},
    {"CWDE", 0, 0, 0},
    {"CWD", 0, 0, 0},
    {"CDQ", 0, 0, 0},
    {"SALC", 0, 0, CF},
    CC_RULES("SET", 0),
    CC_RULES("CMOV", 0),
    // Data movement.
    {"MOV", 0, 0, 0},
    {"MOVZX", 0, 0, 0},
    {"MOVSX", 0, 0, 0},
    {"LEA", NO_MEM, 0, 0},
    {"NOP", READS_OPS, 0, 0},
    {"XCHG", WRITES_ALL | LOCKABLE, 0, 0},
    {"XADD", WRITES_ALL | LOCKABLE, 0, 0},
    {"CMPXCHG", LOCKABLE, 0, 0},
    {"CMPXCHG8B", LOCKABLE, 0, 0},
    {"BOUND", READS_OPS, 0, 0},
    {"ARPL", 0, 0, 0},
    {"XLAT", XLAT, 0, 0},
    // Stack.
    {"PUSH", READS_OPS, 0, 0},
    {"POP", 0, 0, 0},
    {"PUSHA", 0, 0, 0},
    {"PUSHAD", 0, 0, 0},
    {"POPA", 0, 0, 0},
    {"POPAD", 0, 0, 0},
    {"PUSHF", 0, 0, ALL},
    {"PUSHFD", 0, 0, ALL},
    {"POPF", POPF, 0, 0},
    {"POPFD", POPF, 0, 0},
    {"ENTER", ENTER, 0, 0},
    {"LEAVE", LEAVE, 0, 0},
    // Flag control.
    {"LAHF", 0, 0, SF | ZF | AF | PF | CF},
    {"SAHF", 0, 0, 0},
    {"CLC", 0, 0, 0},
    {"STC", 0, 0, 0},
    {"CMC", 0, 0, CF},
    {"CLD", 0, 0, 0},
    {"STD", 0, 0, 0},
    // Strings.
    {"MOVSB", STRING, 0, 0},
    {"MOVSW", STRING, 0, 0},
    {"MOVSD", STRING, 0, 0},
    {"LODSB", STRING, 0, 0},
    {"LODSW", STRING, 0, 0},
    {"LODSD", STRING, 0, 0},
    {"STOSB", STRING, 0, 0},
    {"STOSW", STRING, 0, 0},
    {"STOSD", STRING, 0, 0},
    {"CMPSB", STRING | REPCC, 0, 0},
    {"CMPSW", STRING | REPCC, 0, 0},
    {"CMPSD", STRING | REPCC, 0, 0},
    {"SCASB", STRING | REPCC, 0, 0},
    {"SCASW", STRING | REPCC, 0, 0},
    {"SCASD", STRING | REPCC, 0, 0},
    // Control transfer that stays inside the sequence (forward, relative).
    {"JMP", BRANCH | UNCOND | NO_OSIZE, 0, 0},
    {"CALL", BRANCH | UNCOND | NO_OSIZE | CALL, 0, 0},
    CC_RULES("J", BRANCH | NO_OSIZE),
    {"LOOP", BRANCH | NO_OSIZE | COUNT_ECX, 0, 0},
    {"LOOPE", BRANCH | NO_OSIZE | COUNT_ECX, 0, ZF},
    {"LOOPNE", BRANCH | NO_OSIZE | COUNT_ECX, 0, ZF},
    {"JECXZ", BRANCH | NO_OSIZE | COUNT_ECX, 0, 0},
    {"JCXZ", BRANCH | NO_OSIZE | COUNT_ECX, 0, 0},
};

#undef CC_RULES

unsigned operand_bits(const core::DecodedInsn& in) {
  // The destination's size (operand 0), which sets the count rules.
  return in.nops ? in.o[0].size * 8u : in.osize * 8u;
}

}  // namespace

const Rule* fp_rule() {
  static const Rule r{"", FP | NO_OSIZE, 0, 0};
  return &r;
}

CcEffect fp_cc_effect(std::string_view m) {
  constexpr uint16_t C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, ALLCC = C0 | C1 | C2 | C3;
  CcEffect e;
  if (m.empty() || m[0] != 'F') return e;  // MMX/SSE (none starts with F)
  static constexpr std::string_view kAll[] = {"FCOM",   "FCOMP", "FCOMPP", "FUCOM", "FUCOMP", "FUCOMPP", "FICOM",
                                              "FICOMP", "FTST",  "FXAM",   "FPREM", "FPREM1", "FNINIT"};
  static constexpr std::string_view kNone[] = {"FLDCW",        "FNSTCW",        "FNCLEX",       "FNOP", "FWAIT",
                                               "FENI8087_NOP", "FDISI8087_NOP", "FSETPM287_NOP"};
  if (m == "FNSTSW") {
    e.stores_sw = true;
    return e;
  }
  for (auto n : kAll)
    if (m == n) return {ALLCC, 0, false};
  for (auto n : kNone)
    if (m == n) return e;
  // FFREE/FFREEP: "C0 C1 C2 C3 undefined"; the AMD host clears C1.
  if (m == "FFREE" || m == "FFREEP") return {0, ALLCC, false};
  if (m == "FPTAN" || m == "FSIN" || m == "FCOS" || m == "FSINCOS") return {C1 | C2, C0 | C3, false};
  if (m.substr(0, 5) == "FCMOV" || m == "FCOMI" || m == "FCOMIP" || m == "FUCOMI" || m == "FUCOMIP")
    return {0, C0 | C1 | C2 | C3, false};
  return {C1, C0 | C2 | C3, false};
}

const Rule* find_rule(std::string_view mnem) {
  for (const Rule& r : kRules)
    if (r.mnem == mnem) return &r;
  return nullptr;
}

FlagEffect flag_effect(const Rule& r, const core::DecodedInsn& in, int64_t count, uint32_t table_written,
                       uint32_t table_read) {
  FlagEffect e;
  e.reads = (r.reads | table_read) & ALL;
  const uint32_t written = table_written & ALL;
  if (r.gen & (SHIFT | ROTATE | RCROTATE | DSHIFT)) {
    const unsigned bits = operand_bits(in);
    if (count < 0) {  // unknown count: anything it may write becomes unknown
      e.undef = written;
      e.undefined_result = (r.gen & DSHIFT) && bits == 16;
      return e;
    }
    const unsigned c = unsigned(count) & 0x1F;
    if (c == 0) return e;  // no flags change, not even read (RCL/RCR)
    if (r.gen & SHIFT) {
      e.written = CF | OF | SF | ZF | PF | AF;
      e.undef = AF | (c != 1 ? OF : 0);
      const bool shl_shr = r.mnem != "SAR";
      if (shl_shr && c >= bits) e.undef |= CF;
    } else if (r.gen & (ROTATE | RCROTATE)) {
      e.written = CF | OF;
      e.undef = c != 1 ? OF : 0;
    } else {  // SHLD/SHRD
      if (c > bits) {
        e.undefined_result = true;
        return e;
      }
      e.written = CF | OF | SF | ZF | PF | AF;
      e.undef = AF | (c != 1 ? OF : 0);
    }
    if (!(r.gen & RCROTATE)) e.reads &= ~CF;
    e.written &= ~e.undef;
    return e;
  }
  if ((r.gen & STRING) && in.rep != core::REP_NONE && count == 0) {
    e.reads = 0;
    return e;  // REP with ECX = 0: nothing happens
  }
  if ((r.gen & STRING) && in.rep != core::REP_NONE && (r.gen & REPCC)) {
    e.reads = 0;  // REPE/REPNE test ZF from the comparison, not from before
  }
  e.undef = r.undef & written;
  e.written = written & ~e.undef;
  // An instruction that writes undefined values into flags the table does not
  // list still makes them undefined.
  e.undef |= r.undef;
  e.written &= ~e.undef;
  return e;
}

uint32_t cc_reads(unsigned cc) {
  static constexpr std::array<uint32_t, 8> t = {C_O, C_B, C_Z, C_BE, C_S, C_P, C_L, C_LE};
  return t[(cc >> 1) & 7];
}

}  // namespace xlat::fuzz
