// Linear -> physical translation: the two-level 32-bit page walk (4 KiB
// pages, 4 MiB pages with CR4.PSE, global pages with CR4.PGE), accessed/dirty
// bits, #PF with CR2 and error code, and the soft TLB fill and slow paths.
//
// The walk follows Intel SDM vol. 3 chapter 4 for a P6 without PAE, PSE-36
// or PAT:
// - a not-present PDE or PTE: #PF with P = 0;
// - a present 4 MiB PDE with any of bits 21:13 set: #PF with P = 1 and RSVD;
// - U/S and R/W combine over both levels (both must allow); supervisor writes
//   ignore R/W unless CR0.WP is set: #PF with P = 1;
// - the error code's W and U bits describe the access (U = CPL 3);
// - on success, A is set in the PDE and the PTE, D in the last level on a
//   write; each update is one 32-bit write of the entry, made only when a bit
//   changes.
// A TLB entry allows fast writes only once D is set, so the first write to a
// clean page always comes back here to set D. Pages holding decoded code
// (Bus code pages) and watched pages are never entered for fast writes
// (watched pages not at all).
#include "core/cpu.hpp"

namespace xlat::core {

namespace {
constexpr uint32_t PTE_P = 1, PTE_RW = 2, PTE_US = 4, PTE_A = 0x20, PTE_D = 0x40, PTE_PS = 0x80,
                   PTE_G = 0x100;
constexpr uint32_t PDE4M_RESERVED = 0x003FE000;  // bits 21:13 (no PSE-36)
constexpr uint32_t PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8;
}  // namespace

void Cpu::tlb_fill(uint32_t lin, uint64_t phys, bool user, bool writable, uint64_t flags) {
  const uint64_t ppage = phys & ~0xFFFull;
  uint8_t* host = bus.page_host(ppage);
  if (!host) return;  // MMIO / unmapped: always the slow path
  const uint64_t vpage = lin & ~0xFFFu;
  if (tlb.watch.active() && tlb.watch.page_watched(vpage, ppage)) [[unlikely]]
    return;  // every access to a watched page must be seen: no entry
  TlbEntry& e = tlb.e[user][SoftTlb::index(lin)];
  e.tag_r = vpage;
  const bool ram = bus.page_kind(ppage) == PageKind::Ram;
  e.tag_w = (writable && ram && !bus.is_code_page(ppage)) ? vpage : SoftTlb::INVALID_TAG;
  e.addend = reinterpret_cast<uintptr_t>(host) - vpage;
  e.pf = ppage | flags | (e.pf & TlbEntry::LISTED);
  tlb.made(user, SoftTlb::index(lin), e);
  if (flags & TlbEntry::LARGE) ++tlb.large_entries;
}

uint64_t Cpu::translate(uint32_t lin, Access acc, bool user) {
  const bool write = acc == Access::Write;
  if (!paging()) {
    const uint64_t phys = lin & s.a20_mask;
    tlb_fill(lin, phys, user, true, 0);
    return phys;
  }
  auto page_fault = [&](uint32_t err) {
    s.cr2 = lin;
    raise_fault(VEC_PF, err | (write ? PF_W : 0) | (user ? PF_U : 0));
  };
  const uint64_t pde_addr = ((s.cr3 & 0xFFFFF000u) | ((lin >> 22) << 2)) & s.a20_mask;
  const uint32_t pde = uint32_t(bus.read(pde_addr, 4));
  if (!(pde & PTE_P)) page_fault(0);
  const bool big = (pde & PTE_PS) && (s.cr4 & cr4::PSE);
  uint32_t pte = pde;
  uint64_t pte_addr = pde_addr;
  uint32_t rights = pde;
  if (big) {
    if (pde & PDE4M_RESERVED) page_fault(PF_P | PF_RSVD);
  } else {
    pte_addr = ((pde & 0xFFFFF000u) | (((lin >> 12) & 0x3FF) << 2)) & s.a20_mask;
    pte = uint32_t(bus.read(pte_addr, 4));
    if (!(pte & PTE_P)) page_fault(0);
    rights = pde & pte;
  }
  if (user && !(rights & PTE_US)) page_fault(PF_P);
  const bool wp = s.cr0 & cr0::WP;
  if (write && !(rights & PTE_RW) && (user || wp)) page_fault(PF_P);

  // Accessed and dirty bits (written back only when they change).
  if (!big && !(pde & PTE_A)) bus.write(pde_addr, pde | PTE_A, 4);
  const uint32_t npte = pte | PTE_A | (write ? PTE_D : 0);
  if (npte != pte) bus.write(pte_addr, npte, 4);

  uint64_t phys = big ? ((pte & 0xFFC00000u) | (lin & 0x3FFFFFu)) : ((pte & 0xFFFFF000u) | (lin & 0xFFFu));
  phys &= s.a20_mask;
  const bool may_write = (rights & PTE_RW) || (!user && !wp);
  uint64_t flags = big ? TlbEntry::LARGE : 0;
  if ((s.cr4 & cr4::PGE) && (pte & PTE_G)) flags |= TlbEntry::GLOBAL;
  tlb_fill(lin, phys, user, may_write && (npte & PTE_D), flags);
  return phys;
}

bool Cpu::probe(uint32_t lin, uint64_t& phys) const {
  if (!paging()) {
    phys = lin & s.a20_mask;
    return true;
  }
  Bus& b = const_cast<Bus&>(bus);
  const uint32_t pde = uint32_t(b.read(((s.cr3 & 0xFFFFF000u) | ((lin >> 22) << 2)) & s.a20_mask, 4));
  if (!(pde & PTE_P)) return false;
  if ((pde & PTE_PS) && (s.cr4 & cr4::PSE)) {
    if (pde & PDE4M_RESERVED) return false;
    phys = ((pde & 0xFFC00000u) | (lin & 0x3FFFFFu)) & s.a20_mask;
    return true;
  }
  const uint32_t pte = uint32_t(b.read(((pde & 0xFFFFF000u) | (((lin >> 12) & 0x3FF) << 2)) & s.a20_mask, 4));
  if (!(pte & PTE_P)) return false;
  phys = ((pte & 0xFFFFF000u) | (lin & 0xFFFu)) & s.a20_mask;
  return true;
}

uint64_t Cpu::read_lin_slow(uint32_t lin, unsigned size, bool user) {
  if ((lin & 0xFFF) + size > 0x1000) {  // crosses a page: byte by byte, first page first
    const uint64_t p0 = translate(lin, Access::Read, user);
    const uint32_t lin1 = (lin | 0xFFF) + 1;
    const uint64_t p1 = translate(lin1, Access::Read, user);
    if (tlb.watch.active()) [[unlikely]] {
      watch_access(lin, p0, lin1 - lin, Access::Read);
      watch_access(lin1, p1, size - (lin1 - lin), Access::Read);
    }
    uint64_t v = 0;
    for (unsigned i = 0; i < size; ++i) {
      const uint32_t a = lin + i;
      const uint64_t p = a < lin1 ? p0 + i : p1 + (a - lin1);
      v |= bus.read(p, 1) << (8 * i);
    }
    return v;
  }
  const uint64_t p = translate(lin, Access::Read, user);
  if (tlb.watch.active()) [[unlikely]]
    watch_access(lin, p, size, Access::Read);
  return bus.read(p, size);
}

void Cpu::write_lin_slow(uint32_t lin, uint64_t v, unsigned size, bool user) {
  if ((lin & 0xFFF) + size > 0x1000) {  // both pages must be writable before any byte is written
    const uint64_t p0 = translate(lin, Access::Write, user);
    const uint32_t lin1 = (lin | 0xFFF) + 1;
    const uint64_t p1 = translate(lin1, Access::Write, user);
    if (tlb.watch.active()) [[unlikely]] {
      watch_access(lin, p0, lin1 - lin, Access::Write);
      watch_access(lin1, p1, size - (lin1 - lin), Access::Write);
    }
    for (unsigned i = 0; i < size; ++i) {
      const uint32_t a = lin + i;
      const uint64_t p = a < lin1 ? p0 + i : p1 + (a - lin1);
      bus.write(p, (v >> (8 * i)) & 0xFF, 1);
    }
    return;
  }
  const uint64_t p = translate(lin, Access::Write, user);
  if (tlb.watch.active()) [[unlikely]]
    watch_access(lin, p, size, Access::Write);
  bus.write(p, v, size);
}

DecodeStatus Cpu::fetch_decode(uint32_t eip, DecodedInsn& out, uint64_t& phys) {
  const Segment& cs = s.seg[CS];
  if (eip > cs.hi) raise_fault(VEC_GP, 0);
  const uint32_t lin = uint32_t(cs.base + eip);
  phys = translate(lin, Access::Fetch, user());
  uint8_t buf[16];
  unsigned n = 0x1000 - (lin & 0xFFF);
  if (n > 15) n = 15;
  const uint64_t room = uint64_t(cs.hi) - eip + 1;
  if (n > room) n = unsigned(room);
  for (unsigned i = 0; i < n; ++i) buf[i] = uint8_t(bus.read(phys + i, 1));
  DecodeStatus st = decode(buf, n, code_mode(), out);
  if (st != DecodeStatus::NeedMore) return st;
  // The instruction continues on the next page or beyond the segment limit.
  const unsigned want = unsigned(room < 15 ? room : 15);
  if (n < want) {
    const uint32_t lin1 = lin + n;
    const uint64_t p1 = translate(lin1, Access::Fetch, user());
    for (unsigned i = n; i < want; ++i) buf[i] = uint8_t(bus.read(p1 + (i - n), 1));
    st = decode(buf, want, code_mode(), out);
  }
  if (st == DecodeStatus::NeedMore) raise_fault(VEC_GP, 0);  // runs past the CS limit
  return st;
}

}  // namespace xlat::core
