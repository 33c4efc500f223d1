// Multiboot v1 loader (Multiboot Specification 0.6.96).
#include <cstring>
#include <stdexcept>

#include "bios/loaders/loaders.hpp"

namespace xlat::boot {

namespace {
constexpr uint32_t MB_MAGIC = 0x1BADB002;
constexpr uint32_t MB_BOOT_MAGIC = 0x2BADB002;
constexpr uint32_t INFO_ADDR = 0x9000;   // multiboot_info
constexpr uint32_t MMAP_ADDR = 0x9100;   // memory map entries
constexpr uint32_t CMDLINE_ADDR = 0x9400;
constexpr uint32_t NAME_ADDR = 0x9300;

template <typename T>
T get(const std::vector<uint8_t>& v, size_t off) {
  if (off + sizeof(T) > v.size()) throw std::runtime_error("multiboot image is truncated");
  T x;
  std::memcpy(&x, v.data() + off, sizeof(T));
  return x;
}

long find_header(const std::vector<uint8_t>& img) {
  for (size_t off = 0; off + 12 <= img.size() && off < 8192; off += 4) {
    uint32_t magic, flags, sum;
    std::memcpy(&magic, &img[off], 4);
    if (magic != MB_MAGIC) continue;
    std::memcpy(&flags, &img[off + 4], 4);
    std::memcpy(&sum, &img[off + 8], 4);
    if (uint32_t(magic + flags + sum) == 0) return long(off);
  }
  return -1;
}

void put32(core::Machine& m, uint32_t addr, uint32_t v) { m.bus.copy_to(addr, &v, 4); }

}  // namespace

bool is_multiboot(const std::vector<uint8_t>& image) { return find_header(image) >= 0; }

void enter_flat_protected_mode(core::Cpu& c, uint32_t eip) {
  using namespace core;
  c.s.cr0 = cr0::PE | cr0::ET;
  c.s.eflags = fl::FIXED1;
  c.s.lf.op = LF_NONE;
  c.s.cpl = 0;
  for (unsigned s = 0; s < 6; ++s) {
    Segment& g = c.s.seg[s];
    g.base = 0;
    g.limit = 0xFFFFFFFF;
    g.sel = s == CS ? 0x10 : 0x18;
    g.attr = seg_attr::P | seg_attr::S | seg_attr::DB | seg_attr::G | seg_attr::TYPE_RW |
             seg_attr::TYPE_ACCESSED | (s == CS ? seg_attr::TYPE_CODE : 0);
  }
  c.mode_changed();
  c.tlb_flush_all();
  c.s.eip = eip;
}

void enter_flat_protected_mode(core::Machine& m, uint32_t eip) {
  const uint64_t gdt[4] = {0, 0, 0x00CF9B000000FFFFull, 0x00CF93000000FFFFull};
  m.bus.copy_to(LOADER_GDT, gdt, sizeof(gdt));
  enter_flat_protected_mode(m.cpu, eip);
  m.cpu.s.gdtr.base = LOADER_GDT;
  m.cpu.s.gdtr.limit = sizeof(gdt) - 1;
}

void load_multiboot(core::Machine& m, const std::vector<uint8_t>& img, const std::string& cmdline) {
  const long hdr = find_header(img);
  if (hdr < 0) throw std::runtime_error("no multiboot header in the first 8 KiB");
  const uint32_t flags = get<uint32_t>(img, hdr + 4);
  if (flags & 0x0000FFF8)  // bits 0-2 (align, memory info, video) are understood
    throw std::runtime_error("multiboot header requires features this loader lacks (flags " +
                             std::to_string(flags) + ")");
  uint32_t entry;
  auto load = [&](uint32_t paddr, size_t file_off, size_t filesz, size_t memsz) {
    if (file_off + filesz > img.size()) throw std::runtime_error("multiboot segment beyond end of file");
    if (uint64_t(paddr) + memsz > m.bus.ram_size() || paddr < 0x100000 - 0x100000)
      throw std::runtime_error("multiboot segment does not fit in guest RAM (use -m)");
    if (!m.bus.copy_to(paddr, img.data() + file_off, filesz))
      throw std::runtime_error("multiboot segment overlaps non-RAM memory");
    std::vector<uint8_t> zero(memsz > filesz ? memsz - filesz : 0, 0);
    if (!zero.empty()) m.bus.copy_to(paddr + filesz, zero.data(), zero.size());
  };
  if (flags & (1u << 16)) {
    // a.out kludge: addresses in the header.
    const uint32_t header_addr = get<uint32_t>(img, hdr + 12), load_addr = get<uint32_t>(img, hdr + 16),
                   load_end = get<uint32_t>(img, hdr + 20), bss_end = get<uint32_t>(img, hdr + 24);
    entry = get<uint32_t>(img, hdr + 28);
    if (load_addr > header_addr) throw std::runtime_error("multiboot header: load_addr above header_addr");
    const size_t off = size_t(hdr) - (header_addr - load_addr);
    const size_t len = load_end ? load_end - load_addr : img.size() - off;
    const size_t memsz = bss_end ? bss_end - load_addr : len;
    load(load_addr, off, len, memsz < len ? len : memsz);
  } else {
    // ELF32, i386, executable: PT_LOAD segments at their physical addresses.
    if (img.size() < 52 || std::memcmp(img.data(), "\x7f" "ELF", 4) != 0 || img[4] != 1 || img[5] != 1)
      throw std::runtime_error("multiboot kernel is not a little-endian ELF32 file (and has no a.out kludge)");
    if (get<uint16_t>(img, 18) != 3) throw std::runtime_error("multiboot ELF is not for i386");
    entry = get<uint32_t>(img, 24);
    const uint32_t phoff = get<uint32_t>(img, 28);
    const uint16_t phentsize = get<uint16_t>(img, 42), phnum = get<uint16_t>(img, 44);
    unsigned loaded = 0;
    for (unsigned i = 0; i < phnum; ++i) {
      const size_t ph = phoff + size_t(i) * phentsize;
      if (get<uint32_t>(img, ph) != 1) continue;  // PT_LOAD
      load(get<uint32_t>(img, ph + 12), get<uint32_t>(img, ph + 4), get<uint32_t>(img, ph + 16),
           get<uint32_t>(img, ph + 20));
      ++loaded;
    }
    if (!loaded) throw std::runtime_error("multiboot ELF has no loadable segments");
  }

  // The multiboot information structure.
  const uint64_t ram = m.bus.ram_size();
  uint8_t info[88] = {};
  auto set = [&](unsigned off, uint32_t v) { std::memcpy(info + off, &v, 4); };
  uint32_t iflags = 1u << 0 | 1u << 2 | 1u << 6 | 1u << 9;
  set(4, 640);                                         // mem_lower (KiB)
  set(8, uint32_t((ram - 0x100000) / 1024));           // mem_upper (KiB above 1 MiB)
  set(16, CMDLINE_ADDR);
  std::string cl = cmdline.substr(0, 0xB00);
  m.bus.copy_to(CMDLINE_ADDR, cl.c_str(), cl.size() + 1);
  struct Entry {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
  } __attribute__((packed));
  Entry map[2] = {{20, 0, 0x9FC00, 1}, {20, 0x100000, ram - 0x100000, 1}};
  m.bus.copy_to(MMAP_ADDR, map, sizeof(map));
  set(44, sizeof(map));
  set(48, MMAP_ADDR);
  static const char name[] = "xlat";
  m.bus.copy_to(NAME_ADDR, name, sizeof(name));
  set(64, NAME_ADDR);
  set(0, iflags);
  m.bus.copy_to(INFO_ADDR, info, sizeof(info));
  (void)put32;

  core::Cpu& c = m.cpu;
  c.reset();
  enter_flat_protected_mode(m, entry);
  c.s.gpr[core::EAX] = MB_BOOT_MAGIC;
  c.s.gpr[core::EBX] = INFO_ADDR;
}

}  // namespace xlat::boot
