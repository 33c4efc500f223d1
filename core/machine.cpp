#include "core/machine.hpp"

#include <limits>

namespace xlat::core {

Machine::Machine(uint64_t ram_bytes) : bus(ram_bytes), cpu(bus) {}

void Machine::set_engine(std::unique_ptr<Engine> e) {
  engine_ = std::move(e);
  cpu.code_observer = engine_.get();
}

void Machine::request_stop(StopKind kind, int status, std::string message) {
  stop_requested_ = true;
  stop_ = RunResult{kind, status, std::move(message)};
  cpu.events.fetch_or(ev::STOP);
}

RunResult Machine::run() {
  for (;;) {
    engine_->run(cpu, std::numeric_limits<uint64_t>::max());
    if (stop_requested_) {
      stop_requested_ = false;
      cpu.events.fetch_and(~ev::STOP);
      return stop_;
    }
    if (cpu.events.load() & ev::SHUTDOWN) {
      const char* why = cpu.shutdown_reason ? cpu.shutdown_reason : "reset requested";
      if (no_reboot || !on_reset)
        return RunResult{StopKind::Shutdown, 0, std::string("guest ") + why + ": shutting down"};
      cpu.reset();
      on_reset(*this);
      continue;
    }
    if (cpu.s.halted) {
      const bool can_wake = (cpu.s.eflags & fl::IF) && cpu.intc;
      if (!can_wake)
        return RunResult{StopKind::HaltedForever, 0,
                         "guest halted with interrupts disabled and nothing to wake it"};
      // With an interrupt controller the board's scheduler advances time
      // until a device raises an interrupt (the PC board's issue).
      return RunResult{StopKind::HaltedForever, 0, "guest halted waiting for an interrupt that no device will send"};
    }
    cpu.events.fetch_and(~ev::STOP);
  }
}

}  // namespace xlat::core
