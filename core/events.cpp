// Exception escalation (fault during delivery -> #DF -> triple fault) and
// external interrupt acceptance.
#include "core/cpu.hpp"

namespace xlat::core {

namespace {
// Intel SDM vol. 3 table 6-5: benign (0), contributory (1), page fault (2).
int fault_class(uint8_t v) {
  if (v == VEC_DE || (v >= VEC_TS && v <= VEC_GP)) return 1;
  if (v == VEC_PF) return 2;
  return 0;
}
}  // namespace

void Cpu::handle_fault(const GuestFault& f) {
  uint8_t vec = f.vector;
  bool has = f.has_error;
  uint32_t err = f.error;
  s.halted = 0;
  if (fault_hook && fault_hook(f)) {
    events.fetch_or(ev::STOP);
    return;
  }
  for (int depth = 0; depth < 8; ++depth) {
    if (tracer && tracer->on(trace::INT | trace::MMU)) tracer->interrupt(*this, vec, false, has, err);
    try {
      materialize_flags();
      deliver_interrupt(vec, IntKind::Exception, has, err, uint32_t(s.eip));
      return;
    } catch (const GuestFault& g) {
      if (vec == VEC_DF) break;  // a fault while delivering #DF: triple fault
      const int c1 = fault_class(vec), c2 = fault_class(g.vector);
      if ((c1 == 1 && c2 == 1) || (c1 == 2 && c2 != 0)) {
        vec = VEC_DF;
        has = true;
        err = 0;
      } else {
        vec = g.vector;  // benign combination: deliver the second one
        has = g.has_error;
        err = g.error;
      }
    }
  }
  shutdown_reason = "triple fault";
  if (tracer && tracer->on(trace::GUEST_ERRORS)) tracer->message(trace::GUEST_ERRORS, "triple fault");
  events.fetch_or(ev::SHUTDOWN | ev::STOP);
}

bool Cpu::service_interrupts() {
  const uint32_t e = events.load(std::memory_order_relaxed);
  if (s.irq_inhibit) return false;
  if ((e & ev::NMI)) {
    events.fetch_and(~ev::NMI);
    s.halted = 0;
    try {
      deliver_interrupt(VEC_NMI, IntKind::External, false, 0, uint32_t(s.eip));
    } catch (const GuestFault& f) {
      handle_fault(f);
    }
    return true;
  }
  if ((e & ev::IRQ) && (s.eflags & fl::IF) && intc) {
    uint8_t vector = intc->acknowledge();
    s.halted = 0;
    if (tracer && tracer->on(trace::INT)) tracer->interrupt(*this, vector, true, false, 0);
    try {
      materialize_flags();
      deliver_interrupt(vector, IntKind::External, false, 0, uint32_t(s.eip));
    } catch (const GuestFault& f) {
      handle_fault(f);
    }
    return true;
  }
  return false;
}

}  // namespace xlat::core
