// Protected-mode interrupt and exception delivery through the IDT (SDM
// vol. 3 chapter 6, vol. 2 INT n): interrupt and trap gates at the same
// level and from ring 3 with the stack switch, 16-bit gates, the gate checks
// and their error codes (IDT bit, EXT bit), double and triple faults.
#include <catch2/catch.hpp>

#include "tests/core/pmode_fixture.hpp"

using namespace xlat;
using namespace xlat::pmtest;
using core::fl::IF;
using core::fl::RF;

namespace {

constexpr uint32_t RING0_ESP = K_STACK - 0x1000;  // Pm::setup's ring-0 stack

// An interrupt controller with one pending vector.
struct OneIrq : core::InterruptController {
  uint8_t vector;
  explicit OneIrq(uint8_t v) : vector(v) {}
  uint8_t acknowledge() override { return vector; }
};

}  // namespace

TEST_CASE("INT n through 32-bit interrupt and trap gates at ring 0", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    for (unsigned type : {INT32, TRAP32}) {
      DYNAMIC_SECTION(e << (type == INT32 ? ": interrupt gate" : ": trap gate")) {
        test::Guest g(e);
        Pm pm(g);
        const auto p = assemble("start, back, handler", R"(
start:  sti
        int 0x40
back:   hlt
handler:
        mov ebx, 0x600D
        hlt)");
        pm.set_idt(0x40, gate(K_CODE, p.label(2), type, 0));
        pm.start(p);
        g.run();
        REQUIRE(!g.fault);
        CHECK(g.reg(core::EBX) == 0x600D);
        const uint32_t esp = g.reg(core::ESP);
        CHECK(esp == RING0_ESP - 12);
        CHECK(g.read32(esp) == p.label(1));
        CHECK(g.read32(esp + 4) == K_CODE);
        CHECK((g.read32(esp + 8) & (IF | RF | 0x2)) == (IF | 0x2));
        CHECK(bool(g.cpu.s.eflags & IF) == (type == TRAP32));
        CHECK(g.cpu.s.seg[core::CS].sel == K_CODE);
      }
    }
  }
}

TEST_CASE("INT n from ring 3 switches to the TSS ring-0 stack", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, back, handler", R"(
start:  mov eax, 0x1234
        int 0x41
back:   hlt
handler:
        mov ebx, 0x600D
        hlt)");
      pm.set_idt(0x41, gate(K_CODE, p.label(2), INT32, 3));
      pm.start(p);
      pm.enter_ring3();
      g.cpu.s.eflags |= IF;
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 0x600D);
      CHECK(g.cpu.s.cpl == 0);
      CHECK(g.cpu.s.seg[core::CS].sel == K_CODE);
      CHECK(g.cpu.s.seg[core::SS].sel == K_DATA);
      CHECK(g.reg(core::ESP) == K_STACK - 20);
      // The frame: EIP, CS, EFLAGS, ESP, SS of ring 3.
      CHECK(g.read32(K_STACK - 20) == p.label(1));
      CHECK(g.read32(K_STACK - 16) == U_CODE);
      CHECK((g.read32(K_STACK - 12) & (IF | 0x2)) == (IF | 0x2));
      CHECK(g.read32(K_STACK - 8) == U_STACK);
      CHECK(g.read32(K_STACK - 4) == U_DATA);
      CHECK(!(g.cpu.s.eflags & IF));
      // Going inward leaves the ring-3 data segments loaded.
      CHECK(g.cpu.s.seg[core::DS].sel == U_DATA);
    }
  }
}

TEST_CASE("a 16-bit interrupt gate pushes a 16-bit frame", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      constexpr uint16_t CODE_AT_CODE = 0x30;  // 32-bit code, base 0x10000
      pm.set_gdt(CODE_AT_CODE, seg(0x10000, 0xFFFF, ACC_CODE, 0x4));
      const auto p = assemble("start, back, handler", R"(
start:  int 0x42
back:   hlt
handler:
        mov ebx, 0x600D
        hlt)");
      pm.set_idt(0x42, gate(CODE_AT_CODE, p.label(2) - 0x10000, INT16, 0));
      pm.start(p);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 0x600D);
      const uint32_t esp = g.reg(core::ESP);
      CHECK(esp == RING0_ESP - 6);
      CHECK(pm.r16(esp) == (p.label(1) & 0xFFFF));
      CHECK(pm.r16(esp + 2) == K_CODE);
      CHECK((pm.r16(esp + 4) & 0x2) == 0x2);
      CHECK(g.cpu.s.seg[core::CS].sel == CODE_AT_CODE);
      CHECK(g.cpu.s.seg[core::CS].base == 0x10000);
    }
  }
}

TEST_CASE("INT n gate checks raise #GP/#NP with the IDT error code", "[pmode][interrupts]") {
  struct Case {
    const char* what;
    unsigned vec;
    uint64_t gate_desc;
    unsigned ring;
    uint32_t idt_limit;
    uint8_t fault;
    uint32_t error;
  };
  const uint32_t h = 0x10100;  // never reached
  const Case cases[] = {
      {"gate DPL < CPL", 0x41, gate(K_CODE, h, INT32, 0), 3, 0x7FF, core::VEC_GP, 0x41 * 8 + 2},
      {"beyond the IDT limit", 0x41, gate(K_CODE, h, INT32, 3), 0, 0x41 * 8 + 6, core::VEC_GP, 0x41 * 8 + 2},
      {"not a gate", 0x41, flat_data(3), 0, 0x7FF, core::VEC_GP, 0x41 * 8 + 2},
      {"gate not present", 0x41, gate(K_CODE, h, INT32, 3, 0, false), 0, 0x7FF, core::VEC_NP, 0x41 * 8 + 2},
      {"null code selector", 0x41, gate(0, h, INT32, 3), 0, 0x7FF, core::VEC_GP, 0},
      {"data segment as target", 0x41, gate(K_DATA, h, INT32, 3), 0, 0x7FF, core::VEC_GP, K_DATA},
      {"target DPL > CPL", 0x41, gate(U_CODE, h, INT32, 3), 0, 0x7FF, core::VEC_GP, U_CODE & 0xFFFC},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        const auto p = assemble("start, intn", R"(
start:  nop
intn:   int 0x41
        hlt)");
        pm.set_idt(k.vec, k.gate_desc);
        g.cpu.s.idtr.limit = k.idt_limit;
        pm.start(p);
        if (k.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.fault);
        CHECK(g.fault->error == k.error);
        CHECK(g.fault_eip == p.label(1));
        CHECK(g.cpu.s.cpl == k.ring);
      }
    }
  }
}

TEST_CASE("an exception pushes its error code, and EFLAGS.RF for a fault", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      Pm pm(g);
      const auto p = assemble("start, bad, handler", R"(
start:  mov ax, 0x200
bad:    mov ds, ax
        hlt
handler:
        mov ebx, 0x600D
        hlt)");
      pm.set_idt(core::VEC_GP, gate(K_CODE, p.label(2), INT32, 0));
      pm.start(p);
      g.run();
      CHECK(g.reg(core::EBX) == 0x600D);
      const uint32_t esp = g.reg(core::ESP);
      CHECK(esp == RING0_ESP - 16);
      CHECK(g.read32(esp) == 0x200);
      CHECK(g.read32(esp + 4) == p.label(1));
      CHECK(g.read32(esp + 8) == K_CODE);
      CHECK((g.read32(esp + 12) & RF) == RF);
    }
  }
}

TEST_CASE("a fault while delivering an exception carries EXT", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      Pm pm(g);
      const auto p = assemble("start, bad, handler", R"(
start:  nop
bad:    ud2
        hlt
handler:
        mov ebx, 0x600D
        hlt)");
      pm.set_idt(core::VEC_UD, gate(K_CODE, p.label(2), INT32, 0, 0, false));  // not present
      pm.set_idt(core::VEC_NP, gate(K_CODE, p.label(2), INT32, 0));
      pm.start(p);
      g.run();
      CHECK(g.reg(core::EBX) == 0x600D);
      const uint32_t esp = g.reg(core::ESP);
      CHECK(g.read32(esp) == core::VEC_UD * 8 + 2 + 1);  // IDT | EXT
      CHECK(g.read32(esp + 4) == p.label(1));
    }
  }
}

TEST_CASE("an external interrupt is delivered with EXT in fault error codes", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    for (bool present : {true, false}) {
      DYNAMIC_SECTION(e << (present ? ": delivered" : ": gate not present")) {
        test::Guest g(e);
        Pm pm(g);
        OneIrq pic(0x50);
        g.cpu.intc = &pic;
        const auto p = assemble("start, spin, handler", R"(
start:  sti
spin:   jmp spin
handler:
        mov ebx, 0x600D
        hlt)");
        pm.set_idt(0x50, gate(K_CODE, p.label(2), INT32, 0, 0, present));
        pm.start(p);
        g.cpu.events.fetch_or(core::ev::IRQ);
        g.run(1000);
        if (present) {
          REQUIRE(!g.fault);
          CHECK(g.reg(core::EBX) == 0x600D);
          const uint32_t esp = g.reg(core::ESP);
          CHECK((g.read32(esp) == p.label(1) || g.read32(esp) == p.label(0) + 1));
          CHECK((g.read32(esp + 8) & RF) == 0);
          CHECK(!(g.cpu.s.eflags & IF));
        } else {
          REQUIRE(g.fault);
          CHECK(g.fault->vector == core::VEC_NP);
          CHECK(g.fault->error == 0x50 * 8 + 2 + 1);
        }
      }
    }
  }
}

TEST_CASE("two contributory faults make a double fault", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      Pm pm(g);
      const auto p = assemble("start, bad, handler", R"(
start:  mov ax, 0x200
bad:    mov ds, ax               ; #GP(0x200), and the #GP gate is not present
        hlt
handler:
        mov ebx, 0xDF
        hlt)");
      pm.set_idt(core::VEC_GP, gate(K_CODE, p.label(2), INT32, 0, 0, false));
      pm.set_idt(core::VEC_DF, gate(K_CODE, p.label(2), INT32, 0));
      pm.start(p);
      g.run();
      CHECK(g.reg(core::EBX) == 0xDF);
      const uint32_t esp = g.reg(core::ESP);
      CHECK(esp == RING0_ESP - 16);
      CHECK(g.read32(esp) == 0);  // #DF error code
      CHECK(g.read32(esp + 4) == p.label(1));
    }
  }
}

TEST_CASE("an exception with an empty IDT is a triple fault", "[pmode][interrupts]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      Pm pm(g);
      g.cpu.s.idtr.limit = 0;
      pm.start(assemble("start", R"(
start:  ud2
        mov ebx, 1
        hlt)"));
      g.run(1000);
      CHECK(!g.hit_limit);
      CHECK((g.cpu.events.load() & core::ev::SHUTDOWN));
      REQUIRE(g.cpu.shutdown_reason);
      CHECK(std::string(g.cpu.shutdown_reason) == "triple fault");
      CHECK(g.reg(core::EBX) != 1);
    }
  }
}

TEST_CASE("INT n from ring 3 checks the TSS ring-0 stack", "[pmode][interrupts]") {
  struct Case {
    const char* what;
    uint16_t ss0;
    uint32_t tss_limit;
    uint8_t vec;
    uint32_t error;
  };
  const Case cases[] = {
      {"SS0 DPL 3", U_DATA & 0xFFFC, 0x67, core::VEC_TS, U_DATA & 0xFFFC},
      {"SS0 RPL != target DPL", K_DATA | 1, 0x67, core::VEC_TS, K_DATA},
      {"null SS0", 0, 0x67, core::VEC_TS, 0},
      {"SS0 is code", K_CODE, 0x67, core::VEC_TS, K_CODE},
      {"SS0 not present", 0x30, 0x67, core::VEC_SS, 0x30},
      {"TSS too short for SS0:ESP0", K_DATA, 0x08, core::VEC_TS, TSS0_SEL},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        pm.set_gdt(0x30, seg(0, 0xFFFFF, ACC_DATA & NOT_PRESENT));
        const auto p = assemble("start, intn, handler", R"(
start:  nop
intn:   int 0x41
        hlt
handler:
        hlt)");
        pm.set_idt(0x41, gate(K_CODE, p.label(2), INT32, 3));
        pm.w32(TSS0 + 8, k.ss0);
        g.cpu.s.tr.limit = k.tss_limit;
        pm.start(p);
        pm.enter_ring3();
        g.cpu.s.eip = p.label(0);
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.vec);
        CHECK(g.fault->error == k.error);  // INT n: EXT clear
        CHECK(g.fault_eip == p.label(1));
        CHECK(g.cpu.s.cpl == 3);
        CHECK(g.reg(core::ESP) == U_STACK);
      }
    }
  }
}
