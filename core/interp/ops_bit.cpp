// Bit operations: BT BTS BTR BTC, BSF BSR, BSWAP.
//
// BTx with an immediate offset takes it modulo the operand size. With a
// register offset and a memory operand the offset is a signed 16/32-bit bit
// number relative to the operand's address, so it may address any word or
// dword below or above it (SDM "bit base, bit offset"): the operand accessed
// is at ea + (offset SAR log2(size bits)) * size bytes (wrapped to 16 bits
// with a 16-bit address size). BTx change only CF; the other flags, undefined
// in the SDM, are left as they were.
//
// BSF/BSR of 0 set ZF and leave the destination unchanged (as P6 does);
// otherwise ZF = 0. Their other flags (undefined) are left unchanged.
// BSWAP of a 16-bit register (undefined in the SDM) clears it, as Intel and
// AMD processors do.
#include "core/interp/alu_util.hpp"

namespace xlat::core {

namespace {

enum class Bt { Test, Set, Reset, Complement };

template <Bt K>
inline void bitop(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size, bits = sz * 8;
  const bool mem = i.o[0].kind == OpKind::Mem;
  uint32_t off = mem ? c.ea(i) : 0;
  uint32_t bit;
  if (i.o[1].kind == OpKind::Imm) {
    bit = i.imm & (bits - 1);
  } else {
    const uint32_t r = c.reg(i.o[1].reg, sz);
    bit = r & (bits - 1);
    if (mem) {
      const int32_t sr = sz == 2 ? int32_t(int16_t(r)) : int32_t(r);
      off += uint32_t((sr >> (sz == 2 ? 4 : 5)) * int32_t(sz));
      if (i.asize == 2) off &= 0xFFFF;
    }
  }
  const uint32_t mask = 1u << bit;
  uint32_t v;
  if constexpr (K == Bt::Test) {
    v = mem ? c.read_sized(i.seg, off, sz) : c.reg(i.o[0].reg, sz);
  } else {
    auto f = [mask](uint32_t x) {
      if constexpr (K == Bt::Set) return x | mask;
      if constexpr (K == Bt::Reset) return x & ~mask;
      return x ^ mask;
    };
    if (mem) {
      v = guest_rmw_sized(c, i.seg, off, sz, i.lock, f);
    } else {
      v = c.reg(i.o[0].reg, sz);
      c.set_reg(i.o[0].reg, sz, f(v));
    }
  }
  c.set_eflags_bits((v & mask) ? fl::CF : 0, fl::CF);
}

template <bool Reverse>
inline void bitscan(Cpu& c, const DecodedInsn& i) {
  const uint32_t s = c.read_op(i, 1);
  if (s == 0) {
    c.set_eflags_bits(fl::ZF, fl::ZF);
    return;
  }
  c.set_reg(i.o[0].reg, i.o[0].size, Reverse ? 31 - __builtin_clz(s) : __builtin_ctz(s));
  c.set_eflags_bits(0, fl::ZF);
}

}  // namespace

void op_bt(Cpu& c, const DecodedInsn& i) { bitop<Bt::Test>(c, i); }
void op_bts(Cpu& c, const DecodedInsn& i) { bitop<Bt::Set>(c, i); }
void op_btr(Cpu& c, const DecodedInsn& i) { bitop<Bt::Reset>(c, i); }
void op_btc(Cpu& c, const DecodedInsn& i) { bitop<Bt::Complement>(c, i); }
void op_bsf(Cpu& c, const DecodedInsn& i) { bitscan<false>(c, i); }
void op_bsr(Cpu& c, const DecodedInsn& i) { bitscan<true>(c, i); }

void op_bswap(Cpu& c, const DecodedInsn& i) {
  const unsigned r = i.o[0].reg;
  if (i.o[0].size == 4) c.set_reg(r, 4, __builtin_bswap32(c.reg(r, 4)));
  else c.set_reg(r, 2, 0);
}

}  // namespace xlat::core
