// Native 32-bit execution in compatibility mode; see host32.hpp.
#include "tools/bench/host32.hpp"

#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cstdlib>
#include <cstring>
#include <vector>

namespace xlat::host32 {

#if defined(__x86_64__) && defined(__linux__)

namespace {

constexpr uint16_t USER32_CS = 0x23;
constexpr uint16_t USER_DS = 0x2B;

// State shared with the signal handler (one runner runs at a time per thread;
// the tools using it are single-threaded).
sigjmp_buf g_jump;
volatile sig_atomic_t g_active = 0;
Result g_fault;

void on_signal(int sig, siginfo_t*, void* ctx) {
  if (!g_active) {
    signal(sig, SIG_DFL);
    raise(sig);
    return;
  }
  const auto* uc = static_cast<const ucontext_t*>(ctx);
  const greg_t* g = uc->uc_mcontext.gregs;
  g_fault.faulted = true;
  g_fault.signo = sig;
  g_fault.trapno = uint32_t(g[REG_TRAPNO]);
  const int order[8] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI};
  for (int r = 0; r < 8; ++r) g_fault.regs.gpr[r] = uint32_t(g[order[r]]);
  g_fault.regs.eflags = uint32_t(g[REG_EFL]);
  g_fault.regs.eip = uint32_t(g[REG_RIP]);
  if (uc->uc_mcontext.fpregs) {
    std::memcpy(g_fault.fx, uc->uc_mcontext.fpregs, sizeof g_fault.fx);
    g_fault.fx_valid = true;
  }
  g_active = 0;
  siglongjmp(g_jump, 1);
}

void install_handlers() {
  static bool done = false;
  if (done) return;
  done = true;
  static std::vector<uint8_t> alt(1 << 16);
  stack_t ss{};
  ss.ss_sp = alt.data();
  ss.ss_size = alt.size();
  sigaltstack(&ss, nullptr);
  struct sigaction sa{};
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  for (int s : {SIGSEGV, SIGFPE, SIGILL, SIGBUS, SIGTRAP}) sigaction(s, &sa, nullptr);
}

// A tiny byte emitter for the stubs.
struct Emit {
  uint8_t* p;
  void b(std::initializer_list<uint8_t> bytes) {
    for (uint8_t x : bytes) *p++ = x;
  }
  void d(uint32_t v) {
    std::memcpy(p, &v, 4);
    p += 4;
  }
};

}  // namespace

// Whether this host really enters compatibility mode: some x86-64 kernels
// run without 32-bit support (ia32_emulation=0, or a hypervisor sandbox),
// and then the far call to 0x23 faults. Probed once, by running nothing:
// the entry stub jumps straight to the epilogue.
bool available() {
  static const bool ok = [] {
    constexpr uint32_t PROBE_PAGE = 0x7FFE0000;
    Runner r(PROBE_PAGE);
    if (!r.ok()) return false;
    Regs in{};
    in.gpr[4] = PROBE_PAGE + 0x800;
    in.eip = r.epilogue();
    return !r.run(in).faulted;
  }();
  return ok;
}

uint8_t* map_low(uint32_t base, uint32_t size) {
  void* p = mmap(reinterpret_cast<void*>(uintptr_t(base)), size, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  if (p != reinterpret_cast<void*>(uintptr_t(base))) {
    munmap(p, size);
    return nullptr;
  }
  return static_cast<uint8_t*>(p);
}

Runner::Runner(uint32_t control) : control_(control) {
  page_ = map_low(control, 0x1000);
  if (!page_) return;
  install_handlers();
  const uint32_t C = control;
  // 64-bit trampoline: void trampoline(void).
  Emit t{page_ + TRAMPOLINE};
  t.b({0x53, 0x55, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57});  // push rbx rbp r12-r15
  t.b({0x48, 0x89, 0x24, 0x25}), t.d(C + SAVE_RSP);                    // mov [save_rsp], rsp
  t.b({0xBC}), t.d(C + STACK_TOP);                                     // mov esp, low stack
  t.b({0xFF, 0x1C, 0x25}), t.d(C + FARPTR);                            // call far [farptr]
  t.b({0x48, 0x8B, 0x24, 0x25}), t.d(C + SAVE_RSP);                    // mov rsp, [save_rsp]
  t.b({0x41, 0x5F, 0x41, 0x5E, 0x41, 0x5D, 0x41, 0x5C, 0x5D, 0x5B});  // pop r15-r12 rbp rbx
  t.b({0xC3});                                                          // ret
  // 32-bit entry.
  Emit e{page_ + ENTRY32};
  // mov ax, 0x2b; mov ds, ax; mov es, ax; mov gs, ax (64-bit glibc does not use
  // GS, so it may keep this flat selector afterwards; FS holds the TLS base and
  // is left alone)
  e.b({0x66, 0xB8, USER_DS, 0x00, 0x8E, 0xD8, 0x8E, 0xC0, 0x8E, 0xE8});
  e.b({0x89, 0x25}), e.d(C + SAVE_ESP);                       // mov [save_esp], esp
  e.b({0xFF, 0x35}), e.d(C + IN + 32);                        // push dword [in.eflags]
  e.b({0x9D});                                                // popfd
  e.b({0xA1}), e.d(C + IN + 0);                               // mov eax, [in.eax]
  const uint8_t load_modrm[8] = {0, 0x0D, 0x15, 0x1D, 0x25, 0x2D, 0x35, 0x3D};
  for (unsigned r : {1u, 2u, 3u, 5u, 6u, 7u, 4u}) e.b({0x8B, load_modrm[r]}), e.d(C + IN + 4 * r);
  e.b({0xFF, 0x25}), e.d(C + IN + 36);                        // jmp [in.eip]
  // 32-bit epilogue.
  Emit x{page_ + EPILOGUE};
  x.b({0xA3}), x.d(C + OUT + 0);                                                // mov [out.eax], eax
  for (unsigned r = 1; r < 8; ++r) x.b({0x89, load_modrm[r]}), x.d(C + OUT + 4 * r);
  x.b({0xBC}), x.d(C + OUT + 36);                                               // mov esp, &out.eflags + 4
  x.b({0x9C, 0xFC});                                                            // pushfd; cld
  x.b({0x8B, 0x25}), x.d(C + SAVE_ESP);                                         // mov esp, [save_esp]
  x.b({0xCB});                                                                  // retf
  // Far pointer to the entry.
  const uint32_t entry = C + ENTRY32;
  std::memcpy(page_ + FARPTR, &entry, 4);
  const uint16_t cs = USER32_CS;
  std::memcpy(page_ + FARPTR + 4, &cs, 2);
}

Runner::~Runner() {
  if (page_) munmap(page_, 0x1000);
}

Result Runner::run(const Regs& in) {
  Regs r = in;
  r.eflags = (r.eflags & ~(0x100u | 0x40000u | 0x3000u)) | 0x202u;  // TF=0 AC=0 IOPL=0, IF and bit 1
  std::memcpy(page_ + IN, &r, sizeof r);
  auto tramp = reinterpret_cast<void (*)()>(page_ + TRAMPOLINE);
  Result res;
  g_fault = Result{};
  if (sigsetjmp(g_jump, 1) == 0) {
    g_active = 1;
    tramp();
    g_active = 0;
    std::memcpy(&res.regs, page_ + OUT, 36);
    res.regs.eip = 0;  // the caller knows where the code ended
  } else {
    res = g_fault;
  }
  return res;
}

#else

bool available() { return false; }
uint8_t* map_low(uint32_t, uint32_t) { return nullptr; }
Runner::Runner(uint32_t control) : control_(control) {}
Runner::~Runner() = default;
Result Runner::run(const Regs&) { return Result{true, 0, 0, {}}; }

#endif

}  // namespace xlat::host32
