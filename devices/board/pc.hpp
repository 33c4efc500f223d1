// The PC board: which chip sits at which ports and which interrupt line goes
// where. It owns the chips, maps them on the machine's bus and connects
// their IrqLines; the chips themselves know nothing of each other or of the
// CPU (ARCHITECTURE.md principle 9).
//
//   PIC pair  0x20-21, 0xA0-A1, ELCR 0x4D0-4D1  INTR -> CPU (ev::IRQ), acknowledge() = INTA
//   PIT       0x40-43      ch0 OUT -> IRQ0, ch2 gate/OUT via port 0x61
//   i8042     0x60, 0x64   IRQ1, IRQ12; output port A20 and reset
//   sysctl    0x61, 0x92, 0x80   PIT ch2 gate, fast A20, fast reset, POST code
//   CMOS/RTC  0x70-71      IRQ8
//   COM1      0x3F8-3FF    IRQ4 (host backend given by the frontend)
//   COM2      0x2F8-2FF    IRQ3
//   debugcon  0xE9; isa-debug-exit 0xF4
//   FPU FERR# -> IRQ13
//   DMA       0x00-0F, 0xC0-DF, pages 0x81-8F (8237 pair, channel 2 = floppy)
//   FDC       0x3F0-3F5, 0x3F7  IRQ6, DMA 2 (82077AA; drives A: and B: from Config;
//             CMOS 0x10 drive types and 0x14 equipment byte follow them)
//   IDE       0x1F0-1F7 + 0x3F6 IRQ14, 0x170-177 + 0x376 IRQ15 (disk images from Config)
//   VGA       0x3B4-3B5, 0x3BA, 0x3C0-3CF, 0x3D4-3D5, 0x3DA (text mode; its memory
//             0xA0000-0xBFFFF stays RAM)
//   fw_cfg    0x510-0x511 only with Config::fw_cfg (QEMU's interface, for a foreign
//             firmware such as SeaBIOS: its VGA BIOS, serial console)
//   ROM       Config::bios mapped ending at 4 GiB, its last 128 KiB copied into the
//             RAM ending at 1 MiB (writable, as on QEMU's isapc; reloaded at reset);
//             CMOS 0x3D/0x38 hold the -boot order for it (1 a, 2 c, 3 d)
//
// With the machine's deterministic clock the RTC starts at a fixed instant
// (Config::rtc_start_epoch) instead of the host's clock, so a run's output
// does not depend on when it ran.
#pragma once

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "core/machine.hpp"
#include "devices/cmos/cmos.hpp"
#include "devices/debug/debug_ports.hpp"
#include "devices/dma8237/dma8237.hpp"
#include "devices/fdc/fdc.hpp"
#include "devices/fwcfg/fw_cfg.hpp"
#include "devices/hostio/hostio.hpp"
#include "devices/i8042/i8042.hpp"
#include "devices/ide/ide.hpp"
#include "devices/pic8259/pic8259.hpp"
#include "devices/pit8254/pit8254.hpp"
#include "devices/sysctl/sysctl.hpp"
#include "devices/uart16550/uart16550.hpp"
#include "devices/vga/vga.hpp"

namespace xlat::dev {

class PcBoard {
 public:
  struct Config {
    std::unique_ptr<CharBackend> com1;  // null: output discarded, no input
    std::unique_ptr<CharBackend> com2;
    FILE* debugcon = stdout;            // port 0xE9 output (null: discarded)
    int64_t rtc_start_epoch = 1767225600;  // deterministic clock: 2026-01-01 00:00:00 UTC
    std::vector<uint8_t> bios;          // firmware ROM (empty: none; a multiple of 64 KiB)
    struct Drive {
      std::unique_ptr<DiskImage> image;  // null: no drive
      Media media = Media::Disk;
    };
    Drive ide[4];                       // primary master, slave, secondary master, slave
    std::unique_ptr<DiskImage> floppy[2];  // A:, B: (null: no drive)
    std::string boot_order;             // -boot letters a/c/d for the BIOS (empty: its default)
    // QEMU's fw_cfg for a firmware built for QEMU (devices/fwcfg).
    bool fw_cfg = false;
    std::vector<uint8_t> vga_bios;      // offered as vgaroms/vgabios-isavga.bin (empty: none)
    uint16_t sercon_port = 0;           // offered as etc/sercon-port (0: none)
  };

  PcBoard(core::Machine& m, Config cfg);
  // Power-on/reset state of every chip (the CPU is reset by the machine).
  void reset();

  core::Machine& machine;
  PicPair pic;
  Pit8254 pit;
  I8042 kbc;
  SystemControl sysctl;
  CmosRtc cmos;
  Uart16550 com1, com2;
  IdeChannel ide0{0x1F0, 0x3F6}, ide1{0x170, 0x376};
  VgaText vga;
  Dma8237 dma;
  Fdc82077 fdc;
  std::unique_ptr<FwCfg> fw_cfg;  // null unless Config::fw_cfg

 private:
  Config cfg_;
  DebugConsole debugcon_;
  DebugExit debug_exit_;
  bool a20_kbc_ = true, a20_fast_ = false;
  void update_a20();
  void load_low_bios();
};

}  // namespace xlat::dev
