// Flags the translator computes instead of taking them from the host
// instruction: IMUL's SF/ZF/PF/AF (undefined in the SDM; P6-class hardware
// sets SF/ZF/PF from the destination-sized result and clears AF) and OF after
// a multi-bit ROL/ROR (the 1-bit formula of SDM vol. 2 ROL/ROR applied to any
// count: ROL OF = MSB(result) ^ CF, ROR OF = MSB(result) ^ next-to-MSB), with
// register and memory operands, read back by PUSHFD right after. Also the
// flags of an ALU result saved around a memory store and read after it.
// Expected values are computed here from those definitions; every engine.
#include <catch2/catch.hpp>

#include <bit>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/guest.hpp"

using namespace xlat;

namespace {
constexpr uint32_t CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
constexpr uint32_t ARITH = CF | PF | AF | ZF | SF | OF;

uint32_t szp(uint32_t r) {
  uint32_t f = 0;
  if (r == 0) f |= ZF;
  if (r & 0x80000000u) f |= SF;
  if (!(std::popcount(r & 0xFFu) & 1)) f |= PF;
  return f;
}

std::string hex(uint32_t v) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%X", v);
  return b;
}

// Runs `body` (EAX = a, EBX = b, [0x3000] = a), then PUSHFD; POP EDX.
// Returns EDX & ARITH; EAX/[0x3000] in *res.
uint32_t run_flags(const std::string& engine, const std::string& body, uint32_t a, uint32_t b, uint32_t* res,
                   bool mem_result) {
  test::Guest g(engine);
  g.write32(0x3000, a);
  g.load(test::nasm("bits 32\n mov eax, " + hex(a) + "\n mov ebx, " + hex(b) + "\n" + body +
                    "\n pushfd\n pop edx\n hlt"));
  g.run();
  REQUIRE(!g.fault);
  *res = mem_result ? g.read32(0x3000) : g.reg(core::EAX);
  return g.reg(core::EDX) & ARITH;
}
}  // namespace

TEST_CASE("IMUL r32 sets SF/ZF/PF from the result and clears AF; CF = OF = overflow", "[translator][flags]") {
  const uint32_t pairs[][2] = {{3, 5}, {0x10000, 0x10000}, {0xFFFFFFFF, 1}, {0, 0x1234}, {0x40000000, 2},
                               {0x7FFF, 0x7FFF}, {0x80000000, 0xFFFFFFFF}};
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      for (const auto& p : pairs) {
        const int64_t prod = int64_t(int32_t(p[0])) * int32_t(p[1]);
        const uint32_t r = uint32_t(prod);
        const uint32_t expect = szp(r) | (prod != int64_t(int32_t(r)) ? CF | OF : 0);
        uint32_t got;
        INFO(hex(p[0]) << " * " << hex(p[1]));
        // STC first: the flags before must not leak into the result.
        CHECK(run_flags(e, " stc\n imul eax, ebx", p[0], p[1], &got, false) == expect);
        CHECK(got == r);
        CHECK(run_flags(e, " stc\n imul eax, [0x3000], 1\n imul eax, ebx", p[0], p[1], &got, false) == expect);
        CHECK(got == r);
        CHECK(run_flags(e, " mov [0x3004], ebx\n imul eax, [0x3004]", p[0], p[1], &got, false) == expect);
        CHECK(got == r);
      }
    }
  }
}

TEST_CASE("ROL/ROR by more than one set OF by the one-bit formula", "[translator][flags]") {
  const uint32_t values[] = {0x80000001u, 0x12345678u, 0xC0000000u, 0x00000003u, 0xFFFFFFFFu};
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      for (const uint32_t v : values) {
        for (const unsigned n : {2u, 5u, 31u}) {
          INFO(hex(v) << " by " << n);
          const uint32_t rl = std::rotl(v, int(n)), rr = std::rotr(v, int(n));
          const uint32_t cf_l = rl & 1, cf_r = rr >> 31;
          const uint32_t of_l = (rl >> 31) ^ cf_l, of_r = (rr >> 31) ^ ((rr >> 30) & 1);
          // The other flags stay as the XOR before left them (CF = OF = 0, AF 0 as the interpreter defines).
          for (bool mem : {false, true}) {
            const std::string dst = mem ? "dword [0x3000]" : "eax";
            uint32_t got;
            const uint32_t base = szp(0) & ~CF;  // xor ecx, ecx: ZF PF, SF 0
            const uint32_t fl = run_flags(e, " xor ecx, ecx\n rol " + dst + ", " + std::to_string(n), v, 0, &got, mem);
            CHECK(got == rl);
            CHECK(fl == (base | (cf_l ? CF : 0) | (of_l ? OF : 0)));
            const uint32_t fr = run_flags(e, " xor ecx, ecx\n ror " + dst + ", " + std::to_string(n), v, 0, &got, mem);
            CHECK(got == rr);
            CHECK(fr == (base | (cf_r ? CF : 0) | (of_r ? OF : 0)));
          }
        }
      }
    }
  }
}

TEST_CASE("flags of an ALU result survive a memory store between it and the reader", "[translator][flags]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      uint32_t got;
      // ADD 0xFFFFFFFF + 1: CF ZF PF AF; the stores do not change them.
      CHECK(run_flags(e, " add eax, ebx\n mov [0x3000], eax\n push eax\n pop ecx", 0xFFFFFFFF, 1, &got, true) ==
            (CF | ZF | PF | AF));
      CHECK(got == 0);
      // SUB then INC through memory: INC keeps the SUB's CF.
      CHECK(run_flags(e, " sub eax, ebx\n mov [0x3004], eax\n inc dword [0x3004]", 1, 2, &got, false) ==
            (CF | ZF | PF | AF));
    }
  }
}

// Flags that leave a block lazily (CpuState::lf: the translator stores the
// operands of the block's last ADD/SUB/CMP/TEST/logic/INC/DEC/NEG instead of
// computing the flags) and flags regenerated after a memory probe (the
// producer's recipe), read every way the next instructions can: a helper
// (PUSHFD), a Jcc or ADC or SETcc at the start of a chained block (which
// materializes them), a partial writer (INC keeps CF), a slow-path memory
// access (first touch of a page). Each snippet runs three times: its blocks
// are chained from the third run on, which swaps the operands (its flags are
// not the ones left in eflags). The interpreter is the reference.
TEST_CASE("flags across block boundaries and memory probes match the interpreter", "[translator][flags]") {
  const char* producers[] = {
      "add eax, ebx", "add eax, 1",  "sub eax, ebx", "sub eax, 1",    "sub eax, eax", "cmp eax, ebx", "cmp eax, -1",
      "test eax, ebx", "test eax, 0x80", "and eax, ebx", "or eax, ebx", "xor eax, ebx", "xor eax, eax", "inc eax",
      "dec eax",      "neg eax",     "stc\n inc eax", "clc\n dec eax", "add ax, bx",  "sub ax, 1",    "cmp ax, bx",
      "inc ax",       "neg ax",      "add al, bl",  "cmp al, 0x7f",  "dec al",       "sub al, bl",   "test al, bl"};
  const char* readers[] = {
      "",
      "jmp short $+2",
      "jmp short $+2\n jc .c@\n or ecx, 2\n.c@:",
      "jmp short $+2\n adc ecx, 0",
      "jmp short $+2\n inc ecx",
      "mov esi, [edi + 0x100000]",  // a page not touched before: the slow path
      "jmp short $+2\n setc cl\n seto bl\n setp dl\n jmp short $+2",
      "jmp short $+2\n mov esi, [edi + 0x180000]",
  };
  const uint32_t values[][2] = {{0x7FFFFFFF, 1}, {0xFFFFFFFF, 1}, {0x80000000, 0x80000000}, {5, 5},
                                {0x0F, 0x01},     {0, 1},          {0x80, 0x7F},            {0x8000, 0xFFFF}};
  for (const char* r : readers) {
    std::string src = "bits 32\n mov edi, 0x200000\n";
    unsigned n = 0;
    for (const char* p : producers)
      for (const auto& v : values) {
        std::string reader = r;
        for (size_t at; (at = reader.find('@')) != std::string::npos;) reader.replace(at, 1, std::to_string(n));
        src += " mov ebp, 3\n.l" + std::to_string(n) + ":\n mov eax, " + hex(v[0]) + "\n mov ebx, " + hex(v[1]) +
               "\n mov ecx, ebx\n cmp ebp, 1\n cmove ebx, eax\n cmove eax, ecx\n xor ecx, ecx\n " + p + "\n " +
               reader +
               "\n pushfd\n pop edx\n mov [edi], edx\n mov [edi+4], eax\n mov [edi+8], ecx\n add edi, 4096\n"
               " dec ebp\n jnz .l" + std::to_string(n) + "\n";
        ++n;
      }
    src += " hlt\n";
    const auto code = test::nasm(src);
    test::Guest gi("interp"), gj("jit");
    gi.load(code);
    gj.load(code);
    gi.run();
    gj.run();
    INFO("reader: " << r);
    REQUIRE(!gi.fault);
    REQUIRE(!gj.fault);
    REQUIRE(gi.cpu.s.halted);
    CHECK(gi.eflags() == gj.eflags());
    for (unsigned k = 0; k < 3 * n; ++k) {
      INFO("snippet " << k / 3 << " (" << producers[k / 3 / std::size(values)] << "), run " << k % 3);
      for (uint32_t off : {0u, 4u, 8u}) {
        const uint32_t a = 0x200000 + k * 4096 + off;
        REQUIRE(gi.read32(a) == gj.read32(a));
      }
    }
  }
}

// A block that branches back to its own start runs a second copy of its body
// with the flags of the back-edge still in host registers or regenerable
// (emitter.hpp, Self-loops). Each loop here ends on the flags of its producer
// (a shift's CF comes back from JitShared::recipe_cf), reads CF at the top
// (ADC), and loads from a new page every iteration (the slow path merges the
// regenerated flags). Runs are also cut after N instructions, which leaves
// the copy through its deadline exit: the state there must equal the
// interpreter's at the same block boundary.
TEST_CASE("self-loops carry flags into the loop copy and out of its exits", "[translator][flags]") {
  struct Loop {
    const char* producer;
    uint32_t eax, ebx;
  };
  const Loop loops[] = {
      {"shr eax, 2", 0xB7E15163, 0},  {"shl eax, 3", 0x9E3779B9, 0}, {"sar eax, 3", 0x6A09E667, 0},
      {"shr ax, 2", 0x0000BB67, 0},   {"shl al, 3", 0x000000AE, 0},  {"sar eax, 1", 0x3C6EF372, 0},
      {"add eax, ebx", 0xFFFFFFD3, 1}, {"sub eax, ebx", 45, 1},      {"inc eax", 0xFFFFFFE3, 0},
      {"dec eax", 29, 0},              {"and eax, ebx", 0xF0, 0x0F},  {"sub eax, 5", 40, 0},
  };
  std::vector<std::pair<std::string, std::string>> programs;
  for (const Loop& l : loops)
    programs.push_back({l.producer, std::string("bits 32\n mov edi, 0x200000\n xor ecx, ecx\n mov eax, ") +
                                        hex(l.eax) + "\n mov ebx, " + hex(l.ebx) +
                                        "\n stc\n jmp .l\n align 16\n.l:\n mov esi, [edi]\n" +
                                        " lea edi, [edi + 4096]\n adc ecx, 0\n " + l.producer + "\n jnz .l\n" +
                                        " pushfd\n pop edx\n hlt\n"});
  // INC/DEC between a CMP whose flags a probe lost and a reader of CF
  // (FlagState::cf_base), and a load into one of the CMP's registers.
  for (const char* incdec : {"inc edx", "dec edx", "inc dx", "dec dl"})
    programs.push_back({std::string("cmp, ") + incdec,
                        std::string("bits 32\n mov eax, 40\n mov ebp, 17\n mov edi, 0x200000\n xor ecx, ecx\n"
                                    " mov edx, 0x7FFFFFFE\n clc\n jmp .l\n align 16\n.l:\n mov esi, [edi]\n ") +
                            incdec + "\n mov esi, [edi + 2048]\n adc ecx, 0\n " + incdec +
                            "\n mov esi, [edi + 1024]\n lea edi, [edi + 4096]\n lea eax, [eax - 1]\n"
                            " cmp ebp, eax\n jne .l\n mov ebp, [edi]\n lea ebx, [ebx + 1]\n sub ebx, 1\n"
                            " pushfd\n pop ebx\n hlt\n"});
  for (const auto& [name, src] : programs) {
    const auto code = test::nasm(src);
    for (const uint64_t limit : {uint64_t(50'000'000), uint64_t(9), uint64_t(23), uint64_t(57)}) {
      test::Guest gi("interp"), gj("jit");
      gi.load(code);
      gj.load(code);
      gi.run(limit);
      gj.run(limit);
      INFO(name << ", at most " << limit << " instructions");
      REQUIRE(!gi.fault);
      REQUIRE(!gj.fault);
      CHECK(gi.hit_limit == gj.hit_limit);
      CHECK(gi.eip() == gj.eip());
      CHECK(gi.cpu.icount == gj.cpu.icount);
      CHECK((gi.eflags() & ARITH) == (gj.eflags() & ARITH));
      for (unsigned r : {core::EAX, core::ECX, core::EDX, core::EBX, core::EDI})
        CHECK(gi.reg(r) == gj.reg(r));
      if (limit > 1000) CHECK(gi.cpu.s.halted);
    }
  }
}
