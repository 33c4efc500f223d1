// Floppy disk controller: an Intel 82077AA (post-1991 revision) in PC-AT
// mode at 0x3F0-0x3F5 and 0x3F7 (0x3F6 belongs to the IDE channel), IRQ6,
// ISA DMA channel 2, with up to two 3.5"/5.25" drives holding raw images.
//
// Registers: DOR 0x3F2 (drive select, /RESET, DMA+IRQ gate, motors), TDR
// 0x3F3, MSR 0x3F4 (read) / DSR (write: software reset, data rate), FIFO
// 0x3F5, DIR 0x3F7 (read: bit 7 disk change) / CCR (write: data rate). SRA
// and SRB (PS/2 only) read as 0xFF.
//
// Commands (82077AA data sheet): READ DATA, READ DELETED DATA, WRITE DATA,
// WRITE DELETED DATA, READ TRACK, VERIFY, READ ID, FORMAT TRACK, RECALIBRATE,
// SEEK (and relative seek), SENSE INTERRUPT STATUS, SENSE DRIVE STATUS,
// SPECIFY, CONFIGURE, DUMPREG, VERSION (0x90), PERPENDICULAR MODE, LOCK;
// anything else (PART ID, the scans, ...) is invalid: one result byte 0x80.
// Linux's probe therefore finds "a post-1991 82077".
//
// Execution takes no time: the last command byte runs the command, which
// moves its data through DMA channel 2 at once (a sector at a time, ending
// at the DMA's terminal count or the track's end as the hardware does) and
// goes straight to the result phase with IRQ6 raised. Only DMA mode: a
// SPECIFY asking for non-DMA mode is recorded and the data still moves by DMA.
//
// Media: the image's size picks the format (160K-2.88M, 1.68M DMF); any
// other size up to 2.88 MiB that is a whole number of sectors is read as the
// smallest of 360K/720K/1.2M/1.44M/2.88M holding it, sectors past its end
// reading as zeros (Debian's grub-rescue-floppy.img is 1266 KiB). A format
// answers only at its data rate (CCR/DSR), so a driver's rate probe works;
// the ID fields of a track carry its physical cylinder and head. The disk
// change line is set at power-on and cleared by a step with a disk present.
//
// State lives in plain structs (snapshot-ready); the images are host-side.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/bus.hpp"
#include "core/irq.hpp"
#include "devices/dma8237/dma8237.hpp"
#include "devices/ide/disk_image.hpp"

namespace xlat::dev {

class Fdc82077 final : public core::ByteIoHandler {
 public:
  static constexpr uint16_t BASE = 0x3F0;
  static constexpr unsigned DMA_CHANNEL = 2;
  static constexpr unsigned MAX_DRIVES = 2;

  // A diskette format: geometry, the data rate it is read at (CCR code: 0
  // 500 kb/s, 1 300, 2 250, 3 1000) and the CMOS drive type that reads it.
  struct Format {
    uint64_t bytes;
    uint8_t cyls, heads, spt;
    uint8_t rate;
    uint8_t cmos_type;  // 1 360K, 2 1.2M, 3 720K, 4 1.44M, 5 2.88M
  };
  // The format for an image of `bytes` (null if none fits).
  static const Format* format_for(uint64_t bytes);

  explicit Fdc82077(Dma8237& dma) : dma_(dma) { reset(); }

  // Inserts an image in drive 0 (A:) or 1 (B:); the size must fit a format.
  void attach(unsigned unit, std::unique_ptr<DiskImage> img);
  bool present(unsigned unit) const { return unit < MAX_DRIVES && drive_[unit].img; }
  DiskImage* image(unsigned unit) { return present(unit) ? drive_[unit].img.get() : nullptr; }
  // CMOS drive type of a drive (0: none).
  uint8_t cmos_type(unsigned unit) const { return present(unit) ? drive_[unit].fmt->cmos_type : 0; }
  void reset();  // hardware reset (power on)

  core::IrqLine irq;  // IRQ6

  uint8_t read(uint16_t port) override;
  void write(uint16_t port, uint8_t v) override;

  // Registers and phase, for tests and a later snapshot.
  struct State {
    uint8_t dor = 0, tdr = 0, rate = 2;
    uint8_t specify[2] = {0, 0};  // SRT/HUT, HLT/ND
    uint8_t config = 0x20, pretrk = 0;  // CONFIGURE: EIS/EFIFO/POLL/FIFOTHR
    uint8_t perpendicular = 0;
    bool lock = false;
    enum class Phase : uint8_t { Command, Result } phase = Phase::Command;
    uint8_t cmd[9] = {};
    uint8_t cmd_len = 0, cmd_need = 0;
    uint8_t res[10] = {};
    uint8_t res_len = 0, res_pos = 0;
    uint8_t reset_polls = 0;   // SENSE INTERRUPTs owed after a reset
    uint8_t seek_pending = 0;  // bit n: drive n finished a seek/recalibrate
    uint8_t seek_st0[MAX_DRIVES] = {};
    bool int_pending = false;
    uint8_t cyl[MAX_DRIVES] = {};
    bool changed[MAX_DRIVES] = {true, true};
  };
  const State& state() const { return st_; }

 private:
  struct Drive {
    std::unique_ptr<DiskImage> img;
    const Format* fmt = nullptr;
  };

  void controller_reset();
  void command_byte(uint8_t v);
  void execute();
  void finish(std::initializer_list<uint8_t> result, bool interrupt);
  void set_interrupt(bool on);
  void update_irq();
  void cmd_transfer();  // read/write/verify/read track
  void cmd_read_id();
  void cmd_format();
  void cmd_seek(bool recalibrate);
  void cmd_sense_interrupt();
  void cmd_sense_drive();
  bool readable(unsigned unit) const;  // a disk the current data rate reads
  bool sector_io(unsigned unit, unsigned cyl, unsigned head, unsigned sector, uint8_t* buf, bool write);

  Dma8237& dma_;
  State st_;
  Drive drive_[MAX_DRIVES];
};

}  // namespace xlat::dev
