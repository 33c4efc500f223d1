// System control ports 0x61/0x92/0x80 through the bus, wired to a PIT the way
// the PC board does: channel 2's gate from 0x61 bit 0, its OUT on bit 5.
#include "devices/sysctl/sysctl.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "core/bus.hpp"
#include "core/scheduler.hpp"
#include "devices/pit8254/pit8254.hpp"

using namespace xlat;
using Pit = dev::Pit8254;

namespace {

struct SysRig {
  core::Scheduler sched;
  core::Bus bus{1 << 20};
  Pit pit{sched};
  dev::SystemControl sys{sched};
  SysRig() {
    bus.map_io(0x40, 4, &pit);
    bus.map_io(0x61, 1, &sys);
    bus.map_io(0x80, 1, &sys);
    bus.map_io(0x92, 1, &sys);
    sys.pit_gate2.connect([this](bool l) { pit.set_gate(2, l); });
    sys.pit_out2 = [this] { return pit.output(2); };
  }
  void at_tick(uint64_t tick) { sched.advance_to(Pit::time_of_tick(tick)); }
  void out(uint16_t p, uint8_t v) { bus.io_write(p, v, 1); }
  uint8_t in(uint16_t p) { return uint8_t(bus.io_read(p, 1)); }
};

}  // namespace

TEST_CASE("sysctl: port 0x61 gates PIT channel 2 and shows its OUT on bit 5 (Linux TSC calibration)",
          "[sysctl]") {
  SysRig r;
  r.at_tick(500);
  // pit_calibrate_tsc: gate high, speaker off; ch2 mode 0 with a 10 ms latch.
  r.out(0x61, (r.in(0x61) & ~0x02) | 0x01);
  r.out(0x43, 0xB0);
  r.out(0x42, 11932 & 0xFF), r.out(0x42, 11932 >> 8);
  CHECK((r.in(0x61) & 0x20) == 0);
  r.at_tick(500 + 11932);
  CHECK((r.in(0x61) & 0x20) == 0);
  r.at_tick(500 + 11932 + 1);
  CHECK((r.in(0x61) & 0x20) == 0x20);
  CHECK((r.in(0x61) & 0x0F) == 0x01);
}

TEST_CASE("sysctl: with the gate off, channel 2 does not count", "[sysctl]") {
  SysRig r;
  r.out(0x61, 0x00);
  r.out(0x43, 0xB0);
  r.out(0x42, 0x10), r.out(0x42, 0x00);
  r.at_tick(100);
  CHECK((r.in(0x61) & 0x20) == 0);
  r.out(0x61, 0x01);  // gate on at tick 100: 16 clocks to go
  r.at_tick(115);
  CHECK((r.in(0x61) & 0x20) == 0);
  r.at_tick(116);
  CHECK((r.in(0x61) & 0x20) == 0x20);
}

TEST_CASE("sysctl: port 0x61 bit 4 toggles with the refresh period", "[sysctl]") {
  SysRig r;
  r.sched.advance_to(1);
  const uint8_t a = r.in(0x61) & 0x10;
  r.sched.advance_to(1 + dev::SystemControl::REFRESH_TOGGLE_NS);
  const uint8_t b = r.in(0x61) & 0x10;
  r.sched.advance_to(1 + 2 * dev::SystemControl::REFRESH_TOGGLE_NS);
  const uint8_t c = r.in(0x61) & 0x10;
  CHECK(a != b);
  CHECK(a == c);
}

TEST_CASE("sysctl: port 0x61 drives the speaker line from bit 1", "[sysctl]") {
  SysRig r;
  r.out(0x61, 0x03);
  CHECK(r.sys.speaker.level());
  r.out(0x61, 0x01);
  CHECK(!r.sys.speaker.level());
}

TEST_CASE("sysctl: port 0x92 bit 1 drives A20 and a 0->1 on bit 0 requests a reset", "[sysctl]") {
  SysRig r;
  int resets = 0;
  r.sys.reset_request.connect([&](bool l) { resets += l; });
  r.out(0x92, 0x02);
  CHECK(r.sys.a20.level());
  CHECK(r.in(0x92) == 0x02);
  CHECK(resets == 0);
  r.out(0x92, 0x03);
  CHECK(resets == 1);
  r.out(0x92, 0x03);  // already set: no new edge
  CHECK(resets == 1);
  r.out(0x92, 0x00);
  CHECK(!r.sys.a20.level());
  r.out(0x92, 0x01);
  CHECK(resets == 2);
}

TEST_CASE("sysctl: port 0x80 keeps the last POST code and reports writes on request", "[sysctl]") {
  SysRig r;
  r.out(0x80, 0x12);
  CHECK(r.sys.post_code() == 0x12);
  std::vector<uint8_t> log;
  r.sys.post_log = [&](uint8_t v) { log.push_back(v); };
  r.out(0x80, 0x55), r.out(0x80, 0xAA);
  CHECK(r.in(0x80) == 0xAA);
  CHECK(log == std::vector<uint8_t>{0x55, 0xAA});
}
