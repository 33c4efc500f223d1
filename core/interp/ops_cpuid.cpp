// CPU identification, the time-stamp counter, model-specific registers and
// the fast system calls: CPUID, RDTSC, RDMSR, WRMSR, RDPMC, SYSENTER, SYSEXIT.
//
// The time-stamp counter is the machine's virtual time counted at 1 GHz
// (Cpu::virtual_ns; the retired instruction count when it is unset) plus
// CpuState::tsc_offset, so it runs at the rate of the PIT and the RTC under
// either clock, runs are deterministic with the deterministic clock, and a
// WRMSR to the TSC only moves the offset.
//
// MSRs: only the ones the CPU implements (cpu_state.hpp, namespace msr) exist;
// any other number raises #GP(0), as on hardware. IA32_BIOS_SIGN_ID (0x8B)
// exists on every P6: this CPU has no microcode update loaded, so it reads 0
// (revision 0 in EDX after a CPUID) and writes are accepted and ignored.
//
// RDPMC: the P6 has two performance counters (ECX = 0 or 1). This CPU
// implements no performance-monitoring events (PerfEvtSel0/1 are not among its
// MSRs, so no event can be selected), so a permitted RDPMC returns 0. It is
// permitted at CPL 0, or at any CPL with CR4.PCE set; otherwise, or for a
// counter number other than 0 or 1, it raises #GP(0).
#include "core/interp/cpuid.hpp"
#include "core/interp/ops.hpp"

namespace xlat::core {

namespace {

// "GenuineIntel" as CPUID leaf 0 returns it in EBX, EDX, ECX.
constexpr uint32_t VENDOR_EBX = 0x756E6547;  // "Genu"
constexpr uint32_t VENDOR_EDX = 0x49656E69;  // "ineI"
constexpr uint32_t VENDOR_ECX = 0x6C65746E;  // "ntel"

// Leaf 2 cache and TLB descriptors of a P6 (Pentium II class): AL = 1 (one
// call returns everything); 01h ITLB 4K 32 entries, 02h ITLB 4M 2 entries,
// 03h DTLB 4K 64 entries, 04h DTLB 4M 8 entries, 08h L1I 16K, 0Ch L1D 16K,
// 43h L2 512K.
constexpr uint32_t LEAF2_EAX = 0x03020101, LEAF2_EDX = 0x0C040843;

uint64_t tsc_base(const Cpu& c) { return c.virtual_ns ? c.virtual_ns() : c.icount; }
uint64_t tsc_now(const Cpu& c) { return tsc_base(c) + c.s.tsc_offset; }

// A flat 4 GiB segment cache as SYSENTER/SYSEXIT load it (the GDT is not read).
void load_flat(Cpu& c, unsigned sreg, uint16_t sel, uint16_t type, unsigned dpl) {
  Segment& g = c.s.seg[sreg];
  g.sel = sel;
  g.base = 0;
  g.limit = 0xFFFFFFFFu;
  g.attr = uint16_t(type | seg_attr::S | (dpl << 5) | seg_attr::P | seg_attr::DB | seg_attr::G);
  c.seg_refresh(sreg);
}

constexpr uint16_t TYPE_CODE_RX_ACCESSED = 0xB, TYPE_DATA_RW_ACCESSED = 0x3;

}  // namespace

void op_cpuid(Cpu& c, const DecodedInsn&) {
  uint32_t leaf = c.reg(EAX, 4);
  if (leaf > cpuid::MAX_LEAF) leaf = cpuid::MAX_LEAF;  // beyond the maximum: the highest basic leaf
  uint32_t a = 0, b = 0, cx = 0, d = 0;
  switch (leaf) {
    case 0:
      a = cpuid::MAX_LEAF;
      b = VENDOR_EBX;
      d = VENDOR_EDX;
      cx = VENDOR_ECX;
      break;
    case 1:
      a = cpuid::SIGNATURE;
      d = cpuid::FEATURES_EDX;
      break;
    default:
      a = LEAF2_EAX;
      d = LEAF2_EDX;
      break;
  }
  c.set_reg(EAX, 4, a);
  c.set_reg(EBX, 4, b);
  c.set_reg(ECX, 4, cx);
  c.set_reg(EDX, 4, d);
}

void op_rdtsc(Cpu& c, const DecodedInsn&) {
  if ((c.s.cr4 & cr4::TSD) && c.s.cpl != 0) raise_fault(VEC_GP, 0);
  const uint64_t t = tsc_now(c);
  c.set_reg(EAX, 4, uint32_t(t));
  c.set_reg(EDX, 4, uint32_t(t >> 32));
}

void op_rdmsr(Cpu& c, const DecodedInsn&) {
  require_cpl0(c);
  uint64_t v;
  switch (c.reg(ECX, 4)) {
    case msr::TSC: v = tsc_now(c); break;
    case msr::BIOS_SIGN_ID: v = 0; break;
    case msr::SYSENTER_CS: v = c.s.sysenter_cs; break;
    case msr::SYSENTER_ESP: v = c.s.sysenter_esp; break;
    case msr::SYSENTER_EIP: v = c.s.sysenter_eip; break;
    default: raise_fault(VEC_GP, 0);
  }
  c.set_reg(EAX, 4, uint32_t(v));
  c.set_reg(EDX, 4, uint32_t(v >> 32));
}

void op_wrmsr(Cpu& c, const DecodedInsn&) {
  require_cpl0(c);
  // This is a 32-bit CPU: the SYSENTER MSRs hold 32 bits (EDX is ignored),
  // and a P6 writes only the low 32 bits of the TSC, clearing the high half.
  const uint32_t lo = c.reg(EAX, 4);
  switch (c.reg(ECX, 4)) {
    case msr::TSC: c.s.tsc_offset = uint64_t(lo) - tsc_base(c); break;
    case msr::BIOS_SIGN_ID: break;
    case msr::SYSENTER_CS: c.s.sysenter_cs = lo; break;
    case msr::SYSENTER_ESP: c.s.sysenter_esp = lo; break;
    case msr::SYSENTER_EIP: c.s.sysenter_eip = lo; break;
    default: raise_fault(VEC_GP, 0);
  }
}

void op_rdpmc(Cpu& c, const DecodedInsn&) {
  if (c.s.cpl != 0 && !(c.s.cr4 & cr4::PCE)) raise_fault(VEC_GP, 0);
  if (c.reg(ECX, 4) > 1) raise_fault(VEC_GP, 0);
  c.set_reg(EAX, 4, 0);
  c.set_reg(EDX, 4, 0);
}

// SYSENTER: to CPL 0 with the flat code segment SYSENTER_CS and the flat stack
// segment SYSENTER_CS + 8 (Intel SDM vol. 2, SYSENTER, "Operation").
void op_sysenter(Cpu& c, const DecodedInsn&) {
  const uint16_t cs = uint16_t(c.s.sysenter_cs);
  if (!c.protected_mode() || (cs & 0xFFFC) == 0) raise_fault(VEC_GP, 0);
  c.materialize_flags();
  c.s.eflags &= ~(fl::VM | fl::IF | fl::RF);
  c.s.cpl = 0;
  load_flat(c, CS, cs & 0xFFFC, TYPE_CODE_RX_ACCESSED, 0);
  load_flat(c, SS, uint16_t((cs & 0xFFFC) + 8), TYPE_DATA_RW_ACCESSED, 0);
  c.mode_changed();
  c.s.gpr[ESP] = uint32_t(c.s.sysenter_esp);
  c.next_eip = uint32_t(c.s.sysenter_eip);
  c.end_block = true;
}

// SYSEXIT: from CPL 0 to CPL 3 with the flat segments SYSENTER_CS + 16 (code)
// and SYSENTER_CS + 24 (stack), RPL 3; EIP = EDX, ESP = ECX.
void op_sysexit(Cpu& c, const DecodedInsn&) {
  const uint16_t cs = uint16_t(c.s.sysenter_cs);
  if (!c.protected_mode() || (cs & 0xFFFC) == 0 || c.s.cpl != 0) raise_fault(VEC_GP, 0);
  c.s.cpl = 3;
  load_flat(c, CS, uint16_t((cs + 16) | 3), TYPE_CODE_RX_ACCESSED, 3);
  load_flat(c, SS, uint16_t((cs + 24) | 3), TYPE_DATA_RW_ACCESSED, 3);
  c.mode_changed();
  c.s.gpr[ESP] = c.reg(ECX, 4);
  c.next_eip = c.reg(EDX, 4);
  c.end_block = true;
}

}  // namespace xlat::core
