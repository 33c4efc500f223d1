// Motorola MC146818 real-time clock and CMOS RAM (PC ports 0x70 index /
// 0x71 data, IRQ8).
//
// Port 0x70 selects a register (bits 6-0) and sets the NMI mask (bit 7, an
// output line for the board). Registers 0x00-0x09 are the clock and alarm,
// 0x0A-0x0D the status registers A-D, 0x0E-0x7F battery-backed RAM holding
// the standard PC bytes (set by the board: memory sizes, equipment) with the
// checksum of 0x10-0x2D at 0x2E/0x2F. The century lives at 0x32 and is kept
// by the clock like the other date fields.
//
// Time: the clock is seconds since the Unix epoch (UTC), anchored to virtual
// time: rtc_ns(t) = offset + t, starting from the host clock or a fixed
// instant (Config). An update cycle starts at every whole second of rtc_ns;
// UIP (register A bit 7) is set from 244 us before it to the end of the
// 1984 us cycle, and the registers show the new second from that end on,
// when the update-ended flag (and the alarm flag on a match) is raised by a
// scheduler event. Registers are encoded on the fly per register B (BCD or
// binary, 12 or 24 hour), so changing DM or 24/12 re-encodes the current
// time instead of leaving stale bytes as the chip would; software sets the
// format before the time, so this is invisible in practice.
// Register B SET freezes the clock for writing (the divider keeps running,
// so the sub-second phase survives); fields written then are kept raw and
// converted back to a time when SET is cleared. Register A DV = 11x holds the
// divider in reset; leaving it, the first update comes 500 ms later.
// Periodic flags come from a 32.768 kHz divider on rtc_ns (rates per RS);
// PF is computed on demand, and scheduled as events only while PIE is on.
// Reading register C returns and clears the flags; the IRQ8 output is IRQF.
//
// State lives in one plain struct so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstdint>

#include "core/bus.hpp"
#include "core/irq.hpp"
#include "core/scheduler.hpp"

namespace xlat::dev {

class CmosRtc final : public core::IoHandler {
 public:
  static constexpr uint16_t INDEX_PORT = 0x70, DATA_PORT = 0x71;
  static constexpr int64_t UIP_LEAD_NS = 244000;  // UIP before an update
  static constexpr int64_t UPDATE_NS = 1984000;   // update cycle length

  struct Config {
    bool host_clock = true;   // start from the host's clock (UTC)...
    int64_t start_epoch = 0;  // ...or from this many seconds since 1970 (UTC)
  };

  struct Fields {  // a broken-down time, as the guest wrote it during SET
    int year = 1970, month = 1, day = 1, hour = 0, min = 0, sec = 0, wday = 4;  // wday 0 = Sunday
  };

  struct State {
    uint8_t index = 0;
    bool nmi_masked = false;
    uint8_t ram[128] = {};  // 0x0E-0x7F (entries below 0x0E unused except alarms)
    uint8_t reg_a = 0x26;   // DV = 010 (32.768 kHz), RS = 6 (1024 Hz)
    uint8_t reg_b = 0x02;   // 24 hour, BCD
    uint8_t flags = 0;      // register C bits 6-4 latched by events
    int64_t offset_ns = 0;  // rtc_ns = offset_ns + virtual time
    bool frozen = false;    // SET or divider reset: the clock does not advance
    Fields held;            // the clock while frozen
    int dow_offset = 0;     // day-of-week register minus the computed weekday (mod 7)
    uint64_t pf_mark = 0;   // periodic index at the last register C read
  };

  explicit CmosRtc(core::Scheduler& sched);  // host clock
  CmosRtc(core::Scheduler& sched, Config cfg);

  // The RESET pin: clears PIE/AIE/UIE/SQWE and the flags; time and RAM stay.
  void reset();

  core::IrqLine irq;       // IRQ8
  core::IrqLine nmi_mask;  // high while port 0x70 bit 7 masks NMI

  // Board API: RAM bytes (0x0E-0x7F) and the standard memory-size bytes;
  // both keep the checksum at 0x2E/0x2F current.
  void set_byte(uint8_t index, uint8_t v);
  uint8_t byte(uint8_t index) const { return st_.ram[index & 0x7F]; }
  // Base memory 640 KiB (0x15/0x16), KiB above 1 MiB up to 64 MiB (0x17/0x18
  // and 0x30/0x31), 64 KiB blocks above 16 MiB (0x34/0x35); `bytes` is the RAM
  // below 4 GiB.
  void set_memory_size(uint64_t bytes);

  // The clock now, in seconds since 1970 (UTC).
  int64_t time_now() const;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;
  uint8_t read_register(uint8_t index);
  void write_register(uint8_t index, uint8_t v);

  const State& state() const { return st_; }

 private:
  int64_t rtc_ns() const { return st_.offset_ns + int64_t(sched_.now()); }
  bool divider_running() const { return ((st_.reg_a >> 4) & 7) < 6; }
  unsigned periodic_shift() const;  // log2 of the period in 32.768 kHz ticks; 0 = off
  uint64_t periodic_index() const;
  Fields fields_now() const;
  uint8_t encode(int v) const;
  int decode(uint8_t v) const;
  uint8_t encode_hour(int h) const;
  int decode_hour(uint8_t v) const;
  uint8_t time_register(unsigned index) const;
  void write_time_register(unsigned index, uint8_t v);
  void freeze();
  void thaw();
  bool periodic_due() const;
  void fold_periodic();
  void update_checksum();
  void schedule_update();
  void schedule_periodic();
  void on_update();
  void on_periodic();
  void update_irq();

  core::Scheduler& sched_;
  core::EventId update_event_, periodic_event_;
  State st_;
};

}  // namespace xlat::dev
