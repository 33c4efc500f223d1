// Descriptor table access, segment caches and all-or-nothing stack frames.
#include "core/mode/descriptors.hpp"

namespace xlat::core {

uint32_t descriptor_address(const Cpu& c, uint16_t sel) {
  const uint64_t base = (sel & 4) ? c.s.ldtr.base : c.s.gdtr.base;
  return uint32_t(base + (sel & 0xFFF8));
}

bool read_descriptor(Cpu& c, uint16_t sel, Descriptor& d) {
  uint32_t limit;
  if (sel & 4) {
    if (!(c.s.ldtr.attr & seg_attr::P) || (c.s.ldtr.sel & 0xFFFC) == 0) return false;
    limit = c.s.ldtr.limit;
  } else {
    limit = c.s.gdtr.limit;
  }
  if ((sel | 7u) > limit) return false;
  const uint32_t a = descriptor_address(c, sel);
  d.lo = c.read_lin<uint32_t>(a, false);
  d.hi = c.read_lin<uint32_t>(a + 4, false);
  return true;
}

Descriptor fetch_descriptor(Cpu& c, uint16_t sel, uint8_t vec, bool ext) {
  Descriptor d;
  if (!read_descriptor(c, sel, d)) fault_sel(vec, sel, ext);
  return d;
}

void set_accessed(Cpu& c, uint16_t sel, Descriptor& d) {
  if (!d.s() || (d.hi & (1u << 8))) return;
  d.hi |= 1u << 8;
  c.write_lin<uint32_t>(descriptor_address(c, sel) + 4, d.hi, false);
}

void write_descriptor_hi(Cpu& c, uint16_t sel, uint32_t hi) {
  c.write_lin<uint32_t>(descriptor_address(c, sel) + 4, hi, false);
}

void derive_access(Segment& g) {
  g.access = 0;
  g.lo = 0;
  g.hi = g.limit;
  if (!(g.attr & seg_attr::P) || !(g.attr & seg_attr::S)) return;
  if (g.attr & seg_attr::TYPE_CODE) {
    g.access = seg_access::EXEC | ((g.attr & seg_attr::TYPE_RW) ? seg_access::READ : 0);
  } else {
    g.access = seg_access::READ | ((g.attr & seg_attr::TYPE_RW) ? seg_access::WRITE : 0);
    if (g.attr & seg_attr::TYPE_EC) {  // expand-down: valid offsets are limit+1 .. 64K/4G-1
      g.lo = g.limit + 1;
      g.hi = (g.attr & seg_attr::DB) ? 0xFFFFFFFFu : 0xFFFFu;
      if (g.limit == 0xFFFFFFFFu) g.access = 0;
    }
  }
}

void load_cache(Segment& g, uint16_t sel, const Descriptor& d) {
  g.sel = sel;
  g.base = d.base();
  g.limit = d.limit();
  g.attr = d.attr();
  derive_access(g);
}

// --- StackFrame ----------------------------------------------------------------

void StackFrame::push(uint32_t v, unsigned size) {
  const bool big = ss_.attr & seg_attr::DB;
  sp_ -= size;
  if (!big) sp_ &= 0xFFFF;
  slots_.at(n_++) = Slot{sp_, v, uint8_t(size)};
}

void StackFrame::check() {
  for (unsigned i = 0; i < n_; ++i) {
    const Slot& s = slots_[i];
    if (!(ss_.access & seg_access::WRITE) || !seg_contains(ss_, s.off, s.size))
      raise_fault(VEC_SS, err_);
  }
}

void StackFrame::write() {
  // Every page first (a #PF leaves memory untouched), then the stores.
  for (unsigned i = 0; i < n_; ++i) {
    const Slot& s = slots_[i];
    const uint32_t lin = uint32_t(ss_.base + s.off);
    c_.translate(lin, Access::Write, user_);
    if (((lin & 0xFFF) + s.size - 1) >> 12) c_.translate(lin + s.size - 1, Access::Write, user_);
  }
  for (unsigned i = 0; i < n_; ++i) {
    const Slot& s = slots_[i];
    const uint32_t lin = uint32_t(ss_.base + s.off);
    if (s.size == 4) c_.write_lin<uint32_t>(lin, s.v, user_);
    else c_.write_lin<uint16_t>(lin, uint16_t(s.v), user_);
  }
}

uint32_t StackFrame::new_esp() const {
  return (ss_.attr & seg_attr::DB) ? sp_ : (esp_ & 0xFFFF0000u) | (sp_ & 0xFFFF);
}

// --- the inner stack of a privilege change -------------------------------------

InnerStack inner_stack(Cpu& c, unsigned dpl, bool ext) {
  const Segment& tr = c.s.tr;
  const bool tss32 = (tr.attr & 8) != 0;
  InnerStack st{};
  if (tss32) {
    const uint32_t at = dpl * 8 + 4;
    if (at + 5 > tr.limit) fault_sel(VEC_TS, tr.sel, ext);
    st.esp = c.read_lin<uint32_t>(uint32_t(tr.base + at), false);
    st.ss = c.read_lin<uint16_t>(uint32_t(tr.base + at + 4), false);
  } else {
    const uint32_t at = dpl * 4 + 2;
    if (at + 3 > tr.limit) fault_sel(VEC_TS, tr.sel, ext);
    st.esp = c.read_lin<uint16_t>(uint32_t(tr.base + at), false);
    st.ss = c.read_lin<uint16_t>(uint32_t(tr.base + at + 2), false);
  }
  if (null_sel(st.ss)) raise_fault(VEC_TS, ext ? 1 : 0);
  Descriptor d;
  if (!read_descriptor(c, st.ss, d) || (st.ss & 3) != dpl) fault_sel(VEC_TS, st.ss, ext);
  if (d.dpl() != dpl || !d.writable()) fault_sel(VEC_TS, st.ss, ext);
  if (!d.present()) fault_sel(VEC_SS, st.ss, ext);
  set_accessed(c, st.ss, d);
  st.desc = d;
  load_cache(st.cache, st.ss, d);
  return st;
}

}  // namespace xlat::core
