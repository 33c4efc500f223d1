#include "core/bus.hpp"

#include <sys/mman.h>

#include <cstring>
#include <new>
#include <stdexcept>

namespace xlat::core {

namespace {
constexpr uint64_t PHYS_PAGES_4G = (1ull << 32) >> PAGE_SHIFT;
}

Bus::Bus(uint64_t ram_bytes) : ram_size_((ram_bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) {
  if (ram_size_ == 0 || ram_size_ > (3ull << 30))
    throw std::invalid_argument("RAM size must be between 4 KiB and 3 GiB");
  // mmap gives zeroed, lazily committed memory.
  void* p = mmap(nullptr, ram_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  ram_ = static_cast<uint8_t*>(p);
  kinds_.assign(PHYS_PAGES_4G, PageKind::Unmapped);
  hosts_.assign(PHYS_PAGES_4G, nullptr);
  code_.assign(PHYS_PAGES_4G, 0);
  for (uint64_t pn = 0; pn < (ram_size_ >> PAGE_SHIFT); ++pn) {
    kinds_[pn] = PageKind::Ram;
    hosts_[pn] = ram_ + (pn << PAGE_SHIFT);
  }
}

Bus::~Bus() {
  if (ram_) munmap(ram_, ram_size_);
}

void Bus::map_rom(uint64_t base, const uint8_t* data, size_t size) {
  size_t pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
  auto buf = std::make_unique<uint8_t[]>(pages << PAGE_SHIFT);
  std::memset(buf.get(), 0xFF, pages << PAGE_SHIFT);
  std::memcpy(buf.get(), data, size);
  for (size_t i = 0; i < pages; ++i) {
    uint64_t pn = (base >> PAGE_SHIFT) + i;
    if (pn >= kinds_.size()) break;
    kinds_[pn] = PageKind::Rom;
    hosts_[pn] = buf.get() + (i << PAGE_SHIFT);
  }
  roms_.push_back(std::move(buf));
}

void Bus::map_mmio(uint64_t base, uint64_t size, MmioHandler* h) {
  mmio_.push_back({base, size, h});
  for (uint64_t pn = base >> PAGE_SHIFT; pn < ((base + size + PAGE_SIZE - 1) >> PAGE_SHIFT); ++pn) {
    if (pn >= kinds_.size()) break;
    kinds_[pn] = PageKind::Mmio;
    hosts_[pn] = nullptr;
  }
}

void Bus::map_io(uint16_t first, unsigned count, IoHandler* h) {
  for (unsigned i = 0; i < count && first + i < 65536; ++i) io_[first + i] = h;
}

Bus::MmioRange* Bus::find_mmio(uint64_t paddr) {
  for (auto& r : mmio_)
    if (paddr >= r.base && paddr - r.base < r.size) return &r;
  return nullptr;
}

uint8_t Bus::read8_slow(uint64_t paddr) {
  if (uint8_t* h = page_host(paddr)) return h[paddr & (PAGE_SIZE - 1)];
  if (MmioRange* r = find_mmio(paddr)) return r->h->mmio_read(paddr - r->base, 1) & 0xFF;
  return 0xFF;
}

void Bus::write8_slow(uint64_t paddr, uint8_t v) {
  switch (page_kind(paddr)) {
    case PageKind::Ram:
      if (is_code_page(paddr) && on_code_write) on_code_write(paddr >> PAGE_SHIFT);
      hosts_[paddr >> PAGE_SHIFT][paddr & (PAGE_SIZE - 1)] = v;
      return;
    case PageKind::Mmio:
      if (MmioRange* r = find_mmio(paddr)) r->h->mmio_write(paddr - r->base, v, 1);
      return;
    default:  // ROM and unmapped: writes are ignored
      return;
  }
}

uint64_t Bus::read(uint64_t paddr, unsigned size) {
  uint64_t off = paddr & (PAGE_SIZE - 1);
  if (off + size <= PAGE_SIZE) {
    if (uint8_t* h = page_host(paddr)) {
      uint64_t v = 0;
      std::memcpy(&v, h + off, size);
      return v;
    }
    if (page_kind(paddr) == PageKind::Mmio && size <= 4) {
      if (MmioRange* r = find_mmio(paddr)) return r->h->mmio_read(paddr - r->base, size);
    }
  }
  uint64_t v = 0;
  for (unsigned i = 0; i < size; ++i) v |= uint64_t(read8_slow(paddr + i)) << (8 * i);
  return v;
}

void Bus::write(uint64_t paddr, uint64_t value, unsigned size) {
  uint64_t off = paddr & (PAGE_SIZE - 1);
  if (off + size <= PAGE_SIZE) {
    PageKind k = page_kind(paddr);
    if (k == PageKind::Ram) {
      if (is_code_page(paddr) && on_code_write) on_code_write(paddr >> PAGE_SHIFT);
      std::memcpy(hosts_[paddr >> PAGE_SHIFT] + off, &value, size);
      return;
    }
    if (k == PageKind::Mmio && size <= 4) {
      if (MmioRange* r = find_mmio(paddr)) r->h->mmio_write(paddr - r->base, uint32_t(value), size);
      return;
    }
  }
  for (unsigned i = 0; i < size; ++i) write8_slow(paddr + i, uint8_t(value >> (8 * i)));
}

bool Bus::copy_to(uint64_t paddr, const void* src, size_t n, bool allow_rom) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  for (size_t i = 0; i < n; ++i) {
    PageKind k = page_kind(paddr + i);
    if (k != PageKind::Ram && !(allow_rom && k == PageKind::Rom)) return false;
    if (is_code_page(paddr + i) && on_code_write) on_code_write((paddr + i) >> PAGE_SHIFT);
    page_host(paddr + i)[(paddr + i) & (PAGE_SIZE - 1)] = s[i];
  }
  return true;
}

bool Bus::copy_from(uint64_t paddr, void* dst, size_t n) const {
  uint8_t* d = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < n; ++i) {
    uint8_t* h = page_host(paddr + i);
    if (!h) return false;
    d[i] = h[(paddr + i) & (PAGE_SIZE - 1)];
  }
  return true;
}

bool Bus::io_single_handler(uint16_t port, unsigned size) const {
  for (unsigned k = 1; k < size; ++k)
    if (io_[uint16_t(port + k)] != io_[port]) return false;
  return true;
}

uint32_t Bus::io_dispatch_read(uint16_t port, unsigned size) {
  if (size > 1 && !io_single_handler(port, size)) {
    // The ports belong to different devices (or none): each byte from its own.
    uint32_t v = 0;
    for (unsigned k = 0; k < size; ++k) v |= io_dispatch_read(uint16_t(port + k), 1) << (8 * k);
    return v;
  }
  if (IoHandler* h = io_[port]) return h->io_read(port, size);
  return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

void Bus::io_dispatch_write(uint16_t port, uint32_t value, unsigned size) {
  if (size > 1 && !io_single_handler(port, size)) {
    for (unsigned k = 0; k < size; ++k) io_dispatch_write(uint16_t(port + k), (value >> (8 * k)) & 0xFF, 1);
    return;
  }
  if (IoHandler* h = io_[port]) h->io_write(port, value, size);
}

void Bus::set_code_page(uint64_t paddr, bool on) {
  uint64_t pn = paddr >> PAGE_SHIFT;
  if (pn < code_.size()) code_[pn] = on;
}

}  // namespace xlat::core
