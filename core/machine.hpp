// A machine: RAM and the bus, one CPU and the engine that runs it, virtual
// time with its scheduler, and the run loop that turns CPU events (exit
// requests, triple faults, halts) into a defined outcome. Boards
// (devices/board/) add devices to the bus; loaders (bios/) put guest code into
// memory and set the CPU's start state.
//
// Time. Virtual time (ns since power-on) drives devices through the
// Scheduler and the CPU's TSC. Two clocks:
//  - Deterministic: time = retired instructions x NS_PER_INSN (+ idle time
//    skipped while the CPU halts). Two runs with the same inputs are
//    identical, instruction for instruction.
//  - Realtime: time follows the host's monotonic clock; the CPU runs in
//    slices and the scheduler catches up between them; a halted CPU sleeps
//    until the next event.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/bus.hpp"
#include "core/cpu.hpp"
#include "core/engine.hpp"
#include "core/scheduler.hpp"

namespace xlat::core {

enum class StopKind {
  DebugExit,      // the guest wrote the isa-debug-exit port (status in RunResult)
  Shutdown,       // triple fault / reset request with no_reboot, or power off
  HaltedForever,  // HLT with nothing that could wake it
  Stopped,        // an external stop request (signal, debugger, monitor)
};

struct RunResult {
  StopKind kind;
  int exit_status;      // process exit status the frontend should use
  std::string message;  // human-readable reason
};

enum class ClockMode { Realtime, Deterministic };

class Machine {
 public:
  static constexpr uint64_t NS_PER_INSN = 1;   // deterministic clock: a 1 GHz, 1 IPC CPU
  static constexpr uint64_t SLICE = 200'000;   // max instructions between time checks

  explicit Machine(uint64_t ram_bytes, ClockMode clock = ClockMode::Deterministic);

  Bus bus;
  Cpu cpu;
  Scheduler sched;

  void set_engine(std::unique_ptr<Engine> e);
  Engine& engine() { return *engine_; }

  ClockMode clock() const { return clock_; }
  void set_clock(ClockMode c);
  // Current virtual time in ns.
  uint64_t now_ns() const;

  // What to do on a guest reset/triple fault: stop (QEMU's -no-reboot) or
  // call the reset hook (board + loader reset) and continue.
  bool no_reboot = false;
  std::function<void(Machine&)> on_reset;
  // Whether an event outside the scheduler (host input) may still wake a
  // halted CPU; if not, a HLT with no scheduled event ends the run.
  bool external_wakeups = false;

  // Ends the run at the next instruction boundary with the given result.
  // Safe to call from a device callback during an instruction.
  void request_stop(StopKind kind, int status, std::string message);
  // The guest asked for a reset (keyboard controller, port 0x92, triple fault).
  void request_reset(const char* reason);

  RunResult run();

 private:
  uint64_t host_ns() const;
  void idle_until(uint64_t deadline);

  std::unique_ptr<Engine> engine_;
  ClockMode clock_;
  bool stop_requested_ = false;
  RunResult stop_{StopKind::Stopped, 0, {}};
  uint64_t idle_ns_ = 0;       // deterministic: time skipped while halted
  uint64_t host_start_ = 0;    // realtime: host time at virtual time 0
};

}  // namespace xlat::core
