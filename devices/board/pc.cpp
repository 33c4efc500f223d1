#include "devices/board/pc.hpp"

namespace xlat::dev {

PcBoard::PcBoard(core::Machine& m, Config cfg)
    : machine(m),
      pit(m.sched),
      sysctl(m.sched),
      cmos(m.sched, CmosRtc::Config{m.clock() != core::ClockMode::Deterministic, cfg.rtc_start_epoch}),
      com1(m.sched, "com1"),
      com2(m.sched, "com2"),
      vga(m.bus, m.sched),
      dma(m.bus),
      fdc(dma),
      cfg_(std::move(cfg)),
      debugcon_([this](uint8_t ch) {
        if (!cfg_.debugcon) return;
        std::fputc(ch, cfg_.debugcon);
        if (ch == '\n') std::fflush(cfg_.debugcon);
      }),
      debug_exit_([this](uint32_t v) {
        machine.request_stop(core::StopKind::DebugExit, int(((v << 1) | 1) & 0xFF), "debug exit");
      }) {
  core::Bus& bus = m.bus;
  core::Cpu& cpu = m.cpu;

  // Interrupt controller <-> CPU.
  bus.map_io(PicPair::MASTER_PORT, 2, &pic.master());
  bus.map_io(PicPair::SLAVE_PORT, 2, &pic.slave());
  bus.map_io(PicPair::ELCR_PORT, 2, &pic);
  cpu.intc = &pic;
  pic.intr().connect([&cpu](bool level) {
    if (level) cpu.events.fetch_or(core::ev::IRQ);
    else cpu.events.fetch_and(~core::ev::IRQ);
  });

  // Timer.
  bus.map_io(0x40, 4, &pit);
  pit.out[0].connect([this](bool l) { pic.set_irq(0, l); });
  sysctl.pit_out2 = [this]() { return pit.output(2); };
  sysctl.pit_gate2.connect([this](bool l) { pit.set_gate(2, l); });

  // Keyboard controller, A20 and reset.
  bus.map_io(I8042::DATA_PORT, 1, &kbc);
  bus.map_io(I8042::STATUS_PORT, 1, &kbc);
  kbc.irq1.connect([this](bool l) { pic.set_irq(1, l); });
  kbc.irq12.connect([this](bool l) { pic.set_irq(12, l); });
  kbc.a20.connect([this](bool l) { a20_kbc_ = l; update_a20(); });
  kbc.reset_request.connect([this](bool l) { if (l) machine.request_reset("reset through the keyboard controller"); });
  bus.map_io(SystemControl::PORT_B, 1, &sysctl);
  bus.map_io(SystemControl::PORT_A, 1, &sysctl);
  bus.map_io(SystemControl::POST_PORT, 1, &sysctl);
  sysctl.a20.connect([this](bool l) { a20_fast_ = l; update_a20(); });
  sysctl.reset_request.connect([this](bool l) { if (l) machine.request_reset("reset through port 0x92"); });

  // RTC.
  bus.map_io(CmosRtc::INDEX_PORT, 2, &cmos);
  cmos.irq.connect([this](bool l) { pic.set_irq(8, l); });
  cmos.set_memory_size(bus.ram_size());

  // Serial ports.
  struct Port {
    Uart16550& uart;
    uint16_t base;
    unsigned irq;
    CharBackend* backend;
  };
  for (Port p : {Port{com1, Uart16550::COM1, 4, cfg_.com1.get()}, Port{com2, Uart16550::COM2, 3, cfg_.com2.get()}}) {
    bus.map_io(p.base, 8, &p.uart);
    const unsigned irq = p.irq;
    p.uart.irq.connect([this, irq](bool l) { pic.set_irq(irq, l); });
    if (CharBackend* b = p.backend) {
      p.uart.tx_sink = [b](uint8_t ch) { b->write(ch); };
      p.uart.set_rx_source([b](uint8_t& ch) { return b->read(ch); });
    }
  }

  // FPU error (CR0.NE = 0 style reporting) on IRQ13.
  cpu.ferr_out = [this](bool l) { pic.set_irq(13, l); };

  // Debug ports.
  bus.map_io(0xE9, 1, &debugcon_);
  bus.map_io(0xF4, 1, &debug_exit_);

  // IDE channels and their drives.
  bus.map_io(ide0.cmd_base(), 8, &ide0);
  bus.map_io(ide0.ctl_port(), 1, &ide0);
  bus.map_io(ide1.cmd_base(), 8, &ide1);
  bus.map_io(ide1.ctl_port(), 1, &ide1);
  ide0.irq.connect([this](bool l) { pic.set_irq(14, l); });
  ide1.irq.connect([this](bool l) { pic.set_irq(15, l); });
  for (unsigned i = 0; i < 4; ++i)
    if (cfg_.ide[i].image) (i < 2 ? ide0 : ide1).attach(i & 1, std::move(cfg_.ide[i].image), cfg_.ide[i].media);

  // ISA DMA and the floppy controller with its drives. CMOS 0x10: drive
  // types (A: high nibble); 0x14: bit 0 = floppies present, bits 6-7 = count - 1.
  bus.map_io(0x00, 16, &dma);
  bus.map_io(0x81, 15, &dma);
  bus.map_io(0xC0, 32, &dma);
  bus.map_io(Fdc82077::BASE, 6, &fdc);
  bus.map_io(Fdc82077::BASE + 7, 1, &fdc);
  fdc.irq.connect([this](bool l) { pic.set_irq(6, l); });
  for (unsigned i = 0; i < 2; ++i)
    if (cfg_.floppy[i]) fdc.attach(i, std::move(cfg_.floppy[i]));
  {
    const unsigned n = unsigned(fdc.present(0)) + unsigned(fdc.present(1));
    cmos.set_byte(0x10, uint8_t(fdc.cmos_type(0) << 4 | fdc.cmos_type(1)));
    cmos.set_byte(0x14, uint8_t(0x02 | (n ? 0x01 | (n - 1) << 6 : 0)));
  }

  // fw_cfg for a firmware that looks for it.
  if (cfg_.fw_cfg) {
    fw_cfg = std::make_unique<FwCfg>(bus.ram_size());
    if (!cfg_.vga_bios.empty()) fw_cfg->add_file("vgaroms/vgabios-isavga.bin", std::move(cfg_.vga_bios));
    if (cfg_.sercon_port)
      fw_cfg->add_file("etc/sercon-port", {uint8_t(cfg_.sercon_port), uint8_t(cfg_.sercon_port >> 8), 0, 0, 0, 0, 0, 0});
    bus.map_io(FwCfg::SELECTOR_PORT, 2, fw_cfg.get());
  }

  // VGA registers (text mode).
  bus.map_io(0x3B4, 2, &vga);
  bus.map_io(0x3BA, 1, &vga);
  bus.map_io(0x3C0, 16, &vga);
  bus.map_io(0x3D4, 2, &vga);
  bus.map_io(0x3DA, 1, &vga);

  // Firmware ROM: all of it below 4 GiB, the last 128 KiB (or all) below 1 MiB.
  if (!cfg_.bios.empty()) {
    const size_t n = cfg_.bios.size();
    bus.map_rom(0x100000000ull - n, cfg_.bios.data(), n);
    load_low_bios();
  }
  // Boot order for the BIOS (Bochs/QEMU CMOS convention).
  {
    uint8_t dev[3] = {0, 0, 0};
    for (size_t i = 0; i < cfg_.boot_order.size() && i < 3; ++i) {
      const char c = cfg_.boot_order[i];
      dev[i] = c == 'a' ? 1 : c == 'c' ? 2 : c == 'd' ? 3 : 0;
    }
    cmos.set_byte(0x3D, uint8_t(dev[0] | dev[1] << 4));
    cmos.set_byte(0x38, uint8_t(dev[2] << 4));
  }

  // Host input may wake a halted CPU.
  m.external_wakeups = cfg_.com1 || cfg_.com2;
}

void PcBoard::update_a20() { machine.cpu.set_a20(a20_kbc_ || a20_fast_); }

// The firmware's last 128 KiB below 1 MiB: RAM holding a copy of the ROM,
// as on QEMU's isapc (no chipset to unlock "shadow RAM" there). SeaBIOS
// writes its variables into its own segment and panics when it cannot;
// xlat's BIOS never writes there. Reloaded at every reset.
void PcBoard::load_low_bios() {
  if (cfg_.bios.empty()) return;
  const size_t n = cfg_.bios.size();
  const size_t low = n < 0x20000 ? n : 0x20000;
  machine.bus.copy_to(0x100000 - low, cfg_.bios.data() + (n - low), low);
}

void PcBoard::reset() {
  load_low_bios();
  pic.reset();
  pit.reset();
  kbc.reset();
  sysctl.reset();
  cmos.reset();
  com1.reset();
  com2.reset();
  ide0.reset();
  ide1.reset();
  dma.reset();
  fdc.reset();
  if (fw_cfg) fw_cfg->reset();
  vga.reset();
  a20_kbc_ = true;
  a20_fast_ = false;
  update_a20();
}

}  // namespace xlat::dev
