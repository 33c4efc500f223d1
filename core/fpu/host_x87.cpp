// x87 backend for x86 hosts: each operation runs the same x87 instruction
// on the host FPU (see host_x87.hpp for the contract).
//
// Every asm block is self-contained: it saves the host control word, clears
// the host status flags, loads the guest's control word (invalid, denormal,
// zero-divide and precision exceptions masked so the host always completes
// the operation; overflow/underflow masks as the guest has them, since they
// change the result), loads its operands with FLD m80 (which never raises),
// runs the instruction, reads the status word with FNSTSW and clears it with
// FNCLEX before any waiting instruction could trap on an unmasked
// overflow/underflow, stores the results and restores the control word. The
// host x87 stack is left empty as the x86-64 ABI requires; FSINCOS/FPTAN,
// whose stack depth depends on the operand, end with FNINIT instead.
//
// No C++ code here does long-double arithmetic, so the compiler never has
// x87 values of its own live across these blocks.
#include "core/fpu/host_x87.hpp"

#include <cstring>

#if !defined(__x86_64__) && !defined(__i386__)
#error "core/fpu/host_x87.cpp needs an x86 host; a portable backend implements host_x87.hpp in software"
#endif

namespace xlat::core::fpu {

namespace {

constexpr uint16_t host_cw(uint16_t guest_cw) {
  // Keep PC, RC, OM, UM from the guest; IM, DM, ZM, PM masked; bit 6 set.
  return uint16_t((guest_cw & 0x0F18) | 0x0067 | 0x0040);
}

#define X87_PRE "fnstcw %[saved]\n\tfnclex\n\tfldcw %[hcw]\n\t"
#define X87_MID "fnstsw %[sw]\n\tfnclex\n\t"
#define X87_END "fldcw %[saved]\n\t"
#define X87_OUTS [saved] "=m"(saved), [sw] "=m"(sw)
#define X87_INS [hcw] "m"(hcw)
#define X87_CLOBBERS "st", "st(1)", "st(2)", "memory"

// ST(0) <- a OP b, register form.
#define ARITH_REG(insn)                                                                       \
  asm volatile(X87_PRE "fldt %[b]\n\tfldt %[a]\n\t" insn " %%st(1), %%st\n\t" X87_MID         \
               "fstpt %[r]\n\tfstp %%st(0)\n\t" X87_END                                       \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : [a] "m"(a), [b] "m"(b), X87_INS                                              \
               : X87_CLOBBERS)

// ST(0) <- a OP m for one memory format.
#define ARITH_MEM(insn, var)                                                                  \
  asm volatile(X87_PRE "fldt %[a]\n\t" insn " %[m]\n\t" X87_MID "fstpt %[r]\n\t" X87_END     \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : [a] "m"(a), [m] "m"(var), X87_INS                                            \
               : X87_CLOBBERS)

#define ARITH_MEM_ALL(root)                                        \
  switch (f) {                                                     \
    case Fmt::F32: ARITH_MEM("f" root "s", m32); break;            \
    case Fmt::F64: ARITH_MEM("f" root "l", m64); break;            \
    case Fmt::I16: ARITH_MEM("fi" root "s", m16); break;           \
    default: ARITH_MEM("fi" root "l", m32); break;                 \
  }

}  // namespace

X87Out x87_arith(Arith op, uint16_t cw, const F80& a, const F80& b) {
  X87Out o{};
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
  switch (op) {
    case Arith::Add: ARITH_REG("fadd"); break;
    case Arith::Mul: ARITH_REG("fmul"); break;
    case Arith::Sub: ARITH_REG("fsub"); break;
    case Arith::SubR: ARITH_REG("fsubr"); break;
    case Arith::Div: ARITH_REG("fdiv"); break;
    case Arith::DivR: ARITH_REG("fdivr"); break;
  }
  o.sw = sw;
  return o;
}

X87Out x87_arith_mem(Arith op, Fmt f, uint16_t cw, const F80& a, const void* m) {
  X87Out o{};
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
  uint16_t m16 = 0;
  uint32_t m32 = 0;
  uint64_t m64 = 0;
  if (f == Fmt::I16) std::memcpy(&m16, m, 2);
  else if (f == Fmt::F64) std::memcpy(&m64, m, 8);
  else std::memcpy(&m32, m, 4);
  switch (op) {
    case Arith::Add: ARITH_MEM_ALL("add"); break;
    case Arith::Mul: ARITH_MEM_ALL("mul"); break;
    case Arith::Sub: ARITH_MEM_ALL("sub"); break;
    case Arith::SubR: ARITH_MEM_ALL("subr"); break;
    case Arith::Div: ARITH_MEM_ALL("div"); break;
    case Arith::DivR: ARITH_MEM_ALL("divr"); break;
  }
  o.sw = sw;
  return o;
}

uint16_t x87_compare(bool unordered, uint16_t cw, const F80& a, const F80& b) {
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
#define CMP_REG(insn)                                                                         \
  asm volatile(X87_PRE "fldt %[b]\n\tfldt %[a]\n\t" insn " %%st(1)\n\t" X87_MID              \
               "fstp %%st(0)\n\tfstp %%st(0)\n\t" X87_END                                     \
               : X87_OUTS                                                                     \
               : [a] "m"(a), [b] "m"(b), X87_INS                                              \
               : X87_CLOBBERS)
  if (unordered) CMP_REG("fucom");
  else CMP_REG("fcom");
#undef CMP_REG
  return sw;
}

uint16_t x87_compare_mem(Fmt f, uint16_t cw, const F80& a, const void* m) {
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
  uint16_t m16 = 0;
  uint32_t m32 = 0;
  uint64_t m64 = 0;
  if (f == Fmt::I16) std::memcpy(&m16, m, 2);
  else if (f == Fmt::F64) std::memcpy(&m64, m, 8);
  else std::memcpy(&m32, m, 4);
#define CMP_MEM(insn, var)                                                                    \
  asm volatile(X87_PRE "fldt %[a]\n\t" insn " %[m]\n\t" X87_MID "fstp %%st(0)\n\t" X87_END   \
               : X87_OUTS                                                                     \
               : [a] "m"(a), [m] "m"(var), X87_INS                                            \
               : X87_CLOBBERS)
  switch (f) {
    case Fmt::F32: CMP_MEM("fcoms", m32); break;
    case Fmt::F64: CMP_MEM("fcoml", m64); break;
    case Fmt::I16: CMP_MEM("ficoms", m16); break;
    default: CMP_MEM("ficoml", m32); break;
  }
#undef CMP_MEM
  return sw;
}

X87Out x87_load(Fmt f, uint16_t cw, const void* m) {
  X87Out o{};
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
  struct {
    uint8_t b[16];
  } mm{};
  std::memcpy(mm.b, m, fmt_size(f));
#define LOAD(insn)                                                                            \
  asm volatile(X87_PRE insn " %[m]\n\t" X87_MID "fstpt %[r]\n\t" X87_END                     \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : [m] "m"(mm), X87_INS                                                         \
               : X87_CLOBBERS)
  switch (f) {
    case Fmt::F32: LOAD("flds"); break;
    case Fmt::F64: LOAD("fldl"); break;
    case Fmt::I16: LOAD("filds"); break;
    case Fmt::I32: LOAD("fildl"); break;
    case Fmt::I64: LOAD("fildll"); break;
    case Fmt::Bcd: LOAD("fbld"); break;
    case Fmt::F80: LOAD("fldt"); break;
  }
#undef LOAD
  o.sw = sw;
  return o;
}

uint16_t x87_store(Fmt f, uint16_t cw, const F80& a, void* m) {
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
  struct {
    uint8_t b[16];
  } mm{};
  // Non-popping forms where they exist; FISTP m64 and FBSTP pop a copy.
#define STORE(insn)                                                                           \
  asm volatile(X87_PRE "fldt %[a]\n\t" insn " %[m]\n\t" X87_MID "fstp %%st(0)\n\t" X87_END   \
               : [m] "+m"(mm), X87_OUTS                                                       \
               : [a] "m"(a), X87_INS                                                          \
               : X87_CLOBBERS)
#define STORE_POP(insn)                                                                       \
  asm volatile(X87_PRE "fldt %[a]\n\tfld %%st(0)\n\t" insn " %[m]\n\t" X87_MID               \
               "fstp %%st(0)\n\t" X87_END                                                     \
               : [m] "+m"(mm), X87_OUTS                                                       \
               : [a] "m"(a), X87_INS                                                          \
               : X87_CLOBBERS)
  switch (f) {
    case Fmt::F32: STORE("fsts"); break;
    case Fmt::F64: STORE("fstl"); break;
    case Fmt::I16: STORE("fists"); break;
    case Fmt::I32: STORE("fistl"); break;
    case Fmt::I64: STORE_POP("fistpll"); break;
    case Fmt::Bcd: STORE_POP("fbstp"); break;
    case Fmt::F80: std::memcpy(mm.b, &a, 10); break;
  }
#undef STORE
#undef STORE_POP
  std::memcpy(m, mm.b, fmt_size(f));
  return sw;
}

X87Out x87_fn(Fn op, uint16_t cw, const F80& a, const F80& b) {
  X87Out o{};
  uint16_t saved = 0, sw = 0;
  const uint16_t hcw = host_cw(cw);
#define FN1(insn)                                                                             \
  asm volatile(X87_PRE "fldt %[a]\n\t" insn "\n\t" X87_MID "fstpt %[r]\n\t" X87_END          \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : [a] "m"(a), X87_INS                                                          \
               : X87_CLOBBERS)
#define FN_CC(insn)                                                                           \
  asm volatile(X87_PRE "fldt %[a]\n\t" insn "\n\t" X87_MID "fstp %%st(0)\n\t" X87_END        \
               : X87_OUTS                                                                     \
               : [a] "m"(a), X87_INS                                                          \
               : X87_CLOBBERS)
  // FSINCOS/FPTAN push only for an in-range operand: a zero below the
  // operand keeps both stores defined, FNINIT empties whatever is left.
#define FN_PUSH_MAYBE(insn)                                                                   \
  asm volatile(X87_PRE "fldz\n\tfldt %[a]\n\t" insn "\n\t" X87_MID                           \
               "fstpt %[r0]\n\tfstpt %[r1]\n\tfninit\n\t" X87_END                             \
               : [r0] "=m"(o.r0), [r1] "=m"(o.r1), X87_OUTS                                   \
               : [a] "m"(a), X87_INS                                                          \
               : X87_CLOBBERS)
#define FN2_POP(insn)                                                                         \
  asm volatile(X87_PRE "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t" X87_MID "fstpt %[r]\n\t"     \
               X87_END                                                                        \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : [a] "m"(a), [b] "m"(b), X87_INS                                              \
               : X87_CLOBBERS)
#define FN2_KEEP(insn)                                                                        \
  asm volatile(X87_PRE "fldt %[b]\n\tfldt %[a]\n\t" insn "\n\t" X87_MID                      \
               "fstpt %[r]\n\tfstp %%st(0)\n\t" X87_END                                       \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : [a] "m"(a), [b] "m"(b), X87_INS                                              \
               : X87_CLOBBERS)
#define FN_CONST(insn)                                                                        \
  asm volatile(X87_PRE insn "\n\t" X87_MID "fstpt %[r]\n\t" X87_END                          \
               : [r] "=m"(o.r0), X87_OUTS                                                     \
               : X87_INS                                                                      \
               : X87_CLOBBERS)
  switch (op) {
    case Fn::Sqrt: FN1("fsqrt"); break;
    case Fn::Rndint: FN1("frndint"); break;
    case Fn::Sin: FN1("fsin"); break;
    case Fn::Cos: FN1("fcos"); break;
    case Fn::F2xm1: FN1("f2xm1"); break;
    case Fn::Tst: FN_CC("ftst"); break;
    case Fn::Xam: FN_CC("fxam"); break;
    case Fn::Sincos: FN_PUSH_MAYBE("fsincos"); break;
    case Fn::Ptan: FN_PUSH_MAYBE("fptan"); break;
    case Fn::Xtract:
      asm volatile(X87_PRE "fldt %[a]\n\tfxtract\n\t" X87_MID "fstpt %[r0]\n\tfstpt %[r1]\n\t" X87_END
                   : [r0] "=m"(o.r0), [r1] "=m"(o.r1), X87_OUTS
                   : [a] "m"(a), X87_INS
                   : X87_CLOBBERS);
      break;
    case Fn::Patan: FN2_POP("fpatan"); break;
    case Fn::Yl2x: FN2_POP("fyl2x"); break;
    case Fn::Yl2xp1: FN2_POP("fyl2xp1"); break;
    case Fn::Scale: FN2_KEEP("fscale"); break;
    case Fn::Prem: FN2_KEEP("fprem"); break;
    case Fn::Prem1: FN2_KEEP("fprem1"); break;
    case Fn::Ld1: FN_CONST("fld1"); break;
    case Fn::Ldl2t: FN_CONST("fldl2t"); break;
    case Fn::Ldl2e: FN_CONST("fldl2e"); break;
    case Fn::Ldpi: FN_CONST("fldpi"); break;
    case Fn::Ldlg2: FN_CONST("fldlg2"); break;
    case Fn::Ldln2: FN_CONST("fldln2"); break;
    case Fn::Ldz: FN_CONST("fldz"); break;
  }
  o.sw = sw;
  return o;
}

}  // namespace xlat::core::fpu
