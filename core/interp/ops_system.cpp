// System instructions: port I/O (IN, OUT and the I/O permission check the
// string forms share), HLT, CLI/STI, the control and debug registers (MOV
// CR, MOV DR, CLTS, LMSW, SMSW), TLB and cache control (INVLPG, WBINVD,
// INVD) and UD2. Descriptor-table instructions live with protected mode;
// CPUID, MSRs and SYSENTER/SYSEXIT in ops_cpuid.cpp.
//
// Privilege: "CPL 0" instructions raise #GP(0) at CPL > 0, which includes
// virtual-8086 mode (CPL 3); in real mode CPL is 0.
#include "core/interp/cpuid.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

namespace {
constexpr uint32_t DR6_BD = 1u << 13;
constexpr uint32_t DR7_GD = 1u << 13;
constexpr uint32_t DR6_FIXED1 = 0xFFFF0FF0, DR6_WRITABLE = 0xE00F;  // B0-B3, BD, BS, BT
constexpr uint32_t DR7_FIXED1 = 0x400, DR7_WRITABLE = 0xFFFF23FF;   // L/G0-3, LE, GE, GD, R/W, LEN
}  // namespace

void check_io(Cpu& c, uint16_t port, unsigned size) {
  c.io_access(port, size);  // I/O breakpoints (taken only if the instruction completes)
  if (!c.protected_mode()) return;
  if (!c.v86() && c.s.cpl <= c.iopl()) return;
  // The TSS I/O permission bitmap (32-bit TSS only): every bit of the
  // accessed ports must be clear. The CPU always reads two bytes of the map,
  // so both must lie within the TSS limit.
  const Segment& tr = c.s.tr;
  const unsigned type = tr.attr & 0xF;
  if (!(tr.attr & seg_attr::P) || (type != 0x9 && type != 0xB) || tr.limit < 0x67) raise_fault(VEC_GP, 0);
  const uint32_t base_off = c.read_lin<uint16_t>(uint32_t(tr.base + 0x66), false);
  const uint32_t byte = base_off + port / 8;
  if (byte + 1 > tr.limit) raise_fault(VEC_GP, 0);
  const uint32_t bits = c.read_lin<uint16_t>(uint32_t(tr.base + byte), false);
  const uint32_t mask = ((1u << size) - 1) << (port & 7);
  if (bits & mask) raise_fault(VEC_GP, 0);
}

void op_hlt(Cpu& c, const DecodedInsn&) {
  require_cpl0(c);
  c.s.halted = 1;
  c.end_block = true;
}

void op_out(Cpu& c, const DecodedInsn& i) {
  // OUT imm8/DX, AL/AX/EAX
  const uint16_t port = uint16_t(c.read_op(i, 0));
  const unsigned size = i.o[1].size;
  check_io(c, port, size);
  c.bus.io_write(port, c.reg(EAX, size), size);
}

void op_in(Cpu& c, const DecodedInsn& i) {
  // IN AL/AX/EAX, imm8/DX
  const uint16_t port = uint16_t(c.read_op(i, 1));
  const unsigned size = i.o[0].size;
  check_io(c, port, size);
  c.set_reg(EAX, size, c.bus.io_read(port, size));
}

// CLI/STI: IOPL-sensitive in protected mode (CPL <= IOPL) and in v86 mode
// (IOPL = 3). CR4.VME/PVI do not exist on this CPU (cpuid.hpp), so there is
// no virtual interrupt flag.
void op_cli(Cpu& c, const DecodedInsn&) {
  if (c.protected_mode() && c.iopl() < (c.v86() ? 3u : c.s.cpl)) raise_fault(VEC_GP, 0);
  c.s.eflags &= ~fl::IF;
}

void op_sti(Cpu& c, const DecodedInsn&) {
  if (c.protected_mode() && c.iopl() < (c.v86() ? 3u : c.s.cpl)) raise_fault(VEC_GP, 0);
  if (!(c.s.eflags & fl::IF)) c.s.irq_inhibit = inhibit::STI;  // interrupts wait one instruction
  c.s.eflags |= fl::IF;
}

// MOV to/from CR0, CR2, CR3, CR4 (others #UD). CR0's undefined bits are
// ignored; PG without PE and NW without CD raise #GP(0) (Cpu::write_cr0); a
// CR4 bit this CPU lacks raises #GP(0).
void op_mov_cr(Cpu& c, const DecodedInsn& i) {
  const bool to_cr = i.o[0].kind == OpKind::CReg;
  const unsigned n = to_cr ? i.o[0].reg : i.o[1].reg;
  if (n == 1 || n > 4) raise_fault(VEC_UD);
  require_cpl0(c);
  if (to_cr) {
    const uint32_t v = c.reg(i.o[1].reg, 4);
    switch (n) {
      case 0: c.write_cr0(v & cpuid::CR0_VALID); break;
      case 2: c.s.cr2 = v; break;
      case 3: c.write_cr3(v); break;
      default:
        if (v & ~cpuid::CR4_VALID) raise_fault(VEC_GP, 0);
        c.write_cr4(v);
        break;
    }
  } else {
    uint32_t v;
    switch (n) {
      case 0: v = uint32_t(c.s.cr0); break;
      case 2: v = uint32_t(c.s.cr2); break;
      case 3: v = uint32_t(c.s.cr3); break;
      default: v = uint32_t(c.s.cr4); break;
    }
    c.set_reg(i.o[0].reg, 4, v);
  }
}

// MOV to/from DR0-DR7. DR4/DR5 alias DR6/DR7 unless CR4.DE (then #UD).
// DR7.GD turns every access into a #DB fault with DR6.BD set; GD is cleared
// for the handler.
void op_mov_dr(Cpu& c, const DecodedInsn& i) {
  const bool to_dr = i.o[0].kind == OpKind::DReg;
  unsigned n = to_dr ? i.o[0].reg : i.o[1].reg;
  if (n > 7 || ((n == 4 || n == 5) && (c.s.cr4 & cr4::DE))) raise_fault(VEC_UD);
  require_cpl0(c);
  if (n == 4 || n == 5) n += 2;
  if (c.s.dr[7] & DR7_GD) {
    // A fault-class #DB other than an instruction breakpoint: the EFLAGS
    // image pushed has RF = 1 (SDM vol. 3 17.3.1.1); delivery clears it.
    c.s.dr[6] |= DR6_BD;
    c.s.dr[7] &= ~uint64_t(DR7_GD);
    c.s.eflags |= fl::RF;
    raise_fault(VEC_DB);
  }
  if (to_dr) {
    uint32_t v = c.reg(i.o[1].reg, 4);
    if (n == 6) v = (v & DR6_WRITABLE) | DR6_FIXED1;
    else if (n == 7) v = (v & DR7_WRITABLE) | DR7_FIXED1;
    c.s.dr[n] = v;
    c.debug_regs_changed();
    c.end_block = true;  // breakpoints apply from the next instruction
  } else {
    c.set_reg(i.o[0].reg, 4, uint32_t(c.s.dr[n]));
  }
}

void op_clts(Cpu& c, const DecodedInsn&) {
  require_cpl0(c);
  c.s.cr0 &= ~uint64_t(cr0::TS);
  c.end_block = true;
}

// LMSW: loads CR0 bits 0-3 (PE, MP, EM, TS); PE can be set, never cleared.
void op_lmsw(Cpu& c, const DecodedInsn& i) {
  require_cpl0(c);
  const uint32_t v = c.read_op(i, 0) & 0xF;
  const uint32_t old = uint32_t(c.s.cr0);
  c.write_cr0((old & ~0xFu) | v | (old & cr0::PE));
}

// SMSW: to memory always 16 bits; to a register, CR0 at the operand size.
void op_smsw(Cpu& c, const DecodedInsn& i) {
  c.write_op(i, 0, uint32_t(c.s.cr0));
}

// INVLPG m: drops the TLB entry of the page containing the linear address of
// m, global or not (all of a 4 MiB page). No memory access, no faults but
// #GP for CPL > 0 (the register form does not decode to INVLPG: #UD).
void op_invlpg(Cpu& c, const DecodedInsn& i) {
  require_cpl0(c);
  c.tlb.flush_page(uint32_t(c.s.seg[i.seg].base + c.ea(i)));
  c.end_block = true;  // the rest of the block may have been fetched through the old mapping
}

// WBINVD/INVD: there are no caches to write back or drop.
void op_wbinvd(Cpu& c, const DecodedInsn&) { require_cpl0(c); }
void op_invd(Cpu& c, const DecodedInsn&) { require_cpl0(c); }

void op_ud2(Cpu&, const DecodedInsn&) { raise_fault(VEC_UD); }

}  // namespace xlat::core
