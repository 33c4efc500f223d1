// Stack instructions: PUSH/POP forms, PUSHA/POPA, PUSHF/POPF rules at CPL 0
// and in real mode, ENTER/LEAVE with nesting, at 16- and 32-bit stack sizes.
// Expected values follow the SDM's pseudocode for each instruction.
#include <catch2/catch.hpp>

#include <memory>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP, core::EBP, core::ESI, core::EDI;

namespace {

constexpr uint32_t REAL_CODE = 0x1000;

// Assembles `body` after a bits/org header for the mode and runs it to HLT.
std::unique_ptr<test::Guest> run(const std::string& e, test::Mode m, const std::string& body) {
  auto g = std::make_unique<test::Guest>(e, m);
  if (m == test::Mode::Flat32) {
    g->load(test::nasm("bits 32\norg 0x10000\n" + body));
  } else {
    g->load(test::nasm("bits 16\norg 0x1000\n" + body), REAL_CODE);
  }
  g->run();
  return g;
}

uint16_t read16(const test::Guest& g, uint32_t a) { return uint16_t(g.read32(a)); }

}  // namespace

TEST_CASE("push and pop registers, immediates and memory (32-bit stack)", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov esp, 0x8000
        mov eax, 0x11223344
        push eax
        push word 0x5566
        push byte -2
        push dword 0x12345678
        push esp
        push dword [esp]
        pop ecx
        pop edx
        pop esi
        pop edi
        pop bp
        hlt)");
      REQUIRE(!g->fault);
      CHECK(g->read32(0x7FFC) == 0x11223344);
      CHECK(read16(*g, 0x7FFA) == 0x5566);
      CHECK(g->read32(0x7FF6) == 0xFFFFFFFE);  // PUSH imm8 is sign-extended to 32 bits
      CHECK(g->reg(ECX) == 0x7FF2);            // PUSH [ESP] read the old top: the pushed ESP
      CHECK(g->reg(EDX) == 0x7FF2);            // PUSH ESP pushed ESP before the decrement
      CHECK(g->reg(ESI) == 0x12345678);
      CHECK(g->reg(EDI) == 0xFFFFFFFE);
      CHECK((g->reg(EBP) & 0xFFFF) == 0x5566);
      CHECK(g->reg(ESP) == 0x7FFC);
    }
  }
}

TEST_CASE("pop esp, pop [esp+x] and push of a segment register", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov dword [0x7000], 0x6000
        mov esp, 0x7000
        pop esp                 ; ESP = the popped value
        mov ebp, esp
        mov esp, 0x8000
        mov dword [0x8000], 0xCAFEBABE
        pop dword [esp+4]       ; address computed with the incremented ESP
        mov eax, esp
        mov dword [0x80FC], 0xFFFFFFFF
        mov esp, 0x8100
        push ds                 ; 4-byte slot, only the low word written (P6)
        mov ebx, [0x80FC]
        mov ecx, esp
        o16 push ss             ; 16-bit push of a segment register
        mov edx, esp
        hlt)");
      REQUIRE(!g->fault);
      CHECK(g->reg(EBP) == 0x6000);
      CHECK(g->reg(EAX) == 0x8004);
      CHECK(g->read32(0x8008) == 0xCAFEBABE);
      CHECK(g->reg(EBX) == 0xFFFF0018);
      CHECK(g->reg(ECX) == 0x80FC);
      CHECK(g->reg(EDX) == 0x80FA);
      CHECK(read16(*g, 0x80FA) == 0x18);
    }
  }
}

TEST_CASE("pop to memory that faults leaves ESP unchanged", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.cpu.s.seg[core::DS].limit = 0xFFFF;  // a small DS in the test-set cache
      g.cpu.seg_refresh(core::DS);
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        mov ebx, 0x20000
        pop dword [ebx]
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == test::Guest::CODE + 10);
      CHECK(g.reg(ESP) == 0x8000);
    }
  }
}

TEST_CASE("push and pop at a 16-bit stack size, with segment registers", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov esp, 0x12348000     ; SP is the stack pointer: the upper half stays
        mov ax, 0x1234
        mov ds, ax
        push ds
        pop es
        mov ax, es
        o32 push es             ; 4-byte slot at a 16-bit stack size
        mov bx, sp
        push word 0x0200
        pop fs
        push dword 0xAABBCCDD
        pop ecx
        push sp                 ; the old SP
        pop dx
        o32 pop esi             ; the o32 push es slot: low word 0x1234
        hlt)");
      REQUIRE(!g->fault);
      CHECK((g->reg(EAX) & 0xFFFF) == 0x1234);
      CHECK(g->cpu.s.seg[core::ES].base == 0x12340);
      CHECK((g->reg(EBX) & 0xFFFF) == 0x7FFC);
      CHECK(g->cpu.s.seg[core::FS].sel == 0x0200);
      CHECK(g->cpu.s.seg[core::FS].base == 0x2000);
      CHECK(g->reg(ECX) == 0xAABBCCDD);
      CHECK((g->reg(EDX) & 0xFFFF) == 0x7FFC);
      CHECK((g->reg(ESI) & 0xFFFF) == 0x1234);
      CHECK(g->reg(ESP) == 0x12348000);
    }
  }
}

TEST_CASE("stack pointer wraps at 64K with a 16-bit stack", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov esp, 0x00050000     ; SP = 0
        push word 0x4321        ; SP = 0xFFFE
        mov bx, sp
        pop ax                  ; SP = 0
        hlt)");
      REQUIRE(!g->fault);
      CHECK((g->reg(EBX) & 0xFFFF) == 0xFFFE);
      CHECK(read16(*g, 0xFFFE) == 0x4321);
      CHECK((g->reg(EAX) & 0xFFFF) == 0x4321);
      CHECK(g->reg(ESP) == 0x00050000);
    }
  }
}

TEST_CASE("pop ss inhibits interrupts for one instruction", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm("bits 16\n pop ss\n hlt"), REAL_CODE);
      g.cpu.s.gpr[ESP] = 0x7000;
      g.write32(0x7000, 0x0123);
      g.run(1);
      CHECK(g.cpu.s.seg[core::SS].sel == 0x0123);
      CHECK(g.cpu.s.irq_inhibit == 1);
      CHECK((g.reg(ESP) & 0xFFFF) == 0x7002);
    }
  }
}

TEST_CASE("pusha and popa save all registers and popa skips ESP", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov esp, 0x8000
        mov eax, 1
        mov ecx, 2
        mov edx, 3
        mov ebx, 4
        mov ebp, 6
        mov esi, 7
        mov edi, 8
        pushad
        mov [0x9000], esp
        mov dword [0x7FEC], 0x12345   ; the saved ESP slot: ignored by POPAD
        mov dword [0x7FFC], 0x111
        mov eax, 0
        mov ebx, 0
        mov ebp, 0
        popad
        mov [0x9004], esp
        mov esp, 0x8800
        pushaw
        mov [0x9008], esp
        hlt)");
      REQUIRE(!g->fault);
      const uint32_t expect[8] = {1, 2, 3, 4, 0x8000, 6, 7, 8};
      for (unsigned k = 0; k < 8; ++k)
        if (k != 4 && k != 0) CHECK(g->read32(0x7FFC - 4 * k) == expect[k]);
      CHECK(g->read32(0x9000) == 0x7FE0);
      CHECK(g->reg(EAX) == 0x111);
      CHECK(g->reg(EBX) == 4);
      CHECK(g->reg(EBP) == 6);
      CHECK(g->reg(EDI) == 8);
      CHECK(g->read32(0x9004) == 0x8000);
      CHECK(g->read32(0x9008) == 0x87F0);
      CHECK(read16(*g, 0x87FE) == 0x111);
      CHECK(read16(*g, 0x87F6) == 0x8800);  // the 16-bit SP value
      CHECK(read16(*g, 0x87F0) == 8);
    }
  }
}

TEST_CASE("pusha and popa at a 16-bit stack", "[isa][flow][stack]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov sp, 0x8000
        mov ax, 0xA1
        mov cx, 0xC1
        mov dx, 0xD1
        mov bx, 0xB1
        mov bp, 0xB2
        mov si, 0x51
        mov di, 0xD2
        pusha
        mov [0x9000], sp
        mov ax, 0
        mov di, 0
        mov word [0x7FF6], 0x1111  ; the SP slot
        popa
        hlt)");
      REQUIRE(!g->fault);
      CHECK(read16(*g, 0x9000) == 0x7FF0);
      CHECK(read16(*g, 0x7FFE) == 0xA1);
      CHECK(read16(*g, 0x7FF0) == 0xD2);
      CHECK((g->reg(EAX) & 0xFFFF) == 0xA1);
      CHECK((g->reg(EDI) & 0xFFFF) == 0xD2);
      CHECK((g->reg(ESP) & 0xFFFF) == 0x8000);
    }
  }
}

TEST_CASE("popf at CPL 0 writes IF, IOPL, AC and ID but never VM, RF, VIF or VIP", "[isa][flow][stack][popf]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.cpu.s.eflags |= core::fl::RF;  // PUSHF stores RF as 0
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        pushfd
        pop dword [0x9000]
        push dword 0x00FFFEFF   ; everything but TF
        popfd
        pushfd
        pop dword [0x9004]
        push dword 0x2
        popfd
        pushfd
        pop dword [0x9008]
        push dword 0x00240000   ; AC and ID
        popfd
        push word 0xFEFF
        popfw                   ; 16-bit: the upper half stays
        pushfd
        pop dword [0x900C]
        push dword 0x2
        popfd
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.read32(0x9000) & core::fl::RF) == 0);
      CHECK(g.read32(0x9004) == 0x00247ED7);
      CHECK(g.read32(0x9008) == 0x00000002);
      CHECK(g.read32(0x900C) == 0x00247ED7);
    }
  }
}

TEST_CASE("popf in real mode writes IOPL and NT", "[isa][flow][stack][popf]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov sp, 0x8000
        push word 0xFFFF & ~0x100
        popf
        pushf
        pop ax
        push word 0
        popf
        pushf
        pop bx
        hlt)");
      REQUIRE(!g->fault);
      CHECK((g->reg(EAX) & 0xFFFF) == 0x7ED7);
      CHECK((g->reg(EBX) & 0xFFFF) == 0x0002);
    }
  }
}

TEST_CASE("popf setting TF traps after the following instruction", "[isa][flow][stack][popf]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm(R"(bits 16
        org 0x1000
        mov sp, 0x8000
        push word 0x0102
        popf
        mov ax, 1
      after:
        mov ax, 2
        hlt
        times 0x100 - ($ - $$) nop
      handler:
        mov bx, after
        hlt)"),
             REAL_CODE);
      g.write32(1 * 4, 0x1100);  // IVT[1] = 0000:1100
      g.trap_faults = false;  // the #DB trap is delivered through the IVT
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(EAX) & 0xFFFF) == 1);
      CHECK((g.reg(ESP) & 0xFFFF) == 0x7FFA);
      CHECK(read16(g, 0x7FFA) == (g.reg(EBX) & 0xFFFF));  // return IP: the instruction after MOV AX, 1
      CHECK(read16(g, 0x7FFC) == 0);
      CHECK(read16(g, 0x7FFE) == 0x0102);  // pushed FLAGS with TF
      CHECK((g.eflags() & core::fl::TF) == 0);
    }
  }
}

TEST_CASE("enter with nesting levels and leave (32-bit stack)", "[isa][flow][stack][enter]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov dword [0x6FFC], 0x1111
        mov dword [0x6FF8], 0x2222
        mov ebp, 0x7000
        mov esp, 0x8000
        enter 0x10, 3
        mov [0x9000], esp
        mov [0x9004], ebp
        leave
        mov [0x9008], esp
        mov [0x900C], ebp
        enter 8, 0
        mov [0x9010], esp
        mov [0x9014], ebp
        mov esp, 0xA000
        mov ebp, 0x7000
        enter 0, 1
        mov [0x9018], esp
        mov [0x901C], ebp
        hlt)");
      REQUIRE(!g->fault);
      CHECK(g->read32(0x7FFC) == 0x7000);
      CHECK(g->read32(0x7FF8) == 0x1111);
      CHECK(g->read32(0x7FF4) == 0x2222);
      CHECK(g->read32(0x7FF0) == 0x7FFC);
      CHECK(g->read32(0x9000) == 0x7FE0);
      CHECK(g->read32(0x9004) == 0x7FFC);
      CHECK(g->read32(0x9008) == 0x8000);
      CHECK(g->read32(0x900C) == 0x7000);
      CHECK(g->read32(0x9010) == 0x7FF4);
      CHECK(g->read32(0x9014) == 0x7FFC);
      // Level 1: the frame pointer is pushed twice (old EBP, then the new frame).
      CHECK(g->read32(0x9018) == 0x9FF8);
      CHECK(g->read32(0x901C) == 0x9FFC);
      CHECK(g->read32(0x9FFC) == 0x7000);
      CHECK(g->read32(0x9FF8) == 0x9FFC);
    }
  }
}

TEST_CASE("enter and leave at a 16-bit stack and operand size", "[isa][flow][stack][enter]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov word [0x6FFE], 0x1111
        mov word [0x6FFC], 0x2222
        mov ebp, 0xABCD7000     ; only BP is the frame pointer
        mov sp, 0x8000
        enter 0x20, 3
        mov [0x9000], sp
        mov [0x9002], bp
        mov [0x9004], ebp
        leave
        mov [0x9008], sp
        mov [0x900A], bp
        hlt)");
      REQUIRE(!g->fault);
      CHECK(read16(*g, 0x7FFE) == 0x7000);
      CHECK(read16(*g, 0x7FFC) == 0x1111);
      CHECK(read16(*g, 0x7FFA) == 0x2222);
      CHECK(read16(*g, 0x7FF8) == 0x7FFE);
      CHECK(read16(*g, 0x9000) == 0x7FD8);
      CHECK(read16(*g, 0x9002) == 0x7FFE);
      CHECK(g->read32(0x9004) == 0xABCD7FFE);
      CHECK(read16(*g, 0x9008) == 0x8000);
      CHECK(read16(*g, 0x900A) == 0x7000);
    }
  }
}

TEST_CASE("enter with a 16-bit operand size on a 32-bit stack", "[isa][flow][stack][enter]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov word [0x6FFE], 0x1234
        mov ebp, 0x00007000
        mov esp, 0x8000
        o16 enter 4, 2
        mov [0x9000], esp
        mov [0x9004], ebp
        o16 leave
        mov [0x9008], esp
        mov [0x900C], ebp
        hlt)");
      REQUIRE(!g->fault);
      CHECK(read16(*g, 0x7FFE) == 0x7000);
      CHECK(read16(*g, 0x7FFC) == 0x1234);
      CHECK(read16(*g, 0x7FFA) == 0x7FFE);
      CHECK(g->read32(0x9000) == 0x7FF6);
      CHECK(g->read32(0x9004) == 0x7FFE);
      CHECK(g->read32(0x9008) == 0x8000);
      CHECK(g->read32(0x900C) == 0x7000);
    }
  }
}
