#include "frontends/cli/lockstep.hpp"

#include <capstone/capstone.h>
#include <fmt/core.h>

#include <cstring>
#include <vector>

#include "core/lockstep/state_diff.hpp"
#include "frontends/gdb/guest_memory.hpp"

namespace xlat::cli {

using namespace core;

namespace {

class OneBlock final : public Engine {
 public:
  explicit OneBlock(std::unique_ptr<Engine> inner) : inner_(std::move(inner)) {}
  const char* name() const override { return inner_->name(); }
  void run(Cpu& cpu, uint64_t until) override { inner_->run(cpu, std::min(until, cpu.icount + 1)); }
  void list_blocks(std::vector<BlockInfo>& out) const override { inner_->list_blocks(out); }
  void code_page_written(uint64_t page_number) override { inner_->code_page_written(page_number); }
  void flush_all_code() override { inner_->flush_all_code(); }

 private:
  std::unique_ptr<Engine> inner_;
};

// Where a block started: enough to name and disassemble it afterwards.
struct BlockStart {
  uint16_t cs;
  uint32_t eip, lin;
  uint64_t phys;
  bool code32;
  uint64_t icount;
};

BlockStart block_start(Cpu& c) {
  BlockStart b{c.s.seg[CS].sel, uint32_t(c.s.eip), uint32_t(c.s.seg[CS].base + c.s.eip), 0, c.code32(), c.icount};
  if (!c.probe(b.lin, b.phys)) b.phys = ~0ull;
  return b;
}

std::string disassemble(Cpu& c, const BlockStart& b, uint64_t count) {
  std::string out;
  csh h;
  if (cs_open(CS_ARCH_X86, b.code32 ? CS_MODE_32 : CS_MODE_16, &h) != CS_ERR_OK) return "    (no disassembler)\n";
  uint8_t buf[16 * 15];
  const size_t got = gdb::read_guest(c, b.lin, false, buf, sizeof buf);
  cs_insn* insn = nullptr;
  const size_t n = cs_disasm(h, buf, got, b.lin, std::min<uint64_t>(count ? count : 1, 16), &insn);
  for (size_t i = 0; i < n; ++i)
    out += fmt::format("    {:08x}: {} {}\n", uint32_t(insn[i].address), insn[i].mnemonic, insn[i].op_str);
  if (n == 0) out += "    (code not readable)\n";
  if (count > 16) out += fmt::format("    ... ({} instructions in all)\n", count);
  cs_free(insn, n);
  cs_close(&h);
  return out;
}

void report(Machine& pa, Machine& sa, uint64_t block, const BlockStart& b, const std::vector<StateDifference>& regs,
            const std::vector<std::pair<uint64_t, uint64_t>>& mem, uint64_t since_block) {
  const char* ea = pa.engine().name();
  const char* eb = sa.engine().name();
  std::string r = fmt::format("xlat: lockstep: {} and {} differ", ea, eb);
  if (!regs.empty()) {
    r += fmt::format(" after block {} (instructions {}..{})\n", block, b.icount, pa.cpu.icount);
    r += fmt::format("  block {:04x}:{:08x} (linear {:08x}, physical {}), {}-bit, {} instruction(s) retired by {}",
                     b.cs, b.eip, b.lin, b.phys == ~0ull ? std::string("unmapped") : fmt::format("{:09x}", b.phys),
                     b.code32 ? 32 : 16, pa.cpu.icount - b.icount, ea);
    r += "; an interrupt or exception entered at its start would show as a jump\n";
    r += disassemble(pa.cpu, b, pa.cpu.icount - b.icount);
    r += fmt::format("  {:<18} {:>18} {:>18}\n", "state", ea, eb);
    for (const StateDifference& d : regs) r += fmt::format("  {:<18} {:>18x} {:>18x}\n", d.name, d.a, d.b);
  } else {
    r += fmt::format(" in memory, between blocks {} and {} (registers were equal)\n", since_block, block);
  }
  for (const auto& [lo, hi] : mem) {
    r += fmt::format("  memory {:09x}..{:09x}:", lo, hi);
    for (uint64_t i = lo; i <= hi && i < lo + 16; ++i) r += fmt::format(" {:02x}", pa.bus.ram()[i]);
    r += fmt::format("  ({})\n  {:>29}", ea, "");
    for (uint64_t i = lo; i <= hi && i < lo + 16; ++i) r += fmt::format(" {:02x}", sa.bus.ram()[i]);
    r += fmt::format("  ({})\n", eb);
  }
  std::fputs(r.c_str(), stderr);
}

std::vector<std::pair<uint64_t, uint64_t>> memory_diff(Machine& a, Machine& b) {
  return diff_memory(a.bus.ram(), b.bus.ram(), a.bus.ram_size(), 8);
}

}  // namespace

std::unique_ptr<Engine> one_block_engine(std::unique_ptr<Engine> inner) {
  return std::make_unique<OneBlock>(std::move(inner));
}

std::string parse_lockstep_inject(const char* spec, LockstepConfig& cfg) {
  static const char* const regs[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  const std::string s = spec;
  const auto colon = s.find(':');
  if (colon == std::string::npos) return "XLAT_LOCKSTEP_INJECT: expected ICOUNT:REG";
  char* end = nullptr;
  cfg.inject_icount = std::strtoull(s.c_str(), &end, 0);
  if (end != s.c_str() + colon) return "XLAT_LOCKSTEP_INJECT: bad instruction count";
  for (int r = 0; r < 8; ++r)
    if (s.substr(colon + 1) == regs[r]) cfg.inject_reg = r;
  if (cfg.inject_reg < 0) return "XLAT_LOCKSTEP_INJECT: register must be one of eax..edi";
  return "";
}

RunResult run_lockstep(Machine& a, Machine& b, const LockstepConfig& cfg) {
  bool injected = cfg.inject_reg < 0;
  uint64_t last_mem_block = 0;
  for (uint64_t block = 1;; ++block) {
    const BlockStart start = block_start(a.cpu);
    std::optional<RunResult> ra = a.run_slice();
    std::optional<RunResult> rb = b.run_slice();
    if (!injected && b.cpu.icount >= cfg.inject_icount) {
      b.cpu.s.gpr[cfg.inject_reg] ^= 1;
      injected = true;
    }
    std::vector<StateDifference> regs = diff_state(a.cpu, b.cpu);
    if (ra.has_value() != rb.has_value() || (ra && rb && ra->kind != rb->kind))
      regs.push_back({"run ended", ra.has_value(), rb.has_value()});
    const bool check_mem = ra || block - last_mem_block >= cfg.memory_every;
    std::vector<std::pair<uint64_t, uint64_t>> mem;
    if (!regs.empty() || check_mem) mem = memory_diff(a, b);
    if (!regs.empty() || !mem.empty()) {
      report(a, b, block, start, regs, mem, last_mem_block);
      return RunResult{StopKind::Stopped, EXIT_LOCKSTEP, "lockstep: the engines differ (report above)"};
    }
    if (check_mem) last_mem_block = block;
    if (ra) {
      fmt::print(stderr, "xlat: lockstep: {} and {} agreed on {} blocks, {} instructions\n", a.engine().name(),
                 b.engine().name(), block, a.cpu.icount);
      return *ra;
    }
  }
}

}  // namespace xlat::cli
