// The x87 FPU as the instruction handlers see it: availability checks,
// the register stack with its tag word, exception signalling, the
// instruction/data pointers, and guest memory operands of any size.
//
// How an x87 handler is written (core/interp/ops_x87_*.cpp):
//   X87 x(c, i);                  // #NM (CR0.EM/TS) and pending #MF checks
//   ...read memory operands...    // faults here leave everything unchanged
//   x.record();                   // FIP/FCS/FOP/FDP/FDS := this instruction
//   if (x.empty(0)) { if (x.stack_fault(false)) return; ...masked response... }
//   X87Out r = x87_arith(...);    // the backend (host_x87.hpp) computes
//   if (x.signal(r.sw)) return;   // an unmasked IE/DE/ZE: no result
//   x.put(0, r.r0);
//
// Exceptions (SDM vol. 1 ch. 8.4-8.7): flags are sticky in the status
// word; an unmasked one sets ES (and B). A masked exception gets the
// masked response (QNaN indefinite, integer indefinite, ...). An unmasked
// invalid-operation, denormal or divide-by-zero exception leaves the
// destination and the stack unchanged; an unmasked overflow/underflow
// stores the exponent-wrapped result (register destinations) or nothing
// (memory destinations). The pending exception is reported at the next
// waiting x87 instruction (or FWAIT, MMX instruction):
//  - CR0.NE = 1: #MF, a fault at that instruction.
//  - CR0.NE = 0 (MS-DOS compatible mode): the FERR# output (Cpu::ferr_out)
//    rises as soon as the exception is pending and the block ends, so the
//    board's IRQ13 is taken right after the faulting instruction; the
//    handler clears it with FNCLEX (FERR# falls). Waiting instructions do
//    not freeze as the hardware's would while IGNNE# is inactive: they run
//    as if IGNNE# were asserted. FERR# is not driven while CR0.NE = 1.
#pragma once

#include <cstdint>

#include "core/cpu.hpp"
#include "core/fpu/f80.hpp"
#include "core/fpu/host_x87.hpp"

namespace xlat::core::fpu {

// FPU state after RESET (FCW 0040H, FSW 0, all tags valid holding +0.0,
// pointers 0, XMM 0, MXCSR 1F80H).
void power_on_state(FpuState& f);
// FNINIT: FCW 037FH, FSW 0, all tags empty, pointers and opcode 0; the
// data registers keep their contents.
void x87_init(Cpu& c);

// x87 status word with the TOP field filled in.
inline uint16_t x87_fsw(const FpuState& f) {
  return uint16_t((f.fsw & ~fsw_bits::TOP) | ((f.top & 7) << 11));
}
// Recomputes ES/B from the flags and masks (after FLDCW, FLDENV, FRSTOR,
// FNCLEX, or new flags) and drives FERR#.
void update_es(Cpu& c);
// Loads a whole status word (FLDENV/FRSTOR/FXRSTOR): flags, CC, TOP.
void load_fsw(Cpu& c, uint16_t sw);
// FLDCW's view of a control word: reserved bits 7 and 13-15 read 0, bit 6 reads 1.
inline uint16_t sanitize_fcw(uint16_t cw) { return uint16_t((cw & 0x1F3F) | 0x0040); }

// Guest memory of any size through segment:offset: every byte is checked
// (segment limits, paging) before the first one is read or written, so a
// fault leaves memory and registers unchanged.
void read_bytes(Cpu& c, unsigned seg, uint32_t off, void* dst, unsigned n);
void write_bytes(Cpu& c, unsigned seg, uint32_t off, const void* src, unsigned n);
bool has_mem_operand(const DecodedInsn& i);

// CR0.EM or CR0.TS: #NM. Then, for a waiting instruction with an unmasked
// exception pending and CR0.NE set: #MF.
void x87_check(Cpu& c, bool waiting);

class X87 {
 public:
  // Runs the availability checks of a waiting x87 instruction (the
  // no-wait control instructions pass waiting = false).
  X87(Cpu& cpu, const DecodedInsn& insn, bool waiting = true) : c(cpu), f(cpu.s.fpu), i(insn) {
    x87_check(c, waiting);
  }

  Cpu& c;
  FpuState& f;
  const DecodedInsn& i;

  // --- the memory operand -----------------------------------------------
  uint32_t ea() const { return c.ea(i); }
  void read(void* dst, unsigned n) { read_bytes(c, i.seg, ea(), dst, n); }
  void check_write(unsigned n) { c.check_write(i.seg, ea(), n); }
  void write(const void* src, unsigned n) { write_bytes(c, i.seg, ea(), src, n); }

  // FIP/FCS/FOP and (with a memory operand) FDP/FDS := this instruction.
  // Non-control instructions call it once their memory reads succeeded.
  void record();

  // --- the register stack -------------------------------------------------
  unsigned phys(unsigned st) const { return (f.top + st) & 7; }
  bool empty(unsigned st) const { return !((f.ftw >> phys(st)) & 1); }
  F80 get(unsigned st) const {
    const X87Reg& r = f.st[phys(st)];
    F80 v;
    v.mant = r.mant;
    v.se = r.se;
    return v;
  }
  void put(unsigned st, const F80& v) {
    X87Reg& r = f.st[phys(st)];
    r.mant = v.mant;
    r.se = v.se;
    f.ftw = uint8_t(f.ftw | (1u << phys(st)));
  }
  // A push overflows when the register that would become ST(0) is in use.
  bool push_overflows() const { return !empty(7); }
  void push(const F80& v) {
    f.top = (f.top - 1) & 7;
    put(0, v);
  }
  void pop() {
    f.ftw = uint8_t(f.ftw & ~(1u << phys(0)));
    f.top = (f.top + 1) & 7;
  }
  void free_reg(unsigned st) { f.ftw = uint8_t(f.ftw & ~(1u << phys(st))); }

  // The operand ST(i) named by an instruction: its last St operand (FADD
  // ST(0), ST(i) -> i; FADD ST(i), ST(0) -> 0; FCOM ST(i) -> i), and the
  // destination (its first St operand).
  unsigned st_src() const;
  unsigned st_dst() const;

  // --- exceptions ---------------------------------------------------------
  uint16_t cw() const { return f.fcw; }
  // Sets exception flags (sticky) and updates ES/FERR#.
  void raise(uint16_t flags);
  // Records the flags IE..PE of a backend status word and takes C1 from
  // it. Returns true when one of IE, DE, ZE is unmasked: the instruction
  // then leaves its destination and the stack unchanged.
  bool signal(uint16_t sw);
  // Like signal() for a store to memory: true when any exception other
  // than PE is unmasked (nothing is stored, nothing popped).
  bool signal_store(uint16_t sw);
  // A stack overflow (push onto a used register) or underflow (an empty
  // source): IE and SF, C1 = overflow. Returns true when IE is unmasked
  // (no masked response: the instruction changes nothing else).
  bool stack_fault(bool overflow);
  bool unmasked(uint16_t flags) const { return flags & ~f.fcw & fsw_bits::EXC; }
  void set_cc(uint16_t cc) { f.fsw = uint16_t((f.fsw & ~fsw_bits::CC) | (cc & fsw_bits::CC)); }
  void set_c1(bool v) { f.fsw = uint16_t(v ? f.fsw | fsw_bits::C1 : f.fsw & ~fsw_bits::C1); }
  // Sets C0, C2, C3 from sw, C1 := 0 (the compare instructions).
  void set_compare_cc(uint16_t sw) {
    set_cc(uint16_t(sw & (fsw_bits::C0 | fsw_bits::C2 | fsw_bits::C3)));
  }
};

}  // namespace xlat::core::fpu
