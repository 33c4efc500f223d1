// MUL, IMUL (one-, two-, three-operand), DIV, IDIV: results and CF/OF against
// the host for edge values of every size, register and memory forms; #DE
// (divide by zero, quotient overflow) at the DIV's own EIP with EAX, EDX and
// the flags unchanged; the P6 choice for MUL's undefined flags.
#include "tests/isa/alu_harness.hpp"

using namespace alu_test;
using namespace xlat;

namespace {

unsigned size_index(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : 2; }
uint32_t mask_of(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1; }
int64_t sext(uint32_t v, unsigned size) {
  const int shift = 32 - int(size) * 8;
  return int32_t(v << shift) >> shift;
}

const HostFn kMul[3] = {ALU_HOST("mul bl"), ALU_HOST("mul bx"), ALU_HOST("mul ebx")};
const HostFn kImul1[3] = {ALU_HOST("imul bl"), ALU_HOST("imul bx"), ALU_HOST("imul ebx")};
const HostFn kImul2[3] = {nullptr, ALU_HOST("imul ax, bx"), ALU_HOST("imul eax, ebx")};
const HostFn kDiv[3] = {ALU_HOST("div bl"), ALU_HOST("div bx"), ALU_HOST("div ebx")};
const HostFn kIdiv[3] = {ALU_HOST("idiv bl"), ALU_HOST("idiv bx"), ALU_HOST("idiv ebx")};

std::vector<Case> mul_cases(bool thorough) {
  std::vector<Case> out;
  unsigned n = 0;
  for (unsigned size : {1u, 2u, 4u}) {
    const unsigned si = size_index(size);
    const std::string B = rname(size, 1), A = rname(size, 0), s = sname(size);
    for (uint32_t a : edge_values(size)) {
      for (uint32_t b : edge_values(size)) {
        const bool extra = (n++ % (thorough ? 3 : 7)) == 0;
        if (!thorough && !extra && (n % 2)) continue;
        State in;
        in.eax = (0xDEADBEEF & ~mask_of(size)) | a;
        in.ebx = (0x5A5A5A5A & ~mask_of(size)) | b;
        in.ecx = 0x11111111;
        in.edx = 0x22222222;
        in.flags = (n & 1) ? ARITH : 0;
        const uint32_t cfof = CF | OF;  // SF ZF AF PF are undefined
        const State rm = host_run(kMul[si], in), ri = host_run(kImul1[si], in);
        out.push_back({"mul " + B, in, rm, cfof});
        out.push_back({"imul " + B, in, ri, cfof});
        if (size > 1) {
          const State r2 = host_run(kImul2[si], in);
          out.push_back({"imul " + A + ", " + B, in, r2, cfof});
          // Three operands: imul ecx, ebx, imm == (eax = imm; imul eax, ebx) into ecx.
          for (uint32_t imm : {0xFFFFFFFFu, 5u, 127u, 0xFFFFFF80u, 0x12345678u, 0xFFFF0000u}) {
            const bool imm8 = sext(imm & 0xFF, 1) == int32_t(imm);
            if (!imm8 && !extra) continue;
            State h = in;
            h.eax = imm;
            const State r3 = host_run(kImul2[si], h);
            State x = in;
            x.ecx = (in.ecx & ~mask_of(size)) | (r3.eax & mask_of(size));
            x.flags = r3.flags;
            const std::string C = rname(size, 2);
            const std::string imm_text = imm8 ? "strict byte " + std::to_string(int32_t(imm))
                                              : "strict " + s + " " + hex(imm & mask_of(size));
            out.push_back({"imul " + C + ", " + B + ", " + imm_text, in, x, cfof});
            if (extra) {
              State mi = in;
              mi.mem[4] = in.ebx;
              State mo = x;
              mo.mem[4] = mi.mem[4];
              out.push_back({"imul " + C + ", " + s + " [SCR], " + imm_text, mi, mo, cfof, true});
            }
          }
        }
        if (extra) {
          State mi = in;
          mi.mem[4] = (0xC3C3C3C3 & ~mask_of(size)) | b;
          State mo = rm;
          for (unsigned j = 0; j < 8; ++j) mo.mem[j] = mi.mem[j];
          out.push_back({"mul " + s + " [SCR]", mi, mo, cfof, true});
          State io = ri;
          for (unsigned j = 0; j < 8; ++j) io.mem[j] = mi.mem[j];
          out.push_back({"imul " + s + " [SCR]", mi, io, cfof, true});
          if (size > 1) {
            State r2 = host_run(kImul2[si], in);
            for (unsigned j = 0; j < 8; ++j) r2.mem[j] = mi.mem[j];
            out.push_back({"imul " + A + ", [SCR]", mi, r2, cfof, true});
          }
        }
      }
    }
  }
  return out;
}

// Whether DIV/IDIV of the dividend in `in` by b (size bytes) fits (no #DE).
bool div_ok(const State& in, unsigned size, bool sign) {
  const uint32_t m = mask_of(size);
  const uint32_t b = in.ebx & m;
  if (b == 0) return false;
  const uint64_t d = size == 1 ? (in.eax & 0xFFFF)
                               : (uint64_t(in.edx & m) << (size * 8)) | (in.eax & m);
  if (!sign) return d / b <= m;
  const unsigned wb = size * 16;
  const int64_t sd = wb == 64 ? int64_t(d) : int64_t(d << (64 - wb)) >> (64 - wb);
  const int64_t sb = sext(b, size);
  if (sb == -1 && sd == INT64_MIN) return false;
  const int64_t q = sd / sb, lim = int64_t(1) << (size * 8 - 1);
  return q < lim && q >= -lim;
}

std::vector<Case> div_cases() {
  std::vector<Case> out;
  for (unsigned size : {1u, 2u, 4u}) {
    const unsigned si = size_index(size);
    const auto vals = edge_values(size);
    for (uint32_t hi : {0u, 1u, mask_of(size), mask_of(size) >> 1, 0x12u}) {
      for (uint32_t lo : vals) {
        for (uint32_t b : vals) {
          State in;
          if (size == 1) {
            in.eax = 0xDEAD0000 | ((hi & 0xFF) << 8) | lo;
          } else {
            in.eax = (0xDEADBEEF & ~mask_of(size)) | lo;
            in.edx = (0x22222222 & ~mask_of(size)) | hi;
          }
          in.ebx = (0x5A5A5A5A & ~mask_of(size)) | b;
          in.ecx = 0x11111111;
          in.flags = (lo & 1) ? ARITH : 0;
          if (div_ok(in, size, false)) out.push_back({"div " + rname(size, 1), in, host_run(kDiv[si], in), 0});
          if (div_ok(in, size, true)) {
            out.push_back({"idiv " + rname(size, 1), in, host_run(kIdiv[si], in), 0});
            State mi = in;
            mi.mem[4] = in.ebx;
            State mo = host_run(kIdiv[si], in);
            for (unsigned j = 0; j < 8; ++j) mo.mem[j] = mi.mem[j];
            if ((lo ^ b) % 5 == 0) out.push_back({"idiv " + sname(size) + " [SCR]", mi, mo, 0, true});
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("MUL and IMUL give the host's products, CF and OF", "[isa][alu][alu_muldiv]") {
  for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
    const std::vector<Case> cases = mul_cases(mode == Mode::Flat32);
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("DIV and IDIV give the host's quotients and remainders", "[isa][alu][alu_muldiv]") {
  const std::vector<Case> cases = div_cases();
  REQUIRE(cases.size() > 300);
  for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

// MUL/IMUL's undefined SF ZF PF come from the low half, AF is cleared.
TEST_CASE("MUL sets its undefined flags from the low half of the product", "[isa][alu][alu_muldiv]") {
  std::vector<Case> cases;
  auto add = [&](const char* insn, uint32_t eax, uint32_t ebx, uint32_t fin, uint32_t x_eax, uint32_t x_edx,
                 uint32_t x_flags) {
    State in;
    in.eax = eax;
    in.ebx = ebx;
    in.flags = fin;
    State out = in;
    out.eax = x_eax;
    out.edx = x_edx;
    out.flags = x_flags;
    cases.push_back({insn, in, out, ARITH});
  };
  add("mul ebx", 0x80000000, 2, ARITH, 0, 1, CF | OF | ZF | PF);                 // low half 0
  add("mul ebx", 0x00000003, 0x2B, 0, 0x81, 0, PF);                              // 0x81: even parity
  add("mul bl", 0xF0, 0x02, 0, 0x1E0, 0, CF | OF | SF);                          // AL = 0xE0: SF=1, PF odd
  add("imul ebx", 0xFFFFFFFF, 0xFFFFFFFF, ARITH, 1, 0, 0);                        // 1: fits
  add("imul ax, bx", 0x4000, 0x0004, 0, 0x0000, 0, CF | OF | ZF | PF);
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}

namespace {

struct DeCase {
  const char* setup;  // sets the registers
  const char* insn;   // the faulting instruction
  uint32_t eax, edx;  // the values setup leaves (checked unchanged)
};

const DeCase kDe[] = {
    {"mov eax, 0x12345678\nmov edx, 0x9ABCDEF0\nmov ebx, 0", "div ebx", 0x12345678, 0x9ABCDEF0},
    {"mov eax, 0x12345678\nmov edx, 0x00000010\nmov ebx, 0x10", "div ebx", 0x12345678, 0x10},
    {"mov eax, 0xFFFF1000\nmov edx, 7\nmov ebx, 0x10", "div bl", 0xFFFF1000, 7},
    {"mov eax, 0x00018000\nmov edx, 0\nmov ebx, 0x10000", "div bx", 0x00018000, 0},  // BX = 0
    {"mov eax, 0x00010000\nmov edx, 1\nmov ebx, 1", "div bx", 0x00010000, 1},
    {"mov eax, 0\nmov edx, 0x80000000\nmov ebx, 0xFFFFFFFF", "idiv ebx", 0, 0x80000000},
    {"mov eax, 0x80000000\nmov edx, 0\nmov ebx, 1", "idiv ebx", 0x80000000, 0},
    {"mov eax, 0x00008000\nmov edx, 0\nmov ebx, 0xFF", "idiv bl", 0x00008000, 0},
    {"mov eax, 0x00000080\nmov edx, 0\nmov ebx, 1", "idiv bl", 0x00000080, 0},
    {"mov eax, 0x00008000\nmov edx, 0\nmov ebx, 1", "idiv bx", 0x00008000, 0},
    {"mov eax, 0x12345678\nmov edx, 0x9ABCDEF0\nmov dword [0x3000], 0", "idiv dword [0x3000]", 0x12345678,
     0x9ABCDEF0},
    {"mov eax, 0x0000005A\nmov edx, 0x11111111", "aam 0", 0x5A, 0x11111111},
};

}  // namespace

TEST_CASE("DIV/IDIV/AAM raise #DE at their own EIP with EAX, EDX and flags unchanged", "[isa][alu][alu_muldiv]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
        for (const DeCase& d : kDe) {
          for (uint32_t fin : FLAGS_IN) {
            const std::string bits = mode == Mode::Real16 ? "bits 16\norg 0x1000\n" : "bits 32\norg 0x10000\n";
            const std::string flags = std::string(fin & OF ? "mov al, 0x7F\nadd al, 1\n" : "xor al, al\n") +
                                      "mov ah, " + hex((fin & 0xD5) | 2) + "\nsahf\n";
            const std::string prefix = bits + flags + d.setup + "\n";
            const uint32_t org = mode == Mode::Real16 ? 0x1000 : test::Guest::CODE;
            const uint32_t at = org + uint32_t(test::nasm(prefix).size());
            test::Guest g(e, mode);
            g.load(test::nasm(prefix + d.insn + "\nmov eax, 1\nhlt"), org);
            g.run();
            INFO(mode_name(mode) << ": " << d.setup << " / " << d.insn << ", flags in " << hex(fin));
            REQUIRE(g.fault);
            CHECK(g.fault->vector == core::VEC_DE);
            CHECK(g.fault_eip == at);
            CHECK(g.reg(core::EAX) == d.eax);
            CHECK(g.reg(core::EDX) == d.edx);
            CHECK((g.eflags() & ARITH) == fin);
          }
        }
      }
    }
  }
}

TEST_CASE("IDIV accepts the most negative quotient", "[isa][alu][alu_muldiv]") {
  // -128 / 1 = -128 fits AL; 0x80000000:00000000 / -2 = -0x40000000... and
  // -2^31 / 1 fits EAX: no #DE (the host agrees).
  std::vector<Case> cases;
  const HostFn idiv8 = ALU_HOST("idiv bl"), idiv32 = ALU_HOST("idiv ebx");
  State a;
  a.eax = 0xFF80;
  a.ebx = 1;
  cases.push_back({"idiv bl", a, host_run(idiv8, a), 0});
  State b;
  b.eax = 0x80000000;
  b.edx = 0xFFFFFFFF;
  b.ebx = 1;
  cases.push_back({"idiv ebx", b, host_run(idiv32, b), 0});
  State c;
  c.eax = 0;
  c.edx = 0xC0000000;  // -2^62 / -2^31 = 2^31: does not fit
  c.ebx = 0x80000000;
  State d = c;
  d.edx = 0x40000000;  // 2^62 / -2^31 = -2^31: fits
  cases.push_back({"idiv ebx", d, host_run(idiv32, d), 0});
  CHECK(!div_ok(c, 4, true));
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}
