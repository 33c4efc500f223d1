#include "devices/dma8237/dma8237.hpp"

namespace xlat::dev {

namespace {

// Page register port for each channel (offset from 0x80).
constexpr uint8_t PAGE_PORT[8] = {0x7, 0x3, 0x1, 0x2, 0xF, 0xB, 0x9, 0xA};

int channel_of_page_port(uint8_t off) {
  for (int c = 0; c < 8; ++c)
    if (PAGE_PORT[c] == off) return c;
  return -1;
}

}  // namespace

void Dma8237::reset() { st_ = State{}; }

bool Dma8237::ready(unsigned channel, uint8_t type) const {
  const Controller& c = st_.c[channel >> 2];
  if (c.mask & (1u << (channel & 3))) return false;
  if (c.command & 0x04) return false;  // controller disabled
  return ((chan(channel).mode >> 2) & 3) == type;
}

size_t Dma8237::remaining(unsigned channel) const {
  const size_t units = size_t(chan(channel).count) + 1;
  return channel >= 4 ? units * 2 : units;
}

size_t Dma8237::to_memory(unsigned channel, const uint8_t* src, size_t n) {
  return transfer(channel, WRITE, const_cast<uint8_t*>(src), n);
}

size_t Dma8237::from_memory(unsigned channel, uint8_t* dst, size_t n) { return transfer(channel, READ, dst, n); }

// Moves units (bytes, or words on channels 4-7) one at a time until `n`
// bytes or terminal count. Verify-type channels count without touching
// memory, for either direction.
size_t Dma8237::transfer(unsigned channel, uint8_t type, uint8_t* host, size_t n) {
  if (channel >= 8) return 0;
  Controller& c = st_.c[channel >> 2];
  Channel& ch = chan(channel);
  const unsigned bit = 1u << (channel & 3);
  const uint8_t t = (ch.mode >> 2) & 3;
  if ((c.mask & bit) || (c.command & 0x04) || (t != type && t != VERIFY)) return 0;
  const bool word = channel >= 4;
  const unsigned unit = word ? 2 : 1;
  const bool down = ch.mode & 0x20;
  size_t done = 0;
  while (done + unit <= n) {
    const uint64_t phys = word ? (uint64_t(ch.page & 0xFE) << 16) | (uint64_t(ch.addr) << 1)
                               : (uint64_t(ch.page) << 16) | ch.addr;
    if (t != VERIFY) {
      for (unsigned k = 0; k < unit; ++k) {
        if (type == WRITE) bus_.copy_to(phys + k, host + done + k, 1);
        else if (!bus_.copy_from(phys + k, host + done + k, 1)) host[done + k] = 0xFF;
      }
    }
    done += unit;
    ch.addr = uint16_t(down ? ch.addr - 1 : ch.addr + 1);  // wraps inside the page
    if (ch.count-- == 0) {                                 // terminal count
      c.status |= bit;
      if (ch.mode & 0x10) {
        ch.addr = ch.base_addr;
        ch.count = ch.base_count;
      } else {
        c.mask |= bit;
      }
      break;
    }
  }
  return done;
}

uint8_t Dma8237::read(uint16_t port) {
  if (port >= 0x80 && port <= 0x8F) {
    const int c = channel_of_page_port(uint8_t(port - 0x80));
    return c >= 0 ? chan(unsigned(c)).page : st_.page_extra[port - 0x80];
  }
  const unsigned ctl = port >= 0xC0 ? 1 : 0;
  const unsigned reg = ctl ? (port - 0xC0) >> 1 : port;
  Controller& c = st_.c[ctl];
  if (reg < 8) {
    Channel& ch = c.ch[reg >> 1];
    const uint16_t v = (reg & 1) ? ch.count : ch.addr;
    const uint8_t b = c.flip_flop ? uint8_t(v >> 8) : uint8_t(v);
    c.flip_flop = !c.flip_flop;
    return b;
  }
  switch (reg) {
    case 8: {  // status: TC bits clear on read
      const uint8_t s = c.status;
      c.status &= 0xF0;
      return s;
    }
    case 13: return c.temp;
    case 15: return uint8_t(0xF0 | c.mask);
    default: return 0xFF;
  }
}

void Dma8237::write(uint16_t port, uint8_t v) {
  if (port >= 0x80 && port <= 0x8F) {
    const int c = channel_of_page_port(uint8_t(port - 0x80));
    if (c >= 0) chan(unsigned(c)).page = v;
    else st_.page_extra[port - 0x80] = v;
    return;
  }
  const unsigned ctl = port >= 0xC0 ? 1 : 0;
  const unsigned reg = ctl ? (port - 0xC0) >> 1 : port;
  Controller& c = st_.c[ctl];
  if (reg < 8) {  // writes load both the base and the current register
    Channel& ch = c.ch[reg >> 1];
    uint16_t& cur = (reg & 1) ? ch.count : ch.addr;
    uint16_t& base = (reg & 1) ? ch.base_count : ch.base_addr;
    cur = c.flip_flop ? uint16_t((cur & 0x00FF) | v << 8) : uint16_t((cur & 0xFF00) | v);
    base = cur;
    c.flip_flop = !c.flip_flop;
    return;
  }
  switch (reg) {
    case 8: c.command = v; break;
    case 9:
      if (v & 4) c.request |= uint8_t(1u << (v & 3));
      else c.request &= uint8_t(~(1u << (v & 3)));
      c.status = uint8_t((c.status & 0x0F) | c.request << 4);
      break;
    case 10:
      if (v & 4) c.mask |= uint8_t(1u << (v & 3));
      else c.mask &= uint8_t(~(1u << (v & 3)));
      break;
    case 11: c.ch[v & 3].mode = v; break;
    case 12: c.flip_flop = false; break;
    case 13:  // master clear
      c.command = 0;
      c.status = 0;
      c.request = 0;
      c.temp = 0;
      c.flip_flop = false;
      c.mask = 0x0F;
      break;
    case 14: c.mask = 0; break;
    case 15: c.mask = v & 0x0F; break;
  }
}

}  // namespace xlat::dev
