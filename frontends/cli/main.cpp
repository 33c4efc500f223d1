// The xlat command: QEMU-style options, a machine, a loader, and a run.
#include <unistd.h>
#include <fmt/core.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "bios/loaders/loaders.hpp"
#include "bios/rom/bios_rom.hpp"
#include "translator/engines.hpp"
#include "core/machine.hpp"
#include "devices/board/pc.hpp"
#include "devices/hostio/lockstep_pair.hpp"
#include "frontends/cli/lockstep.hpp"
#include "frontends/cli/term_display.hpp"
#include "frontends/cli/trace_log.hpp"
#include "frontends/gdb/stub.hpp"

namespace {

constexpr int EXIT_USAGE = 2;

struct Options {
  uint64_t ram_mb = 128;
  std::string kernel, initrd, flat, append, engine = "jit";
  uint32_t flat_addr = 0x7C00;
  bool no_reboot = false;
  bool stats = false, perf_map = false;  // -stats, -perf-map (translator/engines.hpp)
  bool singlestep = false;               // -singlestep: one instruction per block
  bool lockstep = false;                 // -lockstep: both engines, compared after every block
  bool nographic = false;
  std::string display = "none";  // -display none|curses
  std::string serial[2];
  unsigned nserial = 0;
  xlat::core::ClockMode clock = xlat::core::ClockMode::Realtime;
  std::string log_classes, log_file, dfilter;
  // Firmware boot (no -kernel/-flat): disks, boot order, ROM (bios/, devices/ide).
  struct DriveOpt {
    std::string file;
    xlat::dev::Media media = xlat::dev::Media::Disk;
    bool readonly = false;
    int index = -1;  // IDE position 0-3, floppy unit 0-1 (-1: next free)
  };
  std::vector<DriveOpt> drives;
  std::string bios, boot;
  xlat::gdb::SessionConfig debug;  // -s, -S, -gdb, -monitor (frontends/gdb)
};

[[noreturn]] void usage_error(const std::string& msg) {
  fmt::print(stderr, "xlat: {}\nTry 'xlat -help' for the list of options.\n", msg);
  std::exit(EXIT_USAGE);
}

void print_help() {
  fmt::print(
      "usage: xlat [options]\n"
      "  -m MEGS             guest RAM in MiB (default 128; suffixes M and G accepted)\n"
      "  -kernel FILE        boot a Linux bzImage or a multiboot v1 kernel (ELF32 or a.out kludge)\n"
      "  -initrd FILE        initial ramdisk for a Linux kernel\n"
      "  -append CMDLINE     kernel command line\n"
      "  -flat FILE          load a flat binary at 0x7C00 and run it in real mode\n"
      "  -flat-addr ADDR     load address for -flat (default 0x7c00)\n"
      "  -engine interp|jit  CPU engine: the translator (default) or the interpreter\n"
      "  -stats              print the engine's statistics at exit (jit: blocks, exits, helper calls, TLB)\n"
      "  -perf-map           write /tmp/perf-<pid>.map so perf report names translated blocks (jit)\n"
      "  -no-reboot          exit instead of rebooting on a guest reset or triple fault\n"
      "  -serial DEV         COM1, then COM2: stdio | file:PATH | tcp:127.0.0.1:PORT | null\n"
      "  -nographic          no display: COM1 on this terminal (leave with Ctrl-A x)\n"
      "  -display none|curses  curses: the VGA text screen on this terminal, keys to the guest's\n"
      "                      keyboard (leave with Ctrl-A x); none (default): no display\n"
      "  -clock MODE         realtime (default: guest time follows the host) or deterministic\n"
      "                      (time derives from retired instructions: runs are repeatable)\n"
      "  -d CLASSES          log classes (comma separated; -d help lists them)\n"
      "  -D FILE             write the log to FILE instead of stderr\n"
      "  -dfilter LO..HI     log blocks only for EIPs in [LO, HI] (hex)\n"
      "  -singlestep         one instruction per block in either engine (so -d cpu,exec log each one)\n"
      "  -lockstep           run the guest under both engines on two machines, compare the CPU after\n"
      "                      every block (RAM every 1M blocks); stop at the first difference (exit 3)\n"
      "  -gdb tcp:HOST:PORT  wait for gdb on HOST:PORT (HOST defaults to 127.0.0.1; PORT 0: any)\n"
      "  -s                  same as -gdb tcp:127.0.0.1:1234\n"
      "  -S                  do not start the CPU (continue from gdb or the monitor)\n"
      "  -monitor stdio      monitor commands on this terminal (help lists them)\n"
      "  (no -kernel/-flat: boot the BIOS from the disks below)\n"
      "  -hda/-hdb/-hdc/-hdd FILE  raw hard-disk image as IDE primary/secondary master/slave\n"
      "  -cdrom FILE         raw CD image (ISO) as the secondary master ATAPI CD-ROM\n"
      "  -fda/-fdb FILE      raw floppy image as drive A:/B: (82077AA controller, DMA channel 2)\n"
      "  -drive file=F[,if=ide|floppy][,index=N][,media=disk|cdrom][,format=raw][,readonly=on]\n"
      "  -boot ORDER         boot order letters: c hard disk, d CD-ROM, a floppy (default cd); also order=...\n"
      "  -bios FILE          firmware image instead of xlat's BIOS (multiple of 64 KiB, up to 16 MiB);\n"
      "                      it gets QEMU's fw_cfg with vgabios-isavga.bin (beside FILE or in\n"
      "                      /usr/share/seabios) and, with -nographic, a serial console on COM1\n"
      "  -help, -version\n"
      "Debug ports: 0xE9 prints to stdout; a write of V to 0xF4 exits with status (V<<1)|1.\n");
}

uint64_t parse_number(const std::string& opt, const std::string& v) {
  try {
    size_t pos = 0;
    uint64_t n = std::stoull(v, &pos, 0);
    if (pos != v.size()) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    usage_error(fmt::format("{}: '{}' is not a number", opt, v));
  }
}

uint64_t parse_megs(const std::string& v) {
  std::string num = v;
  uint64_t mult = 1;
  if (!num.empty() && (num.back() == 'M' || num.back() == 'm')) num.pop_back();
  else if (!num.empty() && (num.back() == 'G' || num.back() == 'g')) num.pop_back(), mult = 1024;
  uint64_t n = parse_number("-m", num) * mult;
  if (n < 1 || n > 3072) usage_error(fmt::format("-m: {} MiB is out of range (1..3072)", n));
  return n;
}

// -drive file=...,if=ide|floppy,index=N,media=disk|cdrom,format=raw,readonly=on
Options::DriveOpt parse_drive(const std::string& spec) {
  Options::DriveOpt d;
  bool floppy = false, cdrom = false;
  size_t pos = 0;
  while (pos <= spec.size()) {
    size_t comma = spec.find(',', pos);
    if (comma == std::string::npos) comma = spec.size();
    const std::string kv = spec.substr(pos, comma - pos);
    pos = comma + 1;
    if (kv.empty()) continue;
    const size_t eq = kv.find('=');
    const std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
    if (k == "file") d.file = v;
    else if (k == "if" && v == "ide") {}
    else if (k == "if" && v == "floppy") floppy = true;
    else if (k == "media" && v == "disk") cdrom = false;
    else if (k == "media" && (v == "cdrom" || v == "cd")) cdrom = true;
    else if (k == "format" && v == "raw") {}
    else if (k == "readonly" && (v == "on" || v.empty())) d.readonly = true;
    else if (k == "readonly" && v == "off") d.readonly = false;
    else if (k == "index") {
      d.index = int(parse_number("-drive index", v));
    } else usage_error(fmt::format("-drive: unsupported '{}' (file, if=ide|floppy, index, media=disk|cdrom, format=raw, readonly=on)", kv));
  }
  if (d.file.empty()) usage_error("-drive: file=... is missing");
  if (floppy) {
    if (cdrom) usage_error("-drive: a floppy drive takes media=disk only");
    if (d.index > 1) usage_error("-drive: index must be 0-1 for if=floppy");
    d.media = xlat::dev::Media::Floppy;
  } else {
    if (d.index > 3) usage_error("-drive: index must be 0-3 for if=ide");
    if (cdrom) d.media = xlat::dev::Media::Cdrom, d.readonly = true;
  }
  return d;
}

// The VGA BIOS a foreign firmware is given: the ISA VGA build of SeaVGABIOS,
// looked for beside the -bios file, then where Debian's seabios package
// puts it. Empty if there is none.
constexpr const char* VGA_BIOS_NAME = "vgabios-isavga.bin";
constexpr const char* VGA_BIOS_DIR = "/usr/share/seabios";
std::string find_vga_bios(const std::string& bios) {
  const auto slash = bios.rfind('/');
  const std::string dirs[] = {slash == std::string::npos ? "." : bios.substr(0, slash), VGA_BIOS_DIR};
  for (const std::string& d : dirs) {
    const std::string f = d + "/" + VGA_BIOS_NAME;
    if (::access(f.c_str(), R_OK) == 0) return f;
  }
  return "";
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') a = a.substr(1);  // --opt == -opt
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(fmt::format("option '{}' needs an argument", a));
      return argv[++i];
    };
    if (a == "-help" || a == "-h") {
      print_help();
      std::exit(0);
    } else if (a == "-version") {
      fmt::print("xlat 0.1\n");
      std::exit(0);
    } else if (a == "-m") {
      o.ram_mb = parse_megs(value());
    } else if (a == "-kernel") {
      o.kernel = value();
    } else if (a == "-initrd") {
      o.initrd = value();
    } else if (a == "-append") {
      o.append = value();
    } else if (a == "-flat") {
      o.flat = value();
    } else if (a == "-flat-addr") {
      o.flat_addr = uint32_t(parse_number(a, value()));
    } else if (a == "-engine") {
      o.engine = value();
      { bool ok = false; for (auto& n : xlat::translator::known_engines()) ok |= n == o.engine; if (!ok) usage_error(fmt::format("-engine: unknown engine '{}'", o.engine)); }
    } else if (a == "-serial") {
      if (o.nserial == 2) usage_error("-serial: at most two serial ports (COM1, COM2)");
      o.serial[o.nserial++] = value();
    } else if (a == "-display") {
      o.display = value();
      if (o.display != "none" && o.display != "curses")
        usage_error(fmt::format("-display: unknown display '{}' (none or curses)", o.display));
    } else if (a == "-nographic") {
      o.nographic = true;
    } else if (a == "-clock") {
      const std::string c = value();
      if (c == "realtime") o.clock = xlat::core::ClockMode::Realtime;
      else if (c == "deterministic") o.clock = xlat::core::ClockMode::Deterministic;
      else usage_error(fmt::format("-clock: unknown clock '{}' (realtime or deterministic)", c));
    } else if (a == "-d") {
      o.log_classes = value();
      if (o.log_classes == "help") {
        fmt::print("{}", xlat::cli::TraceLog::help());
        std::exit(0);
      }
    } else if (a == "-D") {
      o.log_file = value();
    } else if (a == "-dfilter") {
      o.dfilter = value();
    } else if (a == "-singlestep") {
      o.singlestep = true;
    } else if (a == "-lockstep" || a == "--lockstep") {
      o.lockstep = true;
    } else if (a == "-gdb") {
      o.debug.gdb = value();
    } else if (a == "-s") {
      o.debug.gdb = "tcp:127.0.0.1:1234";
    } else if (a == "-S") {
      o.debug.start_stopped = true;
    } else if (a == "-monitor") {
      if (value() != "stdio") usage_error("-monitor: only 'stdio' is supported");
      o.debug.monitor_stdio = true;
    } else if (a == "-hda" || a == "-hdb" || a == "-hdc" || a == "-hdd") {
      o.drives.push_back({value(), xlat::dev::Media::Disk, false, a[3] - 'a'});
    } else if (a == "-cdrom") {
      o.drives.push_back({value(), xlat::dev::Media::Cdrom, true, 2});
    } else if (a == "-fda" || a == "-fdb") {
      o.drives.push_back({value(), xlat::dev::Media::Floppy, false, a[3] - 'a'});
    } else if (a == "-drive") {
      o.drives.push_back(parse_drive(value()));
    } else if (a == "-boot") {
      std::string b = value();
      if (b.rfind("order=", 0) == 0) b = b.substr(6);
      if (auto comma = b.find(','); comma != std::string::npos) b = b.substr(0, comma);
      if (b.empty() || b.size() > 3 || b.find_first_not_of("acd") != std::string::npos)
        usage_error(fmt::format("-boot: '{}' is not a boot order (letters a, c, d)", b));
      o.boot = b;
    } else if (a == "-bios") {
      o.bios = value();
    } else if (a == "-stats") {
      o.stats = true;
    } else if (a == "-perf-map") {
      o.perf_map = true;
    } else if (a == "-no-reboot") {
      o.no_reboot = true;
    } else {
      usage_error(fmt::format("unknown option '{}'", argv[i]));
    }
  }
  if (!o.kernel.empty() && !o.flat.empty()) usage_error("give at most one of -kernel FILE or -flat FILE");
  if (!o.initrd.empty() && o.kernel.empty()) usage_error("-initrd needs -kernel");
  if (o.lockstep && (!o.debug.gdb.empty() || o.debug.monitor_stdio))
    usage_error("-lockstep runs its own loop: it cannot be combined with -gdb/-s or -monitor");
  if (o.lockstep) o.clock = xlat::core::ClockMode::Deterministic;
  if (o.display == "curses") {
    if (o.nographic) usage_error("-display curses and -nographic exclude each other");
    if (o.lockstep) usage_error("-lockstep cannot take keys from a -display curses terminal");
    if (o.debug.monitor_stdio) usage_error("-display curses and -monitor stdio both use this terminal");
    for (unsigned i = 0; i < o.nserial; ++i)
      if (o.serial[i] == "stdio") usage_error("-display curses and -serial stdio both use this terminal");
  }  // both machines must see the same times
  if (o.debug.start_stopped && o.debug.gdb.empty() && !o.debug.monitor_stdio)
    usage_error("-S needs -gdb/-s or -monitor stdio to continue");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace xlat;
  Options opt = parse(argc, argv);
  std::vector<uint8_t> image, initrd;
  try {
    if (!opt.kernel.empty() || !opt.flat.empty()) image = boot::read_file(opt.kernel.empty() ? opt.flat : opt.kernel);
    if (!opt.initrd.empty()) initrd = boot::read_file(opt.initrd);
  } catch (const std::exception& e) {
    fmt::print(stderr, "xlat: {}\n", e.what());
    return EXIT_USAGE;
  }

  cli::TraceLog log;
  if (!opt.log_classes.empty()) {
    if (auto err = log.parse_classes(opt.log_classes); !err.empty()) usage_error(err);
  }
  if (!opt.log_file.empty()) {
    if (auto err = log.open(opt.log_file); !err.empty()) usage_error(err);
  }
  if (!opt.dfilter.empty()) {
    const auto dots = opt.dfilter.find("..");
    if (dots == std::string::npos) usage_error("-dfilter: expected LO..HI");
    log.set_filter(uint32_t(parse_number("-dfilter", "0x" + opt.dfilter.substr(0, dots))),
                   uint32_t(parse_number("-dfilter", "0x" + opt.dfilter.substr(dots + 2))));
  }

  // One emulated PC. With -lockstep a second one (the shadow) runs the other
  // engine: its serial ports replay the primary's input, its disks never
  // write the image files (frontends/cli/lockstep.hpp).
  struct Pc {
    std::unique_ptr<core::Machine> m;
    std::unique_ptr<dev::PcBoard> board;
  };
  std::unique_ptr<dev::CharBackend> shadow_ports[2];
  dev::CharBackend* console = nullptr;  // a stdio serial console: Ctrl-A c opens the monitor
  auto build = [&](const std::string& engine, Pc* shadow_of) {
    Pc pc;
    pc.m = std::make_unique<core::Machine>(opt.ram_mb << 20, opt.clock);
    core::Machine& m = *pc.m;
    if (log.mask && !shadow_of) m.cpu.tracer = &log;
    if (opt.singlestep) m.cpu.block_insn_limit = 1;
    translator::EngineOptions engine_opt;
    engine_opt.stats = opt.stats && !shadow_of;
    engine_opt.perf_map = opt.perf_map && !shadow_of;
    auto eng = translator::make_engine(engine, m.bus, engine_opt);
    m.set_engine(opt.lockstep ? cli::one_block_engine(std::move(eng)) : std::move(eng));
    m.no_reboot = opt.no_reboot;

    dev::PcBoard::Config board_cfg;
    std::unique_ptr<dev::CharBackend>* ports[2] = {&board_cfg.com1, &board_cfg.com2};
    for (unsigned i = 0; i < opt.nserial; ++i) {
      if (shadow_of) {
        *ports[i] = std::move(shadow_ports[i]);
        continue;
      }
      std::string err;
      *ports[i] = dev::open_char_backend(opt.serial[i], &err);
      if (!*ports[i]) usage_error(fmt::format("-serial {}: {}", opt.serial[i], err));
      if (opt.lockstep) std::tie(*ports[i], shadow_ports[i]) = dev::make_lockstep_pair(std::move(*ports[i]));
      (*ports[i])->on_quit = [&m] { m.request_stop(core::StopKind::Stopped, 0, "quit from the serial console"); };
      if (opt.serial[i] == "stdio") console = ports[i]->get();
    }
    if (shadow_of) board_cfg.debugcon = nullptr;
    // Firmware boot: the ROM and the disks.
    const bool firmware = opt.kernel.empty() && opt.flat.empty();
    if (firmware) {
      if (opt.bios.empty()) {
        board_cfg.bios = boot::builtin_bios();
      } else {
        try {
          board_cfg.bios = boot::read_file(opt.bios);
        } catch (const std::exception& e) {
          usage_error(fmt::format("-bios: {}", e.what()));
        }
        const size_t n = board_cfg.bios.size();
        if (n == 0 || n % 0x10000 || n > (16u << 20))
          usage_error(fmt::format("-bios: '{}' is {} bytes; a ROM must be a multiple of 64 KiB, at most 16 MiB", opt.bios, n));
        // A firmware built for QEMU (SeaBIOS) finds its VGA BIOS and serial
        // console through fw_cfg, as on QEMU.
        board_cfg.fw_cfg = true;
        if (const std::string vga = find_vga_bios(opt.bios); !vga.empty()) board_cfg.vga_bios = boot::read_file(vga);
        else if (!shadow_of)
          fmt::print(stderr, "xlat: no {} beside '{}' or in {}: the firmware gets no VGA BIOS (its screen stays blank)\n",
                     VGA_BIOS_NAME, opt.bios, VGA_BIOS_DIR);
        if (opt.nographic) board_cfg.sercon_port = 0x3F8;
      }
      board_cfg.boot_order = opt.boot;
    } else if (!opt.bios.empty()) {
      usage_error("-bios is for firmware boot (without -kernel/-flat)");
    }
    if (shadow_of) {
      for (unsigned i = 0; i < 4; ++i) {
        dev::IdeChannel& ch = i < 2 ? shadow_of->board->ide0 : shadow_of->board->ide1;
        dev::DiskImage* img = ch.image(i & 1);
        if (!img) continue;
        board_cfg.ide[i].image = img->make_shadow();
        if (!board_cfg.ide[i].image) usage_error(fmt::format("-lockstep: cannot share '{}'", img->path()));
        board_cfg.ide[i].media = ch.is_cdrom(i & 1) ? dev::Media::Cdrom : dev::Media::Disk;
      }
      for (unsigned i = 0; i < 2; ++i) {
        dev::DiskImage* img = shadow_of->board->fdc.image(i);
        if (!img) continue;
        board_cfg.floppy[i] = img->make_shadow();
        if (!board_cfg.floppy[i]) usage_error(fmt::format("-lockstep: cannot share '{}'", img->path()));
      }
    } else {
      for (const auto& d : opt.drives) {
        std::string err;
        if (d.media == dev::Media::Floppy) {
          int unit = d.index;
          if (unit < 0) unit = board_cfg.floppy[0] ? 1 : 0;
          if (board_cfg.floppy[unit]) usage_error(fmt::format("floppy drive {} is given twice ('{}')", "AB"[unit], d.file));
          board_cfg.floppy[unit] = dev::DiskImage::open(d.file, d.media, d.readonly, &err);
          if (!board_cfg.floppy[unit]) usage_error(err);
          continue;
        }
        int idx = d.index;
        if (idx < 0) {
          for (int i = 0; i < 4 && idx < 0; ++i)
            if (!board_cfg.ide[i].image && i != 2) idx = i;  // index 2 is kept for -cdrom, as QEMU does
          if (idx < 0) idx = 2;
        }
        if (board_cfg.ide[idx].image) usage_error(fmt::format("IDE position {} is given twice ('{}')", idx, d.file));
        board_cfg.ide[idx].image = dev::DiskImage::open(d.file, d.media, d.readonly, &err);
        if (!board_cfg.ide[idx].image) usage_error(err);
        board_cfg.ide[idx].media = d.media;
      }
    }
    pc.board = std::make_unique<dev::PcBoard>(m, std::move(board_cfg));
    return pc;
  };
  if (opt.nographic && opt.nserial == 0) opt.serial[opt.nserial++] = "stdio";
  Pc pc = build(opt.engine, nullptr);
  Pc shadow;
  if (opt.lockstep) shadow = build(opt.engine == "interp" ? "jit" : "interp", &pc);
  core::Machine& m = *pc.m;

  auto load = [&](core::Machine& mm) {
    if (!opt.kernel.empty()) {
      if (boot::is_linux_bzimage(image)) {
        boot::load_linux(mm, image, initrd, opt.append);
      } else if (boot::is_multiboot(image)) {
        if (!initrd.empty()) throw std::runtime_error("-initrd is for Linux kernels; this is a multiboot kernel");
        boot::load_multiboot(mm, image, opt.append);
      } else {
        throw std::runtime_error("'" + opt.kernel + "' is not a Linux bzImage or a multiboot kernel");
      }
    } else if (!opt.flat.empty()) {
      boot::load_flat(mm, image, opt.flat_addr);
    } else {
      mm.cpu.reset();  // the BIOS starts at F000:FFF0
    }
  };
  for (Pc* p : {&pc, &shadow}) {
    if (!p->m) continue;
    try {
      load(*p->m);
    } catch (const std::exception& e) {
      fmt::print(stderr, "xlat: {}\n", e.what());
      return EXIT_USAGE;
    }
    dev::PcBoard& board = *p->board;
    p->m->on_reset = [&board, load](core::Machine& mm) {
      board.reset();
      load(mm);
    };
  }
  if (opt.lockstep) {
    cli::LockstepConfig lcfg;
    if (const char* inj = std::getenv("XLAT_LOCKSTEP_INJECT")) {
      if (auto err = cli::parse_lockstep_inject(inj, lcfg); !err.empty()) usage_error(err);
    }
    core::RunResult r = cli::run_lockstep(m, *shadow.m, lcfg);
    std::fflush(stdout);
    if (r.kind != core::StopKind::DebugExit) fmt::print(stderr, "xlat: {}\n", r.message);
    if (opt.stats) translator::print_stats(m.engine(), stderr, m.cpu.icount);
    return r.exit_status;
  }

  if (console && opt.debug.monitor_stdio)
    usage_error("-monitor stdio and a stdio serial console both read this terminal (use Ctrl-A c)");
  const bool debugging = !opt.debug.gdb.empty() || opt.debug.monitor_stdio || console;
  std::unique_ptr<cli::TermDisplay> display;
  if (opt.display == "curses") display = std::make_unique<cli::TermDisplay>(m, *pc.board);
  dev::VgaText& vga = pc.board->vga;
  opt.debug.screen_text = [&vga] { return vga.text(); };
  gdb::Session session(m, opt.debug);
  if (console) {
    console->on_monitor = [&session] { session.console_toggle(); };
    console->monitor_input = [&session](uint8_t c) { return session.console_byte(c); };
    session.attach_console([console] { console->poll(); }, [](const std::string& t) {
      std::fwrite(t.data(), 1, t.size(), stdout);
      std::fflush(stdout);
    });
  }
  if (debugging) {
    if (auto err = session.open(); !err.empty()) usage_error(err);
  }
  core::RunResult r = debugging ? session.run() : m.run();
  display.reset();  // leave the terminal's alternate screen before the last messages
  std::fflush(stdout);
  if (r.kind != core::StopKind::DebugExit) fmt::print(stderr, "xlat: {}\n", r.message);
  if (opt.stats) translator::print_stats(m.engine(), stderr, m.cpu.icount);
  return r.exit_status;
}
