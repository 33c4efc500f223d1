// IDE (ATA/ATAPI) channel: the legacy PIO interface of one cable with a
// master and a slave drive, as the PC maps it at 0x1F0-0x1F7 + 0x3F6 (IRQ14)
// and 0x170-0x177 + 0x376 (IRQ15).
//
// Registers (command block, base + n): 0 data (16/32-bit), 1 error/features,
// 2 sector count, 3-5 LBA low/mid/high (sector, cylinder low/high), 6
// device/head, 7 status/command; control block: alternate status / device
// control (nIEN, SRST, HOB). Writes to the task file go to both drives (the
// selected one answers reads); each register keeps its previous value for
// LBA48 (the "HOB" byte, read back with device control bit 7).
//
// Commands run to completion at once (no busy time): the status goes straight
// to DRQ or to the final state, and INTRQ rises where ATA-6 says it does (per
// data block of a PIO read, after each block of a PIO write, at the end of a
// non-data command); reading the status register clears it, alternate status
// does not, nIEN masks it. ATA disks: IDENTIFY, READ/WRITE SECTORS (CHS,
// LBA28, EXT), READ/WRITE MULTIPLE (+EXT), SET MULTIPLE MODE, READ VERIFY,
// SEEK, RECALIBRATE, INITIALIZE DEVICE PARAMETERS, SET FEATURES, FLUSH CACHE
// (+EXT), EXECUTE DEVICE DIAGNOSTIC, power management no-ops; anything else
// is aborted. ATAPI CD-ROM (atapi.cpp): IDENTIFY PACKET DEVICE, DEVICE
// RESET, PACKET with the SCSI/MMC commands a BIOS, GRUB and Linux's sr use.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/bus.hpp"
#include "core/irq.hpp"
#include "devices/ide/disk_image.hpp"

namespace xlat::dev {

namespace ata {
// Status register bits.
constexpr uint8_t BSY = 0x80, DRDY = 0x40, DF = 0x20, DSC = 0x10, DRQ = 0x08, ERR = 0x01;
// Error register bits.
constexpr uint8_t ABRT = 0x04, IDNF = 0x10, UNC = 0x40;
// Device control bits.
constexpr uint8_t NIEN = 0x02, SRST = 0x04, HOB = 0x80;
}  // namespace ata

class IdeChannel final : public core::IoHandler {
 public:
  IdeChannel(uint16_t cmd_base, uint16_t ctl_port) : cmd_base_(cmd_base), ctl_port_(ctl_port) {}

  // Attaches an image as drive 0 (master) or 1 (slave): an ATA disk or an
  // ATAPI CD-ROM (media Cdrom).
  void attach(unsigned unit, std::unique_ptr<DiskImage> img, Media media);
  bool present(unsigned unit) const { return drive_[unit].kind != Kind::None; }
  bool is_cdrom(unsigned unit) const { return drive_[unit].kind == Kind::Atapi; }
  DiskImage* image(unsigned unit) { return drive_[unit].img.get(); }
  void reset();  // hardware reset (power on)

  core::IrqLine irq;

  uint16_t cmd_base() const { return cmd_base_; }
  uint16_t ctl_port() const { return ctl_port_; }
  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, uint32_t value, unsigned size) override;

  // Default CHS geometry of a disk (IDENTIFY words 1, 3, 6): 16 heads, 63
  // sectors, cylinders = sectors / 1008 capped at 16383.
  static void default_geometry(uint64_t sectors, uint16_t& cyl, uint16_t& heads, uint16_t& spt);

 private:
  enum class Kind { None, Ata, Atapi };
  enum class Xfer { None, PioIn, PioOut, Packet, AtapiIn };
  struct Drive {
    Kind kind = Kind::None;
    std::unique_ptr<DiskImage> img;
    uint64_t sectors = 0;  // 512-byte sectors (ATA) or 2048-byte blocks (ATAPI)
    uint16_t cyl = 0, heads = 0, spt = 0;      // default geometry
    uint16_t lheads = 0, lspt = 0;             // current (INITIALIZE DEVICE PARAMETERS)
    uint8_t status = 0, error = 0;
    uint8_t multiple = 0;  // sectors per block for READ/WRITE MULTIPLE (0: off)
    bool irq_pending = false;
    // Transfer in progress.
    Xfer xfer = Xfer::None;
    std::vector<uint8_t> buf;
    size_t pos = 0, len = 0;
    uint64_t lba = 0;          // next sector of a PIO transfer
    uint32_t remaining = 0;    // sectors still to transfer after the buffer
    unsigned block = 1;        // sectors per DRQ block
    bool lba48 = false;
    // ATAPI.
    uint8_t sense_key = 0, asc = 0, ascq = 0;
    uint32_t byte_limit = 0;   // byte count limit of the current PACKET
    std::vector<uint8_t> reply;  // whole data-in reply of a packet command
    size_t reply_pos = 0;
  };
  struct TaskFile {
    uint8_t feature = 0, count = 0, lba_lo = 0, lba_mid = 0, lba_hi = 0;
    uint8_t hob_feature = 0, hob_count = 0, hob_lo = 0, hob_mid = 0, hob_hi = 0;
    uint8_t device = 0xA0;
  };

  unsigned unit() const { return (tf_[0].device >> 4) & 1; }
  Drive& cur() { return drive_[unit()]; }
  TaskFile& tf() { return tf_[unit()]; }
  bool any_present() const { return drive_[0].kind != Kind::None || drive_[1].kind != Kind::None; }
  void update_irq();
  void raise(Drive& d) { d.irq_pending = true, update_irq(); }
  void set_signature(unsigned unit);
  void soft_reset();

  // ata.cpp
  void command(uint8_t cmd);
  void identify(Drive& d, bool packet);
  void abort(Drive& d) { d.status = ata::DRDY | ata::ERR | ata::DSC, d.error = ata::ABRT, d.xfer = Xfer::None, raise(d); }
  bool decode_address(Drive& d, bool lba48, uint64_t& lba, uint32_t& count);
  void start_read(Drive& d, uint64_t lba, uint32_t count, unsigned block, bool lba48);
  void start_write(Drive& d, uint64_t lba, uint32_t count, unsigned block, bool lba48);
  void next_read_block(Drive& d);
  void write_block_done(Drive& d);
  void set_address(Drive& d, uint64_t lba, bool lba48);
  void data_done(Drive& d);
  uint16_t data_read16();
  void data_write16(uint16_t v);

  // atapi.cpp
  void packet_command(Drive& d);
  void packet_received(Drive& d);
  void atapi_next_chunk(Drive& d);
  void atapi_complete(Drive& d, uint8_t key = 0, uint8_t asc = 0, uint8_t ascq = 0);
  void atapi_reply(Drive& d, std::vector<uint8_t> data, uint32_t alloc);

  uint16_t cmd_base_, ctl_port_;
  Drive drive_[2];
  TaskFile tf_[2];  // per drive: writes go to both, the selected one answers
  uint8_t control_ = 0;
};

}  // namespace xlat::dev
