// The instruction table: one row per instruction (Zydis mnemonic) naming its
// interpreter handler, the arithmetic flags it reads and writes, and its
// attributes. Interpreter dispatch, the translator's fallback and liveness,
// the fuzzer's instruction list and traces all read this one table.
//
// The rows live in core/isa/table_<group>.inc files, one per instruction
// family, each next to the ops/<group>.cpp that implements its handlers:
//   X(Name, ZydisMnemonic, handler, flags_read, flags_written, attributes)
// A new instruction = one row + one handler + one test.
#pragma once

#include <cstdint>

#include "core/decode/decoded_insn.hpp"
#include "core/flags.hpp"

namespace xlat::core {

// Flag masks for the table's flags columns.
namespace isa_flags {
constexpr uint32_t F_NONE = 0, F_CF = fl::CF, F_PF = fl::PF, F_AF = fl::AF, F_ZF = fl::ZF,
                   F_SF = fl::SF, F_OF = fl::OF, F_DF = fl::DF, F_IF = fl::IF,
                   F_ALL = fl::ARITH, F_ALLNC = fl::ARITH & ~fl::CF,
                   F_ANY = 0xFFFFFFFFu;  // reads/writes every flag (PUSHF/POPF/IRET, helpers)
}

// Attribute bits.
namespace isa_attr {
constexpr uint32_t A_NONE = 0;
constexpr uint32_t A_END = 1u << 0;     // ends a block (control transfer)
constexpr uint32_t A_PRIV = 1u << 1;    // requires CPL 0 (#GP(0) otherwise; checked before the handler)
constexpr uint32_t A_FAULT = 1u << 2;   // may raise an exception
constexpr uint32_t A_IO = 1u << 3;      // port I/O
constexpr uint32_t A_MODE = 1u << 4;    // may change the mode bits (ends the block after it)
constexpr uint32_t A_MEM = 1u << 5;     // accesses memory beyond its explicit operand (stack, strings, tables)
constexpr uint32_t A_FPU = 1u << 6;     // x87/MMX/SSE (CR0.EM/TS checks)
}

enum Op : uint16_t {
#define X(name, zy, fn, fr, fw, at) OP_##name,
#include "core/isa/table.inc"
#undef X
  OP_COUNT
};

struct OpInfo {
  const char* name;
  Handler fn;
  uint32_t flags_read;
  uint32_t flags_written;
  uint32_t attrs;
};

extern const OpInfo op_info[OP_COUNT];

// Table row for a Zydis mnemonic number (OP_INVALID if the CPU lacks it).
uint16_t op_for_mnemonic(unsigned zydis_mnemonic);

// Picks the table row for a decoded instruction's form where one Zydis
// mnemonic covers forms with different attributes (MOV to a segment or
// control register, far JMP/CALL). Called by the decoder.
uint16_t refine_form(uint16_t op, const DecodedInsn& in);

// Every handler named by the table.
#define X(name, zy, fn, fr, fw, at) void fn(Cpu&, const DecodedInsn&);
#include "core/isa/table.inc"
#undef X

}  // namespace xlat::core
