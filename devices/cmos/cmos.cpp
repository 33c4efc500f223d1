// MC146818 clock, flags and CMOS RAM. See cmos.hpp for the model.
#include "devices/cmos/cmos.hpp"

#include <chrono>

namespace xlat::dev {

namespace {

constexpr int64_t NS = 1000000000;
constexpr uint8_t REG_B_SET = 0x80, REG_B_PIE = 0x40, REG_B_AIE = 0x20, REG_B_UIE = 0x10;
constexpr uint8_t REG_B_DM = 0x04, REG_B_24H = 0x02;
constexpr uint8_t FLAG_PF = 0x40, FLAG_AF = 0x20, FLAG_UF = 0x10;

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

// Proleptic Gregorian calendar <-> days since 1970-01-01.
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CmosRtc::Fields fields_from_secs(int64_t secs) {
  CmosRtc::Fields f;
  const int64_t days = floor_div(secs, 86400);
  const int64_t rem = secs - days * 86400;
  f.hour = int(rem / 3600);
  f.min = int(rem / 60 % 60);
  f.sec = int(rem % 60);
  f.wday = int(floor_mod(days + 4, 7));  // 1970-01-01 was a Thursday
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  f.day = int(doy - (153 * mp + 2) / 5 + 1);
  f.month = int(mp < 10 ? mp + 3 : mp - 9);
  f.year = int(yoe + era * 400 + (f.month <= 2));
  return f;
}

// Out-of-range fields (a guest can write anything) roll over naturally.
int64_t secs_from_fields(const CmosRtc::Fields& f) {
  const int64_t m0 = f.month - 1;
  const int64_t y = f.year + floor_div(m0, 12);
  const int m = int(floor_mod(m0, 12)) + 1;
  return days_from_civil(y, m, 1) * 86400 + int64_t(f.day - 1) * 86400 + int64_t(f.hour) * 3600 +
         int64_t(f.min) * 60 + f.sec;
}

// Seconds, minutes, hours, day of week, day, month, year, century.
bool is_time_register(uint8_t i) { return i == 0x32 || (i <= 0x09 && !(i <= 5 && (i & 1))); }

int weekday(int64_t secs) { return int(floor_mod(floor_div(secs, 86400) + 4, 7)); }

}  // namespace

CmosRtc::CmosRtc(core::Scheduler& sched) : CmosRtc(sched, Config{}) {}

CmosRtc::CmosRtc(core::Scheduler& sched, Config cfg) : sched_(sched) {
  update_event_ = sched_.add("rtc.update", [this] { on_update(); });
  periodic_event_ = sched_.add("rtc.periodic", [this] { on_periodic(); });
  int64_t start_ns = cfg.start_epoch * NS;
  if (cfg.host_clock) {
    start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
  }
  // Start just after an update, so the start second shows at once and the
  // next update comes one second later.
  st_.offset_ns = start_ns + UPDATE_NS - int64_t(sched_.now());
  st_.ram[0x14] = 0x02;  // equipment: math coprocessor, EGA/VGA display, no floppy
  set_memory_size(640 * 1024);
  st_.pf_mark = periodic_index();
  schedule_update();
}

void CmosRtc::reset() {
  st_.reg_b &= ~(REG_B_PIE | REG_B_AIE | REG_B_UIE | 0x08);
  st_.flags = 0;
  st_.pf_mark = periodic_index();
  schedule_periodic();
  update_irq();
}

// --- CMOS RAM --------------------------------------------------------------

void CmosRtc::update_checksum() {
  unsigned sum = 0;
  for (unsigned i = 0x10; i <= 0x2D; ++i) sum += st_.ram[i];
  st_.ram[0x2E] = uint8_t(sum >> 8);
  st_.ram[0x2F] = uint8_t(sum);
}

void CmosRtc::set_byte(uint8_t index, uint8_t v) {
  index &= 0x7F;
  if (index < 0x0E) return;  // clock registers are not RAM
  st_.ram[index] = v;
  if (index >= 0x10 && index <= 0x2D) update_checksum();
}

void CmosRtc::set_memory_size(uint64_t bytes) {
  constexpr uint64_t MiB = 1024 * 1024;
  const unsigned base_kib = unsigned((bytes >= 640 * 1024 ? 640 * 1024 : bytes) / 1024);
  const uint64_t ext_kib = bytes > MiB ? (bytes - MiB) / 1024 : 0;
  const uint64_t ext = ext_kib > 0xFFFF ? 0xFFFF : ext_kib;
  const uint64_t blocks_raw = bytes > 16 * MiB ? (bytes - 16 * MiB) / 65536 : 0;
  const uint64_t blocks = blocks_raw > 0xFFFF ? 0xFFFF : blocks_raw;
  st_.ram[0x15] = uint8_t(base_kib), st_.ram[0x16] = uint8_t(base_kib >> 8);
  st_.ram[0x17] = st_.ram[0x30] = uint8_t(ext);
  st_.ram[0x18] = st_.ram[0x31] = uint8_t(ext >> 8);
  st_.ram[0x34] = uint8_t(blocks), st_.ram[0x35] = uint8_t(blocks >> 8);
  update_checksum();
}

// --- the clock ---------------------------------------------------------------

int64_t CmosRtc::time_now() const {
  if (st_.frozen) return secs_from_fields(st_.held);
  return floor_div(rtc_ns() - UPDATE_NS, NS);
}

CmosRtc::Fields CmosRtc::fields_now() const {
  if (st_.frozen) return st_.held;
  const int64_t secs = time_now();
  Fields f = fields_from_secs(secs);
  f.wday = int(floor_mod(f.wday + st_.dow_offset, 7));
  return f;
}

uint8_t CmosRtc::encode(int v) const {
  if (st_.reg_b & REG_B_DM) return uint8_t(v);
  return uint8_t((v / 10 % 10) << 4 | v % 10);
}

int CmosRtc::decode(uint8_t v) const { return (st_.reg_b & REG_B_DM) ? v : (v >> 4) * 10 + (v & 15); }

uint8_t CmosRtc::encode_hour(int h) const {
  if (st_.reg_b & REG_B_24H) return encode(h);
  const int h12 = h % 12 == 0 ? 12 : h % 12;
  return uint8_t(encode(h12) | (h >= 12 ? 0x80 : 0));
}

int CmosRtc::decode_hour(uint8_t v) const {
  if (st_.reg_b & REG_B_24H) return decode(v);
  return decode(v & 0x7F) % 12 + ((v & 0x80) ? 12 : 0);
}

uint8_t CmosRtc::time_register(unsigned index) const {
  const Fields f = fields_now();
  switch (index) {
    case 0x00: return encode(f.sec);
    case 0x02: return encode(f.min);
    case 0x04: return encode_hour(f.hour);
    case 0x06: return uint8_t(f.wday + 1);  // 1 = Sunday; the same in BCD and binary
    case 0x07: return encode(f.day);
    case 0x08: return encode(f.month);
    case 0x09: return encode(int(floor_mod(f.year, 100)));
    default: return encode(int(floor_div(f.year, 100)));  // 0x32, century
  }
}

void CmosRtc::write_time_register(unsigned index, uint8_t v) {
  Fields f = fields_now();
  const int64_t old_secs = time_now();
  switch (index) {
    case 0x00: f.sec = decode(v); break;
    case 0x02: f.min = decode(v); break;
    case 0x04: f.hour = decode_hour(v); break;
    case 0x06: f.wday = int(floor_mod(int(v) - 1, 7)); break;
    case 0x07: f.day = decode(v); break;
    case 0x08: f.month = decode(v); break;
    case 0x09: f.year = int(floor_div(f.year, 100)) * 100 + decode(v); break;
    default: f.year = decode(v) * 100 + int(floor_mod(f.year, 100)); break;  // century
  }
  if (st_.frozen) {
    st_.held = f;  // kept raw until the clock runs again
    return;
  }
  const int64_t secs = secs_from_fields(f);
  st_.offset_ns += (secs - old_secs) * NS;  // same sub-second phase
  st_.dow_offset = int(floor_mod(f.wday - weekday(secs), 7));
}

void CmosRtc::freeze() {
  if (st_.frozen) return;
  st_.held = fields_now();
  st_.frozen = true;
  sched_.cancel(update_event_);
}

void CmosRtc::thaw() {
  const int64_t secs = secs_from_fields(st_.held);
  const int64_t phase = floor_mod(rtc_ns() - UPDATE_NS, NS);
  st_.offset_ns = secs * NS + UPDATE_NS + phase - int64_t(sched_.now());
  st_.dow_offset = int(floor_mod(st_.held.wday - weekday(secs), 7));
  st_.frozen = false;
  schedule_update();
}

void CmosRtc::schedule_update() {
  if (st_.frozen) {
    sched_.cancel(update_event_);
    return;
  }
  const int64_t next = (floor_div(rtc_ns() - UPDATE_NS, NS) + 1) * NS + UPDATE_NS;
  sched_.schedule(update_event_, uint64_t(next - st_.offset_ns));
}

void CmosRtc::on_update() {
  st_.flags |= FLAG_UF;
  bool match = true;
  for (unsigned r : {0u, 2u, 4u}) {
    const uint8_t alarm = st_.ram[r + 1];
    if ((alarm & 0xC0) != 0xC0 && alarm != time_register(r)) match = false;
  }
  if (match) st_.flags |= FLAG_AF;
  update_irq();
  schedule_update();
}

// --- periodic flag -----------------------------------------------------------

unsigned CmosRtc::periodic_shift() const {
  const unsigned rs = st_.reg_a & 15;
  if (rs == 0) return 0;
  return rs <= 2 ? rs + 6 : rs - 1;  // RS 1 and 2 repeat the rates of 8 and 9
}

uint64_t CmosRtc::periodic_index() const {
  const int64_t ns = rtc_ns();
  const uint64_t ticks = uint64_t((unsigned __int128)(ns < 0 ? 0 : ns) * 32768 / NS);
  const unsigned shift = periodic_shift();
  return shift ? ticks >> shift : 0;
}

// PF as the divider would have set it since the last register C read.
bool CmosRtc::periodic_due() const {
  return divider_running() && periodic_shift() && periodic_index() > st_.pf_mark;
}

void CmosRtc::fold_periodic() {
  if (periodic_due()) st_.flags |= FLAG_PF;
  st_.pf_mark = periodic_index();
}

void CmosRtc::schedule_periodic() {
  const unsigned shift = periodic_shift();
  if (!(st_.reg_b & REG_B_PIE) || !divider_running() || !shift) {
    sched_.cancel(periodic_event_);
    return;
  }
  const uint64_t ticks = (periodic_index() + 1) << shift;
  const int64_t target = int64_t(((unsigned __int128)ticks * NS + 32767) / 32768);
  sched_.schedule(periodic_event_, uint64_t(target - st_.offset_ns));
}

void CmosRtc::on_periodic() {
  st_.flags |= FLAG_PF;
  st_.pf_mark = periodic_index();
  update_irq();
  schedule_periodic();
}

void CmosRtc::update_irq() {
  const uint8_t b = st_.reg_b, f = st_.flags;
  irq.set(((f & FLAG_PF) && (b & REG_B_PIE)) || ((f & FLAG_AF) && (b & REG_B_AIE)) ||
          ((f & FLAG_UF) && (b & REG_B_UIE)));
}

// --- registers ---------------------------------------------------------------

uint8_t CmosRtc::read_register(uint8_t index) {
  index &= 0x7F;
  if (is_time_register(index)) return time_register(index);
  switch (index) {
    case 0x0A: {
      bool uip = false;
      if (!st_.frozen) {
        const int64_t phase = floor_mod(rtc_ns(), NS);
        uip = phase >= NS - UIP_LEAD_NS || phase < UPDATE_NS;
      }
      return uint8_t(st_.reg_a | (uip ? 0x80 : 0));
    }
    case 0x0B: return st_.reg_b;
    case 0x0C: {
      fold_periodic();
      const uint8_t f = st_.flags, b = st_.reg_b;
      const bool irqf = ((f & FLAG_PF) && (b & REG_B_PIE)) || ((f & FLAG_AF) && (b & REG_B_AIE)) ||
                        ((f & FLAG_UF) && (b & REG_B_UIE));
      st_.flags = 0;
      update_irq();
      return uint8_t(f | (irqf ? 0x80 : 0));
    }
    case 0x0D: return 0x80;  // VRT: the battery is fine
    default: return st_.ram[index];
  }
}

void CmosRtc::write_register(uint8_t index, uint8_t v) {
  index &= 0x7F;
  if (is_time_register(index)) {
    write_time_register(index, v);
    return;
  }
  switch (index) {
    case 0x0A: {
      fold_periodic();
      const bool was_running = divider_running();
      st_.reg_a = v & 0x7F;
      if (was_running && !divider_running()) {
        freeze();
      } else if (!was_running && divider_running()) {
        // Out of divider reset: the first update comes 500 ms later.
        const int64_t now = rtc_ns();
        st_.offset_ns += floor_div(now, NS) * NS + NS / 2 + UPDATE_NS - now;
        if (!(st_.reg_b & REG_B_SET)) thaw();
      }
      st_.pf_mark = periodic_index();
      schedule_periodic();
      update_irq();
      return;
    }
    case 0x0B: {
      fold_periodic();
      const uint8_t old = st_.reg_b;
      st_.reg_b = (v & REG_B_SET) ? uint8_t(v & ~REG_B_UIE) : v;  // SET clears UIE
      if ((v & REG_B_SET) && !(old & REG_B_SET)) freeze();
      if (!(v & REG_B_SET) && (old & REG_B_SET) && divider_running()) thaw();
      schedule_periodic();
      update_irq();
      return;
    }
    case 0x0C:
    case 0x0D: return;  // read-only
    default:
      st_.ram[index] = v;  // alarms and RAM; the BIOS keeps the checksum
      return;
  }
}

}  // namespace xlat::dev
