// Handlers that belong to no family: the invalid opcode.
#include "core/interp/ops.hpp"

namespace xlat::core {

void op_invalid(Cpu&, const DecodedInsn&) { raise_fault(VEC_UD); }

}  // namespace xlat::core
