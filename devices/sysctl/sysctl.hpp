// The PC's miscellaneous system-control ports, one small chip:
//  - 0x61 (system control port B): bit 0 = PIT channel 2 gate, bit 1 =
//    speaker data enable, bits 2-3 = parity/IOCHK check disables (stored);
//    reads add bit 4 = refresh request toggle (flips every 15.085 us of
//    virtual time, as DRAM refresh paced by PIT channel 1 does; BIOSes and
//    Linux time short delays with it) and bit 5 = PIT channel 2 OUT.
//  - 0x92 (system control port A, "fast A20"): bit 1 = A20 gate, bit 0 = fast
//    reset (a 0 -> 1 write pulses the reset request); other bits are stored.
//  - 0x80 (POST code): remembers the last value written and, when the board
//    asks for it, reports every write (e.g. for `-d` logging).
// It knows neither the PIT nor the CPU: the gate, speaker, A20 and reset are
// output lines, and channel 2's OUT is read through a callback the board sets.
//
// State lives in one plain struct so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstdint>
#include <functional>

#include "core/bus.hpp"
#include "core/irq.hpp"
#include "core/scheduler.hpp"

namespace xlat::dev {

class SystemControl final : public core::ByteIoHandler {
 public:
  static constexpr uint16_t PORT_B = 0x61, PORT_A = 0x92, POST_PORT = 0x80;
  static constexpr uint64_t REFRESH_TOGGLE_NS = 15085;

  struct State {
    uint8_t port_b = 0;  // bits 0-3 as written
    uint8_t port_a = 0;  // as written
    uint8_t post = 0;    // last POST code
  };

  explicit SystemControl(core::Scheduler& sched) : sched_(sched) {}
  void reset();

  core::IrqLine pit_gate2;                // 0x61 bit 0
  core::IrqLine speaker;                  // 0x61 bit 1
  core::IrqLine a20;                      // 0x92 bit 1
  core::IrqLine reset_request;            // pulsed by 0x92 bit 0 going 0 -> 1
  std::function<bool()> pit_out2;         // PIT channel 2 OUT, for 0x61 bit 5
  std::function<void(uint8_t)> post_log;  // called on every POST code, if set

  uint8_t post_code() const { return st_.post; }

  uint8_t read(uint16_t port) override;
  void write(uint16_t port, uint8_t v) override;

  const State& state() const { return st_; }

 private:
  core::Scheduler& sched_;
  State st_;
};

}  // namespace xlat::dev
