// MC146818 RTC/CMOS through ports 0x70/0x71 with a fixed start time:
// BCD/binary and 12/24 hour encodings, the update cycle and UIP window,
// update/alarm/periodic flags and IRQ8, SET and divider reset, NMI mask,
// and the standard CMOS bytes with their checksum.
#include "devices/cmos/cmos.hpp"

#include <catch2/catch.hpp>
#include <chrono>

#include "core/bus.hpp"
#include "core/scheduler.hpp"

using namespace xlat;
using Rtc = dev::CmosRtc;

namespace {

constexpr int64_t LEAP_DAY_235958 = 1709251198;  // 2024-02-29 23:59:58 UTC, a Thursday
constexpr uint64_t SEC = 1000000000;

struct RtcRig {
  core::Scheduler sched;
  core::Bus bus{1 << 20};
  Rtc rtc;
  int irq_rises = 0;
  bool ack_in_handler = false;  // read register C on every IRQ8, as an OS would
  explicit RtcRig(int64_t start = LEAP_DAY_235958) : rtc(sched, Rtc::Config{false, start}) {
    bus.map_io(0x70, 2, &rtc);
    rtc.irq.connect([this](bool l) {
      if (!l) return;
      ++irq_rises;
      if (ack_in_handler) reg(0x0C);
    });
  }
  uint8_t reg(uint8_t i) {
    bus.io_write(0x70, i, 1);
    return uint8_t(bus.io_read(0x71, 1));
  }
  void set(uint8_t i, uint8_t v) {
    bus.io_write(0x70, i, 1);
    bus.io_write(0x71, v, 1);
  }
  void at(uint64_t t) { sched.advance_to(t); }
};

}  // namespace

TEST_CASE("RTC: BCD 24-hour time and date, rolling over a leap day", "[cmos]") {
  RtcRig r;
  CHECK(r.reg(0x00) == 0x58);
  CHECK(r.reg(0x02) == 0x59);
  CHECK(r.reg(0x04) == 0x23);
  CHECK(r.reg(0x06) == 5);  // Thursday (1 = Sunday)
  CHECK(r.reg(0x07) == 0x29);
  CHECK(r.reg(0x08) == 0x02);
  CHECK(r.reg(0x09) == 0x24);
  CHECK(r.reg(0x32) == 0x20);
  r.at(2 * SEC);
  CHECK(r.reg(0x00) == 0x00);
  CHECK(r.reg(0x02) == 0x00);
  CHECK(r.reg(0x04) == 0x00);
  CHECK(r.reg(0x06) == 6);
  CHECK(r.reg(0x07) == 0x01);
  CHECK(r.reg(0x08) == 0x03);
  CHECK(r.rtc.time_now() == LEAP_DAY_235958 + 2);
}

TEST_CASE("RTC: register B selects binary and 12-hour encodings", "[cmos]") {
  RtcRig r;
  r.set(0x0B, 0x06);  // binary, 24 h
  CHECK(r.reg(0x00) == 58);
  CHECK(r.reg(0x04) == 23);
  CHECK(r.reg(0x09) == 24);
  CHECK(r.reg(0x32) == 20);
  r.set(0x0B, 0x04);  // binary, 12 h
  CHECK(r.reg(0x04) == (0x80 | 11));
  r.set(0x0B, 0x00);           // BCD, 12 h
  CHECK(r.reg(0x04) == 0x91);  // 11 PM
  r.at(2 * SEC);
  CHECK(r.reg(0x04) == 0x12);  // 12 AM
}

TEST_CASE("RTC: UIP is set 244 us before the update and through the 1984 us cycle", "[cmos]") {
  RtcRig r;
  // The clock starts just after an update: the next one ends at t = 1 s.
  CHECK((r.reg(0x0A) & 0x80) == 0);
  r.at(SEC - 2228000 - 1);
  CHECK((r.reg(0x0A) & 0x80) == 0);
  r.at(SEC - 2228000);
  CHECK((r.reg(0x0A) & 0x80) == 0x80);
  r.at(SEC - 1);
  CHECK((r.reg(0x0A) & 0x80) == 0x80);
  CHECK(r.reg(0x00) == 0x58);  // not updated until the cycle ends
  r.at(SEC);
  CHECK((r.reg(0x0A) & 0x80) == 0);
  CHECK(r.reg(0x00) == 0x59);
  CHECK((r.reg(0x0A) & 0x7F) == 0x26);
}

TEST_CASE("RTC: update-ended interrupt once a second, cleared by reading C", "[cmos]") {
  RtcRig r;
  r.set(0x0A, 0x20);  // no periodic flag, to see UF alone
  r.set(0x0B, 0x12);  // UIE, 24 h, BCD
  r.at(SEC - 1);
  CHECK(!r.rtc.irq.level());
  r.at(SEC);
  CHECK(r.rtc.irq.level());
  CHECK(r.reg(0x0C) == 0x90);
  CHECK(!r.rtc.irq.level());
  CHECK(r.reg(0x0C) == 0x00);
  r.ack_in_handler = true;
  r.at(11 * SEC);
  CHECK(r.irq_rises == 11);
}

TEST_CASE("RTC: periodic interrupt rates from register A", "[cmos]") {
  const std::pair<uint8_t, int> rates[] = {{0x26, 1024}, {0x2F, 2}, {0x23, 8192}, {0x21, 256}, {0x2A, 64}};
  for (auto [reg_a, per_second] : rates) {
    RtcRig r;
    r.ack_in_handler = true;
    r.set(0x0A, reg_a);
    r.set(0x0B, 0x42);  // PIE
    r.at(SEC);
    CHECK(r.irq_rises == per_second);
    r.at(3 * SEC);
    CHECK(r.irq_rises == 3 * per_second);
  }
}

TEST_CASE("RTC: PF is set without PIE, and without an interrupt", "[cmos]") {
  RtcRig r;
  r.reg(0x0C);
  r.at(SEC / 1000);  // a 1024 Hz period has passed
  CHECK(!r.rtc.irq.level());
  CHECK(r.reg(0x0C) == 0x40);
  CHECK(r.reg(0x0C) == 0x00);
  r.set(0x0A, 0x20);  // RS = 0: no periodic flag at all
  r.at(SEC / 2);
  CHECK((r.reg(0x0C) & 0x40) == 0);
}

TEST_CASE("RTC: alarm interrupt on a match, with don't-care fields", "[cmos]") {
  RtcRig r;
  r.set(0x0A, 0x20);  // no periodic flag
  r.set(0x01, 0x05);  // seconds = 05
  r.set(0x03, 0xC0);  // any minute
  r.set(0x05, 0xFF);  // any hour
  r.set(0x0B, 0x22);  // AIE
  r.at(6 * SEC);      // 00:00:04
  CHECK(!r.rtc.irq.level());
  CHECK(r.reg(0x0C) == 0x10);  // updates happened, no alarm
  r.at(7 * SEC);               // 00:00:05
  CHECK(r.rtc.irq.level());
  CHECK(r.reg(0x0C) == 0xB0);
  r.at(8 * SEC);
  CHECK(r.reg(0x0C) == 0x10);
}

TEST_CASE("RTC: SET freezes the clock for writing, keeping the second's phase", "[cmos]") {
  RtcRig r;
  r.at(SEC / 4);
  r.set(0x0B, 0x92);  // SET, with UIE asked for: SET clears UIE
  CHECK(r.reg(0x0B) == 0x82);
  CHECK((r.reg(0x0A) & 0x80) == 0);
  // Linux's order: year, month, day, hours, minutes, seconds.
  r.set(0x09, 0x23), r.set(0x08, 0x12), r.set(0x07, 0x31);
  r.set(0x04, 0x12), r.set(0x02, 0x34), r.set(0x00, 0x56);
  r.set(0x06, 1);  // the chip counts the day of week on its own: software sets it
  r.at(5 * SEC);
  CHECK(r.reg(0x00) == 0x56);  // frozen
  r.at(5 * SEC + SEC / 4);
  r.set(0x0B, 0x02);
  CHECK(r.rtc.time_now() == 1704026096);  // 2023-12-31 12:34:56
  r.at(6 * SEC - 1);
  CHECK(r.reg(0x00) == 0x56);
  r.at(6 * SEC);  // the divider kept running: updates stay on whole seconds
  CHECK(r.reg(0x00) == 0x57);
  CHECK(r.reg(0x06) == 1);
}

TEST_CASE("RTC: writing the day of week keeps it apart from the date", "[cmos]") {
  RtcRig r;
  r.set(0x06, 2);
  CHECK(r.reg(0x06) == 2);
  r.at(2 * SEC);  // midnight: the day-of-week register counts on from what was written
  CHECK(r.reg(0x06) == 3);
  CHECK(r.reg(0x07) == 0x01);
}

TEST_CASE("RTC: divider reset stops the clock; the first update comes 500 ms after", "[cmos]") {
  RtcRig r;
  r.set(0x0A, 0x76);  // DV = 111
  r.at(10 * SEC);
  CHECK(r.reg(0x00) == 0x58);
  CHECK((r.reg(0x0A) & 0x80) == 0);
  r.set(0x0A, 0x26);
  r.at(10 * SEC + SEC / 2 - 1);
  CHECK(r.reg(0x00) == 0x58);
  r.at(10 * SEC + SEC / 2);
  CHECK(r.reg(0x00) == 0x59);
}

TEST_CASE("RTC: register D reports valid RAM and time; C and D ignore writes", "[cmos]") {
  RtcRig r;
  CHECK(r.reg(0x0D) == 0x80);
  r.set(0x0D, 0x00);
  CHECK(r.reg(0x0D) == 0x80);
  r.set(0x0C, 0xFF);
  CHECK(r.reg(0x0C) == 0x00);
}

TEST_CASE("RTC: port 0x70 bit 7 masks NMI and is not part of the index", "[cmos]") {
  RtcRig r;
  r.bus.io_write(0x70, 0x8D, 1);
  CHECK(r.rtc.nmi_mask.level());
  CHECK(r.bus.io_read(0x71, 1) == 0x80);  // register D
  r.bus.io_write(0x70, 0x0D, 1);
  CHECK(!r.rtc.nmi_mask.level());
}

TEST_CASE("RTC: reset clears the interrupt enables and flags, not the time", "[cmos]") {
  RtcRig r;
  r.set(0x0B, 0x72);
  r.at(SEC);
  CHECK(r.rtc.irq.level());
  r.rtc.reset();
  CHECK(!r.rtc.irq.level());
  CHECK(r.reg(0x0B) == 0x02);
  CHECK(r.reg(0x00) == 0x59);
}

TEST_CASE("CMOS: RAM bytes, memory sizes and the checksum at 0x2E/0x2F", "[cmos]") {
  RtcRig r;
  r.rtc.set_memory_size(128ull << 20);
  CHECK(r.reg(0x15) == 0x80);
  CHECK(r.reg(0x16) == 0x02);  // 640 KiB
  CHECK(r.reg(0x17) == 0xFF);
  CHECK(r.reg(0x18) == 0xFF);  // capped at 65535 KiB
  CHECK(r.reg(0x30) == 0xFF);
  CHECK(r.reg(0x31) == 0xFF);
  CHECK(r.reg(0x34) == 0x00);
  CHECK(r.reg(0x35) == 0x07);  // (128 - 16) MiB / 64 KiB = 0x700
  r.rtc.set_memory_size(32ull << 20);
  CHECK(r.reg(0x17) == 0x00);
  CHECK(r.reg(0x18) == 0x7C);  // 31 MiB = 0x7C00 KiB
  CHECK(r.reg(0x34) == 0x00);
  CHECK(r.reg(0x35) == 0x01);
  r.rtc.set_byte(0x10, 0x40);  // a 1.44 MB floppy
  unsigned sum = 0;
  for (uint8_t i = 0x10; i <= 0x2D; ++i) sum += r.reg(i);
  CHECK(r.reg(0x2E) == (sum >> 8));
  CHECK(r.reg(0x2F) == (sum & 0xFF));
  CHECK(r.reg(0x14) == 0x02);
  // Guest writes to RAM stick; the checksum is the BIOS's business.
  r.set(0x40, 0x5A);
  CHECK(r.reg(0x40) == 0x5A);
}

TEST_CASE("RTC: the host clock is the default start", "[cmos]") {
  core::Scheduler sched;
  Rtc rtc(sched);
  const int64_t host =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  CHECK(rtc.time_now() >= host - 60);
  CHECK(rtc.time_now() <= host + 60);
}
