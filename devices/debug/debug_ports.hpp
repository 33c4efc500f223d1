// Debug ports for bare-metal guests and tests:
//  - DebugConsole (port 0xE9, as Bochs/QEMU): each byte written goes to a sink.
//  - DebugExit (port 0xF4, QEMU's isa-debug-exit): a write of V asks the host
//    to end with exit status (V << 1) | 1.
// Neither knows the CPU: they report through callbacks the board connects.
#pragma once

#include <cstdint>
#include <functional>

#include "core/bus.hpp"

namespace xlat::dev {

class DebugConsole final : public core::IoHandler {
 public:
  explicit DebugConsole(std::function<void(uint8_t)> sink) : sink_(std::move(sink)) {}
  uint32_t io_read(uint16_t, unsigned) override { return 0xE9; }  // Bochs' presence check
  void io_write(uint16_t, uint32_t v, unsigned size) override {
    for (unsigned i = 0; i < size; ++i) sink_(uint8_t(v >> (8 * i)));
  }

 private:
  std::function<void(uint8_t)> sink_;
};

class DebugExit final : public core::IoHandler {
 public:
  explicit DebugExit(std::function<void(uint32_t)> on_exit) : on_exit_(std::move(on_exit)) {}
  uint32_t io_read(uint16_t, unsigned size) override { return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1; }
  void io_write(uint16_t, uint32_t v, unsigned) override { on_exit_(v); }

 private:
  std::function<void(uint32_t)> on_exit_;
};

}  // namespace xlat::dev
