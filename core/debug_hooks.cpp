// Debugger breakpoints and single-step at instruction starts (see
// debug_hooks.hpp for the contract with the engines).
#include "core/debug_hooks.hpp"

#include "core/cpu.hpp"

namespace xlat::core {

bool DebugHooks::stop_here(Cpu& c) {
  const uint64_t lin = uint32_t(c.s.seg[CS].base + c.s.eip);
  const bool at_origin = lin == origin_lin_ && c.icount == origin_icount_;
  // RF: the CPU's "this instruction already passed its breakpoint" (set by
  // a REP instruction that yields mid-way while debugging is active).
  const bool rf = c.s.eflags & fl::RF;
  Why why;
  if (step_ && !at_origin && !(lin == origin_lin_ && rf)) {
    why = Why::Step;
  } else if (!at_origin && !rf && (std::binary_search(lin_.begin(), lin_.end(), lin) || [&] {
               if (phys_.empty()) return false;
               uint64_t phys;
               return c.probe(uint32_t(lin), phys) && std::binary_search(phys_.begin(), phys_.end(), phys);
             }())) {
    why = Why::Breakpoint;
  } else {
    return false;
  }
  step_ = false;
  rearm();
  origin_lin_ = lin;
  origin_icount_ = c.icount;
  c.events.fetch_or(ev::STOP);
  if (on_stop) on_stop(c, why);
  return true;
}

void DebugHooks::add(uint64_t addr, bool physical) {
  auto& v = physical ? phys_ : lin_;
  auto it = std::lower_bound(v.begin(), v.end(), addr);
  if (it == v.end() || *it != addr) v.insert(it, addr);
  ++generation_;
  rearm();
}

bool DebugHooks::remove(uint64_t addr, bool physical) {
  auto& v = physical ? phys_ : lin_;
  auto it = std::lower_bound(v.begin(), v.end(), addr);
  if (it == v.end() || *it != addr) return false;
  v.erase(it);
  ++generation_;
  rearm();
  return true;
}

void DebugHooks::clear() {
  lin_.clear();
  phys_.clear();
  ++generation_;
  rearm();
}

void DebugHooks::resume(const Cpu& c) {
  origin_lin_ = uint32_t(c.s.seg[CS].base + c.s.eip);
  origin_icount_ = c.icount;
}

void DebugHooks::begin_step(const Cpu& c) {
  resume(c);
  step_ = true;
  rearm();
}

}  // namespace xlat::core
