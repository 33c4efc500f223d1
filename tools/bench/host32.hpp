// Runs 32-bit x86 code natively on an x86-64 Linux host, in compatibility
// mode (the 32-bit user code segment 0x23 every x86-64 Linux kernel provides).
//
// The guest bytes are the same bytes the emulators run, at the same linear
// addresses: map_low() maps RWX memory at a fixed address below 4 GiB, the
// caller copies code and data there, and run() enters the code with the
// registers and EFLAGS it is given. The code ends by jumping to epilogue():
// that stub stores EAX..EDI and EFLAGS and returns to 64-bit mode through a
// far return. A CPU exception in the code (divide error, #GP, #UD...) arrives
// as a signal; the handler records the state at the faulting instruction and
// unwinds with siglongjmp, so a fault is a result, not a crash.
//
// How the switch works: a small 64-bit trampoline in low memory saves the
// callee-saved registers and RSP, moves to a low stack (ESP must hold the
// whole stack pointer in compatibility mode) and does a far CALL through a
// m16:32 pointer to 0x23:entry32. entry32 loads DS/ES/GS with the flat user
// data selector 0x2B (64-bit processes run with null DS/ES; FS keeps the
// thread pointer, so FS-relative code is not flat here), EFLAGS, the eight
// registers, and jumps to the code. The far CALL pushed a 32-bit CS (0x33)
// and a 32-bit return EIP, which is why the trampoline must live below 4 GiB.
//
// Used by the differential fuzzer (tests/fuzz) as a third opinion and by the
// benchmark runner (tools/bench) for the native column. Linux/x86-64 only;
// available() says whether it works on this host.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xlat::host32 {

struct Regs {
  uint32_t gpr[8];  // EAX ECX EDX EBX ESP EBP ESI EDI
  uint32_t eflags;
  uint32_t eip;
};

struct Result {
  bool faulted = false;
  int signo = 0;         // the signal (SIGFPE, SIGSEGV, SIGILL, SIGBUS, SIGTRAP)
  uint32_t trapno = 0;   // the CPU exception vector the kernel reports
  Regs regs{};           // final state (at the faulting instruction if faulted)
  // When faulted: the x87/SSE state at the fault, as the kernel saved it in
  // the signal frame (the FXSAVE legacy area; FIP/FDP in the 64-bit layout).
  bool fx_valid = false;
  uint8_t fx[512] = {};
};

// True on an x86-64 Linux host where 32-bit compatibility mode can be entered.
bool available();

// Maps [base, base+size) readable, writable and executable at exactly that
// address (page aligned, below 4 GiB). Returns the host pointer or nullptr.
uint8_t* map_low(uint32_t base, uint32_t size);

class Runner {
 public:
  // `control` is a page-aligned low address where the runner maps its own
  // page (trampoline, stubs, save slots, a small stack).
  explicit Runner(uint32_t control);
  ~Runner();
  bool ok() const { return page_ != nullptr; }

  // Address the guest code jumps to (JMP rel32) when it is done.
  uint32_t epilogue() const { return control_ + EPILOGUE; }

  // Enters the code at in.eip with the given registers and EFLAGS (TF, IF,
  // IOPL and AC are forced to values user mode allows: TF=0, AC=0).
  Result run(const Regs& in);

 private:
  static constexpr uint32_t TRAMPOLINE = 0x000, ENTRY32 = 0x080, EPILOGUE = 0x100, FARPTR = 0x200,
                            SAVE_RSP = 0x210, SAVE_ESP = 0x218, IN = 0x220, OUT = 0x260,
                            FLAGS_TOP = 0x300, STACK_TOP = 0x1000;
  uint32_t control_;
  uint8_t* page_ = nullptr;
};

}  // namespace xlat::host32
