// Decoding a guest block for translation, with the interpreter's block rules
// (core/interp/interpreter.hpp) so that both engines cut the instruction
// stream at the same places — and therefore check interrupts and deadlines at
// the same instruction counts, which keeps them comparable in lockstep — and
// arithmetic-flag liveness over the block.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/cpu.hpp"
#include "translator/block.hpp"

namespace xlat::translator {

constexpr unsigned MAX_BLOCK_INSNS = 64;  // the interpreter's Interpreter::MAX_BLOCK
// Host code of one block: at most MAX_BLOCK_CODE bytes. Every instruction's
// emission is bounded (a few hundred bytes at worst: segment checks, probe,
// flag save, slow path), so MAX_BLOCK_INSNS of them stay under it; a block
// over it is a translator bug (translate_block throws). The code cache is
// never smaller than MIN_CODE_CACHE, which holds the runtime and the largest
// block, so a flush always makes room (tests/translator/jit_bounds_test.cpp).
constexpr size_t MAX_BLOCK_CODE = 40 * 1024;
constexpr size_t MIN_CODE_CACHE = 64 * 1024;

// Fills b.insns, b.pages and b.bytes from the code at CS:b.key.eip (physical
// address b.key.phys). A fault fetching the first instruction is raised (a
// GuestFault); a later instruction that cannot be fetched ends the block
// before it. Marks the pages as code pages on the bus.
void decode_block(core::Cpu& c, Block& b);

// Flags an instruction reads and writes, refined for immediate shift counts.
uint32_t insn_flags_read(const core::DecodedInsn& in);
uint32_t insn_flags_written(const core::DecodedInsn& in);

// live[k] = the arithmetic flags whose value after instruction k may still be
// observed: read by a later instruction of the block, or by anything after
// the block, or needed exactly because a later instruction may fault
// (may_fault[k'] treats every flag as read at its start).
std::vector<uint32_t> flag_liveness(const std::vector<core::DecodedInsn>& insns,
                                    const std::vector<bool>& may_fault);

}  // namespace xlat::translator
