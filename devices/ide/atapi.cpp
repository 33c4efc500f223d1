// ATAPI CD-ROM: the PACKET protocol (ATA/ATAPI-6 PIO data-in) and the SCSI
// MMC commands a BIOS, GRUB and Linux's sr driver send to a read-only data
// disc: TEST UNIT READY, REQUEST SENSE, INQUIRY, READ CAPACITY, READ(10/12),
// READ TOC (formats 0 and 1, LBA or MSF), MODE SENSE(6/10) (pages 01h, 2Ah,
// all), START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL, GET CONFIGURATION
// (header with the CD-ROM profile). Anything else: CHECK CONDITION, ILLEGAL
// REQUEST / invalid command operation code.
//
// Protocol: PACKET (A0h) asks for the 12-byte command (interrupt reason CoD,
// DRQ, no interrupt); data-in goes in DRQ chunks of at most the byte count
// limit the host wrote to LBA mid/high (interrupt reason IO, INTRQ per
// chunk); the end is interrupt reason IO|CoD with DRDY (and ERR plus the
// sense key in the error register's high nibble on CHECK CONDITION).
#include <algorithm>
#include <cstring>

#include "devices/ide/ide.hpp"

namespace xlat::dev {

using namespace ata;

namespace {

void be16(uint8_t* p, uint32_t v) { p[0] = uint8_t(v >> 8), p[1] = uint8_t(v); }
void be32(uint8_t* p, uint32_t v) { be16(p, v >> 16), be16(p + 2, v); }
uint32_t get16(const uint8_t* p) { return uint32_t(p[0]) << 8 | p[1]; }
uint32_t get32(const uint8_t* p) { return get16(p) << 16 | get16(p + 2); }

// LBA -> MSF address bytes (0, M, S, F) with the 2-second lead-in.
void msf(uint8_t* p, uint32_t lba) {
  lba += 150;
  p[0] = 0, p[1] = uint8_t(lba / (75 * 60)), p[2] = uint8_t((lba / 75) % 60), p[3] = uint8_t(lba % 75);
}

namespace sense {
constexpr uint8_t NOT_READY = 0x02, ILLEGAL_REQUEST = 0x05;
}

}  // namespace

void IdeChannel::packet_command(Drive& d) {
  TaskFile& t = tf();
  if (t.feature & 0x01) return abort(d);  // DMA: not supported
  d.byte_limit = uint32_t(t.lba_hi) << 8 | t.lba_mid;
  if (d.byte_limit == 0) d.byte_limit = 0xFFFE;
  d.byte_limit &= ~1u;
  d.buf.assign(12, 0);
  d.pos = 0, d.len = 12;
  d.xfer = Xfer::Packet;
  t.count = 0x01;  // CoD: the device wants the command packet
  d.status = DRDY | DSC | DRQ;
}

void IdeChannel::atapi_complete(Drive& d, uint8_t key, uint8_t asc, uint8_t ascq) {
  TaskFile& t = tf();
  d.sense_key = key, d.asc = asc, d.ascq = ascq;
  d.xfer = Xfer::None;
  t.count = 0x03;  // IO | CoD: command complete
  if (key) {
    d.status = DRDY | DSC | ERR;
    d.error = uint8_t(key << 4 | ABRT);
  } else {
    d.status = DRDY | DSC;
    d.error = 0;
  }
  raise(d);
}

void IdeChannel::atapi_next_chunk(Drive& d) {
  const uint64_t left = (d.reply.size() - d.reply_pos) + uint64_t(d.remaining) * 2048;
  if (left == 0) return atapi_complete(d);
  const uint32_t chunk = uint32_t(std::min<uint64_t>(left, d.byte_limit));
  TaskFile& t = tf();
  t.lba_mid = uint8_t(chunk), t.lba_hi = uint8_t(chunk >> 8);
  t.count = 0x02;  // IO: data to the host
  d.len = chunk;
  d.xfer = Xfer::AtapiIn;
  d.status = DRDY | DSC | DRQ;
  raise(d);
}

void IdeChannel::atapi_reply(Drive& d, std::vector<uint8_t> data, uint32_t alloc) {
  if (data.size() > alloc) data.resize(alloc);
  d.reply = std::move(data);
  d.reply_pos = 0;
  d.remaining = 0;
  atapi_next_chunk(d);
}

void IdeChannel::packet_received(Drive& d) {
  const std::vector<uint8_t> p = d.buf;  // the 12-byte CDB
  const uint32_t blocks = uint32_t(std::min<uint64_t>(d.sectors, 0xFFFFFFFF));
  d.xfer = Xfer::None;
  d.reply.clear(), d.reply_pos = 0, d.remaining = 0;
  switch (p[0]) {
    case 0x00:  // TEST UNIT READY
      return atapi_complete(d);
    case 0x03: {  // REQUEST SENSE
      std::vector<uint8_t> r(18, 0);
      r[0] = 0x70, r[2] = d.sense_key, r[7] = 10, r[12] = d.asc, r[13] = d.ascq;
      d.sense_key = d.asc = d.ascq = 0;
      return atapi_reply(d, std::move(r), p[4]);
    }
    case 0x12: {  // INQUIRY
      std::vector<uint8_t> r(36, ' ');
      r[0] = 0x05, r[1] = 0x80, r[2] = 0x00, r[3] = 0x21, r[4] = 31, r[5] = r[6] = r[7] = 0;
      std::memcpy(&r[8], "XLAT    ", 8);
      std::memcpy(&r[16], "XLAT DVD-ROM    ", 16);
      std::memcpy(&r[32], "0.1 ", 4);
      return atapi_reply(d, std::move(r), p[4]);
    }
    case 0x25: {  // READ CAPACITY
      std::vector<uint8_t> r(8);
      be32(&r[0], blocks - 1), be32(&r[4], 2048);
      return atapi_reply(d, std::move(r), 8);
    }
    case 0x28: case 0xA8: {  // READ(10), READ(12)
      const uint32_t lba = get32(&p[2]);
      const uint32_t n = p[0] == 0x28 ? get16(&p[7]) : get32(&p[6]);
      if (uint64_t(lba) + n > d.sectors) return atapi_complete(d, sense::ILLEGAL_REQUEST, 0x21, 0x00);
      if (n == 0) return atapi_complete(d);
      d.lba = lba, d.remaining = n;
      return atapi_next_chunk(d);
    }
    case 0x43: {  // READ TOC
      const bool use_msf = p[1] & 0x02;
      unsigned format = p[2] & 0x0F;
      if (format == 0 && (p[9] >> 6)) format = p[9] >> 6;  // the old SFF-8020 place
      const uint32_t alloc = get16(&p[7]);
      std::vector<uint8_t> r(4, 0);
      auto desc = [&](uint8_t track, uint32_t lba) {
        uint8_t e[8] = {0, 0x14, track, 0, 0, 0, 0, 0};
        if (use_msf) msf(&e[4], lba);
        else be32(&e[4], lba);
        r.insert(r.end(), e, e + 8);
      };
      if (format == 0) {
        const unsigned start = p[6];
        if (start > 1 && start != 0xAA) return atapi_complete(d, sense::ILLEGAL_REQUEST, 0x24, 0x00);
        r[2] = 1, r[3] = 1;
        if (start <= 1) desc(1, 0);
        desc(0xAA, blocks);
      } else if (format == 1) {
        r[2] = 1, r[3] = 1;
        desc(1, 0);
      } else {
        return atapi_complete(d, sense::ILLEGAL_REQUEST, 0x24, 0x00);
      }
      be16(&r[0], uint32_t(r.size() - 2));
      return atapi_reply(d, std::move(r), alloc);
    }
    case 0x1A: case 0x5A: {  // MODE SENSE(6), MODE SENSE(10)
      const bool ten = p[0] == 0x5A;
      const unsigned page = p[2] & 0x3F, pc = p[2] >> 6;
      const uint32_t alloc = ten ? get16(&p[7]) : p[4];
      if (pc == 3) return atapi_complete(d, sense::ILLEGAL_REQUEST, 0x39, 0x00);  // saved values
      std::vector<uint8_t> r(ten ? 8 : 4, 0);
      const uint8_t error_page[] = {0x01, 0x06, 0x00, 0x05, 0, 0, 0, 0};
      uint8_t caps[] = {0x2A, 0x14, 0x3B, 0x00, 0x71, 0x60, 0x29, 0x00, 0x02, 0xC2, 0x00,
                        0x02, 0x02, 0x00, 0x02, 0xC2, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
      if (pc == 1) std::memset(caps + 2, 0, sizeof caps - 2);  // changeable: none
      if (page == 0x01 || page == 0x3F) r.insert(r.end(), error_page, error_page + sizeof error_page);
      if (page == 0x2A || page == 0x3F) r.insert(r.end(), caps, caps + sizeof caps);
      if (r.size() == (ten ? 8u : 4u)) return atapi_complete(d, sense::ILLEGAL_REQUEST, 0x24, 0x00);
      if (ten) be16(&r[0], uint32_t(r.size() - 2)), r[2] = 0x01;  // medium: 120 mm data disc
      else r[0] = uint8_t(r.size() - 1), r[1] = 0x01;
      return atapi_reply(d, std::move(r), alloc);
    }
    case 0x46: {  // GET CONFIGURATION: the feature header, current profile CD-ROM
      std::vector<uint8_t> r(8, 0);
      be32(&r[0], 4), be16(&r[6], 0x0008);
      return atapi_reply(d, std::move(r), get16(&p[7]));
    }
    case 0x1B:  // START STOP UNIT
    case 0x1E:  // PREVENT ALLOW MEDIUM REMOVAL
    case 0x2B:  // SEEK(10)
      return atapi_complete(d);
    default:
      return atapi_complete(d, sense::ILLEGAL_REQUEST, 0x20, 0x00);
  }
}

}  // namespace xlat::dev
