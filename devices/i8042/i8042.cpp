// 8042 controller: output buffer and queues, status, controller commands,
// output port (A20, reset). The keyboard itself is in keyboard.cpp.
#include "devices/i8042/i8042.hpp"

namespace xlat::dev {

namespace {
constexpr uint8_t CMD_KBD_INT = 0x01, CMD_AUX_INT = 0x02, CMD_SYS = 0x04, CMD_KBD_DIS = 0x10,
                  CMD_AUX_DIS = 0x20, CMD_XLATE = 0x40;
}  // namespace

I8042::I8042() { reset(); }

void I8042::reset() {
  st_ = State{};
  irq1.set(false);
  irq12.set(false);
  a20.set(st_.output_port & 0x02);
}

void I8042::reply(uint8_t v, bool aux, bool timeout) {
  st_.ctrl_q.push(Byte{v, aux, timeout});
  refill();
}

// Moves the next waiting byte into an empty output buffer.
void I8042::refill() {
  while (!st_.obf) {
    if (st_.ctrl_q.count) {
      st_.out = st_.ctrl_q.pop();
    } else if (st_.kbd_q.count && !(command_byte() & CMD_KBD_DIS)) {
      Byte b = st_.kbd_q.pop();
      if (command_byte() & CMD_XLATE) {
        if (b.value == 0xF0) {  // break prefix: folded into the next code
          st_.translate_break = true;
          continue;
        }
        b.value = uint8_t(translate(b.value) | (st_.translate_break ? 0x80 : 0));
        st_.translate_break = false;
      }
      st_.out = b;
    } else if (st_.aux_q.count && !(command_byte() & CMD_AUX_DIS)) {
      st_.out = st_.aux_q.pop();
    } else {
      break;
    }
    st_.obf = true;
  }
  update_irqs();
}

void I8042::update_irqs() {
  irq1.set(st_.obf && !st_.out.aux && (command_byte() & CMD_KBD_INT));
  irq12.set(st_.obf && st_.out.aux && (command_byte() & CMD_AUX_INT));
}

uint8_t I8042::read_data() {
  const uint8_t v = st_.out.value;  // an empty buffer reads its old contents
  if (st_.obf) {
    st_.obf = false;
    st_.out.timeout = false;
    update_irqs();  // the IRQ drops even if another byte follows, so each byte is an edge
    refill();
  }
  return v;
}

uint8_t I8042::read_status() const {
  uint8_t s = 0x10;  // keyboard not inhibited; the input buffer is always drained
  if (st_.obf) s |= 0x01;
  if (command_byte() & CMD_SYS) s |= 0x04;
  if (st_.last_was_command) s |= 0x08;
  if (st_.obf && st_.out.aux) s |= 0x20;
  if (st_.obf && st_.out.timeout) s |= 0x40;
  return s;
}

void I8042::write_output_port(uint8_t v) {
  st_.output_port = v;
  a20.set(v & 0x02);
  if (!(v & 0x01)) reset_request.pulse();  // the reset line is active low
}

void I8042::write_command(uint8_t v) {
  st_.last_was_command = true;
  st_.awaiting = 0;
  if (v >= 0x20 && v <= 0x3F) {
    reply(st_.ram[v & 0x1F]);
    return;
  }
  if ((v >= 0x60 && v <= 0x7F) || (v >= 0xD1 && v <= 0xD4)) {
    st_.awaiting = v;
    return;
  }
  if (v >= 0xF0) {  // pulse output port bits 0-3 low for those clear in v
    if (!(v & 0x01)) reset_request.pulse();
    return;
  }
  switch (v) {
    case 0xA4: reply(0xF1); break;  // no password installed
    case 0xA7: st_.ram[0] |= CMD_AUX_DIS; break;
    case 0xA8:
      st_.ram[0] &= ~CMD_AUX_DIS;
      refill();
      break;
    case 0xA9: reply(0x00); break;  // aux interface test: the port itself is fine
    case 0xAA:                      // self-test passed; sets the system flag
      st_.ram[0] |= CMD_SYS;
      reply(0x55);
      break;
    case 0xAB: reply(0x00); break;  // keyboard interface test
    case 0xAD: st_.ram[0] |= CMD_KBD_DIS; break;
    case 0xAE:
      st_.ram[0] &= ~CMD_KBD_DIS;
      refill();
      break;
    case 0xC0: reply(0xA0); break;  // input port: not inhibited, no jumper
    case 0xD0: {
      uint8_t p = st_.output_port & 0xCF;
      if (st_.obf && !st_.out.aux) p |= 0x10;
      if (st_.obf && st_.out.aux) p |= 0x20;
      reply(p);
      break;
    }
    case 0xDD: write_output_port(st_.output_port & ~0x02); break;  // A20 off
    case 0xDF: write_output_port(st_.output_port | 0x02); break;   // A20 on
    case 0xE0: reply(0x00); break;                                 // test inputs
    default: break;                                                // unknown or unimplemented: ignored
  }
}

void I8042::write_data(uint8_t v) {
  st_.last_was_command = false;
  const uint8_t cmd = st_.awaiting;
  st_.awaiting = 0;
  if (cmd >= 0x60 && cmd <= 0x7F) {
    st_.ram[cmd & 0x1F] = v;
    refill();  // the command byte may enable an interface or its IRQ
    return;
  }
  switch (cmd) {
    case 0xD1: write_output_port(v); return;
    case 0xD2: reply(v); return;                 // as if from the keyboard
    case 0xD3: reply(v, true); return;           // as if from the aux device
    case 0xD4: reply(0xFE, true, true); return;  // to the aux device: nobody answers
    default: keyboard_write(v); return;
  }
}

}  // namespace xlat::dev
