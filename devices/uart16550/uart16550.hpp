// National 16550A UART (PC COM1 at 0x3F8/IRQ4, COM2 at 0x2F8/IRQ3).
//
// Registers by offset (DLAB = LCR bit 7): 0 RBR/THR or DLL, 1 IER or DLM,
// 2 IIR (read) / FCR (write), 3 LCR, 4 MCR, 5 LSR, 6 MSR, 7 SCR.
//
// Receive: bytes enter a 16-byte FIFO (1 byte when FIFOs are off) from the
// host side (rx_source, polled by a scheduler event at the character rate
// while bytes flow and every millisecond otherwise, never faster than the
// FIFO drains: host input is held back rather than overrun) or, in loopback,
// from the transmitter. Overrun (LSR.OE) happens only when the guest's own
// loopback traffic fills the FIFO. The character timeout interrupt fires
// when the FIFO holds data and nothing was received or read for four
// character times.
//
// Transmit: with TxPacing::Immediate (the default) a byte written to THR goes
// to tx_sink at once and THR/TSR are empty again right away, so a console
// costs nothing; TxPacing::Baud holds bytes in the 16-byte TX FIFO and sends
// one per character time (start + data + parity + stop bits at the divisor's
// baud rate) of virtual time.
//
// Interrupts, by IIR priority: receiver line status (OE), received data
// (FIFO at the trigger level) or character timeout, THR empty, modem status.
// THRE is raised when THR/FIFO empties or when IER.ETBEI is turned on with
// THR empty, and cleared by reading IIR (when it is the source shown) or
// writing THR. The IRQ pin is driven as on the PC: only while MCR.OUT2 is
// set, and not in loopback (the datasheet forces the OUT pins inactive then).
// Loopback (MCR bit 4) wires TX to RX and RTS/DTR/OUT1/OUT2 to CTS/DSR/RI/DCD.
// The host side's modem inputs default to CTS, DSR and DCD asserted.
//
// State lives in one plain struct so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/bus.hpp"
#include "core/irq.hpp"
#include "core/scheduler.hpp"

namespace xlat::dev {

class Uart16550 final : public core::IoHandler {
 public:
  static constexpr uint16_t COM1 = 0x3F8, COM2 = 0x2F8;
  static constexpr uint64_t INPUT_CLOCK_HZ = 1843200;
  static constexpr uint64_t IDLE_POLL_NS = 1000000;  // host input poll when nothing flows
  static constexpr unsigned FIFO_SIZE = 16;

  enum class TxPacing { Immediate, Baud };

  struct Fifo {
    uint8_t data[FIFO_SIZE] = {};
    uint8_t head = 0, count = 0;
    void clear() { head = count = 0; }
    void push(uint8_t b) { data[(head + count++) % FIFO_SIZE] = b; }
    uint8_t pop() {
      const uint8_t b = data[head];
      head = uint8_t((head + 1) % FIFO_SIZE);
      --count;
      return b;
    }
  };

  struct State {
    uint16_t divisor = 12;  // 9600 baud
    uint8_t ier = 0, lcr = 0, mcr = 0, scr = 0;
    uint8_t fcr = 0;            // enable, DMA mode and trigger bits as last written
    uint8_t lsr_errors = 0;     // LSR bits 1-4 (only OE occurs here)
    uint8_t msr_inputs = 0;     // MSR bits 4-7 as seen now
    uint8_t msr_deltas = 0;     // MSR bits 0-3
    uint8_t host_modem = 0xB0;  // host-side CTS, DSR, RI, DCD (MSR bit layout)
    uint8_t rbr = 0;            // last byte read from the receiver
    Fifo rx, tx;
    bool tx_busy = false;  // TxPacing::Baud: a byte is in the shift register
    uint8_t tsr = 0;
    bool thre_pending = false;
    bool timeout_pending = false;
  };

  Uart16550(core::Scheduler& sched, std::string name = "uart", TxPacing pacing = TxPacing::Immediate);

  void reset();

  core::IrqLine irq;
  // Bytes the guest transmits (not called in loopback).
  std::function<void(uint8_t)> tx_sink;
  // Host input: returns true and a byte if one is waiting. Setting a source
  // starts the receive poll.
  void set_rx_source(std::function<bool(uint8_t&)> source);
  // Pushes one received byte now (tests, or boards that push); false if the
  // receiver cannot take it (FIFO full or in loopback), nothing is lost then.
  bool receive(uint8_t b);
  // Host-side modem inputs (MSR bits 4-7 when not in loopback).
  void set_modem_inputs(bool cts, bool dsr, bool ri, bool dcd);

  // Virtual nanoseconds per character at the current divisor and LCR format.
  uint64_t char_time_ns() const;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;
  uint8_t read(unsigned reg);
  void write(unsigned reg, uint8_t v);

  const State& state() const { return st_; }

 private:
  bool fifo_enabled() const { return st_.fcr & 1; }
  bool loopback() const { return st_.mcr & 0x10; }
  unsigned capacity() const { return fifo_enabled() ? FIFO_SIZE : 1; }
  unsigned trigger_level() const;
  uint8_t lsr() const;
  uint8_t interrupt_id() const;  // IIR bits 3-0
  void rx_byte(uint8_t b);       // a character completed in the receiver
  void transmit(uint8_t b);
  void start_tx();
  void tx_done();
  void restart_timeout();
  void poll_host();
  void set_modem(uint8_t inputs);
  void update_irq();

  core::Scheduler& sched_;
  TxPacing pacing_;
  std::function<bool(uint8_t&)> rx_source_;
  core::EventId tx_event_, timeout_event_, poll_event_;
  State st_;
};

}  // namespace xlat::dev
