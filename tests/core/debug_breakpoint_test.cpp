// Debug-register breakpoints (Intel SDM vol. 3 17.2-17.3): instruction
// breakpoints (faults, EFLAGS.RF), data breakpoints (traps on overlapping
// accesses, kept out of the TLB), I/O breakpoints and general detect.
#include <catch2/catch.hpp>

#include <cstdio>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;

namespace {
// DR7 value enabling breakpoint n (local) with R/W and LEN fields.
constexpr uint32_t dr7(unsigned n, unsigned rw, unsigned len) {
  return (1u << (2 * n)) | (rw << (16 + 4 * n)) | (len << (18 + 4 * n));
}
constexpr unsigned RW_X = 0, RW_W = 1, RW_IO = 2, RW_RW = 3;
constexpr unsigned LEN1 = 0, LEN2 = 1, LEN4 = 3;

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%X", v);
  return b;
}
}  // namespace

TEST_CASE("instruction breakpoint: #DB fault before the instruction", "[debug][bp]") {
  for (unsigned n = 0; n < 4; ++n) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " dr" << n) {
        test::Guest g(e);
        g.load(test::nasm(test::prelude32() + R"(
          mov eax, target
          mov dr)" + std::to_string(n) + R"(, eax
          mov eax, )" + hex(dr7(n, RW_X, LEN1)) + R"(
          mov dr7, eax
          nop
          mov ebx, 1
        target:
          mov ebx, 5
          hlt)"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == VEC_DB);
        CHECK(!g.fault->has_error);
        CHECK(g.read8(g.fault_eip) == 0xBB);
        CHECK(g.read32(g.fault_eip + 1) == 5);  // EIP of the breakpoint instruction
        CHECK(g.reg(EBX) == 1);                  // not executed
        CHECK((g.cpu.s.dr[6] & 0xF) == (1u << n));
      }
    }
  }
}

TEST_CASE("instruction breakpoint: disabled or data-type breakpoints do not fire on execution", "[debug][bp]") {
  for (const uint32_t v : {0u, dr7(0, RW_W, LEN1) & ~3u, dr7(0, RW_W, LEN1)}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " dr7 " << v) {
        test::Guest g(e);
        g.load(test::nasm(test::prelude32() + R"(
          mov eax, target
          mov dr0, eax
          mov eax, )" + hex(v) + R"(
          mov dr7, eax
        target:
          mov ebx, 5
          hlt)"));
        g.run();
        REQUIRE(!g.fault);
        CHECK(g.reg(EBX) == 5);
      }
    }
  }
}

TEST_CASE("instruction breakpoint: RF set by the handler lets the instruction run once", "[debug][bp][rf]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        SET_GATE 1, db_handler
        mov eax, target
        mov dr0, eax
        mov eax, 1
        mov dr7, eax
        mov ecx, 3
      again:
      target:
        inc ebx
        dec ecx
        jnz again
        hlt
      db_handler:
        inc esi
        mov eax, [esp + 8]
        mov [0x5000], eax       ; EFLAGS image pushed for the breakpoint
        mov eax, dr6
        mov [0x5004], eax
        or dword [esp + 8], 0x10000   ; RF
        iretd)"));
      g.run();
      CHECK(!g.hit_limit);
      CHECK(g.cpu.s.halted);
      CHECK(g.reg(ESI) == 3);  // once per pass, not again after the IRET
      CHECK(g.reg(EBX) == 3);
      CHECK(!(g.read32(0x5000) & fl::RF));  // an instruction breakpoint pushes RF = 0
      CHECK((g.read32(0x5004) & 0xF) == 1);
      CHECK(!(g.cpu.s.eflags & fl::RF));  // cleared after the instruction it protected
    }
  }
}

TEST_CASE("data breakpoint: write breakpoint traps after the write", "[debug][watch]") {
  struct Case {
    const char* insn;
    bool hit;
  };
  // DR1 watches the 4 bytes 0x5000-0x5003 for writes.
  const Case cases[] = {
      {"mov byte [0x5000], 1", true},   {"mov byte [0x5003], 1", true},    {"mov word [0x4FFF], 1", true},
      {"mov dword [0x5002], 1", true},  {"mov dword [0x4FFC], 1", false},  {"mov byte [0x5004], 1", false},
      {"mov eax, [0x5000]", false},     {"add [0x5000], eax", true},       {"inc dword [0x5001]", true},
  };
  for (const Case& k : cases) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << k.insn) {
        test::Guest g(e);
        g.load(test::nasm(test::prelude32() + R"(
          mov eax, 0x5000
          mov dr1, eax
          mov eax, )" + hex(dr7(1, RW_W, LEN4)) + R"(
          mov dr7, eax
          mov ebx, 1
          )" + k.insn + R"(
          mov ebx, 2
          hlt)"));
        g.run();
        if (k.hit) {
          REQUIRE(g.fault);
          CHECK(g.fault->vector == VEC_DB);
          CHECK(g.reg(EBX) == 1);
          CHECK(g.read8(g.fault_eip) == 0xBB);  // a trap: EIP of the next instruction
          CHECK((g.cpu.s.dr[6] & 0xF) == 2);
        } else {
          REQUIRE(!g.fault);
          CHECK(g.reg(EBX) == 2);
        }
      }
    }
  }
}

TEST_CASE("data breakpoint: read/write breakpoints trap on reads too, with lengths 1, 2 and 4", "[debug][watch]") {
  struct Case {
    unsigned len;
    uint32_t addr;
    const char* insn;
    bool hit;
  };
  const Case cases[] = {
      {LEN1, 0x6001, "mov al, [0x6001]", true},  {LEN1, 0x6001, "mov al, [0x6000]", false},
      {LEN1, 0x6001, "mov ax, [0x6000]", true},  {LEN2, 0x6002, "mov al, [0x6003]", true},
      {LEN2, 0x6002, "mov al, [0x6004]", false}, {LEN2, 0x6002, "mov eax, [0x5FFF]", true},
      {LEN4, 0x6004, "mov al, [0x6007]", true},  {LEN4, 0x6004, "mov al, [0x6008]", false},
      {LEN4, 0x6004, "push dword [0x6006]", true}, {LEN4, 0x6004, "mov [0x6004], cl", true},
  };
  for (const Case& k : cases) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " len " << k.len << " " << k.insn) {
        test::Guest g(e);
        g.load(test::nasm(test::prelude32() + R"(
          mov eax, )" + hex(k.addr) + R"(
          mov dr3, eax
          mov eax, )" + hex(dr7(3, RW_RW, k.len)) + R"(
          mov dr7, eax
          mov ebx, 1
          )" + k.insn + R"(
          mov ebx, 2
          hlt)"));
        g.run();
        if (k.hit) {
          REQUIRE(g.fault);
          CHECK(g.fault->vector == VEC_DB);
          CHECK(g.read8(g.fault_eip) == 0xBB);
          CHECK((g.cpu.s.dr[6] & 0xF) == 8);
        } else {
          REQUIRE(!g.fault);
          CHECK(g.reg(EBX) == 2);
        }
      }
    }
  }
}

TEST_CASE("data breakpoint: the SDM's breakpoint example table", "[debug][watch]") {
  // Intel SDM vol. 3 17.2.5, table "Breakpoint Examples": DR0 = A0001H RW
  // 1 byte, DR1 = A0002H W 1 byte, DR2 = B0002H RW 2 bytes, DR3 = C0000H W
  // 4 bytes; every access listed there traps.
  struct Case {
    const char* insn;
    uint32_t bits;  // DR6.B0-B3 expected
  };
  const Case cases[] = {
      {"mov al, [0xA0001]", 1},          {"mov ax, [0xA0001]", 1},
      {"mov byte [0xA0002], 1", 2},      {"mov word [0xA0002], 1", 2},
      {"mov eax, [0xB0001]", 4},         {"mov al, [0xB0002]", 4},
      {"mov ax, [0xB0002]", 4},          {"mov dword [0xC0000], 1", 8},
      {"mov word [0xC0001], 1", 8},      {"mov byte [0xC0003], 1", 8},
      {"mov word [0xA0001], 1", 3},      // both DR0 (read/write) and DR1 (write) match
  };
  const uint32_t v = dr7(0, RW_RW, LEN1) | dr7(1, RW_W, LEN1) | dr7(2, RW_RW, LEN2) | dr7(3, RW_W, LEN4);
  for (const Case& k : cases) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << k.insn) {
        test::Guest g(e);
        g.load(test::nasm(test::prelude32() + R"(
          mov eax, 0xA0001
          mov dr0, eax
          mov eax, 0xA0002
          mov dr1, eax
          mov eax, 0xB0002
          mov dr2, eax
          mov eax, 0xC0000
          mov dr3, eax
          mov eax, )" + hex(v) + R"(
          mov dr7, eax
          mov al, [0xA0000]         ; neighbours do not trap
          mov byte [0xA0003], 1
          mov al, [0xB0004]
          mov byte [0xC0004], 1
          mov al, [0xC0000]         ; a read of a write breakpoint
          mov al, [0xA0002]
          mov ebx, 1
          )" + k.insn + R"(
          mov ebx, 2
          hlt)"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == VEC_DB);
        CHECK(g.reg(EBX) == 1);
        CHECK(g.read8(g.fault_eip) == 0xBB);
        CHECK((g.cpu.s.dr[6] & 0xF) == k.bits);
      }
    }
  }
}

TEST_CASE("data breakpoint: a page already in the TLB is watched once armed", "[debug][watch]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      test::PageTables pt(g);
      pt.identity_low();
      g.load(test::nasm(test::prelude32() + R"(
        ENABLE_PAGING
        mov dword [0x7000], 1     ; fills a writable TLB entry (and sets D)
        mov dword [0x7010], 2
        mov eax, 0x7010
        mov dr0, eax
        mov eax, )" + hex(dr7(0, RW_W, LEN4)) + R"(
        mov dr7, eax
        mov dword [0x7000], 3     ; same page, not watched bytes: no trap
        mov dword [0x7010], 4
        mov ebx, 2
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_DB);
      CHECK(g.read32(0x7000) == 3);
      CHECK(g.read32(0x7010) == 4);
      CHECK(g.read8(g.fault_eip) == 0xBB);
      CHECK(g.reg(EBX) != 2);
    }
  }
}

TEST_CASE("data breakpoint: the handler sees each write once, and disarming stops them", "[debug][watch]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        SET_GATE 1, db_handler
        mov eax, 0x5000
        mov dr2, eax
        mov eax, )" + hex(dr7(2, RW_W, LEN4)) + R"(
        mov dr7, eax
        mov ecx, 5
      again:
        mov [0x5000], ecx
        dec ecx
        jnz again
        xor eax, eax
        mov dr7, eax
        mov dword [0x5000], 9     ; no longer watched
        hlt
      db_handler:
        inc esi
        mov eax, [esp]
        mov [0x5100 + esi * 4], eax   ; the return EIP
        mov eax, dr6
        mov [0x5010], eax
        iretd)"));
      g.run();
      CHECK(g.cpu.s.halted);
      CHECK(g.reg(ESI) == 5);
      for (uint32_t k = 1; k <= 5; ++k) CHECK(g.read8(g.read32(0x5100 + 4 * k)) == 0x49);  // dec ecx
      CHECK((g.read32(0x5010) & 0xF) == 4);
      CHECK(g.read32(0x5000) == 9);
    }
  }
}

TEST_CASE("I/O breakpoint: IN and OUT trap with CR4.DE, not without", "[debug][io]") {
  for (const bool de : {true, false}) {
    for (const char* insn : {"in al, 0x71", "out 0x70, ax", "mov dx, 0x70\n in eax, dx"}) {
      for (const auto& e : test::engines()) {
        DYNAMIC_SECTION(e << (de ? " DE " : " no DE ") << insn) {
          test::Guest g(e);
          g.load(test::nasm(test::prelude32() + R"(
            mov eax, cr4
            or eax, )" + std::to_string(de ? 8 : 0) + R"(
            mov cr4, eax
            mov eax, 0x71
            mov dr0, eax
            mov eax, )" + hex(dr7(0, RW_IO, LEN1)) + R"(
            mov dr7, eax
            )" + insn + R"(
            mov ebx, 2
            hlt)"));
          g.run();
          if (de) {
            REQUIRE(g.fault);
            CHECK(g.fault->vector == VEC_DB);
            CHECK(g.read8(g.fault_eip) == 0xBB);
            CHECK((g.cpu.s.dr[6] & 0xF) == 1);
          } else {
            REQUIRE(!g.fault);
            CHECK(g.reg(EBX) == 2);
          }
        }
      }
    }
  }
}

TEST_CASE("general detect: a debug register access faults with DR6.BD and clears GD", "[debug][gd]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(test::prelude32() + R"(
        mov eax, 0x2000          ; GD
        mov dr7, eax
        mov ebx, 1
        mov eax, dr0
        mov ebx, 2
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_DB);
      CHECK(g.reg(EBX) == 1);
      CHECK(g.read8(g.fault_eip) == 0x0F);  // a fault: EIP of the MOV from DR0
      CHECK(g.read8(g.fault_eip + 1) == 0x21);
      CHECK((g.cpu.s.dr[6] & (1u << 13)));
      CHECK(!(g.cpu.s.dr[7] & (1u << 13)));
    }
  }
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " with a handler") {
      test::Guest g(e);
      g.trap_faults = false;
      test::setup_tables(g);
      g.load(test::nasm(test::prelude32() + R"(
        SET_GATE 1, db_handler
        mov eax, 0x2000
        mov dr7, eax
        mov eax, 0x1234
        mov dr0, eax             ; faults once; the handler may use the DRs
        mov ecx, dr0
        hlt
      db_handler:
        inc esi
        mov eax, dr6
        mov [0x5000], eax
        mov eax, [esp + 8]
        mov [0x5004], eax        ; EFLAGS image
        mov eax, 0x1234
        iretd)"));
      g.run();
      CHECK(g.cpu.s.halted);
      CHECK(g.reg(ESI) == 1);
      CHECK(g.reg(ECX) == 0x1234);
      CHECK((g.read32(0x5000) & (1u << 13)));
      CHECK((g.read32(0x5004) & fl::RF));  // a fault other than an instruction breakpoint
      CHECK(!(g.cpu.s.eflags & fl::RF));
    }
  }
}
