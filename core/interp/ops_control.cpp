// Control transfer.
#include "core/interp/ops.hpp"

namespace xlat::core {

void op_jmp(Cpu& c, const DecodedInsn& i) {
  if (i.o[0].kind == OpKind::Rel) c.jump_near(c.next_eip + i.imm, i.osize);
  else c.jump_near(c.read_op(i, 0), i.osize);
}

}  // namespace xlat::core
