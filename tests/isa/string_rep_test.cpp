// REP string instructions beyond what native execution can show: faults in
// the middle of a REP (segment limit in real and protected mode, a page
// fault), restart after the per-execution work bound, an interrupt taken
// between iterations, single-step traps per iteration, 16/32-bit address
// sizes with wraparound, segment overrides, and self-modifying code written
// by REP MOVS. Expected values from the SDM (REP, MOVS, STOS, CMPS).
#include <catch2/catch.hpp>

#include <memory>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP, core::EBP, core::ESI, core::EDI;

namespace {

constexpr uint32_t REAL_CODE = 0x1000;

uint16_t lo16(uint32_t v) { return uint16_t(v); }

void fill_pattern(test::Guest& g, uint32_t addr, uint32_t len) {
  for (uint32_t k = 0; k < len; ++k) {
    const uint8_t b = uint8_t(k * 7 + 1);
    g.m.bus.copy_to(addr + k, &b, 1);
  }
}

void set_limit(test::Guest& g, unsigned sreg, uint32_t limit) {
  g.cpu.s.seg[sreg].limit = limit;
  g.cpu.seg_refresh(sreg);
}

// Identity-maps the first 4 MiB with 4 KiB pages except `hole` (not present)
// and turns paging on.
void enable_paging(test::Guest& g, uint32_t hole) {
  constexpr uint32_t PD = 0x200000, PT = 0x201000;
  g.write32(PD, PT | 3);
  for (uint32_t i = 1; i < 1024; ++i) g.write32(PD + 4 * i, 0);
  for (uint32_t i = 0; i < 1024; ++i) g.write32(PT + 4 * i, (i << 12) == hole ? 0 : (i << 12) | 3);
  g.cpu.s.cr3 = PD;
  g.cpu.write_cr0(uint32_t(g.cpu.s.cr0) | core::cr0::PG);
}

class TestIntc : public core::InterruptController {
 public:
  explicit TestIntc(core::Cpu& c, uint8_t v) : cpu_(c), vector_(v) {}
  uint8_t acknowledge() override {
    cpu_.events.fetch_and(~core::ev::IRQ);
    ++acks;
    return vector_;
  }
  int acks = 0;

 private:
  core::Cpu& cpu_;
  uint8_t vector_;
};

}  // namespace

TEST_CASE("REP MOVS faulting at a real-mode segment limit leaves the registers of the last iteration",
          "[isa][flow][string][rep][fault]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " bytes") {
      test::Guest g(e, test::Mode::Real16);
      fill_pattern(g, 0x2000, 0x200);
      set_limit(g, core::DS, 0x20FF);
      g.load(test::nasm("bits 16\n mov si, 0x2000\n mov di, 0x4000\n mov cx, 0x200\n rep movsb\n hlt"), REAL_CODE);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == REAL_CODE + 9);
      CHECK(lo16(g.reg(ESI)) == 0x2100);
      CHECK(lo16(g.reg(EDI)) == 0x4100);
      CHECK(lo16(g.reg(ECX)) == 0x100);
      CHECK(g.read8(0x40FF) == uint8_t(0xFF * 7 + 1));
      CHECK(g.read8(0x4100) == 0);
    }
    DYNAMIC_SECTION(e << " words across the limit") {
      test::Guest g(e, test::Mode::Real16);
      fill_pattern(g, 0x2000, 0x200);
      set_limit(g, core::DS, 0x20FF);
      g.load(test::nasm("bits 16\n mov si, 0x2001\n mov di, 0x4000\n mov cx, 0x100\n rep movsw\n hlt"), REAL_CODE);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == REAL_CODE + 9);
      CHECK(lo16(g.reg(ESI)) == 0x20FF);  // the word at 0x20FF..0x2100 is not inside the limit
      CHECK(lo16(g.reg(EDI)) == 0x40FE);
      CHECK(lo16(g.reg(ECX)) == 0x81);
    }
  }
}

TEST_CASE("REP STOS faulting at an ES limit in protected mode", "[isa][flow][string][rep][fault]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      set_limit(g, core::ES, 0x30FF);
      g.load(test::nasm(R"(bits 32
        mov eax, 0x11223344
        mov edi, 0x3000
        mov ecx, 0x100
        rep stosd
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == test::Guest::CODE + 15);
      CHECK(g.reg(EDI) == 0x3100);
      CHECK(g.reg(ECX) == 0xC0);
      CHECK(g.read32(0x30FC) == 0x11223344);
    }
  }
}

TEST_CASE("REP MOVS into a not-present page faults with the registers of the last iteration",
          "[isa][flow][string][rep][fault]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      fill_pattern(g, 0x30000, 0x100);
      enable_paging(g, 0x50000);
      g.load(test::nasm(R"(bits 32
        mov esi, 0x30000
        mov edi, 0x4FF80
        mov ecx, 0x40
        rep movsd
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_PF);
      CHECK(g.fault->error == 2);  // not present, write, supervisor
      CHECK(g.cpu.s.cr2 == 0x50000);
      CHECK(g.fault_eip == test::Guest::CODE + 15);
      CHECK(g.reg(ESI) == 0x30080);
      CHECK(g.reg(EDI) == 0x50000);
      CHECK(g.reg(ECX) == 0x20);
      CHECK(g.read8(0x4FFFF) == uint8_t(0x7F * 7 + 1));
    }
  }
}

TEST_CASE("REP CMPS faulting on its first element changes nothing", "[isa][flow][string][rep][fault]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      enable_paging(g, 0x50000);
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        push dword 0x8C3        ; OF SF ZF CF set
        popfd
        mov esi, 0x4FFFE
        mov edi, 0x30000
        mov ecx, 9
        repe cmpsd
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_PF);
      CHECK(g.fault->error == 0);
      CHECK(g.reg(ESI) == 0x4FFFE);
      CHECK(g.reg(EDI) == 0x30000);
      CHECK(g.reg(ECX) == 9);
      CHECK((g.eflags() & core::fl::ARITH) == 0x8C1);  // bit 1 is not arithmetic: OF SF ZF CF
    }
  }
}

TEST_CASE("a fault part way through REPE CMPS restores the flags it started with",
          "[isa][flow][string][rep][fault]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      fill_pattern(g, 0x4FFFD, 3);
      fill_pattern(g, 0x30000, 3);
      enable_paging(g, 0x50000);
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        push dword 0x803        ; OF and CF, ZF clear
        popfd
        mov esi, 0x4FFFD
        mov edi, 0x30000
        mov ecx, 9
        repe cmpsb              ; three equal bytes, then a not-present page
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_PF);
      CHECK(g.cpu.s.cr2 == 0x50000);
      CHECK(g.reg(ESI) == 0x50000);
      CHECK(g.reg(EDI) == 0x30003);
      CHECK(g.reg(ECX) == 6);
      CHECK((g.eflags() & core::fl::ARITH) == (core::fl::OF | core::fl::CF));
    }
  }
}

TEST_CASE("a long REP yields and resumes where it stopped", "[isa][flow][string][rep]") {
  for (const auto& e : test::engines()) {
    for (bool backward : {false, true}) {
      DYNAMIC_SECTION(e << (backward ? " backward" : " forward")) {
        test::Guest g(e);
        constexpr uint32_t N = 300000;
        const uint32_t start = backward ? 0x200000 + N - 1 : 0x200000;
        g.load(test::nasm("bits 32\n rep stosb\n hlt"));
        g.cpu.s.gpr[EAX] = 0x5A;
        g.cpu.s.gpr[ECX] = N;
        g.cpu.s.gpr[EDI] = start;
        if (backward) g.cpu.s.eflags |= core::fl::DF;
        g.run(1);  // one execution of the REP instruction
        REQUIRE(!g.fault);
        const uint32_t left = g.reg(ECX);
        CHECK(left > 0);
        CHECK(left < N);
        CHECK(g.eip() == test::Guest::CODE);
        CHECK(g.reg(EDI) == (backward ? start - (N - left) : start + (N - left)));
        g.run();
        REQUIRE(!g.fault);
        CHECK(g.reg(ECX) == 0);
        CHECK(g.reg(EDI) == (backward ? start - N : start + N));
        CHECK(g.read8(0x200000) == 0x5A);
        CHECK(g.read8(0x200000 + N - 1) == 0x5A);
        CHECK(g.read8(0x200000 + N) == 0);
      }
    }
  }
}

TEST_CASE("an interrupt is taken between REP iterations with EIP at the REP", "[isa][flow][string][rep]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      TestIntc intc(g.cpu, 0x40);
      g.cpu.intc = &intc;
      g.load(test::nasm(R"(bits 16
        org 0x1000
        mov sp, 0x8000
        mov ax, 0x2000
        mov es, ax
        mov di, 0xFFFF
        mov cx, 0xFFFF
        sti
      again:
        rep stosb
        hlt
        times 0x100 - ($ - $$) nop
      handler:
        mov bx, again
        hlt)"),
             REAL_CODE);
      g.write32(0x40 * 4, 0x1100);
      g.cpu.events.fetch_or(core::ev::IRQ);
      g.cpu.s.eflags |= core::fl::DF;  // backward: one element at a time, so it takes several executions
      g.run();
      REQUIRE(!g.fault);
      CHECK(intc.acks == 1);
      const uint16_t left = lo16(g.reg(ECX));
      CHECK(left > 0);
      CHECK(left < 0xFFFF);
      CHECK(lo16(g.reg(EDI)) == left);
      CHECK(g.read32(0x7FFA) == (0x0000u << 16 | lo16(g.reg(EBX))));  // IP = the REP, CS = 0
    }
  }
}

TEST_CASE("with TF set a REP does one iteration per single-step trap", "[isa][flow][string][rep]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm(R"(bits 16
        org 0x1000
        mov sp, 0x8000
        mov si, 0x2000
        mov di, 0x3000
        mov cx, 3
        push word 0x0102
        popf
      rep_insn:
        rep movsb
        hlt
        times 0x100 - ($ - $$) nop
      handler:
        mov bx, rep_insn
        hlt)"),
             REAL_CODE);
      g.write32(1 * 4, 0x1100);
      g.trap_faults = false;  // the #DB trap is delivered through the IVT
      g.run();
      REQUIRE(!g.fault);
      CHECK(lo16(g.reg(ECX)) == 2);
      CHECK(lo16(g.reg(ESI)) == 0x2001);
      CHECK(lo16(g.reg(EDI)) == 0x3001);
      CHECK(lo16(g.read32(0x7FFA)) == lo16(g.reg(EBX)));  // the trap returns to the REP
    }
  }
}

TEST_CASE("16-bit address size uses SI/DI/CX and wraps at 64K", "[isa][flow][string]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.write32(0xFFFC, 0xAB000000);
      g.load(test::nasm(R"(bits 32
        mov esi, 0x1234FFFF
        mov edi, 0x5678FFFE
        a16 movsb
        mov [0x9000], esi
        mov [0x9004], edi
        mov al, 0xCD
        mov edi, 0x00010000
        mov ecx, 0x12340003
        a16 rep stosb
        mov [0x9008], edi
        mov [0x900C], ecx
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read32(0x9000) == 0x12340000);
      CHECK(g.read32(0x9004) == 0x5678FFFF);
      CHECK(g.read8(0xFFFE) == 0xAB);
      CHECK(g.read32(0x9008) == 0x00010003);
      CHECK(g.read32(0x900C) == 0x12340000);
      CHECK(g.read32(0x0000) == 0x00CDCDCD);
    }
  }
}

TEST_CASE("32-bit address size in real mode uses ESI/EDI/ECX", "[isa][flow][string]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = std::make_unique<test::Guest>(e, test::Mode::Real16);
      g->load(test::nasm(R"(bits 16
        mov esi, 0x0000FFFE
        mov edi, 0x00002000
        a32 lodsb
        mov ebx, esi
        mov ax, 0x7788
        a32 stosw
        a32 lodsb               ; the byte at 0xFFFF; ESI = 0x10000
        mov dl, al
        a32 lodsb               ; beyond the 64K limit
        hlt)"),
              REAL_CODE);
      g->write32(0xFFFC, 0x3C000000);
      g->run();
      REQUIRE(g->fault);
      CHECK(g->fault->vector == core::VEC_GP);
      CHECK(g->reg(EBX) == 0x0000FFFF);
      CHECK(g->reg(ESI) == 0x00010000);
      CHECK((g->reg(EDX) & 0xFF) == 0x3C);
      CHECK(g->reg(EDI) == 0x00002002);
      CHECK(uint16_t(g->read32(0x2000)) == 0x7788);
    }
  }
}

TEST_CASE("segment overrides apply to the source only", "[isa][flow][string]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      // Offset 0x10 in each segment holds the segment's own marker.
      const uint8_t marks[] = {0xD5, 0xE5, 0xF5, 0x65};  // DS ES FS GS
      const uint32_t bases[] = {0x10000, 0x20000, 0x30000, 0x40000};
      for (int k = 0; k < 4; ++k) g.m.bus.copy_to(bases[k] + 0x10, &marks[k], 1);
      g.load(test::nasm(R"(bits 16
        mov ax, 0x1000
        mov ds, ax
        mov ax, 0x2000
        mov es, ax
        mov ax, 0x3000
        mov fs, ax
        mov ax, 0x4000
        mov gs, ax
        mov si, 0x10
        mov di, 0x20
        es movsb                ; ES:0x10 -> ES:0x20
        mov si, 0x10
        fs lodsb                ; AL = FS:0x10
        mov bl, al
        mov si, 0x10
        lodsb                   ; AL = DS:0x10
        mov bh, al
        mov di, 0x30
        mov al, 0x99
        fs stosb                ; still ES:0x30
        mov si, 0x10
        mov di, 0x10
        gs cmpsb                ; GS:0x10 (0x65) - ES:0x10 (0xE5)
        pushf
        pop dx
        mov di, 0x10
        mov al, 0xE5
        fs scasb                ; ES:0x10: equal
        pushf
        pop cx
        hlt)"),
             REAL_CODE);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read8(0x20020) == 0xE5);
      CHECK((g.reg(EBX) & 0xFF) == 0xF5);
      CHECK(((g.reg(EBX) >> 8) & 0xFF) == 0xD5);
      CHECK(g.read8(0x20030) == 0x99);
      CHECK(g.read8(0x30030) == 0);
      // 0x65 - 0xE5 = 0x80: CF (borrow), SF, OF (positive - negative = negative)
      CHECK((g.reg(EDX) & core::fl::ARITH) == (core::fl::CF | core::fl::SF | core::fl::OF));
      CHECK((g.reg(ECX) & core::fl::ZF) != 0);
    }
  }
}

TEST_CASE("REP MOVS over the following instructions runs the new code", "[isa][flow][string][smc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        org 0x10000
        mov esi, patch
        mov edi, target
        mov ecx, 5
        rep movsb
      target:
        mov eax, 1
        hlt
      patch:
        mov eax, 2)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(EAX) == 2);
    }
  }
}
