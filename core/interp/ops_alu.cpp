// Integer arithmetic and logic: ADD ADC SUB SBB AND OR XOR CMP TEST, INC DEC
// NEG NOT, XADD CMPXCHG CMPXCHG8B, and the sign extensions CBW CWDE CWD CDQ.
//
// Flags are lazy (core/flags.hpp): each handler records the operation and its
// operands, and a later reader (Jcc, SETcc, PUSHF...) derives the flag it
// needs. ADC/SBB record LF_ADC/LF_SBB when the carry in is 1 and plain
// LF_ADD/LF_SUB otherwise. Undefined flags: AF after AND/OR/XOR/TEST is 0.
#include "core/interp/alu_util.hpp"

namespace xlat::core {

namespace {

enum class Bin { Add, Or, Adc, Sbb, And, Sub, Xor, Cmp, Test };

template <Bin K>
inline uint32_t bin_calc(uint32_t a, uint32_t b, uint32_t cin) {
  if constexpr (K == Bin::Add) return a + b;
  if constexpr (K == Bin::Adc) return a + b + cin;
  if constexpr (K == Bin::Sub || K == Bin::Cmp) return a - b;
  if constexpr (K == Bin::Sbb) return a - b - cin;
  if constexpr (K == Bin::And || K == Bin::Test) return a & b;
  if constexpr (K == Bin::Or) return a | b;
  if constexpr (K == Bin::Xor) return a ^ b;
}

template <Bin K>
inline void binop(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size;
  const uint32_t b = alu::src(c, i, 1);
  uint32_t cin = 0;
  if constexpr (K == Bin::Adc || K == Bin::Sbb) cin = c.flag(fl::CF) ? 1 : 0;
  uint32_t a;
  if constexpr (K == Bin::Cmp || K == Bin::Test) {
    a = alu::read_dst(c, i);
  } else {
    a = alu::update_dst(c, i, [b, cin](uint32_t x) { return bin_calc<K>(x, b, cin); });
  }
  const uint32_t r = bin_calc<K>(a, b, cin);
  if constexpr (K == Bin::Add) c.lazy(LF_ADD, r, a, b, sz);
  if constexpr (K == Bin::Adc) c.lazy(cin ? LF_ADC : LF_ADD, r, a, b, sz);
  if constexpr (K == Bin::Sub || K == Bin::Cmp) c.lazy(LF_SUB, r, a, b, sz);
  if constexpr (K == Bin::Sbb) c.lazy(cin ? LF_SBB : LF_SUB, r, a, b, sz);
  if constexpr (K == Bin::And || K == Bin::Or || K == Bin::Xor || K == Bin::Test)
    c.lazy(LF_LOGIC, r, a, b, sz);
}

}  // namespace

void op_add(Cpu& c, const DecodedInsn& i) { binop<Bin::Add>(c, i); }
void op_or(Cpu& c, const DecodedInsn& i) { binop<Bin::Or>(c, i); }
void op_adc(Cpu& c, const DecodedInsn& i) { binop<Bin::Adc>(c, i); }
void op_sbb(Cpu& c, const DecodedInsn& i) { binop<Bin::Sbb>(c, i); }
void op_and(Cpu& c, const DecodedInsn& i) { binop<Bin::And>(c, i); }
void op_sub(Cpu& c, const DecodedInsn& i) { binop<Bin::Sub>(c, i); }
void op_xor(Cpu& c, const DecodedInsn& i) { binop<Bin::Xor>(c, i); }
void op_cmp(Cpu& c, const DecodedInsn& i) { binop<Bin::Cmp>(c, i); }
void op_test(Cpu& c, const DecodedInsn& i) { binop<Bin::Test>(c, i); }

void op_inc(Cpu& c, const DecodedInsn& i) {
  const uint32_t a = alu::update_dst(c, i, [](uint32_t x) { return x + 1; });
  c.lazy(LF_INC, a + 1, a, 1, i.o[0].size);
}

void op_dec(Cpu& c, const DecodedInsn& i) {
  const uint32_t a = alu::update_dst(c, i, [](uint32_t x) { return x - 1; });
  c.lazy(LF_DEC, a - 1, a, 1, i.o[0].size);
}

void op_neg(Cpu& c, const DecodedInsn& i) {
  const uint32_t a = alu::update_dst(c, i, [](uint32_t x) { return 0u - x; });
  c.lazy(LF_SUB, 0u - a, 0, a, i.o[0].size);  // CF = (a != 0)
}

void op_not(Cpu& c, const DecodedInsn& i) {
  alu::update_dst(c, i, [](uint32_t x) { return ~x; });
}

// XADD dest, src: TEMP = dest + src; src = dest; dest = TEMP (dest written
// last, so XADD r, r leaves the sum).
void op_xadd(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size, sreg = i.o[1].reg;
  const uint32_t s = c.reg(sreg, sz);
  uint32_t d;
  if (i.o[0].kind == OpKind::Reg) {
    d = c.reg(i.o[0].reg, sz);
    c.set_reg(sreg, sz, d);
    c.set_reg(i.o[0].reg, sz, d + s);
  } else {
    d = alu::update_dst(c, i, [s](uint32_t x) { return x + s; });
    c.set_reg(sreg, sz, d);
  }
  c.lazy(LF_ADD, d + s, d, s, sz);
}

// CMPXCHG dest, src: compares the accumulator with dest (flags of CMP); if
// equal dest = src, else the accumulator = dest. A memory destination is
// written in both cases (with its own value on failure), as the SDM says.
void op_cmpxchg(Cpu& c, const DecodedInsn& i) {
  const unsigned sz = i.o[0].size;
  const uint32_t acc = c.reg(EAX, sz), s = c.reg(i.o[1].reg, sz);
  const uint32_t d = alu::update_dst(c, i, [acc, s](uint32_t x) { return x == acc ? s : x; });
  c.lazy(LF_SUB, acc - d, acc, d, sz);
  if (d != acc) c.set_reg(EAX, sz, d);
}

// CMPXCHG8B m64: compares EDX:EAX with m64; if equal m64 = ECX:EBX and ZF = 1,
// else EDX:EAX = m64 (written back) and ZF = 0. Other flags are unchanged.
// The register form does not decode (#UD).
void op_cmpxchg8b(Cpu& c, const DecodedInsn& i) {
  const uint64_t cmp = (uint64_t(c.reg(EDX, 4)) << 32) | c.reg(EAX, 4);
  const uint64_t nv = (uint64_t(c.reg(ECX, 4)) << 32) | c.reg(EBX, 4);
  const uint64_t d = guest_rmw<uint64_t>(c, i.seg, c.ea(i), i.lock,
                                         [cmp, nv](uint64_t x) { return x == cmp ? nv : x; });
  if (d == cmp) {
    c.set_eflags_bits(fl::ZF, fl::ZF);
  } else {
    c.set_reg(EAX, 4, uint32_t(d));
    c.set_reg(EDX, 4, uint32_t(d >> 32));
    c.set_eflags_bits(0, fl::ZF);
  }
}

void op_cbw(Cpu& c, const DecodedInsn&) { c.set_reg(EAX, 2, uint32_t(int32_t(int8_t(c.reg(EAX, 1))))); }
void op_cwde(Cpu& c, const DecodedInsn&) { c.set_reg(EAX, 4, uint32_t(int32_t(int16_t(c.reg(EAX, 2))))); }
void op_cwd(Cpu& c, const DecodedInsn&) { c.set_reg(EDX, 2, (c.reg(EAX, 2) & 0x8000) ? 0xFFFF : 0); }
void op_cdq(Cpu& c, const DecodedInsn&) { c.set_reg(EDX, 4, (c.reg(EAX, 4) & 0x80000000u) ? 0xFFFFFFFFu : 0); }

}  // namespace xlat::core
