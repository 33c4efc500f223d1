// String instructions: MOVS, CMPS, SCAS, LODS, STOS, INS, OUTS (byte, word,
// dword) with and without REP/REPE/REPNE.
//
// Operands: the source is seg:(E)SI with seg = DS or the override prefix, the
// destination is always ES:(E)DI; the address size picks SI/DI/CX or
// ESI/EDI/ECX (16-bit index registers wrap at 64K and leave the upper halves
// alone), EFLAGS.DF the direction. The element size is 1 for the even opcode
// of each pair and the operand size for the odd one.
//
// REP semantics (SDM "REP/REPE/REPZ/REPNE/REPNZ"): nothing happens when the
// count is 0; otherwise each iteration does the operation, then decrements
// the count, stops at 0, and for CMPS/SCAS stops when ZF says so. The index
// and count registers are written back after every iteration, so a fault in
// iteration k leaves them as after k-1 iterations with EIP at the instruction
// (it restarts where it stopped); a fault in REPE/REPNE CMPS/SCAS also puts
// back the flags it had before. After a bounded amount of work the handler
// ends with next_eip = the instruction itself and end_block set, so pending
// interrupts are taken between iterations and the instruction resumes; with
// EFLAGS.TF set it does one iteration per execution (single-step traps come
// after each iteration).
//
// Fast path: forward REP MOVS/STOS copy or fill whole runs of elements
// through the soft TLB's host pointers when both ranges lie within one page
// each that the TLB maps for reading (source) and writing (destination).
// Write-mapped pages are RAM that holds no cached code, so self-modifying
// code detection is unaffected. Overlapping copies keep the element-at-a-time
// result: a forward overlap of at least one element is copied byte by byte
// in order (the same bytes an element loop produces), a closer overlap takes
// the element loop.
#include <cstring>

#include "core/interp/ops.hpp"

namespace xlat::core {

namespace {

enum class Str { Movs, Cmps, Scas, Lods, Stos, Ins, Outs };

constexpr bool uses_src(Str k) { return k == Str::Movs || k == Str::Cmps || k == Str::Lods || k == Str::Outs; }
constexpr bool uses_dst(Str k) { return k != Str::Lods && k != Str::Outs; }

// Work allowed per execution of a REP instruction before it yields to
// pending interrupts: an element done one at a time costs SLOW_COST, an
// element of a fast-path run costs 1.
constexpr int64_t REP_BUDGET = 4096 * 16;
constexpr int64_t SLOW_COST = 16;

struct StrState {
  unsigned size;   // element size in bytes
  unsigned asize;  // 2 or 4
  uint32_t amask;
  uint32_t step;   // +size or -size (mod 2^32)
  unsigned src;    // source segment register
  uint32_t si, di;
};

// Elements of a forward run starting at offset `off` that stay inside the
// segment, the address-size range and the page of the linear address.
uint32_t run_length(const Segment& g, uint8_t need, uint32_t off, uint32_t amask, unsigned size, uint32_t count) {
  if (!(g.access & need) || off < g.lo) return 0;
  const uint32_t lim = g.hi < amask ? g.hi : amask;
  if (off > lim) return 0;
  const uint32_t lin = uint32_t(g.base + off);
  uint64_t n = (uint64_t(lim) - off + 1) / size;
  const uint64_t in_page = (0x1000 - (lin & 0xFFF)) / size;
  if (in_page < n) n = in_page;
  if (count < n) n = count;
  return uint32_t(n);
}

// Host pointer for [lin, lin+len) within one page if the TLB maps it for
// reads (write=false) or writes, else nullptr.
uint8_t* tlb_host(Cpu& c, uint32_t lin, bool write) {
  const TlbEntry& e = c.tlb.e[c.user()][SoftTlb::index(lin)];
  const uint64_t tag = write ? e.tag_w : e.tag_r;
  if (tag != (lin & ~0xFFFu)) return nullptr;
  return reinterpret_cast<uint8_t*>(e.addend + lin);
}

// Forward REP MOVS run: returns the number of elements copied (0 = use the
// element loop for the next one).
uint32_t fast_movs(Cpu& c, const StrState& st, uint32_t count) {
  const Segment& sg = c.s.seg[st.src];
  const Segment& dg = c.s.seg[ES];
  uint32_t n = run_length(sg, seg_access::READ, st.si, st.amask, st.size, count);
  n = run_length(dg, seg_access::WRITE, st.di, st.amask, st.size, n);
  if (n == 0) return 0;
  const uint8_t* hs = tlb_host(c, uint32_t(sg.base + st.si), false);
  uint8_t* hd = tlb_host(c, uint32_t(dg.base + st.di), true);
  if (!hs || !hd) return 0;
  const size_t len = size_t(n) * st.size;
  const uintptr_t d = reinterpret_cast<uintptr_t>(hd) - reinterpret_cast<uintptr_t>(hs);
  if (d != 0 && d < len) {  // destination starts inside the source run
    if (d < st.size) return 0;
    for (size_t k = 0; k < len; ++k) hd[k] = hs[k];
  } else {
    std::memmove(hd, hs, len);
  }
  return n;
}

// Forward REP STOS run.
uint32_t fast_stos(Cpu& c, const StrState& st, uint32_t count) {
  const Segment& dg = c.s.seg[ES];
  const uint32_t n = run_length(dg, seg_access::WRITE, st.di, st.amask, st.size, count);
  if (n == 0) return 0;
  uint8_t* hd = tlb_host(c, uint32_t(dg.base + st.di), true);
  if (!hd) return 0;
  const uint32_t v = c.reg(EAX, st.size);
  if (st.size == 1) {
    std::memset(hd, int(v), n);
  } else {
    for (uint32_t k = 0; k < n; ++k) std::memcpy(hd + size_t(k) * st.size, &v, st.size);
  }
  return n;
}

// One iteration; updates st.si/st.di (the caller writes them back).
template <Str K>
void iterate(Cpu& c, StrState& st) {
  const unsigned size = st.size;
  if constexpr (K == Str::Movs) {
    const uint32_t v = c.read_sized(st.src, st.si, size);
    c.write_sized(ES, st.di, v, size);
  } else if constexpr (K == Str::Cmps) {
    const uint32_t a = c.read_sized(st.src, st.si, size);
    const uint32_t b = c.read_sized(ES, st.di, size);
    c.lazy(LF_SUB, a - b, a, b, size);
  } else if constexpr (K == Str::Scas) {
    const uint32_t a = c.reg(EAX, size);
    const uint32_t b = c.read_sized(ES, st.di, size);
    c.lazy(LF_SUB, a - b, a, b, size);
  } else if constexpr (K == Str::Lods) {
    c.set_reg(EAX, size, c.read_sized(st.src, st.si, size));
  } else if constexpr (K == Str::Stos) {
    c.write_sized(ES, st.di, c.reg(EAX, size), size);
  } else if constexpr (K == Str::Ins) {
    c.check_write(ES, st.di, size);  // fault before the port is read
    const uint32_t v = c.bus.io_read(uint16_t(c.s.gpr[EDX]), size);
    c.write_sized(ES, st.di, v, size);
  } else {  // Outs
    const uint32_t v = c.read_sized(st.src, st.si, size);
    c.bus.io_write(uint16_t(c.s.gpr[EDX]), v, size);
  }
  if constexpr (uses_src(K)) st.si = (st.si + st.step) & st.amask;
  if constexpr (uses_dst(K)) st.di = (st.di + st.step) & st.amask;
}

template <Str K>
void writeback(Cpu& c, const StrState& st) {
  if constexpr (uses_src(K)) c.set_reg(ESI, st.asize, st.si);
  if constexpr (uses_dst(K)) c.set_reg(EDI, st.asize, st.di);
}

template <Str K>
void rep_loop(Cpu& c, const DecodedInsn& i, StrState& st, uint32_t count) {
  const bool stepping = c.s.eflags & fl::TF;
  const bool forward = !(c.s.eflags & fl::DF);
  int64_t budget = stepping ? 1 : REP_BUDGET;
  for (;;) {
    if constexpr (K == Str::Movs || K == Str::Stos) {
      if (forward && !stepping) {
        const uint32_t n = K == Str::Movs ? fast_movs(c, st, count) : fast_stos(c, st, count);
        if (n) {
          const uint32_t bytes = n * st.size;
          if constexpr (K == Str::Movs) st.si = (st.si + bytes) & st.amask;
          st.di = (st.di + bytes) & st.amask;
          count -= n;
          writeback<K>(c, st);
          c.set_reg(ECX, st.asize, count);
          if (count == 0) return;
          budget -= n;
          if (budget <= 0) break;
          continue;
        }
      }
    }
    iterate<K>(c, st);
    --count;
    writeback<K>(c, st);
    c.set_reg(ECX, st.asize, count);
    if (count == 0) return;
    if constexpr (K == Str::Cmps || K == Str::Scas) {
      const bool zf = c.flag(fl::ZF);
      if (i.rep == REP_E ? !zf : zf) return;
    }
    // A debugger's watchpoint (or a write to a code page) hit in this
    // iteration: stop here, as a data breakpoint's trap inside REP does.
    if (c.end_block) break;
    budget -= stepping ? 1 : SLOW_COST;
    if (budget <= 0) break;
  }
  // More iterations remain: run this instruction again after the block ends
  // (interrupts and single-step traps are taken in between). With debug
  // registers armed, RF keeps an instruction breakpoint on this instruction
  // from firing again when it resumes (step_prologue clears RF); so does
  // a debugger's breakpoint on it.
  c.next_eip = uint32_t(c.s.eip);
  c.end_block = true;
  if (c.debug_active() || c.dbg.armed()) c.s.eflags |= fl::RF;
}

template <Str K>
void string_op(Cpu& c, const DecodedInsn& i) {
  StrState st;
  st.size = (i.opcode & 1) ? i.osize : 1;
  st.asize = i.asize == 2 ? 2 : 4;
  st.amask = size_mask(st.asize);
  st.step = (c.s.eflags & fl::DF) ? uint32_t(-int32_t(st.size)) : st.size;
  st.src = i.seg;
  st.si = c.reg(ESI, st.asize);
  st.di = c.reg(EDI, st.asize);
  constexpr bool io = K == Str::Ins || K == Str::Outs;

  if (!i.rep) {
    if constexpr (io) check_io(c, uint16_t(c.s.gpr[EDX]), st.size);
    iterate<K>(c, st);
    writeback<K>(c, st);
    return;
  }

  uint32_t count = c.reg(ECX, st.asize);
  if (count == 0) return;
  if constexpr (io) check_io(c, uint16_t(c.s.gpr[EDX]), st.size);
  if constexpr (K == Str::Cmps || K == Str::Scas) {
    // A fault restores EFLAGS as they were before this execution (SDM REP).
    const LazyFlags lf = c.s.lf;
    const uint32_t arith = c.s.eflags & fl::ARITH;
    try {
      rep_loop<K>(c, i, st, count);
    } catch (const GuestFault&) {
      c.s.lf = lf;
      c.s.eflags = (c.s.eflags & ~fl::ARITH) | arith;
      throw;
    }
  } else {
    rep_loop<K>(c, i, st, count);
  }
}

}  // namespace

// MOVSD and CMPSD share their mnemonics with SSE2 instructions this CPU does
// not have: only the string opcodes are accepted.
void op_movs(Cpu& c, const DecodedInsn& i) {
  if ((i.opcode & 0xFE) != 0xA4) raise_fault(VEC_UD);
  string_op<Str::Movs>(c, i);
}
void op_cmps(Cpu& c, const DecodedInsn& i) {
  if ((i.opcode & 0xFE) != 0xA6) raise_fault(VEC_UD);
  string_op<Str::Cmps>(c, i);
}
void op_scas(Cpu& c, const DecodedInsn& i) { string_op<Str::Scas>(c, i); }
void op_lods(Cpu& c, const DecodedInsn& i) { string_op<Str::Lods>(c, i); }
void op_stos(Cpu& c, const DecodedInsn& i) { string_op<Str::Stos>(c, i); }
void op_ins(Cpu& c, const DecodedInsn& i) { string_op<Str::Ins>(c, i); }
void op_outs(Cpu& c, const DecodedInsn& i) { string_op<Str::Outs>(c, i); }

}  // namespace xlat::core
