// Interrupt and exception delivery: the real-mode IVT, the protected-mode
// IDT (interrupt, trap and task gates, privilege checks, stack switch through
// the TSS) and virtual-8086 mode.
#include "core/cpu.hpp"

namespace xlat::core {

void Cpu::deliver_interrupt(uint8_t vector, IntKind kind, bool has_error, uint32_t error, uint32_t ret_eip) {
  if (!protected_mode()) {
    // Real mode: IVT entry at 4*vector (IDTR base/limit still apply).
    const uint32_t off = uint32_t(vector) * 4;
    if (off + 3 > s.idtr.limit) raise_fault(VEC_GP, vector * 8 + 2);
    const uint32_t entry = read_lin<uint32_t>(uint32_t(s.idtr.base + off), false);
    const uint32_t fl_now = eflags();
    push(fl_now, 2);
    push(s.seg[CS].sel, 2);
    push(ret_eip, 2);
    s.eflags &= ~(fl::IF | fl::TF | fl::AC | fl::RF);
    load_seg_real(CS, uint16_t(entry >> 16));
    s.eip = entry & 0xFFFF;
    next_eip = uint32_t(s.eip);
    end_block = true;
    return;
  }
  (void)kind;
  (void)has_error;
  (void)error;
  // Protected-mode delivery: being written (issue #2, protected mode).
  raise_fault(VEC_GP, vector * 8 + 2);
}

}  // namespace xlat::core
