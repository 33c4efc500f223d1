#include "devices/vga/vga.hpp"

#include <cstring>

namespace xlat::dev {

VgaText::VgaText(core::Bus& bus, core::Scheduler& sched) : bus_(bus), sched_(sched) { reset(); }

void VgaText::reset() {
  st_ = State{};
  // The standard 16-colour text palette in the DAC's first 64 entries
  // (6-bit components: rgbRGB as the attribute registers index it).
  for (unsigned i = 0; i < 64; ++i) {
    const uint8_t r = ((i >> 2) & 1) * 42 + ((i >> 5) & 1) * 21;
    const uint8_t g = ((i >> 1) & 1) * 42 + ((i >> 4) & 1) * 21;
    const uint8_t b = (i & 1) * 42 + ((i >> 3) & 1) * 21;
    st_.dac[i][0] = r, st_.dac[i][1] = g, st_.dac[i][2] = b;
  }
}

uint32_t VgaText::io_read(uint16_t port, unsigned size) {
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint32_t(read_port(uint16_t(port + i))) << (8 * i);
  return v;
}

void VgaText::io_write(uint16_t port, uint32_t value, unsigned size) {
  for (unsigned i = 0; i < size; ++i) write_port(uint16_t(port + i), uint8_t(value >> (8 * i)));
}

uint8_t VgaText::read_port(uint16_t port) {
  // The CRTC and input status 1 answer at 0x3Bx in mono, 0x3Dx in colour.
  const bool crtc_port = port == 0x3B4 || port == 0x3B5 || port == 0x3BA || port == 0x3D4 || port == 0x3D5 ||
                         port == 0x3DA;
  if (crtc_port && ((port & 0xF0) == 0xB0) != mono()) return 0xFF;
  switch (port) {
    case 0x3C0: return st_.attr_index;
    case 0x3C1: return st_.attr[st_.attr_index & 0x1F] * ((st_.attr_index & 0x1F) < 21);
    case 0x3C2: return 0x10;  // input status 0: switch sense
    case 0x3C4: return st_.seq_index;
    case 0x3C5: return st_.seq_index < 5 ? st_.seq[st_.seq_index] : 0xFF;
    case 0x3C6: return st_.dac_mask;
    case 0x3C7: return st_.dac_state;
    case 0x3C8: return st_.dac_write;
    case 0x3C9: {
      const uint8_t v = st_.dac[st_.dac_read][st_.dac_component];
      if (++st_.dac_component == 3) st_.dac_component = 0, ++st_.dac_read;
      return v;
    }
    case 0x3CC: return st_.misc;
    case 0x3CE: return st_.gc_index;
    case 0x3CF: return st_.gc_index < 9 ? st_.gc[st_.gc_index] : 0xFF;
    case 0x3B4: case 0x3D4: return st_.crtc_index;
    case 0x3B5: case 0x3D5: return st_.crtc_index < 25 ? st_.crtc[st_.crtc_index] : 0xFF;
    case 0x3BA: case 0x3DA: {
      st_.attr_flip = false;
      // Vertical retrace at the end of every frame; display enable off
      // during retrace and during each line's horizontal blanking.
      const uint64_t t = sched_.now() % FRAME_NS;
      const bool vr = t >= FRAME_NS - VRETRACE_NS;
      const bool hblank = (t % 31'778) >= 25'422;  // 31.78 us lines, 80% active
      return uint8_t((vr ? 0x08 : 0) | (vr || hblank ? 0x01 : 0));
    }
    default: return 0xFF;
  }
}

void VgaText::write_port(uint16_t port, uint8_t v) {
  const bool crtc_port = port == 0x3B4 || port == 0x3B5 || port == 0x3BA || port == 0x3D4 || port == 0x3D5 ||
                         port == 0x3DA;
  if (crtc_port && ((port & 0xF0) == 0xB0) != mono()) return;
  switch (port) {
    case 0x3C0:
      if (!st_.attr_flip) {
        st_.attr_index = v & 0x3F;
      } else if ((st_.attr_index & 0x1F) < 21) {
        st_.attr[st_.attr_index & 0x1F] = v;
      }
      st_.attr_flip = !st_.attr_flip;
      break;
    case 0x3C2: st_.misc = v; break;
    case 0x3C4: st_.seq_index = v; break;
    case 0x3C5: if (st_.seq_index < 5) st_.seq[st_.seq_index] = v; break;
    case 0x3C6: st_.dac_mask = v; break;
    case 0x3C7: st_.dac_read = v, st_.dac_component = 0, st_.dac_state = 3; break;
    case 0x3C8: st_.dac_write = v, st_.dac_component = 0, st_.dac_state = 0; break;
    case 0x3C9:
      st_.dac[st_.dac_write][st_.dac_component] = v & 0x3F;
      if (++st_.dac_component == 3) st_.dac_component = 0, ++st_.dac_write;
      break;
    case 0x3CE: st_.gc_index = v; break;
    case 0x3CF: if (st_.gc_index < 9) st_.gc[st_.gc_index] = v; break;
    case 0x3B4: case 0x3D4: st_.crtc_index = v; break;
    case 0x3B5: case 0x3D5:
      if (st_.crtc_index >= 25) break;
      // CR11 bit 7 write-protects CR00-CR07 (except CR07 bit 4).
      if (st_.crtc_index < 8 && (st_.crtc[0x11] & 0x80)) {
        if (st_.crtc_index == 7) st_.crtc[7] = uint8_t((st_.crtc[7] & ~0x10) | (v & 0x10));
        break;
      }
      st_.crtc[st_.crtc_index] = v;
      break;
    default: break;
  }
}

std::vector<VgaText::Cell> VgaText::cells() const {
  std::vector<Cell> out(COLS * ROWS, Cell{' ', 0x07});
  const uint64_t base = mono() ? 0xB0000 : 0xB8000;
  const uint32_t start = (uint32_t(st_.crtc[0x0C]) << 8) | st_.crtc[0x0D];
  uint8_t buf[COLS * ROWS * 2];
  // The text window is 32 KiB; the start address wraps inside it.
  for (unsigned i = 0; i < COLS * ROWS; ++i) {
    const uint64_t off = ((start + i) * 2) & 0x7FFF;
    bus_.copy_from(base + off, &buf[2 * i], 2);
  }
  for (unsigned i = 0; i < COLS * ROWS; ++i) out[i] = Cell{buf[2 * i], buf[2 * i + 1]};
  return out;
}

bool VgaText::cursor(unsigned& row, unsigned& col) const {
  if (st_.crtc[0x0A] & 0x20) return false;
  const uint32_t start = (uint32_t(st_.crtc[0x0C]) << 8) | st_.crtc[0x0D];
  const uint32_t pos = (uint32_t(st_.crtc[0x0E]) << 8) | st_.crtc[0x0F];
  if (pos < start || pos - start >= COLS * ROWS) return false;
  row = (pos - start) / COLS;
  col = (pos - start) % COLS;
  return true;
}

std::string VgaText::text() const {
  const std::vector<Cell> c = cells();
  std::string out;
  for (unsigned r = 0; r < ROWS; ++r) {
    std::string line;
    for (unsigned k = 0; k < COLS; ++k) {
      const uint8_t ch = c[r * COLS + k].ch;
      line += ch == 0 ? ' ' : (ch >= 0x20 && ch < 0x7F) ? char(ch) : '.';
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + '\n';
  }
  return out;
}

}  // namespace xlat::dev
