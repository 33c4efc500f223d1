// Near control transfer: every Jcc (short and near) under every combination
// of the five condition flags, compared with native execution on the host;
// JMP/CALL/RET through registers, memory and the stack; LOOP/LOOPcc/JCXZ
// with CX and ECX; 16-bit IP wraparound; branches past the CS limit fault at
// the branch with nothing changed (SDM: #GP(0) "if the target is beyond the
// code segment limit").
#include <catch2/catch.hpp>

#include <memory>
#include <sstream>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESP, core::EBP, core::ESI, core::EDI;

namespace {

constexpr uint32_t REAL_CODE = 0x1000;

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

// Whether the host takes `j<cc>` with the given arithmetic flags.
#define HOST_JCC(cc)                                                                               \
  +[](uint64_t f) -> bool {                                                                       \
    unsigned char r;                                                                              \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\tlea 128(%%rsp), %%rsp\n\t"     \
                 "movb $0, %[r]\n\tj" #cc " 1f\n\tjmp 2f\n1:\n\tmovb $1, %[r]\n2:"                  \
                 : [r] "=&q"(r)                                                                   \
                 : [f] "r"(f)                                                                     \
                 : "cc");                                                                         \
    return r;                                                                                     \
  }

const char* const CC_NAMES[16] = {"o", "no", "b", "nb", "z", "nz", "be", "nbe",
                                  "s", "ns", "p", "np", "l", "nl", "le", "nle"};
bool (*const HOST[16])(uint64_t) = {HOST_JCC(o),  HOST_JCC(no), HOST_JCC(b),  HOST_JCC(nb),
                                    HOST_JCC(z),  HOST_JCC(nz), HOST_JCC(be), HOST_JCC(nbe),
                                    HOST_JCC(s),  HOST_JCC(ns), HOST_JCC(p),  HOST_JCC(np),
                                    HOST_JCC(l),  HOST_JCC(nl), HOST_JCC(le), HOST_JCC(nle)};

uint32_t combo_flags(unsigned k) {
  using namespace core::fl;
  return 0x2 | ((k & 1) ? CF : 0) | ((k & 2) ? PF : 0) | ((k & 4) ? ZF : 0) | ((k & 8) ? SF : 0) |
         ((k & 16) ? OF : 0);
}

}  // namespace

TEST_CASE("every Jcc, short and near, follows the flags as the host does", "[isa][flow][control][jcc]") {
  // For each of the 32 flag combinations the guest stores one byte per
  // condition and form: 1 if the branch was taken.
  std::ostringstream src;
  src << "bits 32\norg 0x10000\n"
         "  mov esp, 0x8000\n  mov ebx, table\n  mov edi, 0x30000\n  mov ecx, 32\n"
         "next:\n  push dword [ebx]\n  popfd\n";
  for (int form = 0; form < 2; ++form) {
    for (int cc = 0; cc < 16; ++cc) {
      const std::string t = "t" + std::to_string(form) + "_" + std::to_string(cc);
      const std::string n = "n" + std::to_string(form) + "_" + std::to_string(cc);
      src << "  mov byte [edi], 0\n  j" << CC_NAMES[cc] << (form ? " near " : " short ") << t << "\n"
          << "  jmp short " << n << "\n" << t << ":\n  mov byte [edi], 1\n" << n << ":\n  lea edi, [edi+1]\n";
    }
  }
  src << "  lea ebx, [ebx+4]\n  loop cont\n  jmp done\ncont:\n  jmp next\ndone:\n  hlt\ntable:\n";
  for (unsigned k = 0; k < 32; ++k) src << "  dd " << combo_flags(k) << "\n";
  const auto code = test::nasm(src.str());

  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(code);
      g.run();
      REQUIRE(!g.fault);
      // LOOP counted ECX down: combination k ran as iteration k.
      for (unsigned k = 0; k < 32; ++k) {
        for (int form = 0; form < 2; ++form) {
          for (int cc = 0; cc < 16; ++cc) {
            const bool guest = g.read8(0x30000 + k * 32 + form * 16 + cc);
            INFO("flags " << combo_flags(k) << " j" << CC_NAMES[cc] << (form ? " near" : " short"));
            CHECK(guest == HOST[cc](combo_flags(k)));
          }
        }
      }
    }
  }
}

TEST_CASE("jmp through registers, memory and the stack", "[isa][flow][control]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov esp, 0x8000
        mov eax, t1
        jmp eax
        hlt
      t1:
        mov dword [0x9000], t2
        jmp [0x9000]
        hlt
      t2:
        push dword t3
        jmp [esp]
        hlt
      t3:
        jmp short t4
        hlt
      t4:
        jmp near t5
        hlt
      t5:
        mov esi, 0x55
        hlt)");
      REQUIRE(!g->fault);
      CHECK(g->reg(ESI) == 0x55);
      CHECK(g->reg(ESP) == 0x7FFC);
    }
  }
}

TEST_CASE("a 16-bit operand size truncates the branch target", "[isa][flow][control]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " o16 jmp in 32-bit code") {
      test::Guest g(e);
      g.load(test::nasm("bits 32\n mov esi, 0x77\n hlt"), 0x5000);
      g.load(test::nasm("bits 32\n mov eax, 0x12345000\n jmp ax\n hlt"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.reg(ESI) == 0x77);
    }
    DYNAMIC_SECTION(e << " IP wraps in real mode") {
      test::Guest g(e, test::Mode::Real16);
      g.cpu.load_seg_real(core::CS, 0x100);
      g.load(test::nasm("bits 16\n mov si, 0x99\n hlt"), 0x1012);
      g.load(test::nasm("bits 16\n jmp short $+0x22"), 0x10FF0);
      g.cpu.s.eip = 0xFFF0;
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(ESI) & 0xFFFF) == 0x99);
    }
  }
}

TEST_CASE("near branches beyond the CS limit fault at the branch", "[isa][flow][control][fault]") {
  struct Case {
    const char* name;
    const char* code;
    unsigned at;  // offset of the faulting branch
  };
  const Case cases[] = {
      {"jmp reg", "mov eax, 0x20000\n jmp eax", 5},
      {"jmp rel", "jmp near 0x20000", 0},
      {"jcc", "push dword 0x42\n popfd\n jz near 0x20000", 3},  // push imm8 form
      {"call", "mov eax, 0x20000\n call eax", 5},
      {"ret", "push dword 0x20000\n ret", 5},
      {"loop", "mov ecx, 2\n loop $+0x80", 5},
  };
  for (const auto& e : test::engines()) {
    for (const Case& c : cases) {
      DYNAMIC_SECTION(e << " " << c.name) {
        test::Guest g(e);
        g.cpu.s.seg[core::CS].limit = c.name == std::string("loop") ? 0x1000C : 0x1FFFF;
        g.cpu.seg_refresh(core::CS);
        g.load(test::nasm(std::string("bits 32\norg 0x10000\n mov esp, 0x8000\n ") + c.code + "\n hlt"));
        g.run();
        REQUIRE(g.fault);
        CHECK(g.fault->vector == core::VEC_GP);
        CHECK(g.fault_eip == test::Guest::CODE + 5 + c.at);
        CHECK(g.reg(ESP) == (c.name == std::string("ret") ? 0x7FFCu : 0x8000u));
        if (c.name == std::string("loop")) CHECK(g.reg(ECX) == 2);
      }
    }
    DYNAMIC_SECTION(e << " real mode o32 jmp") {
      auto g = run(e, test::Mode::Real16, "mov eax, 0x12345\n o32 jmp eax\n hlt");
      REQUIRE(g->fault);
      CHECK(g->fault->vector == core::VEC_GP);
      CHECK(g->fault_eip == REAL_CODE + 6);
    }
  }
}

TEST_CASE("loop, loope, loopne, jcxz and jecxz with CX and ECX", "[isa][flow][control][loop]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov esp, 0x8000
        mov ecx, 5
        mov eax, 0
      l1:
        lea eax, [eax+1]
        loop l1
        mov [0x9000], eax
        mov ecx, 0x10000        ; CX = 0: a 16-bit LOOP runs 0x10000 times
        mov eax, 0
      l2:
        lea eax, [eax+1]
        loop l2, cx
        mov [0x9004], eax
        mov [0x9008], ecx
        push dword 0x42         ; ZF = 1
        popfd
        mov ecx, 3
        mov eax, 0
      l3:
        lea eax, [eax+1]
        loope l3
        mov [0x900C], eax
        mov ecx, 3
        mov eax, 0
      l4:
        lea eax, [eax+1]
        loopne l4
        mov [0x9010], eax
        mov [0x9014], ecx
        push dword 0x2          ; ZF = 0
        popfd
        mov ecx, 3
        mov eax, 0
      l5:
        lea eax, [eax+1]
        loopne l5
        mov [0x9018], eax
        mov ecx, 0x10000
        jcxz j1                 ; CX = 0: taken
        mov dword [0x901C], 1
      j1:
        jecxz j2                ; ECX != 0: not taken
        mov dword [0x9020], 2
      j2:
        mov ecx, 0
        jecxz j3
        mov dword [0x9024], 3
      j3:
        hlt)");
      REQUIRE(!g->fault);
      CHECK(g->read32(0x9000) == 5);
      CHECK(g->read32(0x9004) == 0x10000);
      CHECK(g->read32(0x9008) == 0x10000);  // the upper half of ECX is untouched
      CHECK(g->read32(0x900C) == 3);
      CHECK(g->read32(0x9010) == 1);
      CHECK(g->read32(0x9014) == 2);
      CHECK(g->read32(0x9018) == 3);
      CHECK(g->read32(0x901C) == 0);
      CHECK(g->read32(0x9020) == 2);
      CHECK(g->read32(0x9024) == 0);
    }
  }
}

TEST_CASE("loop in real mode counts CX, or ECX with an address-size prefix", "[isa][flow][control][loop]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov ecx, 0x12340003
        mov ax, 0
      l1:
        lea ax, [eax+1]
        loop l1
        mov ebx, ecx
        mov ecx, 0x00010002
        mov dx, 0
      l2:
        lea dx, [edx+1]
        loop l2, ecx
        hlt)");
      REQUIRE(!g->fault);
      CHECK((g->reg(EAX) & 0xFFFF) == 3);
      CHECK(g->reg(EBX) == 0x12340000);
      CHECK(g->reg(ECX) == 0);
      CHECK((g->reg(EDX) & 0xFFFF) == 2);  // 0x10002 iterations, counted mod 64K
    }
  }
}

TEST_CASE("call and ret: relative, register, memory, [esp] and ret imm16", "[isa][flow][control][call]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Flat32, R"(
        mov esp, 0x8000
        mov dword [0x9100], r1
        mov dword [0x9104], r2
        mov dword [0x9108], r3
        mov dword [0x910C], r4
        mov dword [0x9110], f4
        call f1
      r1:
        mov eax, f2
        call eax
      r2:
        mov dword [0x9200], f3
        call [0x9200]
      r3:
        push dword f4
        call [esp]              ; the target is read before the push
      r4:
        pop ebx
        push dword 0xAAAA
        push dword 0xBBBB
        call f5
        mov [0x9018], esp
        hlt
      f1:
        mov [0x9000], esp
        mov eax, [esp]
        mov [0x9004], eax
        ret
      f2:
        mov eax, [esp]
        mov [0x9008], eax
        ret
      f3:
        mov eax, [esp]
        mov [0x900C], eax
        ret
      f4:
        mov eax, [esp]
        mov [0x9010], eax
        mov [0x9014], esp
        ret
      f5:
        ret 8)");
      REQUIRE(!g->fault);
      CHECK(g->read32(0x9000) == 0x7FFC);
      CHECK(g->read32(0x9004) == g->read32(0x9100));
      CHECK(g->read32(0x9008) == g->read32(0x9104));
      CHECK(g->read32(0x900C) == g->read32(0x9108));
      CHECK(g->read32(0x9010) == g->read32(0x910C));
      CHECK(g->read32(0x9014) == 0x7FF8);
      CHECK(g->reg(EBX) == g->read32(0x9110));
      CHECK(g->read32(0x9018) == 0x8000);
    }
  }
}

TEST_CASE("call and ret with 16-bit and 32-bit operand sizes in real mode", "[isa][flow][control][call]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      auto g = run(e, test::Mode::Real16, R"(
        mov sp, 0x8000
        mov word [0x9100], r1
        mov word [0x9102], r2
        mov word [0x9104], r3
        call f1
      r1:
        call dword f2
      r2:
        mov bx, f4
        mov [0x9200], bx
        call [0x9200]
      r3:
        push word 0x1234
        call f3
        mov [0x9010], sp
        hlt
      f1:
        mov [0x9000], sp
        mov ax, [0x7FFE]
        mov [0x9002], ax
        ret
      f2:
        mov [0x9004], sp
        mov eax, [0x7FFC]
        mov [0x9006], eax
        o32 ret
      f3:
        ret 2
      f4:
        mov ax, [0x7FFE]
        mov [0x900A], ax
        ret)");
      REQUIRE(!g->fault);
      CHECK(uint16_t(g->read32(0x9000)) == 0x7FFE);
      CHECK(uint16_t(g->read32(0x9002)) == uint16_t(g->read32(0x9100)));
      CHECK(uint16_t(g->read32(0x9004)) == 0x7FFC);
      CHECK(g->read32(0x9006) == uint16_t(g->read32(0x9102)));  // a 32-bit return address
      CHECK(uint16_t(g->read32(0x900A)) == uint16_t(g->read32(0x9104)));
      CHECK(uint16_t(g->read32(0x9010)) == 0x8000);
    }
  }
}
