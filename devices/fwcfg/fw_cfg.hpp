// QEMU's firmware configuration interface ("fw_cfg"), the port-I/O form at
// 0x510 (selector, 16-bit write) and 0x511 (data, byte reads), as QEMU's
// docs/specs/fw_cfg describes it. It exists so that firmware built for QEMU
// (Debian's SeaBIOS, `-bios bios.bin`) finds what it looks for there: the
// VGA BIOS to run ("vgaroms/..."), a serial console ("etc/sercon-port"),
// the boot order. xlat's own BIOS does not use it; the board maps it only
// for a foreign firmware.
//
// Items: 0x0000 signature "QEMU", 0x0001 feature bits (1: the traditional
// interface only, no DMA), 0x0005 CPUs present and 0x000F CPUs possible
// (1), 0x0003 RAM size (u64), 0x0019 the file directory (big-endian count,
// then per file: size, selector, reserved, a 56-byte name), files from
// 0x0020 on. Reading past an item's end, or an unknown item, gives 0;
// writes to the data port are ignored.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/bus.hpp"

namespace xlat::dev {

class FwCfg final : public core::IoHandler {
 public:
  static constexpr uint16_t SELECTOR_PORT = 0x510, DATA_PORT = 0x511;
  static constexpr uint16_t SIGNATURE = 0x00, ID = 0x01, RAM_SIZE = 0x03, NB_CPUS = 0x05, MAX_CPUS = 0x0F,
                            FILE_DIR = 0x19, FILE_FIRST = 0x20;

  explicit FwCfg(uint64_t ram_bytes);
  // Adds a named file (name: at most 55 characters).
  void add_file(const std::string& name, std::vector<uint8_t> data);
  void reset() { select(0); }

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;

 private:
  void select(uint16_t key);
  void set_item(uint16_t key, std::vector<uint8_t> data);
  void rebuild_dir();

  struct File {
    std::string name;
    uint16_t key;
  };
  std::vector<std::vector<uint8_t>> items_;  // by key
  std::vector<File> files_;
  uint16_t key_ = 0;
  uint32_t offset_ = 0;
};

}  // namespace xlat::dev
