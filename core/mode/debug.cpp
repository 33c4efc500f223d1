// Debug registers, single-step, and watched pages (Intel SDM vol. 3 ch. 17).
//
// While DR7 enables any breakpoint, EFLAGS.TF or RF is set, or an interrupt
// shadow is open, the engines run one instruction at a time between
// step_prologue() and step_epilogue():
// - step_prologue raises the instruction-breakpoint #DB (a fault: EIP of the
//   instruction, nothing executed) for an enabled DRn with R/W = 00 equal to
//   the linear address of the instruction, unless EFLAGS.RF is set; then it
//   clears RF, as the CPU does at the start of every instruction (an IRET or
//   task switch that loads RF = 1 therefore lets exactly one instruction pass
//   its breakpoint).
// - During the instruction, data accesses to watched pages call
//   watch_access(), which records the data breakpoints they hit (R/W = 01
//   writes, R/W = 11 reads and writes; any overlap of the access with the
//   LEN-aligned range counts), and port I/O calls io_access() for I/O
//   breakpoints (R/W = 10 with CR4.DE). A faulting instruction never reaches
//   the epilogue, so its hits are forgotten with it.
// - step_epilogue delivers one #DB trap (EIP of the next instruction) for the
//   breakpoints hit (DR6.B0-B3) and for single-step (DR6.BS, when TF was set
//   at the start of the instruction and it was not INT n, which clears TF for
//   its handler). After MOV SS / POP SS (irq_inhibit == inhibit::MOV_SS) the
//   trap waits until the next instruction has executed, and reports both.
//
// Data breakpoints cost nothing on normal memory accesses: the pages of the
// armed ranges are watched (tlb.hpp, PageWatch), so the TLB never holds them
// and every access to them takes the slow path, the only place that checks.
// The same mechanism serves a debugger's watchpoints (WatchOwner::Debugger
// ranges, reported through Cpu::watch_hook).
#include "core/cpu.hpp"

namespace xlat::core {

namespace {

constexpr uint32_t DR6_BS = 1u << 14;

unsigned dr7_rw(uint32_t dr7, unsigned i) { return (dr7 >> (16 + i * 4)) & 3; }
bool dr7_enabled(uint32_t dr7, unsigned i) { return (dr7 >> (i * 2)) & 3; }

// LEN: 00 = 1 byte, 01 = 2, 11 = 4; 10 is undefined on a 32-bit P6 (later
// CPUs use it for 8 bytes, and so do we).
uint32_t dr7_len(uint32_t dr7, unsigned i) {
  static constexpr uint32_t bytes[4] = {1, 2, 8, 4};
  return bytes[(dr7 >> (18 + i * 4)) & 3];
}

enum : unsigned { RW_EXEC = 0, RW_WRITE = 1, RW_IO = 2, RW_RW = 3 };

}  // namespace

void Cpu::step_prologue() {
  suppress_step_trap = false;
  db_hits_ = 0;
  db_carry_ = db_deferred_;
  db_deferred_ = 0;
  if ((s.dr[7] & 0xFF) && !(s.eflags & fl::RF)) {
    const uint32_t lin = uint32_t(s.seg[CS].base + s.eip);
    const uint32_t dr7 = uint32_t(s.dr[7]);
    uint32_t hit = 0;
    for (unsigned i = 0; i < 4; ++i)
      if (dr7_enabled(dr7, i) && dr7_rw(dr7, i) == RW_EXEC && uint32_t(s.dr[i]) == lin) hit |= 1u << i;
    if (hit) {
      db_carry_ = 0;
      s.dr[6] = (s.dr[6] & ~0xFull) | hit;
      raise_fault(VEC_DB);
    }
  }
  s.eflags &= ~fl::RF;
}

void Cpu::step_epilogue(bool tf_before) {
  uint32_t bits = db_hits_ | db_carry_;
  db_hits_ = db_carry_ = 0;
  if (tf_before && !suppress_step_trap) bits |= DR6_BS;
  suppress_step_trap = false;
  if (!bits) return;
  if (s.irq_inhibit == inhibit::MOV_SS) {  // this instruction loaded SS: wait one more
    db_deferred_ = bits;
    return;
  }
  s.dr[6] = (s.dr[6] & ~0xFull) | bits;
  materialize_flags();
  handle_fault(GuestFault{VEC_DB, false, 0});  // a trap: s.eip is already the next instruction
}

void Cpu::debug_regs_changed() {
  const uint32_t dr7 = uint32_t(s.dr[7]);
  std::vector<WatchRange> r;
  for (unsigned i = 0; i < 4; ++i) {
    const unsigned rw = dr7_rw(dr7, i);
    if (!dr7_enabled(dr7, i) || (rw != RW_WRITE && rw != RW_RW)) continue;
    const uint32_t len = dr7_len(dr7, i);
    const uint64_t first = uint32_t(s.dr[i]) & ~(len - 1);
    r.push_back(WatchRange{first, first + len - 1, false, WatchOwner::DebugRegs});
  }
  set_watch(WatchOwner::DebugRegs, r);
}

void Cpu::set_watch(WatchOwner owner, const std::vector<WatchRange>& ranges) {
  if (tlb.watch.set(owner, ranges)) tlb.flush_all();  // old and new pages must be refilled
}

void Cpu::watch_access(uint32_t lin, uint64_t phys, unsigned size, Access acc) {
  const unsigned owners = tlb.watch.hits(lin, phys, size);
  if (owners & (1u << unsigned(WatchOwner::DebugRegs))) {
    const uint32_t dr7 = uint32_t(s.dr[7]);
    for (unsigned i = 0; i < 4; ++i) {
      const unsigned rw = dr7_rw(dr7, i);
      if (!dr7_enabled(dr7, i) || !(rw == RW_RW || (rw == RW_WRITE && acc == Access::Write))) continue;
      const uint32_t len = dr7_len(dr7, i);
      const uint64_t first = uint32_t(s.dr[i]) & ~(len - 1);
      if (first <= uint64_t(lin) + size - 1 && first + len - 1 >= lin) db_hits_ |= 1u << i;
    }
  }
  if ((owners & (1u << unsigned(WatchOwner::Debugger))) && watch_hook) watch_hook(lin, phys, size, acc);
}

void Cpu::io_access(uint16_t port, unsigned size) {
  const uint32_t dr7 = uint32_t(s.dr[7]);
  if (!(dr7 & 0xFF) || !(s.cr4 & cr4::DE)) return;
  for (unsigned i = 0; i < 4; ++i) {
    if (!dr7_enabled(dr7, i) || dr7_rw(dr7, i) != RW_IO) continue;
    const uint32_t len = dr7_len(dr7, i);
    const uint32_t first = (uint32_t(s.dr[i]) & 0xFFFF) & ~(len - 1);
    if (first <= uint32_t(port) + size - 1 && first + len - 1 >= port) db_hits_ |= 1u << i;
  }
}

}  // namespace xlat::core
