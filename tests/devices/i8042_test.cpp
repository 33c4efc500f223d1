// i8042 keyboard controller through ports 0x60/0x64: self-test, command byte,
// interface tests, output port (A20, reset), keyboard commands, scancode
// translation, IRQ1/IRQ12, and the empty aux port.
#include "devices/i8042/i8042.hpp"

#include <catch2/catch.hpp>
#include <vector>

#include "core/bus.hpp"

using namespace xlat;

namespace {

struct KbcRig {
  core::Bus bus{1 << 20};
  dev::I8042 kbc;
  int resets = 0, irq1_rises = 0, irq12_rises = 0;
  KbcRig() {
    bus.map_io(0x60, 1, &kbc);
    bus.map_io(0x64, 1, &kbc);
    kbc.reset_request.connect([this](bool l) { resets += l; });
    kbc.irq1.connect([this](bool l) { irq1_rises += l; });
    kbc.irq12.connect([this](bool l) { irq12_rises += l; });
  }
  void cmd(uint8_t v) { bus.io_write(0x64, v, 1); }
  void data(uint8_t v) { bus.io_write(0x60, v, 1); }
  uint8_t status() { return uint8_t(bus.io_read(0x64, 1)); }
  uint8_t read() { return uint8_t(bus.io_read(0x60, 1)); }
  // Everything waiting in the output buffer, read as a polling driver would.
  std::vector<uint8_t> drain() {
    std::vector<uint8_t> v;
    while (status() & 0x01) v.push_back(read());
    return v;
  }
  using Bytes = std::vector<uint8_t>;
};

}  // namespace

TEST_CASE("i8042: self-test answers 0x55 and sets the system flag", "[i8042]") {
  KbcRig r;
  r.cmd(0x60), r.data(0x00);  // clear the command byte (and its system flag)
  CHECK((r.status() & 0x04) == 0);
  r.cmd(0xAA);
  CHECK((r.status() & 0x01) == 0x01);
  CHECK(r.read() == 0x55);
  CHECK((r.status() & 0x05) == 0x04);
}

TEST_CASE("i8042: command byte read and write; status bit 3 tells command from data", "[i8042]") {
  KbcRig r;
  r.cmd(0x20);
  CHECK((r.status() & 0x08) == 0x08);
  CHECK(r.read() == 0x45);  // firmware's: translate, system flag, keyboard IRQ
  r.cmd(0x60);
  r.data(0x47);
  CHECK((r.status() & 0x08) == 0x00);
  r.cmd(0x20);
  CHECK(r.read() == 0x47);
  r.cmd(0x7F), r.data(0x99);  // other controller RAM bytes
  r.cmd(0x3F);
  CHECK(r.read() == 0x99);
}

TEST_CASE("i8042: interface tests, password and input port", "[i8042]") {
  KbcRig r;
  r.cmd(0xAB);
  CHECK(r.read() == 0x00);
  r.cmd(0xA9);
  CHECK(r.read() == 0x00);
  r.cmd(0xA4);
  CHECK(r.read() == 0xF1);
  r.cmd(0xC0);
  CHECK((r.read() & 0x80) == 0x80);
}

TEST_CASE("i8042: disabling the keyboard holds its bytes until it is enabled", "[i8042]") {
  KbcRig r;
  r.cmd(0xAD);
  r.cmd(0x20);
  CHECK((r.read() & 0x10) == 0x10);
  r.kbc.key_event(0x1C, true);
  CHECK((r.status() & 0x01) == 0);
  r.cmd(0xAE);
  CHECK(r.drain() == KbcRig::Bytes{0x1E});
}

TEST_CASE("i8042: output port carries A20 and the active-low reset", "[i8042]") {
  KbcRig r;
  CHECK(r.kbc.a20.level());
  r.cmd(0xD0);
  CHECK(r.read() == 0xCF);
  r.cmd(0xD1), r.data(0xCD);  // A20 off
  CHECK(!r.kbc.a20.level());
  r.cmd(0xD0);
  CHECK(r.read() == 0xCD);
  r.cmd(0xD1), r.data(0xDF);  // the classic A20-on value
  CHECK(r.kbc.a20.level());
  r.cmd(0xDD);
  CHECK(!r.kbc.a20.level());
  r.cmd(0xDF);
  CHECK(r.kbc.a20.level());
  CHECK(r.resets == 0);
  r.cmd(0xD1), r.data(0xDE);  // bit 0 low: reset
  CHECK(r.resets == 1);
}

TEST_CASE("i8042: 0xFE pulses the reset line, other pulse commands do not", "[i8042]") {
  KbcRig r;
  r.cmd(0xFF);
  r.cmd(0xFD);
  CHECK(r.resets == 0);
  r.cmd(0xFE);
  CHECK(r.resets == 1);
  r.cmd(0xF0);
  CHECK(r.resets == 2);
}

TEST_CASE("i8042: keyboard reset answers ACK then BAT passed, each byte on IRQ1", "[i8042]") {
  KbcRig r;
  r.data(0xFF);
  CHECK(r.kbc.irq1.level());
  CHECK(r.read() == 0xFA);
  CHECK(r.kbc.irq1.level());  // the next byte is loaded at once
  CHECK(r.read() == 0xAA);
  CHECK(!r.kbc.irq1.level());
  CHECK(r.irq1_rises == 2);
}

TEST_CASE("i8042: IRQ1 follows the command byte's enable bit", "[i8042]") {
  KbcRig r;
  r.cmd(0x60), r.data(0x44);  // keyboard interrupt off
  r.data(0xEE);
  CHECK((r.status() & 0x01) == 0x01);
  CHECK(!r.kbc.irq1.level());
  r.cmd(0x60), r.data(0x45);
  CHECK(r.kbc.irq1.level());
  CHECK(r.read() == 0xEE);  // echo
}

TEST_CASE("i8042: identify, translated or not", "[i8042]") {
  KbcRig r;
  r.data(0xF2);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xAB, 0x41});
  r.cmd(0x60), r.data(0x05);  // no translation
  r.data(0xF2);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xAB, 0x83});
}

TEST_CASE("i8042: set 2 scancodes translate to set 1 when the command byte says so", "[i8042]") {
  KbcRig r;
  r.kbc.key_event(0x1C, true);  // A
  r.kbc.key_event(0x1C, false);
  r.kbc.key_event(0xE014, true);  // right Ctrl
  r.kbc.key_event(0xE014, false);
  r.kbc.key_event(0x83, true);  // F7
  CHECK(r.drain() == KbcRig::Bytes{0x1E, 0x9E, 0xE0, 0x1D, 0xE0, 0x9D, 0x41});
  r.cmd(0x60), r.data(0x05);
  r.kbc.key_event(0x1C, true);
  r.kbc.key_event(0x1C, false);
  r.kbc.key_event(0xE014, false);
  CHECK(r.drain() == KbcRig::Bytes{0x1C, 0xF0, 0x1C, 0xE0, 0xF0, 0x14});
}

TEST_CASE("i8042: the translation table maps the main keys to their set 1 codes", "[i8042]") {
  // (set 2, set 1) pairs from the two scancode sets' key tables.
  const std::pair<uint8_t, uint8_t> keys[] = {
      {0x76, 0x01}, {0x16, 0x02}, {0x45, 0x0B}, {0x66, 0x0E}, {0x0D, 0x0F}, {0x15, 0x10}, {0x5A, 0x1C},
      {0x14, 0x1D}, {0x12, 0x2A}, {0x59, 0x36}, {0x11, 0x38}, {0x29, 0x39}, {0x58, 0x3A}, {0x05, 0x3B},
      {0x09, 0x44}, {0x77, 0x45}, {0x7E, 0x46}, {0x70, 0x52}, {0x78, 0x57}, {0x07, 0x58}, {0x4A, 0x35}};
  for (auto [s2, s1] : keys) CHECK(dev::I8042::translate(s2) == s1);
  // Replies above 0x80 pass unchanged.
  CHECK(dev::I8042::translate(0xFA) == 0xFA);
  CHECK(dev::I8042::translate(0xAA) == 0xAA);
  CHECK(dev::I8042::translate(0xE0) == 0xE0);
}

TEST_CASE("i8042: scancode set get and set", "[i8042]") {
  KbcRig r;
  r.data(0xF0), r.data(0x00);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xFA, 0x41});  // set 2, as seen through translation
  r.cmd(0x60), r.data(0x05);
  r.data(0xF0), r.data(0x00);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xFA, 0x02});
  r.data(0xF0), r.data(0x01);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xFA});
  r.kbc.key_event(0x1C, true);
  r.kbc.key_event(0xE014, false);
  CHECK(r.drain() == KbcRig::Bytes{0x1E, 0xE0, 0x9D});  // the keyboard now speaks set 1
  r.data(0xF0), r.data(0x03);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xFE});  // set 3 not offered
  r.data(0xFF);
  r.drain();
  r.data(0xF0), r.data(0x00);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xFA, 0x02});  // reset restores set 2
}

TEST_CASE("i8042: LEDs and typematic take a parameter byte, each acknowledged", "[i8042]") {
  KbcRig r;
  r.data(0xED), r.data(0x07);
  r.data(0xF3), r.data(0x20);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0xFA, 0xFA, 0xFA});
  CHECK(r.kbc.state().kbd.leds == 7);
  CHECK(r.kbc.state().kbd.typematic == 0x20);
}

TEST_CASE("i8042: scanning disable and enable; resend and unknown commands", "[i8042]") {
  KbcRig r;
  r.data(0xF5);
  r.drain();
  r.kbc.key_event(0x1C, true);
  CHECK(r.drain().empty());
  r.data(0xF4);
  r.kbc.key_event(0x1C, true);
  CHECK(r.drain() == KbcRig::Bytes{0xFA, 0x1E});
  r.data(0xEE);
  r.data(0xFE);
  CHECK(r.drain() == KbcRig::Bytes{0xEE, 0xEE});
  r.data(0x42);
  CHECK(r.drain() == KbcRig::Bytes{0xFE});
}

TEST_CASE("i8042: the empty aux port answers 0xFE with time-out; loop and enable work", "[i8042]") {
  KbcRig r;
  r.cmd(0x60), r.data(0x47);           // keyboard and aux interrupts on
  r.cmd(0xD4), r.data(0xFF);           // reset the mouse
  CHECK((r.status() & 0x61) == 0x61);  // full, aux data, time-out
  CHECK(r.kbc.irq12.level());
  CHECK(!r.kbc.irq1.level());
  CHECK(r.read() == 0xFE);
  CHECK((r.status() & 0x61) == 0x00);
  r.cmd(0xD3), r.data(0x5A);  // aux loop (Linux's AUX port probe)
  CHECK((r.status() & 0x61) == 0x21);
  CHECK(r.read() == 0x5A);
  CHECK(r.irq12_rises == 2);
  r.cmd(0xA7);
  r.cmd(0x20);
  CHECK((r.read() & 0x20) == 0x20);
  r.cmd(0xA8);
  r.cmd(0x20);
  CHECK((r.read() & 0x20) == 0x00);
}

TEST_CASE("i8042: 0xD2 puts a byte in the output buffer as keyboard data", "[i8042]") {
  KbcRig r;
  r.cmd(0xD2), r.data(0x9C);
  CHECK((r.status() & 0x21) == 0x01);
  CHECK(r.kbc.irq1.level());
  CHECK(r.read() == 0x9C);
}

TEST_CASE("i8042: reading an empty output buffer returns its last byte", "[i8042]") {
  KbcRig r;
  r.cmd(0xAA);
  CHECK(r.read() == 0x55);
  CHECK(r.read() == 0x55);
  CHECK((r.status() & 0x01) == 0);
}
