#include "translator/block_decoder.hpp"

#include <algorithm>

#include "core/isa/isa.hpp"

namespace xlat::translator {

using namespace core;

namespace {
constexpr uint32_t BLOCK_STOP = isa_attr::A_END | isa_attr::A_MODE | isa_attr::A_IO;
}

void decode_block(Cpu& c, Block& b) {
  const uint64_t phys = b.key.phys;
  b.pages[0] = b.pages[1] = phys & ~0xFFFull;
  uint32_t eip = b.key.eip;
  const uint32_t start_page = uint32_t(c.s.seg[CS].base + eip) & ~0xFFFu;
  const uint64_t saved_cr2 = c.s.cr2;
  const unsigned limit = std::min<unsigned>(MAX_BLOCK_INSNS, c.block_insn_limit);  // -singlestep: 1
  for (unsigned i = 0; i < limit; ++i) {
    DecodedInsn in;
    uint64_t ph;
    DecodeStatus st;
    if (i == 0) {
      st = c.fetch_decode(eip, in, ph);
    } else {
      try {
        st = c.fetch_decode(eip, in, ph);
      } catch (const GuestFault&) {
        c.s.cr2 = saved_cr2;
        break;
      }
      if (st == DecodeStatus::Invalid) break;
    }
    b.insns.push_back(in);
    const uint32_t lin = uint32_t(c.s.seg[CS].base + eip);
    if (((lin & 0xFFF) + in.len) > 0x1000) {
      b.pages[1] = c.translate((lin | 0xFFF) + 1, Access::Fetch, c.user()) & ~0xFFFull;
      break;
    }
    if (st == DecodeStatus::Invalid || (op_info[in.op].attrs & BLOCK_STOP)) break;
    eip += in.len;
    if (!c.code32()) eip &= 0xFFFF;
    if ((uint32_t(c.s.seg[CS].base + eip) & ~0xFFFu) != start_page) break;
  }
  for (uint64_t pg : {b.pages[0], b.pages[1]}) {
    if (!c.bus.is_code_page(pg)) {
      c.bus.set_code_page(pg, true);
      c.tlb.protect_ppage(pg);
    }
  }
  b.bytes = 0;
  for (const DecodedInsn& in : b.insns) b.bytes += in.len;
}

namespace {
bool imm_count(const DecodedInsn& in, unsigned n, uint32_t& count) {
  if (in.nops <= n || in.o[n].kind != OpKind::Imm) return false;
  count = (in.o[n].reg ? in.imm2 : in.imm) & 31;
  return true;
}
}  // namespace

uint32_t insn_flags_read(const DecodedInsn& in) {
  uint32_t count;
  switch (in.op) {
    case OP_SHL: case OP_SHR: case OP_SAR:
      if (imm_count(in, 1, count) && count != 0) return 0;
      break;
    case OP_ROL: case OP_ROR:
      if (imm_count(in, 1, count) && count != 0) return 0;
      break;
    default:
      break;
  }
  return op_info[in.op].flags_read & fl::ARITH;
}

uint32_t insn_flags_written(const DecodedInsn& in) {
  return op_info[in.op].flags_written & fl::ARITH;
}

std::vector<uint32_t> flag_liveness(const std::vector<DecodedInsn>& insns, const std::vector<bool>& may_fault) {
  std::vector<uint32_t> live(insns.size());
  uint32_t l = fl::ARITH;  // after the block: anything may read them
  for (size_t k = insns.size(); k-- > 0;) {
    live[k] = l;
    l = (l & ~insn_flags_written(insns[k])) | insn_flags_read(insns[k]);
    if (may_fault[k]) l = fl::ARITH;
  }
  return live;
}

}  // namespace xlat::translator
