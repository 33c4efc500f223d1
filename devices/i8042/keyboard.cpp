// The MF2 keyboard behind the 8042, and the controller's set 2 -> set 1
// translation table (the one in PC keyboard controller ROMs: a permutation
// of 0x01-0x7F; 0x00 -> 0xFF; bytes from 0x80 pass unchanged except the
// F7 key 0x83 -> 0x41 and Alt+SysRq 0x84 -> 0x37).
#include "devices/i8042/i8042.hpp"

namespace xlat::dev {

namespace {

// Indexed by the set 2 byte 0x00-0x7F.
// clang-format off
constexpr uint8_t kTranslate[128] = {
    0xFF, 0x43, 0x41, 0x3F, 0x3D, 0x3B, 0x3C, 0x58, 0x64, 0x44, 0x42, 0x40, 0x3E, 0x0F, 0x29, 0x59,  // 00
    0x65, 0x38, 0x2A, 0x70, 0x1D, 0x10, 0x02, 0x5A, 0x66, 0x71, 0x2C, 0x1F, 0x1E, 0x11, 0x03, 0x5B,  // 10
    0x67, 0x2E, 0x2D, 0x20, 0x12, 0x05, 0x04, 0x5C, 0x68, 0x39, 0x2F, 0x21, 0x14, 0x13, 0x06, 0x5D,  // 20
    0x69, 0x31, 0x30, 0x23, 0x22, 0x15, 0x07, 0x5E, 0x6A, 0x72, 0x32, 0x24, 0x16, 0x08, 0x09, 0x5F,  // 30
    0x6B, 0x33, 0x25, 0x17, 0x18, 0x0B, 0x0A, 0x60, 0x6C, 0x34, 0x35, 0x26, 0x27, 0x19, 0x0C, 0x61,  // 40
    0x6D, 0x73, 0x28, 0x74, 0x1A, 0x0D, 0x62, 0x6E, 0x3A, 0x36, 0x1C, 0x1B, 0x75, 0x2B, 0x63, 0x76,  // 50
    0x55, 0x56, 0x77, 0x78, 0x79, 0x7A, 0x0E, 0x7B, 0x7C, 0x4F, 0x7D, 0x4B, 0x47, 0x7E, 0x7F, 0x6F,  // 60
    0x52, 0x53, 0x50, 0x4C, 0x4D, 0x48, 0x01, 0x45, 0x57, 0x4E, 0x51, 0x4A, 0x37, 0x49, 0x46, 0x54,  // 70
};
// clang-format on

}  // namespace

uint8_t I8042::translate(uint8_t b) {
  if (b < 0x80) return kTranslate[b];
  if (b == 0x83) return 0x41;
  if (b == 0x84) return 0x37;
  return b;
}

void I8042::keyboard_reply(uint8_t v) {
  st_.kbd_q.push(Byte{v, false, false});
  if (v != 0xFE) st_.kbd.last_sent = v;
  refill();
}

void I8042::keyboard_defaults() {
  st_.kbd.typematic = 0x2B;  // 10.9 characters/s after 500 ms
  st_.kbd.leds = 0;
}

void I8042::keyboard_send(const uint8_t* bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) st_.kbd_q.push(Byte{bytes[i], false, false});
  refill();
}

void I8042::key_event(uint16_t code, bool pressed) {
  if (!st_.kbd.scanning) return;
  uint8_t seq[3];
  size_t n = 0;
  if (code >> 8 == 0xE0) seq[n++] = 0xE0;
  const uint8_t c = uint8_t(code);
  if (st_.kbd.set == 1) {
    seq[n++] = uint8_t(translate(c) | (pressed ? 0 : 0x80));
  } else {
    if (!pressed) seq[n++] = 0xF0;
    seq[n++] = c;
  }
  keyboard_send(seq, n);
}

void I8042::keyboard_write(uint8_t v) {
  Keyboard& k = st_.kbd;
  if (k.awaiting) {
    const uint8_t cmd = k.awaiting;
    k.awaiting = 0;
    switch (cmd) {
      case 0xED:
        k.leds = v & 7;
        keyboard_reply(0xFA);
        return;
      case 0xF3:
        k.typematic = v & 0x7F;
        keyboard_reply(0xFA);
        return;
      default:  // 0xF0: scancode set
        if (v == 0) {
          keyboard_reply(0xFA);
          keyboard_reply(k.set);
        } else if (v == 1 || v == 2) {
          k.set = v;
          keyboard_reply(0xFA);
        } else {
          keyboard_reply(0xFE);  // set 3 is not offered
        }
        return;
    }
  }
  switch (v) {
    case 0xED:
    case 0xF3:
    case 0xF0:
      k.awaiting = v;
      keyboard_reply(0xFA);
      break;
    case 0xEE:
      keyboard_reply(0xEE);  // echo
      break;
    case 0xF2:  // identify: MF2 keyboard
      keyboard_reply(0xFA);
      keyboard_reply(0xAB);
      keyboard_reply(0x83);
      break;
    case 0xF4:  // enable scanning; drops keys not yet sent
      st_.kbd_q.clear();
      k.scanning = true;
      keyboard_reply(0xFA);
      break;
    case 0xF5:  // defaults, stop scanning
      keyboard_defaults();
      k.scanning = false;
      keyboard_reply(0xFA);
      break;
    case 0xF6:  // defaults, keep scanning
      keyboard_defaults();
      k.scanning = true;
      keyboard_reply(0xFA);
      break;
    case 0xF7:
    case 0xF8:
    case 0xF9:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0xFD:
      keyboard_reply(0xFA);  // set 3 key types: accepted, no effect in sets 1/2
      break;
    case 0xFE: keyboard_reply(k.last_sent); break;
    case 0xFF:  // reset and self-test (BAT)
      st_.kbd_q.clear();
      keyboard_defaults();
      k.set = 2;
      k.scanning = true;
      keyboard_reply(0xFA);
      keyboard_reply(0xAA);
      break;
    default:
      keyboard_reply(0xFE);  // unknown command: resend
      break;
  }
}

}  // namespace xlat::dev
