// 8254 counting in closed form. For a counting channel at tick t, with
// j = t - base_tick clocks since its timeline began (see pit8254.hpp):
//   mode 0/1 (interrupt on terminal count / one-shot): CE = count - j (wraps);
//            OUT rises when j reaches count (0 = full range) and stays high.
//   mode 4/5 (strobes): CE = count - j; OUT is low for the single clock
//            j == count, unless the strobe already happened (done).
//   mode 2   (rate generator): period n; CE = n - (j mod n); OUT low only
//            while CE = 1.
//   mode 3   (square wave): period n, high for ceil(n/2) clocks and low for
//            floor(n/2), CE counting down by two from n (n-1 if odd); `out`
//            says which half the timeline starts in.
// Gate low freezes modes 0, 2, 3, 4 (modes 2/3 also force OUT high); a gate
// rising edge reloads modes 1, 2, 3, 5 on the next clock.
#include "devices/pit8254/pit8254.hpp"

namespace xlat::dev {

namespace {

using Channel = Pit8254::Channel;

uint32_t modulus(const Channel& c) { return c.bcd ? 10000 : 65536; }
uint32_t distance(const Channel& c, uint32_t v) { return v == 0 ? modulus(c) : v; }
uint32_t from_bcd(uint16_t raw) {
  return (((raw >> 12) & 15) * 1000 + ((raw >> 8) & 15) * 100 + ((raw >> 4) & 15) * 10 + (raw & 15)) % 10000;
}
uint16_t to_bcd(uint32_t v) {
  return uint16_t((v / 1000 % 10) << 12 | (v / 100 % 10) << 8 | (v / 10 % 10) << 4 | (v % 10));
}
uint16_t display(const Channel& c, uint32_t ce) { return c.bcd ? to_bcd(ce) : uint16_t(ce); }
uint32_t loaded_value(const Channel& c) { return c.bcd ? from_bcd(c.cr) : c.cr; }

}  // namespace

uint64_t Pit8254::tick_at(uint64_t t_ns) {
  return uint64_t((unsigned __int128)t_ns * CLOCK_HZ / 1000000000u);
}

uint64_t Pit8254::time_of_tick(uint64_t tick) {
  return uint64_t(((unsigned __int128)tick * 1000000000u + CLOCK_HZ - 1) / CLOCK_HZ);
}

Pit8254::Pit8254(core::Scheduler& sched, unsigned track_mask) : sched_(sched), track_mask_(track_mask) {
  for (unsigned i = 0; i < 3; ++i) {
    edge_event_[i] = sched_.add("pit.out" + std::to_string(i), [this, i] {
      sync(st_.ch[i], now_tick());
      track(i);
    });
  }
  st_.ch[2].gate = false;  // PC: port 0x61 bit 0 is clear after reset
  reset();
}

void Pit8254::reset() {
  bool gates[3];
  for (unsigned i = 0; i < 3; ++i) gates[i] = st_.ch[i].gate;
  st_ = State{};
  for (unsigned i = 0; i < 3; ++i) {
    st_.ch[i].gate = gates[i];
    sched_.cancel(edge_event_[i]);
    if (track_mask_ >> i & 1) out[i].set(false);
  }
}

uint32_t Pit8254::ce_at(const Channel& c, uint64_t t) const {
  if (!c.counting) return c.count;
  if (t < c.base_tick) return c.pre_count;
  const uint64_t j = t - c.base_tick;
  const uint32_t m = modulus(c);
  switch (c.mode) {
    case 2: return (c.n - uint32_t(j % c.n)) % m;
    case 3: {
      const uint32_t hi = (c.n + 1) / 2, start = c.n & ~1u;
      const uint32_t pos = uint32_t((j + (c.out ? 0 : hi)) % c.n);
      return (pos < hi ? start - 2 * pos : start - 2 * (pos - hi)) % m;
    }
    default: return uint32_t((c.count + m - j % m) % m);
  }
}

bool Pit8254::out_at(const Channel& c, uint64_t t) const {
  if (!c.counting) return c.out;
  if (t < c.base_tick) return c.pre_out;
  const uint64_t j = t - c.base_tick;
  switch (c.mode) {
    case 0:
    case 1: return c.out || j >= distance(c, c.count);
    case 2: return j % c.n != c.n - 1;
    case 3: {
      const uint32_t hi = (c.n + 1) / 2;
      return (j + (c.out ? 0 : hi)) % c.n < hi;
    }
    default:  // 4, 5
      return c.done || j != distance(c, c.count);
  }
}

uint64_t Pit8254::next_edge(const Channel& c, uint64_t t) const {
  if (!c.counting) return core::NEVER;
  uint64_t from = t;
  if (t < c.base_tick) {
    if (out_at(c, c.base_tick) != c.pre_out) return c.base_tick;
    from = c.base_tick;
  }
  const uint64_t j = from - c.base_tick;
  switch (c.mode) {
    case 0:
    case 1: {
      const uint64_t d = distance(c, c.count);
      return (!c.out && j < d) ? c.base_tick + d : core::NEVER;
    }
    case 2: {
      if (c.n < 2) return core::NEVER;
      const uint64_t ph = j % c.n;
      return ph < c.n - 1 ? from + (c.n - 1 - ph) : from + 1;
    }
    case 3: {
      const uint32_t hi = (c.n + 1) / 2;
      if (c.n - hi == 0) return core::NEVER;
      const uint64_t pos = (j + (c.out ? 0 : hi)) % c.n;
      return pos < hi ? from + (hi - pos) : from + (c.n - pos);
    }
    default: {  // 4, 5
      if (c.done) return core::NEVER;
      const uint64_t d = distance(c, c.count);
      if (j < d) return c.base_tick + d;
      if (j == d) return c.base_tick + d + 1;
      return core::NEVER;
    }
  }
}

// Applies what became due by tick t: a mode 2/3 count written during counting
// takes over at the end of the period (mode 2) or half-cycle (mode 3).
void Pit8254::sync(Channel& c, uint64_t t) {
  if (c.reload_pending && t >= c.switch_tick) {
    const bool before = out_at(c, c.switch_tick - 1);
    c.base_tick = c.switch_tick;
    c.n = c.pending_n;
    c.out = c.mode == 3 ? !before : true;
    c.reload_pending = false;
  }
  if (c.null_count && t >= c.null_until) c.null_count = false;
}

void Pit8254::freeze(Channel& c, uint64_t t, bool out) {
  if (c.counting && t >= c.base_tick) {
    if ((c.mode == 4 || c.mode == 5) && t - c.base_tick >= distance(c, c.count)) c.done = true;
    c.count = ce_at(c, t);
  }
  if (c.reload_pending) {
    c.n = c.pending_n;
    c.reload_pending = false;
  }
  c.out = out;
  c.counting = false;
}

// Begins a timeline whose first clock is t (the load), CE = n's loaded value.
void Pit8254::start(Channel& c, uint64_t t, uint32_t value, bool out) {
  const uint64_t now = now_tick();
  c.pre_count = ce_at(c, now);
  c.pre_out = out_at(c, now);
  c.base_tick = t;
  c.count = value;
  c.n = distance(c, value);
  c.out = out;
  c.done = false;
  c.reload_pending = false;
  c.counting = true;
  c.null_until = t;
}

void Pit8254::load(unsigned idx, uint64_t t) {
  Channel& c = st_.ch[idx];
  const uint32_t value = loaded_value(c);
  c.cr_valid = true;
  c.null_count = true;
  c.null_until = core::NEVER;
  switch (c.mode) {
    case 0:
    case 4:
      start(c, t + 1, value, c.mode == 4);
      if (c.mode == 0) c.pre_out = false;  // mode 0: OUT low from the write on
      if (!c.gate) freeze(c, t, c.out);    // loaded, but does not count yet
      break;
    case 1:
    case 5:
      c.n = distance(c, value);  // waits for a gate trigger
      break;
    default:  // 2, 3
      if (c.counting && t >= c.base_tick) {
        const uint64_t j = t - c.base_tick;
        uint64_t sw;
        if (c.mode == 2) {
          sw = c.base_tick + (j / c.n + 1) * c.n;
        } else {
          const uint32_t hi = (c.n + 1) / 2;
          const uint64_t pos = (j + (c.out ? 0 : hi)) % c.n;
          sw = t + (pos < hi ? hi - pos : c.n - pos);
        }
        c.reload_pending = true;
        c.pending_n = distance(c, value);
        c.switch_tick = sw;
        c.null_until = sw;
      } else if (c.counting) {
        c.n = distance(c, value);  // still in the load delay: replace the count
        c.count = value;
        c.null_until = c.base_tick;
      } else if (c.gate) {
        start(c, t + 1, value, true);
      } else {
        c.n = distance(c, value);  // loads on the gate's rising edge
      }
      break;
  }
  track(idx);
}

void Pit8254::set_gate(unsigned idx, bool level) {
  Channel& c = st_.ch[idx];
  const uint64_t t = now_tick();
  sync(c, t);
  const bool rising = level && !c.gate, falling = !level && c.gate;
  c.gate = level;
  switch (c.mode) {
    case 0:
    case 4:
      if (falling && c.counting) {
        freeze(c, t, out_at(c, t));
      } else if (rising && c.cr_valid && !c.counting) {
        c.base_tick = t;  // CE keeps its value; the next clock decrements it
        c.counting = true;
      }
      break;
    case 1:
    case 5:
      if (rising && c.cr_valid) start(c, t + 1, loaded_value(c), c.mode == 5);
      break;
    default:  // 2, 3
      if (falling) {
        freeze(c, t, true);
      } else if (rising && c.cr_valid) {
        const uint32_t n = c.n;
        start(c, t + 1, n == modulus(c) ? 0 : n, true);
      }
      break;
  }
  track(idx);
}

void Pit8254::track(unsigned idx) {
  if (!(track_mask_ >> idx & 1)) return;
  const Channel& c = st_.ch[idx];
  const uint64_t t = now_tick();
  out[idx].set(out_at(c, t));
  const uint64_t e = next_edge(c, t);
  if (e == core::NEVER)
    sched_.cancel(edge_event_[idx]);
  else
    sched_.schedule(edge_event_[idx], time_of_tick(e));
}

bool Pit8254::output(unsigned idx) {
  Channel& c = st_.ch[idx];
  const uint64_t t = now_tick();
  sync(c, t);
  return out_at(c, t);
}

uint32_t Pit8254::counter(unsigned idx) {
  Channel& c = st_.ch[idx];
  const uint64_t t = now_tick();
  sync(c, t);
  return ce_at(c, t);
}

void Pit8254::control(uint8_t v) {
  const uint64_t t = now_tick();
  const unsigned sc = v >> 6;
  if (sc == 3) {  // read-back: bit 5 clear = latch count, bit 4 clear = latch status
    for (unsigned i = 0; i < 3; ++i) {
      if (!(v >> (i + 1) & 1)) continue;
      sync(st_.ch[i], t);
      if (!(v & 0x20)) latch_count(st_.ch[i], t);
      if (!(v & 0x10)) latch_status(st_.ch[i], t);
    }
    return;
  }
  Channel& c = st_.ch[sc];
  sync(c, t);
  if (((v >> 4) & 3) == 0) {  // counter latch command
    latch_count(c, t);
    return;
  }
  const uint32_t ce = ce_at(c, t);
  c.ctrl = v & 0x3F;
  c.mode = (v >> 1) & 7;
  if (c.mode > 5) c.mode -= 4;
  c.rw = (v >> 4) & 3;
  c.bcd = v & 1;
  c.write_msb = c.read_msb = false;
  c.count_latched = c.status_latched = false;
  c.cr_valid = false;
  c.null_count = true;
  c.null_until = core::NEVER;
  c.counting = false;
  c.count = ce;
  c.out = c.mode != 0;  // mode 0 starts low, every other mode high
  c.done = false;
  c.reload_pending = false;
  track(sc);
}

void Pit8254::latch_count(Channel& c, uint64_t t) {
  if (c.count_latched) return;
  c.latch = display(c, ce_at(c, t));
  c.count_latched = true;
  c.read_msb = false;
}

void Pit8254::latch_status(Channel& c, uint64_t t) {
  if (c.status_latched) return;
  c.status = uint8_t((out_at(c, t) ? 0x80 : 0) | (c.null_count ? 0x40 : 0) | c.ctrl);
  c.status_latched = true;
}

void Pit8254::write_count(unsigned idx, uint8_t v) {
  Channel& c = st_.ch[idx];
  const uint64_t t = now_tick();
  sync(c, t);
  switch (c.rw) {
    case 1:
      c.cr = v;
      load(idx, t);
      break;
    case 2:
      c.cr = uint16_t(v << 8);
      load(idx, t);
      break;
    default:
      if (!c.write_msb) {
        c.write_lsb = v;
        c.write_msb = true;
        if (c.mode == 0) {  // the first byte stops the count and drops OUT
          freeze(c, t, false);
          track(idx);
        }
      } else {
        c.cr = uint16_t(c.write_lsb | v << 8);
        c.write_msb = false;
        load(idx, t);
      }
      break;
  }
}

uint8_t Pit8254::read(unsigned reg) {
  if (reg >= 3) return 0xFF;  // the control word register cannot be read
  Channel& c = st_.ch[reg];
  const uint64_t t = now_tick();
  sync(c, t);
  if (c.status_latched) {
    c.status_latched = false;
    return c.status;
  }
  const bool latched = c.count_latched;
  const uint16_t v = latched ? c.latch : display(c, ce_at(c, t));
  uint8_t r;
  if (c.rw == 1 || c.rw == 2) {
    r = c.rw == 1 ? uint8_t(v) : uint8_t(v >> 8);
    c.count_latched = false;
  } else if (!c.read_msb) {
    r = uint8_t(v);
    c.read_msb = true;
  } else {
    r = uint8_t(v >> 8);
    c.read_msb = false;
    c.count_latched = false;
  }
  return r;
}

void Pit8254::write(unsigned reg, uint8_t v) {
  if (reg == 3)
    control(v);
  else
    write_count(reg, v);
}

}  // namespace xlat::dev
