// Single-step (EFLAGS.TF) and ICEBP (Intel SDM vol. 3 17.3.1.4): which
// instructions trap, with what return address and DR6.
//
// The guests run in real mode with an IVT #DB handler that logs the return
// IP of every trap at 0x6000. Each guest also carries the list of return
// addresses the SDM says it must produce (`expected`, written from the
// program's labels), which the test compares with the log.
#include <catch2/catch.hpp>

#include <vector>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using namespace xlat::core;

namespace {
constexpr uint32_t LOG = 0x6000, LOG_COUNT = 0x5FF0, LAST_DR6 = 0x5FF4, EXPECTED_PTR = 0x5FF8;

// Program prologue: installs the #DB logger (and the INT 80h handler the
// tests call), defines SET_TF/CLEAR_TF sequences. The program ends with
// "expected:" followed by `dw` return addresses and `dw 0`.
const char* kPrologue = R"(bits 16
org 0x7C00
  mov word [1*4], db_handler
  mov word [1*4+2], 0
  mov word [0x80*4], int80
  mov word [0x80*4+2], 0
  mov word [0x5FF0], 0
  mov word [0x5FF8], expected
  jmp start
db_handler:
  push bp
  mov bp, sp
  push ax
  push bx
  mov bx, [0x5FF0]
  mov ax, [bp + 2]          ; return IP
  mov [0x6000 + bx], ax
  add bx, 2
  mov [0x5FF0], bx
  mov eax, dr6
  mov [0x5FF4], eax
  pop bx
  pop ax
  pop bp
  iret
int80:
  inc cx
  inc cx
  iret
start:
)";

struct StepLog {
  std::vector<uint16_t> got, want;
  uint32_t dr6 = 0;
};

StepLog run_real(const std::string& engine, const std::string& body) {
  test::Guest g(engine, test::Mode::Real16);
  g.trap_faults = false;
  g.load(test::nasm(std::string(kPrologue) + body), 0x7C00);
  g.run(100000);
  REQUIRE(!g.hit_limit);
  REQUIRE(g.cpu.s.halted);
  StepLog r;
  const uint32_t n = g.read32(LOG_COUNT) & 0xFFFF;
  for (uint32_t i = 0; i < n; i += 2) r.got.push_back(uint16_t(g.read32(LOG + i)));
  for (uint32_t a = g.read32(EXPECTED_PTR) & 0xFFFF;; a += 2) {
    const uint16_t v = uint16_t(g.read32(a));
    if (!v) break;
    r.want.push_back(v);
  }
  r.dr6 = g.read32(LAST_DR6);
  return r;
}
}  // namespace

TEST_CASE("single-step: traps after each instruction run with TF, from the one after POPF", "[debug][step]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      const StepLog r = run_real(e, R"(
        pushf
        pop ax
        or ax, 0x100
        push ax
        popf                 ; sets TF: no trap after it
        nop
      L1:
        mov ax, 1
      L2:
        add ax, ax
      L3:
        pushf
      L4:
        pop ax
      L5:
        and ax, 0xFEFF
      L6:
        push ax
      L7:
        popf                 ; clears TF, but TF was set when it started: it traps
      L8:
        nop
        nop
        hlt
      expected: dw L1, L2, L3, L4, L5, L6, L7, L8, 0)");
      CHECK(r.got == r.want);
      CHECK((r.dr6 & (1u << 14)));  // BS
      CHECK((r.dr6 & 0xF) == 0);
    }
  }
}

TEST_CASE("single-step: MOV SS and POP SS delay the trap by one instruction", "[debug][step]") {
  for (const char* load_ss : {"mov ss, ax", "push ss\n pop ss"}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << " " << load_ss) {
        const std::string seq = std::string(load_ss) == "mov ss, ax" ? "mov ax, ss\n M0:\n mov ss, ax"
                                                                      : "push ss\n M0:\n pop ss";
        const StepLog r = run_real(e, R"(
          pushf
          pop ax
          or ax, 0x100
          push ax
          popf
          nop
        M1:
          )" + seq + R"(
          mov bx, 1          ; the SS load does not trap; this one does, once
        M2:
          nop
        M3:
          pushf
        C1:
          pop ax
        C2:
          and ax, 0xFEFF
        C3:
          push ax
        C4:
          popf
        C5:
          hlt
        expected: dw M1, M0, M2, M3, C1, C2, C3, C4, C5, 0)");
        CHECK(r.got == r.want);
      }
    }
  }
}

TEST_CASE("single-step: INT n does not trap and its handler is not traced", "[debug][step]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      const StepLog r = run_real(e, R"(
        xor cx, cx
        pushf
        pop ax
        or ax, 0x100
        push ax
        popf
        nop
      N1:
        int 0x80
        nop                  ; the first trap after the INT is after this one
      N3:
        pushf
      C1:
        pop ax
      C2:
        and ax, 0xFEFF
      C3:
        push ax
      C4:
        popf
      C5:
        hlt
      expected: dw N1, N3, C1, C2, C3, C4, C5, 0)");
      CHECK(r.got == r.want);
    }
  }
}

TEST_CASE("ICEBP (INT1) calls the #DB handler without touching DR6", "[debug][icebp]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      const StepLog r = run_real(e, R"(
        db 0xF1
      I1:
        mov ax, 1
        db 0xF1
      I2:
        hlt
      expected: dw I1, I2, 0)");
      CHECK(r.got == r.want);
      CHECK(r.dr6 == 0xFFFF0FF0);
    }
  }
}

TEST_CASE("single-step with the trap recorded: EIP of the next instruction, DR6.BS", "[debug][step]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        pushfd
        or dword [esp], 0x100
        popfd
        mov eax, 7
        mov ebx, 8
        hlt)"));
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == VEC_DB);
      CHECK(g.reg(EAX) == 7);
      CHECK(g.reg(EBX) == 0);
      CHECK(g.read8(g.fault_eip) == 0xBB);
      CHECK((g.cpu.s.dr[6] & (1u << 14)));
    }
  }
}

TEST_CASE("single-step counts every instruction of a loop", "[debug][step]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.trap_faults = false;
      g.load(test::nasm(R"(bits 16
        org 0x7C00
        mov word [1*4], db_handler
        mov word [1*4+2], 0
        xor si, si
        mov cx, 10
        pushf
        pop ax
        or ax, 0x100
        push ax
        popf
      again:
        dec cx               ; 10 x (dec, jnz) = 20 traps
        jnz again
        pushf                ; 5 more to clear TF
        pop ax
        and ax, 0xFEFF
        push ax
        popf
        hlt
      db_handler:
        inc si
        iret)"),
             0x7C00);
      g.run(100000);
      REQUIRE(g.cpu.s.halted);
      CHECK((g.reg(ESI) & 0xFFFF) == 25);
    }
  }
}
