// -display curses: the VGA text screen drawn on the host terminal, and the
// keys typed there sent to the guest's keyboard (i8042).
//
// No curses library: the terminal is put in raw mode (by a StdioBackend,
// which also gives Ctrl-A x to quit, and restores the terminal on every
// exit path) and switched to its alternate screen; every 10 ms of virtual
// time a scheduler event reads the typed bytes and, at most 30 times a
// second of host time, redraws the cells that changed since the last frame
// with ANSI sequences (VGA colours, CP437 characters as their Unicode
// look-alikes, the CRTC cursor). Drawing never runs on the guest's
// instruction path.
//
// Keys: bytes and escape sequences from the terminal (printable ASCII,
// Enter, Backspace, Tab, Esc, Ctrl-letter, arrows, Home/End, PgUp/PgDn,
// Ins/Del, F1-F12) become set-2 make and break codes (with Shift or Ctrl
// around them as needed) fed to the i8042 one key at a time, when the
// controller has taken the previous one, as a typist's keyboard would.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "core/machine.hpp"
#include "devices/board/pc.hpp"
#include "devices/hostio/hostio.hpp"

namespace xlat::cli {

class TermDisplay {
 public:
  TermDisplay(core::Machine& m, dev::PcBoard& board);
  ~TermDisplay();
  TermDisplay(const TermDisplay&) = delete;
  TermDisplay& operator=(const TermDisplay&) = delete;

  // Translates terminal input bytes into key events (public for tests).
  // Returns the number of bytes consumed (an incomplete escape sequence at
  // the end is left for later).
  struct Key {
    uint16_t code;  // set 2 make code, 0xE0xx for extended keys
    bool pressed;
  };
  static size_t parse_keys(const std::string& in, std::vector<Key>& out);

 private:
  void poll();
  void render(bool full);

  core::Machine& m_;
  dev::PcBoard& board_;
  std::unique_ptr<dev::StdioBackend> term_;
  core::EventId poll_event_;
  std::string pending_;     // typed bytes not yet parsed
  std::deque<Key> keys_;    // key events not yet given to the i8042
  std::vector<dev::VgaText::Cell> shown_;
  int shown_cursor_ = -1;   // row * 80 + col drawn, -1 hidden
  uint64_t last_frame_ns_ = 0;
};

}  // namespace xlat::cli
