// The machine's time base as the CPU sees it: an event a device schedules
// during an instruction stops the running slice at its deadline (not at the
// next slice boundary), and RDTSC counts the machine's virtual time,
// including time skipped while the CPU was halted; a port access takes
// Machine::IO_NS of it, and one that reaches a deadline ends the slice.
#include <catch2/catch.hpp>

#include "core/machine.hpp"
#include "tests/support/guest.hpp"

using namespace xlat;

namespace {
// Port 0x100: a write schedules `event` `delay` ns later. Port 0x104: a
// write stops the run.
struct TimerPort : core::IoHandler {
  core::Machine& m;
  core::EventId event;
  uint64_t delay = 0;
  uint64_t written_at = 0;  // icount at the OUT
  explicit TimerPort(core::Machine& mm, std::function<void()> cb) : m(mm) {
    event = m.sched.add("test.timer", std::move(cb));
  }
  uint32_t io_read(uint16_t, unsigned) override { return 0; }
  void io_write(uint16_t port, uint32_t, unsigned) override {
    if (port == 0x104) {
      m.request_stop(core::StopKind::DebugExit, 0, "test done");
      return;
    }
    written_at = m.cpu.icount;
    m.sched.schedule_in(event, delay);
  }
};
}  // namespace

TEST_CASE("an event scheduled during an instruction fires at its deadline, not at the slice end",
          "[core][machine][time]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      uint64_t fired_at = 0;
      TimerPort port(g.m, [&] { fired_at = g.cpu.icount; });
      port.delay = 100 * core::Machine::NS_PER_INSN;  // 100 instructions
      g.m.bus.map_io(0x100, 8, &port);
      // 300,000 loop instructions: longer than a slice (Machine::SLICE).
      g.load(test::nasm(R"(bits 32
        mov dx, 0x100
        out dx, al
        mov ecx, 150000
      spin:
        dec ecx
        jnz spin
        mov dx, 0x104
        out dx, al
        hlt)"));
      const core::RunResult r = g.m.run();
      CHECK(r.kind == core::StopKind::DebugExit);
      REQUIRE(port.written_at > 0);
      REQUIRE(fired_at > 0);
      CHECK(fired_at >= port.written_at + 100);
      CHECK(fired_at <= port.written_at + 100 + 64);  // within one decoded block
    }
  }
}

TEST_CASE("rdtsc counts the machine's virtual time, including halted time", "[core][machine][time][tsc]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      // The RTC-like device: 1 ms after the OUT it raises an interrupt
      // request through a one-vector controller.
      struct OneIrq : core::InterruptController {
        uint8_t acknowledge() override { return 0x20; }
      } intc;
      g.cpu.intc = &intc;
      TimerPort port(g.m, [&] { g.cpu.events.fetch_or(core::ev::IRQ); });
      port.delay = 1'000'000;
      g.m.bus.map_io(0x100, 8, &port);
      // IDT at 0x3000 with vector 0x20 -> handler (flat code selector 0x10,
      // the one the test guest's CS already holds).
      g.load(test::nasm(R"(bits 32
        org 0x10000
        mov edi, 0x3000 + 0x20 * 8
        mov eax, handler
        mov [edi], ax
        mov word [edi + 2], 0x10
        mov word [edi + 4], 0x8E00
        shr eax, 16
        mov [edi + 6], ax
        lgdt [gdtr]
        lidt [idtr]
        rdtsc
        mov esi, eax
        mov edi, edx
        mov dx, 0x100
        out dx, al
        sti
        hlt                 ; wakes 1 ms later
        rdtsc
        sub eax, esi
        sbb edx, edi
        mov ebx, eax        ; elapsed TSC ticks
        mov ebp, edx
        mov dx, 0x104
        out dx, al
        hlt
      handler:
        mov ecx, 1
        and dword [esp + 8], ~0x200   ; return with IF clear
        iretd
      idtr:
        dw 0x100 * 8 - 1
        dd 0x3000
      gdtr:
        dw 4 * 8 - 1
        dd gdt
        align 8
      gdt:
        dq 0, 0, 0x00CF9B000000FFFF, 0x00CF93000000FFFF)"));
      const uint64_t t0 = g.m.now_ns();
      const core::RunResult r = g.m.run();
      CHECK(r.kind == core::StopKind::DebugExit);
      REQUIRE(!g.fault);
      CHECK(g.reg(core::ECX) == 1);
      // 1 ms of virtual time is 1,000,000 ticks at 1 GHz, plus the OUT
      // (Machine::IO_NS) and the few instructions around the HLT.
      CHECK(g.reg(core::EBP) == 0);
      CHECK(g.reg(core::EBX) >= 1'000'000u + core::Machine::IO_NS);
      CHECK(g.reg(core::EBX) < 1'000'100u + core::Machine::IO_NS);
      CHECK(g.m.now_ns() - t0 >= 1'000'000u);
    }
  }
}

TEST_CASE("each port access takes IO_NS of virtual time and can reach a deadline", "[core][machine][time]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      uint64_t fired_at = 0, fired_io = 0;
      TimerPort port(g.m, [&] {
        fired_at = g.cpu.icount;
        fired_io = g.m.bus.io_accesses();
      });
      port.delay = 50 * core::Machine::IO_NS;  // 50 port accesses from the OUT
      g.m.bus.map_io(0x100, 8, &port);
      // A polling loop: one IN from port 0x80 (no device) per 3 instructions.
      g.load(test::nasm(R"(bits 32
        mov dx, 0x100
        out dx, al
        mov ecx, 100000
      poll:
        in al, 0x80
        dec ecx
        jnz poll
        mov dx, 0x104
        out dx, al
        hlt)"));
      const uint64_t io0 = g.m.bus.io_accesses(), t0 = g.m.now_ns();
      const core::RunResult r = g.m.run();
      CHECK(r.kind == core::StopKind::DebugExit);
      // The loop's 100,000 INs took 100 ms of virtual time.
      CHECK(g.m.bus.io_accesses() - io0 == 100'002u);
      CHECK(g.m.now_ns() - t0 >= 100'002u * core::Machine::IO_NS);
      // The event fired after the 50th IN (the first that reached it), not
      // at the end of a 200,000-instruction slice.
      REQUIRE(fired_at > 0);
      CHECK(fired_io - io0 >= 50u);
      CHECK(fired_io - io0 <= 51u);
      CHECK(fired_at - port.written_at <= 3 * 51u + 3);
    }
  }
}
