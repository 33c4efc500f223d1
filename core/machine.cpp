#include "core/machine.hpp"

#include <time.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace xlat::core {

Machine::Machine(uint64_t ram_bytes, ClockMode clock) : bus(ram_bytes), cpu(bus), clock_(clock) {
  host_start_ = host_ns();
  rt_base_i_ = cpu.icount;
  sched.live_clock = [this] { return now_ns(); };
  sched.on_earlier_deadline = [this] { cpu.events.fetch_or(ev::DEADLINE, std::memory_order_relaxed); };
  cpu.virtual_ns = [this] { return now_ns(); };
  bus.after_io = [this] {
    if (now_ns() >= sched.next_deadline()) cpu.events.fetch_or(ev::DEADLINE, std::memory_order_relaxed);
  };
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
  if (c == ClockMode::Realtime) {
    host_start_ = host_ns() - t;
    rt_base_v_ = t;
    rt_base_i_ = cpu.icount;
    rt_base_io_ = bus.io_accesses();
  } else {
    idle_ns_ = t - cpu.icount * NS_PER_INSN - bus.io_accesses() * IO_NS;
  }
}

uint64_t Machine::now_ns() const {
  if (clock_ == ClockMode::Deterministic)
    return cpu.icount * NS_PER_INSN + bus.io_accesses() * IO_NS + idle_ns_;
  const uint64_t di = cpu.icount > rt_base_i_ ? cpu.icount - rt_base_i_ : 0;
  return rt_base_v_ + uint64_t(double(di) * rt_ns_per_insn_) + (bus.io_accesses() - rt_base_io_) * IO_NS;
}

void Machine::rt_resync() {
  const uint64_t v = now_ns();
  const uint64_t h = host_ns() - host_start_;
  rt_base_v_ = v;
  rt_base_i_ = cpu.icount;
  rt_base_io_ = bus.io_accesses();
  const double err = double(int64_t(h - v));  // > 0: virtual time is behind the host
  if (err > double(RT_MAX_LAG_NS)) {
    rt_base_v_ = h;  // the host stalled us (or a debugger did): jump, never backwards
    rt_ns_per_insn_ = rt_host_ns_per_insn_;
    return;
  }
  // Steer the rate so the difference is gone over the next RT_CATCHUP_NS.
  const double k = rt_host_ns_per_insn_ * (1.0 + err / double(RT_CATCHUP_NS));
  rt_ns_per_insn_ = std::clamp(k, rt_host_ns_per_insn_ / 4, rt_host_ns_per_insn_ * 4);
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
  // Realtime: sleep until the host clock reaches the deadline, but wake at
  // least every 10 ms to let host input in. Halted, virtual time follows the
  // host clock (up to the deadline).
  const uint64_t v = now_ns();
  if (deadline <= v) return;
  const uint64_t h = host_ns() - host_start_;
  if (deadline > h) {
    const uint64_t d = std::min<uint64_t>(deadline - h, 10'000'000);
    timespec ts{time_t(d / 1'000'000'000), long(d % 1'000'000'000)};
    nanosleep(&ts, nullptr);
  }
  const uint64_t h2 = host_ns() - host_start_;
  rt_base_v_ = std::max(v, std::min(h2, deadline));
  rt_base_i_ = cpu.icount;
  rt_base_io_ = bus.io_accesses();
}

RunResult Machine::run() {
  for (;;)
    if (std::optional<RunResult> r = run_slice()) return *r;
}

std::optional<RunResult> Machine::run_slice() {
  if (clock_ == ClockMode::Realtime) rt_resync();
  sched.advance_to(now_ns());
  // An event scheduled from now on that is earlier than `deadline` sets
  // ev::DEADLINE, and the engine returns so the budget is recomputed.
  cpu.events.fetch_and(~ev::DEADLINE, std::memory_order_relaxed);
  const uint64_t deadline = sched.next_deadline();
  uint64_t budget = SLICE;
  if (deadline != NEVER) {
    const uint64_t now = now_ns();
    const double ns = deadline > now ? double(deadline - now) : 0.0;
    const double per_insn = clock_ == ClockMode::Deterministic ? double(NS_PER_INSN) : rt_ns_per_insn_;
    budget = std::clamp<uint64_t>(uint64_t(std::ceil(ns / per_insn)), 1, SLICE);
  }
  if (!cpu.s.halted) {
    const uint64_t i0 = cpu.icount, t0 = clock_ == ClockMode::Realtime ? host_ns() : 0;
    engine_->run(cpu, cpu.icount + budget);
    if (clock_ == ClockMode::Realtime && cpu.icount - i0 >= 1000) {
      // The host's speed, to turn virtual time into instructions.
      const double k = double(host_ns() - t0) / double(cpu.icount - i0);
      rt_host_ns_per_insn_ = std::clamp(0.9 * rt_host_ns_per_insn_ + 0.1 * k, 0.05, 1000.0);
    }
  }

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
    return std::nullopt;
  }
  cpu.events.fetch_and(~ev::STOP);
  if (cpu.s.halted) {
    const bool wakeable = ((cpu.s.eflags & fl::IF) && cpu.intc) || (cpu.events.load() & ev::NMI);
    if (!wakeable)
      return RunResult{StopKind::HaltedForever, 0, "guest halted with interrupts disabled and nothing to wake it"};
    if (cpu.events.load() & (ev::IRQ | ev::NMI)) {
      if (cpu.service_interrupts()) return std::nullopt;
    }
    const uint64_t next = sched.next_deadline();
    if (next == NEVER && !external_wakeups)
      return RunResult{StopKind::HaltedForever, 0, "guest halted waiting for an interrupt that no device will send"};
    idle_until(next == NEVER ? now_ns() + 10'000'000 : next);
  }
  return std::nullopt;
}

}  // namespace xlat::core
