#include "core/isa/isa.hpp"

#include <Zydis/Zydis.h>

#include <array>

namespace xlat::core {

using namespace isa_flags;
using namespace isa_attr;

const OpInfo op_info[OP_COUNT] = {
#define X(name, zy, fn, fr, fw, at) {#name, &fn, fr, fw, at},
#include "core/isa/table.inc"
#undef X
};

namespace {
struct MnemonicMap {
  std::array<uint16_t, ZYDIS_MNEMONIC_MAX_VALUE + 1> to_op{};
  MnemonicMap() {
    to_op.fill(OP_INVALID);
#define X(name, zy, fn, fr, fw, at) to_op[ZYDIS_MNEMONIC_##zy] = OP_##name;
#include "core/isa/table.inc"
#undef X
    to_op[ZYDIS_MNEMONIC_INVALID] = OP_INVALID;
  }
};
const MnemonicMap mnemonic_map;
}  // namespace

uint16_t op_for_mnemonic(unsigned m) {
  return m < mnemonic_map.to_op.size() ? mnemonic_map.to_op[m] : uint16_t(OP_INVALID);
}

uint16_t refine_form(uint16_t op, const DecodedInsn& in) {
  auto kind = [&](unsigned n) { return n < in.nops ? in.o[n].kind : OpKind::None; };
  // Far JMP/CALL: ptr16:xx, or FF /5 and FF /3 with a memory operand (m16:16
  // is 4 bytes, as big as a near m32, so the ModRM reg field tells them apart).
  auto far = [&]() {
    return kind(0) == OpKind::Far ||
           (kind(0) == OpKind::Mem && in.opcode == 0xFF && (in.modrm_reg == 3 || in.modrm_reg == 5));
  };
  // SSE2 MOVSD/CMPSD (F2 0F 10/11, F2 0F C2) share their Zydis mnemonic with
  // the string instructions; their XMM operands tell them apart.
  if (op != OP_INVALID && (kind(0) == OpKind::Xmm || kind(1) == OpKind::Xmm)) {
    if (op == op_for_mnemonic(ZYDIS_MNEMONIC_MOVSD)) return OP_MOVSD_XMM;
    if (op == op_for_mnemonic(ZYDIS_MNEMONIC_CMPSD)) return OP_CMPSD_XMM;
  }
  switch (op) {
    case OP_MOV:
      if (kind(0) == OpKind::SReg || kind(1) == OpKind::SReg) return kind(0) == OpKind::SReg ? uint16_t(OP_MOV_SREG) : uint16_t(OP_MOV);
      if (kind(0) == OpKind::CReg || kind(1) == OpKind::CReg) return OP_MOV_CR;
      if (kind(0) == OpKind::DReg || kind(1) == OpKind::DReg) return OP_MOV_DR;
      return op;
    case OP_JMP:
      return far() ? uint16_t(OP_JMP_FAR) : op;
    case OP_CALL:
      return far() ? uint16_t(OP_CALL_FAR) : op;
    case OP_RET:  // Zydis names near and far returns RET; CA/CB are the far ones
      return (in.opcode == 0xCA || in.opcode == 0xCB) ? uint16_t(OP_RETF) : op;
    default:
      return op;
  }
}

}  // namespace xlat::core
