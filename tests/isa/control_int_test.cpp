// Software interrupts in real mode: INT n, INT3, INTO (taken and not taken)
// and INT1 (ICEBP) go through the IVT with FLAGS, CS and the address of the
// next instruction pushed and IF/TF cleared; INT n does not take a
// single-step trap for itself (SDM vol. 3, single-step exception: INT n and
// INTO clear TF and the handler is entered without a trap).
#include <catch2/catch.hpp>

#include <string>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP;

namespace {

constexpr uint32_t REAL_CODE = 0x1000;

// The program sets FLAGS to `flags`, runs `insn` and halts; handlers for
// vectors 1, 3, 4 and 0x21 store their vector in BX, their FLAGS in DX and
// halt.
// IP of the instruction after `insn` is in CX.
std::string program(const std::string& insn, uint16_t flags) {
  return "bits 16\norg 0x1000\n"
         "  mov sp, 0x8000\n  mov cx, after\n  push word " + std::to_string(flags) + "\n  popf\n"
         "  " + insn + "\nafter:\n  mov bx, 0xFFFF\n  hlt\n"
         "  times 0x100 - ($ - $$) nop\n  mov bx, 1\n  jmp store\n"
         "  times 0x108 - ($ - $$) nop\n  mov bx, 3\n  jmp store\n"
         "  times 0x110 - ($ - $$) nop\n  mov bx, 4\n  jmp store\n"
         "  times 0x118 - ($ - $$) nop\n  mov bx, 0x21\n  jmp store\n"
         "store:\n  pushf\n  pop dx\n  hlt\n";
}

struct Result {
  uint16_t bx, cx, dx, sp;
  uint16_t ip, cs, flags;  // the interrupt frame
  bool fault;
};

Result run(const std::string& engine, const std::string& insn, uint16_t flags) {
  test::Guest g(engine, test::Mode::Real16);
  const auto code = test::nasm(program(insn, flags));
  g.load(code, REAL_CODE);
  // The handler stubs are at 0x1100 + 8 * k.
  g.write32(1 * 4, 0x1100);
  g.write32(3 * 4, 0x1108);
  g.write32(4 * 4, 0x1110);
  g.write32(0x21 * 4, 0x1118);
  g.run();
  Result r{};
  r.fault = bool(g.fault);
  r.bx = uint16_t(g.reg(EBX));
  r.cx = uint16_t(g.reg(ECX));
  r.dx = uint16_t(g.reg(EDX));
  r.sp = uint16_t(g.reg(ESP));
  r.ip = uint16_t(g.read32(0x7FFA));
  r.cs = uint16_t(g.read32(0x7FFC));
  r.flags = uint16_t(g.read32(0x7FFE));
  return r;
}

}  // namespace

TEST_CASE("int n, int3, into and int1 in real mode", "[isa][flow][control][int]") {
  constexpr uint16_t IF = 0x200, TF = 0x100, OF = 0x800, CF = 0x1;
  struct Case {
    const char* insn;
    uint16_t flags;
    uint16_t vector;
  };
  const Case cases[] = {
      {"int 0x21", 0x2 | IF | CF, 0x21},
      {"int3", 0x2 | IF, 3},
      {"int 3", 0x2, 3},  // CD 03
      {"into", 0x2 | OF | IF, 4},
      {"int1", 0x2 | IF, 1},
  };
  for (const auto& e : test::engines()) {
    for (const Case& c : cases) {
      DYNAMIC_SECTION(e << " " << c.insn) {
        const Result r = run(e, c.insn, c.flags);
        REQUIRE(!r.fault);
        CHECK(r.bx == c.vector);
        CHECK(r.sp == 0x7FFA);
        CHECK(r.ip == r.cx);  // returns to the next instruction
        CHECK(r.cs == 0);
        CHECK(r.flags == c.flags);
        CHECK((r.dx & (IF | TF)) == 0);  // the handler runs with IF and TF clear
        CHECK((r.dx & (CF | OF)) == (c.flags & (CF | OF)));
      }
    }
    DYNAMIC_SECTION(e << " into without OF") {
      const Result r = run(e, "into", 0x2);
      REQUIRE(!r.fault);
      CHECK(r.bx == 0xFFFF);
      CHECK(r.sp == 0x8000);
    }
  }
}

TEST_CASE("int n under TF enters the handler without a single-step trap", "[isa][flow][control][int]") {
  constexpr uint16_t TF = 0x100;
  for (const auto& e : test::engines()) {
    for (const char* insn : {"int 0x21", "int3", "into"}) {
      DYNAMIC_SECTION(e << " " << insn) {
        const Result r = run(e, insn, 0x2 | TF | 0x800);
        REQUIRE(!r.fault);
        CHECK(r.bx == (std::string(insn) == "int3" ? 3 : std::string(insn) == "into" ? 4 : 0x21));
        CHECK(r.flags == (0x2 | TF | 0x800));
      }
    }
  }
}
