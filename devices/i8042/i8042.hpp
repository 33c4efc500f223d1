// Intel 8042 keyboard controller (PS/2 style, ports 0x60 data / 0x64
// status and command) with an MF2 keyboard attached and the aux (mouse)
// port empty.
//
// The controller has one output buffer. Bytes wait in three queues and move
// into it when it is empty, in priority order: controller replies (command
// results, 0xD2/0xD3 echoes, the "no device" answer of the aux port), then
// keyboard bytes (while the keyboard interface is enabled, command byte bit
// 4 clear), then aux bytes. A full output buffer raises IRQ1 (keyboard
// data) or IRQ12 (aux data) when the command byte enables it. When command
// byte bit 6 (XLATE) is set, keyboard bytes pass through the standard set 2
// to set 1 translation table, an 0xF0 prefix turning into bit 7 of the next
// code, as real 8042s do (so e.g. the keyboard ID 0xAB 0x83 reads 0xAB 0x41).
//
// The output port drives A20 (bit 1) and the CPU reset line (bit 0, active
// low): writing it with 0xD1, 0xDD/0xDF, or pulsing bit 0 with 0xFE, changes
// the `a20` line or pulses `reset_request`. It starts at 0xCF (A20 enabled,
// as firmware leaves it). The command byte starts at 0x45 (keyboard IRQ,
// system flag, translation), also as firmware leaves it.
//
// The keyboard answers the standard commands (reset 0xFF -> 0xFA 0xAA, LEDs,
// typematic, scancode set get/set for sets 1 and 2, identify 0xAB 0x83,
// echo, enable/disable scanning, defaults, resend). key_event() injects host
// key presses as set 2 make/break codes (set 1 when the keyboard was switched
// to set 1).
// The aux port is empty: bytes sent to it with 0xD4 are answered by the
// controller with 0xFE and the time-out status bit, which drivers read as "no
// device"; 0xA9 (aux interface test) and 0xD3 (aux loop) work as on any
// PS/2 controller.
//
// State lives in one plain struct so a snapshot can later add
// serialize(Archive&) over it without touching the logic.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/bus.hpp"
#include "core/irq.hpp"

namespace xlat::dev {

class I8042 final : public core::IoHandler {
 public:
  static constexpr uint16_t DATA_PORT = 0x60, STATUS_PORT = 0x64;

  struct Byte {
    uint8_t value = 0;
    bool aux = false;      // from the aux port (status bit 5, IRQ12)
    bool timeout = false;  // status bit 6 with this byte
  };
  struct Queue {
    static constexpr unsigned SIZE = 32;
    Byte items[SIZE];
    uint8_t head = 0, count = 0;
    bool push(Byte b) {
      if (count == SIZE) return false;
      items[(head + count++) % SIZE] = b;
      return true;
    }
    Byte pop() {
      const Byte b = items[head];
      head = uint8_t((head + 1) % SIZE);
      --count;
      return b;
    }
    void clear() { head = count = 0; }
  };
  struct Keyboard {
    bool scanning = true;
    uint8_t set = 2;  // scancode set
    uint8_t leds = 0;
    uint8_t typematic = 0x2B;
    uint8_t awaiting = 0;      // command waiting for its parameter (0xED, 0xF3, 0xF0)
    uint8_t last_sent = 0xAA;  // for 0xFE (resend)
  };
  struct State {
    uint8_t ram[32] = {0x45};  // ram[0] is the command byte
    uint8_t output_port = 0xCF;
    uint8_t awaiting = 0;           // controller command waiting for a data byte
    bool last_was_command = false;  // status bit 3
    bool obf = false;
    Byte out;
    bool translate_break = false;  // an 0xF0 was swallowed by the translation
    Queue ctrl_q, kbd_q, aux_q;
    Keyboard kbd;
  };

  I8042();
  void reset();

  core::IrqLine irq1, irq12;
  core::IrqLine a20;            // output port bit 1
  core::IrqLine reset_request;  // pulsed when output port bit 0 goes low

  // A host key press or release, by its set 2 make code; 0xE0xx for the
  // extended keys. Ignored while the keyboard is not scanning.
  void key_event(uint16_t set2_code, bool pressed);
  // Raw bytes from the keyboard to the controller (translation still applies).
  void keyboard_send(const uint8_t* bytes, size_t n);

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;
  uint8_t read_data();
  uint8_t read_status() const;
  void write_data(uint8_t v);
  void write_command(uint8_t v);

  const State& state() const { return st_; }

  // The 8042's set 2 -> set 1 translation of one byte (without the 0xF0 rule).
  static uint8_t translate(uint8_t set2);

 private:
  uint8_t command_byte() const { return st_.ram[0]; }
  void reply(uint8_t v, bool aux = false, bool timeout = false);
  void refill();
  void update_irqs();
  void write_output_port(uint8_t v);
  void keyboard_write(uint8_t v);  // a byte from the host to the keyboard
  void keyboard_reply(uint8_t v);
  void keyboard_defaults();

  State st_;
};

}  // namespace xlat::dev
