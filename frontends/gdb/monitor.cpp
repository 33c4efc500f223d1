// Monitor commands (see monitor.hpp).
#include "frontends/gdb/monitor.hpp"

#include <capstone/capstone.h>
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "frontends/gdb/guest_memory.hpp"
#include "translator/engines.hpp"

namespace xlat::gdb {

using namespace xlat::core;

namespace {

std::vector<std::string> split(const std::string& line) {
  std::istringstream is(line);
  std::vector<std::string> w;
  for (std::string t; is >> t;) w.push_back(t);
  return w;
}

bool parse_num(const std::string& t, uint64_t& v) {
  if (t.empty()) return false;
  const char* p = t.c_str();
  int base = 16;
  if (*p == '#') ++p, base = 10;
  char* end = nullptr;
  v = std::strtoull(p, &end, base);
  return end && *end == 0 && end != p;
}

const char* HELP =
    "info registers      all registers, with segment caches, CRs, DRs, GDTR/IDTR/LDTR/TR\n"
    "info tlb            every mapped page (linear -> physical, flags)\n"
    "info mem            mapped linear ranges, coalesced\n"
    "info blocks [ADDR]  the engine's cached blocks on ADDR's page (default CS:EIP) and its instructions\n"
    "x[/N] ADDR          dump N (default 64) bytes at ADDR (linear, or physical with phys on)\n"
    "xp[/N] ADDR         dump N bytes at physical ADDR\n"
    "x/Ni ADDR, xp/Ni    disassemble N instructions\n"
    "phys on|off         gdb memory, breakpoints and watchpoints use physical addresses\n"
    "stepirq on|off      single-step may enter pending external interrupts (default off)\n"
    "stats               retired instructions, virtual time, engine counters\n"
    "screendump FILE     write the VGA text screen to FILE (25 lines of text)\n"
    "reset               reset the machine (board and loader)\n"
    "help                this list\n"
    "console only: stop, cont (c), quit (q)\n";

}  // namespace

std::string Monitor::registers() const {
  const Cpu& c = m_.cpu;
  const CpuState& s = c.s;
  std::string o;
  const char* mode = !c.protected_mode() ? "real" : c.v86() ? "v86" : c.code32() ? "protected 32-bit" : "protected 16-bit";
  o += fmt::format("CS:EIP {:04x}:{:08x} (linear {:08x})  mode {}  CPL {}{}\n", s.seg[CS].sel, uint32_t(s.eip),
                   uint32_t(s.seg[CS].base + s.eip), mode, s.cpl, s.halted ? "  HALTED" : "");
  const char* g[8] = {"EAX", "ECX", "EDX", "EBX", "ESP", "EBP", "ESI", "EDI"};
  for (unsigned i = 0; i < 8; ++i)
    o += fmt::format("{}={:08x}{}", g[i], uint32_t(s.gpr[i]), i % 4 == 3 ? "\n" : " ");
  const uint32_t f = c.eflags();
  o += fmt::format("EFL={:08x} [{}{}{}{}{}{}{}{}{}{}] IOPL={}\n", f, f & fl::OF ? 'O' : '-', f & fl::DF ? 'D' : '-',
                   f & fl::IF ? 'I' : '-', f & fl::TF ? 'T' : '-', f & fl::SF ? 'S' : '-', f & fl::ZF ? 'Z' : '-',
                   f & fl::AF ? 'A' : '-', f & fl::PF ? 'P' : '-', f & fl::CF ? 'C' : '-',
                   f & fl::VM ? 'V' : '-', c.iopl());
  const char* sn[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (unsigned i = 0; i < 6; ++i)
    o += fmt::format("{} ={:04x} base {:08x} limit {:08x} attr {:04x}\n", sn[i], s.seg[i].sel,
                     uint32_t(s.seg[i].base), s.seg[i].limit, s.seg[i].attr);
  o += fmt::format("LDT={:04x} base {:08x} limit {:08x} attr {:04x}\n", s.ldtr.sel, uint32_t(s.ldtr.base),
                   s.ldtr.limit, s.ldtr.attr);
  o += fmt::format("TR ={:04x} base {:08x} limit {:08x} attr {:04x}\n", s.tr.sel, uint32_t(s.tr.base), s.tr.limit,
                   s.tr.attr);
  o += fmt::format("GDT=     {:08x} {:08x}\nIDT=     {:08x} {:08x}\n", uint32_t(s.gdtr.base), s.gdtr.limit,
                   uint32_t(s.idtr.base), s.idtr.limit);
  o += fmt::format("CR0={:08x} CR2={:08x} CR3={:08x} CR4={:08x}\n", uint32_t(s.cr0), uint32_t(s.cr2),
                   uint32_t(s.cr3), uint32_t(s.cr4));
  o += fmt::format("DR0={:08x} DR1={:08x} DR2={:08x} DR3={:08x}\nDR6={:08x} DR7={:08x}\n", uint32_t(s.dr[0]),
                   uint32_t(s.dr[1]), uint32_t(s.dr[2]), uint32_t(s.dr[3]), uint32_t(s.dr[6]), uint32_t(s.dr[7]));
  o += fmt::format("SYSENTER CS={:08x} ESP={:08x} EIP={:08x}  A20 {}\n", uint32_t(s.sysenter_cs),
                   uint32_t(s.sysenter_esp), uint32_t(s.sysenter_eip), (s.a20_mask & (1u << 20)) ? "on" : "off");
  o += fmt::format("FCW={:04x} FSW={:04x} TOP={} FTW(abridged)={:02x} MXCSR={:08x}\n", s.fpu.fcw, s.fpu.fsw,
                   unsigned(s.fpu.top), s.fpu.ftw, s.fpu.mxcsr);
  return o;
}

void Monitor::page_table(std::string& out, bool coalesce) const {
  Cpu& c = m_.cpu;
  if (!c.paging()) {
    out += "paging is disabled: linear addresses are physical\n";
    return;
  }
  constexpr unsigned MAX_LINES = 4096;
  unsigned lines = 0;
  auto flags = [](uint32_t e) {
    return fmt::format("{}{}{}{}{}", e & 1 ? 'P' : '-', e & 2 ? 'W' : 'R', e & 4 ? 'U' : 'S', e & 0x20 ? 'A' : '-',
                       e & 0x40 ? 'D' : '-');
  };
  // Coalescing state: a run of linear pages mapping contiguous physical pages with the same flags.
  bool have = false;
  uint64_t r_lin = 0, r_phys = 0, r_len = 0;
  std::string r_fl;
  auto flush = [&] {
    if (!have) return;
    if (lines++ < MAX_LINES)
      out += fmt::format("{:08x}-{:08x} {:08x} -> {:09x} {}\n", r_lin, r_lin + r_len - 1, r_len, r_phys, r_fl);
    have = false;
  };
  auto page = [&](uint64_t lin, uint64_t phys, uint64_t len, const std::string& fl) {
    if (!coalesce) {
      if (lines++ < MAX_LINES) out += fmt::format("{:08x}: {:09x} {}\n", lin, phys, fl);
      return;
    }
    if (have && r_lin + r_len == lin && r_phys + r_len == phys && r_fl == fl) {
      r_len += len;
      return;
    }
    flush();
    have = true, r_lin = lin, r_phys = phys, r_len = len, r_fl = fl;
  };
  const uint64_t a20 = c.s.a20_mask;
  for (uint32_t di = 0; di < 1024; ++di) {
    const uint32_t pde = uint32_t(c.bus.read(((c.s.cr3 & 0xFFFFF000u) | (di << 2)) & a20, 4));
    if (!(pde & 1)) {
      if (coalesce) flush();
      continue;
    }
    const uint64_t lin = uint64_t(di) << 22;
    if ((pde & 0x80) && (c.s.cr4 & cr4::PSE)) {
      if (coalesce) {
        page(lin, pde & 0xFFC00000u, 0x400000, flags(pde) + " 4M");
      } else {
        for (uint32_t k = 0; k < 1024; ++k) page(lin + (k << 12), (pde & 0xFFC00000u) + (k << 12), 0x1000, flags(pde) + " 4M");
      }
      continue;
    }
    for (uint32_t ti = 0; ti < 1024; ++ti) {
      const uint32_t pte = uint32_t(c.bus.read(((pde & 0xFFFFF000u) | (ti << 2)) & a20, 4));
      if (!(pte & 1)) {
        if (coalesce) flush();
        continue;
      }
      // Effective rights: both levels must allow W / U.
      const uint32_t eff = (pte & ~6u) | (pte & pde & 6u);
      page(lin | (ti << 12), pte & 0xFFFFF000u, 0x1000, flags(eff));
    }
  }
  if (coalesce) flush();
  if (lines > MAX_LINES) out += fmt::format("... {} more lines\n", lines - MAX_LINES);
  if (lines == 0) out += "no page is mapped\n";
}

void Monitor::dump(std::string& out, uint64_t addr, unsigned n, bool physical, char fmt) {
  if (fmt == 'i') {
    csh h;
    const bool c32 = m_.cpu.code32();
    if (cs_open(CS_ARCH_X86, c32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) {
      out += "capstone is unavailable\n";
      return;
    }
    for (unsigned k = 0; k < n; ++k) {
      uint8_t b[16];
      const size_t got = read_guest(m_.cpu, addr, physical, b, sizeof b);
      cs_insn* insn = nullptr;
      if (got == 0 || cs_disasm(h, b, got, addr, 1, &insn) != 1) {
        out += fmt::format("{:08x}: {}\n", addr, got == 0 ? "(not accessible)" : "(bad)");
        break;
      }
      std::string bytes;
      for (unsigned j = 0; j < insn->size; ++j) bytes += fmt::format("{:02x}", insn->bytes[j]);
      out += fmt::format("{:08x}: {:<16} {} {}\n", addr, bytes, insn->mnemonic, insn->op_str);
      addr += insn->size;
      cs_free(insn, 1);
    }
    cs_close(&h);
    return;
  }
  if (n > 4096) n = 4096;
  std::vector<uint8_t> buf(n);
  const size_t got = read_guest(m_.cpu, addr, physical, buf.data(), n);
  for (size_t i = 0; i < got; i += 16) {
    out += fmt::format("{:08x}:", addr + i);
    for (size_t j = i; j < i + 16 && j < got; ++j) out += fmt::format(" {:02x}", buf[j]);
    out += "\n";
  }
  if (got < n) out += fmt::format("{:08x}: (not accessible)\n", addr + got);
}

void Monitor::blocks(std::string& out, uint64_t addr) {
  uint64_t phys = addr;
  if (!set_.physical && !m_.cpu.probe(uint32_t(addr), phys)) {
    out += fmt::format("{:08x}: not mapped\n", addr);
    return;
  }
  // The engine's cached blocks whose first byte is on the same physical
  // page, in address order; '*' marks those holding the address.
  std::vector<BlockInfo> all;
  m_.engine().list_blocks(all);
  std::vector<BlockInfo> near;
  for (const BlockInfo& b : all)
    if ((b.phys >> 12) == (phys >> 12)) near.push_back(b);
  std::sort(near.begin(), near.end(), [](const BlockInfo& x, const BlockInfo& y) {
    return x.phys != y.phys ? x.phys < y.phys : x.eip < y.eip;
  });
  out += fmt::format("{} {:08x} (physical {:09x}): engine {}, {} blocks cached, {} on this page{}\n",
                     set_.physical ? "physical" : "linear", addr, phys, m_.engine().name(), all.size(),
                     near.size(), m_.bus.is_code_page(phys) ? "" : " (not a code page)");
  if (!near.empty()) {
    out += "  physical   CS:EIP base+eip     bytes insns bits host-bytes exits linked\n";
    for (const BlockInfo& b : near) {
      const bool in = phys >= b.phys && phys < b.phys + b.bytes;
      const std::string lin = b.has_linear ? fmt::format("{:08x}+{:08x}", b.cs_base, b.eip) : std::string(17, '-');
      const std::string host = b.host_bytes ? fmt::format("{}", b.host_bytes) : "-";
      out += fmt::format("{} {:09x} {} {:5} {:5} {:4} {:>10} {:5} {:6}\n", in ? '*' : ' ', b.phys, lin, b.bytes,
                         b.insns, b.code32 ? 32 : 16, host, b.exits, b.linked);
    }
  }
  dump(out, addr, 8, set_.physical, 'i');
}

Monitor::Action Monitor::execute(const std::string& line, std::string& out) {
  std::vector<std::string> w = split(line);
  if (w.empty()) return Action::None;
  const std::string& cmd = w[0];
  auto onoff = [&](bool& flag, const char* what) {
    if (w.size() == 2 && (w[1] == "on" || w[1] == "off")) flag = w[1] == "on";
    else if (w.size() != 1) out += fmt::format("usage: {} on|off\n", cmd);
    out += fmt::format("{} {}\n", what, flag ? "on" : "off");
  };
  if (cmd == "help" || cmd == "?") {
    out += HELP;
  } else if (cmd == "info" && w.size() >= 2 && (w[1] == "registers" || w[1] == "reg" || w[1] == "r")) {
    out += registers();
  } else if (cmd == "info" && w.size() >= 2 && w[1] == "tlb") {
    page_table(out, false);
  } else if (cmd == "info" && w.size() >= 2 && w[1] == "mem") {
    page_table(out, true);
  } else if (cmd == "screendump") {
    if (w.size() != 2) return out += "usage: screendump FILE\n", Action::None;
    if (!screen_text) return out += "screendump: this machine has no display\n", Action::None;
    std::FILE* f = std::fopen(w[1].c_str(), "w");
    if (!f) return out += fmt::format("screendump: cannot write '{}': {}\n", w[1], std::strerror(errno)), Action::None;
    const std::string t = screen_text();
    const bool ok = std::fwrite(t.data(), 1, t.size(), f) == t.size();
    if (std::fclose(f) != 0 || !ok) return out += fmt::format("screendump: error writing '{}'\n", w[1]), Action::None;
    out += fmt::format("screen written to {}\n", w[1]);
  } else if (cmd == "info" && w.size() >= 2 && w[1] == "blocks") {
    uint64_t a = uint32_t(m_.cpu.s.seg[CS].base + m_.cpu.s.eip);
    if (w.size() >= 3 && !parse_num(w[2], a)) return out += "info blocks: bad address\n", Action::None;
    blocks(out, a);
  } else if (cmd.rfind("x", 0) == 0 && (cmd.size() == 1 || cmd[1] == '/' || cmd.rfind("xp", 0) == 0)) {
    const bool xp = cmd.rfind("xp", 0) == 0;
    std::string spec = cmd.substr(xp ? 2 : 1);
    unsigned n = 64;
    char fmtc = 'x';
    if (!spec.empty()) {
      if (spec[0] != '/') return out += "usage: x[/N[i]] ADDR\n", Action::None;
      spec = spec.substr(1);
      if (!spec.empty() && (spec.back() == 'i' || spec.back() == 'x' || spec.back() == 'b')) {
        fmtc = spec.back() == 'i' ? 'i' : 'x';
        spec.pop_back();
      }
      uint64_t v = fmtc == 'i' ? 8 : 64;
      if (!spec.empty() && !parse_num("#" + spec, v)) return out += "usage: x[/N[i]] ADDR\n", Action::None;
      n = unsigned(std::min<uint64_t>(v, 4096));
    }
    uint64_t a;
    if (w.size() != 2 || !parse_num(w[1], a)) return out += "usage: x[/N[i]] ADDR\n", Action::None;
    dump(out, a, n, xp || set_.physical, fmtc);
  } else if (cmd == "phys") {
    onoff(set_.physical, "physical addressing");
  } else if (cmd == "stepirq") {
    onoff(set_.step_irqs, "interrupts during single-step");
  } else if (cmd == "stats") {
    out += fmt::format("engine {}\nretired instructions {}\nvirtual time {} ns\n", m_.engine().name(),
                       m_.cpu.icount, m_.now_ns());
    char* buf = nullptr;
    size_t len = 0;
    if (FILE* f = open_memstream(&buf, &len)) {
      translator::print_stats(m_.engine(), f, m_.cpu.icount);
      std::fclose(f);
      out.append(buf, len);
      std::free(buf);
    }
  } else if (cmd == "reset") {
    m_.cpu.reset();
    if (m_.on_reset) m_.on_reset(m_);
    m_.engine().flush_all_code();
    out += "machine reset\n";
  } else if (cmd == "stop") {
    return Action::Stop;
  } else if (cmd == "cont" || cmd == "c") {
    return Action::Cont;
  } else if (cmd == "quit" || cmd == "q") {
    return Action::Quit;
  } else {
    out += fmt::format("unknown command '{}' (try help)\n", cmd);
  }
  return Action::None;
}

}  // namespace xlat::gdb
