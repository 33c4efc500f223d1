// Intel 8254 programmable interval timer: three 16-bit down counters on a
// common 1.193182 MHz clock (ports 0x40-0x42 counters, 0x43 control word).
//
// Nothing ticks. CLK edges are numbered globally from virtual time zero
// (tick(t) = floor(t * 1193182 / 1e9)), and each channel keeps a *timeline*:
// at tick `base_tick` its counting element (CE) held `count` and its output
// was `out`; CE and OUT at any later tick follow in closed form from the mode
// (pit8254.cpp). Every event that changes the timeline (control word, count
// write, gate edge, a new count taking effect at the end of a period) rebases
// it at the current tick. A count written by the CPU is loaded into CE on the
// next CLK, as the datasheet says, so for instance mode 0 with count N raises
// OUT N+1 clocks after the write.
//
// Reads (counter, latch, read-back status, and output() for port 0x61)
// compute from the Scheduler's current time. Only channels whose output is
// tracked (channel 0, IRQ0, by default) get scheduler events, one per output
// edge, to drive their IrqLine.
//
// Gates: channels 0 and 1 are tied high on the PC; channel 2's comes from
// port 0x61 bit 0 (devices/sysctl) and starts low. set_gate() drives them.
//
// State lives in one plain struct (State) so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstdint>

#include "core/bus.hpp"
#include "core/irq.hpp"
#include "core/scheduler.hpp"

namespace xlat::dev {

class Pit8254 final : public core::IoHandler {
 public:
  static constexpr uint64_t CLOCK_HZ = 1193182;

  struct Channel {
    // Programming (control word bits 5-0 as written; mode normalized 0-5).
    uint8_t ctrl = 0x30;
    uint8_t mode = 0;
    uint8_t rw = 3;  // 1 = LSB, 2 = MSB, 3 = LSB then MSB
    bool bcd = false;
    uint16_t cr = 0;         // count register, raw as written (BCD if bcd)
    bool cr_valid = false;   // a complete count was written since the control word
    bool write_msb = false;  // LSB/MSB access: the next write is the MSB
    uint8_t write_lsb = 0;
    bool read_msb = false;  // LSB/MSB access: the next read is the MSB
    bool count_latched = false;
    uint16_t latch = 0;
    bool status_latched = false;
    uint8_t status = 0;
    bool null_count = true;             // CR written but not yet loaded into CE...
    uint64_t null_until = core::NEVER;  // ...until this tick
    bool gate = true;

    // The timeline (see the top comment).
    bool counting = false;  // false: CE frozen at `count`, OUT at `out`
    uint64_t base_tick = 0;
    uint32_t count = 0;      // CE at base_tick (binary, 0 = full range)
    uint32_t n = 0;          // reload value in effect, 1..65536 (10000 in BCD)
    bool out = false;        // OUT at base_tick (mode 3: which half-cycle starts there)
    bool done = false;       // mode 4/5: the strobe already happened
    uint32_t pre_count = 0;  // CE and OUT shown before base_tick (load delay)
    bool pre_out = false;
    bool reload_pending = false;  // modes 2/3: a new count takes effect at switch_tick
    uint32_t pending_n = 0;
    uint64_t switch_tick = 0;
  };
  struct State {
    Channel ch[3];
  };

  // `track_output`: channels whose OUT drives out[i] through scheduler events.
  explicit Pit8254(core::Scheduler& sched, unsigned track_mask = 0x1);

  void reset();

  // OUT pins; out[0] is IRQ0 on the PC.
  core::IrqLine out[3];

  // Gate input of channel `c`.
  void set_gate(unsigned c, bool level);
  // OUT of channel `c` now (port 0x61 bit 5 reads channel 2's).
  bool output(unsigned c);
  // CE of channel `c` now (binary), for tests and debuggers.
  uint32_t counter(unsigned c);

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;
  uint8_t read(unsigned reg);  // reg = port & 3
  void write(unsigned reg, uint8_t v);

  const State& state() const { return st_; }

  // Tick index at virtual time t (ns), and the first ns at which tick i has begun.
  static uint64_t tick_at(uint64_t t_ns);
  static uint64_t time_of_tick(uint64_t tick);

 private:
  uint64_t now_tick() const { return tick_at(sched_.now()); }
  void sync(Channel& c, uint64_t t);
  uint32_t ce_at(const Channel& c, uint64_t t) const;
  bool out_at(const Channel& c, uint64_t t) const;
  uint64_t next_edge(const Channel& c, uint64_t t) const;
  void control(uint8_t v);
  void latch_count(Channel& c, uint64_t t);
  void latch_status(Channel& c, uint64_t t);
  void write_count(unsigned idx, uint8_t v);
  void load(unsigned idx, uint64_t t);
  void freeze(Channel& c, uint64_t t, bool out);
  void start(Channel& c, uint64_t t, uint32_t n, bool out);
  void track(unsigned idx);

  core::Scheduler& sched_;
  core::EventId edge_event_[3];
  unsigned track_mask_;
  State st_;
};

}  // namespace xlat::dev
