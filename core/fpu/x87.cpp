// x87 state mechanics shared by the handlers (see x87.hpp).
#include "core/fpu/x87.hpp"

#include <cstring>

namespace xlat::core::fpu {

void power_on_state(FpuState& f) {
  f = FpuState{};
  f.fcw = 0x0040;
  f.ftw = 0xFF;  // tag word 5555H: every register valid, holding +0.0
  f.mxcsr = mxcsr_bits::DEFAULT;
}

void x87_init(Cpu& c) {
  FpuState& f = c.s.fpu;
  f.fcw = 0x037F;
  f.fsw = 0;
  f.top = 0;
  f.ftw = 0;
  f.fop = 0;
  f.fip = 0;
  f.fcs = 0;
  f.fdp = 0;
  f.fds = 0;
  update_es(c);
}

void update_es(Cpu& c) {
  FpuState& f = c.s.fpu;
  const bool es = f.fsw & ~f.fcw & fsw_bits::EXC;
  if (es) f.fsw |= fsw_bits::ES | fsw_bits::B;
  else f.fsw &= uint16_t(~(fsw_bits::ES | fsw_bits::B));
  const bool ferr = es && !(c.s.cr0 & cr0::NE);
  if (ferr != bool(f.ferr)) {
    f.ferr = ferr;
    if (c.ferr_out) c.ferr_out(ferr);
    if (ferr) c.end_block = true;  // let IRQ13 in right after this instruction
  }
}

void load_fsw(Cpu& c, uint16_t sw) {
  FpuState& f = c.s.fpu;
  f.top = (sw >> 11) & 7;
  f.fsw = uint16_t(sw & ~fsw_bits::TOP);
  update_es(c);
}

void read_bytes(Cpu& c, unsigned seg, uint32_t off, void* dst, unsigned n) {
  c.check_read(seg, off, n);
  auto* d = static_cast<uint8_t*>(dst);
  unsigned k = 0;
  for (; k + 8 <= n; k += 8) {
    const uint64_t v = c.read<uint64_t>(seg, off + k);
    std::memcpy(d + k, &v, 8);
  }
  for (; k + 4 <= n; k += 4) {
    const uint32_t v = c.read<uint32_t>(seg, off + k);
    std::memcpy(d + k, &v, 4);
  }
  for (; k < n; ++k) d[k] = c.read<uint8_t>(seg, off + k);
}

void write_bytes(Cpu& c, unsigned seg, uint32_t off, const void* src, unsigned n) {
  c.check_write(seg, off, n);
  const auto* s = static_cast<const uint8_t*>(src);
  unsigned k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t v;
    std::memcpy(&v, s + k, 8);
    c.write<uint64_t>(seg, off + k, v);
  }
  for (; k + 4 <= n; k += 4) {
    uint32_t v;
    std::memcpy(&v, s + k, 4);
    c.write<uint32_t>(seg, off + k, v);
  }
  for (; k < n; ++k) c.write<uint8_t>(seg, off + k, s[k]);
}

bool has_mem_operand(const DecodedInsn& i) {
  for (unsigned k = 0; k < i.nops; ++k)
    if (i.o[k].kind == OpKind::Mem) return true;
  return false;
}

void x87_check(Cpu& c, bool waiting) {
  if (c.s.cr0 & (cr0::EM | cr0::TS)) raise_fault(VEC_NM);
  if (waiting && (c.s.fpu.fsw & fsw_bits::ES) && (c.s.cr0 & cr0::NE)) raise_fault(VEC_MF);
}

void X87::record() {
  f.fip = uint32_t(c.s.eip);
  f.fcs = c.s.seg[CS].sel;
  f.fop = uint16_t(((i.opcode & 7) << 8) | i.modrm);
  if (has_mem_operand(i)) {
    f.fdp = ea();
    f.fds = c.s.seg[i.seg].sel;
  }
}

unsigned X87::st_src() const {
  for (unsigned k = i.nops; k-- > 0;)
    if (i.o[k].kind == OpKind::St) return i.o[k].reg;
  return 1;
}

unsigned X87::st_dst() const {
  for (unsigned k = 0; k < i.nops; ++k)
    if (i.o[k].kind == OpKind::St) return i.o[k].reg;
  return 0;
}

void X87::raise(uint16_t flags) {
  f.fsw |= flags;
  update_es(c);
}

namespace {
// An unmasked invalid-operand, denormal or zero-divide exception stops the
// instruction before it computes: the backend (which ran it with those
// masked) may also report overflow/underflow/precision from the computation,
// which the hardware never reaches.
constexpr uint16_t PRE = fsw_bits::IE | fsw_bits::DE | fsw_bits::ZE;
}  // namespace

bool X87::signal(uint16_t sw) {
  uint16_t exc = sw & fsw_bits::EXC;
  const bool abort = unmasked(exc & PRE);
  if (abort) exc &= PRE;
  set_c1(!abort && (sw & fsw_bits::C1));
  if (exc) raise(exc);
  return abort;
}

bool X87::signal_store(uint16_t sw) {
  uint16_t exc = sw & fsw_bits::EXC;
  const bool pre_abort = unmasked(exc & PRE);
  if (pre_abort) exc &= PRE;
  set_c1(!pre_abort && (sw & fsw_bits::C1));
  if (exc) raise(exc);
  return unmasked(exc & ~fsw_bits::PE);
}

bool X87::stack_fault(bool overflow) {
  set_c1(overflow);
  raise(fsw_bits::IE | fsw_bits::SF);
  return unmasked(fsw_bits::IE);
}

}  // namespace xlat::core::fpu
