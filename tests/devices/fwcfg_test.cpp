// QEMU's fw_cfg interface driven through its ports as firmware does (QEMU's
// docs/specs/fw_cfg): signature, feature bits, little-endian numbers, the
// big-endian file directory, file contents, reads past the end.
#include "devices/fwcfg/fw_cfg.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace xlat::dev;

namespace {

std::vector<uint8_t> read_item(FwCfg& f, uint16_t key, size_t n) {
  f.io_write(FwCfg::SELECTOR_PORT, key, 2);
  std::vector<uint8_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(uint8_t(f.io_read(FwCfg::DATA_PORT, 1)));
  return out;
}

}  // namespace

TEST_CASE("fw_cfg: signature, numbers, file directory and files", "[fwcfg]") {
  FwCfg f(128u << 20);
  f.add_file("etc/sercon-port", {0xF8, 0x03});
  f.add_file("vgaroms/vgabios-isavga.bin", std::vector<uint8_t>(1000, 0x55));
  CHECK(read_item(f, FwCfg::SIGNATURE, 5) == std::vector<uint8_t>{'Q', 'E', 'M', 'U', 0});
  CHECK(read_item(f, FwCfg::ID, 4) == std::vector<uint8_t>{1, 0, 0, 0});
  CHECK(read_item(f, FwCfg::RAM_SIZE, 8) == std::vector<uint8_t>{0, 0, 0, 8, 0, 0, 0, 0});
  CHECK(read_item(f, FwCfg::NB_CPUS, 2) == std::vector<uint8_t>{1, 0});
  const auto dir = read_item(f, FwCfg::FILE_DIR, 4 + 2 * 64);
  CHECK(std::vector<uint8_t>(dir.begin(), dir.begin() + 4) == std::vector<uint8_t>{0, 0, 0, 2});
  // entry 2: size 1000 (big-endian), selector 0x0021, name
  const uint8_t* e = dir.data() + 4 + 64;
  CHECK(std::vector<uint8_t>(e, e + 8) == std::vector<uint8_t>{0, 0, 0x03, 0xE8, 0x00, 0x21, 0, 0});
  CHECK(std::string(reinterpret_cast<const char*>(e + 8)) == "vgaroms/vgabios-isavga.bin");
  CHECK(read_item(f, 0x20, 3) == std::vector<uint8_t>{0xF8, 0x03, 0});  // past the end: 0
  const auto rom = read_item(f, 0x21, 1001);
  CHECK(rom[999] == 0x55);
  CHECK(rom[1000] == 0);
  CHECK(read_item(f, 0x8003, 2) == std::vector<uint8_t>{0, 0});  // architecture-local: none here
  CHECK(read_item(f, 0x4000 | FwCfg::SIGNATURE, 1) == std::vector<uint8_t>{'Q'});  // the write bit names the same item
  CHECK_THROWS(f.add_file(std::string(56, 'x'), {}));
}
