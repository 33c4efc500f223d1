// Bounded block length: a block holds at most MAX_BLOCK_INSNS guest
// instructions and at most MAX_BLOCK_CODE bytes of host code, and the code
// cache always has room for the largest block, so no guest code, however
// pathological, can overflow it. The blocks here are the heaviest the emitter
// produces (memory operands with segment checks, saved flags, slow paths).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "tests/translator/jit_support.hpp"
#include "translator/block_decoder.hpp"

using namespace xlat;

namespace {
// Largest host code of the translated blocks.
uint32_t max_host_bytes(const translator::Jit& j) {
  std::vector<core::BlockInfo> v;
  j.list_blocks(v);
  uint32_t m = 0;
  for (const auto& b : v) m = std::max(m, b.host_bytes);
  return m;
}
}  // namespace

TEST_CASE("jit: the heaviest 32-bit blocks stay under the host-code cap", "[translator]") {
  // 3 x 200 read-modify-write instructions on memory with flags live across
  // them (ADC reads CF): every one probes, saves flags and has a slow path.
  std::string src = "bits 32\n mov ebx, 0x20000\n xor esi, esi\n clc\n";
  for (int k = 0; k < 200; ++k) {
    src += " adc dword [ebx+esi*4+0x100], 0x12345678\n";
    src += " sbb word [ebx+esi*2+0x202], 0x1234\n";
    src += " rol dword [ebx+0x300], 3\n";
  }
  src += " hlt\n";
  const auto code = test::nasm(src);
  test::Guest gi("interp");
  gi.load(code);
  gi.run();
  INFO("interp fault " << (gi.fault ? int(gi.fault->vector) : -1) << " at " << gi.fault_eip);
  REQUIRE(!gi.fault);
  test::Guest g("jit");
  translator::JitOptions o;
  o.cache_bytes = 1;  // raised to the minimum that holds the runtime and the largest block
  translator::Jit& j = test::use_jit(g, o);
  g.load(code);
  g.run();
  INFO("fault " << (g.fault ? int(g.fault->vector) : -1) << " at " << g.fault_eip);
  REQUIRE(!g.fault);
  CHECK(test::snapshot(g.cpu) == test::snapshot(gi.cpu));
  for (uint32_t a : {0x20100u, 0x20200u, 0x20300u}) CHECK(g.read32(a) == gi.read32(a));
  const uint32_t m = max_host_bytes(j);
  INFO("largest block: " << m << " host bytes");
  CHECK(m > 0);
  CHECK(m <= translator::MAX_BLOCK_CODE);
  CHECK(j.stats().cache_flushes >= 1);
  CHECK(j.cache_used() <= translator::MIN_CODE_CACHE);
}

TEST_CASE("jit: the heaviest 16-bit blocks (segmented memory) stay under the host-code cap", "[translator]") {
  // Real mode (code at 0:2000): no segment is flat, every access checks base and limit.
  std::string src = "bits 16\n mov ax, 0x2000\n mov ds, ax\n mov es, ax\n xor bx, bx\n xor si, si\n stc\n";
  for (int k = 0; k < 200; ++k) {
    src += " adc dword [es:bx+si+0x100], 0x12345678\n";
    src += " sbb word [bx+si+0x202], 0x1234\n";
    src += " xor byte [es:bx+0x300], cl\n";
  }
  src += " hlt\n";
  const auto code = test::nasm(src);
  test::Guest gi("interp", test::Mode::Real16);
  gi.load(code, 0x2000);
  gi.run();
  INFO("interp fault " << (gi.fault ? int(gi.fault->vector) : -1) << " at " << gi.fault_eip);
  REQUIRE(!gi.fault);
  test::Guest g("jit", test::Mode::Real16);
  translator::JitOptions o;
  o.cache_bytes = 1;
  translator::Jit& j = test::use_jit(g, o);
  g.load(code, 0x2000);
  g.run();
  INFO("fault " << (g.fault ? int(g.fault->vector) : -1) << " at " << g.fault_eip);
  REQUIRE(!g.fault);
  CHECK(test::snapshot(g.cpu) == test::snapshot(gi.cpu));
  for (uint32_t a : {0x20100u, 0x20200u, 0x20300u}) CHECK(g.read32(a) == gi.read32(a));
  const uint32_t m = max_host_bytes(j);
  INFO("largest block: " << m << " host bytes");
  CHECK(m > 0);
  CHECK(m <= translator::MAX_BLOCK_CODE);
}

TEST_CASE("jit: the heaviest self-loop keeps under the host-code cap (its second copy is dropped)", "[translator]") {
  // One 64-instruction 16-bit block (segmented memory: the heaviest code)
  // that branches back to its start: a second copy of its body (emitter.hpp,
  // Self-loops) would take about twice the heaviest block's code, over
  // MAX_BLOCK_CODE; it is translated as a plain block.
  std::string src = "bits 16\n mov ax, 0x2000\n mov ds, ax\n mov es, ax\n xor bx, bx\n xor si, si\n mov bp, 3\n"
                    " stc\n jmp .l\n.l:\n";
  for (int k = 0; k < 62; ++k) {
    if (k % 3 == 0) src += " adc dword [es:bx+si+0x100], 0x12345678\n";
    else if (k % 3 == 1) src += " sbb word [bx+si+0x202], 0x1234\n";
    else src += " xor byte [es:bx+0x300], cl\n";
  }
  src += " dec bp\n jnz .l\n hlt\n";
  const auto code = test::nasm(src);
  test::Guest gi("interp", test::Mode::Real16);
  gi.load(code, 0x2000);
  gi.run();
  REQUIRE(!gi.fault);
  test::Guest g("jit", test::Mode::Real16);
  translator::Jit& j = test::use_jit(g, translator::JitOptions{});
  g.load(code, 0x2000);
  g.run();
  REQUIRE(!g.fault);
  CHECK(test::snapshot(g.cpu) == test::snapshot(gi.cpu));
  for (uint32_t a : {0x20100u, 0x20200u, 0x20300u}) CHECK(g.read32(a) == gi.read32(a));
  const uint32_t m = max_host_bytes(j);
  INFO("largest block: " << m << " host bytes");
  CHECK(m > translator::MAX_BLOCK_CODE / 2);
  CHECK(m <= translator::MAX_BLOCK_CODE);
}
