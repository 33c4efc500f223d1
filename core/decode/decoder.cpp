// Zydis -> DecodedInsn. See decoder.hpp.
#include "core/decode/decoder.hpp"

#include <Zydis/Zydis.h>

#include <initializer_list>

#include "core/isa/isa.hpp"

namespace xlat::core {

namespace {

struct Decoders {
  ZydisDecoder d16, d32, d64;
  Decoders() {
    ZydisDecoderInit(&d16, ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16);
    ZydisDecoderInit(&d32, ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32);
    ZydisDecoderInit(&d64, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    // Decode as a P6 would: F3 0F BC/BD are REP BSF/BSR, and the MPX/CET
    // reinterpretations of hint-NOP opcodes do not exist.
    for (ZydisDecoder* d : {&d16, &d32, &d64}) {
      ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_TZCNT, ZYAN_FALSE);
      ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_LZCNT, ZYAN_FALSE);
      ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE);
      ZydisDecoderEnableMode(d, ZYDIS_DECODER_MODE_CET, ZYAN_FALSE);
    }
  }
  const ZydisDecoder* get(CodeMode m) const {
    return m == CodeMode::Bits16 ? &d16 : m == CodeMode::Bits32 ? &d32 : &d64;
  }
};
const Decoders decoders;

bool map_register(ZydisRegister r, Operand& o) {
  if (r >= ZYDIS_REGISTER_AL && r <= ZYDIS_REGISTER_BH) {
    o = {OpKind::Reg, 1, uint8_t(r - ZYDIS_REGISTER_AL)};
  } else if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_DI) {
    o = {OpKind::Reg, 2, uint8_t(r - ZYDIS_REGISTER_AX)};
  } else if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_EDI) {
    o = {OpKind::Reg, 4, uint8_t(r - ZYDIS_REGISTER_EAX)};
  } else if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS) {
    o = {OpKind::SReg, 2, uint8_t(r - ZYDIS_REGISTER_ES)};
  } else if (r >= ZYDIS_REGISTER_CR0 && r <= ZYDIS_REGISTER_CR15) {
    o = {OpKind::CReg, 4, uint8_t(r - ZYDIS_REGISTER_CR0)};
  } else if (r >= ZYDIS_REGISTER_DR0 && r <= ZYDIS_REGISTER_DR15) {
    o = {OpKind::DReg, 4, uint8_t(r - ZYDIS_REGISTER_DR0)};
  } else if (r >= ZYDIS_REGISTER_ST0 && r <= ZYDIS_REGISTER_ST7) {
    o = {OpKind::St, 10, uint8_t(r - ZYDIS_REGISTER_ST0)};
  } else if (r >= ZYDIS_REGISTER_MM0 && r <= ZYDIS_REGISTER_MM7) {
    o = {OpKind::Mmx, 8, uint8_t(r - ZYDIS_REGISTER_MM0)};
  } else if (r >= ZYDIS_REGISTER_XMM0 && r <= ZYDIS_REGISTER_XMM7) {
    o = {OpKind::Xmm, 16, uint8_t(r - ZYDIS_REGISTER_XMM0)};
  } else {
    return false;
  }
  return true;
}

uint8_t gpr_number(ZydisRegister r) {
  if (r == ZYDIS_REGISTER_NONE) return NO_REG;
  if (r >= ZYDIS_REGISTER_AX && r <= ZYDIS_REGISTER_DI) return uint8_t(r - ZYDIS_REGISTER_AX);
  if (r >= ZYDIS_REGISTER_EAX && r <= ZYDIS_REGISTER_EDI) return uint8_t(r - ZYDIS_REGISTER_EAX);
  return NO_REG;
}

uint8_t segment_number(ZydisRegister r) {
  if (r >= ZYDIS_REGISTER_ES && r <= ZYDIS_REGISTER_GS) return uint8_t(r - ZYDIS_REGISTER_ES);
  return 3;  // DS
}

uint8_t override_segment(uint64_t attributes) {
  if (attributes & ZYDIS_ATTRIB_HAS_SEGMENT_ES) return 0;
  if (attributes & ZYDIS_ATTRIB_HAS_SEGMENT_CS) return 1;
  if (attributes & ZYDIS_ATTRIB_HAS_SEGMENT_SS) return 2;
  if (attributes & ZYDIS_ATTRIB_HAS_SEGMENT_FS) return 4;
  if (attributes & ZYDIS_ATTRIB_HAS_SEGMENT_GS) return 5;
  return 3;  // DS (also an explicit DS override)
}

uint32_t truncate(uint64_t v, unsigned bytes) {
  return bytes >= 4 ? uint32_t(v) : uint32_t(v) & ((1u << (bytes * 8)) - 1);
}

}  // namespace

DecodeStatus decode(const uint8_t* bytes, size_t avail, CodeMode mode, DecodedInsn& out) {
  ZydisDecodedInstruction zi;
  ZydisDecodedOperand zo[ZYDIS_MAX_OPERAND_COUNT];
  ZyanStatus st = ZydisDecoderDecodeFull(decoders.get(mode), bytes, avail, &zi, zo);
  if (st == ZYDIS_STATUS_NO_MORE_DATA) return avail >= 15 ? DecodeStatus::Invalid : DecodeStatus::NeedMore;
  out = DecodedInsn{};
  out.base = out.index = NO_REG;
  out.seg = 3;
  if (!ZYAN_SUCCESS(st)) {
    out.op = OP_INVALID;
    out.fn = op_info[OP_INVALID].fn;
    out.len = 1;
    return DecodeStatus::Invalid;
  }
  out.op = op_for_mnemonic(zi.mnemonic);
  out.fn = op_info[out.op].fn;
  out.len = zi.length;
  out.osize = uint8_t(zi.operand_width == 16 ? 2 : zi.operand_width == 64 ? 8 : 4);
  out.asize = uint8_t(zi.address_width == 16 ? 2 : zi.address_width == 64 ? 8 : 4);
  out.lock = (zi.attributes & ZYDIS_ATTRIB_HAS_LOCK) ? 1 : 0;
  if (zi.attributes & ZYDIS_ATTRIB_HAS_REPNE) out.rep = REP_NE;
  else if (zi.attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE)) out.rep = REP_E;
  out.seg = override_segment(zi.attributes);
  out.opcode = zi.opcode;
  out.modrm_reg = zi.raw.modrm.reg;
  out.modrm = uint8_t((zi.raw.modrm.mod << 6) | (zi.raw.modrm.reg << 3) | zi.raw.modrm.rm);

  unsigned n = 0, nimm = 0;
  bool have_mem = false;
  for (unsigned i = 0; i < zi.operand_count_visible && n < 3; ++i) {
    const ZydisDecodedOperand& z = zo[i];
    Operand o{OpKind::None, uint8_t(z.size / 8), 0};
    switch (z.type) {
      case ZYDIS_OPERAND_TYPE_REGISTER:
        if (!map_register(z.reg.value, o)) {
          out.op = OP_INVALID;  // a register this CPU does not have
          out.fn = op_info[OP_INVALID].fn;
          return DecodeStatus::Ok;
        }
        break;
      case ZYDIS_OPERAND_TYPE_MEMORY:
        o.kind = OpKind::Mem;
        if (!have_mem) {
          have_mem = true;
          out.seg = segment_number(z.mem.segment);
          out.base = gpr_number(z.mem.base);
          out.index = gpr_number(z.mem.index);
          out.scale = uint8_t(z.mem.scale == 8 ? 3 : z.mem.scale == 4 ? 2 : z.mem.scale == 2 ? 1 : 0);
          out.disp = z.mem.disp.has_displacement ? int32_t(z.mem.disp.value) : 0;
        }
        break;
      case ZYDIS_OPERAND_TYPE_POINTER:
        o.kind = OpKind::Far;
        out.imm = z.ptr.offset;
        out.imm2 = z.ptr.segment;
        break;
      case ZYDIS_OPERAND_TYPE_IMMEDIATE:
        if (z.imm.is_relative) {
          o.kind = OpKind::Rel;
          out.imm = uint32_t(z.imm.value.s);
        } else {
          o.kind = OpKind::Imm;
          o.reg = uint8_t(nimm);
          uint32_t v = truncate(z.imm.value.u, o.size ? o.size : 4);
          if (nimm++ == 0) out.imm = v;
          else out.imm2 = v;
        }
        break;
      default:
        continue;
    }
    out.o[n++] = o;
  }
  out.nops = uint8_t(n);
  out.op = refine_form(out.op, out);
  out.fn = op_info[out.op].fn;
  return DecodeStatus::Ok;
}

unsigned decode_length(const uint8_t* bytes, size_t avail, CodeMode mode) {
  ZydisDecodedInstruction zi;
  ZyanStatus st = ZydisDecoderDecodeInstruction(decoders.get(mode), nullptr, bytes, avail, &zi);
  return ZYAN_SUCCESS(st) ? zi.length : 0;
}

}  // namespace xlat::core
