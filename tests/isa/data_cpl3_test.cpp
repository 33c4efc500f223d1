// Flag and I/O instructions at CPL 3 (entered with SYSEXIT): POPF keeps IOPL,
// and IF too when CPL > IOPL, without faulting; INS/OUTS check the TSS I/O
// permission bitmap before the first iteration and fault with #GP(0) and
// nothing changed when a port is denied. The programs end at HLT, which is
// #GP(0) at CPL 3.
#include <catch2/catch.hpp>

#include "tests/core/system_guest_util.hpp"

using namespace xlat;
using core::EAX, core::ECX, core::EDX, core::EBX, core::ESI, core::EDI;
namespace fl = core::fl;

namespace {

class NullDevice : public core::IoHandler {
 public:
  int accesses = 0;
  uint32_t io_read(uint16_t, unsigned) override {
    ++accesses;
    return 0x5A5A5A5A;
  }
  void io_write(uint16_t, uint32_t, unsigned) override { ++accesses; }
};

// Runs `ring3` (which ends with HLT) at CPL 3 with the given IOPL; returns
// the offset of the faulting instruction from the `ring3` label.
uint32_t run_ring3(test::Guest& g, const std::string& ring3, unsigned iopl) {
  g.cpu.s.eflags = (g.cpu.s.eflags & ~fl::IOPL) | (iopl << 12);
  g.load(test::nasm(test::prelude32() + "  TO_RING3 ring3\nring3:\n" + ring3 + "\n  hlt"));
  g.run();
  REQUIRE(g.fault);
  REQUIRE(g.cpu.s.cpl == 3);
  const uint32_t start = uint32_t(test::nasm(test::prelude32() + "  TO_RING3 ring3\nring3:\n").size());
  return g.fault_eip - test::Guest::CODE - start;
}

uint32_t size_of(const std::string& code) { return uint32_t(test::nasm("bits 32\n" + code).size()); }

}  // namespace

TEST_CASE("popf at CPL 3 cannot change IOPL, nor IF when CPL > IOPL", "[isa][flow][stack][popf][cpl3]") {
  const std::string body = R"(
        push dword 0x3A03       ; IOPL 3, IF, OF, CF
        popfd
        pushfd
        pop eax
        push word 0x0000
        popfw
        pushfd
        pop ebx)";
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " IOPL 0") {
      test::Guest g(e);
      test::setup_tables(g);
      CHECK(run_ring3(g, body, 0) == size_of(body));
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.reg(EAX) == 0x0803);  // OF and CF changed; IF and IOPL did not
      CHECK(g.reg(EBX) == 0x0002);
    }
    DYNAMIC_SECTION(e << " IOPL 3") {
      test::Guest g(e);
      test::setup_tables(g);
      CHECK(run_ring3(g, body, 3) == size_of(body));
      CHECK(g.reg(EAX) == 0x3A03);  // CPL <= IOPL: IF changes, IOPL stays 3
      CHECK(g.reg(EBX) == 0x3002);
    }
  }
}

TEST_CASE("ins and outs at CPL 3 follow the I/O permission bitmap", "[isa][flow][string][io][cpl3]") {
  const std::string denied = R"(
        mov esi, 0x2000
        mov edi, 0x3000
        mov ecx, 4
        mov dx, 0x300
        rep outsb)";
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e << " denied") {
      test::Guest g(e);
      test::setup_tables(g);
      NullDevice dev;
      g.m.bus.map_io(0x300, 4, &dev);
      CHECK(run_ring3(g, denied, 0) == size_of(denied) - 2);  // the REP OUTSB itself
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(g.fault->error == 0);
      CHECK(dev.accesses == 0);
      CHECK(g.reg(ESI) == 0x2000);
      CHECK(g.reg(ECX) == 4);
    }
    DYNAMIC_SECTION(e << " a word access needs both ports") {
      test::Guest g(e);
      test::setup_tables(g);
      test::allow_ports(g, 0x300, 1);
      NullDevice dev;
      g.m.bus.map_io(0x300, 4, &dev);
      const std::string body = "mov dx, 0x300\n mov edi, 0x3000\n insb\n insw";
      CHECK(run_ring3(g, body, 0) == size_of(body) - 2);
      CHECK(g.fault->vector == core::VEC_GP);
      CHECK(dev.accesses == 1);
      CHECK(g.reg(EDI) == 0x3001);
    }
    DYNAMIC_SECTION(e << " allowed") {
      test::Guest g(e);
      test::setup_tables(g);
      test::allow_ports(g, 0x300, 4);
      NullDevice dev;
      g.m.bus.map_io(0x300, 4, &dev);
      const std::string body = "mov dx, 0x300\n mov edi, 0x3000\n mov ecx, 3\n rep insw\n mov esi, 0x3000\n outsd";
      CHECK(run_ring3(g, body, 0) == size_of(body));
      CHECK(dev.accesses == 4);
      CHECK(g.reg(EDI) == 0x3006);
      CHECK(g.read32(0x3000) == 0x5A5A5A5A);
    }
  }
}
