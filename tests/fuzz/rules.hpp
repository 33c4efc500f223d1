// What the fuzzer knows about each instruction beyond the instruction table:
// how to generate it safely (operand set-up it needs, prefixes it accepts),
// which flags the SDM leaves undefined, and which flags it reads (a backup
// for the table's flags_read column: a generated instruction must not read a
// flag an earlier instruction left undefined).
//
// Rules are keyed by the Zydis mnemonic name, the identity the instruction
// table uses (its second column). An instruction the table lists but that has
// no rule here is not generated (the fuzzer says so with --list-forms): a new
// instruction needs one line here to be fuzzed.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/decode/decoded_insn.hpp"

namespace xlat::fuzz {

// Generation behaviour (Rule::gen bits).
namespace gen {
constexpr uint32_t READS_OPS = 1u << 0;    // does not write its explicit operands (ESP may be one)
constexpr uint32_t WRITES_ALL = 1u << 1;   // writes every explicit operand (no ESP anywhere)
constexpr uint32_t LOCKABLE = 1u << 2;     // LOCK is legal with a memory destination
constexpr uint32_t BRANCH = 1u << 3;       // relative branch: target patched to a later unit
constexpr uint32_t UNCOND = 1u << 4;       // the branch always jumps (no fall-through)
constexpr uint32_t NO_OSIZE = 1u << 5;     // no 66 prefix (16-bit result undefined, or EIP truncation)
constexpr uint32_t SHIFT = 1u << 6;        // SHL/SHR/SAR: count-dependent flags
constexpr uint32_t ROTATE = 1u << 7;       // ROL/ROR
constexpr uint32_t RCROTATE = 1u << 8;     // RCL/RCR
constexpr uint32_t DSHIFT = 1u << 9;       // SHLD/SHRD
constexpr uint32_t DIVIDE = 1u << 10;      // DIV/IDIV: usually clear the high half first
constexpr uint32_t STRING = 1u << 11;      // string op: ESI/EDI/ECX set up, REP allowed
constexpr uint32_t REPCC = 1u << 12;       // CMPS/SCAS: REPNE allowed too
constexpr uint32_t XLAT = 1u << 13;        // EBX points into the data area
constexpr uint32_t BITOFF = 1u << 14;      // BT* with a register bit offset: keep it small
constexpr uint32_t ENTER = 1u << 15;       // small frame size and nesting level, EBP on the stack
constexpr uint32_t LEAVE = 1u << 16;       // EBP points into the stack area
constexpr uint32_t POPF = 1u << 17;        // preceded by PUSH imm32 of a safe EFLAGS image
constexpr uint32_t CALL = 1u << 18;        // pushes a return address (same in every engine)
constexpr uint32_t NOT_NATIVE = 1u << 19;  // result depends on what only the emulators share
constexpr uint32_t NO_MEM = 1u << 20;      // memory operand not accessed (LEA)
constexpr uint32_t COUNT_ECX = 1u << 21;   // LOOP/JECXZ family (ECX is the counter)
constexpr uint32_t FP = 1u << 22;          // x87/MMX/SSE/SSE2 (fp family): no 66 prefix added (it
                                           // is part of the form), m128 operands usually aligned
}  // namespace gen

struct Rule {
  std::string_view mnem;  // Zydis mnemonic (the table's second column)
  uint32_t gen;           // gen:: bits
  uint32_t undef;         // arithmetic flags the SDM leaves undefined (static part)
  uint32_t reads;         // arithmetic flags read (in addition to the table)
};

// The rule for a Zydis mnemonic name, or nullptr.
const Rule* find_rule(std::string_view mnem);

// The rule every x87/MMX/SSE/SSE2 table row gets (their flags are all in the
// table's columns: FCOMI/COMISS write ZF PF CF and clear OF SF AF, FCMOVcc
// read theirs; none leaves an arithmetic flag undefined).
const Rule* fp_rule();

// Effect of an x87 instruction on the condition codes C0-C3 (FSW bits 8, 9,
// 10, 14) per the SDM's "FPU Flags Affected": most arithmetic defines C1 only
// (C0 C2 C3 undefined); compares, FXAM, FPREM/FPREM1 and FNINIT define all
// four; FPTAN/FSIN/FCOS/FSINCOS define C1 and C2. FCMOVcc and FCOMI/FUCOMI(P)
// define C1 only on a stack underflow ("set to 0 if stack underflow
// occurred"): C1 is treated as undefined after them too, and all four after
// FFREE/FFREEP (the AMD host clears C1 there). The other control
// instructions (FLDCW, FNSTCW, FNSTSW, FNCLEX, FNOP, FWAIT) and MMX/SSE leave
// the codes as they are (what CPUs do with them).
struct CcEffect {
  uint16_t written = 0, undef = 0;
  bool stores_sw = false;  // FNSTSW: its result holds the codes
};
CcEffect fp_cc_effect(std::string_view mnem);

// Effect of one generated instruction on the arithmetic flags, given what the
// generator knows statically (the shift count, a REP count).
struct FlagEffect {
  uint32_t reads = 0;    // flags whose value matters to the instruction
  uint32_t written = 0;  // flags given a defined value
  uint32_t undef = 0;    // flags left undefined
  bool undefined_result = false;  // the destination itself is undefined (never generate)
};

// `count` is the shift/rotate count (before masking) or the REP count, or -1
// when unknown; `table_written` is the instruction table's flags_written.
FlagEffect flag_effect(const Rule& r, const core::DecodedInsn& in, int64_t count, uint32_t table_written,
                       uint32_t table_read);

// Flags a condition code (low nibble of Jcc/SETcc/CMOVcc) reads.
uint32_t cc_reads(unsigned cc);

}  // namespace xlat::fuzz
