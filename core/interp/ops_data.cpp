// Data movement.
#include "core/interp/ops.hpp"

namespace xlat::core {

void op_mov(Cpu& c, const DecodedInsn& i) { c.write_op(i, 0, c.read_op(i, 1)); }

void op_mov_sreg(Cpu& c, const DecodedInsn& i) {
  const unsigned sreg = i.o[0].reg;
  if (sreg == CS) raise_fault(VEC_UD);
  c.load_seg(sreg, uint16_t(c.read_op(i, 1)));
  if (sreg == SS) c.s.irq_inhibit = 1;
  c.end_block = true;
}

void op_nop(Cpu&, const DecodedInsn&) {}

}  // namespace xlat::core
