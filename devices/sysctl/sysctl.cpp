// System control ports 0x61, 0x92 and 0x80: see sysctl.hpp.
#include "devices/sysctl/sysctl.hpp"

namespace xlat::dev {

void SystemControl::reset() {
  st_ = State{};
  pit_gate2.set(false);
  speaker.set(false);
  a20.set(false);
}

uint8_t SystemControl::read(uint16_t port) {
  switch (port) {
    case PORT_B: {
      uint8_t v = st_.port_b & 0x0F;
      if ((sched_.now() / REFRESH_TOGGLE_NS) & 1) v |= 0x10;
      if (pit_out2 && pit_out2()) v |= 0x20;
      return v;  // bits 6/7 (IOCHK, SERR) never set: no such errors here
    }
    case PORT_A: return st_.port_a;
    case POST_PORT: return st_.post;
    default: return 0xFF;
  }
}

void SystemControl::write(uint16_t port, uint8_t v) {
  switch (port) {
    case PORT_B:
      st_.port_b = v & 0x0F;
      pit_gate2.set(v & 0x01);
      speaker.set(v & 0x02);
      break;
    case PORT_A: {
      const bool reset_edge = (v & 0x01) && !(st_.port_a & 0x01);
      st_.port_a = v;
      a20.set(v & 0x02);
      if (reset_edge) reset_request.pulse();
      break;
    }
    case POST_PORT:
      st_.post = v;
      if (post_log) post_log(v);
      break;
    default: break;
  }
}

}  // namespace xlat::dev
