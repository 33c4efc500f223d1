// Far control transfers: JMP/CALL/RET far, through call gates, task gates
// and TSS descriptors, and IRET.
#include "core/interp/ops.hpp"

namespace xlat::core {

void op_jmp_far(Cpu& c, const DecodedInsn& i) {
  uint32_t off;
  uint16_t sel;
  if (i.o[0].kind == OpKind::Far) {
    off = i.imm;
    sel = uint16_t(i.imm2);
  } else {
    const uint32_t a = c.ea(i);
    const unsigned osz = i.osize;
    off = osz == 4 ? c.read<uint32_t>(i.seg, a) : c.read<uint16_t>(i.seg, a);
    sel = c.read<uint16_t>(i.seg, i.asize == 2 ? (a + osz) & 0xFFFF : a + osz);
  }
  if (!c.protected_mode() || c.v86()) {
    c.load_seg_real(CS, sel);
    c.jump_near(off, i.osize);
    c.end_block = true;
    return;
  }
  // Protected mode far JMP: being written (issue #2, protected mode).
  raise_fault(VEC_GP, sel_error(sel));
}

}  // namespace xlat::core
