// IDE channel driven through its ports as a driver would: an ATA disk over a
// temporary image file (IDENTIFY, PIO reads and writes with CHS, LBA28 and
// LBA48, multiple mode, errors) and an ATAPI CD-ROM (signature, PACKET
// protocol, INQUIRY, READ CAPACITY, READ(10) in byte-count-limited chunks,
// TOC, sense). Expected values come from ATA/ATAPI-6 and SPC/MMC.
#include "devices/ide/ide.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/bus.hpp"
#include "tests/support/temp_image.hpp"

using namespace xlat;
using namespace xlat::dev;
using xlat::test::TempImage;
using xlat::test::pattern;

namespace {

struct Rig {
  core::Bus bus{1 << 20};
  IdeChannel ch{0x1F0, 0x3F6};
  unsigned irqs = 0;
  Rig() {
    bus.map_io(0x1F0, 8, &ch);
    bus.map_io(0x3F6, 1, &ch);
    ch.irq.connect([this](bool l) { irqs += l; });
  }
  void attach(unsigned unit, const std::string& path, Media m, bool ro = false) {
    std::string err;
    auto img = DiskImage::open(path, m, ro, &err);
    REQUIRE(img);
    ch.attach(unit, std::move(img), m);
  }
  void out(uint16_t p, uint8_t v) { bus.io_write(p, v, 1); }
  uint8_t in(uint16_t p) { return uint8_t(bus.io_read(p, 1)); }
  uint16_t inw() { return uint16_t(bus.io_read(0x1F0, 2)); }
  void outw(uint16_t v) { bus.io_write(0x1F0, v, 2); }
  std::vector<uint8_t> read_bytes(size_t n) {
    std::vector<uint8_t> v;
    for (size_t i = 0; i < n; i += 2) {
      uint16_t w = inw();
      v.push_back(uint8_t(w)), v.push_back(uint8_t(w >> 8));
    }
    return v;
  }
  void lba28(uint32_t lba, uint8_t count, uint8_t unit = 0) {
    out(0x1F6, uint8_t(0xE0 | unit << 4 | (lba >> 24)));
    out(0x1F2, count);
    out(0x1F3, uint8_t(lba)), out(0x1F4, uint8_t(lba >> 8)), out(0x1F5, uint8_t(lba >> 16));
  }
  void lba48(uint64_t lba, uint16_t count) {
    out(0x1F6, 0x40);
    out(0x1F2, uint8_t(count >> 8)), out(0x1F3, uint8_t(lba >> 24)), out(0x1F4, uint8_t(lba >> 32)),
        out(0x1F5, uint8_t(lba >> 40));
    out(0x1F2, uint8_t(count)), out(0x1F3, uint8_t(lba)), out(0x1F4, uint8_t(lba >> 8)), out(0x1F5, uint8_t(lba >> 16));
  }
  // Sends a 12-byte ATAPI packet with a byte count limit.
  void packet(std::vector<uint8_t> cdb, uint16_t limit = 0xFFFE) {
    cdb.resize(12);
    out(0x1F1, 0);
    out(0x1F4, uint8_t(limit)), out(0x1F5, uint8_t(limit >> 8));
    out(0x1F7, 0xA0);
    REQUIRE((in(0x3F6) & (ata::BSY | ata::DRQ)) == ata::DRQ);
    REQUIRE(in(0x1F2) == 0x01);  // CoD
    for (unsigned i = 0; i < 12; i += 2) outw(uint16_t(cdb[i] | cdb[i + 1] << 8));
  }
  // Reads a whole data-in reply, chunk by chunk.
  std::vector<uint8_t> packet_data() {
    std::vector<uint8_t> v;
    while (in(0x3F6) & ata::DRQ) {
      REQUIRE(in(0x1F2) == 0x02);  // IO
      const unsigned n = in(0x1F4) | in(0x1F5) << 8;
      auto part = read_bytes(n);
      part.resize(n);
      v.insert(v.end(), part.begin(), part.end());
      in(0x1F7);
    }
    return v;
  }
};

}  // namespace

TEST_CASE("ide: ATA disk signature and IDENTIFY", "[ide]") {
  TempImage img(1008 * 512 * 20);  // 20 cylinders of 16 heads x 63 sectors
  Rig r;
  r.attach(0, img.path, Media::Disk);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  CHECK(r.in(0x1F2) == 1);
  CHECK(r.in(0x1F3) == 1);
  CHECK(r.in(0x1F4) == 0);
  CHECK(r.in(0x1F5) == 0);
  r.out(0x1F6, 0xA0);
  r.out(0x1F7, 0xEC);
  CHECK(r.irqs == 1);
  CHECK(r.in(0x3F6) == (ata::DRDY | ata::DSC | ata::DRQ));
  auto id = r.read_bytes(512);
  auto word = [&](unsigned w) { return unsigned(id[2 * w] | id[2 * w + 1] << 8); };
  CHECK(word(0) == 0x0040);
  CHECK(word(1) == 20);
  CHECK(word(3) == 16);
  CHECK(word(6) == 63);
  CHECK((word(49) & 0x0200) != 0);
  CHECK((word(60) | word(61) << 16) == 20 * 1008);
  CHECK((word(83) & 0x0400) != 0);  // 48-bit
  CHECK(word(100) == 20 * 1008);
  CHECK(std::string(reinterpret_cast<char*>(&id[54]), 4) == "LXTA");  // "XLAT", first character of each word in its high byte
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  // A slave that is not there reads as 0 with a master present.
  r.out(0x1F6, 0xB0);
  CHECK(r.in(0x1F7) == 0);
}

TEST_CASE("ide: an empty channel floats (0xFF)", "[ide]") {
  Rig r;
  CHECK(r.in(0x1F7) == 0xFF);
  CHECK(r.in(0x3F6) == 0xFF);
}

TEST_CASE("ide: PIO reads with LBA28, CHS and LBA48, one interrupt per sector", "[ide]") {
  TempImage img(1008 * 512 * 4);
  Rig r;
  r.attach(0, img.path, Media::Disk);
  r.lba28(100, 3);
  r.out(0x1F7, 0x20);
  for (unsigned s = 0; s < 3; ++s) {
    CHECK(r.irqs == s + 1);
    CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC | ata::DRQ));
    auto data = r.read_bytes(512);
    for (unsigned i = 0; i < 512; i += 97) CHECK(data[i] == pattern((100 + s) * 512 + i));
  }
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  // The registers end on the last sector transferred.
  CHECK(r.in(0x1F3) == 102);

  // CHS: cylinder 1, head 2, sector 5 = (1*16+2)*63+4 = 1138.
  r.out(0x1F6, 0xA2), r.out(0x1F2, 1), r.out(0x1F3, 5), r.out(0x1F4, 1), r.out(0x1F5, 0);
  r.out(0x1F7, 0x20);
  auto chs = r.read_bytes(512);
  CHECK(chs[3] == pattern(1138 * 512 + 3));

  // LBA48 with a 32-bit data port read.
  r.lba48(2000, 1);
  r.out(0x1F7, 0x24);
  const uint32_t dw = r.bus.io_read(0x1F0, 4);
  CHECK(dw == uint32_t(pattern(2000 * 512) | pattern(2000 * 512 + 1) << 8 | pattern(2000 * 512 + 2) << 16 |
                       pattern(2000 * 512 + 3) << 24));
  r.out(0x3F6, ata::HOB);
  CHECK(r.in(0x1F3) == 0);  // HOB byte of LBA 2000
  r.out(0x3F6, 0);
  CHECK(r.in(0x1F3) == (2000 & 0xFF));
}

TEST_CASE("ide: out-of-range LBA and unknown commands set ERR", "[ide]") {
  TempImage img(512 * 64);
  Rig r;
  r.attach(0, img.path, Media::Disk);
  r.lba28(63, 2);
  r.out(0x1F7, 0x20);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC | ata::ERR));
  CHECK(r.in(0x1F1) == ata::IDNF);
  r.lba48(1ull << 40, 1);
  r.out(0x1F7, 0x24);
  CHECK(r.in(0x1F1) == ata::IDNF);
  r.out(0x1F7, 0xFF);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC | ata::ERR));
  CHECK(r.in(0x1F1) == ata::ABRT);
  // READ MULTIPLE before SET MULTIPLE MODE is aborted.
  r.lba28(0, 1);
  r.out(0x1F7, 0xC4);
  CHECK(r.in(0x1F1) == ata::ABRT);
}

TEST_CASE("ide: writes reach the image file; multiple mode; nIEN masks INTRQ", "[ide]") {
  TempImage img(512 * 64);
  Rig r;
  r.attach(0, img.path, Media::Disk);
  r.lba28(5, 2);
  r.out(0x1F7, 0x30);
  CHECK(r.irqs == 0);  // no interrupt before the first block
  for (unsigned s = 0; s < 2; ++s) {
    REQUIRE(r.in(0x3F6) & ata::DRQ);
    for (unsigned i = 0; i < 256; ++i) r.outw(uint16_t(0xA500 + s * 256 + i));
    CHECK(r.irqs == s + 1);
    r.in(0x1F7);  // the driver's interrupt handler reads the status
  }
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  r.out(0x1F7, 0xE7);  // FLUSH CACHE
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  auto file = img.contents();
  CHECK(file[5 * 512] == 0x00);
  CHECK(file[5 * 512 + 1] == 0xA5);
  CHECK(file[6 * 512 + 2] == 0x01);
  CHECK(file[6 * 512 + 3] == 0xA6);
  CHECK(file[4 * 512 + 7] == pattern(4 * 512 + 7));

  // SET MULTIPLE MODE 4, READ MULTIPLE of 6 sectors: blocks of 4 then 2.
  r.out(0x1F2, 4);
  r.out(0x1F7, 0xC6);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  const unsigned before = r.irqs;
  r.lba28(10, 6);
  r.out(0x1F7, 0xC4);
  r.in(0x1F7);
  auto blk = r.read_bytes(4 * 512);
  CHECK(blk[3 * 512 + 1] == pattern(13 * 512 + 1));
  CHECK(r.irqs == before + 2);
  CHECK(r.in(0x1F7) & ata::DRQ);
  r.read_bytes(2 * 512);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));

  r.out(0x3F6, ata::NIEN);
  const unsigned masked = r.irqs;
  r.out(0x1F7, 0xE7);
  CHECK(r.irqs == masked);
  CHECK(!r.ch.irq.level());
}

TEST_CASE("ide: a read-only disk aborts writes", "[ide]") {
  TempImage img(512 * 8);
  Rig r;
  r.attach(0, img.path, Media::Disk, true);
  r.lba28(1, 1);
  r.out(0x1F7, 0x30);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC | ata::ERR));
  CHECK(r.in(0x1F1) == ata::ABRT);
}

TEST_CASE("ide: software reset restores the signatures", "[ide]") {
  TempImage disk(512 * 64), cd(2048 * 4, 2048);
  Rig r;
  r.attach(0, disk.path, Media::Disk);
  r.attach(1, cd.path, Media::Cdrom);
  r.lba28(3, 9);
  r.out(0x3F6, ata::SRST);
  CHECK(r.in(0x3F6) & ata::BSY);
  r.out(0x3F6, 0);
  CHECK(r.in(0x1F6) == 0x00);
  CHECK(r.in(0x1F4) == 0x00);
  CHECK(r.in(0x1F1) == 0x01);
  r.out(0x1F6, 0xB0);
  CHECK(r.in(0x1F4) == 0x14);
  CHECK(r.in(0x1F5) == 0xEB);
  CHECK(r.in(0x1F7) == 0x00);
}

TEST_CASE("ide: ATAPI CD-ROM identify and packet commands", "[ide]") {
  TempImage cd(2048 * 40, 2048);
  Rig r;
  r.attach(0, cd.path, Media::Cdrom);
  CHECK(r.in(0x1F4) == 0x14);
  CHECK(r.in(0x1F5) == 0xEB);
  // IDENTIFY DEVICE is aborted (and keeps the signature); IDENTIFY PACKET works.
  r.out(0x1F7, 0xEC);
  CHECK(r.in(0x1F7) & ata::ERR);
  CHECK(r.in(0x1F1) == ata::ABRT);
  CHECK(r.in(0x1F5) == 0xEB);
  r.out(0x1F7, 0xA1);
  auto id = r.read_bytes(512);
  CHECK((id[0] | id[1] << 8) == 0x85C0);

  r.packet({0x00});  // TEST UNIT READY
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));
  CHECK(r.in(0x1F2) == 0x03);

  r.packet({0x12, 0, 0, 0, 36});
  auto inq = r.packet_data();
  REQUIRE(inq.size() == 36);
  CHECK(inq[0] == 0x05);
  CHECK((inq[1] & 0x80) != 0);
  CHECK(r.in(0x1F2) == 0x03);

  r.packet({0x25});
  auto cap = r.packet_data();
  REQUIRE(cap.size() == 8);
  CHECK((cap[0] << 24 | cap[1] << 16 | cap[2] << 8 | cap[3]) == 39);
  CHECK((cap[4] << 24 | cap[5] << 16 | cap[6] << 8 | cap[7]) == 2048);

  // READ(10) of 3 blocks from LBA 7 with a byte count limit of 2000: chunks
  // of at most 2000 bytes, an interrupt per chunk, then completion.
  const unsigned before = r.irqs;
  r.packet({0x28, 0, 0, 0, 0, 7, 0, 0, 3}, 2000);
  std::vector<unsigned> sizes;
  std::vector<uint8_t> data;
  while (r.in(0x3F6) & ata::DRQ) {
    const unsigned n = r.in(0x1F4) | r.in(0x1F5) << 8;
    sizes.push_back(n);
    r.in(0x1F7);  // acknowledge the chunk's interrupt
    auto part = r.read_bytes(n);
    data.insert(data.end(), part.begin(), part.end());
  }
  CHECK(sizes == std::vector<unsigned>{2000, 2000, 2000, 144});
  REQUIRE(data.size() == 6144);
  for (unsigned i = 0; i < 6144; i += 511) CHECK(data[i] == pattern(7 * 2048 + i, 2048));
  CHECK(r.irqs == before + 5);
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC));

  // Out of range: CHECK CONDITION, ILLEGAL REQUEST / LBA out of range.
  r.packet({0x28, 0, 0, 0, 0, 39, 0, 0, 2});
  CHECK(r.in(0x1F7) == (ata::DRDY | ata::DSC | ata::ERR));
  CHECK(r.in(0x1F1) == (0x50 | ata::ABRT));
  r.packet({0x03, 0, 0, 0, 18});
  auto sense = r.packet_data();
  REQUIRE(sense.size() == 18);
  CHECK(sense[0] == 0x70);
  CHECK(sense[2] == 0x05);
  CHECK(sense[12] == 0x21);

  // READ TOC format 0, LBA: track 1 at 0, lead-out at 40.
  r.packet({0x43, 0, 0, 0, 0, 0, 0, 0, 100});
  auto toc = r.packet_data();
  REQUIRE(toc.size() == 20);
  CHECK(toc[1] == 18);
  CHECK(toc[2] == 1);
  CHECK(toc[3] == 1);
  CHECK(toc[6] == 1);
  CHECK(toc[14] == 0xAA);
  CHECK(toc[19] == 40);
  // ... and in MSF: the lead-out at 40 + 150 frames = 00:02:40.
  r.packet({0x43, 0x02, 0, 0, 0, 0, 0, 0, 100});
  toc = r.packet_data();
  REQUIRE(toc.size() == 20);
  CHECK(toc[17] == 0);
  CHECK(toc[18] == 2);
  CHECK(toc[19] == 40);

  r.packet({0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 64});
  auto ms = r.packet_data();
  REQUIRE(ms.size() >= 10);
  CHECK(ms[8] == 0x2A);

  r.packet({0xFF});
  CHECK(r.in(0x1F1) == (0x50 | ata::ABRT));
}

TEST_CASE("ide: image errors are messages", "[ide]") {
  std::string err;
  CHECK(!DiskImage::open("/nonexistent/xlat.img", Media::Disk, false, &err));
  CHECK(err.find("cannot open") != std::string::npos);
  TempImage odd(1000);
  CHECK(!DiskImage::open(odd.path, Media::Disk, false, &err));
  CHECK(err.find("multiple of 512") != std::string::npos);
  TempImage notcd(512 * 3);
  CHECK(!DiskImage::open(notcd.path, Media::Cdrom, true, &err));
  CHECK(err.find("2048") != std::string::npos);
  CHECK(!DiskImage::open(odd.path, Media::Floppy, false, &err));
  CHECK(err.find("floppy") != std::string::npos);
}
