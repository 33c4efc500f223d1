// 8259A PIC pair driven through its ports (0x20/0x21, 0xA0/0xA1, 0x4D0/0x4D1)
// as the datasheet specifies: initialization, masking, priorities, EOI kinds,
// rotation, IRR/ISR reads, poll mode, spurious IRQ 7/15, cascade, ELCR.
#include "devices/pic8259/pic8259.hpp"

#include <catch2/catch.hpp>

#include "core/bus.hpp"

using namespace xlat;

namespace {

struct PicRig {
  core::Bus bus{1 << 20};
  dev::PicPair pic;
  bool intr = false;
  int intr_rises = 0;

  PicRig() {
    bus.map_io(0x20, 2, &pic.master());
    bus.map_io(0xA0, 2, &pic.slave());
    bus.map_io(0x4D0, 2, &pic);
    pic.intr().connect([this](bool l) {
      if (l && !intr) ++intr_rises;
      intr = l;
    });
  }
  void out(uint16_t p, uint8_t v) { bus.io_write(p, v, 1); }
  uint8_t in(uint16_t p) { return uint8_t(bus.io_read(p, 1)); }
  // The PC/AT initialization: edge, cascade, ICW4, 8086 mode.
  void init(uint8_t mbase = 0x08, uint8_t sbase = 0x70, uint8_t icw4 = 0x01) {
    out(0x20, 0x11), out(0x21, mbase), out(0x21, 0x04), out(0x21, icw4);
    out(0xA0, 0x11), out(0xA1, sbase), out(0xA1, 0x02), out(0xA1, icw4);
  }
  uint8_t irr(uint16_t base) { return out(base, 0x0A), in(base); }
  uint8_t isr(uint16_t base) { return out(base, 0x0B), in(base); }
  void raise(unsigned irq) { pic.set_irq(irq, true); }
  void lower(unsigned irq) { pic.set_irq(irq, false); }
  void pulse(unsigned irq) { raise(irq), lower(irq); }
};

}  // namespace

TEST_CASE("PIC: ICW1-4 then an IRQ is delivered at ICW2's vector and marked in service", "[pic8259]") {
  PicRig r;
  r.init(0x20, 0x28);
  CHECK(r.in(0x21) == 0x00);  // ICW1 clears the IMR
  CHECK(!r.intr);
  r.raise(3);
  CHECK(r.intr);
  CHECK(r.irr(0x20) == 0x08);
  CHECK(r.pic.acknowledge() == 0x23);
  CHECK(r.isr(0x20) == 0x08);
  CHECK(r.irr(0x20) == 0x00);  // edge request consumed by INTA
  CHECK(!r.intr);
}

TEST_CASE("PIC: OCW1 masks requests without losing them", "[pic8259]") {
  PicRig r;
  r.init();
  r.out(0x21, 0xFF);
  CHECK(r.in(0x21) == 0xFF);
  r.raise(4);
  CHECK(!r.intr);
  CHECK(r.irr(0x20) == 0x10);  // latched, just masked
  r.out(0x21, 0xEF);
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x0C);
}

TEST_CASE("PIC: a single-mode init without ICW3/ICW4 takes ICW2 then OCW1", "[pic8259]") {
  PicRig r;
  r.out(0x20, 0x13);  // single, ICW4 needed
  r.out(0x21, 0x40);
  r.out(0x21, 0x01);  // ICW4 (no ICW3 in single mode)
  r.out(0x21, 0xFB);  // OCW1
  CHECK(r.in(0x21) == 0xFB);
  r.pic.master().set_irq(2, true);  // not a cascade input in single mode
  CHECK(r.pic.acknowledge() == 0x42);
}

TEST_CASE("PIC: fixed priority, higher levels nest, lower levels wait for EOI", "[pic8259]") {
  PicRig r;
  r.init();
  r.raise(5), r.raise(3);
  CHECK(r.pic.acknowledge() == 0x0B);  // 3 beats 5
  CHECK(!r.intr);                      // 5 is below the level in service
  r.raise(1);
  CHECK(r.intr);  // 1 is above it: nests
  CHECK(r.pic.acknowledge() == 0x09);
  CHECK(r.isr(0x20) == 0x0A);
  r.out(0x20, 0x20);  // non-specific EOI: clears the highest (1)
  CHECK(r.isr(0x20) == 0x08);
  CHECK(!r.intr);
  r.out(0x20, 0x20);  // clears 3
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x0D);
}

TEST_CASE("PIC: specific EOI clears the named level only", "[pic8259]") {
  PicRig r;
  r.init();
  r.raise(6);
  r.pic.acknowledge();
  r.raise(4);  // IRQ4 nests above 6
  r.pic.acknowledge();
  CHECK(r.isr(0x20) == 0x50);
  r.out(0x20, 0x66);  // specific EOI level 6
  CHECK(r.isr(0x20) == 0x10);
}

TEST_CASE("PIC: rotation on EOI and the set-priority command", "[pic8259]") {
  PicRig r;
  r.init();
  r.raise(3);
  r.pic.acknowledge();
  r.out(0x20, 0xA0);  // rotate on non-specific EOI: 3 becomes lowest
  r.raise(0), r.raise(4);
  CHECK(r.pic.acknowledge() == 0x0C);  // order is now 4,5,6,7,0,1,2,3
  r.out(0x20, 0xE4);                   // rotate on specific EOI level 4
  CHECK(r.pic.acknowledge() == 0x08);  // 5..7 idle, then 0
  r.out(0x20, 0x20);
  r.out(0x20, 0xC6);  // set priority: 6 lowest, 7 highest
  r.raise(7), r.raise(0);
  CHECK(r.pic.acknowledge() == 0x0F);
}

TEST_CASE("PIC: automatic EOI leaves nothing in service, rotating if asked", "[pic8259]") {
  PicRig r;
  r.init(0x08, 0x70, 0x03);  // ICW4: 8086 + AEOI
  r.raise(5);
  CHECK(r.pic.acknowledge() == 0x0D);
  CHECK(r.isr(0x20) == 0x00);
  r.out(0x20, 0x80);  // rotate in AEOI mode
  r.raise(1);
  CHECK(r.pic.acknowledge() == 0x09);  // 1 becomes lowest
  r.raise(0), r.raise(7);
  CHECK(r.pic.acknowledge() == 0x0F);  // order 2..7,0,1: 7 before 0
}

TEST_CASE("PIC: OCW3 selects IRR or ISR for even-port reads; odd port reads the IMR", "[pic8259]") {
  PicRig r;
  r.init();
  r.raise(6), r.raise(1);
  r.pic.acknowledge();  // 1 in service, 6 requested
  CHECK(r.irr(0x20) == 0x40);
  CHECK(r.isr(0x20) == 0x02);
  CHECK(r.in(0x20) == 0x02);  // the selection sticks
  r.out(0x21, 0x81);
  CHECK(r.in(0x21) == 0x81);
}

TEST_CASE("PIC: poll mode reads the highest request and acknowledges it", "[pic8259]") {
  PicRig r;
  r.init();
  r.out(0x21, 0xFF);  // polled systems mask everything
  r.raise(5);
  CHECK(!r.intr);
  r.out(0x20, 0x0C);  // OCW3 poll
  // Masked requests are not polled either: nothing pending.
  CHECK(r.in(0x20) == 0x00);
  r.out(0x21, 0x00);
  r.out(0x20, 0x0C);
  CHECK(r.in(0x20) == 0x85);
  CHECK(r.isr(0x20) == 0x20);
  CHECK(r.irr(0x20) == 0x00);
}

TEST_CASE("PIC: special mask mode lets lower levels through while one is masked in service", "[pic8259]") {
  PicRig r;
  r.init();
  r.raise(3);
  r.pic.acknowledge();  // IRQ3 in service
  r.raise(5);
  CHECK(!r.intr);
  r.out(0x21, 0x08);  // mask 3
  r.out(0x20, 0x68);  // OCW3: set special mask mode
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x0D);
  // A non-specific EOI does not clear the masked level 3 in special mask mode.
  r.out(0x20, 0x20);
  CHECK(r.isr(0x20) == 0x08);
  r.out(0x20, 0x48);  // reset special mask mode
  r.out(0x20, 0x63);  // specific EOI 3
  CHECK(r.isr(0x20) == 0x00);
}

TEST_CASE("PIC: a request that disappears before INTA gives spurious IRQ 7", "[pic8259]") {
  PicRig r;
  r.init(0x20, 0x28);
  r.raise(3);
  CHECK(r.intr);
  r.lower(3);  // edge-triggered request removed before the acknowledge
  CHECK(!r.intr);
  CHECK(r.pic.acknowledge() == 0x27);
  CHECK(r.isr(0x20) == 0x00);  // a spurious IRQ 7 is not put in service
}

TEST_CASE("PIC: cascade delivers slave IRQs through IR2 with the slave's vector", "[pic8259]") {
  PicRig r;
  r.init(0x08, 0x70);
  r.raise(12);
  CHECK(r.intr);
  CHECK(r.irr(0x20) == 0x04);  // master sees the slave on IR2
  CHECK(r.pic.acknowledge() == 0x74);
  CHECK(r.isr(0x20) == 0x04);
  CHECK(r.isr(0xA0) == 0x10);
  // Higher slave levels do not nest while IR2 is in service (fully nested).
  r.raise(8);
  CHECK(!r.intr);
  r.out(0xA0, 0x20), r.out(0x20, 0x20);  // EOI slave then master
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x70);
  // Master IRQs below IR2 still preempt a slave interrupt.
  r.raise(0);
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x08);
}

TEST_CASE("PIC: special fully nested mode lets a higher slave IRQ nest under IR2", "[pic8259]") {
  PicRig r;
  r.out(0x20, 0x11), r.out(0x21, 0x08), r.out(0x21, 0x04), r.out(0x21, 0x11);  // SFNM
  r.out(0xA0, 0x11), r.out(0xA1, 0x70), r.out(0xA1, 0x02), r.out(0xA1, 0x01);
  r.raise(12);
  CHECK(r.pic.acknowledge() == 0x74);
  r.raise(8);
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x70);
}

TEST_CASE("PIC: a slave request gone at INTA gives spurious IRQ 15 and leaves IR2 in service", "[pic8259]") {
  PicRig r;
  r.init(0x08, 0x70);
  // The master latched IR2 but the slave has nothing when the INTA reaches it.
  r.pic.master().set_irq(2, true);
  CHECK(r.pic.acknowledge() == 0x77);
  CHECK(r.isr(0x20) == 0x04);  // the master must still get its EOI
  CHECK(r.isr(0xA0) == 0x00);
}

TEST_CASE("PIC: with no request at all, acknowledge answers IRQ 7's vector", "[pic8259]") {
  PicRig r;
  r.init(0x50, 0x58);
  CHECK(r.pic.acknowledge() == 0x57);
}

TEST_CASE("PIC: ELCR makes a line level-triggered; reserved bits stay zero", "[pic8259]") {
  PicRig r;
  r.init();
  r.out(0x4D0, 0xFF);
  r.out(0x4D1, 0xFF);
  CHECK(r.in(0x4D0) == 0xF8);  // IRQ 0-2 are always edge
  CHECK(r.in(0x4D1) == 0xDE);  // IRQ 8 and 13 are always edge
  r.raise(11);
  CHECK(r.pic.acknowledge() == 0x73);
  r.out(0xA0, 0x20), r.out(0x20, 0x20);
  // Still asserted after EOI: a level-triggered line requests again.
  CHECK(r.intr);
  CHECK(r.pic.acknowledge() == 0x73);
  r.out(0xA0, 0x20), r.out(0x20, 0x20);
  r.lower(11);
  CHECK(!r.intr);
  // Edge line for comparison: one request per rising edge.
  r.raise(1);
  r.pic.acknowledge();
  r.out(0x20, 0x20);
  CHECK(!r.intr);
}

TEST_CASE("PIC: ICW1 LTIM makes every input level-triggered", "[pic8259]") {
  PicRig r;
  r.out(0x20, 0x19), r.out(0x21, 0x08), r.out(0x21, 0x04), r.out(0x21, 0x01);
  r.raise(5);
  CHECK(r.pic.acknowledge() == 0x0D);
  r.out(0x20, 0x20);
  CHECK(r.intr);
  r.lower(5);
  CHECK(!r.intr);
}

TEST_CASE("PIC: re-initialization resets the edge sense: a held line needs a new edge", "[pic8259]") {
  PicRig r;
  r.init();
  r.raise(4);
  r.init();
  CHECK(r.irr(0x20) == 0x00);
  CHECK(!r.intr);
  r.lower(4), r.raise(4);
  CHECK(r.intr);
}
