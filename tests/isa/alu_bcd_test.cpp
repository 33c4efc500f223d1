// DAA DAS AAA AAS AAM AAD. These do not exist in 64-bit mode, so the host
// cannot run them: expectations come from a model written from the SDM's
// "Operation" sections (below), run over every AL value with every carry-in,
// plus the worked examples of the SDM. AAM 0 raising #DE is in
// alu_muldiv_test.cpp.
#include "tests/isa/alu_harness.hpp"

using namespace alu_test;

namespace {

uint32_t szp8(uint32_t v) {
  v &= 0xFF;
  return (v & 0x80 ? SF : 0) | (v == 0 ? ZF : 0) | (__builtin_parity(v) ? 0 : PF);
}

// SDM DAA: old_AL, old_CF; CF = 0; if (AL & 0F) > 9 or AF: AL += 6, CF = old_CF | carry, AF = 1
// else AF = 0; if old_AL > 99H or old_CF: AL += 60H, CF = 1 else CF = 0.
State sdm_daa(State s) {
  const uint32_t old_al = s.eax & 0xFF, old_cf = s.flags & CF;
  uint32_t al = old_al, f = 0;
  if ((al & 0xF) > 9 || (s.flags & AF)) {
    al += 6;
    f |= AF;
  }
  if (old_al > 0x99 || old_cf) {
    al += 0x60;
    f |= CF;
  }
  s.eax = (s.eax & ~0xFFu) | (al & 0xFF);
  s.flags = (s.flags & OF) | f | szp8(al);
  return s;
}

// SDM DAS: ... AL -= 6, CF = old_CF | borrow, AF = 1 ...; if old_AL > 99H or
// old_CF: AL -= 60H, CF = 1 (no else: CF keeps the first step's value).
State sdm_das(State s) {
  const uint32_t old_al = s.eax & 0xFF, old_cf = s.flags & CF;
  uint32_t al = old_al, f = 0;
  if ((al & 0xF) > 9 || (s.flags & AF)) {
    if (old_cf || al < 6) f |= CF;
    al -= 6;
    f |= AF;
  }
  if (old_al > 0x99 || old_cf) {
    al -= 0x60;
    f |= CF;
  }
  s.eax = (s.eax & ~0xFFu) | (al & 0xFF);
  s.flags = (s.flags & OF) | f | szp8(al);
  return s;
}

// SDM AAA: if (AL & 0F) > 9 or AF: AX += 106H, AF = CF = 1 else AF = CF = 0;
// AL &= 0FH.
State sdm_aaa(State s) {
  uint32_t ax = s.eax & 0xFFFF;
  const bool adj = (ax & 0xF) > 9 || (s.flags & AF);
  if (adj) ax += 0x106;
  ax &= 0xFF0F;
  s.eax = (s.eax & ~0xFFFFu) | ax;
  s.flags = (s.flags & ~(AF | CF)) | (adj ? AF | CF : 0);
  return s;
}

// SDM AAS: if (AL & 0F) > 9 or AF: AX -= 6, AH -= 1, AF = CF = 1 else AF = CF = 0;
// AL &= 0FH.
State sdm_aas(State s) {
  uint32_t ax = s.eax & 0xFFFF;
  const bool adj = (ax & 0xF) > 9 || (s.flags & AF);
  if (adj) ax = (ax - 6 - 0x100) & 0xFFFF;
  ax &= 0xFF0F;
  s.eax = (s.eax & ~0xFFFFu) | ax;
  s.flags = (s.flags & ~(AF | CF)) | (adj ? AF | CF : 0);
  return s;
}

// SDM AAM imm8: AH = AL / imm8; AL = AL MOD imm8; SF ZF PF from AL.
State sdm_aam(State s, uint32_t base) {
  const uint32_t al = s.eax & 0xFF;
  s.eax = (s.eax & ~0xFFFFu) | ((al / base) << 8) | (al % base);
  s.flags = (s.flags & ~(SF | ZF | PF)) | szp8(al % base);
  return s;
}

// SDM AAD imm8: AL = (AL + AH * imm8) & FFH; AH = 0; SF ZF PF from AL.
State sdm_aad(State s, uint32_t base) {
  const uint32_t al = ((s.eax & 0xFF) + ((s.eax >> 8) & 0xFF) * base) & 0xFF;
  s.eax = (s.eax & ~0xFFFFu) | al;
  s.flags = (s.flags & ~(SF | ZF | PF)) | szp8(al);
  return s;
}

std::vector<Case> bcd_cases(bool thorough) {
  std::vector<Case> out;
  const uint32_t adj_defined = CF | AF | SF | ZF | PF;
  for (uint32_t al = 0; al < 256; ++al) {
    for (uint32_t fin : {0u, CF, AF, CF | AF, ARITH}) {
      if (!thorough && fin == ARITH) continue;
      State in;
      in.eax = 0x12345600 | al;
      in.ebx = 0x5A5A5A5A;
      in.flags = fin | (al & 1 ? OF : 0);
      out.push_back({"daa", in, sdm_daa(in), adj_defined});
      out.push_back({"das", in, sdm_das(in), adj_defined});
      if (fin & CF) continue;  // AAA/AAS do not read CF
      for (uint32_t ah : {0x00u, 0x7Fu, 0xFFu}) {
        if (!thorough && ah == 0x7F) continue;
        State a = in;
        a.eax = 0x12340000 | (ah << 8) | al;
        out.push_back({"aaa", a, sdm_aaa(a), CF | AF});
        out.push_back({"aas", a, sdm_aas(a), CF | AF});
      }
    }
    for (uint32_t base : {10u, 16u, 7u, 1u, 255u}) {
      State in;
      in.eax = 0xABCD0000 | ((al * 7) & 0xFF) << 8 | al;
      in.flags = al & 1 ? ARITH : 0;
      out.push_back({"aam " + std::to_string(base), in, sdm_aam(in, base), SF | ZF | PF});
      if (thorough || base == 10) out.push_back({"aad " + std::to_string(base), in, sdm_aad(in, base), SF | ZF | PF});
    }
  }
  return out;
}

}  // namespace

TEST_CASE("DAA DAS AAA AAS AAM AAD follow the SDM for every AL", "[isa][alu][alu_bcd]") {
  for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
    const std::vector<Case> cases = bcd_cases(mode == Mode::Flat32);
    for (const auto& e : xlat::test::engines()) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("BCD adjustments reproduce the SDM's examples", "[isa][alu][alu_bcd]") {
  std::vector<Case> cases;
  auto add = [&](const char* insn, uint32_t eax, uint32_t ebx, uint32_t x_eax, uint32_t x_flags, uint32_t mask) {
    State in;
    in.eax = eax;
    in.ebx = ebx;
    State out = in;
    out.eax = x_eax;
    out.flags = x_flags;
    cases.push_back({insn, in, out, mask});
  };
  // SDM DAA: ADD AL, BL with AL = 79H, BL = 35H gives AEH; DAA gives 14H, CF = AF = 1.
  add("add al, bl\ndaa", 0x79, 0x35, 0x14, CF | AF | PF, CF | AF | SF | ZF | PF);
  // SDM DAS: SUB AL, BL with AL = 35H, BL = 47H gives EEH (CF AF PF SF set); DAS gives 88H with SZAPC = 10111.
  add("sub al, bl", 0x35, 0x47, 0xEE, SF | AF | PF | CF, ARITH);
  add("sub al, bl\ndas", 0x35, 0x47, 0x88, SF | AF | PF | CF, CF | AF | SF | ZF | PF);
  // Unpacked BCD: 8 + 9 = 17 -> AX = 0107H; 2 - 5 -> AH borrow, AL = 7.
  add("add al, bl\naaa", 0x08, 0x09, 0x0107, AF | CF, AF | CF);
  add("sub al, bl\naas", 0x0102, 0x05, 0x0007, AF | CF, AF | CF);
  // AAM: 63 -> AH = 6, AL = 3; AAD: AH = 6, AL = 7 -> AX = 43H (67).
  add("aam", 0x3F, 0, 0x0603, PF, SF | ZF | PF);
  add("aad", 0x0607, 0, 0x0043, 0, SF | ZF | PF);
  for (const auto& e : xlat::test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}

// The flags the SDM leaves undefined (ops_bcd.cpp): AAA/AAS set SF ZF PF from
// the final AL; the others are left unchanged.
TEST_CASE("BCD adjustments define their undefined flags as ops_bcd.cpp says", "[isa][alu][alu_bcd]") {
  std::vector<Case> cases;
  for (uint32_t fin : {0u, ARITH}) {
    for (uint32_t al : {0x00u, 0x0Au, 0x9Fu, 0xFFu}) {
      State in;
      in.eax = al;
      in.flags = fin;
      cases.push_back({"daa", in, sdm_daa(in), OF});
      cases.push_back({"das", in, sdm_das(in), OF});
      State aaa = sdm_aaa(in), aas = sdm_aas(in);
      aaa.flags = (aaa.flags & ~(SF | ZF | PF)) | szp8(aaa.eax & 0x0F);
      aas.flags = (aas.flags & ~(SF | ZF | PF)) | szp8(aas.eax & 0x0F);
      cases.push_back({"aaa", in, aaa, OF | SF | ZF | PF});
      cases.push_back({"aas", in, aas, OF | SF | ZF | PF});
      cases.push_back({"aam", in, sdm_aam(in, 10), OF | AF | CF});
      cases.push_back({"aad", in, sdm_aad(in, 10), OF | AF | CF});
    }
  }
  for (const auto& e : xlat::test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}
