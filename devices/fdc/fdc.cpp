#include "devices/fdc/fdc.hpp"

#include <algorithm>

namespace xlat::dev {

namespace {

// ST0-ST3 bits.
constexpr uint8_t ST0_ABNORMAL = 0x40, ST0_INVALID = 0x80, ST0_SEEK_END = 0x20, ST0_EQUIP = 0x10;
constexpr uint8_t ST1_MA = 0x01, ST1_NW = 0x02, ST1_ND = 0x04, ST1_OR = 0x10, ST1_DE = 0x20, ST1_EN = 0x80;
constexpr uint8_t ST2_WC = 0x10, ST2_BC = 0x02;
constexpr uint8_t ST3_WP = 0x40, ST3_READY = 0x20, ST3_T0 = 0x10, ST3_TS = 0x08;
// MSR bits.
constexpr uint8_t MSR_RQM = 0x80, MSR_DIO = 0x40, MSR_CB = 0x10;
// DOR bits.
constexpr uint8_t DOR_NRESET = 0x04, DOR_GATE = 0x08;

constexpr Fdc82077::Format FORMATS[] = {
    {160 * 1024, 40, 1, 8, 2, 1},   {180 * 1024, 40, 1, 9, 2, 1},   {320 * 1024, 40, 2, 8, 2, 1},
    {360 * 1024, 40, 2, 9, 2, 1},   {720 * 1024, 80, 2, 9, 2, 3},   {1200 * 1024, 80, 2, 15, 0, 2},
    {1440 * 1024, 80, 2, 18, 0, 4}, {1680 * 1024, 80, 2, 21, 0, 4}, {2880 * 1024, 80, 2, 36, 3, 5},
};
// Formats a non-standard size is read as, smallest first.
constexpr uint64_t CONTAINERS[] = {360 * 1024, 720 * 1024, 1200 * 1024, 1440 * 1024, 2880 * 1024};

// Bytes a command sends, by its low five bits (0: invalid).
constexpr uint8_t command_length(uint8_t op) {
  switch (op & 0x1F) {
    case 0x02: case 0x05: case 0x06: case 0x09: case 0x0C: case 0x16: return 9;  // data transfers
    case 0x03: return 3;  // SPECIFY
    case 0x04: return 2;  // SENSE DRIVE STATUS
    case 0x07: return 2;  // RECALIBRATE
    case 0x08: return 1;  // SENSE INTERRUPT STATUS
    case 0x0A: return 2;  // READ ID
    case 0x0D: return 6;  // FORMAT TRACK
    case 0x0E: return 1;  // DUMPREG
    case 0x0F: return 3;  // SEEK
    case 0x10: return 1;  // VERSION
    case 0x12: return 2;  // PERPENDICULAR MODE
    case 0x13: return 4;  // CONFIGURE
    case 0x14: return 1;  // LOCK
    default: return 0;
  }
}

// Whether the high bits are legal for the command (MT/MFM/SK on transfers,
// LOCK's bit 7, relative seek's bits 6-7; nothing elsewhere).
constexpr bool command_valid(uint8_t v) {
  switch (v & 0x1F) {
    case 0x02: return (v & 0x80) == 0;
    case 0x05: case 0x09: return (v & 0x20) == 0;
    case 0x06: case 0x0C: case 0x16: return true;
    case 0x0A: case 0x0D: return (v & 0xA0) == 0;
    case 0x0F: return (v & 0x3F) == 0x0F;
    case 0x14: return (v & 0x60) == 0;
    default: return (v & 0xE0) == 0 && command_length(v) != 0;
  }
}

}  // namespace

const Fdc82077::Format* Fdc82077::format_for(uint64_t bytes) {
  for (const Format& f : FORMATS)
    if (f.bytes == bytes) return &f;
  if (bytes == 0 || bytes % 512) return nullptr;
  for (uint64_t c : CONTAINERS)
    if (bytes <= c)
      for (const Format& f : FORMATS)
        if (f.bytes == c) return &f;
  return nullptr;
}

void Fdc82077::attach(unsigned unit, std::unique_ptr<DiskImage> img) {
  if (unit >= MAX_DRIVES) return;
  drive_[unit].fmt = img ? format_for(img->size()) : nullptr;
  drive_[unit].img = drive_[unit].fmt ? std::move(img) : nullptr;
  st_.changed[unit] = true;
}

void Fdc82077::reset() {
  st_ = State{};
  irq.lower();
}

// The controller's own reset (DOR /RESET pulse, DSR bit 7): the phase and
// pending interrupts go; with polling enabled it then owes four SENSE
// INTERRUPT STATUS answers (one per drive, "ready changed") and raises IRQ6.
void Fdc82077::controller_reset() {
  st_.phase = State::Phase::Command;
  st_.cmd_len = st_.cmd_need = 0;
  st_.res_len = st_.res_pos = 0;
  st_.seek_pending = 0;
  if (!st_.lock) {
    st_.config = 0x20;
    st_.pretrk = 0;
  }
  st_.reset_polls = (st_.config & 0x10) ? 0 : 4;
  set_interrupt(st_.reset_polls != 0);
}

void Fdc82077::set_interrupt(bool on) {
  st_.int_pending = on;
  update_irq();
}

void Fdc82077::update_irq() {
  irq.set(st_.int_pending && (st_.dor & DOR_GATE) && (st_.dor & DOR_NRESET));
}

bool Fdc82077::readable(unsigned unit) const {
  if (!present(unit)) return false;
  const Format& f = *drive_[unit].fmt;
  if (f.rate == st_.rate) return true;
  return f.cmos_type == 1 && st_.rate == 1;  // 5.25" DD media also read at 300 kb/s
}

bool Fdc82077::sector_io(unsigned unit, unsigned cyl, unsigned head, unsigned sector, uint8_t* buf, bool write) {
  const Format& f = *drive_[unit].fmt;
  DiskImage& img = *drive_[unit].img;
  const uint64_t off = ((uint64_t(cyl) * f.heads + head) * f.spt + (sector - 1)) * 512;
  if (off + 512 > img.size()) {  // past the end of a short image
    if (write) return false;
    std::fill(buf, buf + 512, 0);
    return true;
  }
  return write ? img.write(off, buf, 512) : img.read(off, buf, 512);
}

// --- registers ------------------------------------------------------------

uint8_t Fdc82077::read(uint16_t port) {
  switch (port - BASE) {
    case 0: case 1: return 0xFF;  // SRA/SRB: PS/2 only
    case 2: return st_.dor;
    case 3: return st_.tdr;
    case 4: {  // MSR
      if (!(st_.dor & DOR_NRESET)) return 0;
      if (st_.phase == State::Phase::Result) return MSR_RQM | MSR_DIO | MSR_CB;
      return uint8_t(MSR_RQM | (st_.cmd_len ? MSR_CB : 0));
    }
    case 5: {  // FIFO
      if (st_.phase != State::Phase::Result) return 0xFF;
      if (st_.res_pos == 0 && (st_.cmd[0] & 0x1F) != 0x08) set_interrupt(false);
      const uint8_t v = st_.res[st_.res_pos++];
      if (st_.res_pos >= st_.res_len) {
        st_.phase = State::Phase::Command;
        st_.res_len = st_.res_pos = 0;
      }
      return v;
    }
    case 7: {  // DIR: disk change line of the selected drive
      const unsigned unit = st_.dor & 3;
      const bool changed = unit >= MAX_DRIVES || !present(unit) || st_.changed[unit];
      return changed ? 0x80 : 0x00;
    }
    default: return 0xFF;
  }
}

void Fdc82077::write(uint16_t port, uint8_t v) {
  switch (port - BASE) {
    case 2: {  // DOR
      const bool was_reset = !(st_.dor & DOR_NRESET);
      st_.dor = v;
      if (!(v & DOR_NRESET)) {
        st_.phase = State::Phase::Command;
        st_.cmd_len = 0;
        st_.int_pending = false;
      } else if (was_reset) {
        controller_reset();
      }
      update_irq();
      break;
    }
    case 3: st_.tdr = v & 3; break;
    case 4:  // DSR
      st_.rate = v & 3;
      if (v & 0x80) controller_reset();
      break;
    case 5:
      if (st_.dor & DOR_NRESET) command_byte(v);
      break;
    case 7: st_.rate = v & 3; break;  // CCR
    default: break;
  }
}

// --- command phase --------------------------------------------------------

void Fdc82077::command_byte(uint8_t v) {
  if (st_.phase == State::Phase::Result) {  // a byte where a result was due: drop the result
    st_.phase = State::Phase::Command;
    st_.res_len = st_.res_pos = 0;
  }
  if (st_.cmd_len == 0) {
    if (!command_valid(v)) {
      st_.cmd[0] = v;
      finish({ST0_INVALID}, false);
      return;
    }
    if ((v & 0x1F) != 0x08) set_interrupt(false);
    st_.cmd_need = command_length(v);
  }
  st_.cmd[st_.cmd_len++] = v;
  if (st_.cmd_len >= st_.cmd_need) {
    st_.cmd_len = 0;
    execute();
  }
}

void Fdc82077::finish(std::initializer_list<uint8_t> result, bool interrupt) {
  st_.res_len = 0;
  for (uint8_t b : result) st_.res[st_.res_len++] = b;
  st_.res_pos = 0;
  st_.phase = st_.res_len ? State::Phase::Result : State::Phase::Command;
  if (interrupt) set_interrupt(true);
}

void Fdc82077::execute() {
  const uint8_t* c = st_.cmd;
  switch (c[0] & 0x1F) {
    case 0x02: case 0x05: case 0x06: case 0x09: case 0x0C: case 0x16: cmd_transfer(); break;
    case 0x03:
      st_.specify[0] = c[1];
      st_.specify[1] = c[2];
      finish({}, false);
      break;
    case 0x04: cmd_sense_drive(); break;
    case 0x07: cmd_seek(true); break;
    case 0x08: cmd_sense_interrupt(); break;
    case 0x0A: cmd_read_id(); break;
    case 0x0D: cmd_format(); break;
    case 0x0E:
      finish({st_.cyl[0], st_.cyl[1], 0, 0, st_.specify[0], st_.specify[1], 0,
              uint8_t((st_.lock ? 0x80 : 0) | (st_.perpendicular & 0x3F)), st_.config, st_.pretrk},
             false);
      break;
    case 0x0F: cmd_seek(false); break;
    case 0x10: finish({0x90}, false); break;
    case 0x12:
      if (c[1] & 0x80) st_.perpendicular = c[1] & 0x3F;
      else st_.perpendicular = uint8_t((st_.perpendicular & 0x3C) | (c[1] & 3));
      finish({}, false);
      break;
    case 0x13:
      st_.config = c[2];
      st_.pretrk = c[3];
      finish({}, false);
      break;
    case 0x14:
      st_.lock = c[0] & 0x80;
      finish({uint8_t(st_.lock ? 0x10 : 0)}, false);
      break;
    default: finish({ST0_INVALID}, false); break;
  }
}

// --- commands -------------------------------------------------------------

// SEEK / RECALIBRATE: the head moves at once; the end is reported by IRQ6
// and SENSE INTERRUPT STATUS. A step with a disk in the drive clears its
// disk change line. A recalibrate of a missing drive never sees track 0:
// equipment check.
void Fdc82077::cmd_seek(bool recalibrate) {
  const unsigned unit = st_.cmd[1] & 3, head = (st_.cmd[1] >> 2) & 1;
  uint8_t st0 = uint8_t(ST0_SEEK_END | head << 2 | unit);
  if (unit < MAX_DRIVES) {
    int target = recalibrate ? 0 : st_.cmd[2];
    if (!recalibrate && (st_.cmd[0] & 0x80)) {  // relative seek: bit 6 = towards the spindle
      target = (st_.cmd[0] & 0x40) ? st_.cyl[unit] + st_.cmd[2] : st_.cyl[unit] - st_.cmd[2];
      target = target < 0 ? 0 : target > 255 ? 255 : target;
    }
    if (target != st_.cyl[unit] || recalibrate)
      if (present(unit)) st_.changed[unit] = false;
    st_.cyl[unit] = uint8_t(target);
    if (recalibrate && !present(unit)) st0 |= ST0_ABNORMAL | ST0_EQUIP;
    st_.seek_st0[unit] = st0;
    st_.seek_pending |= uint8_t(1u << unit);
  }
  finish({}, true);
}

void Fdc82077::cmd_sense_interrupt() {
  if (st_.reset_polls) {
    const unsigned unit = 4u - st_.reset_polls--;
    const uint8_t pcn = unit < MAX_DRIVES ? st_.cyl[unit] : 0;
    set_interrupt(st_.reset_polls != 0 || st_.seek_pending);
    finish({uint8_t(0xC0 | unit), pcn}, false);
    return;
  }
  for (unsigned unit = 0; unit < MAX_DRIVES; ++unit) {
    if (!(st_.seek_pending & (1u << unit))) continue;
    st_.seek_pending &= uint8_t(~(1u << unit));
    set_interrupt(st_.seek_pending != 0);
    finish({st_.seek_st0[unit], st_.cyl[unit]}, false);
    return;
  }
  set_interrupt(false);
  finish({ST0_INVALID}, false);
}

void Fdc82077::cmd_sense_drive() {
  const unsigned unit = st_.cmd[1] & 3, head = (st_.cmd[1] >> 2) & 1;
  uint8_t st3 = uint8_t(ST3_READY | head << 2 | unit);
  if (unit < MAX_DRIVES) {
    if (st_.cyl[unit] == 0) st3 |= ST3_T0;
    if (present(unit)) {
      if (drive_[unit].fmt->heads == 2) st3 |= ST3_TS;
      if (drive_[unit].img->readonly()) st3 |= ST3_WP;
    }
  }
  finish({st3}, false);
}

void Fdc82077::cmd_read_id() {
  const unsigned unit = st_.cmd[1] & 3, head = (st_.cmd[1] >> 2) & 1;
  uint8_t st0 = uint8_t(head << 2 | unit), st1 = 0;
  const uint8_t cyl = unit < MAX_DRIVES ? st_.cyl[unit] : 0;
  if (!readable(unit) || cyl >= drive_[unit].fmt->cyls || head >= drive_[unit].fmt->heads) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_MA;
  }
  finish({st0, st1, 0, cyl, uint8_t(head), 1, 2}, true);
}

// READ DATA, WRITE DATA (and their "deleted" forms, which this media never
// has), READ TRACK and VERIFY. Sectors go one at a time from the command's
// R to EOT (then on head 1 with MT), ending normally when the DMA reaches
// terminal count; reaching EOT without it ends with "end of cylinder", as
// on the chip. The result's C/H/R are the sector after the last one.
void Fdc82077::cmd_transfer() {
  const uint8_t* cmd = st_.cmd;
  const uint8_t op = cmd[0] & 0x1F;
  const bool mt = cmd[0] & 0x80;
  const bool write = op == 0x05 || op == 0x09;
  const bool verify = op == 0x16;
  const unsigned unit = cmd[1] & 3;
  unsigned head = (cmd[1] >> 2) & 1;
  uint8_t c = cmd[2], h = cmd[3], r = op == 0x02 ? 1 : cmd[4];
  const uint8_t n = cmd[5], eot = cmd[6];
  uint8_t st0 = 0, st1 = 0, st2 = 0;
  unsigned verify_left = (verify && (cmd[1] & 0x80)) ? cmd[8] : 0;  // VERIFY with EC: DTL = sector count
  auto done = [&] { finish({uint8_t(st0 | head << 2 | unit), st1, st2, c, h, r, n}, true); };

  if (!readable(unit) || n != 2) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_MA;
    return done();
  }
  const Format& f = *drive_[unit].fmt;
  if (write && drive_[unit].img->readonly()) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_NW;
    return done();
  }
  const uint8_t dma_type = write ? Dma8237::READ : Dma8237::WRITE;
  if (!verify && !dma_.ready(DMA_CHANNEL, dma_type) && !dma_.ready(DMA_CHANNEL, Dma8237::VERIFY)) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_OR;
    return done();
  }
  uint8_t buf[512];
  for (;;) {
    const unsigned cyl = st_.cyl[unit];
    if (cyl >= f.cyls || head >= f.heads || c != cyl || h != head || r == 0 || r > f.spt) {
      st0 |= ST0_ABNORMAL;
      st1 |= ST1_ND;
      if (c != cyl) st2 |= c == 0xFF ? ST2_BC : ST2_WC;
      return done();
    }
    bool tc = false;
    if (!verify) {
      const size_t left = dma_.remaining(DMA_CHANNEL);
      size_t moved;
      if (write) {
        std::fill(buf, buf + 512, 0);
        moved = dma_.from_memory(DMA_CHANNEL, buf, 512);
        if (moved && !sector_io(unit, cyl, head, r, buf, true)) {
          st0 |= ST0_ABNORMAL;
          st1 |= ST1_DE;
          return done();
        }
      } else {
        sector_io(unit, cyl, head, r, buf, false);
        moved = dma_.to_memory(DMA_CHANNEL, buf, 512);
      }
      if (moved == 0) {  // the channel was masked mid-command
        st0 |= ST0_ABNORMAL;
        st1 |= ST1_OR;
        return done();
      }
      tc = left <= 512;
    } else if (verify_left) {
      tc = --verify_left == 0;
    }
    const bool at_eot = r == eot;
    if (tc || (verify && at_eot && !(mt && head == 0))) {  // normal end: C/H/R of the next sector
      if (!at_eot) {
        ++r;
      } else {
        r = 1;
        if (mt) {
          if (head == 1) ++c;
          h ^= 1;
        } else {
          ++c;
        }
      }
      return done();
    }
    if (at_eot) {
      if (mt && head == 0) {
        head = 1;
        h ^= 1;
        r = 1;
        continue;
      }
      st0 |= ST0_ABNORMAL;
      st1 |= ST1_EN;
      ++c;
      r = 1;
      return done();
    }
    ++r;
  }
}

// FORMAT TRACK: the DMA supplies C, H, R, N for each of SC sectors; each
// named sector of the physical track is filled with the filler byte D.
void Fdc82077::cmd_format() {
  const uint8_t* cmd = st_.cmd;
  const unsigned unit = cmd[1] & 3, head = (cmd[1] >> 2) & 1;
  const uint8_t n = cmd[2], sc = cmd[3], fill = cmd[5];
  uint8_t st0 = uint8_t(head << 2 | unit), st1 = 0;
  uint8_t id[4] = {0, 0, 0, 0};
  if (!readable(unit) || n != 2) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_MA;
  } else if (drive_[unit].img->readonly()) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_NW;
  } else if (!dma_.ready(DMA_CHANNEL, Dma8237::READ)) {
    st0 |= ST0_ABNORMAL;
    st1 |= ST1_OR;
  } else {
    const Format& f = *drive_[unit].fmt;
    const unsigned cyl = st_.cyl[unit];
    uint8_t buf[512];
    std::fill(buf, buf + 512, fill);
    for (unsigned i = 0; i < sc; ++i) {
      if (dma_.from_memory(DMA_CHANNEL, id, 4) != 4) {
        st0 |= ST0_ABNORMAL;
        st1 |= ST1_OR;
        break;
      }
      if (cyl < f.cyls && head < f.heads && id[2] >= 1 && id[2] <= f.spt && !sector_io(unit, cyl, head, id[2], buf, true)) {
        st0 |= ST0_ABNORMAL;
        st1 |= ST1_DE;
        break;
      }
    }
  }
  finish({st0, st1, 0, id[0], id[1], id[2], id[3]}, true);
}

}  // namespace xlat::dev
