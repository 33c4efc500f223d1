// Exception escalation (Intel SDM vol. 3 6.15, table 6-5): a contributory
// fault while delivering a contributory fault, or a page fault while
// delivering a page fault, becomes #DF with error code 0; a fault while
// delivering #DF is a triple fault (the CPU shuts down).
#include <catch2/catch.hpp>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;

TEST_CASE("#GP while delivering #GP becomes #DF with error code 0", "[system][df]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        SET_GATE 8, df_handler
        ; gate 13 is empty (type 0): delivering #GP raises #GP again
        mov ecx, 0x12345
        rdmsr                    ; #GP(0)
        hlt
      df_handler:
        mov esi, esp
        pop eax                  ; the error code
        hlt)"));
      g.run();
      CHECK(g.cpu.s.halted);
      CHECK(!(g.cpu.events & ev::SHUTDOWN));
      CHECK(g.reg(EAX) == 0);
      CHECK(g.reg(ESI) == 0x80000 - 16);  // error code, EIP, CS, EFLAGS
      CHECK((g.read32(0x80000 - 8) & 0xFFFF) == test::KCODE);  // the CS pushed
    }
  }
}

// The IDT is placed so that it straddles a page boundary and the page with
// some gates is not mapped: reading the #PF gate then faults (#PF during #PF).
TEST_CASE("#PF while delivering #PF becomes #DF", "[system][df]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      test::PageTables pt(g);
      pt.identity_low();
      g.write32(pt.pte_addr(0x8000), 0);  // gates 10 and up of an IDT at 0x7FB0
      g.cpu.s.idtr.base = 0x7FB0;
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, df_handler      ; gate 8 at 0x7FF0, on the mapped page
        mov [0x7FF0], ax
        mov word [0x7FF2], 0x08
        mov word [0x7FF4], 0x8E00
        shr eax, 16
        mov [0x7FF6], ax
        ENABLE_PAGING
        mov eax, [0x500000]      ; not mapped: #PF; its gate (0x8020) is not mapped either
        hlt
      df_handler:
        pop eax                  ; error code
        mov ebx, cr2
        hlt)"));
      g.run();
      CHECK(g.cpu.s.halted);
      CHECK(!(g.cpu.events & ev::SHUTDOWN));
      CHECK(g.reg(EAX) == 0);
      CHECK(g.reg(EBX) == 0x7FB0 + 14 * 8);  // CR2 of the second #PF: the gate
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " and #PF while delivering that #DF: shutdown") {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      test::PageTables pt(g);
      pt.identity_low();
      g.write32(pt.pte_addr(0x8000), 0);
      g.cpu.s.idtr.base = 0x7FC8;  // gate 8 at 0x8008 and gate 14 at 0x8038: not mapped
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov eax, [0x500000]
        hlt)"));
      g.run();
      CHECK((g.cpu.events & ev::SHUTDOWN));
      CHECK(!g.cpu.s.halted);
    }
  }
}

TEST_CASE("a fault while delivering #DF is a triple fault: shutdown", "[system][df]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " protected mode") {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);  // the IDT is empty: every gate is invalid (#GP)
      g.load(test::nasm(test::prelude32() + R"(
        mov ecx, 0x12345
        rdmsr
        hlt)"));
      g.run();
      CHECK((g.cpu.events & ev::SHUTDOWN));
      CHECK(!g.cpu.s.halted);
      CHECK(g.cpu.shutdown_reason != nullptr);
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " real mode") {
      test::Guest g(e, test::Mode::Real16);
      g.trap_faults = false;
      g.cpu.s.idtr.limit = 0;  // no vector fits: #GP -> #DF -> shutdown
      g.load(test::nasm("bits 16\n org 0x7C00\n mov ax, [0xFFFF]\n hlt"), 0x7C00);
      g.run();
      CHECK((g.cpu.events & ev::SHUTDOWN));
      CHECK(!g.cpu.s.halted);
    }
  }
}

TEST_CASE("real mode: #GP while delivering #GP becomes #DF", "[system][df]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.trap_faults = false;
      g.load(test::nasm(R"(bits 16
        org 0x7C00
        mov word [8*4], df_handler
        mov word [8*4+2], 0
        mov bx, 0x1234
        mov ax, [0xFFFF]       ; a word at offset 0xFFFF: #GP
        hlt
      df_handler:
        mov bx, 0xDF
        hlt)"),
             0x7C00);
      g.cpu.s.idtr.limit = 8 * 4 + 3;  // vectors 0-8 only: #GP (13) cannot be delivered
      g.run();
      CHECK(g.cpu.s.halted);
      CHECK(!(g.cpu.events & ev::SHUTDOWN));
      CHECK((g.reg(EBX) & 0xFFFF) == 0xDF);
    }
  }
}

TEST_CASE("a contributory fault while delivering a benign exception is delivered on its own", "[system][df]") {
  // The single-step #DB (benign) meets a not-present gate: #NP (contributory)
  // is delivered, with the IDT error code of vector 1 and EXT; no #DF.
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        SET_GATE 8, df_handler
        SET_GATE 11, np_handler
        SET_GATE 1, np_handler, 0x0E00   ; a valid gate, not present
        pushfd
        or dword [esp], 0x100
        popfd
        nop                      ; single-step #DB: gate 1 is not present
        hlt
      df_handler:
        mov ebx, 0xDF
        hlt
      np_handler:
        pop eax
        mov ebx, 0x0B
        hlt)"));
      g.run();
      CHECK(g.cpu.s.halted);
      CHECK(g.reg(EBX) == 0x0B);
      CHECK(g.reg(EAX) == (1 * 8 + 2 + 1));  // IDT, vector 1, EXT
    }
  }
}
