// The contract between translated code and the C++ side of the translator.
//
// Host registers inside translated code:
//   r15  &Cpu::s (CpuState; every guest field is addressed from it, also the
//        Cpu's icount, events and soft TLB through offsets computed at run time)
//   r14  JitShared (this struct)
//   guest EAX ECX EDX EBX ESP EBP ESI EDI live in
//        rax r12 rdx rbx r13 rbp rsi rdi   (upper 32 bits always zero)
//   r11  Cpu::icount (the copy in the Cpu is stale while translated code runs;
//        it is stored before every helper call and by exit_common, and
//        reloaded after a helper)
//   rcx r8 r9 r10  scratch
// The host stack is 16-byte aligned while translated code runs, so helpers
// are called directly; the host DF is always 0.
//
// At block boundaries (block entry, chained jumps, indirect look-ups, exits
// to the dispatcher) the guest arithmetic flags are in CpuState::eflags, or
// described lazily by CpuState::lf as the interpreter leaves them (a block
// that ends after an ADD, SUB, CMP, TEST, logic op, INC, DEC or NEG stores
// its operands there instead of computing the flags; a block that reads
// flags before writing all of them materializes them first, through
// JitShared::materialize), r11 counts every retired instruction, and the
// guest registers are in the host registers above (the state's copies may be
// stale until the code leaves through exit_common, which stores them).
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/decode/decoded_insn.hpp"

namespace xlat::translator {

// Why translated code returned to the dispatcher (JitShared::exit_reason).
enum ExitReason : uint32_t {
  EXIT_NONE = 0,
  EXIT_DISPATCH,   // s.eip set; nothing special (an instruction that needs the dispatcher)
  EXIT_CHAIN,      // an unlinked direct exit (exit_link says which): link it
  EXIT_LOOKUP,     // indirect branch not in the look-up table
  EXIT_FAULT,      // a guest exception from a helper (JitShared owner has it)
  EXIT_EXCEPTION,  // a C++ exception from a helper (rethrown by the dispatcher)
  EXIT_END,        // a helper's instruction ended the block (mode change, SMC, REP yield, ...)
  EXIT_DEADLINE,   // icount reached the run's limit at a block entry
  EXIT_EVENT,      // Cpu::events was set at a block entry
  EXIT_PAGE,       // a checked entry found its page mapped elsewhere
  EXIT_COUNT
};

struct Link;

// Indirect-branch look-up table entry (32 bytes).
struct IbEntry {
  uint32_t eip;
  uint32_t pad;
  uint64_t ctx;    // mode | cs_base << 32 of the block
  uint8_t* code;   // its checked entry
  uint64_t pad2;
};
static_assert(sizeof(IbEntry) == 32);
constexpr unsigned IB_BITS = 12;
constexpr uint32_t IB_HASH = 0x9E3779B1u;  // index = (eip * IB_HASH) >> (32 - IB_BITS)

struct JitShared {
  uint64_t until;           // icount limit of the current run
  IbEntry* ib_table;
  uint32_t exit_reason;
  uint32_t pad;
  Link* exit_link;
  uint64_t host_rsp;        // host stack pointer at entry (exit_common restores it)
  void* helper_exec;        // uint32_t (*)(JitShared*, const DecodedInsn*, uint32_t eip, uint32_t pending)
  void* owner;              // the Jit
  void* materialize;        // void (*)(JitShared*): Cpu::materialize_flags()
  // Counters kept by translated code when statistics are on.
  uint64_t n_block_entries;
  uint64_t n_ib_hits;
  uint64_t n_tlb_hits;
  uint64_t n_tlb_misses;
  // The host RFLAGS saved before a memory probe while guest flags newer than
  // CpuState::eflags were in the host flags (emitter.hpp, FlagState::saved).
  uint64_t saved_flags;
  uint64_t* icount;         // &Cpu::icount (r11 while translated code runs)
  // The CF of a shift by an immediate that is a flag recipe (emitter.hpp,
  // FlagState::recipe): the one flag its result cannot give back.
  uint8_t recipe_cf;
};

constexpr int32_t SH_UNTIL = offsetof(JitShared, until);
constexpr int32_t SH_IB_TABLE = offsetof(JitShared, ib_table);
constexpr int32_t SH_EXIT_REASON = offsetof(JitShared, exit_reason);
constexpr int32_t SH_EXIT_LINK = offsetof(JitShared, exit_link);
constexpr int32_t SH_HOST_RSP = offsetof(JitShared, host_rsp);
constexpr int32_t SH_HELPER_EXEC = offsetof(JitShared, helper_exec);
constexpr int32_t SH_MATERIALIZE = offsetof(JitShared, materialize);
constexpr int32_t SH_N_BLOCK_ENTRIES = offsetof(JitShared, n_block_entries);
constexpr int32_t SH_N_IB_HITS = offsetof(JitShared, n_ib_hits);
constexpr int32_t SH_N_TLB_HITS = offsetof(JitShared, n_tlb_hits);
constexpr int32_t SH_N_TLB_MISSES = offsetof(JitShared, n_tlb_misses);
constexpr int32_t SH_SAVED_FLAGS = offsetof(JitShared, saved_flags);
constexpr int32_t SH_ICOUNT = offsetof(JitShared, icount);
constexpr int32_t SH_RECIPE_CF = offsetof(JitShared, recipe_cf);

// Offsets from &Cpu::s of the Cpu fields outside CpuState, and the addresses
// of the shared runtime routines: what a block's code needs to know.
struct EmitEnv {
  int32_t off_icount;
  int32_t off_events;
  int32_t off_tlb;       // &Cpu::tlb.e[0][0]
  const uint8_t* exit_common;
  bool stats;
};

}  // namespace xlat::translator
