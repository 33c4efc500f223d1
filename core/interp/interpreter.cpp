#include "core/interp/interpreter.hpp"

#include <algorithm>

#include "core/isa/isa.hpp"

namespace xlat::core {

namespace {
constexpr uint32_t BLOCK_STOP = isa_attr::A_END | isa_attr::A_MODE | isa_attr::A_IO;
}

DecodedBlock* Interpreter::build(Cpu& c, uint64_t phys, uint64_t key) {
  auto blk = std::make_unique<DecodedBlock>();
  blk->key = key;
  blk->pages[0] = blk->pages[1] = phys & ~0xFFFull;
  uint32_t eip = uint32_t(c.s.eip);
  const uint32_t start_page = uint32_t(c.s.seg[CS].base + eip) & ~0xFFFu;
  const uint64_t saved_cr2 = c.s.cr2;
  const unsigned limit = std::min<unsigned>(MAX_BLOCK, c.block_insn_limit);
  for (unsigned i = 0; i < limit; ++i) {
    DecodedInsn in;
    uint64_t ph;
    DecodeStatus st;
    if (i == 0) {
      st = c.fetch_decode(eip, in, ph);  // faults of the first instruction are real
    } else {
      try {
        st = c.fetch_decode(eip, in, ph);
      } catch (const GuestFault&) {
        c.s.cr2 = saved_cr2;  // a later instruction's fault is raised when it runs
        break;
      }
      if (st == DecodeStatus::Invalid) break;
    }
    blk->insns.push_back(in);
    const uint32_t lin = uint32_t(c.s.seg[CS].base + eip);
    if (((lin & 0xFFF) + in.len) > 0x1000) {
      // The instruction's tail is on the next page: remember that page too.
      blk->pages[1] = c.translate((lin | 0xFFF) + 1, Access::Fetch, c.user()) & ~0xFFFull;
      break;
    }
    if (st == DecodeStatus::Invalid || (op_info[in.op].attrs & BLOCK_STOP)) break;
    eip += in.len;
    if (!c.code32()) eip &= 0xFFFF;
    if ((uint32_t(c.s.seg[CS].base + eip) & ~0xFFFu) != start_page) break;
  }
  for (uint64_t pg : {blk->pages[0], blk->pages[1]}) {
    if (!c.bus.is_code_page(pg)) {
      c.bus.set_code_page(pg, true);
      c.tlb.protect_ppage(pg);
    }
    page_blocks_[pg].push_back(key);
    if (blk->pages[1] == blk->pages[0]) break;
  }
  blk->bytes = 0;
  for (const DecodedInsn& in : blk->insns) blk->bytes += in.len;
  ++blocks_decoded;
  if (c.tracer && c.tracer->on(trace::IN_ASM))
    c.tracer->block_decoded(c, uint32_t(c.s.eip), phys, unsigned(blk->insns.size()), blk->bytes);
  DecodedBlock* raw = blk.get();
  blocks_[key] = std::move(blk);
  return raw;
}

DecodedBlock* Interpreter::lookup(Cpu& c, uint64_t phys) {
  const uint64_t key = phys | (uint64_t(c.code32()) << 32);
  DecodedBlock*& slot = fast_[fast_index(key)];
  DecodedBlock* b = slot;
  if (!b || b->key != key) {
    auto it = blocks_.find(key);
    b = it != blocks_.end() ? it->second.get() : build(c, phys, key);
    slot = b;
  }
  if (b->pages[1] != b->pages[0]) [[unlikely]] {
    // A block ending in a page-crossing instruction is valid only while the
    // second page maps to the same physical page.
    uint32_t lin = uint32_t(c.s.seg[CS].base + c.s.eip);
    uint64_t p1 = c.translate((lin + b->bytes - 1) & ~0xFFFu, Access::Fetch, c.user()) & ~0xFFFull;
    if (p1 != b->pages[1]) {
      code_page_written(b->pages[0] >> PAGE_SHIFT);
      b = build(c, phys, key);
      fast_[fast_index(key)] = b;
    }
  }
  return b;
}

bool Interpreter::block_has_break(Cpu& c) {
  const uint32_t eip = uint32_t(c.s.eip);
  const Segment& cs = c.s.seg[CS];
  const uint32_t lin = uint32_t(cs.base + eip);
  const uint64_t phys = c.translate(lin, Access::Fetch, c.user());
  if (eip > cs.hi) raise_fault(VEC_GP, 0);
  const DecodedBlock* b = lookup(c, phys);
  return c.dbg.block_has_break(lin, phys, b->bytes, b->pages[1] != b->pages[0]);
}

void Interpreter::exec_block(Cpu& c, bool single) {
  // A request to end "the running block" made between blocks (an exception
  // or interrupt frame written to a code page) has nothing left to end.
  c.end_block = false;
  uint32_t eip = uint32_t(c.s.eip);
  const Segment& cs = c.s.seg[CS];
  const uint32_t lin = uint32_t(cs.base + eip);
  const TlbEntry& e = c.tlb.e[c.user()][SoftTlb::index(lin)];
  uint64_t phys = (e.tag_r == (lin & ~0xFFFu)) ? (e.ppage() | (lin & 0xFFF))
                                                : c.translate(lin, Access::Fetch, c.user());
  if (eip > cs.hi) raise_fault(VEC_GP, 0);
  DecodedBlock* b = lookup(c, phys);
  if (c.tracer && c.tracer->on(trace::EXEC | trace::CPU)) [[unlikely]]
    c.tracer->block_exec(c, phys);
  // A debugger's breakpoint after the block's first instruction: run one
  // instruction, so the run loop's stop_here() sees the next one.
  if (!single && c.dbg.armed() && c.dbg.block_has_break(lin, phys, b->bytes, b->pages[1] != b->pages[0]))
    single = true;
  single_steps += single;
  const DecodedInsn* p = b->insns.data();
  const DecodedInsn* end = single ? p + 1 : p + b->insns.size();
  const bool c32 = c.code32();
  // A block that ends beyond the CS limit (the limit shrank since it was
  // decoded) runs one instruction at a time with the check.
  const bool limit_checks = uint64_t(eip) + b->bytes - 1 > cs.hi;
  for (; p != end; ++p) {
    uint32_t nx = eip + p->len;
    if (!c32) nx &= 0xFFFF;
    if (limit_checks && uint64_t(eip) + p->len - 1 > cs.hi) raise_fault(VEC_GP, 0);
    c.next_eip = nx;
    p->fn(c, *p);
    eip = c.next_eip;
    c.s.eip = eip;
    ++c.icount;
    if (c.end_block) {
      c.end_block = false;
      break;
    }
  }
}

void Interpreter::run(Cpu& c, uint64_t until) {
  while (c.icount < until) {
    const uint32_t ev_now = c.events.load(std::memory_order_relaxed);
    if (ev_now) {
      if (ev_now & (ev::STOP | ev::SHUTDOWN)) return;
      if (ev_now & ev::DEADLINE) {  // the caller recomputes `until` from the new deadline
        c.events.fetch_and(~ev::DEADLINE, std::memory_order_relaxed);
        return;
      }
      if (c.service_interrupts()) continue;
    }
    if (c.s.halted) return;
    flush_graveyard();
    const bool tf = c.s.eflags & fl::TF;
    const bool shadow = c.s.irq_inhibit;
    const bool single = tf || shadow || c.debug_active();
    // A debugger's breakpoint or step stops here, before the instruction
    // (ev::STOP is then set: the loop returns at its top).
    if (c.dbg.armed() && c.dbg.stop_here(c)) continue;
    try {
      if (single) {
        c.step_prologue();
        exec_block(c, true);
        if (shadow) c.s.irq_inhibit = 0;
        c.step_epilogue(tf);
      } else {
        exec_block(c, false);
      }
    } catch (const GuestFault& f) {
      c.end_block = false;
      c.handle_fault(f);
    }
  }
}

void Interpreter::step(Cpu& c) {
  if (c.dbg.armed() && c.dbg.stop_here(c)) return;  // a debugger stops before it
  const bool tf = c.s.eflags & fl::TF;
  const bool shadow = c.s.irq_inhibit;
  try {
    c.step_prologue();
    exec_block(c, true);
    if (shadow) c.s.irq_inhibit = 0;
    c.step_epilogue(tf);
  } catch (const GuestFault& f) {
    c.end_block = false;
    c.handle_fault(f);
  }
}

void Interpreter::code_page_written(uint64_t page_number) {
  const uint64_t ppage = page_number << PAGE_SHIFT;
  auto it = page_blocks_.find(ppage);
  if (it != page_blocks_.end()) {
    for (uint64_t key : it->second) {
      auto b = blocks_.find(key);
      if (b == blocks_.end()) continue;
      DecodedBlock*& slot = fast_[fast_index(key)];
      if (slot == b->second.get()) slot = nullptr;
      graveyard_.push_back(std::move(b->second));  // may be the running block: free later
      blocks_.erase(b);
      ++block_invalidations;
    }
    page_blocks_.erase(it);
  }
  cpu_bus_clear_(ppage);
}

void Interpreter::flush_all_code() {
  for (auto& [key, b] : blocks_) graveyard_.push_back(std::move(b));
  blocks_.clear();
  for (auto& [pg, keys] : page_blocks_) cpu_bus_clear_(pg);
  page_blocks_.clear();
  for (auto& f : fast_) f = nullptr;
}

void Interpreter::list_blocks(std::vector<BlockInfo>& out) const {
  for (const auto& [key, b] : blocks_) {
    BlockInfo i;
    i.phys = key & 0xFFFFFFFFull;
    i.code32 = key >> 32;
    i.bytes = b->bytes;
    i.insns = uint32_t(b->insns.size());
    out.push_back(i);
  }
}

void Interpreter::flush_graveyard() { graveyard_.clear(); }

}  // namespace xlat::core
