// Hardware task switches (SDM vol. 3 chapter 7): JMP and CALL to a TSS,
// CALL through a task gate, INT and exceptions through IDT task gates (the
// i386 Linux double-fault handler), IRET back through the link, busy bits,
// NT, the saved state, 16-bit TSSs, the T bit, and faults before and after
// the commit point.
#include <catch2/catch.hpp>

#include "tests/core/pmode_fixture.hpp"

using namespace xlat;
using namespace xlat::pmtest;
using core::fl::NT;

namespace {

constexpr uint16_t TSS1_SEL = 0x30, TSS2_SEL = 0x38, TGATE_SEL = 0x40, TSS16_SEL = 0x48, CODE16K = 0x50,
                   NP_DATA = 0x58, RING3_TSS = 0x60;

bool busy(Pm& pm, uint16_t sel) { return (pm.gdt(sel) >> 40) & 2; }

// TSS1 and TSS2 (32-bit, flat ring 0) with the given entry points.
void add_tasks(Pm& pm, uint32_t eip1, uint32_t eip2) {
  pm.set_gdt(TSS1_SEL, seg(TSS1, 0x67, ACC_TSS32, 0));
  pm.set_gdt(TSS2_SEL, seg(TSS2, 0x67, ACC_TSS32, 0));
  pm.set_gdt(TGATE_SEL, gate(TSS2_SEL, 0, TASK, 0));
  pm.set_gdt(CODE16K, seg(0x10000, 0xFFFF, ACC_CODE, 0x4));
  pm.set_gdt(NP_DATA, seg(0, 0xFFFFF, ACC_DATA & NOT_PRESENT));
  pm.set_gdt(RING3_TSS, seg(TSS3, 0x67, ACC_TSS32 | dpl(3), 0));
  pm.tss32(TSS1, eip1, T_STACK);
  pm.tss32(TSS2, eip2, T_STACK - 0x1000);
  pm.w32(TSS1 + 0x28, 0x5151);  // EAX of task 1
}

}  // namespace

TEST_CASE("JMP to a TSS switches tasks and JMP back resumes the first", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, back, task1, t1_after", R"(
start:  mov eax, 0xAAAA
        mov esi, 0x1234
        jmp 0x30:0
back:   mov ebx, 0xB0B0
        hlt
task1:  mov [0x7000], eax
        str ecx
        mov [0x7004], ecx
        pushfd
        pop ecx
        mov [0x7008], ecx
        movzx ecx, byte [0x1000 + 0x28 + 5]
        mov [0x700C], ecx
        movzx ecx, byte [0x1000 + 0x30 + 5]
        mov [0x7010], ecx
        mov [0x7014], esp
        mov eax, 0x7777
        jmp 0x28:0
t1_after:
        hlt)");
      add_tasks(pm, p.label(2), 0);
      pm.start(p);
      g.run();
      REQUIRE(!g.fault);
      // Inside task 1: its registers, TR, NT clear, the busy bits.
      CHECK(g.read32(OUT) == 0x5151);
      CHECK(g.read32(OUT + 4) == TSS1_SEL);
      CHECK(!(g.read32(OUT + 8) & NT));
      CHECK(g.read32(OUT + 0xC) == ACC_TSS32);      // the old task is no longer busy
      CHECK(g.read32(OUT + 0x10) == (ACC_TSS32 | 2));  // the new one is
      CHECK(g.read32(OUT + 0x14) == T_STACK);
      // Back in the first task after its JMP, with its own registers.
      CHECK(g.reg(core::EBX) == 0xB0B0);
      CHECK(g.reg(core::EAX) == 0xAAAA);
      CHECK(g.reg(core::ESI) == 0x1234);
      CHECK(g.cpu.s.tr.sel == TSS0_SEL);
      CHECK(busy(pm, TSS0_SEL));
      CHECK(!busy(pm, TSS1_SEL));
      CHECK((g.cpu.s.cr0 & core::cr0::TS));
      // The state each task left in its TSS.
      CHECK(g.read32(TSS0 + 0x20) == p.label(1));  // EIP after the JMP
      CHECK(g.read32(TSS0 + 0x28) == 0xAAAA);
      CHECK(g.read32(TSS0 + 0x40) == 0x1234);      // ESI
      CHECK(g.read32(TSS1 + 0x20) == p.label(3));
      CHECK(g.read32(TSS1 + 0x28) == 0x7777);
      CHECK((g.read32(TSS1 + 0x4C) & 0xFFFF) == K_CODE);
      CHECK(g.read32(TSS1 + 0x00) == 0);           // JMP leaves the link alone
    }
  }
}

TEST_CASE("CALL to a TSS nests (link, NT, busy) and IRET returns", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    for (bool via_gate : {false, true}) {
      DYNAMIC_SECTION(e << (via_gate ? ": through a task gate" : ": to the TSS")) {
        test::Guest g(e);
        Pm pm(g);
        const auto p = assemble("start, back, task, t_after", std::string(R"(
start:  mov ebp, 0xEBEB
)") + (via_gate ? "        call 0x40:0\n" : "        call 0x38:0\n") + R"(
back:   mov ebx, 0xB0B0
        hlt
task:   pushfd
        pop ecx
        mov [0x7000], ecx
        movzx ecx, word [0x3800]
        mov [0x7004], ecx
        movzx ecx, byte [0x1000 + 0x28 + 5]
        mov [0x7008], ecx
        iretd
t_after:
        hlt)");
        add_tasks(pm, 0, p.label(2));
        pm.start(p);
        g.run();
        REQUIRE(!g.fault);
        CHECK((g.read32(OUT) & NT));                  // the nested task runs with NT
        CHECK(g.read32(OUT + 4) == TSS0_SEL);         // back link
        CHECK(g.read32(OUT + 8) == (ACC_TSS32 | 2));  // the caller stays busy
        CHECK(g.reg(core::EBX) == 0xB0B0);
        CHECK(g.reg(core::EBP) == 0xEBEB);
        CHECK(!(g.cpu.s.eflags & NT));
        CHECK(g.cpu.s.tr.sel == TSS0_SEL);
        CHECK(busy(pm, TSS0_SEL));
        CHECK(!busy(pm, TSS2_SEL));                   // IRET cleared it
        CHECK(g.read32(TSS2 + 0x20) == p.label(3));   // resumes after its IRET
        CHECK(!(g.read32(TSS2 + 0x24) & NT));         // saved with NT clear
      }
    }
  }
}

TEST_CASE("INT n through an IDT task gate, and IRET back", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, back, task", R"(
start:  int 0x40
back:   mov ebx, 0xB0B0
        hlt
task:   mov [0x7000], esp
        movzx ecx, word [0x3800]
        mov [0x7004], ecx
        iretd)");
      add_tasks(pm, 0, p.label(2));
      pm.set_idt(0x40, gate(TSS2_SEL, 0, TASK, 0));
      pm.start(p);
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read32(OUT) == T_STACK - 0x1000);  // nothing pushed for INT n
      CHECK(g.read32(OUT + 4) == TSS0_SEL);
      CHECK(g.reg(core::EBX) == 0xB0B0);
      CHECK(g.read32(TSS0 + 0x20) == p.label(1));  // INT n saved the next EIP
      CHECK(!busy(pm, TSS2_SEL));
    }
  }
}

TEST_CASE("a double fault through a task gate runs the #DF task with error code 0", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.trap_faults = false;
      Pm pm(g);
      const auto p = assemble("start, bad, df_task", R"(
start:  mov eax, 0x42420000
        mov ax, 0x200
bad:    mov ds, ax                ; #GP(0x200); the #GP gate is not present
        hlt
df_task:
        mov ebx, [esp]            ; the error code
        mov edx, esp
        movzx ecx, word [0x3800]  ; link to the faulting task
        hlt)");
      add_tasks(pm, 0, p.label(2));
      pm.set_idt(core::VEC_GP, gate(K_CODE, p.label(2), INT32, 0, 0, false));
      pm.set_idt(core::VEC_DF, gate(TSS2_SEL, 0, TASK, 0));
      pm.start(p);
      g.run();
      CHECK(g.cpu.s.tr.sel == TSS2_SEL);
      CHECK(g.reg(core::EBX) == 0);
      CHECK(g.reg(core::EDX) == T_STACK - 0x1000 - 4);
      CHECK(g.reg(core::ECX) == TSS0_SEL);
      CHECK((g.cpu.s.eflags & NT));
      // The faulting task's state, saved at the faulting instruction.
      CHECK(g.read32(TSS0 + 0x20) == p.label(1));
      CHECK(g.read32(TSS0 + 0x28) == 0x42420200);
      CHECK(busy(pm, TSS0_SEL));
      CHECK(busy(pm, TSS2_SEL));
    }
  }
}

TEST_CASE("task-switch checks before the commit point leave the old task", "[pmode][task]") {
  struct Case {
    const char* what;
    const char* insn;
    unsigned ring;
    uint8_t vec;
    uint32_t error;
  };
  const Case cases[] = {
      {"CALL to the busy running task", "call 0x28:0", 0, core::VEC_GP, TSS0_SEL},
      {"TSS limit below 0x67", "jmp 0x38:0", 0, core::VEC_TS, TSS2_SEL},
      {"TSS DPL < CPL", "jmp 0x33:0", 3, core::VEC_GP, TSS1_SEL},
      {"task gate DPL < CPL", "call 0x43:0", 3, core::VEC_GP, TGATE_SEL},
      {"ring-3 TSS with RPL 3 from ring 3", "jmp 0x63:0", 3, core::VEC_TS, 0},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        const auto p = assemble("start, xfer", std::string(R"(
start:  nop
xfer:   )") + k.insn + R"(
        hlt)");
        add_tasks(pm, p.label(0), p.label(0));
        pm.set_gdt(TSS2_SEL, seg(TSS2, 0x60, ACC_TSS32, 0));  // too short
        pm.tss32(TSS3, p.label(0), U_STACK, U_CODE, 0x13);    // its SS is a ring-0 selector
        pm.start(p);
        if (k.ring == 3) {
          pm.enter_ring3();
          g.cpu.s.eip = p.label(0);
        }
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.vec);
        if (k.error) {
          CHECK(g.fault->error == k.error);
          CHECK(g.fault_eip == p.label(1));
          CHECK(g.cpu.s.tr.sel == TSS0_SEL);
          CHECK(busy(pm, TSS0_SEL));
        } else {
          // Loading the ring-3 task's SS (0x13) fails after the commit point:
          // the fault is raised in the new task, at its first instruction.
          CHECK(g.fault->error == 0x10);
          CHECK(g.fault_eip == p.label(0));
          CHECK((g.cpu.s.tr.sel & 0xFFFC) == RING3_TSS);
          CHECK(!busy(pm, TSS0_SEL));
          CHECK(busy(pm, RING3_TSS));
        }
      }
    }
  }
}

TEST_CASE("segment faults after the commit point belong to the new task", "[pmode][task]") {
  struct Case {
    const char* what;
    uint32_t field;  // TSS offset of the bad selector
    uint16_t sel;
    uint8_t vec;
  };
  const Case cases[] = {
      {"CS is a data segment", 0x4C, K_DATA, core::VEC_TS},
      {"SS is read-only", 0x50, 0x68, core::VEC_TS},
      {"DS is not present", 0x54, NP_DATA, core::VEC_NP},
      {"LDT selector is not an LDT", 0x60, K_DATA, core::VEC_TS},
      {"GS beyond the GDT", 0x5C, 0x400, core::VEC_TS},
  };
  for (const auto& e : test::engines()) {
    for (const Case& k : cases) {
      DYNAMIC_SECTION(e << ": " << k.what) {
        test::Guest g(e);
        Pm pm(g);
        const auto p = assemble("start, xfer, task", R"(
start:  nop
xfer:   jmp 0x30:0
        hlt
task:   hlt)");
        add_tasks(pm, p.label(2), 0);
        pm.set_gdt(0x68, seg(0, 0xFFFFF, ACC_DATA_RO));
        pm.w32(TSS1 + k.field, k.sel);
        pm.start(p);
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == k.vec);
        CHECK(g.fault->error == k.sel);
        CHECK(g.fault_eip == p.label(2));
        CHECK(g.cpu.s.tr.sel == TSS1_SEL);
        CHECK(g.reg(core::EAX) == 0x5151);
        CHECK(g.read32(TSS0 + 0x20) == p.label(1) + 7);  // the old task was saved
      }
    }
  }
}

TEST_CASE("a TSS with the T bit raises #DB in the new task", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, task", R"(
start:  jmp 0x30:0
task:   mov ebx, 1
        hlt)");
      add_tasks(pm, p.label(1), 0);
      pm.w32(TSS1 + 0x64, (0x68u << 16) | 1);
      pm.start(p);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_DB);
      CHECK(g.fault_eip == p.label(1));
      CHECK((g.cpu.s.dr[6] & 0x8000));
      CHECK(g.cpu.s.tr.sel == TSS1_SEL);
      CHECK(g.reg(core::EBX) != 1);
    }
  }
}

TEST_CASE("a 16-bit TSS saves and loads the 16-bit state", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, back, task, t_after", R"(
start:  mov eax, 0x12345678
        jmp 0x48:0
back:   mov ebx, 0xB0B0
        hlt
task:   mov [0x7000], ax
        mov [0x7004], esp
        mov eax, 0xCAFE
        jmp 0x28:0
t_after:
        hlt)");
      add_tasks(pm, 0, 0);
      pm.set_gdt(TSS16_SEL, seg(TSS3, 0x2B, ACC_TSS16, 0));
      for (uint32_t a = TSS3; a < TSS3 + 0x2C; a += 2) pm.w16(a, 0);
      pm.w16(TSS3 + 0x0E, uint16_t(p.label(2) - 0x10000));  // IP
      pm.w16(TSS3 + 0x10, 0x0002);                          // FLAGS
      pm.w16(TSS3 + 0x12, 0x1616);                          // AX
      pm.w16(TSS3 + 0x1A, 0x8000);                          // SP
      pm.w16(TSS3 + 0x22, K_DATA);                          // ES
      pm.w16(TSS3 + 0x24, CODE16K);                         // CS
      pm.w16(TSS3 + 0x26, K_DATA);                          // SS
      pm.w16(TSS3 + 0x28, K_DATA);                          // DS
      pm.start(p);
      g.run();
      REQUIRE(!g.fault);
      CHECK(pm.r16(OUT) == 0x1616);
      CHECK((g.read32(OUT + 4) & 0xFFFF) == 0x8000);
      CHECK(g.reg(core::EBX) == 0xB0B0);
      CHECK(g.reg(core::EAX) == 0x12345678);
      CHECK(pm.r16(TSS3 + 0x0E) == p.label(3) - 0x10000);  // IP after its JMP
      CHECK(pm.r16(TSS3 + 0x12) == 0xCAFE);                // AX
      CHECK(pm.r16(TSS3 + 0x24) == CODE16K);
      CHECK(!busy(pm, TSS16_SEL));
    }
  }
}

TEST_CASE("IRET with NT to a link that is not a busy TSS raises #TS", "[pmode][task]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      Pm pm(g);
      const auto p = assemble("start, bad", R"(
start:  pushfd
        or dword [esp], 0x4000    ; NT
        popfd
bad:    iretd)");
      add_tasks(pm, 0, 0);
      pm.w16(TSS0, TSS1_SEL);  // link to an available TSS
      pm.start(p);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_TS);
      CHECK(g.fault->error == TSS1_SEL);
      CHECK(g.fault_eip == p.label(1));
    }
  }
}
