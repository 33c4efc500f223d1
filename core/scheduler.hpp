// Virtual time and timed events.
//
// Devices schedule callbacks at absolute virtual times (nanoseconds since
// power-on); the machine runs the CPU until the next deadline, then fires
// what is due. Virtual time comes from a TimeSource: deterministic (derived
// from retired instructions, so two runs with the same input are identical)
// or realtime (follows the host clock). Devices never poll.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace xlat::core {

using EventId = uint32_t;
constexpr uint64_t NEVER = std::numeric_limits<uint64_t>::max();

class Scheduler {
 public:
  // Registers an event kind; returns its id. Not scheduled until schedule().
  EventId add(std::string name, std::function<void()> callback) {
    events_.push_back(Event{std::move(name), std::move(callback), NEVER});
    return EventId(events_.size() - 1);
  }
  // (Re)schedules an event at absolute virtual time `when` (ns).
  void schedule(EventId id, uint64_t when) {
    events_[id].when = when;
    if (when < next_) {
      next_ = when;
      if (on_earlier_deadline) on_earlier_deadline();
    }
  }
  void schedule_in(EventId id, uint64_t delta_ns) { schedule(id, now() + delta_ns); }
  void cancel(EventId id) {
    events_[id].when = NEVER;
    recompute();
  }
  bool pending(EventId id) const { return events_[id].when != NEVER; }
  uint64_t when(EventId id) const { return events_[id].when; }

  // Current virtual time: the live clock (set by the machine, so a device
  // reading it during an instruction sees the time of that instruction), or
  // inside an event callback the time the event was due at.
  uint64_t now() const {
    if (live_clock && !in_callback_) {
      const uint64_t t = live_clock();
      return t > now_ ? t : now_;
    }
    return now_;
  }
  std::function<uint64_t()> live_clock;
  // Called when schedule() moves the next deadline earlier (the machine sets
  // ev::DEADLINE so a CPU running towards the old deadline stops early).
  std::function<void()> on_earlier_deadline;
  uint64_t next_deadline() const { return next_; }

  // Advances virtual time to `t` (never backwards) and fires every event due
  // by then, in time order. Callbacks may schedule further events.
  void advance_to(uint64_t t) {
    if (t > now_) now_ = t;
    while (next_ <= now_) {
      EventId best = 0;
      uint64_t bw = NEVER;
      for (EventId i = 0; i < events_.size(); ++i)
        if (events_[i].when < bw) bw = events_[i].when, best = i;
      if (bw > now_) break;
      events_[best].when = NEVER;
      recompute();
      const uint64_t saved = now_;
      const bool was_in = in_callback_;
      now_ = bw;  // the callback sees the time it was due at
      in_callback_ = true;
      events_[best].callback();
      in_callback_ = was_in;
      now_ = saved;
    }
    recompute();
  }

 private:
  struct Event {
    std::string name;
    std::function<void()> callback;
    uint64_t when;
  };
  void recompute() {
    next_ = NEVER;
    for (const Event& e : events_)
      if (e.when < next_) next_ = e.when;
  }
  std::vector<Event> events_;
  uint64_t now_ = 0;
  uint64_t next_ = NEVER;
  bool in_callback_ = false;
};

}  // namespace xlat::core
