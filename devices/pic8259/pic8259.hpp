// Intel 8259A programmable interrupt controller, and the PC's master/slave pair.
//
// Pic8259 is one chip: eight request inputs (set_irq), the INT output (intr),
// the two-port register interface (io.cpp) and the INTA cycle (inta()). The
// chip keeps the datasheet registers: IRR (requests), ISR (in service), IMR
// (mask), plus the ICW/OCW settings. Priorities rotate: `lowest` is the level
// with the lowest priority, so the highest is lowest+1 (mod 8).
//
// Triggering: an input is level-triggered if ICW1.LTIM is set or its bit in
// the ELCR (the PIIX edge/level control register, ports 0x4D0/0x4D1) is set.
// Edge mode latches a request on a rising edge; the request is dropped again
// if the input falls before INTA (which then finds nothing and answers with
// the spurious level 7, ISR untouched). Level mode: IRR follows the input.
// The master's cascade inputs (ICW3 bits) always follow the slave's INT level:
// that is board wiring, not a guest-visible setting, and it keeps a slave
// with several requests from losing one to a missed edge.
//
// PicPair wires two chips as on the PC/AT: slave INT -> master IR2, master
// ports 0x20/0x21, slave 0xA0/0xA1, ELCR 0x4D0/0x4D1 (the board maps them).
// It is the CPU's core::InterruptController: acknowledge() runs the INTA
// sequence over both chips and returns the vector (8086 mode only: an 8080
// mode ICW4 still answers with the 8086-style vector). Its `intr` output is
// the master's INT, for the board to connect to the CPU.
//
// State lives in one plain struct per chip so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstdint>

#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/irq.hpp"

namespace xlat::dev {

class Pic8259 final : public core::IoHandler {
 public:
  struct State {
    uint8_t irr = 0, isr = 0, imr = 0;
    uint8_t lines = 0;         // current input levels (for edge detection)
    uint8_t elcr = 0;          // 1 = level-triggered (PIIX ELCR)
    uint8_t elcr_mask = 0xFF;  // ELCR bits that exist for this chip
    uint8_t vector_base = 0;   // ICW2 & 0xF8
    uint8_t icw3 = 0;          // master: cascade inputs; slave: its id
    uint8_t lowest = 7;        // lowest-priority level (rotation)
    uint8_t init_step = 0;     // 0 = ready; 2..4 = expecting ICW2..ICW4
    bool icw4_needed = false, single = false, ltim = false;
    bool auto_eoi = false, rotate_on_aeoi = false, sfnm = false, x86_mode = true;
    bool special_mask = false;
    bool read_isr = false;  // OCW3 RR/RIS: even-port reads return ISR (else IRR)
    bool poll = false;      // OCW3 P: next even-port read is a poll
  };

  // `elcr_mask`: which inputs may be set level-triggered through the ELCR.
  explicit Pic8259(bool is_master, uint8_t elcr_mask = 0xFF);

  void reset();

  // Input pin `line` (0..7) now at `level`.
  void set_irq(unsigned line, bool level);

  // INT output.
  core::IrqLine intr;

  // The INTA cycle on this chip: picks the highest-priority request that may
  // interrupt, marks it in service (unless AEOI) and returns its level; -1 if
  // there is none (the caller answers with the spurious level 7).
  int inta();
  // True if `line` is a cascade input (master, ICW3 bit, not single mode).
  bool is_cascade(unsigned line) const;
  uint8_t vector_base() const { return st_.vector_base; }

  uint8_t elcr() const { return st_.elcr; }
  void set_elcr(uint8_t v);

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;
  uint8_t read(unsigned a0);
  void write(unsigned a0, uint8_t v);

  const State& state() const { return st_; }

 private:
  bool level_triggered(unsigned line) const;
  int highest_request() const;  // level that would interrupt now, or -1
  int highest_in_service(bool for_eoi) const;
  void eoi(int level, bool rotate);
  void init_icw1(uint8_t v);
  void update();

  State st_;
  bool master_;
};

class PicPair final : public core::InterruptController, public core::IoHandler {
 public:
  static constexpr uint16_t MASTER_PORT = 0x20, SLAVE_PORT = 0xA0, ELCR_PORT = 0x4D0;

  PicPair();
  void reset();

  // IRQ 0..15 inputs (2 is the cascade: a request there is never seen).
  void set_irq(unsigned irq, bool level);
  Pic8259& master() { return master_; }
  Pic8259& slave() { return slave_; }

  // INT output to the CPU (the master's INT).
  core::IrqLine& intr() { return master_.intr; }

  uint8_t acknowledge() override;

  // The ELCR ports (0x4D0: IRQ 0-7, 0x4D1: IRQ 8-15).
  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;

 private:
  Pic8259 master_, slave_;
};

}  // namespace xlat::dev
