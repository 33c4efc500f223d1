// Shifts and rotates: SHL/SAL SHR SAR ROL ROR RCL RCR, SHLD SHRD.
//
// The count (CL or an immediate) is masked to 5 bits; a masked count of 0
// changes neither the operand nor any flag. RCL/RCR rotate through CF over
// size+1 bits, so an 8/16-bit operand rotates by count mod 9/17.
//
// Flags follow the SDM; where it leaves them undefined we use the "last
// 1-bit step" rule P6-class hardware is known for, so every count gives the
// same formula as a count of 1:
//   SHL, SHLD, ROL, RCL: OF = MSB(result) XOR CF (CF after the operation);
//   SHR, SHRD, ROR, RCR: OF = MSB(result) XOR next-to-MSB(result)
//                        (so SHR gives MSB(original) for 1 and 0 above);
//   SAR: OF = 0; AF = 0 after SHL/SHR/SAR/SHLD/SHRD;
//   SHL/SHR by more than the operand size: CF = 0 (every bit shifted out
//   so far was 0), the result is 0.
// Rotates change only CF and OF. SHLD/SHRD of a 16-bit operand by 17-31
// (result undefined in the SDM) shift the 48-bit value dest:src:dest, so the
// bits coming in after the source are the destination's own again.
#include "core/interp/alu_util.hpp"

namespace xlat::core {

namespace {

enum class Sh { Shl, Shr, Sar, Rol, Ror, Rcl, Rcr };

inline uint32_t msb(uint32_t r, unsigned bits) { return (r >> (bits - 1)) & 1; }
inline uint32_t msb2(uint32_t r, unsigned bits) { return (r >> (bits - 2)) & 1; }
inline uint32_t of_if(uint32_t v) { return v ? fl::OF : 0; }

// Rotate through carry of the (bits+1)-bit value CF:x by k (0..bits) places;
// returns the new CF:result.
inline uint64_t rc_left(uint64_t v, unsigned k, unsigned bits) {
  const unsigned w = bits + 1;
  const uint64_t m = (uint64_t(1) << w) - 1;
  return k ? ((v << k) | (v >> (w - k))) & m : v;
}
inline uint64_t rc_right(uint64_t v, unsigned k, unsigned bits) {
  const unsigned w = bits + 1;
  const uint64_t m = (uint64_t(1) << w) - 1;
  return k ? ((v >> k) | (v << (w - k))) & m : v;
}

// The result of a shift/rotate of x (zero-extended, `bits` wide) by n (1..31).
template <Sh K>
inline uint32_t calc(uint32_t x, unsigned n, unsigned bits, uint32_t cf) {
  if constexpr (K == Sh::Shl) return x << n;
  if constexpr (K == Sh::Shr) return x >> n;
  if constexpr (K == Sh::Sar) {
    const int32_t sx = int32_t(x << (32 - bits)) >> (32 - bits);
    return uint32_t(sx >> n);
  }
  if constexpr (K == Sh::Rol) {
    const unsigned k = n & (bits - 1);
    return k ? (x << k) | (x >> (bits - k)) : x;
  }
  if constexpr (K == Sh::Ror) {
    const unsigned k = n & (bits - 1);
    return k ? (x >> k) | (x << (bits - k)) : x;
  }
  if constexpr (K == Sh::Rcl) return uint32_t(rc_left((uint64_t(cf) << bits) | x, n % (bits + 1), bits));
  if constexpr (K == Sh::Rcr) return uint32_t(rc_right((uint64_t(cf) << bits) | x, n % (bits + 1), bits));
}

template <Sh K>
inline void shift(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size, bits = sz * 8;
  const uint32_t m = size_mask(sz);
  const unsigned n = alu::count(c, i, 1);
  if (n == 0) {
    alu::read_dst(c, i);  // the operand is still read (and may fault)
    return;
  }
  uint32_t cf_in = 0;
  if constexpr (K == Sh::Rcl || K == Sh::Rcr) cf_in = c.flag(fl::CF) ? 1 : 0;
  const uint32_t x = alu::update_dst(c, i, [n, bits, cf_in](uint32_t v) { return calc<K>(v, n, bits, cf_in); });
  const uint32_t r = calc<K>(x, n, bits, cf_in) & m;
  uint32_t cf;
  if constexpr (K == Sh::Shl) {
    cf = n <= bits ? (x >> (bits - n)) & 1 : 0;
    alu::put_arith(c, alu::szp(r, sz) | cf | of_if(cf ^ msb(r, bits)));
  } else if constexpr (K == Sh::Shr) {
    cf = (x >> (n - 1)) & 1;
    alu::put_arith(c, alu::szp(r, sz) | cf | of_if(msb(r, bits) ^ msb2(r, bits)));
  } else if constexpr (K == Sh::Sar) {
    const int32_t sx = int32_t(x << (32 - bits)) >> (32 - bits);
    cf = uint32_t(sx >> (n - 1)) & 1;
    alu::put_arith(c, alu::szp(r, sz) | cf);
  } else if constexpr (K == Sh::Rol) {
    cf = r & 1;
    c.set_eflags_bits(cf | of_if(cf ^ msb(r, bits)), fl::CF | fl::OF);
  } else if constexpr (K == Sh::Ror) {
    cf = msb(r, bits);
    c.set_eflags_bits(cf | of_if(msb(r, bits) ^ msb2(r, bits)), fl::CF | fl::OF);
  } else if constexpr (K == Sh::Rcl) {
    cf = uint32_t(rc_left((uint64_t(cf_in) << bits) | x, n % (bits + 1), bits) >> bits) & 1;
    c.set_eflags_bits(cf | of_if(cf ^ msb(r, bits)), fl::CF | fl::OF);
  } else {
    cf = uint32_t(rc_right((uint64_t(cf_in) << bits) | x, n % (bits + 1), bits) >> bits) & 1;
    c.set_eflags_bits(cf | of_if(msb(r, bits) ^ msb2(r, bits)), fl::CF | fl::OF);
  }
}

// SHLD/SHRD over the value v (64 bits for 32-bit operands: dest:src or
// src:dest; 48 bits dest:src:dest for 16-bit operands).
inline uint64_t dshift_value(uint32_t x, uint32_t s, unsigned bits, bool left) {
  if (bits == 32) return left ? (uint64_t(x) << 32) | s : (uint64_t(s) << 32) | x;
  return (uint64_t(x) << 32) | (uint64_t(s) << 16) | x;
}

template <bool Left>
inline void dshift(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size, bits = sz * 8, w = bits == 32 ? 64 : 48;
  const uint32_t m = size_mask(sz);
  const unsigned n = alu::count(c, i, 2);
  if (n == 0) {
    alu::read_dst(c, i);
    return;
  }
  const uint32_t s = c.reg(i.o[1].reg, sz);
  auto f = [=](uint32_t x) {
    const uint64_t v = dshift_value(x, s, bits, Left);
    return uint32_t(Left ? v >> (w - bits - n) : v >> n) & m;
  };
  const uint32_t x = alu::update_dst(c, i, f);
  const uint32_t r = f(x);
  const uint64_t v = dshift_value(x, s, bits, Left);
  if constexpr (Left) {
    const uint32_t cf = uint32_t(v >> (w - n)) & 1;
    alu::put_arith(c, alu::szp(r, sz) | cf | of_if(cf ^ msb(r, bits)));
  } else {
    const uint32_t cf = uint32_t(v >> (n - 1)) & 1;
    alu::put_arith(c, alu::szp(r, sz) | cf | of_if(msb(r, bits) ^ msb2(r, bits)));
  }
}

}  // namespace

void op_shl(Cpu& c, const DecodedInsn& i) { shift<Sh::Shl>(c, i); }
void op_shr(Cpu& c, const DecodedInsn& i) { shift<Sh::Shr>(c, i); }
void op_sar(Cpu& c, const DecodedInsn& i) { shift<Sh::Sar>(c, i); }
void op_rol(Cpu& c, const DecodedInsn& i) { shift<Sh::Rol>(c, i); }
void op_ror(Cpu& c, const DecodedInsn& i) { shift<Sh::Ror>(c, i); }
void op_rcl(Cpu& c, const DecodedInsn& i) { shift<Sh::Rcl>(c, i); }
void op_rcr(Cpu& c, const DecodedInsn& i) { shift<Sh::Rcr>(c, i); }
void op_shld(Cpu& c, const DecodedInsn& i) { dshift<true>(c, i); }
void op_shrd(Cpu& c, const DecodedInsn& i) { dshift<false>(c, i); }

}  // namespace xlat::core
