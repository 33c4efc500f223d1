// The I/O port space: a word or dword access whose ports belong to different
// devices reaches each device as byte accesses on its own ports; one device
// covering all the ports gets the access whole.
#include <catch2/catch.hpp>

#include <vector>

#include "core/bus.hpp"

using namespace xlat;

namespace {
struct Recorder : core::IoHandler {
  uint8_t value;
  struct Access {
    uint16_t port;
    unsigned size;
    uint32_t value;
    bool write;
  };
  std::vector<Access> log;
  explicit Recorder(uint8_t v) : value(v) {}
  uint32_t io_read(uint16_t port, unsigned size) override {
    log.push_back({port, size, 0, false});
    uint32_t v = 0;
    for (unsigned k = 0; k < size; ++k) v |= uint32_t(uint8_t(value + (port & 0xF) + k)) << (8 * k);
    return v;
  }
  void io_write(uint16_t port, uint32_t v, unsigned size) override { log.push_back({port, size, v, true}); }
};
}  // namespace

TEST_CASE("bus: a word read across two devices' ports reads a byte from each", "[core][bus][io]") {
  core::Bus bus(1 << 20);
  Recorder a(0x10), b(0x80);
  bus.map_io(0x60, 1, &a);  // like the i8042 data port
  bus.map_io(0x61, 1, &b);  // next to port B
  CHECK(bus.io_read(0x60, 2) == 0x8110u);  // a's byte at 0x60, b's at 0x61
  REQUIRE(a.log.size() == 1);
  REQUIRE(b.log.size() == 1);
  CHECK(a.log[0].port == 0x60);
  CHECK(a.log[0].size == 1);
  CHECK(b.log[0].port == 0x61);
  CHECK(b.log[0].size == 1);
}

TEST_CASE("bus: a dword write across devices and a hole sends each device its bytes", "[core][bus][io]") {
  core::Bus bus(1 << 20);
  Recorder a(0), b(0);
  bus.map_io(0x200, 2, &a);
  bus.map_io(0x203, 1, &b);  // 0x202 has no device
  bus.io_write(0x200, 0x44332211u, 4);
  REQUIRE(a.log.size() == 2);
  CHECK(a.log[0].port == 0x200);
  CHECK(a.log[0].value == 0x11u);
  CHECK(a.log[0].size == 1);
  CHECK(a.log[1].port == 0x201);
  CHECK(a.log[1].value == 0x22u);
  REQUIRE(b.log.size() == 1);
  CHECK(b.log[0].port == 0x203);
  CHECK(b.log[0].value == 0x44u);
  // Reading: the holes (0x202, 0x204) read all ones.
  CHECK(bus.io_read(0x201, 4) == 0xFF03FF01u);
}

TEST_CASE("bus: one device covering every port of a wide access gets it whole", "[core][bus][io]") {
  core::Bus bus(1 << 20);
  Recorder a(0x20);
  bus.map_io(0x1F0, 8, &a);
  CHECK(bus.io_read(0x1F0, 2) == 0x2120u);
  bus.io_write(0x1F0, 0xBEEF, 2);
  REQUIRE(a.log.size() == 2);
  CHECK(a.log[0].size == 2);
  CHECK(a.log[1].size == 2);
  CHECK(a.log[1].value == 0xBEEFu);
}
