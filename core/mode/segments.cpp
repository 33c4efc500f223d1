// Segment register loads with protected-mode descriptor checks.
#include "core/cpu.hpp"

namespace xlat::core {

void Cpu::load_seg(unsigned sreg, uint16_t sel) {
  if (!protected_mode() || v86()) {
    load_seg_real(sreg, sel);
    return;
  }
  // Protected-mode descriptor loads: being written (issue #2, protected mode).
  raise_fault(VEC_GP, sel_error(sel));
}

}  // namespace xlat::core
