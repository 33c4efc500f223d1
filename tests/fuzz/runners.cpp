// Unicorn, xlat and native runners; see runners.hpp.
#include "tests/fuzz/runners.hpp"

#include <unicorn/unicorn.h>

#include <cstring>
#include <stdexcept>

#include "core/flags.hpp"
#include "core/fpu/x87_env.hpp"
#include "tests/fuzz/layout.hpp"
#include "tests/support/guest.hpp"
#include "tools/bench/host32.hpp"

namespace xlat::fuzz {

using namespace layout;

namespace {

constexpr uint8_t HLT = 0xF4;

std::vector<uint8_t> code_with_end(const Sequence& s) {
  std::vector<uint8_t> c = s.code;
  c.push_back(HLT);
  return c;
}

uint32_t end_of(const Sequence& s) { return s.base + uint32_t(s.code.size()); }

bool has_fp(const Sequence& s) { return s.init.fx.size() == 512; }

void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }

// FXRSTOR [FX_IN]; JMP rel32 (patched to the sequence's start).
constexpr unsigned STUB_IN_LEN = 12;
void write_stub_in(uint8_t* p, uint32_t target) {
  p[0] = 0x0F, p[1] = 0xAE, p[2] = 0x0D, put32(p + 3, FX_IN);
  p[7] = 0xE9, put32(p + 8, target - (STUB_IN + STUB_IN_LEN));
}
// FXSAVE [FX_OUT].
constexpr uint8_t kFxsaveOut[7] = {0x0F, 0xAE, 0x05, uint8_t(FX_OUT), uint8_t(FX_OUT >> 8), 0, 0};
static_assert(FX_OUT < 0x10000);

void check(uc_err e, const char* what) {
  if (e != UC_ERR_OK) throw std::runtime_error(std::string("unicorn: ") + what + ": " + uc_strerror(e));
}

}  // namespace

// --- Unicorn ----------------------------------------------------------------

UnicornRunner::UnicornRunner() {
  uc_engine* uc = nullptr;
  check(uc_open(UC_ARCH_X86, UC_MODE_32, &uc), "open");
  uc_ = uc;
  check(uc_mem_map(uc, GDT, 0x1000, UC_PROT_READ | UC_PROT_WRITE), "map gdt");
  check(uc_mem_map(uc, DATA, DATA_SIZE, UC_PROT_ALL), "map data");
  check(uc_mem_map(uc, CODE, CODE_SIZE, UC_PROT_ALL), "map code");
  check(uc_mem_map(uc, STACK, STACK_SIZE, UC_PROT_ALL), "map stack");
  check(uc_mem_map(uc, FPPAGE, 0x1000, UC_PROT_ALL), "map fp page");
  check(uc_mem_write(uc, STUB_OUT, kFxsaveOut, sizeof kFxsaveOut), "write stub");
  // CR0.NE (#MF, not FERR#), CR4.OSFXSR|OSXMMEXCPT (SSE, #XM).
  uint64_t cr0 = 0, cr4 = 0;
  check(uc_reg_read(uc, UC_X86_REG_CR0, &cr0), "cr0");
  cr0 = (cr0 | 0x20) & ~uint64_t(0xC);  // NE; no EM, TS
  check(uc_reg_write(uc, UC_X86_REG_CR0, &cr0), "cr0");
  check(uc_reg_read(uc, UC_X86_REG_CR4, &cr4), "cr4");
  cr4 |= 0x600;
  check(uc_reg_write(uc, UC_X86_REG_CR4, &cr4), "cr4");
  // Flat 4 GiB code and data descriptors at the selectors xlat's flat mode uses,
  // so that MOV r/m16, Sreg and PUSH Sreg agree.
  const uint64_t gdt[4] = {0, 0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull};
  check(uc_mem_write(uc, GDT, gdt, sizeof gdt), "write gdt");
  uc_x86_mmr gdtr{0, GDT, sizeof gdt - 1, 0};
  check(uc_reg_write(uc, UC_X86_REG_GDTR, &gdtr), "gdtr");
  const int segs[6] = {UC_X86_REG_ES, UC_X86_REG_CS, UC_X86_REG_SS, UC_X86_REG_DS, UC_X86_REG_FS, UC_X86_REG_GS};
  for (int i = 0; i < 6; ++i) {
    uint32_t sel = i == 1 ? SEL_CODE : SEL_DATA;
    check(uc_reg_write(uc, segs[i], &sel), "segment");
  }
  uc_hook h;
  check(uc_hook_add(uc, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&UnicornRunner::on_interrupt), this, 1, 0),
        "hook");
  hook_ = size_t(h);
  // The state to return to before every run. Restoring it also resets QEMU's
  // record of the last exception, which the interrupt hook leaves set: without
  // that, a second divide error in the same instance would be reported as a
  // double fault.
  uc_context* ctx = nullptr;
  check(uc_context_alloc(uc, &ctx), "context");
  check(uc_context_save(uc, ctx), "save context");
  ctx_ = ctx;
}

UnicornRunner::~UnicornRunner() {
  if (ctx_) uc_context_free(static_cast<uc_context*>(ctx_));
  if (uc_) uc_close(uc_);
}

void UnicornRunner::on_interrupt(uc_struct* uc, uint32_t intno, void* self) {
  auto* me = static_cast<UnicornRunner*>(self);
  me->vector_ = int(intno);
  uc_reg_read(uc, UC_X86_REG_EIP, &me->fault_eip_);
  uc_emu_stop(uc);
}

Outcome UnicornRunner::run(const Sequence& s) {
  uc_engine* uc = uc_;
  check(uc_context_restore(uc, static_cast<uc_context*>(ctx_)), "restore context");
  const std::vector<uint8_t> code = code_with_end(s);
  check(uc_mem_write(uc, s.base, code.data(), code.size()), "write code");
  check(uc_ctl_remove_cache(uc, CODE, CODE + CODE_SIZE), "flush");
  check(uc_mem_write(uc, DATA, s.init.data.data(), DATA_SIZE), "write data");
  check(uc_mem_write(uc, STACK, s.init.stack.data(), STACK_SIZE), "write stack");
  static const int kGpr[8] = {UC_X86_REG_EAX, UC_X86_REG_ECX, UC_X86_REG_EDX, UC_X86_REG_EBX,
                              UC_X86_REG_ESP, UC_X86_REG_EBP, UC_X86_REG_ESI, UC_X86_REG_EDI};
  for (int r = 0; r < 8; ++r) check(uc_reg_write(uc, kGpr[r], &s.init.gpr[r]), "gpr");
  uint32_t fl = s.init.eflags, eip = s.base;
  check(uc_reg_write(uc, UC_X86_REG_EFLAGS, &fl), "eflags");
  check(uc_reg_write(uc, UC_X86_REG_EIP, &eip), "eip");
  uint32_t start = s.base;
  if (has_fp(s)) {
    uint8_t stub[STUB_IN_LEN];
    write_stub_in(stub, s.base);
    check(uc_mem_write(uc, STUB_IN, stub, sizeof stub), "write stub");
    check(uc_mem_write(uc, FX_IN, s.init.fx.data(), 512), "write fx");
    check(uc_ctl_remove_cache(uc, FPPAGE, FPPAGE + 0x1000), "flush stub");
    start = STUB_IN;
  }
  vector_ = -1;
  const uc_err err = uc_emu_start(uc, start, end_of(s), 0, 0);
  Outcome o;
  for (int r = 0; r < 8; ++r) uc_reg_read(uc, kGpr[r], &o.gpr[r]);
  uc_reg_read(uc, UC_X86_REG_EFLAGS, &o.eflags);
  uc_reg_read(uc, UC_X86_REG_EIP, &o.eip);
  if (vector_ >= 0) {
    o.fault = true;
    o.vector = vector_;
    o.eip = fault_eip_;
  } else if (err == UC_ERR_INSN_INVALID) {
    o.fault = true;  // Unicorn reports #UD as an error, not through the interrupt hook
    o.vector = 6;
  } else if (err != UC_ERR_OK) {
    o.error = std::string("unicorn stopped: ") + uc_strerror(err);
  }
  o.data.resize(DATA_SIZE);
  o.stack.resize(STACK_SIZE);
  uc_mem_read(uc, DATA, o.data.data(), DATA_SIZE);
  uc_mem_read(uc, STACK, o.stack.data(), STACK_SIZE);
  if (has_fp(s)) {
    vector_ = -1;
    const uc_err e2 = uc_emu_start(uc, STUB_OUT, STUB_OUT + sizeof kFxsaveOut, 0, 0);
    uint8_t fx[512];
    if (e2 != UC_ERR_OK || vector_ >= 0) {
      o.error = std::string("unicorn: FXSAVE of the final state failed: ") + uc_strerror(e2);
    } else {
      check(uc_mem_read(uc, FX_OUT, fx, sizeof fx), "read fx");
      o.fp = fp_from_fxsave(fx);
      o.has_fp = true;
    }
  }
  return o;
}

// --- xlat -------------------------------------------------------------------

XlatRunner::XlatRunner(const std::string& engine) : engine_(engine), g_(std::make_unique<test::Guest>(engine)) {
  core::Cpu& c = g_->cpu;
  c.s.cr0 = (c.s.cr0 | core::cr0::NE) & ~uint64_t(core::cr0::EM | core::cr0::TS);
  c.s.cr4 |= core::cr4::OSFXSR | core::cr4::OSXMMEXCPT;
}
XlatRunner::~XlatRunner() = default;

Outcome XlatRunner::run(const Sequence& s) {
  test::Guest& g = *g_;
  core::Cpu& c = g.cpu;
  const std::vector<uint8_t> code = code_with_end(s);
  g.m.bus.copy_to(s.base, code.data(), code.size());
  g.m.engine().flush_all_code();
  g.m.bus.copy_to(DATA, s.init.data.data(), DATA_SIZE);
  g.m.bus.copy_to(STACK, s.init.stack.data(), STACK_SIZE);
  for (int r = 0; r < 8; ++r) c.s.gpr[r] = s.init.gpr[r];
  c.s.eip = s.base;
  c.s.eflags = s.init.eflags | core::fl::FIXED1;
  c.s.lf.op = core::LF_NONE;
  c.s.halted = 0;
  c.s.irq_inhibit = 0;
  c.events.store(0);
  if (has_fp(s)) core::fpu::load_fxsave(c, s.init.fx.data());
  g.fault.reset();
  g.hit_limit = false;
  Outcome o;
  try {
    g.run(100000);
  } catch (const std::exception& e) {
    o.error = std::string("xlat threw: ") + e.what();
  }
  for (int r = 0; r < 8; ++r) o.gpr[r] = uint32_t(c.s.gpr[r]);
  o.eflags = c.eflags();
  o.eip = uint32_t(c.s.eip);
  if (g.fault) {
    o.fault = true;
    o.vector = g.fault->vector;
    o.eip = g.fault_eip;
  } else if (c.s.halted) {
    o.eip -= 1;  // report the address of the HLT, where the others stop
  } else if (o.error.empty()) {
    o.error = g.hit_limit ? "xlat: step limit reached" : "xlat: stopped without HLT or fault";
  }
  o.data.resize(DATA_SIZE);
  o.stack.resize(STACK_SIZE);
  g.m.bus.copy_from(DATA, o.data.data(), DATA_SIZE);
  g.m.bus.copy_from(STACK, o.stack.data(), STACK_SIZE);
  if (has_fp(s)) {
    uint8_t fx[512] = {};
    core::fpu::store_fxsave(c, fx);
    o.fp = fp_from_fxsave(fx);
    o.has_fp = true;
  }
  return o;
}

// --- native -----------------------------------------------------------------

NativeRunner::NativeRunner() {
  if (!host32::available()) return;
  mem_ = host32::map_low(NATIVE_LOW, NATIVE_SIZE);
  if (!mem_) return;
  runner_ = std::make_unique<host32::Runner>(NATIVE_CONTROL);
  if (!runner_->ok()) mem_ = nullptr;
  if (mem_) {
    const std::vector<uint8_t> clean = clean_fp_image();
    std::memcpy(mem_ - NATIVE_LOW + FX_CLEAN, clean.data(), 512);
  }
}

NativeRunner::~NativeRunner() = default;

Outcome NativeRunner::run(const Sequence& s) {
  Outcome o;
  uint8_t* base = mem_ - NATIVE_LOW;
  std::memcpy(base + s.base, s.code.data(), s.code.size());
  const uint32_t end = end_of(s);
  uint8_t* j = base + end;
  uint32_t start = s.base;
  if (has_fp(s)) {
    // Load the state before the code; after it, save it and give the host
    // process its default state back (FXSAVE [FX_OUT]; FXRSTOR [FX_CLEAN]).
    std::memcpy(base + FX_IN, s.init.fx.data(), 512);
    write_stub_in(base + STUB_IN, s.base);
    start = STUB_IN;
    std::memcpy(j, kFxsaveOut, 7);
    j[7] = 0x0F, j[8] = 0xAE, j[9] = 0x0D, put32(j + 10, FX_CLEAN);
    j += 14;
  }
  const uint32_t jmp_at = uint32_t(j - base);
  const int32_t rel = int32_t(runner_->epilogue() - (jmp_at + 5));
  j[0] = 0xE9;
  std::memcpy(j + 1, &rel, 4);
  std::memcpy(base + DATA, s.init.data.data(), DATA_SIZE);
  std::memcpy(base + STACK, s.init.stack.data(), STACK_SIZE);
  host32::Regs in{};
  std::memcpy(in.gpr, s.init.gpr, sizeof in.gpr);
  in.eflags = s.init.eflags;
  in.eip = start;
  const host32::Result r = runner_->run(in);
  std::memcpy(o.gpr, r.regs.gpr, sizeof o.gpr);
  o.eflags = r.regs.eflags;
  if (r.faulted) {
    o.fault = true;
    o.vector = int(r.trapno);
    o.eip = r.regs.eip;
  } else {
    o.eip = end;
  }
  o.data.assign(base + DATA, base + DATA + DATA_SIZE);
  o.stack.assign(base + STACK, base + STACK + STACK_SIZE);
  if (has_fp(s)) {
    if (!r.faulted) {
      o.fp = fp_from_fxsave(base + FX_OUT);
      o.has_fp = true;
    } else if (r.fx_valid) {
      o.fp = fp_from_fxsave(r.fx);
      o.has_fp = true;
    } else {
      o.error = "host: no x87/SSE state in the signal frame";
    }
  }
  return o;
}

}  // namespace xlat::fuzz
