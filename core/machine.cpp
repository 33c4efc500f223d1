#include "core/machine.hpp"

#include <time.h>

#include <algorithm>
#include <limits>

namespace xlat::core {

Machine::Machine(uint64_t ram_bytes, ClockMode clock) : bus(ram_bytes), cpu(bus), clock_(clock) {
  host_start_ = host_ns();
  sched.live_clock = [this] { return now_ns(); };
}

uint64_t Machine::host_ns() const {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000ull + uint64_t(ts.tv_nsec);
}

void Machine::set_clock(ClockMode c) {
  const uint64_t t = now_ns();
  clock_ = c;
  // Keep time continuous across the switch.
  if (c == ClockMode::Realtime) host_start_ = host_ns() - t;
  else idle_ns_ = t - cpu.icount * NS_PER_INSN;
}

uint64_t Machine::now_ns() const {
  if (clock_ == ClockMode::Deterministic) return cpu.icount * NS_PER_INSN + idle_ns_;
  return host_ns() - host_start_;
}

void Machine::set_engine(std::unique_ptr<Engine> e) {
  engine_ = std::move(e);
  cpu.code_observer = engine_.get();
}

void Machine::request_stop(StopKind kind, int status, std::string message) {
  stop_requested_ = true;
  stop_ = RunResult{kind, status, std::move(message)};
  cpu.events.fetch_or(ev::STOP);
}

void Machine::request_reset(const char* reason) {
  cpu.shutdown_reason = reason;
  cpu.events.fetch_or(ev::SHUTDOWN | ev::STOP);
}

void Machine::idle_until(uint64_t deadline) {
  if (clock_ == ClockMode::Deterministic) {
    const uint64_t now = now_ns();
    if (deadline > now) idle_ns_ += deadline - now;
    return;
  }
  // Realtime: sleep, but wake at least every 10 ms to let host input in.
  const uint64_t now = now_ns();
  if (deadline <= now) return;
  const uint64_t d = std::min<uint64_t>(deadline - now, 10'000'000);
  timespec ts{time_t(d / 1'000'000'000), long(d % 1'000'000'000)};
  nanosleep(&ts, nullptr);
}

RunResult Machine::run() {
  for (;;) {
    sched.advance_to(now_ns());
    const uint64_t deadline = sched.next_deadline();
    uint64_t budget = SLICE;
    if (clock_ == ClockMode::Deterministic && deadline != NEVER) {
      const uint64_t now = now_ns();
      budget = std::clamp<uint64_t>(deadline > now ? (deadline - now) / NS_PER_INSN : 1, 1, SLICE);
    }
    if (!cpu.s.halted) engine_->run(cpu, cpu.icount + budget);

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
    cpu.events.fetch_and(~ev::STOP);
    if (cpu.s.halted) {
      const bool wakeable = ((cpu.s.eflags & fl::IF) && cpu.intc) || (cpu.events.load() & ev::NMI);
      if (!wakeable)
        return RunResult{StopKind::HaltedForever, 0, "guest halted with interrupts disabled and nothing to wake it"};
      if (cpu.events.load() & (ev::IRQ | ev::NMI)) {
        if (cpu.service_interrupts()) continue;
      }
      const uint64_t next = sched.next_deadline();
      if (next == NEVER && !external_wakeups)
        return RunResult{StopKind::HaltedForever, 0, "guest halted waiting for an interrupt that no device will send"};
      idle_until(next == NEVER ? now_ns() + 10'000'000 : next);
    }
  }
}

}  // namespace xlat::core
