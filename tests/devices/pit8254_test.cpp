// 8254 PIT driven through ports 0x40-0x43 at chosen virtual times: each
// mode's OUT waveform and counts (datasheet: a count is loaded on the CLK
// after it is written, then decremented once per CLK), gates, latch and
// read-back, BCD, access modes, and the IRQ0 edges the scheduler produces.
#include "devices/pit8254/pit8254.hpp"

#include <catch2/catch.hpp>
#include <utility>
#include <vector>

#include "core/bus.hpp"
#include "core/scheduler.hpp"

using namespace xlat;
using Pit = dev::Pit8254;

namespace {

struct PitRig {
  core::Scheduler sched;
  core::Bus bus{1 << 20};
  Pit pit{sched};
  std::vector<std::pair<uint64_t, bool>> irq0;  // (tick, level) of every IRQ0 change

  PitRig() {
    bus.map_io(0x40, 4, &pit);
    pit.out[0].connect([this](bool l) { irq0.emplace_back(Pit::tick_at(sched.now()), l); });
  }
  void at(uint64_t tick) { sched.advance_to(Pit::time_of_tick(tick)); }
  void out(uint16_t p, uint8_t v) { bus.io_write(p, v, 1); }
  uint8_t in(uint16_t p) { return uint8_t(bus.io_read(p, 1)); }
  void program(unsigned ch, uint8_t mode, uint16_t count, bool bcd = false) {
    out(0x43, uint8_t(ch << 6 | 0x30 | mode << 1 | (bcd ? 1 : 0)));
    out(uint16_t(0x40 + ch), uint8_t(count)), out(uint16_t(0x40 + ch), uint8_t(count >> 8));
  }
  uint16_t read16(unsigned ch) {  // live LSB/MSB read
    const uint8_t lo = in(uint16_t(0x40 + ch));
    return uint16_t(lo | in(uint16_t(0x40 + ch)) << 8);
  }
  uint16_t latched(unsigned ch) {
    out(0x43, uint8_t(ch << 6));
    return read16(ch);
  }
};

}  // namespace

TEST_CASE("PIT: tick numbering follows 1.193182 MHz virtual time", "[pit8254]") {
  CHECK(Pit::tick_at(0) == 0);
  CHECK(Pit::tick_at(1000000000) == 1193182);
  CHECK(Pit::tick_at(838) == 0);
  CHECK(Pit::tick_at(839) == 1);  // 1 tick = 838.0954 ns
  for (uint64_t i : {1ull, 7ull, 65536ull, 1193182ull * 3600}) {
    CHECK(Pit::tick_at(Pit::time_of_tick(i)) == i);
    CHECK(Pit::tick_at(Pit::time_of_tick(i) - 1) == i - 1);
  }
}

TEST_CASE("PIT: mode 0 raises OUT N+1 clocks after the count is written, then wraps", "[pit8254]") {
  PitRig r;
  r.at(100);
  r.program(0, 0, 10);
  CHECK(!r.pit.output(0));
  r.at(101);
  CHECK(r.latched(0) == 10);  // loaded on the first CLK, not decremented by it
  r.at(105);
  CHECK(r.latched(0) == 6);
  r.at(110);
  CHECK(!r.pit.output(0));
  CHECK(r.latched(0) == 1);
  r.at(111);
  CHECK(r.pit.output(0));
  CHECK(r.latched(0) == 0);
  r.at(112);
  CHECK(r.latched(0) == 0xFFFF);  // keeps counting
  r.at(100000);
  CHECK(r.pit.output(0));  // stays high until reprogrammed
  REQUIRE(r.irq0.size() == 1);
  CHECK(r.irq0[0] == std::make_pair(uint64_t(111), true));
}

TEST_CASE("PIT: mode 0 with LSB/MSB: the first byte stops counting and drops OUT", "[pit8254]") {
  PitRig r;
  r.program(0, 0, 5);
  r.at(50);
  CHECK(r.pit.output(0));
  r.out(0x40, 20);  // LSB of a new count
  CHECK(!r.pit.output(0));
  const uint16_t held = r.latched(0);
  r.at(60);
  CHECK(r.latched(0) == held);  // not counting between the two bytes
  r.out(0x40, 0);               // MSB: count 20 loads on the next CLK
  r.at(80);
  CHECK(!r.pit.output(0));
  r.at(81);  // written at tick 60: loaded at 61, terminal count 20 clocks later
  CHECK(r.pit.output(0));
}

TEST_CASE("PIT: mode 0 gate low pauses the count", "[pit8254]") {
  PitRig r;  // channel 2's gate starts low
  r.pit.set_gate(2, true);
  r.program(2, 0, 100);
  r.at(11);
  CHECK(r.latched(2) == 90);
  r.pit.set_gate(2, false);
  r.at(500);
  CHECK(r.latched(2) == 90);
  CHECK(!r.pit.output(2));
  r.pit.set_gate(2, true);
  r.at(590);
  CHECK(r.latched(2) == 0);
  CHECK(r.pit.output(2));
}

TEST_CASE("PIT: mode 1 is a gate-triggered, retriggerable one-shot", "[pit8254]") {
  PitRig r;
  r.program(2, 1, 5);
  r.at(100);
  CHECK(r.pit.output(2));   // waits for a trigger
  r.pit.set_gate(2, true);  // trigger at tick 100
  CHECK(r.pit.output(2));
  r.at(101);
  CHECK(!r.pit.output(2));
  CHECK(r.latched(2) == 5);
  r.at(105);
  CHECK(!r.pit.output(2));
  r.at(106);
  CHECK(r.pit.output(2));
  // Retrigger in the middle of a pulse restarts the full count.
  r.pit.set_gate(2, false);
  r.at(200);
  r.pit.set_gate(2, true);
  r.at(203);
  r.pit.set_gate(2, false);
  r.pit.set_gate(2, true);
  r.at(208);
  CHECK(!r.pit.output(2));
  r.at(209);
  CHECK(r.pit.output(2));
}

TEST_CASE("PIT: mode 2 divides by N with one low clock per period on IRQ0", "[pit8254]") {
  PitRig r;
  r.program(0, 2, 4);  // written at tick 0, loaded at tick 1
  CHECK(r.pit.output(0));
  r.at(1);
  CHECK(r.latched(0) == 4);
  r.at(2);
  CHECK(r.latched(0) == 3);
  r.at(4);
  CHECK(r.latched(0) == 1);
  CHECK(!r.pit.output(0));
  r.at(5);
  CHECK(r.latched(0) == 4);  // reloaded
  CHECK(r.pit.output(0));
  r.at(13);
  const std::vector<std::pair<uint64_t, bool>> want = {{0, true}, {4, false},  {5, true}, {8, false},
                                                       {9, true}, {12, false}, {13, true}};
  CHECK(r.irq0 == want);
}

TEST_CASE("PIT: mode 2 takes a new count at the end of the current period", "[pit8254]") {
  PitRig r;
  r.program(0, 2, 10);  // periods start at ticks 1, 11, 21...
  r.at(5);
  r.program(0, 2, 3);  // a new control word restarts: loads at tick 6
  r.at(6);
  CHECK(r.latched(0) == 3);
  r.at(7);
  r.out(0x40, 6), r.out(0x40, 0);  // count 6 written mid-period
  r.at(8);
  CHECK(r.latched(0) == 1);  // the period of 3 finishes
  r.at(9);
  CHECK(r.latched(0) == 6);  // then 6 takes over
  r.at(14);
  CHECK(r.latched(0) == 1);
  CHECK(!r.pit.output(0));
}

TEST_CASE("PIT: mode 2 gate low forces OUT high and a rising gate reloads", "[pit8254]") {
  PitRig r;
  r.pit.set_gate(2, true);
  r.program(2, 2, 8);
  r.at(8);
  CHECK(!r.pit.output(2));  // CE = 1
  r.pit.set_gate(2, false);
  CHECK(r.pit.output(2));
  r.at(50);
  CHECK(r.latched(2) == 1);
  r.pit.set_gate(2, true);
  r.at(51);
  CHECK(r.latched(2) == 8);
}

TEST_CASE("PIT: mode 3 square wave, even and odd counts", "[pit8254]") {
  PitRig r;
  r.program(0, 3, 6);  // loads at tick 1: high 3 clocks, low 3
  r.at(1);
  CHECK(r.latched(0) == 6);
  r.at(2);
  CHECK(r.latched(0) == 4);  // counts down by two
  r.at(25);
  const std::vector<std::pair<uint64_t, bool>> even = {{0, true},   {4, false},  {7, true},
                                                       {10, false}, {13, true},  {16, false},
                                                       {19, true},  {22, false}, {25, true}};
  CHECK(r.irq0 == even);
  r.irq0.clear();
  r.program(0, 3, 5);  // at tick 25, loads at 26: high 3 clocks, low 2
  r.at(36);
  const std::vector<std::pair<uint64_t, bool>> odd = {{29, false}, {31, true}, {34, false}, {36, true}};
  CHECK(r.irq0 == odd);
}

TEST_CASE("PIT: mode 4 strobes OUT low for one clock after N+1 clocks, once", "[pit8254]") {
  PitRig r;
  r.at(10);
  r.program(0, 4, 3);
  CHECK(r.pit.output(0));
  r.at(13);
  CHECK(r.pit.output(0));
  r.at(14);
  CHECK(!r.pit.output(0));
  r.at(15);
  CHECK(r.pit.output(0));
  r.at(70000);  // the counter wraps but does not strobe again
  const std::vector<std::pair<uint64_t, bool>> want = {{10, true}, {14, false}, {15, true}};
  CHECK(r.irq0 == want);
}

TEST_CASE("PIT: mode 5 strobes after a gate trigger", "[pit8254]") {
  PitRig r;
  r.program(2, 5, 2);
  r.at(40);
  CHECK(r.pit.output(2));
  r.pit.set_gate(2, true);  // trigger at 40, load at 41
  r.at(43);
  CHECK(!r.pit.output(2));
  r.at(44);
  CHECK(r.pit.output(2));
}

TEST_CASE("PIT: counter latch holds the count until both bytes are read", "[pit8254]") {
  PitRig r;
  r.program(0, 2, 1000);
  r.at(101);
  r.out(0x43, 0x00);  // latch counter 0: CE = 900
  r.at(300);
  r.out(0x43, 0x00);  // ignored: already latched
  CHECK(r.in(0x40) == (900 & 0xFF));
  r.at(400);
  CHECK(r.in(0x40) == (900 >> 8));
  CHECK(r.read16(0) == 1000 - 399);  // live again
}

TEST_CASE("PIT: read-back latches status and count; status is read first", "[pit8254]") {
  PitRig r;
  r.out(0x43, 0xB0);          // ch2, LSB/MSB, mode 0, binary
  r.out(0x43, 0xE8);          // read-back status only, counter 2
  CHECK(r.in(0x42) == 0x70);  // OUT low, null count, RW=11, mode 0
  r.pit.set_gate(2, true);
  r.out(0x42, 0x10), r.out(0x42, 0x00);  // count 16 at tick 0
  r.out(0x43, 0xE8);
  CHECK(r.in(0x42) == 0x70);  // not yet loaded
  r.at(1);
  r.out(0x43, 0xE8);
  CHECK(r.in(0x42) == 0x30);  // loaded: null count clear
  r.at(20);
  r.out(0x43, 0xC8);          // latch status and count of counter 2
  CHECK(r.in(0x42) == 0xB0);  // OUT high now
  CHECK(r.read16(2) == 0xFFFD);
  // Read-back can latch several counters at once.
  r.program(1, 2, 50);
  r.at(31);
  r.out(0x43, 0xDC);  // count of counters 1 and 2
  r.at(40);
  CHECK(r.read16(1) == 40);
  CHECK(r.read16(2) == 0xFFF2);
}

TEST_CASE("PIT: BCD counting runs from 9999 and reads in BCD", "[pit8254]") {
  PitRig r;
  r.program(0, 0, 0x0100, true);  // 100 decimal
  r.at(1 + 10);
  CHECK(r.latched(0) == 0x0090);
  r.at(1 + 100);
  CHECK(r.latched(0) == 0x0000);
  CHECK(r.pit.output(0));
  r.at(1 + 101);
  CHECK(r.latched(0) == 0x9999);
  r.program(0, 2, 0, true);  // 0 = 10000 in BCD
  r.at(102 + 1 + 1);
  CHECK(r.latched(0) == 0x9999);
  r.at(102 + 1 + 9999);
  CHECK(r.latched(0) == 0x0001);
  CHECK(!r.pit.output(0));
}

TEST_CASE("PIT: LSB-only and MSB-only access modes", "[pit8254]") {
  PitRig r;
  r.out(0x43, 0x14);  // ch0, LSB only, mode 2
  r.out(0x40, 0x80);
  r.at(1 + 0x10);
  CHECK(r.in(0x40) == 0x70);
  CHECK(r.in(0x40) == 0x70);  // every read is an LSB
  r.out(0x43, 0x24);          // ch0, MSB only, mode 2
  r.out(0x40, 0x02);          // count 0x200
  r.at(17 + 1 + 0x100);
  CHECK(r.in(0x40) == 0x01);
}

TEST_CASE("PIT: count 0 means 65536 in binary", "[pit8254]") {
  PitRig r;
  r.program(0, 2, 0);
  r.at(1);
  CHECK(r.latched(0) == 0);
  r.at(2);
  CHECK(r.latched(0) == 0xFFFF);
  r.at(65536);
  CHECK(!r.pit.output(0));
  r.at(65537);
  CHECK(r.pit.output(0));
}

TEST_CASE("PIT: the MSB of channel 2 in mode 0 falls every 256 clocks (Linux's quick TSC calibration)",
          "[pit8254]") {
  PitRig r;
  r.pit.set_gate(2, true);
  r.at(1000);
  r.out(0x43, 0xB0);
  r.out(0x42, 0xFF), r.out(0x42, 0xFF);  // loads 0xFFFF at tick 1001
  for (unsigned k = 1; k < 200; ++k) {
    r.at(1001 + 256 * k - 1);
    r.in(0x42);
    CHECK(r.in(0x42) == 0xFF - k + 1);
    r.at(1001 + 256 * k);
    r.in(0x42);
    CHECK(r.in(0x42) == 0xFF - k);
  }
}

TEST_CASE("PIT: a control word restarts a channel with OUT at its mode's initial level", "[pit8254]") {
  PitRig r;
  r.program(0, 2, 10);
  r.at(30);
  r.out(0x43, 0x30);  // mode 0: OUT low, no count yet
  CHECK(!r.pit.output(0));
  r.at(100000);
  CHECK(!r.pit.output(0));
  r.out(0x43, 0x34);  // mode 2: OUT high
  CHECK(r.pit.output(0));
}
