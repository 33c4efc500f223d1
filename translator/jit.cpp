#include "translator/jit.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "translator/backend/emitter.hpp"
#include "translator/block_decoder.hpp"

namespace xlat::translator {

using namespace core;

namespace {
uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

bool seg_flat(const Segment& g) {
  return g.base == 0 && g.lo == 0 && g.hi == 0xFFFFFFFFu &&
         (g.access & (seg_access::READ | seg_access::WRITE)) == (seg_access::READ | seg_access::WRITE);
}

unsigned fast_index(const BlockKey& k) {
  return unsigned((k.phys ^ (k.phys >> 12) ^ (uint64_t(k.mode) << 7) ^ k.cs_base) & ((1u << 12) - 1));
}
}  // namespace

uint32_t helper_exec(JitShared* sh, const DecodedInsn* in, uint32_t eip, uint32_t pending) {
  Jit& j = *static_cast<Jit*>(sh->owner);
  Cpu& c = *j.cpu_;
  c.icount += pending;
  c.s.eip = eip;
  uint32_t nx = eip + in->len;
  if (!c.code32()) nx &= 0xFFFF;
  c.next_eip = nx;
  ++j.stats_.helper_calls[in->op];
  try {
    in->fn(c, *in);
  } catch (const GuestFault& f) {
    c.end_block = false;
    j.fault_ = f;
    sh->exit_reason = EXIT_FAULT;
    return 1;
  } catch (...) {
    c.end_block = false;
    j.exc_ = std::current_exception();
    sh->exit_reason = EXIT_EXCEPTION;
    return 1;
  }
  c.s.eip = c.next_eip;
  ++c.icount;
  c.materialize_flags();
  if (c.end_block || c.s.irq_inhibit) {
    c.end_block = false;
    sh->exit_reason = EXIT_END;
    return 1;
  }
  return 0;
}

void helper_materialize(JitShared* sh) { static_cast<Jit*>(sh->owner)->cpu_->materialize_flags(); }

Jit::Jit(Bus& bus, JitOptions opt)
    : bus_(bus), interp_(bus), opt_(opt), cache_(std::max(opt.cache_bytes, MIN_CODE_CACHE)), ib_(size_t(1) << IB_BITS), fast_(size_t(1) << FAST_BITS) {
  rt_ = x64::emit_runtime(cache_);
  for (IbEntry& e : ib_) e = IbEntry{0xFFFFFFFFu, 0, ~0ull, nullptr, 0};
  sh_.ib_table = ib_.data();
  sh_.helper_exec = reinterpret_cast<void*>(&helper_exec);
  sh_.materialize = reinterpret_cast<void*>(&helper_materialize);
  sh_.owner = this;
  env_.exit_common = rt_.exit_common;
  env_.stats = opt_.stats;
  if (opt_.perf_map) {
    const std::string path = "/tmp/perf-" + std::to_string(getpid()) + ".map";
    perf_map_ = std::fopen(path.c_str(), "w");
  }
}

Jit::~Jit() {
  if (perf_map_) std::fclose(perf_map_);
}

void Jit::bind(Cpu& c) {
  if (cpu_ == &c) return;
  cpu_ = &c;
  const char* base = reinterpret_cast<const char*>(&c.s);
  env_.off_icount = int32_t(reinterpret_cast<const char*>(&c.icount) - base);
  env_.off_events = int32_t(reinterpret_cast<const char*>(&c.events) - base);
  env_.off_tlb = int32_t(reinterpret_cast<const char*>(&c.tlb.e[0][0]) - base);
  sh_.icount = &c.icount;
  if (!blocks_.empty()) flush_cache();
}

BlockKey Jit::make_key(const Cpu& c, uint64_t phys) const {
  const Segment& cs = c.s.seg[CS];
  BlockKey k{};
  k.phys = phys;
  k.eip = uint32_t(c.s.eip);
  k.cs_base = uint32_t(cs.base);
  k.cs_hi = cs.hi;
  uint32_t m = 0;
  if (c.code32()) m |= mode_bits::CODE32;
  if (c.stack32()) m |= mode_bits::STACK32;
  if (c.user()) m |= mode_bits::USER;
  if (c.protected_mode()) m |= mode_bits::PE;
  if (c.v86()) m |= mode_bits::VM;
  for (unsigned s = 0; s < 6; ++s)
    if (seg_flat(c.s.seg[s])) m |= mode_bits::flat(s);
  if (cs.hi == 0xFFFFFFFFu) m |= mode_bits::CSLIM_4G;
  else if (cs.hi == 0xFFFFu) m |= mode_bits::CSLIM_64K;
  k.mode = m;
  return k;
}

Block* Jit::find(Cpu& c) {
  const uint32_t eip = uint32_t(c.s.eip);
  const Segment& cs = c.s.seg[CS];
  if (eip > cs.hi) raise_fault(VEC_GP, 0);
  const uint32_t lin = uint32_t(cs.base + eip);
  const TlbEntry& e = c.tlb.e[c.user()][SoftTlb::index(lin)];
  const uint64_t phys = (e.tag_r == (lin & ~0xFFFu)) ? (e.ppage() | (lin & 0xFFF))
                                                      : c.translate(lin, Access::Fetch, c.user());
  const BlockKey k = make_key(c, phys);
  Block*& slot = fast_[fast_index(k)];
  Block* b = slot;
  if (!b || !(b->key == k)) {
    auto it = blocks_.find(k);
    b = it != blocks_.end() ? it->second.get() : nullptr;
  }
  if (b && b->pages[1] != b->pages[0]) {
    // Valid only while its second page maps to the same physical page.
    const uint64_t p1 = c.translate((lin + b->bytes - 1) & ~0xFFFu, Access::Fetch, c.user()) & ~0xFFFull;
    if (p1 != b->pages[1]) {
      invalidate(b);
      b = nullptr;
    }
  }
  if (!b) b = translate(c, k);
  if (b) fast_[fast_index(k)] = b;
  return b;
}

void Jit::mark_pages(Block* b) {
  for (uint64_t pg : {b->pages[0], b->pages[1]}) {
    if (!bus_.is_code_page(pg)) {
      bus_.set_code_page(pg, true);
      cpu_->tlb.protect_ppage(pg);
    }
  }
}

// Whether the code at `eip` (on the block's first page) reads arithmetic
// flags before it writes all of them, looking at up to 16 instructions the
// way the emitter decides to materialize lazy flags at a block's entry, and
// guessing yes where it cannot follow the code. A guess only (the code may
// change): it picks how the exits to it store flags.
bool Jit::reads_flags_first(Cpu& c, const Block& b, uint32_t eip) {
  const uint32_t page = (b.key.cs_base + b.key.eip) & ~0xFFFu;
  const uint64_t saved_cr2 = c.s.cr2;
  for (int n = 0; n < 16; ++n) {
    if (((b.key.cs_base + eip) & ~0xFFFu) != page || eip > b.key.cs_hi) return false;
    DecodedInsn in;
    uint64_t ph;
    try {
      if (c.fetch_decode(eip, in, ph) == DecodeStatus::Invalid) return false;
    } catch (const GuestFault&) {
      c.s.cr2 = saved_cr2;
      return false;
    }
    if (x64::classify(in, b.key.mode, b.key.cs_hi) == x64::Support::Helper) return false;
    const uint32_t r = insn_flags_read(in), w = insn_flags_written(in);
    if (r || (w && w != fl::ARITH)) return true;
    if (w == fl::ARITH) return false;
    eip += in.len;
    if (op_info[in.op].attrs & isa_attr::A_END) {
      // Followed through a direct JMP or CALL; any other way on (RET, an
      // indirect branch) leads to code not known here: assume it reads them.
      if ((in.op != OP_JMP && in.op != OP_CALL) || in.nops != 1 || in.o[0].kind != OpKind::Rel) return true;
      eip += in.imm;
      if (in.osize == 2) eip &= 0xFFFF;
    }
    if (!(b.key.mode & mode_bits::CODE32)) eip &= 0xFFFF;
  }
  return false;
}

Block* Jit::translate(Cpu& c, const BlockKey& k) {
  auto blk = std::make_unique<Block>();
  blk->key = k;
  decode_block(c, *blk);  // a fault fetching the first instruction propagates
  if (uint64_t(k.eip) + blk->bytes - 1 > k.cs_hi) return nullptr;  // runs past the CS limit
  {
    // The direct exits that may store flags lazily: the fall-through and a
    // near JMP/Jcc target.
    const DecodedInsn& last = blk->insns.back();
    uint32_t next = k.eip + blk->bytes;
    if (!(k.mode & mode_bits::CODE32)) next &= 0xFFFF;
    std::vector<uint32_t> targets{next};
    if ((last.op == OP_JMP || (last.op >= OP_JO && last.op <= OP_JNLE)) && last.nops == 1 &&
        last.o[0].kind == OpKind::Rel)
      targets.push_back(last.osize == 2 ? (next + last.imm) & 0xFFFF : next + last.imm);
    for (uint32_t t : targets)
      if (reads_flags_first(c, *blk, t)) blk->flag_reading_targets.push_back(t);
  }
  const uint64_t t0 = now_ns();
  if (!x64::translate_block(env_, cache_, *blk)) {
    flush_cache();
    mark_pages(blk.get());
    if (!x64::translate_block(env_, cache_, *blk)) throw std::runtime_error("translator: block larger than the code cache");
  }
  stats_.translate_ns += now_ns() - t0;
  ++stats_.blocks_translated;
  if (c.tracer && c.tracer->on(trace::IN_ASM))
    c.tracer->block_decoded(c, k.eip, k.phys, unsigned(blk->insns.size()), blk->bytes);
  if (c.tracer && c.tracer->on(trace::OUT_ASM)) c.tracer->block_translated(c, k.eip, blk->code, blk->code_size);
  Block* b = blk.get();
  for (uint64_t pg : {b->pages[0], b->pages[1]}) {
    page_blocks_[pg].push_back(b);
    if (b->pages[1] == b->pages[0]) break;
  }
  perf_map_add(b);
  blocks_[k] = std::move(blk);
  return b;
}

void Jit::perf_map_add(const Block* b) {
  if (!perf_map_) return;
  std::fprintf(perf_map_, "%lx %x xlat:%04x:%08x%s\n", reinterpret_cast<unsigned long>(b->code), b->code_size,
               b->key.cs_base >> 4, b->key.eip, (b->key.mode & mode_bits::CODE32) ? "" : "/16");
  std::fflush(perf_map_);
}

void Jit::patch(uint8_t* jmp, const uint8_t* target) {
  const int32_t rel = int32_t(target - (jmp + 5));
  cache_.write(jmp + 1, &rel, 4);
}

void Jit::try_link(Link* l, Block* to) {
  Block* from = l->from;
  if (from->dead || to->dead || l->to) return;
  if (to->key.eip != l->target_eip || to->key.cs_base != from->key.cs_base || to->key.cs_hi != from->key.cs_hi ||
      to->key.mode != from->key.mode)
    return;
  patch(l->jmp, l->same_page ? to->entry : to->checked_entry);
  l->to = to;
  to->incoming.push_back(l);
  ++stats_.links;
}

void Jit::ib_insert(Block* b) {
  if (!(b->key.mode & (mode_bits::CSLIM_4G | mode_bits::CSLIM_64K))) return;
  IbEntry& e = ib_[x64::ib_index(b->key.eip)];
  e.eip = b->key.eip;
  e.ctx = uint64_t(b->key.mode) | (uint64_t(b->key.cs_base) << 32);
  e.code = b->checked_entry;
}

void Jit::invalidate(Block* b) {
  if (b->dead) return;
  b->dead = true;
  ++stats_.invalidations;
  for (Link* l : b->incoming) {
    if (l->to == b) {
      patch(l->jmp, l->stub);
      l->to = nullptr;
    }
  }
  b->incoming.clear();
  for (auto& l : b->exits) {
    if (Block* t = l->to) {
      auto& v = t->incoming;
      v.erase(std::remove(v.begin(), v.end(), l.get()), v.end());
      l->to = nullptr;
    }
    if (pending_link_ == l.get()) pending_link_ = nullptr;
  }
  IbEntry& e = ib_[x64::ib_index(b->key.eip)];
  if (e.code == b->checked_entry) e = IbEntry{0xFFFFFFFFu, 0, ~0ull, nullptr, 0};
  Block*& slot = fast_[fast_index(b->key)];
  if (slot == b) slot = nullptr;
  for (uint64_t pg : {b->pages[0], b->pages[1]}) {
    auto it = page_blocks_.find(pg);
    if (it == page_blocks_.end()) continue;
    auto& v = it->second;
    v.erase(std::remove(v.begin(), v.end(), b), v.end());
    if (v.empty()) page_blocks_.erase(it);
  }
  auto it = blocks_.find(b->key);
  if (it != blocks_.end() && it->second.get() == b) {
    graveyard_.push_back(std::move(it->second));  // it may be running: freed between blocks
    blocks_.erase(it);
  }
}

void Jit::code_page_written(uint64_t page_number) {
  const uint64_t ppage = page_number << 12;
  interp_.code_page_written(page_number);  // its decoded blocks (cold code, single steps) too
  auto it = page_blocks_.find(ppage);
  if (it != page_blocks_.end()) {
    const std::vector<Block*> v = it->second;
    for (Block* b : v) invalidate(b);
  }
  bus_.set_code_page(ppage, false);
}

void Jit::flush_all_code() {
  interp_.flush_all_code();
  if (in_jit_) {
    // Translated code is running (this comes from a helper): drop everything
    // now, reuse the memory once it has left.
    for (auto& [k, b] : blocks_) {
      b->dead = true;
      graveyard_.push_back(std::move(b));
    }
    for (auto& [pg, v] : page_blocks_) bus_.set_code_page(pg, false);
    blocks_.clear();
    page_blocks_.clear();
    std::fill(fast_.begin(), fast_.end(), nullptr);
    for (IbEntry& e : ib_) e = IbEntry{0xFFFFFFFFu, 0, ~0ull, nullptr, 0};
    pending_link_ = nullptr;
    flush_pending_ = true;
    if (cpu_) cpu_->end_block = true;
    return;
  }
  flush_cache();
}

void Jit::flush_cache() {
  ++stats_.cache_flushes;
  for (auto& [pg, v] : page_blocks_) bus_.set_code_page(pg, false);
  interp_.flush_all_code();
  for (auto& [k, b] : blocks_) b->dead = true;
  blocks_.clear();
  page_blocks_.clear();
  graveyard_.clear();
  std::fill(fast_.begin(), fast_.end(), nullptr);
  for (IbEntry& e : ib_) e = IbEntry{0xFFFFFFFFu, 0, ~0ull, nullptr, 0};
  pending_link_ = nullptr;
  pending_ib_ = false;
  flush_pending_ = false;
  cache_.reset(rt_.bytes);
}

void Jit::list_blocks(std::vector<core::BlockInfo>& out) const {
  for (const auto& [key, b] : blocks_) {
    core::BlockInfo i;
    i.phys = key.phys;
    i.bytes = b->bytes;
    i.insns = uint32_t(b->insns.size());
    i.code32 = key.mode & mode_bits::CODE32;
    i.has_linear = true;
    i.cs_base = key.cs_base;
    i.eip = key.eip;
    i.host_bytes = b->code_size;
    i.exits = uint32_t(b->exits.size());
    for (const auto& l : b->exits) i.linked += l->to != nullptr;
    out.push_back(i);
  }
  interp_.list_blocks(out);  // cold code and single steps: decoded, not translated
}

void Jit::reclaim() {
  graveyard_.clear();
  if (flush_pending_) {
    flush_pending_ = false;
    cache_.reset(rt_.bytes);
  }
}

void Jit::run(Cpu& c, uint64_t until) {
  bind(c);
  const uint64_t t0 = now_ns();
  while (c.icount < until) {
    const uint32_t ev_now = c.events.load(std::memory_order_relaxed);
    if (ev_now) {
      if (ev_now & (ev::STOP | ev::SHUTDOWN)) break;
      if (ev_now & ~(ev::IRQ | ev::NMI)) {
        // A deadline moved earlier (the machine's DEADLINE event): return so
        // the caller recomputes the run's limit, as the interpreter does.
        c.events.fetch_and(ev::IRQ | ev::NMI, std::memory_order_relaxed);
        break;
      }
      if (c.service_interrupts()) {
        pending_link_ = nullptr;
        pending_ib_ = false;
        continue;
      }
    }
    if (c.s.halted) break;
    reclaim();
    // A debugger's breakpoint or step stops before this instruction.
    if (c.dbg.armed() && c.dbg.stop_here(c)) continue;
    if ((c.s.eflags & fl::TF) || c.s.irq_inhibit || c.debug_active()) {
      ++stats_.single_steps;
      pending_link_ = nullptr;
      pending_ib_ = false;
      interp_.step(c);
      continue;
    }
    Block* b;
    try {
      // Breakpoints armed (core/debug_hooks.hpp): a block with one after its
      // first instruction runs one instruction in the interpreter (whose
      // decoded block has the same extent: the engines cut blocks alike),
      // without translating a block at every step.
      if (c.dbg.armed() && interp_.block_has_break(c)) [[unlikely]] {
        ++stats_.single_steps;
        pending_link_ = nullptr;
        pending_ib_ = false;
        interp_.step(c);
        continue;
      }
      b = find(c);
    } catch (const GuestFault& f) {
      c.end_block = false;
      pending_link_ = nullptr;
      pending_ib_ = false;
      c.handle_fault(f);
      continue;
    }
    if (!b) {
      ++stats_.interp_blocks;
      pending_link_ = nullptr;
      pending_ib_ = false;
      interp_.run(c, c.icount + 1);
      continue;
    }
    if (pending_link_) try_link(pending_link_, b);
    if (pending_ib_) ib_insert(b);
    pending_link_ = nullptr;
    pending_ib_ = false;
    sh_.until = until;
    if (c.dbg.armed()) sh_.until = c.icount + 1;  // back here after the block (no chaining past a check)
    if (c.tracer && c.tracer->on(trace::EXEC | trace::CPU)) [[unlikely]] {
      c.tracer->block_exec(c, b->key.phys);
      sh_.until = c.icount + 1;  // one block at a time, so every block is traced
    }
    c.materialize_flags();
    c.end_block = false;  // a request made between blocks (e.g. an exception frame on a code page) ends nothing
    ++stats_.dispatches;
    in_jit_ = true;
    rt_.enter(&sh_, &c.s, b->entry);
    in_jit_ = false;
    const uint32_t why = sh_.exit_reason;
    ++stats_.exits[why < EXIT_COUNT ? why : 0];
    switch (why) {
      case EXIT_CHAIN: pending_link_ = sh_.exit_link; break;
      case EXIT_LOOKUP: pending_ib_ = true; break;
      case EXIT_FAULT: c.handle_fault(fault_); break;
      case EXIT_EXCEPTION: {
        std::exception_ptr e = exc_;
        exc_ = nullptr;
        stats_.run_ns += now_ns() - t0;
        std::rethrow_exception(e);
      }
      default: break;
    }
  }
  stats_.run_ns += now_ns() - t0;
}

void Jit::print_stats(std::FILE* out, uint64_t icount) const {
  static const char* const why[EXIT_COUNT] = {"none", "dispatch", "chain-miss", "lookup-miss", "fault",
                                              "exception", "helper-end", "deadline", "event", "page-check"};
  const double run_s = double(stats_.run_ns) / 1e9, tr_s = double(stats_.translate_ns) / 1e9;
  std::fprintf(out, "jit: guest instructions retired   %llu\n", (unsigned long long)icount);
  std::fprintf(out, "jit: run time                     %.3f s (%.1f MIPS)\n", run_s,
               run_s > 0 ? double(icount) / run_s / 1e6 : 0.0);
  std::fprintf(out, "jit: blocks translated            %llu (%llu live, %llu invalidated, %llu cache flushes)\n",
               (unsigned long long)stats_.blocks_translated, (unsigned long long)blocks_.size(),
               (unsigned long long)stats_.invalidations, (unsigned long long)stats_.cache_flushes);
  std::fprintf(out, "jit: translation time             %.3f s (%.1f%% of run time)\n", tr_s,
               run_s > 0 ? 100.0 * tr_s / run_s : 0.0);
  std::fprintf(out, "jit: code cache                   %zu of %zu bytes\n", cache_.used(), cache_.capacity());
  const uint64_t lookups = sh_.n_ib_hits;
  std::fprintf(out, "jit: transitions                  %llu dispatcher, %llu indirect look-ups",
               (unsigned long long)stats_.dispatches, (unsigned long long)lookups);
  if (opt_.stats) {
    const uint64_t entries = sh_.n_block_entries;
    const uint64_t chained = entries > stats_.dispatches + lookups ? entries - stats_.dispatches - lookups : 0;
    std::fprintf(out, ", %llu chained (%llu block entries)", (unsigned long long)chained,
                 (unsigned long long)entries);
  }
  std::fprintf(out, "; %llu links patched\n", (unsigned long long)stats_.links);
  std::fprintf(out, "jit: interpreter                  %llu single steps, %llu blocks\n",
               (unsigned long long)stats_.single_steps, (unsigned long long)stats_.interp_blocks);
  std::fprintf(out, "jit: exits by reason             ");
  for (unsigned r = 1; r < EXIT_COUNT; ++r)
    if (stats_.exits[r]) std::fprintf(out, " %s=%llu", why[r], (unsigned long long)stats_.exits[r]);
  std::fprintf(out, "\n");
  if (opt_.stats) {
    const uint64_t h = sh_.n_tlb_hits, m = sh_.n_tlb_misses;
    std::fprintf(out, "jit: inline TLB                   %llu hits, %llu slow paths (%.2f%% hits)\n",
                 (unsigned long long)h, (unsigned long long)m, h + m ? 100.0 * double(h) / double(h + m) : 0.0);
  }
  std::vector<std::pair<uint64_t, unsigned>> calls;
  for (unsigned op = 0; op < OP_COUNT; ++op)
    if (stats_.helper_calls[op]) calls.push_back({stats_.helper_calls[op], op});
  std::sort(calls.rbegin(), calls.rend());
  std::fprintf(out, "jit: helper calls by instruction ");
  for (size_t i = 0; i < calls.size() && i < 20; ++i)
    std::fprintf(out, " %s=%llu", op_info[calls[i].second].name, (unsigned long long)calls[i].first);
  std::fprintf(out, "\n");
}

}  // namespace xlat::translator
