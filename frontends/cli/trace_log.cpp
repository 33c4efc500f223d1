#include "frontends/cli/trace_log.hpp"

#include <fmt/core.h>

#include <sstream>

namespace xlat::cli {

namespace {
struct ClassName {
  const char* name;
  uint32_t bit;
  const char* help;
};
constexpr ClassName classes[] = {
    {"in_asm", core::trace::IN_ASM, "guest code as it is decoded (per block, disassembled)"},
    {"out_asm", core::trace::OUT_ASM, "host code the translator emitted (per block, x86-64)"},
    {"exec", core::trace::EXEC, "each executed block"},
    {"cpu", core::trace::CPU, "registers before each executed block"},
    {"int", core::trace::INT, "interrupts and exceptions"},
    {"mmu", core::trace::MMU, "page faults"},
    {"cpu_reset", core::trace::CPU_RESET, "CPU resets"},
    {"guest_errors", core::trace::GUEST_ERRORS, "invalid guest behaviour (triple faults, ...)"},
    {"unimp", core::trace::UNIMP, "features the guest used that xlat does not implement"},
};
}  // namespace

TraceLog::~TraceLog() {
  if (own_ && out_) std::fclose(out_);
  if (cs16_) cs_close(&cs16_);
  if (cs32_) cs_close(&cs32_);
  if (cs64_) cs_close(&cs64_);
}

std::string TraceLog::help() {
  std::string h = "Log classes for -d (comma separated):\n";
  for (const auto& c : classes) h += fmt::format("  {:<13} {}\n", c.name, c.help);
  return h;
}

std::string TraceLog::parse_classes(const std::string& list) {
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    bool found = false;
    for (const auto& c : classes)
      if (item == c.name) mask |= c.bit, found = true;
    if (!found) return fmt::format("-d: unknown log class '{}' (try -d help)", item);
  }
  if (mask & core::trace::IN_ASM) {
    if (cs_open(CS_ARCH_X86, CS_MODE_16, &cs16_) != CS_ERR_OK || cs_open(CS_ARCH_X86, CS_MODE_32, &cs32_) != CS_ERR_OK)
      return "cannot initialise the Capstone disassembler";
  }
  if ((mask & core::trace::OUT_ASM) && cs_open(CS_ARCH_X86, CS_MODE_64, &cs64_) != CS_ERR_OK)
    return "cannot initialise the Capstone disassembler";
  return "";
}

std::string TraceLog::open(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (!f) return fmt::format("-D: cannot open '{}' for writing", path);
  out_ = f;
  own_ = true;
  return "";
}

void TraceLog::block_decoded(const core::Cpu& cpu, uint32_t eip, uint64_t phys, unsigned count, unsigned bytes) {
  if (!in_filter(eip)) return;
  std::vector<uint8_t> code(bytes);
  if (!cpu.bus.copy_from(phys, code.data(), bytes)) return;
  fmt::print(out_, "IN: {:04x}:{:08x} (phys {:08x}, {} insns)\n", cpu.s.seg[core::CS].sel, eip, phys, count);
  csh h = cpu.code32() ? cs32_ : cs16_;
  cs_insn* insn = nullptr;
  size_t n = cs_disasm(h, code.data(), code.size(), eip, 0, &insn);
  for (size_t i = 0; i < n; ++i) {
    std::string hex;
    for (unsigned b = 0; b < insn[i].size; ++b) hex += fmt::format("{:02x}", insn[i].bytes[b]);
    fmt::print(out_, "0x{:08x}:  {:<20} {} {}\n", insn[i].address, hex, insn[i].mnemonic, insn[i].op_str);
  }
  if (n) cs_free(insn, n);
  fmt::print(out_, "\n");
}

void TraceLog::block_translated(const core::Cpu& cpu, uint32_t eip, const uint8_t* code, unsigned size) {
  if (!in_filter(eip)) return;
  fmt::print(out_, "OUT: {:04x}:{:08x} ({} bytes at host {})\n", cpu.s.seg[core::CS].sel, eip, size,
             static_cast<const void*>(code));
  cs_insn* insn = nullptr;
  const size_t n = cs_disasm(cs64_, code, size, reinterpret_cast<uint64_t>(code), 0, &insn);
  for (size_t i = 0; i < n; ++i)
    fmt::print(out_, "0x{:012x}:  {} {}\n", insn[i].address, insn[i].mnemonic, insn[i].op_str);
  if (n) cs_free(insn, n);
  fmt::print(out_, "\n");
}

void TraceLog::dump_registers(const core::Cpu& c) {
  using namespace core;
  const auto& s = c.s;
  fmt::print(out_, "EAX={:08x} EBX={:08x} ECX={:08x} EDX={:08x}\n", uint32_t(s.gpr[EAX]), uint32_t(s.gpr[EBX]),
             uint32_t(s.gpr[ECX]), uint32_t(s.gpr[EDX]));
  fmt::print(out_, "ESI={:08x} EDI={:08x} EBP={:08x} ESP={:08x}\n", uint32_t(s.gpr[ESI]), uint32_t(s.gpr[EDI]),
             uint32_t(s.gpr[EBP]), uint32_t(s.gpr[ESP]));
  fmt::print(out_, "EIP={:08x} EFL={:08x} CPL={} CR0={:08x} CR2={:08x} CR3={:08x} CR4={:08x}\n", uint32_t(s.eip),
             c.eflags(), s.cpl, uint32_t(s.cr0), uint32_t(s.cr2), uint32_t(s.cr3), uint32_t(s.cr4));
  static const char* names[6] = {"ES", "CS", "SS", "DS", "FS", "GS"};
  for (unsigned i = 0; i < 6; ++i)
    fmt::print(out_, "{} ={:04x} {:08x} {:08x} {:04x}\n", names[i], s.seg[i].sel, uint32_t(s.seg[i].base),
               s.seg[i].limit, s.seg[i].attr);
}

void TraceLog::block_exec(const core::Cpu& cpu, uint64_t phys) {
  const uint32_t eip = uint32_t(cpu.s.eip);
  if (!in_filter(eip)) return;
  if (on(core::trace::EXEC))
    fmt::print(out_, "Trace {}: {:04x}:{:08x} phys {:08x} icount {}\n", count_++, cpu.s.seg[core::CS].sel, eip,
               phys, cpu.icount);
  if (on(core::trace::CPU)) dump_registers(cpu);
}

void TraceLog::interrupt(const core::Cpu& cpu, uint8_t vector, bool external, bool has_error, uint32_t error) {
  const bool pf = vector == core::VEC_PF && !external;
  if (!on(core::trace::INT) && !(pf && on(core::trace::MMU))) return;
  fmt::print(out_, "{}: v={:02x} {}{} cpl={} CS:EIP={:04x}:{:08x} SS:ESP={:04x}:{:08x}", external ? "irq" : "exception",
             vector, external ? "" : core::vector_name(vector), has_error ? fmt::format(" e={:04x}", error) : "",
             cpu.s.cpl, cpu.s.seg[core::CS].sel, uint32_t(cpu.s.eip), cpu.s.seg[core::SS].sel,
             uint32_t(cpu.s.gpr[core::ESP]));
  if (pf) fmt::print(out_, " CR2={:08x}", uint32_t(cpu.s.cr2));
  fmt::print(out_, " icount={}\n", cpu.icount);
}

void TraceLog::message(uint32_t cls, const std::string& text) {
  if (!on(cls)) return;
  fmt::print(out_, "{}\n", text);
  std::fflush(out_);
}

}  // namespace xlat::cli
