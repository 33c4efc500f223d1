// Protected-mode machinery shared by segment loads, far transfers, interrupt
// delivery and task switches (core/mode/*.cpp): descriptors as they sit in
// the GDT/LDT/IDT, error codes, descriptor-cache loads, all-or-nothing stack
// frames, and the task switch.
//
// Every check raises the exception and error code the Intel SDM (vol. 3,
// chapters 5-7) gives for it. Error codes name a selector (index | TI) or an
// IDT entry (vector * 8 + 2) and carry the EXT bit (bit 0) when the event
// being delivered is external to the program (hardware interrupt, exception,
// INT1), never for INT n / INT3 / INTO or an instruction's own checks.
//
// Precise faults: a transfer first reads and checks everything it needs
// (descriptors, the TSS, the stack slots it will write), then commits the new
// CS/SS/EIP/ESP/EFLAGS. The only state changed before a fault may be an
// accessed or busy bit in a descriptor, as on the CPU.
#pragma once

#include <array>
#include <cstdint>

#include "core/cpu.hpp"

namespace xlat::core {

// System descriptor types (S = 0).
namespace sys_type {
constexpr unsigned TSS16_AVAIL = 1, LDT = 2, TSS16_BUSY = 3, CALL_GATE16 = 4, TASK_GATE = 5,
                   INT_GATE16 = 6, TRAP_GATE16 = 7, TSS32_AVAIL = 9, TSS32_BUSY = 11,
                   CALL_GATE32 = 12, INT_GATE32 = 14, TRAP_GATE32 = 15;
}

struct Descriptor {
  uint32_t lo = 0, hi = 0;

  uint32_t base() const { return (lo >> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000u); }
  uint32_t raw_limit() const { return (lo & 0xFFFF) | (hi & 0xF0000); }
  // Byte-granular limit (G scales by 4 KiB).
  uint32_t limit() const { return (hi & (1u << 23)) ? (raw_limit() << 12) | 0xFFF : raw_limit(); }
  // Access-rights word in the Segment::attr layout (descriptor bits 40..55).
  uint16_t attr() const { return uint16_t((hi >> 8) & 0xF0FF); }
  unsigned type() const { return (hi >> 8) & 0xF; }
  bool s() const { return hi & (1u << 12); }
  unsigned dpl() const { return (hi >> 13) & 3; }
  bool present() const { return hi & (1u << 15); }
  bool code() const { return s() && (hi & (1u << 11)); }
  bool data() const { return s() && !(hi & (1u << 11)); }
  bool conforming() const { return code() && (hi & (1u << 10)); }
  bool readable() const { return code() ? (hi & (1u << 9)) : true; }
  bool writable() const { return data() && (hi & (1u << 9)); }
  // System descriptors.
  bool system(unsigned t) const { return !s() && type() == t; }
  bool tss() const { return !s() && (type() & 5) == 1; }          // 16/32-bit, available or busy
  bool tss_busy() const { return tss() && (type() & 2); }
  bool tss32() const { return tss() && (type() & 8); }
  // Gates: selector, offset and parameter count.
  uint16_t gate_selector() const { return uint16_t(lo >> 16); }
  uint32_t gate_offset() const { return (lo & 0xFFFF) | (hi & 0xFFFF0000u); }
  unsigned gate_param_count() const { return hi & 0x1F; }
};

// --- error codes -------------------------------------------------------------
inline uint32_t err_sel(uint16_t sel, bool ext) { return (sel & 0xFFFCu) | (ext ? 1u : 0u); }
inline uint32_t err_idt(unsigned vector, bool ext) { return vector * 8u + 2u + (ext ? 1u : 0u); }
[[noreturn]] inline void fault_sel(uint8_t vec, uint16_t sel, bool ext) { raise_fault(vec, err_sel(sel, ext)); }
inline bool null_sel(uint16_t sel) { return (sel & 0xFFFC) == 0; }

// --- descriptor tables ---------------------------------------------------------
// Reads the descriptor a selector names from the GDT or LDT (TI bit) with
// supervisor access. Returns false if the selector's index is beyond the
// table limit (or TI=1 with no valid LDT); null selectors are the caller's
// business. Page faults propagate.
bool read_descriptor(Cpu& c, uint16_t sel, Descriptor& d);
// read_descriptor, raising vec(sel | EXT) when the index is beyond the limit.
Descriptor fetch_descriptor(Cpu& c, uint16_t sel, uint8_t vec, bool ext);
// Linear address of a selector's descriptor (after read_descriptor succeeded).
uint32_t descriptor_address(const Cpu& c, uint16_t sel);
// Sets the accessed bit of a code/data descriptor in memory if it is clear.
void set_accessed(Cpu& c, uint16_t sel, Descriptor& d);
// Writes the second dword of a descriptor back (busy bits).
void write_descriptor_hi(Cpu& c, uint16_t sel, uint32_t hi);
// Loads a segment cache from a descriptor (no checks), with the derived
// fields (lo/hi/access) computed for protected mode.
void load_cache(Segment& g, uint16_t sel, const Descriptor& d);
// Derived fields of a protected-mode segment cache (as Cpu::seg_refresh).
void derive_access(Segment& g);
// Whether [off, off+n) lies inside a segment (limit and expand-down rules).
inline bool seg_contains(const Segment& g, uint32_t off, unsigned n) {
  return off >= g.lo && uint64_t(off) + n - 1 <= g.hi;
}

// --- segment registers (core/mode/segments.cpp) ----------------------------
// Checks a selector for loading into SS at privilege `cpl` (MOV/POP/LSS rules;
// RETF/IRET use the same with their own error vectors): returns its
// descriptor with the accessed bit set. `vec_gp` is raised for the type and
// privilege checks (#GP for instructions, #TS for stack switches).
Descriptor check_stack_segment(Cpu& c, uint16_t sel, unsigned cpl, uint8_t vec_gp, bool ext);
// Commits CS (RPL forced to cpl) and CPL from a checked code descriptor.
void commit_cs(Cpu& c, uint16_t sel, const Descriptor& d, unsigned cpl);
// Commits SS from a checked descriptor.
void commit_ss(Cpu& c, uint16_t sel, const Descriptor& d);
// Loads a null selector into a data segment register (any later use #GP(0)).
void load_null(Cpu& c, unsigned sreg, uint16_t sel);
// After a return to an outer level: nulls ES/DS/FS/GS when they hold a data
// or non-conforming code segment with DPL < CPL (SDM RET/IRET).
void null_outer_segments(Cpu& c);

// --- stack frames --------------------------------------------------------------
// A frame pushed onto a stack that may not be loaded yet (the inner stack of
// an inter-privilege call) and written all-or-nothing: slots are recorded by
// push(), then check() raises #SS(error) for a slot outside the segment, and
// write() raises #PF for a page it cannot write before it stores anything.
class StackFrame {
 public:
  StackFrame(Cpu& c, const Segment& ss, uint32_t esp, bool user, uint32_t ss_error)
      : c_(c), ss_(ss), esp_(esp), sp_(esp), user_(user), err_(ss_error) {}
  void push(uint32_t v, unsigned size);
  void check();
  void write();
  // The stack pointer register after the pushes (only SP for a 16-bit stack).
  uint32_t new_esp() const;

 private:
  struct Slot {
    uint32_t off, v;
    uint8_t size;
  };
  Cpu& c_;
  Segment ss_;
  uint32_t esp_, sp_;
  bool user_;
  uint32_t err_;
  std::array<Slot, 48> slots_{};
  unsigned n_ = 0;
};

// ESP value after adding `delta` to the stack pointer of a stack of the given
// size (16-bit stacks change SP only).
inline uint32_t add_sp(uint32_t esp, uint32_t delta, bool big) {
  return big ? esp + delta : (esp & 0xFFFF0000u) | ((esp + delta) & 0xFFFF);
}

// Inner-level stack of the current TSS for privilege `dpl`: SS and ESP (from
// SSn:ESPn of a 32-bit TSS or SSn:SPn of a 16-bit one); #TS(TR | EXT) if the
// TSS is too short. Then checks the SS descriptor (#TS(SS | EXT), #SS(SS | EXT)).
struct InnerStack {
  uint16_t ss;
  uint32_t esp;
  Segment cache;
  Descriptor desc;
};
InnerStack inner_stack(Cpu& c, unsigned dpl, bool ext);

// --- task switches (core/mode/task.cpp) ----------------------------------------
enum class TaskSwitch : uint8_t { Jmp, Call, Iret, Int };
// Switches to the task whose (checked, present) TSS descriptor `d` selector
// `sel` names. `old_eip`/`old_eflags` are saved in the outgoing TSS. Faults
// before the commit point leave the old task untouched; faults after it
// (loading the new task's segments) are raised with the new task's state
// loaded, so they are delivered in the new task. Returns true when the new
// TSS has its T (debug trap) bit set: the caller raises #DB after it is done.
bool switch_task(Cpu& c, uint16_t sel, Descriptor d, TaskSwitch why, bool ext, uint32_t old_eip,
                 uint32_t old_eflags);
// Raises the debug trap of a TSS T bit (DR6.BT) in the new task.
[[noreturn]] void raise_task_trap(Cpu& c);

}  // namespace xlat::core
