#include "core/lockstep/state_diff.hpp"

#include <algorithm>
#include <cstring>

namespace xlat::core {

namespace {
const char* const GPR[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
const char* const SEG[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};

// Compares without allocating; a name is built only for a difference.
struct Differ {
  std::vector<StateDifference>& out;
  void operator()(const char* name, uint64_t a, uint64_t b) const {
    if (a != b) [[unlikely]] out.push_back({name, a, b});
  }
  void operator()(const char* prefix, unsigned n, const char* suffix, uint64_t a, uint64_t b) const {
    if (a != b) [[unlikely]] out.push_back({prefix + std::to_string(n) + suffix, a, b});
  }
  void segment(const char* n, const Segment& a, const Segment& b) const {
    if (a.sel != b.sel) out.push_back({std::string(n) + ".sel", a.sel, b.sel});
    if (a.base != b.base) out.push_back({std::string(n) + ".base", a.base, b.base});
    if (a.limit != b.limit) out.push_back({std::string(n) + ".limit", a.limit, b.limit});
    if (a.attr != b.attr) out.push_back({std::string(n) + ".attr", a.attr, b.attr});
  }
};
}  // namespace

std::vector<StateDifference> diff_state(const Cpu& ca, const Cpu& cb) {
  std::vector<StateDifference> out;
  const Differ d{out};
  const CpuState &a = ca.s, &b = cb.s;
  d("icount", ca.icount, cb.icount);
  for (unsigned r = 0; r < 8; ++r) d(GPR[r], uint32_t(a.gpr[r]), uint32_t(b.gpr[r]));
  d("EIP", a.eip, b.eip);
  d("EFLAGS", ca.eflags(), cb.eflags());
  d("CPL", a.cpl, b.cpl);
  for (unsigned s = 0; s < 6; ++s) d.segment(SEG[s], a.seg[s], b.seg[s]);
  d.segment("LDTR", a.ldtr, b.ldtr);
  d.segment("TR", a.tr, b.tr);
  d("GDTR.base", a.gdtr.base, b.gdtr.base);
  d("GDTR.limit", a.gdtr.limit, b.gdtr.limit);
  d("IDTR.base", a.idtr.base, b.idtr.base);
  d("IDTR.limit", a.idtr.limit, b.idtr.limit);
  d("CR0", a.cr0, b.cr0);
  d("CR2", a.cr2, b.cr2);
  d("CR3", a.cr3, b.cr3);
  d("CR4", a.cr4, b.cr4);
  for (unsigned r = 0; r < 8; ++r) d("DR", r, "", a.dr[r], b.dr[r]);
  d("TSC offset", a.tsc_offset, b.tsc_offset);
  d("SYSENTER_CS", a.sysenter_cs, b.sysenter_cs);
  d("SYSENTER_ESP", a.sysenter_esp, b.sysenter_esp);
  d("SYSENTER_EIP", a.sysenter_eip, b.sysenter_eip);
  d("A20 mask", a.a20_mask, b.a20_mask);
  d("halted", a.halted, b.halted);
  d("interrupt shadow", a.irq_inhibit, b.irq_inhibit);
  const FpuState &fa = a.fpu, &fb = b.fpu;
  for (unsigned r = 0; r < 8; ++r) {
    d("R", r, ".mant", fa.st[r].mant, fb.st[r].mant);
    d("R", r, ".se", fa.st[r].se, fb.st[r].se);
  }
  for (unsigned r = 0; r < 8; ++r) {
    d("XMM", r, ".q0", fa.xmm[r].q[0], fb.xmm[r].q[0]);
    d("XMM", r, ".q1", fa.xmm[r].q[1], fb.xmm[r].q[1]);
  }
  d("FCW", fa.fcw, fb.fcw);
  d("FSW", fa.fsw, fb.fsw);
  d("FPU TOP", fa.top, fb.top);
  d("FTW", fa.ftw, fb.ftw);
  d("FOP", fa.fop, fb.fop);
  d("FIP", fa.fip, fb.fip);
  d("FCS", fa.fcs, fb.fcs);
  d("FDS", fa.fds, fb.fds);
  d("FDP", fa.fdp, fb.fdp);
  d("MXCSR", fa.mxcsr, fb.mxcsr);
  d("FERR#", fa.ferr, fb.ferr);
  return out;
}

std::vector<std::pair<uint64_t, uint64_t>> diff_memory(const uint8_t* a, const uint8_t* b, uint64_t size,
                                                       size_t max) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  constexpr uint64_t CHUNK = 4096;
  for (uint64_t base = 0; base < size && out.size() <= max; base += CHUNK) {
    const uint64_t n = std::min(CHUNK, size - base);
    if (std::memcmp(a + base, b + base, n) == 0) continue;
    for (uint64_t i = base; i < base + n; ++i) {
      if (a[i] == b[i]) continue;
      if (!out.empty() && i - out.back().second < 16) {
        out.back().second = i;
      } else {
        if (out.size() == max) return out;
        out.push_back({i, i});
      }
    }
  }
  return out;
}

}  // namespace xlat::core
