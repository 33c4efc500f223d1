// Direct Linux boot: the x86 boot protocol (Documentation/x86/boot.rst,
// protocol 2.02+) for bzImage kernels, 32-bit entry.
//
// The real-mode setup code is not run. The loader fills the "zero page"
// (struct boot_params) itself: a copy of the image's setup header with the
// loader fields set, the command line, the initrd location and an E820 map;
// loads the protected-mode kernel at 1 MiB and enters it at code32_start in
// flat 32-bit protected mode with ESI pointing at the zero page, as a boot
// loader using the 32-bit protocol does.
#include <cstring>
#include <stdexcept>

#include "bios/loaders/loaders.hpp"

namespace xlat::boot {

namespace {
constexpr uint32_t ZERO_PAGE = 0x10000;
constexpr uint32_t CMDLINE = 0x20000;
constexpr uint32_t KERNEL_ADDR = 0x100000;

// Offsets in the setup header / boot_params.
constexpr unsigned OFF_E820_ENTRIES = 0x1E8, OFF_SETUP_SECTS = 0x1F1, OFF_VID_MODE = 0x1FA,
                   OFF_BOOT_FLAG = 0x1FE, OFF_HEADER = 0x202, OFF_VERSION = 0x206,
                   OFF_TYPE_OF_LOADER = 0x210, OFF_LOADFLAGS = 0x211, OFF_CODE32_START = 0x214,
                   OFF_RAMDISK_IMAGE = 0x218, OFF_RAMDISK_SIZE = 0x21C, OFF_HEAP_END_PTR = 0x224,
                   OFF_CMD_LINE_PTR = 0x228, OFF_INITRD_ADDR_MAX = 0x22C, OFF_CMDLINE_SIZE = 0x238,
                   OFF_E820_TABLE = 0x2D0;
constexpr uint8_t LOADED_HIGH = 0x01, CAN_USE_HEAP = 0x80;

template <typename T>
T get(const std::vector<uint8_t>& v, size_t off) {
  T x{};
  if (off + sizeof(T) <= v.size()) std::memcpy(&x, v.data() + off, sizeof(T));
  return x;
}
template <typename T>
void put(std::vector<uint8_t>& v, size_t off, T x) {
  std::memcpy(v.data() + off, &x, sizeof(T));
}
}  // namespace

bool is_linux_bzimage(const std::vector<uint8_t>& img) {
  return img.size() > 0x300 && get<uint16_t>(img, OFF_BOOT_FLAG) == 0xAA55 &&
         std::memcmp(img.data() + OFF_HEADER, "HdrS", 4) == 0;
}

void load_linux(core::Machine& m, const std::vector<uint8_t>& img, const std::vector<uint8_t>& initrd,
                const std::string& cmdline) {
  if (!is_linux_bzimage(img)) throw std::runtime_error("not a Linux bzImage (no HdrS setup header)");
  const uint16_t version = get<uint16_t>(img, OFF_VERSION);
  if (version < 0x0202)
    throw std::runtime_error("Linux boot protocol " + std::to_string(version >> 8) + "." +
                             std::to_string(version & 0xFF) + " is too old (need 2.02+)");
  if (!(get<uint8_t>(img, OFF_LOADFLAGS) & LOADED_HIGH))
    throw std::runtime_error("zImage kernels (not loaded high) are not supported; use a bzImage");
  unsigned setup_sects = get<uint8_t>(img, OFF_SETUP_SECTS);
  if (setup_sects == 0) setup_sects = 4;
  const size_t kernel_off = size_t(setup_sects + 1) * 512;
  if (kernel_off >= img.size()) throw std::runtime_error("bzImage is truncated (no protected-mode kernel)");
  const size_t kernel_size = img.size() - kernel_off;
  const uint64_t ram = m.bus.ram_size();
  if (KERNEL_ADDR + kernel_size * 4 > ram)
    throw std::runtime_error("guest RAM is too small for this kernel (use -m)");

  const uint32_t cmdline_max = version >= 0x0206 ? get<uint32_t>(img, OFF_CMDLINE_SIZE) : 255;
  if (cmdline.size() > cmdline_max)
    throw std::runtime_error("kernel command line is longer than the kernel accepts (" +
                             std::to_string(cmdline_max) + " bytes)");

  // The zero page: the setup header as the image has it, then loader fields.
  std::vector<uint8_t> zp(4096, 0);
  const size_t hdr_end = 0x202 + get<uint8_t>(img, 0x201);
  std::memcpy(zp.data() + OFF_SETUP_SECTS, img.data() + OFF_SETUP_SECTS,
              std::min(hdr_end, img.size()) - OFF_SETUP_SECTS);
  put<uint16_t>(zp, OFF_VID_MODE, 0xFFFF);  // "normal"
  put<uint8_t>(zp, OFF_TYPE_OF_LOADER, 0xFF);
  put<uint8_t>(zp, OFF_LOADFLAGS, uint8_t(get<uint8_t>(zp, OFF_LOADFLAGS) | CAN_USE_HEAP));
  put<uint16_t>(zp, OFF_HEAP_END_PTR, 0xFE00);
  put<uint32_t>(zp, OFF_CMD_LINE_PTR, CMDLINE);

  if (!initrd.empty()) {
    uint64_t max = version >= 0x0203 ? get<uint32_t>(img, OFF_INITRD_ADDR_MAX) : 0x37FFFFFF;
    uint64_t top = std::min<uint64_t>(ram, max + 1);
    uint64_t addr = (top - initrd.size()) & ~0xFFFull;
    if (top < initrd.size() || addr < KERNEL_ADDR + kernel_size * 4)
      throw std::runtime_error("guest RAM is too small for the kernel and the initrd (use -m)");
    if (!m.bus.copy_to(addr, initrd.data(), initrd.size())) throw std::runtime_error("initrd does not fit in RAM");
    put<uint32_t>(zp, OFF_RAMDISK_IMAGE, uint32_t(addr));
    put<uint32_t>(zp, OFF_RAMDISK_SIZE, uint32_t(initrd.size()));
  }

  // E820: conventional memory, the EBDA/ROM hole, extended memory.
  struct E820 {
    uint64_t addr, size;
    uint32_t type;
  } __attribute__((packed));
  const E820 map[] = {{0, 0x9FC00, 1}, {0x9FC00, 0x400, 2}, {0xF0000, 0x10000, 2},
                      {0x100000, ram - 0x100000, 1}};
  std::memcpy(zp.data() + OFF_E820_TABLE, map, sizeof(map));
  put<uint8_t>(zp, OFF_E820_ENTRIES, uint8_t(std::size(map)));

  m.cpu.reset();
  if (!m.bus.copy_to(KERNEL_ADDR, img.data() + kernel_off, kernel_size) ||
      !m.bus.copy_to(ZERO_PAGE, zp.data(), zp.size()) ||
      !m.bus.copy_to(CMDLINE, cmdline.c_str(), cmdline.size() + 1))
    throw std::runtime_error("kernel does not fit in guest RAM");

  const uint32_t entry = get<uint32_t>(img, OFF_CODE32_START);
  enter_flat_protected_mode(m, entry ? entry : KERNEL_ADDR);
  m.cpu.s.gpr[core::ESI] = ZERO_PAGE;
  m.cpu.s.gpr[core::EBP] = 0;
  m.cpu.s.gpr[core::EDI] = 0;
  m.cpu.s.gpr[core::EBX] = 0;
}

}  // namespace xlat::boot
