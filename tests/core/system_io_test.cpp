// IOPL-sensitive instructions: IN/OUT with the TSS I/O permission bitmap, and
// CLI/STI, in protected mode at CPL 0 and 3 and in virtual-8086 mode (Intel
// SDM vol. 1 18.5, vol. 2 CLI/STI, vol. 3 20.2.7).
#include <catch2/catch.hpp>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;

namespace {
// Runs `body` in ring 3 (after SYSEXIT) with EFLAGS.IOPL = iopl.
void run_ring3(test::Guest& g, unsigned iopl, const std::string& body) {
  test::setup_tables(g);
  g.cpu.s.eflags = (g.cpu.s.eflags & ~fl::IOPL) | (iopl << 12);
  g.load(test::nasm(test::prelude32() + "TO_RING3 user\n user:\n" + body));
  g.run();
}

// Puts the CPU in virtual-8086 mode at 0:7C00 with the given IOPL, running `body`.
void run_v86(test::Guest& g, unsigned iopl, const std::string& body) {
  test::setup_tables(g);
  g.load(test::nasm("bits 16\n org 0x7C00\n" + body), 0x7C00);
  g.cpu.s.eflags = fl::FIXED1 | fl::VM | (iopl << 12);
  for (unsigned s = 0; s < 6; ++s) g.cpu.load_seg_real(s, 0);
  g.cpu.mode_changed();
  g.cpu.s.gpr[ESP] = 0x7000;
  g.run();
}

void expect_gp0(const test::Guest& g) {
  REQUIRE(g.fault);
  CHECK(g.fault->vector == VEC_GP);
  CHECK(g.fault->error == 0);
}
}  // namespace

TEST_CASE("in/out at CPL <= IOPL ignore the I/O bitmap", "[system][io]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " CPL 0") {
      test::Guest g(e);
      test::setup_tables(g);  // every port denied in the bitmap
      g.load(test::nasm("bits 32\n mov eax, 0\n in al, 0x80\n out 0x80, al\n hlt"));
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(EAX) & 0xFF) == 0xFF);  // no device: all ones
    }
    DYNAMIC_SECTION(e << " CPL 3, IOPL 3") {
      test::Guest g(e);
      run_ring3(g, 3, " mov eax, 0\n in al, 0x80\n mov dx, 0x1234\n out dx, eax\n ud2");
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_UD);
      CHECK((g.reg(EAX) & 0xFF) == 0xFF);
    }
  }
}

TEST_CASE("in/out at CPL > IOPL consult every bit of the accessed ports", "[system][io]") {
  struct Case {
    const char* insn;
    uint16_t allow_first;
    unsigned allow_n;
    bool ok;
  };
  const Case cases[] = {
      {"in al, 0x80", 0x80, 1, true},       {"in al, 0x81", 0x80, 1, false},
      {"in ax, 0x80", 0x80, 1, false},      {"in ax, 0x80", 0x80, 2, true},
      {"out 0x0F, ax", 0x0F, 2, true},      {"out 0x0F, ax", 0x0F, 1, false},  // spans two bitmap bytes
      {"in eax, 0x0E", 0x0E, 4, true},      {"in eax, 0x0E", 0x0E, 3, false},
      {"mov dx, 0xFFFF\n in al, dx", 0xFFFF, 1, true},
  };
  for (const Case& k : cases) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << k.insn << " allow " << k.allow_first << "+" << k.allow_n) {
        test::Guest g(e);
        test::setup_tables(g);
        test::allow_ports(g, k.allow_first, k.allow_n);
        g.cpu.s.eflags &= ~fl::IOPL;
        g.load(test::nasm(test::prelude32() + "TO_RING3 user\n user:\n mov ebx, 1\n " + k.insn +
                          "\n mov ebx, 2\n ud2"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.cpu.s.cpl == 3);
        if (k.ok) {
          CHECK(g.fault->vector == VEC_UD);
          CHECK(g.reg(EBX) == 2);
        } else {
          expect_gp0(g);
          CHECK(g.reg(EBX) == 1);
        }
      }
    }
  }
}

TEST_CASE("in/out: a bitmap read beyond the TSS limit raises #GP(0)", "[system][io]") {
  // I/O map base 0x68; the CPU reads two bytes at 0x68 + port / 8, both of
  // which must be within the limit.
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " inside") {
      test::Guest g(e);
      test::setup_tables(g);
      test::allow_ports(g, 0x78, 1);
      g.cpu.s.tr.limit = 0x68 + 0x10;  // bytes 0x68..0x78 of the map
      g.load(test::nasm(test::prelude32() + "TO_RING3 user\n user:\n in al, 0x78\n ud2"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_UD);
    }
    DYNAMIC_SECTION(e << " second byte beyond") {
      test::Guest g(e);
      test::setup_tables(g);
      test::allow_ports(g, 0x80, 1);
      g.cpu.s.tr.limit = 0x68 + 0x10;
      g.load(test::nasm(test::prelude32() + "TO_RING3 user\n user:\n in al, 0x80\n ud2"));
      g.run();
      expect_gp0(g);
    }
    DYNAMIC_SECTION(e << " map base beyond the limit") {
      test::Guest g(e);
      test::setup_tables(g);
      test::allow_ports(g, 0, 8);
      g.write32(test::TSS + 0x64, 0x2100u << 16);
      g.load(test::nasm(test::prelude32() + "TO_RING3 user\n user:\n in al, 0\n ud2"));
      g.run();
      expect_gp0(g);
    }
  }
}

TEST_CASE("in/out in virtual-8086 mode always consult the bitmap", "[system][io][v86]") {
  for (const unsigned iopl : {0u, 3u}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " IOPL " << iopl << " denied") {
        test::Guest g(e);
        run_v86(g, iopl, "in al, 0x61\n hlt");
        expect_gp0(g);
        CHECK(g.fault_eip == 0x7C00);
      }
      DYNAMIC_SECTION(e << " IOPL " << iopl << " allowed") {
        test::Guest g(e);
        test::setup_tables(g);
        test::allow_ports(g, 0x61, 1);
        g.load(test::nasm("bits 16\n org 0x7C00\n mov al, 0\n in al, 0x61\n hlt"), 0x7C00);
        g.cpu.s.eflags = fl::FIXED1 | fl::VM | (iopl << 12);
        for (unsigned s = 0; s < 6; ++s) g.cpu.load_seg_real(s, 0);
        g.cpu.mode_changed();
        g.run();
        // HLT in v86 mode is privileged: #GP after the IN completed.
        expect_gp0(g);
        CHECK((g.reg(EAX) & 0xFF) == 0xFF);
        CHECK(g.fault_eip == 0x7C04);
      }
    }
  }
}

TEST_CASE("cli/sti: IOPL-sensitive in protected and virtual-8086 mode", "[system][cli]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " CPL 3 IOPL 0") {
      for (const char* insn : {"cli", "sti"}) {
        test::Guest g(e);
        run_ring3(g, 0, std::string(" ") + insn + "\n ud2");
        expect_gp0(g);
      }
    }
    DYNAMIC_SECTION(e << " CPL 3 IOPL 3") {
      test::Guest g(e);
      run_ring3(g, 3, " sti\n pushfd\n pop esi\n cli\n pushfd\n pop edi\n ud2");
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_UD);
      CHECK((g.reg(ESI) & fl::IF));
      CHECK(!(g.reg(EDI) & fl::IF));
    }
    DYNAMIC_SECTION(e << " CPL 0 IOPL 0") {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n sti\n pushfd\n pop esi\n cli\n pushfd\n pop edi\n hlt"));
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(ESI) & fl::IF));
      CHECK(!(g.reg(EDI) & fl::IF));
    }
    DYNAMIC_SECTION(e << " v86 IOPL 0") {
      for (const char* insn : {"cli", "sti"}) {
        test::Guest g(e);
        run_v86(g, 0, std::string(insn) + "\n hlt");
        expect_gp0(g);
        CHECK(g.fault_eip == 0x7C00);
      }
    }
    DYNAMIC_SECTION(e << " v86 IOPL 3") {
      test::Guest g(e);
      run_v86(g, 3, "sti\n hlt");
      expect_gp0(g);  // the HLT
      CHECK(g.fault_eip == 0x7C01);
      CHECK((g.cpu.s.eflags & fl::IF));
    }
    DYNAMIC_SECTION(e << " real mode") {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm("bits 16\n org 0x7C00\n sti\n cli\n hlt"), 0x7C00);
      g.run();
      REQUIRE(!g.fault);
      CHECK(!(g.cpu.s.eflags & fl::IF));
    }
  }
}
