// 8259A behaviour: request latching, priority resolution, INTA, EOI and the
// PC's cascaded pair. See pic8259.hpp for the model.
#include "devices/pic8259/pic8259.hpp"

namespace xlat::dev {

Pic8259::Pic8259(bool is_master, uint8_t elcr_mask) : master_(is_master) {
  st_.elcr_mask = elcr_mask;
  reset();
}

void Pic8259::reset() {
  const uint8_t lines = st_.lines, mask = st_.elcr_mask;
  st_ = State{};
  st_.lines = lines;  // the inputs are driven from outside the chip
  st_.elcr_mask = mask;
  update();
}

bool Pic8259::is_cascade(unsigned line) const { return master_ && !st_.single && (st_.icw3 >> line & 1); }

bool Pic8259::level_triggered(unsigned line) const {
  return st_.ltim || (st_.elcr >> line & 1) || is_cascade(line);
}

void Pic8259::set_irq(unsigned line, bool level) {
  const uint8_t b = uint8_t(1u << (line & 7));
  const bool was = st_.lines & b;
  st_.lines = level ? (st_.lines | b) : (st_.lines & ~b);
  if (level_triggered(line & 7)) {
    st_.irr = level ? (st_.irr | b) : (st_.irr & ~b);
  } else if (level && !was) {
    st_.irr |= b;  // rising edge latches a request
  } else if (!level) {
    st_.irr &= ~b;  // the request went away before INTA
  }
  update();
}

void Pic8259::set_elcr(uint8_t v) {
  st_.elcr = v & st_.elcr_mask;
  // Inputs now level-triggered show their current level.
  for (unsigned l = 0; l < 8; ++l)
    if (level_triggered(l)) st_.irr = (st_.irr & ~(1u << l)) | (st_.lines & (1u << l));
  update();
}

// The level that would interrupt the CPU now, in rotated priority order. An
// in-service level blocks itself and everything below it, except that special
// mask mode ignores masked in-service levels, and special fully nested mode
// lets a cascade input in service be requested again (by a higher slave IR).
int Pic8259::highest_request() const {
  const uint8_t pending = st_.irr & ~st_.imr;
  if (!pending) return -1;
  uint8_t blocking = st_.isr;
  if (st_.special_mask) blocking &= ~st_.imr;
  const uint8_t nested = (master_ && st_.sfnm && !st_.single) ? st_.icw3 : 0;
  for (unsigned k = 0; k < 8; ++k) {
    const unsigned level = (st_.lowest + 1 + k) & 7;
    const uint8_t b = uint8_t(1u << level);
    if (pending & b) return (!(blocking & b) || (nested & b)) ? int(level) : -1;
    if (blocking & b) return -1;
  }
  return -1;
}

int Pic8259::highest_in_service(bool for_eoi) const {
  uint8_t isr = st_.isr;
  if (for_eoi && st_.special_mask) isr &= ~st_.imr;  // masked levels need a specific EOI
  for (unsigned k = 0; k < 8; ++k) {
    const unsigned level = (st_.lowest + 1 + k) & 7;
    if (isr >> level & 1) return int(level);
  }
  return -1;
}

int Pic8259::inta() {
  const int l = highest_request();
  if (l < 0) {
    update();
    return -1;
  }
  const uint8_t b = uint8_t(1u << l);
  if (!level_triggered(unsigned(l))) st_.irr &= ~b;  // edge latch consumed
  if (st_.auto_eoi) {
    if (st_.rotate_on_aeoi) st_.lowest = uint8_t(l);
  } else {
    st_.isr |= b;
  }
  update();
  return l;
}

void Pic8259::eoi(int level, bool rotate) {
  if (level < 0) return;
  st_.isr &= ~(1u << level);
  if (rotate) st_.lowest = uint8_t(level);
}

void Pic8259::init_icw1(uint8_t v) {
  st_.icw4_needed = v & 0x01;
  st_.single = v & 0x02;
  st_.ltim = v & 0x08;
  // Datasheet: edge sense reset, IMR cleared, IR7 lowest priority, special
  // mask mode off, status read = IRR; without ICW4 its functions are zero.
  st_.imr = 0;
  st_.isr = 0;
  st_.lowest = 7;
  st_.special_mask = false;
  st_.read_isr = false;
  st_.poll = false;
  st_.rotate_on_aeoi = false;
  if (!st_.icw4_needed) {
    st_.x86_mode = false;
    st_.auto_eoi = false;
    st_.sfnm = false;
  }
  st_.irr = 0;
  for (unsigned l = 0; l < 8; ++l)
    if (level_triggered(l)) st_.irr |= st_.lines & (1u << l);
  st_.init_step = 2;
  update();
}

uint8_t Pic8259::read(unsigned a0) {
  if (st_.poll) {
    // Poll: this read is the INTA; bit 7 = a request was pending, 2-0 = level.
    st_.poll = false;
    const int l = inta();
    return l < 0 ? 0x00 : uint8_t(0x80 | l);
  }
  if (a0) return st_.imr;
  return st_.read_isr ? st_.isr : st_.irr;
}

void Pic8259::write(unsigned a0, uint8_t v) {
  if (!a0) {
    if (v & 0x10) {
      init_icw1(v);
    } else if (v & 0x08) {  // OCW3
      if (v & 0x40) st_.special_mask = v & 0x20;
      if (v & 0x04) st_.poll = true;
      if (v & 0x02) st_.read_isr = v & 0x01;
      update();
    } else {  // OCW2
      const int l = v & 7;
      switch (v >> 5) {
        case 1: eoi(highest_in_service(true), false); break;  // non-specific EOI
        case 3: eoi(l, false); break;                         // specific EOI
        case 5: eoi(highest_in_service(true), true); break;   // rotate on non-specific EOI
        case 7: eoi(l, true); break;                          // rotate on specific EOI
        case 4: st_.rotate_on_aeoi = true; break;
        case 0: st_.rotate_on_aeoi = false; break;
        case 6: st_.lowest = uint8_t(l); break;  // set priority
        default: break;                          // 2: no operation
      }
      update();
    }
    return;
  }
  switch (st_.init_step) {
    case 2:
      st_.vector_base = v & 0xF8;
      st_.init_step = st_.single ? (st_.icw4_needed ? 4 : 0) : 3;
      break;
    case 3:
      st_.icw3 = v;
      st_.init_step = st_.icw4_needed ? 4 : 0;
      // Cascade inputs follow the slave's INT from now on.
      for (unsigned l = 0; l < 8; ++l)
        if (level_triggered(l)) st_.irr = (st_.irr & ~(1u << l)) | (st_.lines & (1u << l));
      break;
    case 4:
      st_.x86_mode = v & 0x01;
      st_.auto_eoi = v & 0x02;
      st_.sfnm = v & 0x10;
      st_.init_step = 0;
      break;
    default:
      st_.imr = v;  // OCW1
      break;
  }
  update();
}

void Pic8259::update() { intr.set(st_.init_step == 0 && highest_request() >= 0); }

// --- the PC/AT pair --------------------------------------------------------

// PIIX ELCR: IRQ 0, 1, 2, 8 and 13 are always edge-triggered.
PicPair::PicPair() : master_(true, 0xF8), slave_(false, 0xDE) {
  slave_.intr.connect([this](bool level) { master_.set_irq(2, level); });
}

void PicPair::reset() {
  slave_.reset();
  master_.reset();
  master_.set_irq(2, slave_.intr.level());
}

void PicPair::set_irq(unsigned irq, bool level) {
  if (irq < 8) {
    if (irq != 2) master_.set_irq(irq, level);
  } else if (irq < 16) {
    slave_.set_irq(irq - 8, level);
  }
}

uint8_t PicPair::acknowledge() {
  const int l = master_.inta();
  if (l < 0) return master_.vector_base() | 7;  // spurious IRQ 7
  if (!master_.is_cascade(unsigned(l))) return uint8_t(master_.vector_base() | l);
  // The slave whose id matches the cascade address supplies the vector; if
  // none does, nothing drives the data bus.
  if ((slave_.state().icw3 & 7) != unsigned(l)) return 0xFF;
  const int s = slave_.inta();
  return uint8_t(slave_.vector_base() | (s < 0 ? 7 : s));  // spurious IRQ 15
}

}  // namespace xlat::dev
