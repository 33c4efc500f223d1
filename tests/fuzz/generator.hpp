// Random valid instruction sequences for 32-bit flat protected mode.
//
// A sequence is a list of units; a unit is one instruction from the catalog,
// preceded by the `mov r32, imm32` (or `push imm32`) set-up it needs:
//  - memory operands get a base (and index) register pointing into the data
//    area, through every ModRM/SIB shape: [disp32], [base], [base+disp8/32],
//    [base+index*scale+disp], [index*scale+disp32], [esp+disp] (the stack),
//    and 16-bit forms under a 67 prefix ([bx+si+disp] ...), with wrap-around
//    offsets so that address arithmetic modulo 2^32 / 2^16 is exercised;
//  - string ops get ESI/EDI in the data area and a small REP count in ECX;
//  - shifts by CL get a count in ECX (so the flags they leave undefined are
//    known), DIV/IDIV usually a dividend that does not overflow, BT* with a
//    register bit offset a small offset, ENTER a small frame, LEAVE an EBP in
//    the stack area, POPF a PUSH of a safe EFLAGS image;
//  - relative branches jump forward to the start of a later unit (or to the
//    end), so every sequence terminates.
// Prefixes: 66 (where it does not truncate EIP or make a result undefined),
// 67 (16-bit addressing, set up to stay in the data area), segment
// overrides ES/SS/DS/FS/GS (all flat), LOCK on lockable memory forms, REP/
// REPE/REPNE on string ops. The generator never lets an instruction read a
// flag an earlier one left undefined, and never writes ESP except through
// the stack instructions.
#pragma once

#include <cstdint>

#include "tests/fuzz/sequence.hpp"

namespace xlat::fuzz {

class Generator {
 public:
  Generator(const Catalog& cat, uint64_t seed) : cat_(cat), seed_(seed) {}
  // The sequence number `index` of this seed, `units` units long.
  Sequence make(uint64_t index, unsigned units) const;

 private:
  const Catalog& cat_;
  uint64_t seed_;
};

}  // namespace xlat::fuzz
