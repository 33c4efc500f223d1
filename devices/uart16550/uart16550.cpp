// 16550A behaviour: FIFOs, interrupt sources and their clearing rules,
// transmit pacing, host input polling, loopback. See uart16550.hpp.
#include "devices/uart16550/uart16550.hpp"

namespace xlat::dev {

namespace {
constexpr uint8_t IER_RDA = 0x01, IER_THRE = 0x02, IER_RLS = 0x04, IER_MSI = 0x08;
constexpr uint8_t MCR_OUT2 = 0x08, MCR_LOOP = 0x10;
constexpr uint8_t LSR_DR = 0x01, LSR_OE = 0x02, LSR_THRE = 0x20, LSR_TEMT = 0x40;
}  // namespace

Uart16550::Uart16550(core::Scheduler& sched, std::string name, TxPacing pacing)
    : sched_(sched), pacing_(pacing) {
  tx_event_ = sched_.add(name + ".tx", [this] { tx_done(); });
  timeout_event_ = sched_.add(name + ".timeout", [this] {
    if (fifo_enabled() && st_.rx.count) st_.timeout_pending = true;
    update_irq();
  });
  poll_event_ = sched_.add(name + ".rx", [this] { poll_host(); });
  reset();
}

void Uart16550::reset() {
  const uint8_t host = st_.host_modem;
  const uint16_t divisor = st_.divisor;  // the divisor latch is not reset
  const uint8_t scr = st_.scr;
  st_ = State{};
  st_.host_modem = host;
  st_.divisor = divisor;
  st_.scr = scr;
  st_.msr_inputs = host;
  sched_.cancel(tx_event_);
  sched_.cancel(timeout_event_);
  if (rx_source_) sched_.schedule_in(poll_event_, IDLE_POLL_NS);
  update_irq();
}

void Uart16550::set_rx_source(std::function<bool(uint8_t&)> source) {
  rx_source_ = std::move(source);
  if (rx_source_)
    sched_.schedule_in(poll_event_, 0);
  else
    sched_.cancel(poll_event_);
}

uint64_t Uart16550::char_time_ns() const {
  // In half bits: start + data + parity, then 1, 1.5 (5-bit words) or 2 stop bits.
  const unsigned data = 5 + (st_.lcr & 3);
  unsigned half = 2 * (1 + data + ((st_.lcr & 0x08) ? 1 : 0));
  half += (st_.lcr & 0x04) ? (data == 5 ? 3 : 4) : 2;
  const uint64_t div = st_.divisor ? st_.divisor : 65536;
  return half * div * 16 * 1000000000ull / (2 * INPUT_CLOCK_HZ);
}

unsigned Uart16550::trigger_level() const {
  static constexpr unsigned levels[4] = {1, 4, 8, 14};
  return levels[st_.fcr >> 6];
}

uint8_t Uart16550::lsr() const {
  uint8_t v = st_.lsr_errors;
  if (st_.rx.count) v |= LSR_DR;
  if (st_.tx.count == 0) {
    v |= LSR_THRE;
    if (!st_.tx_busy) v |= LSR_TEMT;
  }
  return v;  // bit 7 (parity/framing/break in the FIFO) never happens here
}

uint8_t Uart16550::interrupt_id() const {
  const uint8_t ier = st_.ier;
  if ((ier & IER_RLS) && st_.lsr_errors) return 0x06;
  if (ier & IER_RDA) {
    if (fifo_enabled() ? st_.rx.count >= trigger_level() : st_.rx.count > 0) return 0x04;
    if (st_.timeout_pending) return 0x0C;
  }
  if ((ier & IER_THRE) && st_.thre_pending) return 0x02;
  if ((ier & IER_MSI) && st_.msr_deltas) return 0x00;
  return 0x01;
}

void Uart16550::update_irq() {
  irq.set(interrupt_id() != 0x01 && (st_.mcr & MCR_OUT2) && !(st_.mcr & MCR_LOOP));
}

void Uart16550::rx_byte(uint8_t b) {
  if (st_.rx.count < capacity()) {
    st_.rx.push(b);
  } else {
    st_.lsr_errors |= LSR_OE;                           // FIFO mode: the new character is lost
    if (!fifo_enabled()) st_.rx.data[st_.rx.head] = b;  // 16450 mode: RBR overwritten
  }
  restart_timeout();
  update_irq();
}

bool Uart16550::receive(uint8_t b) {
  if (loopback() || st_.rx.count >= capacity()) return false;
  rx_byte(b);
  return true;
}

void Uart16550::restart_timeout() {
  if (fifo_enabled() && st_.rx.count)
    sched_.schedule_in(timeout_event_, 4 * char_time_ns());
  else
    sched_.cancel(timeout_event_);
}

void Uart16550::poll_host() {
  bool got = false;
  if (rx_source_ && !loopback() && st_.rx.count < capacity()) {
    uint8_t b;
    if (rx_source_(b)) {
      rx_byte(b);
      got = true;
    }
  }
  // Keep pulling at the line rate while bytes flow (or wait for room).
  const bool busy = got || st_.rx.count >= capacity();
  const uint64_t ct = char_time_ns();
  sched_.schedule_in(poll_event_, busy ? ct : (ct > IDLE_POLL_NS ? ct : IDLE_POLL_NS));
}

void Uart16550::transmit(uint8_t b) {
  if (loopback())
    rx_byte(b);
  else if (tx_sink)
    tx_sink(b);
}

void Uart16550::start_tx() {
  st_.tsr = st_.tx.pop();
  st_.tx_busy = true;
  if (st_.tx.count == 0) st_.thre_pending = true;  // THR emptied into the shift register
  sched_.schedule_in(tx_event_, char_time_ns());
}

void Uart16550::tx_done() {
  st_.tx_busy = false;
  transmit(st_.tsr);
  if (st_.tx.count) start_tx();
  update_irq();
}

void Uart16550::set_modem(uint8_t inputs) {
  const uint8_t changed = inputs ^ st_.msr_inputs;
  if (changed & 0x10) st_.msr_deltas |= 0x01;                        // DCTS
  if (changed & 0x20) st_.msr_deltas |= 0x02;                        // DDSR
  if ((changed & 0x40) && !(inputs & 0x40)) st_.msr_deltas |= 0x04;  // TERI: RI trailing edge
  if (changed & 0x80) st_.msr_deltas |= 0x08;                        // DDCD
  st_.msr_inputs = inputs;
}

void Uart16550::set_modem_inputs(bool cts, bool dsr, bool ri, bool dcd) {
  st_.host_modem = uint8_t((cts ? 0x10 : 0) | (dsr ? 0x20 : 0) | (ri ? 0x40 : 0) | (dcd ? 0x80 : 0));
  if (!loopback()) set_modem(st_.host_modem);
  update_irq();
}

uint8_t Uart16550::read(unsigned reg) {
  const bool dlab = st_.lcr & 0x80;
  switch (reg & 7) {
    case 0: {
      if (dlab) return uint8_t(st_.divisor);
      if (st_.rx.count) st_.rbr = st_.rx.pop();
      st_.timeout_pending = false;
      restart_timeout();
      update_irq();
      return st_.rbr;
    }
    case 1: return dlab ? uint8_t(st_.divisor >> 8) : st_.ier;
    case 2: {
      const uint8_t id = interrupt_id();
      if (id == 0x02) st_.thre_pending = false;  // reading IIR clears a THRE interrupt
      update_irq();
      return uint8_t(id | (fifo_enabled() ? 0xC0 : 0));
    }
    case 3: return st_.lcr;
    case 4: return st_.mcr;
    case 5: {
      const uint8_t v = lsr();
      st_.lsr_errors = 0;
      update_irq();
      return v;
    }
    case 6: {
      const uint8_t v = st_.msr_inputs | st_.msr_deltas;
      st_.msr_deltas = 0;
      update_irq();
      return v;
    }
    default: return st_.scr;
  }
}

void Uart16550::write(unsigned reg, uint8_t v) {
  const bool dlab = st_.lcr & 0x80;
  switch (reg & 7) {
    case 0:
      if (dlab) {
        st_.divisor = uint16_t((st_.divisor & 0xFF00) | v);
        break;
      }
      st_.thre_pending = false;
      if (pacing_ == TxPacing::Immediate) {
        transmit(v);
        st_.thre_pending = true;  // THR and shift register are empty again
      } else {
        if (st_.tx.count < capacity()) st_.tx.push(v);  // a full FIFO drops the byte
        if (!st_.tx_busy) start_tx();
      }
      break;
    case 1:
      if (dlab) {
        st_.divisor = uint16_t((st_.divisor & 0x00FF) | v << 8);
        break;
      }
      // Turning ETBEI on with THR empty raises THRE at once (16550 behaviour).
      if ((v & IER_THRE) && !(st_.ier & IER_THRE) && st_.tx.count == 0) st_.thre_pending = true;
      st_.ier = v & 0x0F;
      break;
    case 2: {
      const bool enable = v & 0x01;
      const bool had_tx = st_.tx.count > 0;
      if (enable != fifo_enabled()) {  // switching FIFO mode empties both FIFOs
        st_.rx.clear();
        st_.tx.clear();
      }
      if (enable && (v & 0x02)) st_.rx.clear();
      if (enable && (v & 0x04)) st_.tx.clear();
      st_.fcr = enable ? (v & 0xC9) : 0;
      if (st_.rx.count == 0) st_.timeout_pending = false;
      if (had_tx && st_.tx.count == 0) st_.thre_pending = true;
      restart_timeout();
      break;
    }
    case 3: st_.lcr = v; break;
    case 4: {
      st_.mcr = v & 0x1F;
      if (loopback()) {
        set_modem(uint8_t(((v & 0x02) ? 0x10 : 0) | ((v & 0x01) ? 0x20 : 0) | ((v & 0x04) ? 0x40 : 0) |
                          ((v & 0x08) ? 0x80 : 0)));
      } else {
        set_modem(st_.host_modem);
      }
      break;
    }
    case 7: st_.scr = v; break;
    default: break;  // LSR and MSR writes are for factory test only
  }
  update_irq();
}

}  // namespace xlat::dev
