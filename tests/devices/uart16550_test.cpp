// 16550A UART through its ports at 0x3F8: divisor latch, FIFO trigger levels,
// every interrupt source with its IIR code and clearing rule, OUT2 gating,
// loopback, transmit pacing and host input flow.
#include "devices/uart16550/uart16550.hpp"

#include <catch2/catch.hpp>
#include <deque>
#include <utility>
#include <vector>

#include "core/bus.hpp"
#include "core/scheduler.hpp"

using namespace xlat;
using Uart = dev::Uart16550;

namespace {

enum : uint16_t {
  RBR = 0x3F8,
  THR = 0x3F8,
  IER = 0x3F9,
  IIR = 0x3FA,
  FCR = 0x3FA,
  LCR = 0x3FB,
  MCR = 0x3FC,
  LSR = 0x3FD,
  MSR = 0x3FE,
  SCR = 0x3FF
};

struct UartRig {
  core::Scheduler sched;
  core::Bus bus{1 << 20};
  Uart uart;
  std::vector<std::pair<uint64_t, uint8_t>> sent;  // (time, byte)
  explicit UartRig(Uart::TxPacing pacing = Uart::TxPacing::Immediate) : uart(sched, "com1", pacing) {
    bus.map_io(0x3F8, 8, &uart);
    uart.tx_sink = [this](uint8_t b) { sent.emplace_back(sched.now(), b); };
  }
  void out(uint16_t p, uint8_t v) { bus.io_write(p, v, 1); }
  uint8_t in(uint16_t p) { return uint8_t(bus.io_read(p, 1)); }
  void set_divisor(uint16_t d) {
    const uint8_t lcr = in(LCR);
    out(LCR, lcr | 0x80);
    out(0x3F8, uint8_t(d)), out(0x3F9, uint8_t(d >> 8));
    out(LCR, lcr);
  }
  void after(uint64_t ns) { sched.advance_to(sched.now() + ns); }
};

}  // namespace

TEST_CASE("UART: power-on register values", "[uart16550]") {
  UartRig r;
  CHECK(r.in(IER) == 0x00);
  CHECK(r.in(IIR) == 0x01);
  CHECK(r.in(LCR) == 0x00);
  CHECK(r.in(MCR) == 0x00);
  CHECK(r.in(LSR) == 0x60);
  CHECK(r.in(MSR) == 0xB0);  // host side: CTS, DSR, DCD
  CHECK(!r.uart.irq.level());
}

TEST_CASE("UART: DLAB switches offsets 0/1 to the divisor latch", "[uart16550]") {
  UartRig r;
  r.out(LCR, 0x83);
  r.out(0x3F8, 0x01), r.out(0x3F9, 0x00);
  CHECK(r.in(0x3F8) == 0x01);
  CHECK(r.in(0x3F9) == 0x00);
  r.out(LCR, 0x03);  // 8N1, DLAB off
  r.out(IER, 0x05);
  CHECK(r.in(IER) == 0x05);
  r.out(LCR, 0x83);
  CHECK(r.in(0x3F9) == 0x00);  // the latch, not IER
  r.out(LCR, 0x03);
  CHECK(r.uart.char_time_ns() == 86805);  // 10 bits at 115200 baud
  r.set_divisor(12);
  CHECK(r.uart.char_time_ns() == 1041666);  // 9600 baud
  r.out(LCR, 0x0F);                         // 8 data, parity, 2 stop: 12 bits
  CHECK(r.uart.char_time_ns() == 1250000);
  CHECK(r.sent.empty());  // divisor writes never transmit
}

TEST_CASE("UART: IER keeps only its four bits; FIFO mode shows in IIR bits 7-6", "[uart16550]") {
  UartRig r;
  r.out(IER, 0xFF);
  CHECK(r.in(IER) == 0x0F);
  r.out(IER, 0x00);
  r.out(FCR, 0xE7);
  CHECK((r.in(IIR)&0xF0) == 0xC0);  // 16550A: FIFOs enabled, no 64-byte bit
  r.out(FCR, 0x00);
  CHECK((r.in(IIR)&0xC0) == 0x00);
}

TEST_CASE("UART: scratch register holds a byte", "[uart16550]") {
  UartRig r;
  r.out(SCR, 0xA5);
  CHECK(r.in(SCR) == 0xA5);
}

TEST_CASE("UART: received data interrupt at each FIFO trigger level", "[uart16550]") {
  const std::pair<uint8_t, unsigned> levels[] = {{0x01, 1}, {0x41, 4}, {0x81, 8}, {0xC1, 14}};
  for (auto [fcr, level] : levels) {
    UartRig r;
    r.out(FCR, fcr);
    r.out(IER, 0x01);
    r.out(MCR, 0x08);
    for (unsigned i = 0; i + 1 < level; ++i) REQUIRE(r.uart.receive(uint8_t(i)));
    CHECK(r.in(IIR) == 0xC1);
    CHECK(!r.uart.irq.level());
    REQUIRE(r.uart.receive(0x55));
    CHECK(r.in(IIR) == 0xC4);
    CHECK(r.uart.irq.level());
    r.in(RBR);  // below the trigger again
    CHECK(r.in(IIR) == 0xC1);
    CHECK(!r.uart.irq.level());
  }
}

TEST_CASE("UART: the FIFO holds 16 bytes in order; without FIFOs one byte", "[uart16550]") {
  UartRig r;
  r.out(FCR, 0x01);
  for (unsigned i = 0; i < 16; ++i) CHECK(r.uart.receive(uint8_t(0x30 + i)));
  CHECK(!r.uart.receive(0x99));  // no room: the host keeps it
  for (unsigned i = 0; i < 16; ++i) {
    CHECK((r.in(LSR)&0x01) == 0x01);
    CHECK(r.in(RBR) == 0x30 + i);
  }
  CHECK((r.in(LSR)&0x01) == 0x00);
  r.out(FCR, 0x00);
  CHECK(r.uart.receive(0x41));
  CHECK(!r.uart.receive(0x42));
  CHECK(r.in(RBR) == 0x41);
}

TEST_CASE("UART: received data interrupt without FIFOs, cleared by reading RBR", "[uart16550]") {
  UartRig r;
  r.out(IER, 0x01);
  r.out(MCR, 0x08);
  r.uart.receive('x');
  CHECK(r.in(IIR) == 0x04);
  CHECK(r.uart.irq.level());
  CHECK(r.in(RBR) == 'x');
  CHECK(r.in(IIR) == 0x01);
  CHECK(!r.uart.irq.level());
}

TEST_CASE("UART: character timeout after four character times below the trigger", "[uart16550]") {
  UartRig r;
  r.set_divisor(1);
  r.out(LCR, 0x03);
  r.out(FCR, 0x81);  // trigger 8
  r.out(IER, 0x01);
  r.out(MCR, 0x08);
  r.uart.receive('a'), r.uart.receive('b'), r.uart.receive('c');
  const uint64_t ct = r.uart.char_time_ns();
  r.after(4 * ct - 1);
  CHECK(r.in(IIR) == 0xC1);
  r.after(1);
  CHECK(r.in(IIR) == 0xCC);
  CHECK(r.uart.irq.level());
  CHECK(r.in(RBR) == 'a');  // reading clears it and restarts the timer
  CHECK(r.in(IIR) == 0xC1);
  CHECK(!r.uart.irq.level());
  r.after(4 * ct);
  CHECK(r.in(IIR) == 0xCC);
  // A new character resets the timer but does not clear a pending timeout.
  r.uart.receive('d');
  CHECK(r.in(IIR) == 0xCC);
  r.in(RBR), r.in(RBR), r.in(RBR);
  r.after(10 * ct);
  CHECK(r.in(IIR) == 0xC1);  // empty FIFO: no timeout
}

TEST_CASE("UART: THRE interrupt on enabling with THR empty, cleared by reading IIR or writing THR",
          "[uart16550]") {
  UartRig r;
  r.out(MCR, 0x08);
  r.out(IER, 0x02);
  CHECK(r.uart.irq.level());
  CHECK(r.in(IIR) == 0x02);
  CHECK(r.in(IIR) == 0x01);  // the read cleared it
  CHECK(!r.uart.irq.level());
  r.out(IER, 0x00);
  r.out(IER, 0x02);  // re-enabling re-asserts it (Linux's THRE test)
  CHECK(r.in(IIR) == 0x02);
  r.out(THR, 'A');  // immediate transmit: THR empty again, THRE again
  CHECK(r.in(IIR) == 0x02);
  CHECK(r.sent.size() == 1);
  CHECK(r.sent[0].second == 'A');
  CHECK((r.in(LSR)&0x60) == 0x60);
}

TEST_CASE("UART: loopback echoes TX into RX and maps MCR to MSR", "[uart16550]") {
  UartRig r;
  r.out(FCR, 0x07);
  r.out(MCR, 0x1A);  // LOOP | OUT2 | RTS: Linux expects MSR & 0xF0 == 0x90
  CHECK((r.in(MSR)&0xF0) == 0x90);
  r.out(MCR, 0x1F);
  CHECK((r.in(MSR)&0xF0) == 0xF0);
  r.out(THR, 'h'), r.out(THR, 'i');
  CHECK(r.sent.empty());  // nothing reaches the host
  CHECK((r.in(LSR)&0x01) == 0x01);
  CHECK(r.in(RBR) == 'h');
  CHECK(r.in(RBR) == 'i');
  CHECK(!r.uart.receive('z'));  // host input is disconnected in loopback
  r.out(MCR, 0x00);
  CHECK((r.in(MSR)&0xF0) == 0xB0);  // back to the host lines
}

TEST_CASE("UART: loopback overrun sets OE and the line status interrupt outranks the others", "[uart16550]") {
  UartRig r;
  r.out(FCR, 0x01);
  r.out(IER, 0x07);
  r.out(MCR, 0x18);
  for (unsigned i = 0; i < 17; ++i) r.out(THR, uint8_t(i));
  CHECK(r.in(IIR) == 0xC6);         // RLS before RDA (FIFO at trigger 1) and THRE
  CHECK((r.in(LSR)&0x02) == 0x02);  // OE, cleared by this read
  CHECK((r.in(LSR)&0x02) == 0x00);
  CHECK(r.in(IIR) == 0xC4);                                 // then received data
  for (unsigned i = 0; i < 16; ++i) CHECK(r.in(RBR) == i);  // the 17th byte was lost
  CHECK(r.in(IIR) == 0xC2);                                 // then THRE
  CHECK(r.in(IIR) == 0xC1);
}

TEST_CASE("UART: 16450-mode overrun overwrites the holding register", "[uart16550]") {
  UartRig r;
  r.out(MCR, 0x10);
  r.out(THR, 1), r.out(THR, 2);
  CHECK((r.in(LSR)&0x03) == 0x03);
  CHECK(r.in(RBR) == 2);
}

TEST_CASE("UART: modem status interrupt from a changed input, cleared by reading MSR", "[uart16550]") {
  UartRig r;
  r.out(IER, 0x08);
  r.out(MCR, 0x10);  // loopback: inputs follow MCR
  r.in(MSR);
  r.out(MCR, 0x12);  // RTS -> CTS
  CHECK(r.in(IIR) == 0x00);
  CHECK(r.in(MSR) == 0x11);  // CTS with its delta
  CHECK(r.in(IIR) == 0x01);
  r.out(MCR, 0x14);  // OUT1 -> RI rises (no TERI yet), CTS drops (DCTS)
  CHECK(r.in(MSR) == 0x41);
  r.out(MCR, 0x10);  // RI falls: trailing edge
  CHECK(r.in(MSR) == 0x04);
  r.out(MCR, 0x18);  // OUT2 -> DCD
  CHECK(r.in(MSR) == 0x88);
  r.out(MCR, 0x00);  // host side: DCD, DSR, CTS
  r.uart.set_modem_inputs(true, true, false, false);
  CHECK(r.in(MSR) == 0x3B);
}

TEST_CASE("UART: OUT2 gates the IRQ pin as on the PC", "[uart16550]") {
  UartRig r;
  r.out(IER, 0x01);
  r.uart.receive('q');
  CHECK(r.in(IIR) == 0x04);
  CHECK(!r.uart.irq.level());
  r.out(MCR, 0x08);
  CHECK(r.uart.irq.level());
  r.out(MCR, 0x00);
  CHECK(!r.uart.irq.level());
}

TEST_CASE("UART: FCR clears the FIFOs", "[uart16550]") {
  UartRig r;
  r.out(FCR, 0x01);
  r.uart.receive(1), r.uart.receive(2);
  r.out(FCR, 0x03);
  CHECK((r.in(LSR)&0x01) == 0);
  r.uart.receive(3);
  CHECK(r.in(RBR) == 3);
}

TEST_CASE("UART: baud pacing sends one byte per character time", "[uart16550]") {
  UartRig r(Uart::TxPacing::Baud);
  r.set_divisor(1);
  r.out(LCR, 0x03);
  r.out(FCR, 0x01);
  r.out(MCR, 0x08);
  r.out(IER, 0x02);
  r.in(IIR);  // clear the THRE from enabling
  const uint64_t ct = r.uart.char_time_ns();
  r.out(THR, 'a'), r.out(THR, 'b'), r.out(THR, 'c');
  CHECK((r.in(LSR)&0x60) == 0x00);  // 'a' shifting, 'b' 'c' queued
  CHECK(!r.uart.irq.level());
  r.after(ct);
  CHECK(r.sent.size() == 1);
  r.after(ct);
  CHECK((r.in(LSR)&0x60) == 0x20);  // 'c' in the shift register, FIFO empty
  CHECK(r.in(IIR) == 0xC2);
  r.after(ct);
  CHECK((r.in(LSR)&0x60) == 0x60);
  REQUIRE(r.sent.size() == 3);
  CHECK(r.sent[0] == std::make_pair(ct, uint8_t('a')));
  CHECK(r.sent[1] == std::make_pair(2 * ct, uint8_t('b')));
  CHECK(r.sent[2] == std::make_pair(3 * ct, uint8_t('c')));
}

TEST_CASE("UART: host input arrives at the line rate and is held back, not overrun", "[uart16550]") {
  UartRig r;
  r.set_divisor(1);
  r.out(LCR, 0x03);
  r.out(FCR, 0x01);
  std::deque<uint8_t> host;
  for (unsigned i = 0; i < 40; ++i) host.push_back(uint8_t(i));
  r.uart.set_rx_source([&](uint8_t& b) {
    if (host.empty()) return false;
    b = host.front();
    host.pop_front();
    return true;
  });
  const uint64_t ct = r.uart.char_time_ns();
  r.after(ct * 5 + ct / 2);
  CHECK(host.size() == 40 - 6);  // one byte per character time (the first at once)
  r.after(ct * 100);
  CHECK(host.size() == 40 - 16);  // FIFO full: the rest waits
  CHECK((r.in(LSR)&0x02) == 0);
  std::vector<uint8_t> got;
  while (got.size() < 40) {
    while (r.in(LSR)&0x01) got.push_back(r.in(RBR));
    r.after(ct);
  }
  for (unsigned i = 0; i < 40; ++i) CHECK(got[i] == i);
}
