// A machine: RAM and the bus, one CPU and the engine that runs it, and the
// run loop that turns CPU events (exit requests, triple faults, halts) into
// a defined outcome. Boards (devices/board/) add devices to the bus; loaders
// (bios/) put guest code into memory and set the CPU's start state.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/engine.hpp"

namespace xlat::core {

enum class StopKind {
  DebugExit,  // the guest wrote the isa-debug-exit port (status in RunResult)
  Shutdown,   // triple fault / reset request with no_reboot
  HaltedForever,  // HLT with interrupts disabled and nothing that could wake it
  Stopped,    // an external stop request (signal, debugger, monitor)
};

struct RunResult {
  StopKind kind;
  int exit_status;     // process exit status the frontend should use
  std::string message; // human-readable reason
};

class Machine {
 public:
  explicit Machine(uint64_t ram_bytes);

  Bus bus;
  Cpu cpu;

  void set_engine(std::unique_ptr<Engine> e);
  Engine& engine() { return *engine_; }

  // What to do on a guest reset/triple fault: stop (QEMU's -no-reboot) or
  // call the reset hook (reload the guest) and continue.
  bool no_reboot = false;
  std::function<void(Machine&)> on_reset;

  // Ends the run at the next instruction boundary with the given result.
  void request_stop(StopKind kind, int status, std::string message);

  RunResult run();

 private:
  std::unique_ptr<Engine> engine_;
  bool stop_requested_ = false;
  RunResult stop_{StopKind::Stopped, 0, {}};
};

}  // namespace xlat::core
