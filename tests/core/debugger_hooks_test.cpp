// A debugger's code breakpoints (core/debug_hooks.hpp) under every engine:
// a breakpoint set in the middle of a hot loop, whose blocks are already
// decoded, translated and chained, stops exactly before its instruction,
// every time round, and nowhere else; removing it lets the loop finish.
#include <catch2/catch.hpp>

#include "tests/support/guest.hpp"

using namespace xlat;
using namespace xlat::core;

namespace {
constexpr uint32_t MID_SLOT = 0x70000;  // the program stores its `mid` label's address here

const char* LOOP = R"(
          mov dword [0x70000], mid
          xor ecx, ecx
          xor ebx, ebx
        again:
          inc ecx
          add ebx, ecx
        mid:
          add ebx, 3
          cmp ecx, 100000
          jne again
          hlt)";

// EBX when the loop is about to run `mid` for the k-th time.
uint32_t ebx_at(uint32_t k) { return k * (k + 1) / 2 + 3 * (k - 1); }
}  // namespace

TEST_CASE("debugger breakpoint inside a hot loop's block stops there each time round", "[debug][dbghooks]") {
  for (const bool physical : {false, true}) {
    for (const auto& e : test::engines()) {
      DYNAMIC_SECTION(e << (physical ? " physical" : " linear")) {
        test::Guest g(e);
        g.load(test::nasm(std::string("bits 32\norg 0x10000\n") + LOOP));
        g.run(20000);  // warm: the loop's blocks are cached (and chained)
        REQUIRE(g.hit_limit);
        const uint32_t mid = g.read32(MID_SLOT);
        int stops = 0;
        g.cpu.dbg.on_stop = [&](Cpu&, DebugHooks::Why why) {
          CHECK(why == DebugHooks::Why::Breakpoint);
          ++stops;
          g.m.request_stop(StopKind::Stopped, 0, "breakpoint");
        };
        g.cpu.dbg.add(mid, physical);
        g.hit_limit = false;
        g.run();
        REQUIRE(stops == 1);
        REQUIRE(!g.cpu.s.halted);
        CHECK(g.eip() == mid);
        const uint32_t k = g.reg(ECX);
        CHECK(k > 1000);
        CHECK(g.reg(EBX) == ebx_at(k));
        for (int round = 1; round <= 3; ++round) {  // resume: one loop body (5 instructions) later
          const uint64_t ic = g.cpu.icount;
          g.cpu.events.fetch_and(~ev::STOP);
          g.cpu.dbg.resume(g.cpu);
          g.run();
          REQUIRE(stops == 1 + round);
          CHECK(g.eip() == mid);
          CHECK(g.reg(ECX) == k + round);
          CHECK(g.reg(EBX) == ebx_at(k + round));
          CHECK(g.cpu.icount - ic == 5);
        }
        REQUIRE(g.cpu.dbg.remove(mid, physical));
        g.cpu.events.fetch_and(~ev::STOP);
        g.run();
        CHECK(stops == 4);
        CHECK(g.cpu.s.halted);
        CHECK(g.reg(ECX) == 100000);
        CHECK(g.reg(EBX) == uint32_t(ebx_at(100000) + 3));
      }
    }
  }
}
