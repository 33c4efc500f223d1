// IDE channel registers and the ATA command set (ATA/ATAPI-6, PIO only).
#include <algorithm>
#include <cstring>

#include "devices/ide/ide.hpp"

namespace xlat::dev {

using namespace ata;

namespace {

// IDENTIFY strings: ASCII, two characters per word, first character in the
// high byte, padded with blanks.
void put_string(uint16_t* w, unsigned word, unsigned words, const char* s) {
  const size_t n = std::strlen(s);
  for (unsigned i = 0; i < words * 2; ++i) {
    const uint8_t ch = i < n ? uint8_t(s[i]) : ' ';
    uint16_t& x = w[word + i / 2];
    x = (i & 1) ? uint16_t((x & 0xFF00) | ch) : uint16_t((x & 0x00FF) | (ch << 8));
  }
}

constexpr unsigned MAX_MULTIPLE = 16;

}  // namespace

void IdeChannel::default_geometry(uint64_t sectors, uint16_t& cyl, uint16_t& heads, uint16_t& spt) {
  heads = 16, spt = 63;
  cyl = uint16_t(std::clamp<uint64_t>(sectors / (16 * 63), 1, 16383));
}

void IdeChannel::attach(unsigned unit, std::unique_ptr<DiskImage> img, Media media) {
  Drive& d = drive_[unit & 1];
  d = Drive{};
  d.kind = media == Media::Cdrom ? Kind::Atapi : Kind::Ata;
  d.sectors = img->size() / (media == Media::Cdrom ? 2048 : 512);
  d.img = std::move(img);
  if (d.kind == Kind::Ata) {
    default_geometry(d.sectors, d.cyl, d.heads, d.spt);
    d.lheads = d.heads, d.lspt = d.spt;
  }
  reset();
}

void IdeChannel::reset() {
  control_ = 0;
  for (unsigned u = 0; u < 2; ++u) {
    Drive& d = drive_[u];
    d.multiple = 0;
    d.lheads = d.heads, d.lspt = d.spt;
    d.sense_key = d.asc = d.ascq = 0;
  }
  soft_reset();
}

void IdeChannel::set_signature(unsigned u) {
  Drive& d = drive_[u];
  TaskFile& t = tf_[u];
  t = TaskFile{};
  t.count = 1, t.lba_lo = 1, t.device = 0;
  if (d.kind == Kind::Atapi) t.lba_mid = 0x14, t.lba_hi = 0xEB;
  d.error = 1;  // diagnostic passed
  d.status = d.kind == Kind::Ata ? (DRDY | DSC) : 0;
  d.xfer = Xfer::None;
  d.irq_pending = false;
}

void IdeChannel::soft_reset() {
  for (unsigned u = 0; u < 2; ++u) set_signature(u);
  update_irq();
}

void IdeChannel::update_irq() {
  irq.set(cur().irq_pending && !(control_ & NIEN) && cur().kind != Kind::None);
}

uint32_t IdeChannel::io_read(uint16_t port, unsigned size) {
  if (!any_present()) return size == 4 ? 0xFFFFFFFFu : size == 2 ? 0xFFFFu : 0xFFu;
  if (port == ctl_port_) {  // alternate status: no side effects
    if (control_ & SRST) return BSY;
    return cur().kind == Kind::None ? 0 : cur().status;
  }
  const unsigned reg = port - cmd_base_;
  if (reg == 0) {
    if (size == 4) {
      const uint32_t lo = data_read16();
      return lo | (uint32_t(data_read16()) << 16);
    }
    const uint16_t v = data_read16();
    return size == 2 ? v : (v & 0xFF);
  }
  Drive& d = cur();
  if (d.kind == Kind::None) return reg == 6 ? tf().device : 0;  // the other drive answers for an absent slave
  const TaskFile& t = tf();
  const bool hob = control_ & HOB;
  uint8_t v = 0;
  switch (reg) {
    case 1: v = d.error; break;
    case 2: v = hob ? t.hob_count : t.count; break;
    case 3: v = hob ? t.hob_lo : t.lba_lo; break;
    case 4: v = hob ? t.hob_mid : t.lba_mid; break;
    case 5: v = hob ? t.hob_hi : t.lba_hi; break;
    case 6: v = t.device; break;
    case 7:
      if (control_ & SRST) return BSY;
      v = d.status;
      d.irq_pending = false;
      update_irq();
      break;
  }
  return v;
}

void IdeChannel::io_write(uint16_t port, uint32_t value, unsigned size) {
  const uint8_t v = uint8_t(value);
  if (port == ctl_port_) {
    const bool was_reset = control_ & SRST;
    control_ = v;
    if (was_reset && !(v & SRST)) soft_reset();
    update_irq();
    return;
  }
  const unsigned reg = port - cmd_base_;
  if (reg == 0) {
    if (size == 4) {
      data_write16(uint16_t(value));
      data_write16(uint16_t(value >> 16));
    } else {
      data_write16(uint16_t(value));
    }
    return;
  }
  if (control_ & SRST) return;
  if (reg != 7) control_ &= ~HOB;
  for (TaskFile& t : tf_) {
    switch (reg) {
      case 1: t.hob_feature = t.feature, t.feature = v; break;
      case 2: t.hob_count = t.count, t.count = v; break;
      case 3: t.hob_lo = t.lba_lo, t.lba_lo = v; break;
      case 4: t.hob_mid = t.lba_mid, t.lba_mid = v; break;
      case 5: t.hob_hi = t.lba_hi, t.lba_hi = v; break;
      case 6: t.device = v; break;
    }
  }
  if (reg == 6) update_irq();
  if (reg == 7 && cur().kind != Kind::None) command(v);
}

uint16_t IdeChannel::data_read16() {
  Drive& d = cur();
  if (d.xfer == Xfer::AtapiIn) {
    uint16_t v = 0;
    for (unsigned i = 0; i < 2 && d.len; ++i) {
      if (d.reply_pos >= d.reply.size() && d.remaining) {  // refill a READ's stream
        const uint32_t n = std::min<uint32_t>(d.remaining, 16);
        d.reply.assign(size_t(n) * 2048, 0);
        d.reply_pos = 0;
        if (!d.img->read(d.lba * 2048, d.reply.data(), d.reply.size())) {
          d.xfer = Xfer::None;
          atapi_complete(d, 0x03, 0x11, 0x00);  // MEDIUM ERROR, unrecovered read error
          return v;
        }
        d.lba += n, d.remaining -= n;
      }
      const uint8_t b = d.reply_pos < d.reply.size() ? d.reply[d.reply_pos++] : 0;
      v |= uint16_t(b) << (8 * i);
      --d.len;
    }
    if (d.len == 0) atapi_next_chunk(d);
    return v;
  }
  if (d.xfer != Xfer::PioIn) return 0xFFFF;
  uint16_t v = uint16_t(d.buf[d.pos] | (d.buf[d.pos + 1] << 8));
  d.pos += 2;
  if (d.pos >= d.len) data_done(d);
  return v;
}

void IdeChannel::data_write16(uint16_t v) {
  Drive& d = cur();
  if (d.xfer != Xfer::PioOut && d.xfer != Xfer::Packet) return;
  d.buf[d.pos] = uint8_t(v), d.buf[d.pos + 1] = uint8_t(v >> 8);
  d.pos += 2;
  if (d.pos < d.len) return;
  if (d.xfer == Xfer::Packet) packet_received(d);
  else write_block_done(d);
}

void IdeChannel::data_done(Drive& d) {
  if (d.remaining) {
    next_read_block(d);
  } else {
    d.xfer = Xfer::None;
    d.status = DRDY | DSC;
  }
}

bool IdeChannel::decode_address(Drive& d, bool lba48, uint64_t& lba, uint32_t& count) {
  const TaskFile& t = tf();
  if (lba48) {
    lba = uint64_t(t.hob_hi) << 40 | uint64_t(t.hob_mid) << 32 | uint64_t(t.hob_lo) << 24 | uint64_t(t.lba_hi) << 16 |
          uint64_t(t.lba_mid) << 8 | t.lba_lo;
    count = uint32_t(t.hob_count) << 8 | t.count;
    if (count == 0) count = 65536;
  } else {
    count = t.count ? t.count : 256;
    if (t.device & 0x40) {
      lba = uint64_t(t.device & 0x0F) << 24 | uint64_t(t.lba_hi) << 16 | uint64_t(t.lba_mid) << 8 | t.lba_lo;
    } else {
      const unsigned cyl = unsigned(t.lba_hi) << 8 | t.lba_mid, head = t.device & 0x0F, sec = t.lba_lo;
      if (sec == 0 || sec > d.lspt || head >= d.lheads) lba = ~uint64_t(0);
      else lba = (uint64_t(cyl) * d.lheads + head) * d.lspt + sec - 1;
    }
  }
  if (lba >= d.sectors || count > d.sectors - lba) {
    d.status = DRDY | DSC | ERR;
    d.error = IDNF;
    d.xfer = Xfer::None;
    raise(d);
    return false;
  }
  return true;
}

void IdeChannel::set_address(Drive& d, uint64_t lba, bool lba48) {
  TaskFile& t = tf();
  if (lba48) {
    t.lba_lo = uint8_t(lba), t.lba_mid = uint8_t(lba >> 8), t.lba_hi = uint8_t(lba >> 16);
    t.hob_lo = uint8_t(lba >> 24), t.hob_mid = uint8_t(lba >> 32), t.hob_hi = uint8_t(lba >> 40);
  } else if (t.device & 0x40) {
    t.lba_lo = uint8_t(lba), t.lba_mid = uint8_t(lba >> 8), t.lba_hi = uint8_t(lba >> 16);
    t.device = uint8_t((t.device & 0xF0) | ((lba >> 24) & 0x0F));
  } else if (d.lspt && d.lheads) {
    const uint64_t cyl = lba / (uint64_t(d.lheads) * d.lspt), rem = lba % (uint64_t(d.lheads) * d.lspt);
    t.lba_lo = uint8_t(rem % d.lspt + 1), t.lba_mid = uint8_t(cyl), t.lba_hi = uint8_t(cyl >> 8);
    t.device = uint8_t((t.device & 0xF0) | (rem / d.lspt));
  }
}

void IdeChannel::start_read(Drive& d, uint64_t lba, uint32_t count, unsigned block, bool lba48) {
  d.lba = lba, d.remaining = count, d.block = block, d.lba48 = lba48;
  next_read_block(d);
}

void IdeChannel::next_read_block(Drive& d) {
  const uint32_t n = std::min<uint32_t>(d.remaining, d.block);
  d.buf.assign(size_t(n) * 512, 0);
  if (!d.img->read(d.lba * 512, d.buf.data(), d.buf.size())) {
    set_address(d, d.lba, d.lba48);
    d.status = DRDY | DSC | ERR, d.error = UNC, d.xfer = Xfer::None;
    raise(d);
    return;
  }
  set_address(d, d.lba + n - 1, d.lba48);
  d.lba += n, d.remaining -= n;
  d.pos = 0, d.len = d.buf.size();
  d.xfer = Xfer::PioIn;
  d.status = DRDY | DSC | DRQ;
  raise(d);
}

void IdeChannel::start_write(Drive& d, uint64_t lba, uint32_t count, unsigned block, bool lba48) {
  if (d.img->readonly()) return abort(d);
  d.lba = lba, d.remaining = count, d.block = block, d.lba48 = lba48;
  const uint32_t n = std::min<uint32_t>(d.remaining, d.block);
  d.buf.assign(size_t(n) * 512, 0);
  d.pos = 0, d.len = d.buf.size();
  d.xfer = Xfer::PioOut;
  d.status = DRDY | DSC | DRQ;  // no interrupt before the first block
}

void IdeChannel::write_block_done(Drive& d) {
  const uint32_t n = uint32_t(d.len / 512);
  if (!d.img->write(d.lba * 512, d.buf.data(), d.len)) {
    set_address(d, d.lba, d.lba48);
    d.status = DRDY | DSC | ERR, d.error = ABRT, d.xfer = Xfer::None;
    raise(d);
    return;
  }
  set_address(d, d.lba + n - 1, d.lba48);
  d.lba += n, d.remaining -= n;
  if (d.remaining) {
    const uint32_t m = std::min<uint32_t>(d.remaining, d.block);
    d.buf.assign(size_t(m) * 512, 0);
    d.pos = 0, d.len = d.buf.size();
    d.status = DRDY | DSC | DRQ;
  } else {
    d.xfer = Xfer::None;
    d.status = DRDY | DSC;
  }
  raise(d);
}

void IdeChannel::identify(Drive& d, bool packet) {
  uint16_t w[256] = {};
  const bool cd = d.kind == Kind::Atapi;
  const unsigned u = unsigned(&d - drive_);
  char serial[21];
  std::snprintf(serial, sizeof serial, "XLAT%04X%u", cmd_base_, u);
  put_string(w, 10, 10, serial);
  put_string(w, 23, 4, "0.1");
  put_string(w, 27, 20, cd ? "XLAT DVD-ROM" : "XLAT HARDDISK");
  if (cd) {
    w[0] = 0x85C0;  // ATAPI, CD-ROM, removable, DRQ within 50 us, 12-byte packets
    w[49] = 0x0200;  // LBA
    w[53] = 0x0002;
    w[64] = 0x0003;
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x007E;  // ATA/ATAPI-1..6
  } else {
    const uint64_t lba28 = std::min<uint64_t>(d.sectors, 0x0FFFFFFF);
    const uint64_t cur_cap = uint64_t(d.lheads) * d.lspt * d.cyl;
    w[0] = 0x0040;  // fixed disk
    w[1] = d.cyl, w[3] = d.heads, w[6] = d.spt;
    w[47] = 0x8000 | MAX_MULTIPLE;
    w[49] = 0x0200;  // LBA supported (no DMA)
    w[50] = 0x4000;
    w[51] = 0x0200;
    w[53] = 0x0003;  // words 54-58 and 64-70 valid
    w[54] = d.cyl, w[55] = d.lheads, w[56] = d.lspt;
    w[57] = uint16_t(cur_cap), w[58] = uint16_t(cur_cap >> 16);
    w[59] = d.multiple ? uint16_t(0x0100 | d.multiple) : 0;
    w[60] = uint16_t(lba28), w[61] = uint16_t(lba28 >> 16);
    w[64] = 0x0003;  // PIO 3 and 4
    w[65] = w[66] = w[67] = w[68] = 120;
    w[80] = 0x007E;
    w[82] = 0x0000;
    w[83] = 0x7400;  // valid, FLUSH CACHE EXT, FLUSH CACHE, 48-bit addresses
    w[84] = 0x4000;
    w[85] = 0x0000;
    w[86] = 0x3400;
    w[87] = 0x4000;
    for (unsigned i = 0; i < 4; ++i) w[100 + i] = uint16_t(d.sectors >> (16 * i));
  }
  (void)packet;
  d.buf.resize(512);
  for (unsigned i = 0; i < 256; ++i) d.buf[2 * i] = uint8_t(w[i]), d.buf[2 * i + 1] = uint8_t(w[i] >> 8);
  d.pos = 0, d.len = 512, d.remaining = 0;
  d.xfer = Xfer::PioIn;
  d.status = DRDY | DSC | DRQ;
  d.error = 0;
  raise(d);
}

void IdeChannel::command(uint8_t cmd) {
  Drive& d = cur();
  TaskFile& t = tf();
  d.irq_pending = false;
  d.error = 0;
  auto done = [&] {
    d.status = DRDY | DSC;
    d.xfer = Xfer::None;
    raise(d);
  };
  if (d.kind == Kind::Atapi) {
    switch (cmd) {
      case 0xA0: return packet_command(d);
      case 0xA1: return identify(d, true);
      case 0x08:  // DEVICE RESET
        set_signature(unit());
        return;
      case 0x90:
        for (unsigned u = 0; u < 2; ++u) set_signature(u);
        return raise(d);
      case 0xEC:  // IDENTIFY DEVICE: aborted, with the ATAPI signature
        set_signature(unit());
        return abort(d);
      case 0xEF: case 0xE0: case 0xE1: case 0xE7: case 0xEA:
        d.status = DRDY | DSC;
        return done();
      default:
        return abort(d);
    }
  }
  uint64_t lba = 0;
  uint32_t count = 0;
  switch (cmd) {
    case 0xEC: return identify(d, false);
    case 0x20: case 0x21:
      if (decode_address(d, false, lba, count)) start_read(d, lba, count, 1, false);
      return;
    case 0x24:
      if (decode_address(d, true, lba, count)) start_read(d, lba, count, 1, true);
      return;
    case 0xC4: case 0x29:
      if (!d.multiple) return abort(d);
      if (decode_address(d, cmd == 0x29, lba, count)) start_read(d, lba, count, d.multiple, cmd == 0x29);
      return;
    case 0x30: case 0x31:
      if (decode_address(d, false, lba, count)) start_write(d, lba, count, 1, false);
      return;
    case 0x34:
      if (decode_address(d, true, lba, count)) start_write(d, lba, count, 1, true);
      return;
    case 0xC5: case 0x39:
      if (!d.multiple) return abort(d);
      if (decode_address(d, cmd == 0x39, lba, count)) start_write(d, lba, count, d.multiple, cmd == 0x39);
      return;
    case 0x40: case 0x41: case 0x42:  // READ VERIFY (+EXT): check the range only
      if (decode_address(d, cmd == 0x42, lba, count)) {
        set_address(d, lba + count - 1, cmd == 0x42);
        done();
      }
      return;
    case 0xC6: {  // SET MULTIPLE MODE
      const uint8_t n = t.count;
      if (n > MAX_MULTIPLE || (n & (n - 1))) return abort(d);
      d.multiple = n;
      return done();
    }
    case 0x91:  // INITIALIZE DEVICE PARAMETERS
      if (t.count == 0) return abort(d);
      d.lspt = t.count, d.lheads = uint16_t((t.device & 0x0F) + 1);
      return done();
    case 0xE7: case 0xEA:  // FLUSH CACHE (+EXT)
      if (!d.img->flush()) {
        d.status = DRDY | DSC | ERR, d.error = ABRT;
        return raise(d);
      }
      return done();
    case 0x90:  // EXECUTE DEVICE DIAGNOSTIC
      for (unsigned u = 0; u < 2; ++u) set_signature(u);
      return raise(d);
    case 0xEF:  // SET FEATURES: transfer mode, caches, ... accepted
      if (t.feature == 0x03 && (t.count >> 3) > 1) return abort(d);  // DMA modes: not supported
      return done();
    case 0x70:  // SEEK
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE6: case 0x94: case 0x95: case 0x96: case 0x97:
      return done();
    case 0xE5: case 0x98:  // CHECK POWER MODE: active
      t.count = 0xFF;
      return done();
    default:
      if (cmd >= 0x10 && cmd <= 0x1F) return done();  // RECALIBRATE
      return abort(d);
  }
}

}  // namespace xlat::dev
