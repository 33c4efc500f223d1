// Native-comparison harness (see fpu_native.hpp).
#include "tests/isa/fpu_native.hpp"

#include <sys/mman.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <algorithm>
#include <stdexcept>

#include "core/fpu/x87.hpp"
#include "core/fpu/x87_env.hpp"
#include "tests/support/guest.hpp"

namespace xlat::test {

namespace {

struct NativeRegs {
  uint64_t r[8];        // rax rcx rdx rbx rsp(unused) rbp rsi rdi
  uint64_t rflags;      // 64
  uint8_t* fx;          // 72: FXSAVE area (16-byte aligned)
  uint32_t mxcsr_in;    // 80
  uint32_t mxcsr_host;  // 84
};
static_assert(offsetof(NativeRegs, rflags) == 64 && offsetof(NativeRegs, fx) == 72 &&
              offsetof(NativeRegs, mxcsr_in) == 80 && offsetof(NativeRegs, mxcsr_host) == 84);

}  // namespace

extern "C" void xlat_fpu_native_call(const void* code, NativeRegs* regs);

// Calls `code` with the registers of *regs, then stores the registers, the
// flags and an FXSAVE image back and returns the host FPU to its ABI state.
asm(R"(
  .text
  .globl xlat_fpu_native_call
  .type xlat_fpu_native_call, @function
xlat_fpu_native_call:
  .intel_syntax noprefix
  push rbx
  push rbp
  push r12
  push r13
  push r14
  push r15
  sub rsp, 8
  mov r12, rsi
  mov r13, rdi
  stmxcsr [r12+84]
  fninit
  fldz
  fldz
  fldz
  fldz
  fldz
  fldz
  fldz
  fldz
  fninit
  ldmxcsr [r12+80]
  pxor xmm0, xmm0
  pxor xmm1, xmm1
  pxor xmm2, xmm2
  pxor xmm3, xmm3
  pxor xmm4, xmm4
  pxor xmm5, xmm5
  pxor xmm6, xmm6
  pxor xmm7, xmm7
  mov rax, [r12]
  mov rcx, [r12+8]
  mov rdx, [r12+16]
  mov rbx, [r12+24]
  mov rbp, [r12+40]
  mov rsi, [r12+48]
  mov rdi, [r12+56]
  push qword ptr [r12+64]
  popfq
  call r13
  pushfq
  pop qword ptr [r12+64]
  mov [r12], rax
  mov [r12+8], rcx
  mov [r12+16], rdx
  mov [r12+24], rbx
  mov [r12+40], rbp
  mov [r12+48], rsi
  mov [r12+56], rdi
  mov r14, [r12+72]
  fxsave [r14]
  fninit
  ldmxcsr [r12+84]
  cld
  add rsp, 8
  pop r15
  pop r14
  pop r13
  pop r12
  pop rbp
  pop rbx
  ret
  .att_syntax prefix
  .size xlat_fpu_native_call, .-xlat_fpu_native_call
)");

namespace {

std::vector<uint8_t> assemble(const FpuCase& t) { return nasm("bits 32\n" + t.code + "\n"); }

std::vector<uint8_t> initial_buffer(const FpuCase& t) {
  std::vector<uint8_t> b(FPU_BUF_SIZE, 0);
  if (t.init.size() > b.size()) throw std::runtime_error("FpuCase::init larger than the buffer");
  std::copy(t.init.begin(), t.init.end(), b.begin());
  return b;
}

}  // namespace

FpuRun run_native(const FpuCase& t) {
  std::vector<uint8_t> code = assemble(t);
  code.push_back(0xC3);  // ret
  const size_t text_size = (code.size() + 4095) & ~size_t(4095);
  void* text = mmap(nullptr, text_size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (text == MAP_FAILED) throw std::runtime_error("mmap for native code failed");
  std::memcpy(text, code.data(), code.size());
  auto* buf = static_cast<uint8_t*>(std::aligned_alloc(4096, FPU_BUF_SIZE));
  auto* fx = static_cast<uint8_t*>(std::aligned_alloc(64, 512));
  const std::vector<uint8_t> init = initial_buffer(t);
  std::memcpy(buf, init.data(), FPU_BUF_SIZE);
  std::memset(fx, 0, 512);
  NativeRegs r{};
  r.r[0] = t.eax;
  r.r[1] = t.ecx;
  r.r[2] = t.edx;
  r.r[3] = reinterpret_cast<uint64_t>(buf);
  r.r[5] = t.ebp;
  r.r[6] = t.esi;
  r.r[7] = reinterpret_cast<uint64_t>(buf) + 0x800;
  r.rflags = 0x2 | (t.flags & core::fl::ARITH);
  r.fx = fx;
  r.mxcsr_in = core::mxcsr_bits::DEFAULT;
  xlat_fpu_native_call(text, &r);
  FpuRun out;
  out.mem.assign(buf, buf + FPU_BUF_SIZE);
  for (unsigned k = 0; k < 8; ++k) out.gpr[k] = uint32_t(r.r[k]);
  out.eflags = uint32_t(r.rflags) & core::fl::ARITH;
  std::memcpy(out.fx, fx, 512);
  out.code_base = uint32_t(reinterpret_cast<uint64_t>(text));
  out.buf_base = uint32_t(reinterpret_cast<uint64_t>(buf));
  std::free(buf);
  std::free(fx);
  munmap(text, text_size);
  return out;
}

FpuRun run_guest(const std::string& engine, const FpuCase& t) {
  using namespace core;
  std::vector<uint8_t> code = assemble(t);
  code.push_back(0xF4);  // hlt
  Guest g(engine);
  Cpu& c = g.cpu;
  c.s.cr0 |= cr0::NE | cr0::MP;
  c.s.cr4 |= cr4::OSFXSR | cr4::OSXMMEXCPT;
  g.load(code);
  const std::vector<uint8_t> init = initial_buffer(t);
  g.m.bus.copy_to(FPU_BUF, init.data(), init.size());
  c.s.gpr[EAX] = t.eax;
  c.s.gpr[ECX] = t.ecx;
  c.s.gpr[EDX] = t.edx;
  c.s.gpr[EBX] = FPU_BUF;
  c.s.gpr[EBP] = t.ebp;
  c.s.gpr[ESI] = t.esi;
  c.s.gpr[EDI] = FPU_BUF + 0x800;
  c.set_arith_flags(t.flags & fl::ARITH);
  fpu::x87_init(c);
  for (auto& r : c.s.fpu.st) r = X87Reg{};
  for (auto& x : c.s.fpu.xmm) x = XmmReg{};
  c.s.fpu.mxcsr = mxcsr_bits::DEFAULT;
  g.run();
  FpuRun out;
  out.mem.resize(FPU_BUF_SIZE);
  g.m.bus.copy_from(FPU_BUF, out.mem.data(), FPU_BUF_SIZE);
  for (unsigned k = 0; k < 8; ++k) out.gpr[k] = g.reg(k);
  out.eflags = c.eflags() & fl::ARITH;
  fpu::store_fxsave(c, out.fx);
  out.code_base = Guest::CODE;
  out.buf_base = FPU_BUF;
  out.fault = g.fault;
  out.fault_eip = g.fault_eip;
  if (g.hit_limit) throw std::runtime_error("guest did not reach HLT");
  return out;
}

namespace {

void hex_region(std::string& out, const char* what, uint32_t from, const std::vector<uint8_t>& a,
                const std::vector<uint8_t>& b, uint32_t to) {
  char line[64];
  std::snprintf(line, sizeof line, "%s[0x%x..0x%x): native", what, from, to);
  out += line;
  for (uint32_t k = from; k < to; ++k) {
    std::snprintf(line, sizeof line, " %02x", a[k]);
    out += line;
  }
  out += " / guest";
  for (uint32_t k = from; k < to; ++k) {
    std::snprintf(line, sizeof line, " %02x", b[k]);
    out += line;
  }
  out += "\n";
}

void diff_bytes(std::string& out, const char* what, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  // One line per 16-byte row that differs.
  for (uint32_t row = 0; row < a.size(); row += 16) {
    const uint32_t end = std::min<uint32_t>(row + 16, uint32_t(a.size()));
    if (std::memcmp(&a[row], &b[row], end - row) != 0) hex_region(out, what, row, a, b, end);
  }
}

void normalize_ptr(std::vector<uint8_t>& m, uint32_t off, uint32_t base) {
  uint32_t v;
  std::memcpy(&v, &m[off], 4);
  if (v) v -= base;
  std::memcpy(&m[off], &v, 4);
}

}  // namespace

std::string fpu_diff(const FpuCase& t, const FpuRun& n, const FpuRun& g) {
  std::string out;
  std::vector<uint8_t> a = n.mem, b = g.mem;
  for (uint32_t o : t.env32) {
    normalize_ptr(a, o + 12, n.code_base);
    normalize_ptr(b, o + 12, g.code_base);
    normalize_ptr(a, o + 20, n.buf_base);
    normalize_ptr(b, o + 20, g.buf_base);
    // A host context switch between the instruction and the store can reload
    // the x87 state without its last-instruction/operand pointers (the kernel's
    // XRSTOR leaves them zero): a zero native pointer carries no information.
    // The same holds for the last opcode (FOP, bytes 18-19).
    for (auto [k, n] : {std::pair{12u, 4u}, std::pair{20u, 4u}, std::pair{18u, 2u}}) {
      bool zero = true;
      for (uint32_t j = 0; j < n; ++j) zero &= a[o + k + j] == 0;
      if (zero)
        for (uint32_t j = 0; j < n; ++j) b[o + k + j] = 0;
    }
    for (uint32_t k : {16u, 17u, 24u, 25u}) a[o + k] = b[o + k] = 0;  // selectors
  }
  for (auto [from, to] : t.ignore)
    for (uint32_t k = from; k < to; ++k) a[k] = b[k] = 0;
  diff_bytes(out, "mem", a, b);
  static const char* names[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  for (unsigned k = 0; k < 8; ++k) {
    if (k == core::EBX || k == core::ESP || k == core::EDI) continue;  // pointers / unused
    if (n.gpr[k] != g.gpr[k]) {
      char line[96];
      std::snprintf(line, sizeof line, "%s: native %08x / guest %08x\n", names[k], n.gpr[k], g.gpr[k]);
      out += line;
    }
  }
  if (n.eflags != g.eflags) {
    char line[96];
    std::snprintf(line, sizeof line, "eflags: native %03x / guest %03x\n", n.eflags, g.eflags);
    out += line;
  }
  // FXSAVE image: FCW FSW FTW, MXCSR, ST0-7 (10 bytes each), XMM0-7.
  std::vector<uint8_t> fa(n.fx, n.fx + 288), fb(g.fx, g.fx + 288);
  for (unsigned k = 5; k < 24; ++k) fa[k] = fb[k] = 0;   // reserved, FOP, FIP, FDP and selectors
  for (unsigned k = 28; k < 32; ++k) fa[k] = fb[k] = 0;  // MXCSR_MASK
  for (unsigned r = 0; r < 8; ++r)
    for (unsigned k = 10; k < 16; ++k) fa[32 + 16 * r + k] = fb[32 + 16 * r + k] = 0;
  diff_bytes(out, "fxsave", fa, fb);
  return out;
}

FpuRun check_native(const FpuCase& t) {
  const FpuRun n = run_native(t);
  // One plain loop rather than a DYNAMIC_SECTION per engine: a test calls
  // this many times, and Catch would rerun the whole test for each section.
  for (const auto& e : engines()) {
    INFO("engine " << e);
    const FpuRun g = run_guest(e, t);
    if (g.fault) {
      INFO("code:\n" << t.code);
      FAIL_CHECK("guest fault vector " << int(g.fault->vector) << " at 0x" << std::hex << g.fault_eip);
      continue;
    }
    const std::string d = fpu_diff(t, n, g);
    if (!d.empty()) INFO("code:\n" << t.code.substr(0, 4000));
    CHECK(d == "");
  }
  return n;
}

void put_bytes(std::vector<uint8_t>& buf, uint32_t off, const void* p, unsigned n) {
  if (buf.size() < off + n) buf.resize(off + n, 0);
  std::memcpy(&buf[off], p, n);
}
void put_f80(std::vector<uint8_t>& buf, uint32_t off, uint64_t mant, uint16_t se) {
  put_bytes(buf, off, &mant, 8);
  put_bytes(buf, off + 8, &se, 2);
}
void put_u32(std::vector<uint8_t>& buf, uint32_t off, uint32_t v) { put_bytes(buf, off, &v, 4); }
void put_u64(std::vector<uint8_t>& buf, uint32_t off, uint64_t v) { put_bytes(buf, off, &v, 8); }
void put_f32(std::vector<uint8_t>& buf, uint32_t off, float v) { put_bytes(buf, off, &v, 4); }
void put_f64(std::vector<uint8_t>& buf, uint32_t off, double v) { put_bytes(buf, off, &v, 8); }

}  // namespace xlat::test
