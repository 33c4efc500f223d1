// The CPU: architectural state plus the machinery every engine shares —
// memory access through segmentation, paging and the soft TLB, stack
// operations, segment loading, flag evaluation and event delivery
// (exceptions, interrupts, double/triple fault).
//
// The interpreter's instruction handlers (core/interp/ops_*.cpp) are free
// functions taking (Cpu&, const DecodedInsn&); they express x86 semantics in
// terms of this class. The translator calls the same handlers for what it does
// not emit inline, so a Cpu method is the one place each mechanism lives.
//
// Precise faults: memory accessors and checks throw GuestFault; a handler
// performs every access that can fault before it writes registers or flags.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <functional>

#include "core/bus.hpp"
#include "core/cpu_state.hpp"
#include "core/decode/decoded_insn.hpp"
#include "core/decode/decoder.hpp"
#include "core/exceptions.hpp"
#include "core/mmu/tlb.hpp"
#include "core/debug_hooks.hpp"
#include "core/trace.hpp"

namespace xlat::core {

enum class Access : uint8_t { Read, Write, Fetch };

// Kinds of interrupt delivery (they differ in privilege checks and in the
// EIP and error code pushed).
enum class IntKind : uint8_t {
  Exception,  // CPU-detected fault/trap (no gate DPL check)
  External,   // INTR/NMI from the interrupt controller
  Software,   // INT n, INT3, INTO (gate DPL >= CPL required; IOPL rules in v86)
  Icebp,      // INT1 (F1): like an exception for privilege checks
  SoftwareException,  // INT3, INTO: gate DPL checked as for INT n, but not
                      // IOPL-sensitive in v86 mode (SDM INT n: "VM=1 and IOPL<3 and INT n")
};

// Asynchronous requests checked at block boundaries (Cpu::events).
namespace ev {
constexpr uint32_t IRQ = 1u << 0;       // the interrupt controller has a pending request
constexpr uint32_t NMI = 1u << 1;
constexpr uint32_t STOP = 1u << 2;      // leave the run loop (exit, reset, debugger)
constexpr uint32_t SHUTDOWN = 1u << 3;  // triple fault: the board resets or powers off
constexpr uint32_t DEADLINE = 1u << 4;  // a device scheduled an event earlier than the engine's run limit
}  // namespace ev

// CpuState::irq_inhibit: the one-instruction shadow after MOV SS / POP SS
// (interrupts and #DB traps wait for the next instruction boundary) and after
// STI (interrupts only).
namespace inhibit {
constexpr uint8_t MOV_SS = 1, STI = 2;
}

// Where external interrupts come from (the PIC on a PC).
class InterruptController {
 public:
  virtual ~InterruptController() = default;
  // Returns the vector of the highest-priority pending request and marks it
  // in service (the INTA cycle).
  virtual uint8_t acknowledge() = 0;
};

// What the engines need to hear from the CPU about code it ran or changed.
class CodeObserver {
 public:
  virtual ~CodeObserver() = default;
  virtual void code_page_written(uint64_t page_number) = 0;  // self-modifying code (physical page number)
  virtual void flush_all_code() = 0;                    // e.g. A20 or mode reset
};

class Cpu {
 public:
  explicit Cpu(Bus& bus);

  CpuState s{};
  Bus& bus;
  SoftTlb tlb;
  std::atomic<uint32_t> events{0};
  InterruptController* intc = nullptr;

  // Interpreter bookkeeping: EIP after the current instruction (a branch
  // handler replaces it), and whether the current block must stop after it.
  uint32_t next_eip = 0;
  bool end_block = false;
  // Most instructions a block may hold, in both engines (1 = QEMU's
  // -singlestep: every block is one instruction, so block-level traces such
  // as -d cpu and exec show each instruction). Set before running.
  uint32_t block_insn_limit = 64;
  uint64_t icount = 0;  // retired instructions
  // Virtual time in ns (the machine's clock, which also drives the devices);
  // the TSC counts it at 1 GHz. Unset (a bare CPU in tests): icount.
  std::function<uint64_t()> virtual_ns;

  // --- power-on / reset -------------------------------------------------
  // RESET state: real mode, CS:EIP = F000:FFF0. With init = true, the INIT
  // signal instead, which leaves the x87/SSE state as it was (SDM vol. 3 table 9-1).
  void reset(bool init = false);

  // --- registers --------------------------------------------------------
  uint32_t reg(unsigned r, unsigned size) const {
    if (size == 4) return uint32_t(s.gpr[r]);
    if (size == 2) return uint32_t(s.gpr[r]) & 0xFFFF;
    return r < 4 ? uint32_t(s.gpr[r]) & 0xFF : (uint32_t(s.gpr[r - 4]) >> 8) & 0xFF;
  }
  void set_reg(unsigned r, unsigned size, uint32_t v) {
    if (size == 4) {
      s.gpr[r] = v;
    } else if (size == 2) {
      s.gpr[r] = (s.gpr[r] & ~0xFFFFull) | (v & 0xFFFF);
    } else if (r < 4) {
      s.gpr[r] = (s.gpr[r] & ~0xFFull) | (v & 0xFF);
    } else {
      s.gpr[r - 4] = (s.gpr[r - 4] & ~0xFF00ull) | ((v & 0xFF) << 8);
    }
  }

  // --- flags ------------------------------------------------------------
  uint32_t arith_flags() const {
    return s.lf.op == LF_NONE ? (s.eflags & fl::ARITH) : lazy_eval(s.lf, s.eflags);
  }
  // EFLAGS as the guest sees it (lazy bits evaluated).
  uint32_t eflags() const { return (s.eflags & ~fl::ARITH) | arith_flags() | fl::FIXED1; }
  void materialize_flags() {
    if (s.lf.op != LF_NONE) {
      s.eflags = (s.eflags & ~fl::ARITH) | lazy_eval(s.lf, s.eflags);
      s.lf.op = LF_NONE;
    }
  }
  // Writes the bits of `mask` from v; the lazy state is dropped. Use for
  // POPF-like writes and for instructions with irregular flag results.
  void set_eflags_bits(uint32_t v, uint32_t mask) {
    materialize_flags();
    s.eflags = (s.eflags & ~mask) | (v & mask) | fl::FIXED1;
  }
  void set_arith_flags(uint32_t f) { set_eflags_bits(f, fl::ARITH); }
  void lazy(LazyOp op, uint32_t res, uint32_t a, uint32_t b, unsigned size) {
    if (op == LF_INC || op == LF_DEC) {
      // INC/DEC keep CF: fold the current CF into eflags first.
      uint32_t cf = arith_flags() & fl::CF;
      s.eflags = (s.eflags & ~fl::CF) | cf;
    }
    s.lf = LazyFlags{res, a, b, uint8_t(op), uint8_t(size), {}};
  }
  bool flag(uint32_t f) const {
    if (!(f & fl::ARITH)) return s.eflags & f;
    if (s.lf.op == LF_NONE) return s.eflags & f;
    const uint32_t m = size_mask(s.lf.size);
    if (f == fl::ZF) return (s.lf.res & m) == 0;
    if (f == fl::SF) return s.lf.res & sign_bit(s.lf.size);
    return lazy_eval(s.lf, s.eflags) & f;
  }
  // Condition code cc (the low nibble of Jcc/SETcc/CMOVcc).
  bool cond(unsigned cc) const;

  // --- modes ------------------------------------------------------------
  bool protected_mode() const { return s.cr0 & cr0::PE; }
  bool v86() const { return s.eflags & fl::VM; }
  bool paging() const { return s.cr0 & cr0::PG; }
  bool code32() const { return s.seg[CS].attr & seg_attr::DB; }
  bool stack32() const { return s.seg[SS].attr & seg_attr::DB; }
  unsigned iopl() const { return (s.eflags >> 12) & 3; }
  bool user() const { return s.cpl == 3; }
  CodeMode code_mode() const { return code32() ? CodeMode::Bits32 : CodeMode::Bits16; }

  // --- memory through segments -----------------------------------------
  template <typename T>
  T read(unsigned sreg, uint32_t off) {
    const Segment& sg = s.seg[sreg];
    if (!(sg.access & seg_access::READ) || off < sg.lo || uint64_t(off) + sizeof(T) - 1 > sg.hi)
        [[unlikely]]
      seg_violation(sreg, off);
    return read_lin<T>(uint32_t(sg.base + off), user());
  }
  template <typename T>
  void write(unsigned sreg, uint32_t off, T v) {
    const Segment& sg = s.seg[sreg];
    if (!(sg.access & seg_access::WRITE) || off < sg.lo || uint64_t(off) + sizeof(T) - 1 > sg.hi)
        [[unlikely]]
      seg_violation(sreg, off);
    write_lin<T>(uint32_t(sg.base + off), v, user());
  }
  // Checks that [off, off+n) of a segment may be written, without writing
  // (for instructions that must fault before their first write).
  void check_write(unsigned sreg, uint32_t off, unsigned n);
  void check_read(unsigned sreg, uint32_t off, unsigned n);
  uint32_t read_sized(unsigned sreg, uint32_t off, unsigned size) {
    return size == 1 ? read<uint8_t>(sreg, off) : size == 2 ? read<uint16_t>(sreg, off) : read<uint32_t>(sreg, off);
  }
  void write_sized(unsigned sreg, uint32_t off, uint32_t v, unsigned size) {
    if (size == 1) write<uint8_t>(sreg, off, uint8_t(v));
    else if (size == 2) write<uint16_t>(sreg, off, uint16_t(v));
    else write<uint32_t>(sreg, off, v);
  }

  // --- memory by linear address ----------------------------------------
  // `user` selects user-mode page protection; descriptor table and TSS
  // accesses are supervisor accesses whatever the CPL (pass false).
  template <typename T>
  T read_lin(uint32_t lin, bool user) {
    const TlbEntry& e = tlb.e[user][SoftTlb::index(lin)];
    if (e.tag_r == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000 - sizeof(T)) [[likely]] {
      T v;
      std::memcpy(&v, reinterpret_cast<const void*>(e.addend + lin), sizeof(T));
      return v;
    }
    return T(read_lin_slow(lin, sizeof(T), user));
  }
  template <typename T>
  void write_lin(uint32_t lin, T v, bool user) {
    const TlbEntry& e = tlb.e[user][SoftTlb::index(lin)];
    if (e.tag_w == (lin & ~0xFFFu) && (lin & 0xFFF) <= 0x1000 - sizeof(T)) [[likely]] {
      std::memcpy(reinterpret_cast<void*>(e.addend + lin), &v, sizeof(T));
      return;
    }
    write_lin_slow(lin, v, sizeof(T), user);
  }
  uint64_t read_lin_slow(uint32_t lin, unsigned size, bool user);
  void write_lin_slow(uint32_t lin, uint64_t v, unsigned size, bool user);
  // Linear -> physical (A20 applied) for an access; walks the page tables,
  // sets accessed/dirty bits and raises #PF. Fills the TLB.
  uint64_t translate(uint32_t lin, Access acc, bool user);
  // Linear -> physical for debuggers: no faults, no A/D updates. Returns
  // false when the page is not present.
  bool probe(uint32_t lin, uint64_t& phys) const;
  void tlb_flush_all() { tlb.flush_all(); }
  void set_a20(bool on);
  // Reads up to `max` instruction bytes at CS:EIP without faulting past the
  // first page; returns how many bytes it could read (0 if the first byte faults).
  // Sets `phys` to the physical address of the first byte.
  // Fetches the instruction at CS:eip into bytes (faults as the CPU would:
  // #GP beyond the CS limit, #PF on a non-present page it needs).
  DecodeStatus fetch_decode(uint32_t eip, DecodedInsn& out, uint64_t& phys);

  // --- stack -------------------------------------------------------------
  uint32_t sp() const { return stack32() ? uint32_t(s.gpr[ESP]) : uint32_t(s.gpr[ESP]) & 0xFFFF; }
  void set_sp(uint32_t v) {
    if (stack32()) s.gpr[ESP] = v;
    else s.gpr[ESP] = (s.gpr[ESP] & ~0xFFFFull) | (v & 0xFFFF);
  }
  void push(uint32_t v, unsigned size) {
    uint32_t nsp = sp() - size;
    if (!stack32()) nsp &= 0xFFFF;
    if (size == 4) write<uint32_t>(SS, nsp, v);
    else write<uint16_t>(SS, nsp, uint16_t(v));
    set_sp(nsp);
  }
  // Reads the value `pos` bytes above the top of stack (no pop).
  uint32_t peek(unsigned size, uint32_t pos = 0) {
    uint32_t a = sp() + pos;
    if (!stack32()) a &= 0xFFFF;
    return size == 4 ? read<uint32_t>(SS, a) : read<uint16_t>(SS, a);
  }
  uint32_t pop(unsigned size) {
    uint32_t v = peek(size);
    set_sp(sp() + size);
    return v;
  }

  // --- segments ----------------------------------------------------------
  // Recomputes lo/hi/access of a segment cache after its fields changed.
  void seg_refresh(unsigned sreg);
  // Loads a segment register in real or v86 mode (base = sel << 4).
  void load_seg_real(unsigned sreg, uint16_t sel);
  // MOV/POP/LDS-style load with all protected-mode checks (#GP/#SS/#NP with
  // selector error codes). In real/v86 mode, load_seg_real.
  void load_seg(unsigned sreg, uint16_t sel);
  // Called after CR0.PE or EFLAGS.VM or CPL changed: refreshes every
  // segment's derived permissions.
  void mode_changed();

  // --- control registers ---------------------------------------------------
  void write_cr0(uint32_t v);
  void write_cr3(uint32_t v);
  void write_cr4(uint32_t v);

  // --- events --------------------------------------------------------------
  // Delivers an interrupt/exception through the IVT (real mode) or IDT
  // (protected/v86 mode), switching stacks and tasks as the gate says.
  // `ret_eip` is the EIP pushed (the instruction's own for faults, the next
  // one for traps and INT n).
  void deliver_interrupt(uint8_t vector, IntKind kind, bool has_error, uint32_t error, uint32_t ret_eip);
  // Delivers an exception raised by the instruction at s.eip, with double-
  // and triple-fault escalation. A triple fault sets ev::SHUTDOWN.
  void handle_fault(const GuestFault& f);
  // Takes a pending external interrupt if EFLAGS.IF allows; returns true if
  // one was delivered.
  bool service_interrupts();
  // Observes exceptions before delivery (tests, debugger "catch"): if it
  // returns true the exception is not delivered and the run stops
  // (ev::STOP) with EIP at the faulting instruction.
  std::function<bool(const GuestFault&)> fault_hook;
  // Set by a triple fault (for the board's message).
  const char* shutdown_reason = nullptr;

  // --- operands of the current instruction -------------------------------
  uint32_t ea(const DecodedInsn& i) const {
    uint32_t a = uint32_t(i.disp);
    if (i.base != NO_REG) a += uint32_t(s.gpr[i.base]);
    if (i.index != NO_REG) a += uint32_t(s.gpr[i.index]) << i.scale;
    return i.asize == 2 ? a & 0xFFFF : a;
  }
  uint32_t read_op(const DecodedInsn& i, unsigned n) {
    const Operand& o = i.o[n];
    switch (o.kind) {
      case OpKind::Reg: return reg(o.reg, o.size);
      case OpKind::Mem: return read_sized(i.seg, ea(i), o.size);
      case OpKind::Imm: return o.reg ? i.imm2 : i.imm;
      case OpKind::SReg: return s.seg[o.reg].sel;
      default: return 0;
    }
  }
  void write_op(const DecodedInsn& i, unsigned n, uint32_t v) {
    const Operand& o = i.o[n];
    if (o.kind == OpKind::Reg) set_reg(o.reg, o.size, v);
    else write_sized(i.seg, ea(i), v, o.size);
  }
  // Branch to a near target with the operand size of the instruction.
  void jump_near(uint32_t target, unsigned osize) {
    next_eip = osize == 2 ? target & 0xFFFF : target;
  }

  CodeObserver* code_observer = nullptr;
  Tracer* tracer = nullptr;  // -d trace points (null: tracing off)

  // FERR#, the x87 error output (level): raised when an unmasked x87
  // exception becomes pending while CR0.NE = 0, lowered when the status
  // word's ES clears (FNCLEX, FNINIT, FLDENV...). A PC board wires it to
  // IRQ13 (MS-DOS compatible error reporting, see core/fpu/x87.hpp).
  std::function<void(bool)> ferr_out;

  // --- debugging (debug registers, single-step, watched pages) -------------
  // core/mode/debug.cpp. True when DR7 enables a breakpoint, or EFLAGS.RF is
  // set (an IRET or task switch loaded it; the next instruction's start
  // clears it): the engines then run one instruction at a time and call
  // step_prologue/step_epilogue around it (as they do while EFLAGS.TF is set
  // or in an interrupt shadow).
  // Also true while a debugger has a step armed (dbg.stepping()); a
  // debugger's breakpoints alone only cut blocks (core/debug_hooks.hpp).
  bool debug_active() const { return (s.dr[7] & 0xFF) || (s.eflags & fl::RF) || dbg.stepping(); }
  // Before a single-stepped instruction: raises #DB for a matching DR0-3
  // instruction breakpoint (unless EFLAGS.RF), then clears RF.
  void step_prologue();
  // After it: takes the #DB trap for the data/I/O breakpoints it hit and
  // for single-step if TF was set at its start (unless the instruction
  // suppressed it; after MOV SS/POP SS, both wait one more instruction).
  void step_epilogue(bool tf_before);
  bool suppress_step_trap = false;  // set by INT n / task switches that clear TF for the handler
  // Recomputes what DR0-3/DR7 watch (the pages of data breakpoints); call
  // after writing a debug register (MOV DR, task switch clearing DR7.L0-3).
  void debug_regs_changed();
  // I/O breakpoints (DR7 R/W = 10 with CR4.DE): called by port I/O
  // instructions for each access; a hit traps after the instruction.
  void io_access(uint16_t port, unsigned size);
  // Watched pages (see tlb.hpp): replaces `owner`'s ranges and drops TLB
  // entries so that every access to a watched page takes the slow path.
  void set_watch(WatchOwner owner, const std::vector<WatchRange>& ranges);
  // Called by the memory slow paths for an access to a watched page.
  void watch_access(uint32_t lin, uint64_t phys, unsigned size, Access acc);
  // The debugger's watchpoints (WatchOwner::Debugger ranges) report here.
  std::function<void(uint32_t lin, uint64_t phys, unsigned size, Access acc)> watch_hook;
  // A debugger's code breakpoints and single-step (core/debug_hooks.hpp):
  // engines call dbg.stop_here() at instruction starts while dbg.armed().
  DebugHooks dbg;

 private:
  [[noreturn, gnu::cold]] void seg_violation(unsigned sreg, uint32_t off);
  void tlb_fill(uint32_t lin, uint64_t phys, bool user, bool writable, uint64_t flags);
  int fault_depth_ = 0;  // nesting of exception delivery (for #DF/triple fault)
  uint32_t db_hits_ = 0;      // DR6 B0-B3 bits of breakpoints hit by the current instruction
  uint32_t db_deferred_ = 0;  // DR6 bits held over an interrupt shadow (MOV SS, POP SS)
  uint32_t db_carry_ = 0;     // the held bits, for the instruction after the shadow
  uint8_t first_fault_ = 0;
};

}  // namespace xlat::core
