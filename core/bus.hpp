// The physical memory map and the I/O port space.
//
// Guest RAM is one host allocation indexed by physical address. Every 4 KiB
// physical page below 4 GiB has a kind (RAM, ROM, MMIO, unmapped) in a flat
// table, so the TLB fill can decide in one look-up whether a page may be
// accessed through a host pointer. ROM pages point into their own buffer and
// are never writable through it. MMIO pages dispatch to a handler.
//
// Pages that hold decoded or translated guest code are "code pages": writes to
// them leave the fast path so the engines can invalidate what they cached
// (ARCHITECTURE.md principle 8). The Bus only keeps the bit and calls the
// registered listener; it knows nothing of blocks.
//
// The I/O space is 64K ports; a port without a device reads all ones and
// ignores writes. A 2- or 4-byte access whose ports do not all belong to one
// handler is split into byte accesses, each sent to its own port's handler.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xlat::core {

constexpr uint64_t PAGE_SIZE = 4096;
constexpr unsigned PAGE_SHIFT = 12;

// A device's port range. `port` is the absolute port number; size is 1, 2 or 4.
class IoHandler {
 public:
  virtual ~IoHandler() = default;
  virtual uint32_t io_read(uint16_t port, unsigned size) = 0;
  virtual void io_write(uint16_t port, uint32_t value, unsigned size) = 0;
};

// A device whose registers are single bytes: an access wider than a byte
// reaches only its first port (the other bytes read 0xFF, their writes are
// dropped), as on the ISA bus for 8-bit chips.
class ByteIoHandler : public IoHandler {
 public:
  virtual uint8_t read(uint16_t port) = 0;
  virtual void write(uint16_t port, uint8_t v) = 0;
  uint32_t io_read(uint16_t port, unsigned size) final {
    uint32_t v = read(port);
    for (unsigned i = 1; i < size; ++i) v |= 0xFFu << (8 * i);
    return v;
  }
  void io_write(uint16_t port, uint32_t value, unsigned) final { write(port, uint8_t(value)); }
};

// A memory-mapped device region. `offset` is relative to the region's base.
class MmioHandler {
 public:
  virtual ~MmioHandler() = default;
  virtual uint32_t mmio_read(uint64_t offset, unsigned size) = 0;
  virtual void mmio_write(uint64_t offset, uint32_t value, unsigned size) = 0;
};

enum class PageKind : uint8_t { Unmapped, Ram, Rom, Mmio };

class Bus {
 public:
  explicit Bus(uint64_t ram_bytes);
  ~Bus();
  Bus(const Bus&) = delete;
  Bus& operator=(const Bus&) = delete;

  uint64_t ram_size() const { return ram_size_; }
  uint8_t* ram() { return ram_; }

  // Maps a ROM image (a copy is kept) at [base, base+size); size is rounded up
  // to whole pages. Replaces whatever was mapped there.
  void map_rom(uint64_t base, const uint8_t* data, size_t size);
  // Maps an MMIO handler over [base, base+size) (page granular).
  void map_mmio(uint64_t base, uint64_t size, MmioHandler* h);
  // Attaches a handler to ports [first, first+count).
  void map_io(uint16_t first, unsigned count, IoHandler* h);

  // Page classification for a physical address (beyond 4 GiB: Unmapped).
  PageKind page_kind(uint64_t paddr) const {
    uint64_t pn = paddr >> PAGE_SHIFT;
    return pn < kinds_.size() ? kinds_[pn] : PageKind::Unmapped;
  }
  // Host pointer for a RAM or ROM page (nullptr for MMIO/unmapped).
  uint8_t* page_host(uint64_t paddr) const {
    uint64_t pn = paddr >> PAGE_SHIFT;
    return pn < hosts_.size() ? hosts_[pn] : nullptr;
  }

  // Slow-path physical accesses (size 1, 2, 4 or 8; may cross pages).
  uint64_t read(uint64_t paddr, unsigned size);
  void write(uint64_t paddr, uint64_t value, unsigned size);
  // Bulk copies for loaders and debuggers; return false if any byte is not RAM/ROM.
  bool copy_to(uint64_t paddr, const void* src, size_t n, bool allow_rom = false);
  bool copy_from(uint64_t paddr, void* dst, size_t n) const;

  uint32_t io_read(uint16_t port, unsigned size) {
    ++io_accesses_;
    const uint32_t v = io_dispatch_read(port, size);
    if (after_io) after_io();
    return v;
  }
  void io_write(uint16_t port, uint32_t value, unsigned size) {
    ++io_accesses_;
    io_dispatch_write(port, value, size);
    if (after_io) after_io();
  }
  // I/O instructions' port accesses so far (an ISA bus cycle takes time: the
  // machine's clock charges each one, see Machine::IO_NS).
  uint64_t io_accesses() const { return io_accesses_; }
  // Called after every port access (the machine checks whether the time the
  // access took reached the next event).
  std::function<void()> after_io;

  // Code pages (self-modifying code detection).
  bool is_code_page(uint64_t paddr) const {
    uint64_t pn = paddr >> PAGE_SHIFT;
    return pn < code_.size() && code_[pn];
  }
  void set_code_page(uint64_t paddr, bool on);
  // Called (with the page number) when a slow-path write hits a code page.
  std::function<void(uint64_t page)> on_code_write;

 private:
  uint8_t* ram_ = nullptr;
  uint64_t ram_size_ = 0;
  std::vector<PageKind> kinds_;
  std::vector<uint8_t*> hosts_;
  std::vector<uint8_t> code_;
  struct MmioRange {
    uint64_t base, size;
    MmioHandler* h;
  };
  std::vector<MmioRange> mmio_;
  std::vector<std::unique_ptr<uint8_t[]>> roms_;
  IoHandler* io_[65536] = {};

  MmioRange* find_mmio(uint64_t paddr);
  bool io_single_handler(uint16_t port, unsigned size) const;
  uint32_t io_dispatch_read(uint16_t port, unsigned size);
  void io_dispatch_write(uint16_t port, uint32_t value, unsigned size);
  uint64_t io_accesses_ = 0;
  uint8_t read8_slow(uint64_t paddr);
  void write8_slow(uint64_t paddr, uint8_t v);
};

}  // namespace xlat::core
