// An interrupt request line between chips: the source drives a level, the
// sink (connected by the board) hears every change. Edge-triggered sinks
// detect rising edges themselves. Devices own their output lines and know
// nothing of what is connected (ARCHITECTURE.md principle 9).
#pragma once

#include <functional>

namespace xlat::core {

class IrqLine {
 public:
  void connect(std::function<void(bool)> sink) { sink_ = std::move(sink); }
  void set(bool level) {
    if (level == level_) return;
    level_ = level;
    if (sink_) sink_(level);
  }
  void raise() { set(true); }
  void lower() { set(false); }
  void pulse() {
    set(true);
    set(false);
  }
  bool level() const { return level_; }

 private:
  bool level_ = false;
  std::function<void(bool)> sink_;
};

}  // namespace xlat::core
