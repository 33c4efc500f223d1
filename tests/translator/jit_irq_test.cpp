// Interrupts reach a guest spinning in a tight translated loop within a
// bounded number of instructions (the translator checks at every block
// entry, as the interpreter does between blocks).
#include <catch2/catch.hpp>

#include "tests/translator/jit_support.hpp"

using namespace xlat;

namespace {
struct StubPic : core::InterruptController {
  core::Cpu* cpu = nullptr;
  uint64_t ack_icount = 0;
  uint8_t acknowledge() override {
    ack_icount = cpu->icount;
    cpu->events.fetch_and(~core::ev::IRQ);
    return 0x20;
  }
};
}  // namespace

TEST_CASE("irq: an interrupt is taken within one block of a tight loop", "[translator][irq]") {
  auto engines = test::engines();
  bool jit = false;
  for (auto& e : engines) jit |= e == "jit";
  if (!jit) engines.push_back("jit");
  for (const auto& e : engines) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      g.load(test::nasm(R"(bits 16
        org 0x1000
        mov word [0x20*4], handler
        mov word [0x20*4+2], 0
        xor ax, ax
        sti
      spin:
        inc ax
        jmp spin
      handler:
        mov bx, 0x1234
        hlt)"),
             0x1000);
      StubPic pic;
      pic.cpu = &g.cpu;
      g.cpu.intc = &pic;
      g.run(100000);
      REQUIRE(g.hit_limit);
      const uint64_t raised = g.cpu.icount;
      g.cpu.events.fetch_or(core::ev::IRQ);
      g.hit_limit = false;
      g.run(100000);
      REQUIRE(!g.fault);
      CHECK((g.reg(core::EBX) & 0xFFFF) == 0x1234);
      CHECK(pic.ack_icount >= raised);
      CHECK(pic.ack_icount - raised <= 2);
    }
  }
}
