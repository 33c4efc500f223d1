// Address and pointer instructions: LEA at every address/operand size
// combination, XCHG (registers and memory), XLAT, BOUND (#BR is a fault),
// LDS/LES/LFS/LGS/LSS in real mode, and the NOP forms (0F 1F never touches
// its memory operand). Expected values from the SDM.
#include <catch2/catch.hpp>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP, core::EBP, core::ESI, core::EDI;

TEST_CASE("lea with 32- and 16-bit address and operand sizes", "[isa][flow][lea]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " flat") {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        mov ebx, 0x10000
        mov ecx, 0x3
        lea eax, [ebx+ecx*4+0x10]
        mov edx, 0xFFFFFFFF
        lea dx, [ebx+ecx*8-1]   ; 16-bit operand: the low half of the address
        mov ebx, 0xFFFFFFF0
        mov esi, 0x00000020
        lea edi, [bx+si+0x10]   ; 16-bit address: wraps at 64K, zero-extended
        lea ebp, [ebx+esi]      ; 32-bit address wraps at 4G
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0x1001C);
      CHECK(g.reg(EDX) == 0xFFFF0017);
      CHECK(g.reg(EDI) == 0x00000020);
      CHECK(g.reg(EBP) == 0x00000010);
    }
    DYNAMIC_SECTION(e << " real mode") {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm(R"(bits 16
        mov bx, 0
        mov si, 0
        mov eax, 0xAAAAAAAA
        lea ax, [bx+si-1]
        mov ecx, 0x12345678
        mov edx, 0x11111111
        lea edx, [ecx+0x10]     ; 32-bit address and operand in 16-bit code
        mov bp, 0x100
        mov di, 0x22
        lea ecx, [bp+di]        ; 16-bit address, 32-bit operand: zero-extended
        hlt)"),
             0x1000);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0xAAAAFFFF);
      CHECK(g.reg(EDX) == 0x12345688);
      CHECK(g.reg(ECX) == 0x122);
    }
  }
}

TEST_CASE("xchg registers and memory", "[isa][flow][xchg]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.write32(0x2000, 0xCAFEF00D);
      g.load(test::nasm(R"(bits 32
        mov eax, 0x11111111
        mov ebx, 0x22222222
        xchg eax, ebx
        mov ecx, 0x33334444
        mov edx, 0x55556666
        xchg cx, dx
        mov esi, 0x0000AA00
        mov edi, 0x000000BB
        xchg esi, edi
        xchg ah, bl             ; AH of EAX (0x22) and BL of EBX (0x11)
        mov ebp, 0x12345678
        xchg [0x2000], ebp
        xchg [0x2004], bp
        lock xchg [0x2006], bp
        nop                     ; 90: xchg eax, eax
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 0x22221122);
      CHECK(g.reg(EBX) == 0x11111122);
      CHECK(g.reg(ECX) == 0x33336666);
      CHECK(g.reg(EDX) == 0x55554444);
      CHECK(g.reg(ESI) == 0xBB);
      CHECK(g.reg(EDI) == 0xAA00);
      CHECK(g.read32(0x2000) == 0x12345678);
      CHECK(g.read32(0x2004) == 0x0000F00D);
      CHECK((g.reg(EBP) & 0xFFFF) == 0);
    }
  }
}

TEST_CASE("xchg with a memory operand that faults changes nothing", "[isa][flow][xchg]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.cpu.s.seg[core::DS].limit = 0x2001;  // the dword at 0x2000 crosses the limit
      g.cpu.seg_refresh(core::DS);
      g.load(test::nasm("bits 32\n mov eax, 0x1234\n xchg [0x2000], eax\n hlt"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.reg(EAX) == 0x1234);
      CHECK(g.read32(0x2000) == 0);
    }
  }
}

TEST_CASE("xlat indexes with an unsigned AL and honours segment overrides", "[isa][flow][xlat]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " flat") {
      test::Guest g(e);
      for (uint32_t k = 0; k < 256; k += 4) g.write32(0x3000 + k, (k * 0x01010101u) + 0x03020100u);
      g.load(test::nasm(R"(bits 32
        mov ebx, 0x3000
        mov eax, 0x12345605
        xlatb
        mov ecx, eax
        mov al, 0xFF
        xlatb
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(ECX) == 0x12345605);
      CHECK(g.reg(EAX) == 0x123456FF);
    }
    DYNAMIC_SECTION(e << " real mode") {
      test::Guest g(e, test::Mode::Real16);
      g.write32(0x20010, 0x00AB0000);
      g.write32(0x00010, 0x00CD0000);
      g.load(test::nasm(R"(bits 16
        mov ax, 0x2000
        mov es, ax
        mov ebx, 0xFFFF0010     ; only BX with a 16-bit address size
        mov al, 2
        es xlatb
        mov cl, al
        mov al, 2
        xlatb
        hlt)"),
             0x1000);
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(ECX) & 0xFF) == 0xAB);
      CHECK((g.reg(EAX) & 0xFF) == 0xCD);
    }
  }
}

TEST_CASE("bound raises #BR at its own address when out of range", "[isa][flow][bound]") {
  struct Case {
    int32_t index;
    bool fault;
  };
  for (const auto& e : test::engines()) {
    for (Case c : {Case{-5, false}, Case{-6, true}, Case{100, false}, Case{101, true}, Case{0, false}}) {
      DYNAMIC_SECTION(e << " 32-bit index " << c.index) {
        test::Guest g(e);
        g.write32(0x2000, uint32_t(-5));
        g.write32(0x2004, 100);
        g.load(test::nasm("bits 32\n mov eax, " + std::to_string(c.index) +
                          "\n bound eax, [0x2000]\n mov ebx, 1\n hlt"));
        g.run();
        CHECK(bool(g.fault) == c.fault);
        if (c.fault) {
          CHECK(g.fault->vector == core::VEC_BR);
          CHECK(g.fault_eip == test::Guest::CODE + 5);
          CHECK(g.reg(EBX) == 0);
        } else {
          CHECK(g.reg(EBX) == 1);
        }
      }
      DYNAMIC_SECTION(e << " 16-bit index " << c.index) {
        test::Guest g(e, test::Mode::Real16);
        g.write32(0x2000, (100u << 16) | uint16_t(-5));
        g.load(test::nasm("bits 16\n mov ax, " + std::to_string(c.index) + "\n bound ax, [0x2000]\n mov bx, 1\n hlt"),
               0x1000);
        g.run();
        CHECK(bool(g.fault) == c.fault);
        if (c.fault) {
          CHECK(g.fault->vector == core::VEC_BR);
          CHECK(g.fault_eip == 0x1003);
        }
      }
    }
  }
}

TEST_CASE("lds, les, lfs, lgs and lss load a far pointer in real mode", "[isa][flow][lxs]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.write32(0x2000, 0x56781234);          // 5678:1234
      g.write32(0x2004, 0x9ABCDEF0);          // offset32 = 0x9ABCDEF0
      g.write32(0x2008, 0x00004321);          // selector 0x4321
      g.load(test::nasm(R"(bits 16
        les di, [0x2000]
        lfs cx, [0x2000]
        lgs dx, [0x2000]
        lss sp, [0x2000]
        o32 lds esi, [0x2004]
        hlt)"),
             0x1000);
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(EDI) & 0xFFFF) == 0x1234);
      CHECK((g.reg(ECX) & 0xFFFF) == 0x1234);
      CHECK((g.reg(EDX) & 0xFFFF) == 0x1234);
      CHECK((g.reg(ESP) & 0xFFFF) == 0x1234);
      CHECK(g.reg(ESI) == 0x9ABCDEF0);
      for (unsigned s : {core::ES, core::FS, core::GS, core::SS}) {
        CHECK(g.cpu.s.seg[s].sel == 0x5678);
        CHECK(g.cpu.s.seg[s].base == 0x56780);
      }
      CHECK(g.cpu.s.seg[core::DS].sel == 0x4321);
      CHECK(g.cpu.s.seg[core::DS].base == 0x43210);
    }
  }
}

TEST_CASE("nop forms never access memory", "[isa][flow][nop]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.cpu.s.seg[core::DS].limit = 0xFFF;  // any real access through EAX would fault
      g.cpu.seg_refresh(core::DS);
      g.load(test::nasm(R"(bits 32
        mov eax, 0x7FFFFFF0
        nop
        o16 nop
        pause
        nop dword [eax]
        nop word [eax+eax*2+0x12345678]
        db 0x0F, 0x1F, 0x84, 0x00, 0, 0, 0, 0   ; nop dword [eax+eax*1+0]
        mov ebx, 1
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EBX) == 1);
      CHECK(g.reg(EAX) == 0x7FFFFFF0);
    }
  }
}
