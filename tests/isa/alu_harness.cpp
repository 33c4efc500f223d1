// Test harness for the arithmetic/logic families: see alu_harness.hpp.
#include "tests/isa/alu_harness.hpp"

#include <cstdio>
#include <sstream>
#include <unordered_map>

namespace alu_test {

using namespace xlat;

State host_run(HostFn fn, const State& in) {
  Host h{in.eax, in.ebx, in.ecx, in.edx, (in.flags & ARITH) | 2};
  fn(h);
  State out = in;
  out.eax = uint32_t(h.rax);
  out.ebx = uint32_t(h.rbx);
  out.ecx = uint32_t(h.rcx);
  out.edx = uint32_t(h.rdx);
  out.flags = uint32_t(h.flags) & ARITH;
  return out;
}

State host_run_mem(HostFn fn, const State& in) {
  uint32_t buf[8];
  for (unsigned j = 0; j < 8; ++j) buf[j] = in.mem[j];
  Host h{in.eax, in.ebx, in.ecx, reinterpret_cast<uint64_t>(&buf[4]), (in.flags & ARITH) | 2};
  fn(h);
  State out = in;
  out.eax = uint32_t(h.rax);
  out.ebx = uint32_t(h.rbx);
  out.ecx = uint32_t(h.rcx);
  out.flags = uint32_t(h.flags) & ARITH;
  for (unsigned j = 0; j < 8; ++j) out.mem[j] = buf[j];
  return out;
}

std::vector<uint32_t> edge_values(unsigned size) {
  switch (size) {
    case 1: return {0x00, 0x01, 0x02, 0x0F, 0x10, 0x3C, 0x7F, 0x80, 0x81, 0xA5, 0xFE, 0xFF};
    case 2:
      return {0x0000, 0x0001, 0x00FF, 0x0100, 0x0F0F, 0x7FFF, 0x8000, 0x8001, 0xA5C3, 0xFFFE, 0xFFFF, 0x1234};
    default:
      return {0x00000000, 0x00000001, 0x000000FF, 0x0000FFFF, 0x00010000, 0x7FFFFFFF,
              0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF, 0x12345678, 0xA5C3F00F};
  }
}

std::string rname(unsigned size, unsigned idx) {
  static const char* const r8[] = {"al", "bl", "cl", "dl"};
  static const char* const r16[] = {"ax", "bx", "cx", "dx"};
  static const char* const r32[] = {"eax", "ebx", "ecx", "edx"};
  return size == 1 ? r8[idx] : size == 2 ? r16[idx] : r32[idx];
}

std::string sname(unsigned size) { return size == 1 ? "byte" : size == 2 ? "word" : "dword"; }

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%X", v);
  return b;
}

const char* mode_name(Mode m) { return m == Mode::Real16 ? "real16" : "flat32"; }

namespace {

struct Layout {
  uint32_t code;      // where the program is loaded
  uint32_t ds_base;   // linear base of DS
  uint32_t scr0;      // DS offset of mem[0]
  uint32_t out;       // DS offset of the results
  size_t max_cases;   // cases per program
  size_t max_mem_cases;
};

constexpr uint32_t STRIDE = 64;  // eax ebx ecx edx, mem[8], lahf, seto

Layout layout(Mode m) {
  if (m == Mode::Real16) return {0x1000, 0x20000, 0x0000, 0x0100, 400, 180};
  return {test::Guest::CODE, 0, 0x1F0000, 0x200000, 3000, 3000};
}

std::string program(Mode mode, const Layout& L, const Case* cs, size_t n) {
  std::ostringstream p;
  p << (mode == Mode::Real16 ? "bits 16\n" : "bits 32\n") << "org " << hex(L.code) << "\n";
  p << "%define SCR " << hex(L.scr0 + 16) << "\n";
  if (mode == Mode::Real16) p << "mov ax, " << hex(L.ds_base >> 4) << "\nmov ds, ax\n";
  for (size_t k = 0; k < n; ++k) {
    const Case& c = cs[k];
    const uint32_t o = L.out + uint32_t(k) * STRIDE;
    p << "; case " << k << "\n";
    if (c.in.flags & OF) p << "mov al, 0x7F\nadd al, 1\n";
    else p << "xor al, al\n";
    p << "mov ah, " << hex((c.in.flags & (SF | ZF | AF | PF | CF)) | 2) << "\nsahf\n";
    p << "mov eax, " << hex(c.in.eax) << "\nmov ebx, " << hex(c.in.ebx) << "\nmov ecx, " << hex(c.in.ecx)
      << "\nmov edx, " << hex(c.in.edx) << "\n";
    if (c.mem)
      for (unsigned j = 0; j < 8; ++j) p << "mov dword [" << hex(L.scr0 + 4 * j) << "], " << hex(c.in.mem[j]) << "\n";
    p << c.insn << "\n";
    p << "mov [" << hex(o) << "], eax\nmov [" << hex(o + 4) << "], ebx\nmov [" << hex(o + 8) << "], ecx\nmov ["
      << hex(o + 12) << "], edx\n";
    if (c.mem)
      for (unsigned j = 0; j < 8; ++j)
        p << "mov esi, [" << hex(L.scr0 + 4 * j) << "]\nmov [" << hex(o + 16 + 4 * j) << "], esi\n";
    p << "lahf\nmov [" << hex(o + 48) << "], ah\nseto [" << hex(o + 49) << "]\n";
  }
  p << "hlt\n";
  return p.str();
}

// Assembled programs by source text, so every engine runs the same bytes
// without assembling them again (bounded: cleared when it grows).
const std::vector<uint8_t>& assemble(const std::string& src) {
  static std::unordered_map<std::string, std::vector<uint8_t>> cache;
  if (cache.size() > 64) cache.clear();
  auto it = cache.find(src);
  if (it == cache.end()) it = cache.emplace(src, test::nasm(src)).first;
  return it->second;
}

std::string describe(const State& s, bool mem) {
  std::ostringstream d;
  d << "eax=" << hex(s.eax) << " ebx=" << hex(s.ebx) << " ecx=" << hex(s.ecx) << " edx=" << hex(s.edx)
    << " flags=" << hex(s.flags);
  if (mem) {
    d << " mem=";
    for (unsigned j = 0; j < 8; ++j) d << (j ? "," : "") << hex(s.mem[j]);
  }
  return d.str();
}

}  // namespace

void run_cases(const std::string& engine, Mode mode, const std::vector<Case>& cases) {
  const Layout L = layout(mode);
  size_t failures = 0, done = 0;
  while (done < cases.size()) {
    // One batch: as many cases as fit the layout.
    size_t n = 0, nmem = 0;
    while (done + n < cases.size() && n < L.max_cases) {
      if (cases[done + n].mem && ++nmem > L.max_mem_cases) break;
      ++n;
    }
    const Case* cs = cases.data() + done;
    test::Guest g(engine, mode);
    const auto& code = assemble(program(mode, L, cs, n));
    if (mode == Mode::Real16) REQUIRE(L.code + code.size() <= 0x10000);
    g.load(code, L.code);
    g.run();
    INFO(mode_name(mode) << " batch at case " << done);
    REQUIRE(!g.fault);
    REQUIRE(!g.hit_limit);
    for (size_t k = 0; k < n; ++k) {
      const Case& c = cs[k];
      const uint32_t o = L.ds_base + L.out + uint32_t(k) * STRIDE;
      State got;
      got.eax = g.read32(o);
      got.ebx = g.read32(o + 4);
      got.ecx = g.read32(o + 8);
      got.edx = g.read32(o + 12);
      for (unsigned j = 0; j < 8; ++j) got.mem[j] = c.mem ? g.read32(o + 16 + 4 * j) : c.out.mem[j];
      got.flags = (g.read8(o + 48) & (SF | ZF | AF | PF | CF)) | (g.read8(o + 49) ? OF : 0);
      bool ok = got.eax == c.out.eax && got.ebx == c.out.ebx && got.ecx == c.out.ecx && got.edx == c.out.edx &&
                ((got.flags ^ c.out.flags) & c.flag_mask) == 0;
      for (unsigned j = 0; j < 8 && c.mem; ++j) ok = ok && got.mem[j] == c.out.mem[j];
      if (!ok && ++failures <= 20) {
        FAIL_CHECK(mode_name(mode) << ": " << c.insn << "\n  in:       " << describe(c.in, c.mem)
                                   << "\n  expected: " << describe(c.out, c.mem) << " (flag mask "
                                   << hex(c.flag_mask) << ")\n  got:      " << describe(got, c.mem));
      }
    }
    done += n;
  }
  INFO(failures << " of " << cases.size() << " cases failed");
  CHECK(failures == 0);
}

}  // namespace alu_test
