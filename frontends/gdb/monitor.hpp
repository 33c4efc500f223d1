// The monitor: text commands to inspect and control a machine, shared by
// GDB's `monitor ...` (qRcmd) and the console monitor (-monitor stdio, or
// Ctrl-A c on the serial console). `help` lists them.
//
// Addresses are linear unless `phys on` (or the xp command); numbers are hex
// (0x optional), or decimal with a '#' prefix.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/machine.hpp"

namespace xlat::gdb {

// Debugger settings the monitor changes and the stub obeys.
struct DebugSettings {
  bool physical = false;   // gdb memory accesses, breakpoints and watchpoints use physical addresses
  bool step_irqs = false;  // single-step may enter a pending external interrupt (QEMU's default: masked)
};

class Monitor {
 public:
  enum class Action { None, Stop, Cont, Quit };
  Monitor(core::Machine& m, DebugSettings& set) : m_(m), set_(set) {}

  // Runs one command line; its output (lines ending in '\n') goes to out.
  // stop/cont/quit are returned as actions for the caller (the console).
  Action execute(const std::string& line, std::string& out);

  std::string registers() const;
  // The text screen (VGA) for `screendump FILE`; null: no display.
  std::function<std::string()> screen_text;

 private:
  void page_table(std::string& out, bool coalesce) const;
  void dump(std::string& out, uint64_t addr, unsigned n, bool physical, char fmt);
  void blocks(std::string& out, uint64_t addr);

  core::Machine& m_;
  DebugSettings& set_;
};

}  // namespace xlat::gdb
