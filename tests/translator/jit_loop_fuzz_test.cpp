// Random one-block loops, translator against interpreter. A self-loop runs
// a second copy of its body from the flag state of its back-edge
// (translator/backend/emitter.hpp, Self-loops), and inside the body flags
// move between the host, recipes (FlagState::recipe, cf_base, recipe_cf),
// saved_flags and CpuState. Each body mixes flag producers, partial writers,
// readers (ADC/SBB/SETcc/CMOVcc/PUSHFD) and memory accesses on a fresh page
// every iteration (so every probe takes its slow path, which must see exact
// flags) and across a page end; each program also runs cut after a number of
// instructions (the copy's deadline exit). Seeded: the same loops every run.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "tests/support/guest.hpp"
#include "tests/translator/jit_support.hpp"

using namespace xlat;

namespace {
const char* const kRegs[] = {"eax", "ebx", "edx", "esi"};
const char* const kRegs16[] = {"ax", "bx", "dx", "si"};
const char* const kRegs8[] = {"al", "bl", "dl", "cl"};
const char* const kOffs[] = {"0", "8", "0x7fc", "0xff8", "0xffe"};

std::string random_insn(std::mt19937& rng) {
  auto pick = [&](unsigned n) { return unsigned(rng() % n); };
  const std::string r = kRegs[pick(4)], r2 = kRegs[pick(4)], off = kOffs[pick(5)];
  const std::string imm = std::to_string(int32_t(rng()) >> pick(32));
  const std::string n = std::to_string(1 + pick(31));
  switch (pick(30)) {
    case 0: return "add " + r + ", " + r2;
    case 1: return "sub " + r + ", " + imm;
    case 2: return "xor " + r + ", " + r2;
    case 3: return "and " + r + ", " + imm;
    case 4: return "or " + r + ", " + r2;
    case 5: return "cmp " + r + ", " + r2;
    case 6: return "test " + r + ", " + imm;
    case 7: return "inc " + r;
    case 8: return "dec " + r;
    case 9: return "neg " + r;
    case 10: return "shl " + r + ", " + n;
    case 11: return "shr " + r + ", " + n;
    case 12: return "sar " + r + ", " + n;
    case 13: return (pick(2) ? "rol " : "ror ") + r + ", " + n;
    case 14: return "adc " + r + ", " + r2;
    case 15: return "sbb " + r + ", " + imm;
    case 16: return pick(2) ? "setc cl" : "seto cl";
    case 17: return "cmovb " + r + ", " + r2;
    case 18: return "mov " + r + ", [edi + " + off + "]";
    case 19: return "mov [edi + " + off + "], " + r;
    case 20: return "add " + r + ", [edi + " + off + "]";
    case 21: return "adc [edi + " + off + "], " + r;
    case 22: return "movzx " + r + ", byte [edi + " + off + "]";
    case 23: return "lea " + r + ", [" + r + " + " + r2 + " * 2 + 7]";
    case 24: return std::string(pick(2) ? "inc " : "dec ") + kRegs16[pick(4)];
    case 25: return std::string("shl ") + kRegs16[pick(4)] + ", " + std::to_string(1 + pick(15));
    case 26: return std::string("add ") + kRegs8[pick(4)] + ", " + kRegs8[pick(4)];
    case 27: return "pushfd\n pop " + r;
    case 28: return "imul " + r + ", " + r2;
    default: return "shr " + r + ", " + n + "\n jc short $+2";
  }
}
}  // namespace

TEST_CASE("random one-block loops run alike under the translator and the interpreter", "[translator][flags]") {
  std::mt19937 rng(20261207);
  for (int prog = 0; prog < 300; ++prog) {
    std::string src = "bits 32\n mov edi, 0x200000\n mov ebp, 5\n";
    for (const char* r : {"eax", "ebx", "ecx", "edx", "esi"}) src += std::string(" mov ") + r + ", " + std::to_string(rng()) + "\n";
    src += (rng() & 1) ? " stc\n" : " clc\n";
    src += " jmp .l\n align 16\n.l:\n";
    const unsigned n = 4 + rng() % 9;
    for (unsigned k = 0; k < n; ++k) src += " " + random_insn(rng) + "\n";
    src += " lea edi, [edi + 4096]\n dec ebp\n jnz .l\n pushfd\n pop ecx\n hlt\n";
    const auto code = test::nasm(src);
    for (const uint64_t limit : {uint64_t(1'000'000), uint64_t(7 + rng() % 40)}) {
      test::Guest gi("interp"), gj("jit");
      gi.load(code);
      gj.load(code);
      gi.run(limit);
      gj.run(limit);
      INFO("program " << prog << ", at most " << limit << " instructions:\n" << src);
      REQUIRE(!gi.fault);
      REQUIRE(!gj.fault);
      CHECK(gi.hit_limit == gj.hit_limit);
      CHECK(test::snapshot(gi.cpu) == test::snapshot(gj.cpu));
      CHECK((gi.eflags() & 0x8D5) == (gj.eflags() & 0x8D5));
      for (uint32_t page = 0; page < 6; ++page)
        for (uint32_t off : {0u, 8u, 0x7FCu, 0xFF8u, 0xFFCu})
          CHECK(gi.read32(0x200000 + page * 4096 + off) == gj.read32(0x200000 + page * 4096 + off));
    }
  }
}
