// Far control transfers (SDM vol. 2 JMP, CALL, RET, IRET; vol. 3 5.8):
// far JMP/CALL/RETF to code segments with the conforming/non-conforming
// rules, call gates to ring 0 with parameters (32- and 16-bit) and RETF back
// to ring 3, IRET to ring 3 with the EFLAGS privilege rules, and real mode.
#include <catch2/catch.hpp>

#include "tests/core/pmode_fixture.hpp"

using namespace xlat;
using namespace xlat::pmtest;
using core::fl::IF;
using core::fl::IOPL;

namespace {

constexpr uint32_t RING0_ESP = K_STACK - 0x1000;
constexpr uint16_t CODE2 = 0x30;        // flat ring-0 code, a second selector
constexpr uint16_t CONF0 = 0x38;        // conforming ring-0 code
constexpr uint16_t CONF3 = 0x40;        // conforming ring-3 code
constexpr uint16_t NP_CODE = 0x48;      // not present
constexpr uint16_t SMALL_CODE = 0x50;   // ring-0 code, limit 0xFFFF
constexpr uint16_t GATE32 = 0x58;       // 32-bit call gate, DPL 3, 2 dwords
constexpr uint16_t GATE16 = 0x60;       // 16-bit call gate, DPL 3, 2 words
constexpr uint16_t CODE16K = 0x68;      // ring-0 code at 0x10000 (for the 16-bit gate)
constexpr uint16_t CODE16U = 0x70;      // ring-3 code at 0x10000

void add_descriptors(Pm& pm) {
  pm.set_gdt(CODE2, flat_code(0));
  pm.set_gdt(CONF0, seg(0, 0xFFFFF, ACC_CONF | dpl(0)));
  pm.set_gdt(CONF3, seg(0, 0xFFFFF, ACC_CONF | dpl(3)));
  pm.set_gdt(NP_CODE, seg(0, 0xFFFFF, ACC_CODE & NOT_PRESENT));
  pm.set_gdt(SMALL_CODE, seg(0, 0xFFFF, ACC_CODE, 0x4));
  pm.set_gdt(CODE16K, seg(0x10000, 0xFFFF, ACC_CODE | dpl(0), 0x4));
  pm.set_gdt(CODE16U, seg(0x10000, 0xFFFF, ACC_CODE | dpl(3), 0x4));
}

}  // namespace

TEST_CASE("far JMP, CALL and RETF between ring-0 code segments", "[pmode][far]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      const auto p = assemble("start, after", R"(
start:  jmp 0x30:there
there:  mov word [0x7000], cs
        push dword 0x77
        call 0x08:func
after:  mov ebx, 0x600D
        hlt
func:   mov eax, [esp]
        mov [0x7004], eax
        mov eax, [esp + 4]
        mov [0x7008], eax
        mov word [0x700C], cs
        retf 4)");
      pm.start(p);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(core::EBX) == 0x600D);
      CHECK(pm.r16(OUT) == CODE2);
      CHECK(g.read32(OUT + 4) == p.label(1));
      CHECK((g.read32(OUT + 8) & 0xFFFF) == CODE2);
      CHECK(pm.r16(OUT + 0xC) == K_CODE);
      CHECK(g.cpu.s.seg[core::CS].sel == CODE2);
      CHECK(g.reg(core::ESP) == RING0_ESP);  // RETF 4 released the parameter
    }
  }
}

TEST_CASE("far JMP/CALL to code segments check privilege, presence and limit", "[pmode][far]") {
  struct Case {
    const char* what;
    const char* insn;  // the transfer
    unsigned ring;
    int vec;           // -1: reaches `there`
    uint32_t error;
  };
  const Case cases[] = {
      {"null selector", "jmp 0x0000:there", 0, core::VEC_GP, 0},
      {"beyond the GDT limit", "jmp 0x0200:there", 0, core::VEC_GP, 0x200},
      {"data segment", "call 0x0010:there", 0, core::VEC_GP, K_DATA},
      {"non-conforming DPL 3 from ring 0", "jmp 0x001B:there", 0, core::VEC_GP, U_CODE & 0xFFFC},
      {"RPL 3 to a ring-0 segment", "call 0x000B:there", 0, core::VEC_GP, K_CODE},
      {"non-conforming ring 0 from ring 3", "jmp 0x0008:there", 3, core::VEC_GP, K_CODE},
      {"conforming DPL 3 from ring 0", "jmp 0x0040:there", 0, core::VEC_GP, CONF3},
      {"conforming ring 0 from ring 3", "call 0x003B:there", 3, -1, 0},
      {"not present", "call 0x0048:there", 0, core::VEC_NP, NP_CODE},
      {"offset beyond the limit", "jmp 0x0050:there", 0, core::VEC_GP, 0},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        add_descriptors(pm);
        const auto p = assemble("start, xfer", std::string(R"(
start:  nop
xfer:   )") + k.insn + R"(
        hlt
there:  mov ebx, 0x600D
        mov word [0x7000], cs
        ud2)");
        pm.start(p);
        if (k.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        REQUIRE(g.fault);
        if (k.vec < 0) {
          CHECK(g.fault->vector == core::VEC_UD);
          CHECK(g.reg(core::EBX) == 0x600D);
          // A conforming segment runs at the caller's CPL: CS.RPL = CPL.
          CHECK(pm.r16(OUT) == (CONF0 | k.ring));
          CHECK(g.cpu.s.cpl == k.ring);
        } else {
          CHECK(g.fault->vector == k.vec);
          CHECK(g.fault->error == k.error);
          CHECK(g.fault_eip == p.label(1));
          CHECK(g.reg(core::EBX) != 0x600D);
          CHECK(g.reg(core::ESP) == (k.ring == 3 ? U_STACK : RING0_ESP));
        }
      }
    }
  }
}

TEST_CASE("a 32-bit call gate to ring 0 copies parameters; RETF returns to ring 3", "[pmode][far]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = true;
      Pm pm(g);
      add_descriptors(pm);
      const auto p = assemble("start, back, func, end", R"(
start:  push dword 0x11111111
        push dword 0x22222222
        call 0x005B:0            ; through the gate (RPL 3); the offset is ignored
back:   mov edi, 0xBACC
end:    hlt                      ; #GP(0) at ring 3 ends the test
func:   mov esi, esp
        mov edi, 0x7000
        mov ecx, 6
.copy:  mov eax, [esi]
        mov [edi], eax
        add esi, 4
        add edi, 4
        dec ecx
        jnz .copy
        mov [0x7018], esp
        mov word [0x701C], ss
        mov ax, 0x10             ; ring-0 DS: not valid for ring 3
        mov ds, ax
        retf 8)");
      pm.set_gdt(GATE32, gate(K_CODE, p.label(2), CALL32, 3, 2));
      pm.start(p);
      pm.enter_ring3();
      g.cpu.s.eip = p.label(0);
      g.run();
      // The frame on the ring-0 stack: EIP, CS, the two parameters, ESP, SS.
      CHECK(g.read32(OUT + 0x00) == p.label(1));
      CHECK((g.read32(OUT + 0x04) & 0xFFFF) == U_CODE);
      CHECK(g.read32(OUT + 0x08) == 0x22222222);
      CHECK(g.read32(OUT + 0x0C) == 0x11111111);
      CHECK(g.read32(OUT + 0x10) == U_STACK - 8);
      CHECK((g.read32(OUT + 0x14) & 0xFFFF) == U_DATA);
      CHECK(g.read32(OUT + 0x18) == K_STACK - 24);
      CHECK(pm.r16(OUT + 0x1C) == K_DATA);
      // Back at ring 3 with both stacks released.
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == p.label(3));
      CHECK(g.reg(core::EDI) == 0xBACC);
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.cpu.s.seg[core::CS].sel == U_CODE);
      CHECK(g.cpu.s.seg[core::SS].sel == U_DATA);
      CHECK(g.reg(core::ESP) == U_STACK);
      CHECK(g.cpu.s.seg[core::DS].sel == 0);  // nulled: DPL 0 < CPL 3
      CHECK(g.cpu.s.seg[core::ES].sel == U_DATA);
    }
  }
}

TEST_CASE("a 16-bit call gate copies word parameters", "[pmode][far]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      add_descriptors(pm);
      // Both sides run in code segments based at 0x10000 so that 16-bit
      // offsets reach them.
      const auto p = assemble("start, back, func, end", R"(
start:  push word 0x1111
        push word 0x2222
        call 0x0063:0
back:   mov edi, 0xBACC
end:    hlt
func:   mov eax, [esp]
        mov [0x7000], eax
        mov eax, [esp + 4]
        mov [0x7004], eax
        mov eax, [esp + 8]
        mov [0x7008], eax
        mov [0x700C], esp
        o16 retf 4)");
      pm.set_gdt(GATE16, gate(CODE16K, p.label(2) - 0x10000, CALL16, 3, 2));
      pm.start(p);
      pm.enter_ring3();
      pm.load(core::CS, CODE16U | 3);
      g.cpu.s.eip = p.label(0) - 0x10000;
      g.run();
      CHECK(pm.r16(OUT + 0) == p.label(1) - 0x10000);  // IP
      CHECK(pm.r16(OUT + 2) == (CODE16U | 3));         // CS
      CHECK(pm.r16(OUT + 4) == 0x2222);
      CHECK(pm.r16(OUT + 6) == 0x1111);
      CHECK(pm.r16(OUT + 8) == ((U_STACK - 4) & 0xFFFF));  // SP
      CHECK(pm.r16(OUT + 10) == U_DATA);                   // SS
      CHECK(g.read32(OUT + 0xC) == K_STACK - 12);
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == p.label(3) - 0x10000);
      CHECK(g.reg(core::EDI) == 0xBACC);
      // A 16-bit gate saved only SP: the low half is back, parameters released.
      CHECK((g.reg(core::ESP) & 0xFFFF) == (U_STACK & 0xFFFF));
      CHECK(g.cpu.s.cpl == 3);
    }
  }
}

TEST_CASE("IRET to ring 3 loads SS:ESP, sets IOPL at CPL 0 and nulls ring-0 data segments",
          "[pmode][far]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, user, end", R"(
start:  mov ax, 0x23
        mov fs, ax
        push dword 0x23           ; SS
        push dword 0x4FF00        ; ESP
        push dword 0x3202         ; EFLAGS: IOPL 3, IF
        push dword 0x1B           ; CS
        push dword user
        iretd
user:   mov ebx, 0x3333
        ; At CPL 3 with IOPL 3: an IRET may change IF but not IOPL.
        push dword 0x0002         ; EFLAGS: IOPL 0, IF 0
        push dword 0x1B
        push dword end
        iretd
end:    mov ecx, 0x4444
        hlt)");
      pm.start(p);
      g.run();
      CHECK(g.reg(core::EBX) == 0x3333);
      CHECK(g.reg(core::ECX) == 0x4444);
      REQUIRE(g.fault);  // HLT at ring 3
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == p.label(2) + 5);
      CHECK(g.cpu.s.cpl == 3);
      CHECK(g.cpu.s.seg[core::SS].sel == U_DATA);
      CHECK(g.reg(core::ESP) == 0x4FF00);
      CHECK((g.cpu.s.eflags & IOPL) == IOPL);  // kept by the ring-3 IRET
      CHECK(!(g.cpu.s.eflags & IF));           // CPL 3 <= IOPL 3: IF written
      CHECK(g.cpu.s.seg[core::DS].sel == 0);
      CHECK(g.cpu.s.seg[core::ES].sel == 0);
      CHECK(g.cpu.s.seg[core::FS].sel == U_DATA);
    }
  }
}

TEST_CASE("at CPL 3 with IOPL 0, IRET leaves IF and IOPL alone", "[pmode][far]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, end", R"(
start:  push dword 0x3202         ; IOPL 3, IF: both ignored at CPL 3 > IOPL
        push dword 0x1B
        push dword end
        iretd
end:    hlt)");
      pm.start(p);
      pm.enter_ring3();
      g.cpu.s.eip = p.label(0);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault_eip == p.label(1));
      CHECK(!(g.cpu.s.eflags & (IF | IOPL)));
    }
  }
}

TEST_CASE("IRET and RETF to an outer level check the popped SS", "[pmode][far]") {
  struct Case {
    const char* what;
    uint32_t ss;
    uint8_t vec;
    uint32_t error;
  };
  const Case cases[] = {
      {"null SS", 0, core::VEC_GP, 0},
      {"SS RPL != CS RPL", 0x20, core::VEC_GP, 0x20},
      {"ring-0 SS for ring 3", 0x13, core::VEC_GP, 0x10},
      {"not-present SS", 0x4B, core::VEC_SS, 0x48},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      for (bool iret : {true, false}) {
        DYNAMIC_SECTION(e << ": " << k.what << (iret ? " (IRET)" : " (RETF)")) {
          test::Guest g(e);
          Pm pm(g);
          pm.set_gdt(0x48, seg(0, 0xFFFFF, (ACC_DATA | dpl(3)) & NOT_PRESENT));
          const auto p = assemble("start, xfer", "start:  push dword " + std::to_string(k.ss) + R"(
        push dword 0x4FF00
)" + (iret ? "        push dword 0x202\n" : "") + R"(
        push dword 0x1B
        push dword start
xfer:   )" + (iret ? "iretd" : "retf"));
          pm.start(p);
          g.run();
          REQUIRE(g.fault);
          CHECK(g.fault->vector == k.vec);
          CHECK(g.fault->error == k.error);
          CHECK(g.fault_eip == p.label(1));
          CHECK(g.cpu.s.cpl == 0);
          CHECK(g.reg(core::ESP) == RING0_ESP - (iret ? 20 : 16));
        }
      }
    }
  }
}

TEST_CASE("real mode: far CALL/JMP (ptr16:16 and m16:16), RETF and INT/IRET through the IVT", "[pmode][far]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm(R"(bits 16
org 0x7C00
start:  mov word [0x80], isr      ; IVT entry 0x20 = 0000:isr
        mov word [0x82], 0
        mov sp, 0x7000
        stc
        int 0x20
        call 0x0000:far_fn
        jmp far [jptr]            ; m16:16 (4 bytes, like a near m32)
        hlt
there:  call far [cptr]
        mov cx, 0xAAAA
        hlt
jptr:   dw there - 0x100, 0x0010  ; the same bytes through other segments
cptr:   dw far_fn2 - 0x200, 0x0020
far_fn2:
        mov di, 0x3333
        retf
isr:    mov bx, 0x1111
        mov ax, sp
        iret
far_fn: mov dx, 0x2222
        mov si, sp
        retf)"),
             0x7C00);
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(core::EBX) & 0xFFFF) == 0x1111);
      CHECK((g.reg(core::EDX) & 0xFFFF) == 0x2222);
      CHECK((g.reg(core::ECX) & 0xFFFF) == 0xAAAA);
      CHECK((g.reg(core::EDI) & 0xFFFF) == 0x3333);
      CHECK(g.cpu.s.seg[core::CS].sel == 0x0010);
      CHECK((g.reg(core::EAX) & 0xFFFF) == 0x7000 - 6);
      CHECK((g.reg(core::ESI) & 0xFFFF) == 0x7000 - 4);
      CHECK((g.reg(core::ESP) & 0xFFFF) == 0x7000);
      CHECK((g.eflags() & core::fl::CF));  // IRET restored the flags
    }
  }
}

TEST_CASE("call gate and inner-stack checks", "[pmode][far]") {
  struct Case {
    const char* what;
    const char* insn;
    unsigned ring;
    uint64_t gate_desc;  // at GATE32
    uint16_t ss0;        // TSS.SS0 (K_DATA normally)
    uint8_t vec;
    uint32_t error;
  };
  constexpr uint32_t F = 0x10000;  // gate target (never reached)
  const Case cases[] = {
      {"gate DPL < CPL", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 0, 0), K_DATA, core::VEC_GP, GATE32},
      {"selector RPL > gate DPL", "call 0x5B:0", 0, gate(K_CODE, F, CALL32, 2, 0), K_DATA, core::VEC_GP, GATE32},
      {"gate not present", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 0, false), K_DATA, core::VEC_NP, GATE32},
      {"null target", "call 0x5B:0", 3, gate(0, F, CALL32, 3, 0), K_DATA, core::VEC_GP, 0},
      {"data target", "call 0x5B:0", 3, gate(K_DATA, F, CALL32, 3, 0), K_DATA, core::VEC_GP, K_DATA},
      {"not-present target", "call 0x5B:0", 3, gate(NP_CODE, F, CALL32, 3, 0), K_DATA, core::VEC_NP, NP_CODE},
      {"JMP to an inner level", "jmp 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 0), K_DATA, core::VEC_GP, K_CODE},
      {"SS0 with DPL 3", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 0), U_DATA & 0xFFFC, core::VEC_TS,
       U_DATA & 0xFFFC},
      {"SS0 with RPL 3", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 0), K_DATA | 3, core::VEC_TS, K_DATA},
      {"null SS0", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 0), 0, core::VEC_TS, 0},
      {"SS0 not present", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 0), 0x68, core::VEC_SS, 0x68},
      {"inner stack too small", "call 0x5B:0", 3, gate(K_CODE, F, CALL32, 3, 2), 0x70, core::VEC_SS, 0x70},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        add_descriptors(pm);
        pm.set_gdt(0x68, seg(0, 0xFFFFF, ACC_DATA & NOT_PRESENT));
        // A ring-0 stack with room for 20 bytes below ESP0 = 0x14: the frame
        // (4 dwords and 2 parameters, 24 bytes) does not fit.
        pm.set_gdt(0x70, seg(0, 0x17, ACC_DATA, 0x4));
        pm.w32(TSS0 + 4, k.ss0 == 0x70 ? 0x14 : K_STACK);
        pm.w32(TSS0 + 8, k.ss0);
        pm.set_gdt(GATE32, k.gate_desc);
        const auto p = assemble("start, xfer", std::string(R"(
start:  push dword 1
        push dword 2
xfer:   )") + k.insn + "\n        hlt");
        pm.start(p);
        if (k.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.vec);
        CHECK(g.fault->error == k.error);
        CHECK(g.fault_eip == p.label(1));
        CHECK(g.cpu.s.cpl == k.ring);
        CHECK(g.reg(core::ESP) == (k.ring == 3 ? U_STACK : RING0_ESP) - 8);
      }
    }
  }
}

TEST_CASE("RETF checks the return code segment", "[pmode][far]") {
  struct Case {
    const char* what;
    uint32_t cs;
    uint8_t vec;
    uint32_t error;
  };
  const Case cases[] = {
      {"null CS", 0, core::VEC_GP, 0},
      {"data segment", K_DATA, core::VEC_GP, K_DATA},
      {"RPL < CPL", K_CODE, core::VEC_GP, K_CODE},  // from ring 3
      {"non-conforming DPL != RPL", K_CODE | 3, core::VEC_GP, K_CODE},
      {"conforming DPL > RPL", CONF3 | 2, core::VEC_GP, CONF3},
      {"not present", NP_CODE | 3, core::VEC_NP, NP_CODE},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        add_descriptors(pm);
        pm.set_gdt(NP_CODE, seg(0, 0xFFFFF, (ACC_CODE | dpl(3)) & NOT_PRESENT));
        const auto p = assemble("start, xfer", "start:  push dword " + std::to_string(k.cs) + R"(
        push dword start
xfer:   retf)");
        pm.start(p);
        pm.enter_ring3();
        g.cpu.s.eip = p.label(0);
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.vec);
        CHECK(g.fault->error == k.error);
        CHECK(g.fault_eip == p.label(1));
        CHECK(g.reg(core::ESP) == U_STACK - 8);
      }
    }
  }
}
