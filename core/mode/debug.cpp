// Debug registers and the single-step trap.
#include "core/cpu.hpp"

namespace xlat::core {

void Cpu::step_prologue() {
  suppress_step_trap = false;
  if (!debug_active() || (s.eflags & fl::RF)) return;
  const uint32_t lin = uint32_t(s.seg[CS].base + s.eip);
  const uint32_t dr7 = uint32_t(s.dr[7]);
  uint32_t hit = 0;
  for (unsigned i = 0; i < 4; ++i) {
    const bool enabled = (dr7 >> (i * 2)) & 3;
    const unsigned rw = (dr7 >> (16 + i * 4)) & 3;
    if (enabled && rw == 0 && uint32_t(s.dr[i]) == lin) hit |= 1u << i;
  }
  if (hit) {
    s.dr[6] = (s.dr[6] & ~0xFull) | hit;
    raise_fault(VEC_DB);
  }
}

void Cpu::step_epilogue(bool tf_before) {
  s.eflags &= ~fl::RF;
  if (tf_before && !suppress_step_trap) {
    s.dr[6] |= 1u << 14;  // BS
    materialize_flags();
    try {
      deliver_interrupt(VEC_DB, IntKind::Exception, false, 0, uint32_t(s.eip));
    } catch (const GuestFault& f) {
      handle_fault(f);
    }
  }
  suppress_step_trap = false;
}

}  // namespace xlat::core
