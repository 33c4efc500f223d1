// x87/SSE state images (see x87_env.hpp).
#include "core/fpu/x87_env.hpp"

#include <cstring>

#include "core/fpu/f80.hpp"
#include "core/fpu/x87.hpp"

namespace xlat::core::fpu {

namespace {

void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
uint16_t get16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
uint32_t get32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

bool real_format(const Cpu& c) { return !c.protected_mode() || c.v86(); }

}  // namespace

uint16_t full_tag_word(const FpuState& f) {
  uint16_t tw = 0;
  for (unsigned r = 0; r < 8; ++r) {
    unsigned t = TAG_EMPTY;
    if ((f.ftw >> r) & 1) {
      F80 v;
      v.mant = f.st[r].mant;
      v.se = f.st[r].se;
      t = tag_of(v);
    }
    tw = uint16_t(tw | (t << (2 * r)));
  }
  return tw;
}

uint8_t abridged_tags(uint16_t ftw) {
  uint8_t a = 0;
  for (unsigned r = 0; r < 8; ++r)
    if (((ftw >> (2 * r)) & 3) != TAG_EMPTY) a = uint8_t(a | (1u << r));
  return a;
}

void store_env(const Cpu& c, uint8_t* out, bool op32) {
  const FpuState& f = c.s.fpu;
  const uint16_t sw = x87_fsw(f), tw = full_tag_word(f);
  const bool real = real_format(c);
  // Real mode: 20-bit (16-bit form) or 32-bit linear instruction/data pointers.
  const uint32_t ip_lin = (uint32_t(f.fcs) << 4) + f.fip, dp_lin = (uint32_t(f.fds) << 4) + f.fdp;
  if (!op32) {
    put16(out + 0, f.fcw);
    put16(out + 2, sw);
    put16(out + 4, tw);
    if (real) {
      put16(out + 6, uint16_t(ip_lin));
      put16(out + 8, uint16_t(((ip_lin >> 4) & 0xF000) | (f.fop & 0x7FF)));
      put16(out + 10, uint16_t(dp_lin));
      put16(out + 12, uint16_t((dp_lin >> 4) & 0xF000));
    } else {
      put16(out + 6, uint16_t(f.fip));
      put16(out + 8, f.fcs);
      put16(out + 10, uint16_t(f.fdp));
      put16(out + 12, f.fds);
    }
    return;
  }
  put32(out + 0, 0xFFFF0000u | f.fcw);
  put32(out + 4, 0xFFFF0000u | sw);
  put32(out + 8, 0xFFFF0000u | tw);
  if (real) {
    put32(out + 12, 0xFFFF0000u | (ip_lin & 0xFFFF));
    put32(out + 16, ((ip_lin >> 4) & 0x0FFFF000u) | (f.fop & 0x7FF));
    put32(out + 20, 0xFFFF0000u | (dp_lin & 0xFFFF));
    put32(out + 24, (dp_lin >> 4) & 0x0FFFF000u);
  } else {
    put32(out + 12, f.fip);
    put32(out + 16, f.fcs | (uint32_t(f.fop & 0x7FF) << 16));
    put32(out + 20, f.fdp);
    put32(out + 24, 0xFFFF0000u | f.fds);
  }
}

void load_env(Cpu& c, const uint8_t* in, bool op32) {
  FpuState& f = c.s.fpu;
  const bool real = real_format(c);
  uint16_t cw, sw, tw;
  if (!op32) {
    cw = get16(in + 0);
    sw = get16(in + 2);
    tw = get16(in + 4);
    if (real) {
      const uint16_t w8 = get16(in + 8);
      f.fip = get16(in + 6) | (uint32_t(w8 & 0xF000) << 4);
      f.fop = w8 & 0x7FF;
      f.fdp = get16(in + 10) | (uint32_t(get16(in + 12) & 0xF000) << 4);
      f.fcs = f.fds = 0;
    } else {
      f.fip = get16(in + 6);
      f.fcs = get16(in + 8);
      f.fdp = get16(in + 10);
      f.fds = get16(in + 12);
    }
  } else {
    cw = get16(in + 0);
    sw = get16(in + 4);
    tw = get16(in + 8);
    const uint32_t d16 = get32(in + 16);
    if (real) {
      f.fip = (get32(in + 12) & 0xFFFF) | ((d16 & 0x0FFFF000u) << 4);
      f.fop = d16 & 0x7FF;
      f.fdp = (get32(in + 20) & 0xFFFF) | ((get32(in + 24) & 0x0FFFF000u) << 4);
      f.fcs = f.fds = 0;
    } else {
      f.fip = get32(in + 12);
      f.fcs = uint16_t(d16);
      f.fop = (d16 >> 16) & 0x7FF;
      f.fdp = get32(in + 20);
      f.fds = get16(in + 24);
    }
  }
  f.fcw = sanitize_fcw(cw);
  f.ftw = abridged_tags(tw);
  load_fsw(c, sw);
}

void store_fxsave(const Cpu& c, uint8_t* out) {
  const FpuState& f = c.s.fpu;
  std::memset(out, 0, FXSAVE_WRITTEN);
  put16(out + 0, f.fcw);
  put16(out + 2, x87_fsw(f));
  out[4] = f.ftw;
  put16(out + 6, f.fop & 0x7FF);
  put32(out + 8, f.fip);
  put16(out + 12, f.fcs);
  put32(out + 16, f.fdp);
  put16(out + 20, f.fds);
  put32(out + 24, f.mxcsr);
  put32(out + 28, mxcsr_bits::MASK);
  for (unsigned i = 0; i < 8; ++i) {
    const X87Reg& r = f.st[(f.top + i) & 7];
    std::memcpy(out + 32 + 16 * i, &r.mant, 8);
    put16(out + 40 + 16 * i, r.se);
  }
  for (unsigned i = 0; i < 8; ++i) std::memcpy(out + 160 + 16 * i, &f.xmm[i], 16);
}

void load_fxsave(Cpu& c, const uint8_t* in) {
  FpuState& f = c.s.fpu;
  f.fcw = sanitize_fcw(get16(in + 0));
  const uint16_t sw = get16(in + 2);
  f.ftw = in[4];
  f.fop = get16(in + 6) & 0x7FF;
  f.fip = get32(in + 8);
  f.fcs = get16(in + 12);
  f.fdp = get32(in + 16);
  f.fds = get16(in + 20);
  f.mxcsr = get32(in + 24);
  const unsigned top = (sw >> 11) & 7;
  for (unsigned i = 0; i < 8; ++i) {
    X87Reg& r = f.st[(top + i) & 7];
    std::memcpy(&r.mant, in + 32 + 16 * i, 8);
    r.se = get16(in + 40 + 16 * i);
  }
  for (unsigned i = 0; i < 8; ++i) std::memcpy(&f.xmm[i], in + 160 + 16 * i, 16);
  load_fsw(c, sw);
}

}  // namespace xlat::core::fpu
