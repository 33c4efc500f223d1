// The translator's execution model: chaining, indirect branches, exact
// instruction counts against the interpreter, and the code cache under
// pressure.
#include <catch2/catch.hpp>

#include <string>

#include "tests/translator/jit_support.hpp"

using namespace xlat;

TEST_CASE("jit: a counted loop runs chained, with the interpreter's result and count", "[translator]") {
  const auto code = test::nasm(R"(bits 32
    mov ecx, 100000
    xor eax, eax
  l: add eax, ecx
    dec ecx
    jnz l
    hlt)");
  test::Guest g("jit");
  translator::Jit& j = test::use_jit(g);
  g.load(code);
  g.run();
  REQUIRE(!g.fault);
  CHECK(g.reg(core::EAX) == uint32_t(100000ull * 100001 / 2));
  CHECK(g.cpu.icount == 2 + 3 * 100000 + 1);
  CHECK(j.stats().links >= 1);
  CHECK(j.stats().dispatches < 20);  // the loop never went back to the C++ loop
}

TEST_CASE("jit: calls and returns go through the indirect-branch table", "[translator]") {
  const auto code = test::nasm(R"(bits 32
    mov ecx, 1000
    xor eax, eax
  l: call f
    dec ecx
    jnz l
    hlt
  f: add eax, 3
    ret)");
  test::Guest g("jit");
  translator::JitOptions o;
  o.stats = true;  // counts the table's hits
  translator::Jit& j = test::use_jit(g, o);
  g.load(code);
  g.run();
  REQUIRE(!g.fault);
  CHECK(g.reg(core::EAX) == 3000);
  CHECK(g.reg(core::ESP) == test::Guest::STACK);
  CHECK(j.shared().n_ib_hits >= 990);
  CHECK(j.stats().dispatches < 20);
}

TEST_CASE("jit: stops at the same instruction counts and states as the interpreter", "[translator]") {
  const auto code = test::nasm(R"(bits 32
    mov esi, 0x20000
    mov ecx, 500
    xor eax, eax
    xor edx, edx
  l: mov [esi+ecx*4], ecx
    add eax, [esi+ecx*4]
    adc edx, 0
    test ecx, 3
    jz skip
    shl eax, 1
    sar eax, 1
    imul ebx, ecx, 7
    push ebx
    pop edi
    lea ebp, [edi+eax*2+5]
  skip:
    loop l
    pushfd
    pop ebx
    hlt)");
  test::Guest gi("interp"), gj("jit");
  gi.load(code);
  gj.load(code);
  for (uint64_t step : {1u, 2u, 3u, 7u, 13u, 64u, 100u, 1000u}) {
    for (int rep = 0; rep < 20 && !gi.cpu.s.halted; ++rep) {
      gi.m.engine().run(gi.cpu, gi.cpu.icount + step);
      gj.m.engine().run(gj.cpu, gj.cpu.icount + step);
      INFO("step " << step << " rep " << rep);
      REQUIRE(test::snapshot(gi.cpu) == test::snapshot(gj.cpu));
    }
  }
  gi.run();
  gj.run();
  CHECK(test::snapshot(gi.cpu) == test::snapshot(gj.cpu));
  CHECK(gi.cpu.s.halted);
}

TEST_CASE("jit: a small code cache is flushed under pressure and stays correct", "[translator]") {
  std::string src = "bits 32\n mov ecx, 3\n xor eax, eax\ntop:\n";
  for (int i = 0; i < 3000; ++i) src += " add eax, 3\n jmp $+2\n";
  src += " dec ecx\n jnz top\n hlt\n";
  test::Guest g("jit");
  translator::JitOptions o;
  o.cache_bytes = 64 * 1024;
  translator::Jit& j = test::use_jit(g, o);
  g.load(test::nasm(src));
  g.run();
  REQUIRE(!g.fault);
  CHECK(g.reg(core::EAX) == 3u * 3000 * 3);
  CHECK(j.stats().cache_flushes >= 2);
  CHECK(j.cache_used() <= o.cache_bytes);
}
