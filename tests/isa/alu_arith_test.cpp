// ADD ADC SUB SBB AND OR XOR CMP TEST, INC DEC NEG NOT and CBW CWDE CWD CDQ:
// results and every defined flag for edge values of each operand size, in
// register, high-byte, memory, immediate (imm8 sign-extended and full) and
// LOCK forms, in 32-bit flat and 16-bit real mode. Expected values come from
// running the register form natively on the host.
#include "tests/isa/alu_harness.hpp"

using namespace alu_test;

namespace {

struct BinOp {
  const char* name;
  HostFn h[3];  // al,bl / ax,bx / eax,ebx
  HostFn hhi;   // ah,bh
  uint32_t defined;
  bool writes;
  bool carry_in;
};

#define BIN(op, defined, writes, carry_in)                                                            \
  BinOp {                                                                                             \
    #op, {ALU_HOST(#op " al, bl"), ALU_HOST(#op " ax, bx"), ALU_HOST(#op " eax, ebx")},              \
        ALU_HOST(#op " ah, bh"), defined, writes, carry_in                                            \
  }

const BinOp kBinOps[] = {
    BIN(add, ARITH, true, false),       BIN(adc, ARITH, true, true),        BIN(sub, ARITH, true, false),
    BIN(sbb, ARITH, true, true),        BIN(and, ARITH & ~AF, true, false), BIN(or, ARITH & ~AF, true, false),
    BIN(xor, ARITH & ~AF, true, false), BIN(cmp, ARITH, false, false),      BIN(test, ARITH & ~AF, false, false),
};

unsigned size_index(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : 2; }
uint32_t mask_of(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1; }

// Upper register/memory bits an 8/16-bit operation must leave alone.
constexpr uint32_t NOISE_A = 0xDEADBEEF, NOISE_B = 0x5A5A5A5A, NOISE_M = 0xC3C3C3C3;

uint32_t with_noise(uint32_t v, unsigned size, uint32_t noise) {
  return (noise & ~mask_of(size)) | (v & mask_of(size));
}

bool fits_imm8(uint32_t v, unsigned size) {
  return (uint32_t(int32_t(int8_t(v & 0xFF))) & mask_of(size)) == v;
}

std::vector<Case> binop_cases(const BinOp& op, bool thorough) {
  std::vector<Case> out;
  for (unsigned size : {1u, 2u, 4u}) {
    const HostFn h = op.h[size_index(size)];
    const std::string s = sname(size), A = rname(size, 0), B = rname(size, 1), C = rname(size, 2);
    const auto vals = edge_values(size);
    unsigned pair = 0;
    for (uint32_t a : vals) {
      for (uint32_t b : vals) {
        const bool all_forms = (pair++ % (thorough ? 6 : 9)) == 0;
        if (!thorough && !all_forms && (pair % 2)) continue;
        for (unsigned fi = 0; fi < 2; ++fi) {
          // Both initial flag states where CF is an input; elsewhere they alternate.
          if (!op.carry_in && fi != (pair & 1)) continue;
          const uint32_t fin = FLAGS_IN[fi];
          State in;
          in.eax = with_noise(a, size, NOISE_A);
          in.ebx = with_noise(b, size, NOISE_B);
          in.ecx = 0x11111111;
          in.edx = 0x22222222;
          in.flags = fin;
          const State r = host_run(h, in);
          const uint32_t m = mask_of(size);
          // op A, B
          out.push_back({std::string(op.name) + " " + A + ", " + B, in, r, op.defined});
          if (!all_forms) continue;
          if (size == 1) {  // op ah, bh
            State hi = in;
            hi.eax = (NOISE_A & ~0xFF00u) | (a << 8);
            hi.ebx = (NOISE_B & ~0xFF00u) | (b << 8);
            out.push_back({std::string(op.name) + " ah, bh", hi, host_run(op.hhi, hi), op.defined});
          }
          // op [mem], B (and with LOCK)
          State mi = in;
          mi.mem[4] = with_noise(a, size, NOISE_M);
          mi.mem[3] = 0x01020304;
          mi.mem[5] = 0x05060708;
          State mo = mi;
          mo.mem[4] = (mi.mem[4] & ~m) | (r.eax & m);
          mo.flags = r.flags;
          out.push_back({std::string(op.name) + " " + s + " [SCR], " + B, mi, mo, op.defined, true});
          if (op.writes)
            out.push_back({"lock " + std::string(op.name) + " " + s + " [SCR], " + B, mi, mo, op.defined, true});
          // op A, [mem]
          State ri = in;
          ri.mem[4] = with_noise(b, size, NOISE_M);
          State ro = r;
          ro.mem[4] = ri.mem[4];
          out.push_back({std::string(op.name) + " " + A + ", [SCR]", ri, ro, op.defined, true});
          // op C, imm (full width) and op A, imm (accumulator short form)
          State ci = in;
          ci.ecx = with_noise(a, size, 0x11111111);
          State co = ci;
          co.ecx = (ci.ecx & ~m) | (r.eax & m);
          co.flags = r.flags;
          out.push_back({std::string(op.name) + " " + C + ", strict " + s + " " + hex(b), ci, co, op.defined});
          out.push_back({std::string(op.name) + " " + A + ", strict " + s + " " + hex(b), in, r, op.defined});
          // op [mem], imm
          State mio = mo;
          out.push_back({std::string(op.name) + " " + s + " [SCR], strict " + s + " " + hex(b), mi, mio, op.defined, true});
          // sign-extended imm8 forms (83 /r) where the value allows
          if (size > 1 && std::string(op.name) != "test" && fits_imm8(b, size)) {
            const std::string imm8 = std::to_string(int(int8_t(b & 0xFF)));
            out.push_back({std::string(op.name) + " " + C + ", strict byte " + imm8, ci, co, op.defined});
            out.push_back({std::string(op.name) + " " + s + " [SCR], strict byte " + imm8, mi, mio, op.defined, true});
            if (op.writes)
              out.push_back({"lock " + std::string(op.name) + " " + s + " [SCR], strict byte " + imm8, mi, mio,
                             op.defined, true});
          }
        }
      }
    }
  }
  return out;
}

struct UnOp {
  const char* name;
  HostFn h[3];  // al / ax / eax
  uint32_t defined;
};

#define UN(op, defined) \
  UnOp { #op, {ALU_HOST(#op " al"), ALU_HOST(#op " ax"), ALU_HOST(#op " eax")}, defined }

const UnOp kUnOps[] = {UN(inc, ARITH), UN(dec, ARITH), UN(neg, ARITH), UN(not, ARITH)};

std::vector<Case> unop_cases(const UnOp& op) {
  std::vector<Case> out;
  for (unsigned size : {1u, 2u, 4u}) {
    const uint32_t m = mask_of(size);
    for (uint32_t a : edge_values(size)) {
      for (uint32_t fin : FLAGS_IN) {
        State in;
        in.eax = with_noise(a, size, NOISE_A);
        in.flags = fin;
        const State r = host_run(op.h[size_index(size)], in);
        out.push_back({std::string(op.name) + " " + rname(size, 0), in, r, op.defined});
        // Other registers (INC/DEC r16/r32 have one-byte forms): op edx
        State di = in;
        di.eax = 0;
        di.edx = in.eax;
        State dout = di;
        dout.edx = r.eax;
        dout.flags = r.flags;
        out.push_back({std::string(op.name) + " " + rname(size, 3), di, dout, op.defined});
        State mi = in;
        mi.mem[4] = with_noise(a, size, NOISE_M);
        State mo = mi;
        mo.mem[4] = (mi.mem[4] & ~m) | (r.eax & m);
        mo.flags = r.flags;
        out.push_back({std::string(op.name) + " " + sname(size) + " [SCR]", mi, mo, op.defined, true});
        out.push_back({"lock " + std::string(op.name) + " " + sname(size) + " [SCR]", mi, mo, op.defined, true});
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("ADD ADC SUB SBB AND OR XOR CMP TEST give the host's results and flags", "[isa][alu][alu_arith]") {
  for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
    std::vector<Case> cases;
    for (const BinOp& op : kBinOps) {
      auto v = binop_cases(op, mode == Mode::Flat32);
      cases.insert(cases.end(), v.begin(), v.end());
    }
    for (const auto& e : xlat::test::engines()) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("INC DEC NEG NOT give the host's results and flags", "[isa][alu][alu_arith]") {
  for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
    std::vector<Case> cases;
    for (const UnOp& op : kUnOps) {
      auto v = unop_cases(op);
      cases.insert(cases.end(), v.begin(), v.end());
    }
    for (const auto& e : xlat::test::engines()) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("CBW CWDE CWD CDQ sign-extend the accumulator", "[isa][alu][alu_arith]") {
  const HostFn cbw = ALU_HOST("cbw"), cwde = ALU_HOST("cwde"), cwd = ALU_HOST("cwd"), cdq = ALU_HOST("cdq");
  for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
    std::vector<Case> cases;
    for (uint32_t v : {0x00000000u, 0x0000007Fu, 0x00000080u, 0x12347FFFu, 0x12348000u, 0x7FFFFFFFu, 0x80000000u,
                       0xFFFFFFFFu, 0xABCD00FFu}) {
      for (uint32_t fin : FLAGS_IN) {
        State in;
        in.eax = v;
        in.edx = 0x5555AAAA;
        in.flags = fin;
        cases.push_back({"cbw", in, host_run(cbw, in)});
        cases.push_back({"cwde", in, host_run(cwde, in)});
        cases.push_back({"cwd", in, host_run(cwd, in)});
        cases.push_back({"cdq", in, host_run(cdq, in)});
      }
    }
    for (const auto& e : xlat::test::engines()) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}
