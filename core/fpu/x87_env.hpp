// x87/SSE state images in guest memory: the FSTENV/FLDENV environment
// (14 or 28 bytes), the FSAVE/FRSTOR image (94 or 108 bytes: environment +
// ST(0)..ST(7)) and the FXSAVE/FXRSTOR image (512 bytes).
//
// The environment has four layouts (SDM vol. 1 figures 8-9 to 8-12): 16- or
// 32-bit by the operand size, and protected-mode (selector + offset
// pointers) or real-address-mode (20/32-bit linear pointers with the
// opcode squeezed beside them) by CR0.PE and EFLAGS.VM (virtual-8086 mode
// uses the real-mode layout). The tag word is stored in full form, each
// tag derived from the register's contents; reserved halves of the 32-bit
// form read as FFFFH.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"

namespace xlat::core::fpu {

// The full tag word (two bits per physical register).
uint16_t full_tag_word(const FpuState& f);
// Abridged tag bits from a full tag word (a register is in use unless 11B).
uint8_t abridged_tags(uint16_t ftw);

// Environment image (14 bytes if !op32, else 28) of the current state.
void store_env(const Cpu& c, uint8_t* out, bool op32);
// Loads an environment image (FLDENV, FRSTOR); updates ES and FERR#.
void load_env(Cpu& c, const uint8_t* in, bool op32);

// FXSAVE image bytes 0-287 (the rest of the 512 bytes is not written).
constexpr unsigned FXSAVE_WRITTEN = 288;
void store_fxsave(const Cpu& c, uint8_t* out);
// Loads an FXSAVE image; the caller has checked its MXCSR (#GP otherwise).
void load_fxsave(Cpu& c, const uint8_t* in);

}  // namespace xlat::core::fpu
