// The floppy controller and the ISA DMA driven through their ports, as a
// BIOS or Linux's floppy driver drives them: reset and its four polling
// interrupts, the identification commands Linux's probe sends, recalibrate
// and seek, READ/WRITE DATA through DMA channel 2 (multi-track, terminal
// count, end of track), FORMAT TRACK, the data-rate and ID checks, disk
// change, write protection, short images. Expected values come from the
// 82077AA and 8237A data sheets.
#include "devices/fdc/fdc.hpp"

#include <catch2/catch.hpp>
#include <cstring>
#include <vector>

#include "core/bus.hpp"
#include "devices/dma8237/dma8237.hpp"
#include "tests/support/temp_image.hpp"

using namespace xlat;
using namespace xlat::dev;
using xlat::test::pattern;
using xlat::test::TempImage;

namespace {

constexpr uint64_t F144 = 1474560;

struct Rig {
  core::Bus bus{1 << 20};
  Dma8237 dma{bus};
  Fdc82077 fdc{dma};
  bool irq = false;
  unsigned irqs = 0;
  Rig() {
    bus.map_io(0x00, 16, &dma);
    bus.map_io(0x81, 15, &dma);
    bus.map_io(0xC0, 32, &dma);
    bus.map_io(0x3F0, 6, &fdc);
    bus.map_io(0x3F7, 1, &fdc);
    fdc.irq.connect([this](bool l) {
      irq = l;
      irqs += l;
    });
  }
  void out(uint16_t port, uint8_t v) { bus.io_write(port, v, 1); }
  uint8_t in(uint16_t port) { return uint8_t(bus.io_read(port, 1)); }
  void insert(unsigned unit, const std::string& path, bool ro = false) {
    std::string err;
    auto img = DiskImage::open(path, Media::Floppy, ro, &err);
    REQUIRE(img);
    fdc.attach(unit, std::move(img));
  }
  // Sends a command; returns its result bytes (checking the MSR handshake).
  std::vector<uint8_t> cmd(std::initializer_list<uint8_t> bytes) {
    unsigned i = 0;
    for (uint8_t b : bytes) {
      const uint8_t msr = in(0x3F4);
      REQUIRE((msr & 0xC0) == 0x80);        // RQM, host to controller
      REQUIRE(bool(msr & 0x10) == (i > 0));  // busy from the second byte on
      out(0x3F5, b);
      ++i;
    }
    std::vector<uint8_t> r;
    while ((in(0x3F4) & 0xD0) == 0xD0) r.push_back(in(0x3F5));
    REQUIRE(in(0x3F4) == 0x80);
    return r;
  }
  // DOR reset pulse with IRQ/DMA enabled, drive `unit` motor on; the four
  // polling interrupts are acknowledged.
  void reset(unsigned unit = 0) {
    out(0x3F2, 0x00);
    out(0x3F2, uint8_t(0x0C | unit | (0x10 << unit)));
    REQUIRE(irq);
    for (uint8_t d = 0; d < 4; ++d) REQUIRE(cmd({0x08}) == std::vector<uint8_t>{uint8_t(0xC0 | d), 0});
    REQUIRE_FALSE(irq);
    out(0x3F7, 0);  // 500 kb/s
  }
  // Channel 2 for `bytes` at `addr`; mode 0x46 (device -> memory) or 0x4A.
  void dma2(uint32_t addr, uint32_t bytes, uint8_t mode) {
    out(0x0A, 0x06);
    out(0x0C, 0);
    out(0x0B, mode);
    out(0x04, uint8_t(addr));
    out(0x04, uint8_t(addr >> 8));
    out(0x81, uint8_t(addr >> 16));
    out(0x05, uint8_t(bytes - 1));
    out(0x05, uint8_t((bytes - 1) >> 8));
    out(0x0A, 0x02);
  }
  void seek(unsigned unit, unsigned head, uint8_t cyl) {
    REQUIRE(cmd({0x0F, uint8_t(head << 2 | unit), cyl}).empty());
    REQUIRE(irq);
    REQUIRE(cmd({0x08}) == std::vector<uint8_t>{uint8_t(0x20 | head << 2 | unit), cyl});
    REQUIRE_FALSE(irq);
  }
};

uint64_t chs_offset(unsigned c, unsigned h, unsigned s) { return ((uint64_t(c) * 2 + h) * 18 + s - 1) * 512; }

}  // namespace

TEST_CASE("dma8237: channel 2 moves bytes to memory, counts to terminal count, then masks", "[dma]") {
  core::Bus bus(1 << 20);
  Dma8237 dma(bus);
  bus.map_io(0x00, 16, &dma);
  bus.map_io(0x81, 15, &dma);
  auto out = [&](uint16_t p, uint8_t v) { bus.io_write(p, v, 1); };
  auto in = [&](uint16_t p) { return uint8_t(bus.io_read(p, 1)); };
  const uint8_t data[6] = {1, 2, 3, 4, 5, 6};
  CHECK(dma.to_memory(2, data, 6) == 0);  // masked at reset
  out(0x0C, 0);
  out(0x0B, 0x46);
  out(0x04, 0xFE);
  out(0x04, 0xFF);  // address 0x1FFFE: wraps inside the page
  out(0x81, 0x01);
  out(0x05, 3);
  out(0x05, 0);  // 4 bytes
  out(0x0A, 0x02);
  CHECK(dma.ready(2, Dma8237::WRITE));
  CHECK(dma.remaining(2) == 4);
  CHECK(dma.to_memory(2, data, 6) == 4);  // stops at terminal count
  CHECK(bus.read(0x1FFFE, 1) == 1);
  CHECK(bus.read(0x1FFFF, 1) == 2);
  CHECK(bus.read(0x10000, 1) == 3);  // the page register does not count
  CHECK(bus.read(0x10001, 1) == 4);
  CHECK(bus.read(0x20000, 1) == 0);
  CHECK((in(0x08) & 0x04) == 0x04);  // TC of channel 2, cleared by the read
  CHECK((in(0x08) & 0x04) == 0);
  CHECK(!dma.ready(2, Dma8237::WRITE));  // masked at TC (no autoinit)
  out(0x0C, 0);
  CHECK(in(0x04) == 0x02);  // current address 0x0002 after the wrap
  CHECK(in(0x04) == 0x00);

  SECTION("autoinitialise reloads, decrement counts down") {
    out(0x0B, 0x76);  // single, decrement, autoinit, write, channel 2
    out(0x0C, 0);
    out(0x04, 0x10);
    out(0x04, 0x00);
    out(0x05, 1);
    out(0x05, 0);
    out(0x0A, 0x02);
    CHECK(dma.to_memory(2, data, 2) == 2);
    CHECK(bus.read(0x10010, 1) == 1);
    CHECK(bus.read(0x1000F, 1) == 2);
    CHECK(dma.ready(2, Dma8237::WRITE));  // still armed
    CHECK(dma.remaining(2) == 2);
  }
  SECTION("memory to device, and verify moves nothing") {
    bus.write(0x30000, 0x44332211, 4);
    out(0x0B, 0x4A);
    out(0x0C, 0);
    out(0x04, 0);
    out(0x04, 0);
    out(0x81, 3);
    out(0x05, 3);
    out(0x05, 0);
    out(0x0A, 0x02);
    CHECK(!dma.ready(2, Dma8237::WRITE));
    uint8_t got[4] = {};
    CHECK(dma.from_memory(2, got, 4) == 4);
    CHECK(got[0] == 0x11);
    CHECK(got[3] == 0x44);
    out(0x0B, 0x42);  // verify
    out(0x0C, 0);
    out(0x05, 1);
    out(0x05, 0);
    out(0x0A, 0x02);
    CHECK(dma.to_memory(2, data, 2) == 2);
    CHECK(bus.read(0x30000, 4) == 0x44332211);
  }
}

TEST_CASE("dma8237: channels 5-7 move words at word addresses", "[dma]") {
  core::Bus bus(1 << 20);
  Dma8237 dma(bus);
  bus.map_io(0xC0, 32, &dma);
  bus.map_io(0x81, 15, &dma);
  auto out = [&](uint16_t p, uint8_t v) { bus.io_write(p, v, 1); };
  out(0xD6, 0x45);  // mode: write, channel 5
  out(0xD8, 0);
  out(0xC4, 0x00);
  out(0xC4, 0x80);  // word address 0x8000 -> byte 0x10000 within the 128 KiB page
  out(0x8B, 0x02);  // page 2: bits 7-1 give A23-A17 -> 0x20000
  out(0xC6, 1);
  out(0xC6, 0);  // 2 words
  out(0xD4, 0x01);
  const uint8_t data[4] = {9, 8, 7, 6};
  CHECK(dma.to_memory(5, data, 4) == 4);
  CHECK(bus.read(0x30000, 4) == 0x06070809);
}

TEST_CASE("fdc: reset, identification (Linux's probe finds a post-1991 82077)", "[fdc]") {
  Rig r;
  CHECK(r.in(0x3F4) == 0);  // held in reset at power-on
  r.reset();
  CHECK(r.cmd({0x08}) == std::vector<uint8_t>{0x80});  // nothing pending: invalid
  CHECK(r.cmd({0x10}) == std::vector<uint8_t>{0x90});  // VERSION: enhanced controller
  const auto dump = r.cmd({0x0E});
  CHECK(dump.size() == 10);
  CHECK(r.cmd({0x13, 0, 0x1A, 0}).empty());  // CONFIGURE: no result
  CHECK(r.cmd({0x12, 0}).empty());           // PERPENDICULAR MODE: no result
  CHECK(r.cmd({0x14}) == std::vector<uint8_t>{0x00});  // UNLOCK
  CHECK(r.cmd({0x94}) == std::vector<uint8_t>{0x10});  // LOCK
  CHECK(r.cmd({0x18}) == std::vector<uint8_t>{0x80});  // PART ID: not on the 82077AA
  CHECK(r.cmd({0x1F}) == std::vector<uint8_t>{0x80});
  CHECK(r.cmd({0x0E})[8] == 0x1A);  // DUMPREG shows the configuration
  CHECK(r.cmd({0x03, 0xAF, 0x02}).empty());  // SPECIFY
  CHECK(r.cmd({0x0E})[4] == 0xAF);
  // LOCK keeps CONFIGURE through a software reset; its POLL bit (0x10) is
  // set, so the reset raises no polling interrupt.
  r.out(0x3F4, 0x80);
  CHECK_FALSE(r.irq);
  CHECK(r.cmd({0x08}) == std::vector<uint8_t>{0x80});
  CHECK(r.cmd({0x0E})[8] == 0x1A);
  // Unlocked, a reset restores the default configuration, polling included.
  CHECK(r.cmd({0x14}) == std::vector<uint8_t>{0x00});
  r.out(0x3F4, 0x80);
  CHECK(r.irq);
  for (uint8_t d = 0; d < 4; ++d) CHECK(r.cmd({0x08})[0] == uint8_t(0xC0 | d));
  CHECK(r.cmd({0x0E})[8] == 0x20);
}

TEST_CASE("fdc: recalibrate, seek, sense drive status, disk change", "[fdc]") {
  TempImage img(F144);
  Rig r;
  r.insert(0, img.path);
  r.reset();
  CHECK(r.fdc.cmos_type(0) == 4);
  CHECK(r.fdc.cmos_type(1) == 0);
  CHECK(r.in(0x3F7) & 0x80);  // changed since power-on
  CHECK(r.cmd({0x07, 0x00}).empty());
  CHECK(r.irq);
  CHECK(r.cmd({0x08}) == std::vector<uint8_t>{0x20, 0});
  CHECK((r.in(0x3F7) & 0x80) == 0);  // cleared by the step
  r.seek(0, 1, 42);
  CHECK(r.cmd({0x04, 0x04}) == std::vector<uint8_t>{0x20 | 0x08 | 0x04});  // ready, two sides, head 1
  r.seek(0, 0, 0);
  CHECK(r.cmd({0x04, 0x00}) == std::vector<uint8_t>{0x20 | 0x10 | 0x08});  // track 0
  // relative seek inwards (towards the spindle) by 3 from cylinder 0
  CHECK(r.cmd({0xCF, 0x00, 3}).empty());
  CHECK(r.cmd({0x08}) == std::vector<uint8_t>{0x20, 3});
  // drive B: is absent: recalibrate reports an equipment check
  r.out(0x3F2, 0x1D);
  CHECK(r.in(0x3F7) & 0x80);
  CHECK(r.cmd({0x07, 0x01}).empty());
  CHECK(r.cmd({0x08}) == std::vector<uint8_t>{0x71, 0});
}

TEST_CASE("fdc: READ DATA through DMA, multi-track, terminal count and end of track", "[fdc]") {
  TempImage img(F144);
  Rig r;
  r.insert(0, img.path);
  r.reset();
  r.seek(0, 0, 5);
  // Three sectors from C5 H0 R17, MT: R17, R18 of head 0, then R1 of head 1.
  r.dma2(0x12000, 3 * 512, 0x46);
  r.irqs = 0;
  auto res = r.cmd({0xE6, 0x00, 5, 0, 17, 2, 18, 0x1B, 0xFF});
  CHECK(r.irqs == 1);
  CHECK(res == std::vector<uint8_t>{0x04, 0, 0, 5, 1, 2, 2});  // ends on head 1; next is C5 H1 R2
  CHECK_FALSE(r.irq);  // cleared by reading the result
  std::vector<uint8_t> mem(3 * 512);
  REQUIRE(r.bus.copy_from(0x12000, mem.data(), mem.size()));
  for (unsigned i = 0; i < 3 * 512; ++i) {
    const uint64_t off = (i < 1024 ? chs_offset(5, 0, 17) : chs_offset(5, 1, 1) - 1024) + i;
    REQUIRE(mem[i] == pattern(off));
  }
  // Ending exactly at EOT without MT: next is the following cylinder.
  r.dma2(0x14000, 512, 0x46);
  CHECK(r.cmd({0x66, 0x00, 5, 0, 18, 2, 18, 0x1B, 0xFF}) == std::vector<uint8_t>{0x00, 0, 0, 6, 0, 1, 2});
  // More DMA than the track holds: end of cylinder, abnormal.
  r.dma2(0x14000, 4 * 512, 0x46);
  CHECK(r.cmd({0x66, 0x00, 5, 0, 17, 2, 18, 0x1B, 0xFF}) == std::vector<uint8_t>{0x40, 0x80, 0, 6, 0, 1, 2});
  SECTION("errors") {
    r.dma2(0x14000, 512, 0x46);
    // the head is on cylinder 5: an ID for cylinder 6 is never found
    CHECK(r.cmd({0x66, 0x00, 6, 0, 1, 2, 18, 0x1B, 0xFF}) == std::vector<uint8_t>{0x40, 0x04, 0x10, 6, 0, 1, 2});
    // sector 19 does not exist on an 18-sector track
    CHECK(r.cmd({0x66, 0x00, 5, 0, 19, 2, 19, 0x1B, 0xFF})[1] == 0x04);
    // 250 kb/s does not read high-density media
    r.out(0x3F7, 2);
    CHECK(r.cmd({0x66, 0x00, 5, 0, 1, 2, 18, 0x1B, 0xFF}) == std::vector<uint8_t>{0x40, 0x01, 0, 5, 0, 1, 2});
    CHECK(r.cmd({0x4A, 0x00}) == std::vector<uint8_t>{0x40, 0x01, 0, 5, 0, 1, 2});
    r.out(0x3F7, 0);
    CHECK(r.cmd({0x4A, 0x04}) == std::vector<uint8_t>{0x04, 0, 0, 5, 1, 1, 2});  // READ ID
    // a masked DMA channel: overrun
    r.out(0x0A, 0x06);
    CHECK(r.cmd({0x66, 0x00, 5, 0, 1, 2, 18, 0x1B, 0xFF})[1] == 0x10);
    // no disk in B:
    CHECK(r.cmd({0x66, 0x01, 0, 0, 1, 2, 18, 0x1B, 0xFF})[0] == 0x41);
  }
}

TEST_CASE("fdc: WRITE DATA and FORMAT TRACK reach the image; read-only media refuse", "[fdc]") {
  TempImage img(F144);
  Rig r;
  r.insert(0, img.path);
  r.reset();
  r.seek(0, 1, 79);
  for (unsigned i = 0; i < 1024; ++i) r.bus.write(0x20000 + i, uint8_t(0xA0 ^ i), 1);
  r.dma2(0x20000, 1024, 0x4A);
  CHECK(r.cmd({0xC5, 0x04, 79, 1, 17, 2, 18, 0x1B, 0xFF}) == std::vector<uint8_t>{0x04, 0, 0, 80, 0, 1, 2});
  {
    const auto d = img.contents();
    for (unsigned i = 0; i < 1024; ++i) REQUIRE(d[chs_offset(79, 1, 17) + i] == uint8_t(0xA0 ^ i));
    CHECK(d[chs_offset(79, 1, 16) + 511] == pattern(chs_offset(79, 1, 16) + 511));
  }
  // FORMAT TRACK of C79 H1: IDs for sectors 1-18, filler 0xF6
  for (unsigned s = 0; s < 18; ++s) {
    const uint8_t id[4] = {79, 1, uint8_t(s + 1), 2};
    for (unsigned k = 0; k < 4; ++k) r.bus.write(0x21000 + s * 4 + k, id[k], 1);
  }
  r.dma2(0x21000, 18 * 4, 0x4A);
  CHECK(r.cmd({0x4D, 0x04, 2, 18, 0x54, 0xF6})[0] == 0x04);
  {
    const auto d = img.contents();
    for (unsigned i = 0; i < 18 * 512; ++i) REQUIRE(d[chs_offset(79, 1, 1) + i] == 0xF6);
    CHECK(d[chs_offset(79, 0, 18) + 511] == pattern(chs_offset(79, 0, 18) + 511));
  }
  SECTION("write-protected") {
    TempImage ro(F144);
    Rig w;
    w.insert(0, ro.path, true);
    w.reset();
    CHECK(w.cmd({0x04, 0x00})[0] & 0x40);
    w.dma2(0x20000, 512, 0x4A);
    CHECK(w.cmd({0xC5, 0x00, 0, 0, 1, 2, 18, 0x1B, 0xFF}) == std::vector<uint8_t>{0x40, 0x02, 0, 0, 0, 1, 2});
    CHECK(ro.contents()[0] == pattern(0));
  }
}

TEST_CASE("fdc: image sizes pick formats; a short image reads zeros past its end", "[fdc]") {
  CHECK(Fdc82077::format_for(737280)->spt == 9);
  CHECK(Fdc82077::format_for(737280)->cmos_type == 3);
  CHECK(Fdc82077::format_for(1228800)->spt == 15);
  CHECK(Fdc82077::format_for(2949120)->spt == 36);
  CHECK(Fdc82077::format_for(163840)->heads == 1);
  CHECK(Fdc82077::format_for(1296384)->bytes == F144);  // grub-rescue-floppy.img
  CHECK(Fdc82077::format_for(2949120 + 512) == nullptr);
  CHECK(Fdc82077::format_for(1000) == nullptr);

  TempImage img(1296384);
  Rig r;
  r.insert(0, img.path);
  r.reset();
  r.seek(0, 0, 70);  // LBA 2520: the image holds 2532 sectors
  r.dma2(0x10000, 18 * 512, 0x46);
  CHECK(r.cmd({0x66, 0x00, 70, 0, 1, 2, 18, 0x1B, 0xFF})[0] == 0x00);
  CHECK(r.bus.read(0x10000 + 11 * 512 + 5, 1) == pattern(2531 * 512 + 5));
  CHECK(r.bus.read(0x10000 + 12 * 512 + 5, 1) == 0);

  std::string err;
  TempImage big(2949120 + 512);
  CHECK_FALSE(DiskImage::open(big.path, Media::Floppy, false, &err));
  CHECK(err.find("not a floppy size") != std::string::npos);
}
