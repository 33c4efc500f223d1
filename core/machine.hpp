// A machine: RAM and the bus, one CPU and the engine that runs it, virtual
// time with its scheduler, and the run loop that turns CPU events (exit
// requests, triple faults, halts) into a defined outcome. Boards
// (devices/board/) add devices to the bus; loaders (bios/) put guest code into
// memory and set the CPU's start state.
//
// Time. Virtual time (ns since power-on) drives devices through the
// Scheduler and the CPU's TSC. Two clocks:
//  - Deterministic: time = retired instructions x NS_PER_INSN + I/O port
//    accesses x IO_NS (+ idle time skipped while the CPU halts). Two runs with the same inputs are
//    identical, instruction for instruction.
//  - Realtime: time follows the host's monotonic clock, but smoothly: while
//    the CPU runs, time advances per retired instruction at a rate
//    (ns/instruction) that is re-steered at every slice boundary from the
//    measured host speed so virtual time converges on the host clock within
//    RT_CATCHUP_NS (a lag beyond RT_MAX_LAG_NS, e.g. the host stopped us, is
//    skipped at once). So a guest measuring one clock against another (the
//    TSC against the PIT) sees them agree, whatever the host's scheduling
//    noise. A halted CPU sleeps until the next event and virtual time jumps
//    to the host clock.
// An event scheduled during a slice earlier than the slice's deadline stops
// the slice (ev::DEADLINE). The CPU's TSC counts virtual time (1 GHz).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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
  // An I/O port access (IN/OUT, each INS/OUTS element) takes this much
  // virtual time, about an ISA bus cycle, under either clock. Guests rely on
  // it: Linux reads the PIT right after loading a count and expects the
  // count to be loaded by then (one 838 ns PIT clock later).
  static constexpr uint64_t IO_NS = 1000;

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
  // One iteration of run(): timers, one engine run (up to the next deadline),
  // then stop/reset/halt handling. A result when the run ends.
  std::optional<RunResult> run_slice();

 private:
  uint64_t host_ns() const;
  void idle_until(uint64_t deadline);

  std::unique_ptr<Engine> engine_;
  ClockMode clock_;
  bool stop_requested_ = false;
  RunResult stop_{StopKind::Stopped, 0, {}};
  uint64_t idle_ns_ = 0;       // deterministic: time skipped while halted
  uint64_t host_start_ = 0;    // realtime: host time at virtual time 0
  // Realtime: now = rt_base_v_ + (icount - rt_base_i_) * rt_ns_per_insn_
  //                + (I/O accesses - rt_base_io_) * IO_NS.
  static constexpr uint64_t RT_CATCHUP_NS = 20'000'000, RT_MAX_LAG_NS = 200'000'000;
  uint64_t rt_base_v_ = 0, rt_base_i_ = 0, rt_base_io_ = 0;
  double rt_ns_per_insn_ = 20.0;
  double rt_host_ns_per_insn_ = 20.0;  // measured host speed
  void rt_resync();
};

}  // namespace xlat::core
