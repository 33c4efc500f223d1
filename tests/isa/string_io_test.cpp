// INS/OUTS (and IN/OUT next to them) against a small test device on the I/O
// bus: port, size and order of every access, the memory written, the index
// and count registers, both directions, REP with a zero count, and a REP INS
// that faults part way without reading the port for the faulting element.
#include <catch2/catch.hpp>

#include <vector>

#include "tests/support/guest.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESI, core::EDI;

namespace {

struct Access {
  bool write;
  uint16_t port;
  uint32_t value;
  unsigned size;
  bool operator==(const Access&) const = default;
};

// Reads return 0x10, 0x11, ... (truncated to the access size); every access
// is logged.
class TestDevice : public core::IoHandler {
 public:
  std::vector<Access> log;
  uint32_t next = 0x10;
  uint32_t io_read(uint16_t port, unsigned size) override {
    const uint32_t v = size == 4 ? next * 0x01010101u : size == 2 ? next * 0x0101u : next;
    log.push_back({false, port, v, size});
    ++next;
    return v;
  }
  void io_write(uint16_t port, uint32_t value, unsigned size) override { log.push_back({true, port, value, size}); }
};

}  // namespace

TEST_CASE("OUTS writes memory to the port in order", "[isa][flow][string][io]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      TestDevice dev;
      g.m.bus.map_io(0x300, 8, &dev);  // covers the dword at 0x302 (the bus splits accesses across devices)
      g.write32(0x2000, 0x44332211);
      g.write32(0x2004, 0x88776655);
      g.write32(0x2008, 0xCCBBAA99);
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        mov dx, 0x300
        mov esi, 0x2000
        mov ecx, 3
        rep outsb
        mov ecx, 2
        mov dx, 0x302
        rep outsw
        outsd
        mov ecx, 0
        rep outsb               ; count 0: no access
        push dword 0x402        ; DF
        popfd
        mov esi, 0x2004
        mov ecx, 2
        mov dx, 0x301
        rep outsw
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      const std::vector<Access> expect = {
          {true, 0x300, 0x11, 1},       {true, 0x300, 0x22, 1},       {true, 0x300, 0x33, 1},
          {true, 0x302, 0x5544, 2},     {true, 0x302, 0x7766, 2},     {true, 0x302, 0xBBAA9988, 4},
          {true, 0x301, 0x6655, 2},     {true, 0x301, 0x4433, 2},
      };
      CHECK(dev.log == expect);
      CHECK(g.reg(ESI) == 0x2000);
      CHECK(g.reg(ECX) == 0);
    }
  }
}

TEST_CASE("INS reads the port into ES:EDI", "[isa][flow][string][io]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      TestDevice dev;
      g.m.bus.map_io(0x300, 8, &dev);  // covers the dword at 0x302 (the bus splits accesses across devices)
      g.load(test::nasm(R"(bits 32
        mov esp, 0x8000
        mov dx, 0x303
        mov edi, 0x3000
        mov ecx, 4
        rep insb
        insw
        insd
        mov ecx, 0
        rep insd                ; count 0: no access
        mov [0x9000], edi
        push dword 0x402        ; DF
        popfd
        mov edi, 0x3100
        mov ecx, 2
        rep insw
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read32(0x3000) == 0x13121110);
      CHECK(uint16_t(g.read32(0x3004)) == 0x1414);
      CHECK(g.read32(0x3006) == 0x15151515);
      CHECK(g.read32(0x9000) == 0x300A);
      CHECK(uint16_t(g.read32(0x3100)) == 0x1616);
      CHECK(uint16_t(g.read32(0x30FE)) == 0x1717);
      CHECK(g.reg(EDI) == 0x30FC);
      REQUIRE(dev.log.size() == 8);
      for (const Access& a : dev.log) {
        CHECK(!a.write);
        CHECK(a.port == 0x303);
      }
      CHECK(dev.log[4].size == 2);
      CHECK(dev.log[5].size == 4);
    }
  }
}

TEST_CASE("REP INS faulting at the ES limit does not read the port for the faulting element",
          "[isa][flow][string][io][fault]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      TestDevice dev;
      g.m.bus.map_io(0x60, 2, &dev);  // both ports of a word access
      g.cpu.s.seg[core::ES].limit = 0x1003;
      g.cpu.seg_refresh(core::ES);
      g.load(test::nasm("bits 16\n mov dx, 0x60\n mov di, 0x1000\n mov cx, 8\n rep insw\n hlt"), 0x2000);
      g.run();
      REQUIRE(g.fault);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault_eip == 0x2009);
      CHECK(dev.log.size() == 2);
      CHECK((g.reg(EDI) & 0xFFFF) == 0x1004);
      CHECK((g.reg(ECX) & 0xFFFF) == 6);
      CHECK(g.read32(0x1000) == 0x11111010);
    }
  }
}

TEST_CASE("IN and OUT reach the device with every size", "[isa][flow][io]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e, test::Mode::Real16);
      TestDevice dev;
      g.m.bus.map_io(0x3F8, 4, &dev);
      g.load(test::nasm(R"(bits 16
        mov dx, 0x3F8
        mov eax, 0x12345678
        out dx, al
        out dx, ax
        out dx, eax
        in al, dx
        mov bl, al
        in ax, dx
        mov cx, ax
        in eax, dx
        hlt)"),
             0x2000);
      g.run();
      REQUIRE(!g.fault);
      const std::vector<Access> expect = {
          {true, 0x3F8, 0x78, 1},       {true, 0x3F8, 0x5678, 2},  {true, 0x3F8, 0x12345678, 4},
          {false, 0x3F8, 0x10, 1},      {false, 0x3F8, 0x1111, 2}, {false, 0x3F8, 0x12121212, 4},
      };
      CHECK(dev.log == expect);
      CHECK((g.reg(EBX) & 0xFF) == 0x10);
      CHECK((g.reg(ECX) & 0xFFFF) == 0x1111);
      CHECK(g.reg(EAX) == 0x12121212);
    }
  }
}
