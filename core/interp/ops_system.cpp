// System instructions and port I/O.
#include "core/interp/ops.hpp"

namespace xlat::core {

void check_io(Cpu& c, uint16_t port, unsigned size) {
  if (!c.protected_mode()) return;
  if (!c.v86() && c.s.cpl <= c.iopl()) return;
  // The TSS I/O permission bitmap (32-bit TSS only): every bit of the
  // accessed ports must be clear.
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

void op_cli(Cpu& c, const DecodedInsn&) {
  if (c.protected_mode() && c.iopl() < (c.v86() ? 3u : c.s.cpl)) raise_fault(VEC_GP, 0);
  c.s.eflags &= ~fl::IF;
}

void op_sti(Cpu& c, const DecodedInsn&) {
  if (c.protected_mode() && c.iopl() < (c.v86() ? 3u : c.s.cpl)) raise_fault(VEC_GP, 0);
  if (!(c.s.eflags & fl::IF)) c.s.irq_inhibit = 1;
  c.s.eflags |= fl::IF;
}

}  // namespace xlat::core

namespace xlat::core {

void op_mov_cr(Cpu& c, const DecodedInsn& i) {
  require_cpl0(c);
  if (i.o[0].kind == OpKind::CReg) {  // MOV CRn, r32
    const uint32_t v = c.reg(i.o[1].reg, 4);
    switch (i.o[0].reg) {
      case 0: c.write_cr0(v); break;
      case 2: c.s.cr2 = v; break;
      case 3: c.write_cr3(v); break;
      case 4: c.write_cr4(v); break;
      default: raise_fault(VEC_UD);
    }
  } else {  // MOV r32, CRn
    uint32_t v;
    switch (i.o[1].reg) {
      case 0: v = uint32_t(c.s.cr0); break;
      case 2: v = uint32_t(c.s.cr2); break;
      case 3: v = uint32_t(c.s.cr3); break;
      case 4: v = uint32_t(c.s.cr4); break;
      default: raise_fault(VEC_UD);
    }
    c.set_reg(i.o[0].reg, 4, v);
  }
}

void op_mov_dr(Cpu& c, const DecodedInsn& i) {
  require_cpl0(c);
  const bool to_dr = i.o[0].kind == OpKind::DReg;
  unsigned n = to_dr ? i.o[0].reg : i.o[1].reg;
  if (n == 4 || n == 5) {
    if (c.s.cr4 & cr4::DE) raise_fault(VEC_UD);
    n += 2;  // DR4/DR5 alias DR6/DR7 when CR4.DE is clear
  }
  if (n > 7) raise_fault(VEC_UD);
  if (c.s.dr[7] & (1u << 13)) {  // DR7.GD: general detect
    c.s.dr[6] |= 1u << 13;
    raise_fault(VEC_DB);
  }
  if (to_dr) {
    uint32_t v = c.reg(i.o[1].reg, 4);
    if (n == 6) v = (v & 0xE00F) | 0xFFFF0FF0;
    else if (n == 7) v = (v & 0xFFFF2BFF) | 0x400;
    c.s.dr[n] = v;
    c.tlb.flush_all();  // data breakpoints keep their pages out of the TLB
    c.end_block = true;
  } else {
    c.set_reg(i.o[0].reg, 4, uint32_t(c.s.dr[n]));
  }
}

}  // namespace xlat::core
