// SETcc and CMOVcc (all 16 conditions) after each kind of flag-setting
// instruction, so every lazy-flags path (CMP/SUB decided from the operands,
// ADD, ADC/SBB with a carry in, INC/DEC, logic, NEG, shifts, SAHF) is read
// through Cpu::cond; CMOVcc's memory source read even when false; LAHF/SAHF;
// CLC STC CMC CLD STD. The condition of each code is computed from the flags
// the host produced, with the SDM's condition table.
#include "tests/isa/alu_harness.hpp"

using namespace alu_test;
using namespace xlat;

namespace {

const char* const kCc[16] = {"o", "no", "b", "nb", "z", "nz", "be", "nbe", "s", "ns", "p", "np", "l", "nl", "le", "nle"};

// SDM condition codes (Jcc/SETcc/CMOVcc), from EFLAGS.
bool cond(unsigned cc, uint32_t f) {
  const bool cf = f & CF, zf = f & ZF, sf = f & SF, of = f & OF, pf = f & PF;
  bool r = false;
  switch (cc >> 1) {
    case 0: r = of; break;
    case 1: r = cf; break;
    case 2: r = zf; break;
    case 3: r = cf || zf; break;
    case 4: r = sf; break;
    case 5: r = pf; break;
    case 6: r = sf != of; break;
    case 7: r = zf || sf != of; break;
  }
  return (cc & 1) ? !r : r;
}

struct Setter {
  const char* insn;  // sets the flags from eax, ebx (and CF)
  HostFn host;
  uint32_t defined;  // flags it defines (no condition reads AF, the only undefined one)
};

const Setter kSetters[] = {
    {"cmp eax, ebx", ALU_HOST("cmp eax, ebx"), ARITH},
    {"cmp ax, bx", ALU_HOST("cmp ax, bx"), ARITH},
    {"cmp al, bl", ALU_HOST("cmp al, bl"), ARITH},
    {"sub eax, ebx", ALU_HOST("sub eax, ebx"), ARITH},
    {"add eax, ebx", ALU_HOST("add eax, ebx"), ARITH},
    {"add ax, bx", ALU_HOST("add ax, bx"), ARITH},
    {"adc eax, ebx", ALU_HOST("adc eax, ebx"), ARITH},
    {"sbb eax, ebx", ALU_HOST("sbb eax, ebx"), ARITH},
    {"sbb al, bl", ALU_HOST("sbb al, bl"), ARITH},
    {"inc eax", ALU_HOST("inc eax"), ARITH},
    {"dec ax", ALU_HOST("dec ax"), ARITH},
    {"neg eax", ALU_HOST("neg eax"), ARITH},
    {"and eax, ebx", ALU_HOST("and eax, ebx"), ARITH & ~AF},
    {"test al, bl", ALU_HOST("test al, bl"), ARITH & ~AF},
    {"xor ax, bx", ALU_HOST("xor ax, bx"), ARITH & ~AF},
    {"shl eax, 1", ALU_HOST("shl eax, 1"), ARITH & ~AF},
    {"sar ax, 1", ALU_HOST("sar ax, 1"), ARITH & ~AF},
};

const uint32_t kVals[][2] = {{0, 0},          {1, 2},          {2, 1},          {0x7FFFFFFF, 0xFFFFFFFF},
                             {0x80000000, 1}, {0xFFFFFFFF, 1}, {0x7F, 0x80},    {0x8000, 0x7FFF},
                             {5, 5},          {0x80, 0x7F},    {0x12345678, 0x12345679}, {0xFFFF, 0x0001}};

std::vector<Case> setcc_cases() {
  std::vector<Case> out;
  unsigned k = 0;
  for (const Setter& s : kSetters) {
    const bool cmovs = (k++ % 2) == 0;  // CMOVcc after every other setter (same Cpu::cond as SETcc)
    for (const auto& v : kVals) {
      for (uint32_t fin : FLAGS_IN) {
        State in;
        in.eax = v[0];
        in.ebx = v[1];
        in.ecx = 0x11111111;
        in.edx = 0x22222222;
        in.flags = fin;
        const State h = host_run(s.host, in);
        // All 16 SETcc into the bytes of mem[0..3] (the byte below SCR and down).
        std::string insn = s.insn;
        State x = h;
        for (unsigned cc = 0; cc < 16; ++cc) {
          insn += std::string("\nset") + kCc[cc] + " byte [SCR-16+" + std::to_string(cc) + "]";
          x.mem[cc / 4] |= uint32_t(cond(cc, h.flags)) << (8 * (cc % 4));
        }
        out.push_back({insn, in, x, s.defined, true});
        if (!cmovs || fin != FLAGS_IN[(v[0] ^ v[1]) & 1]) continue;
        // CMOVcc: ecx = edx if the condition holds, else ecx is kept (all 32 bits).
        for (unsigned cc = 0; cc < 16; ++cc) {
          State c = h;
          if (cond(cc, h.flags)) c.ecx = in.edx;
          out.push_back({std::string(s.insn) + "\ncmov" + kCc[cc] + " ecx, edx", in, c, s.defined});
          if (cc % 5 == 0) {  // 16-bit register and memory forms
            State c16 = h;
            if (cond(cc, h.flags)) c16.ecx = (in.ecx & 0xFFFF0000) | (in.edx & 0xFFFF);
            out.push_back({std::string(s.insn) + "\ncmov" + kCc[cc] + " cx, dx", in, c16, s.defined});
            State mi = in;
            mi.mem[4] = 0xCAFEF00D;
            State mo = c;
            for (unsigned j = 0; j < 8; ++j) mo.mem[j] = mi.mem[j];
            mo.ecx = cond(cc, h.flags) ? 0xCAFEF00D : in.ecx;
            out.push_back({std::string(s.insn) + "\ncmov" + kCc[cc] + " ecx, [SCR]", mi, mo, s.defined, true});
          }
        }
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("SETcc and CMOVcc read every condition after every kind of flag setter", "[isa][alu][alu_flagctl]") {
  const std::vector<Case> cases = setcc_cases();
  REQUIRE(cases.size() > 1000);
  for (const auto& e : test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("SETcc writes a register byte and leaves the rest", "[isa][alu][alu_flagctl]") {
  const HostFn h = ALU_HOST("cmp eax, ebx\nsetb ah\nsetnb bl\nsetz dh");
  std::vector<Case> cases;
  for (const auto& v : kVals) {
    State in;
    in.eax = v[0];
    in.ebx = v[1];
    in.edx = 0x5A5A5A5A;
    cases.push_back({"cmp eax, ebx\nsetb ah\nsetnb bl\nsetz dh", in, host_run(h, in)});
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}

TEST_CASE("CMOVcc reads its memory source even when the condition is false", "[isa][alu][alu_flagctl]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      // Real mode: a dword at DS:FFFF crosses the 64 KiB limit -> #GP, taken or not.
      for (const char* cmov : {"cmovz eax, [0xFFFF]", "cmovnz eax, [0xFFFF]"}) {
        test::Guest g(e, Mode::Real16);
        const std::string prefix = "bits 16\norg 0x1000\nmov eax, 0x1234\ncmp eax, eax\n";
        const uint32_t at = 0x1000 + uint32_t(test::nasm(prefix).size());
        g.load(test::nasm(prefix + cmov + "\nhlt"), 0x1000);
        g.run();
        INFO(cmov);
        REQUIRE(g.fault);
        CHECK(g.fault->vector == core::VEC_GP);
        CHECK(g.fault_eip == at);
        CHECK(g.reg(core::EAX) == 0x1234);
      }
    }
  }
}

TEST_CASE("LAHF and SAHF move SF ZF AF PF CF through AH", "[isa][alu][alu_flagctl]") {
  const HostFn sahf = ALU_HOST("sahf"), lahf = ALU_HOST("lahf");
  std::vector<Case> cases;
  for (uint32_t ah = 0; ah < 256; ++ah) {
    for (uint32_t fin : FLAGS_IN) {
      State in;
      in.eax = 0x12340056 | (ah << 8);
      in.flags = fin;
      cases.push_back({"sahf", in, host_run(sahf, in)});
      if (ah % 16 == 0) {
        State l = in;
        l.flags = (ah & (SF | ZF | AF | PF | CF)) | (fin & OF);
        cases.push_back({"lahf", l, host_run(lahf, l)});
      }
    }
  }
  for (const auto& e : test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("CLC STC CMC change only CF", "[isa][alu][alu_flagctl]") {
  const HostFn clc = ALU_HOST("clc"), stc = ALU_HOST("stc"), cmc = ALU_HOST("cmc");
  std::vector<Case> cases;
  for (uint32_t fin : {0u, CF, ARITH, ARITH & ~CF}) {
    State in;
    in.flags = fin;
    cases.push_back({"clc", in, host_run(clc, in)});
    cases.push_back({"stc", in, host_run(stc, in)});
    cases.push_back({"cmc", in, host_run(cmc, in)});
    // After a lazy setter: CMC must complement the evaluated CF.
    State l = in;
    l.eax = 1;
    l.ebx = 2;
    const HostFn cmp_cmc = ALU_HOST("cmp eax, ebx\ncmc");
    cases.push_back({"cmp eax, ebx\ncmc", l, host_run(cmp_cmc, l)});
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}

TEST_CASE("CLD and STD set the direction flag", "[isa][alu][alu_flagctl]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm("bits 32\nstc\nstd\nhlt"));
      g.run();
      CHECK((g.eflags() & core::fl::DF) != 0);
      CHECK((g.eflags() & CF) != 0);
      test::Guest h(e);
      h.load(test::nasm("bits 32\nstd\nstc\ncld\nhlt"));
      h.run();
      CHECK((h.eflags() & core::fl::DF) == 0);
      CHECK((h.eflags() & CF) != 0);
    }
  }
}
