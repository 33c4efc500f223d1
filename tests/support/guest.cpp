#include "tests/support/guest.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "bios/loaders/loaders.hpp"
#include "translator/engines.hpp"

namespace xlat::test {

std::vector<uint8_t> nasm(const std::string& source) {
  char dir[] = "/tmp/xlat-nasm-XXXXXX";
  if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
  const std::string d = dir, src = d + "/t.asm", bin = d + "/t.bin", log = d + "/log";
  std::ofstream(src) << source << "\n";
  const std::string cmd = "nasm -f bin -o " + bin + " " + src + " 2>" + log;
  const int rc = std::system(cmd.c_str());
  std::ifstream lf(log);
  std::string msgs((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
  std::ifstream bf(bin, std::ios::binary);
  std::vector<uint8_t> out((std::istreambuf_iterator<char>(bf)), std::istreambuf_iterator<char>());
  std::remove(src.c_str());
  std::remove(bin.c_str());
  std::remove(log.c_str());
  rmdir(dir);
  if (rc != 0) throw std::runtime_error("nasm failed:\n" + msgs + "\nsource:\n" + source);
  return out;
}

std::vector<std::string> engines() { return translator::engine_names(); }

Guest::Guest(const std::string& engine, Mode mode, uint64_t ram) : m(ram), cpu(m.cpu) {
  auto e = translator::make_engine(engine, m.bus);
  if (!e) throw std::runtime_error("no engine named " + engine);
  m.set_engine(std::move(e));
  cpu.reset();
  if (mode == Mode::Flat32) {
    boot::enter_flat_protected_mode(cpu, CODE);
  } else {
    for (unsigned s = 0; s < 6; ++s) cpu.load_seg_real(s, 0);
    cpu.s.eip = CODE;
  }
  cpu.s.gpr[core::ESP] = STACK;
  cpu.fault_hook = [this](const core::GuestFault& f) {
    if (!trap_faults) return false;
    fault = f;
    fault_eip = uint32_t(cpu.s.eip);
    return true;
  };
}

void Guest::load(const std::vector<uint8_t>& code, uint32_t addr) {
  if (!m.bus.copy_to(addr, code.data(), code.size())) throw std::runtime_error("code does not fit");
  cpu.s.eip = addr;
}

void Guest::run(uint64_t max_insns) {
  const uint64_t until = cpu.icount + max_insns;
  for (;;) {
    m.engine().run(cpu, until);
    if (cpu.icount >= until) {
      hit_limit = true;
      return;
    }
    if (cpu.events.load() & (core::ev::STOP | core::ev::SHUTDOWN)) return;
    if (cpu.s.halted) return;
  }
}

uint32_t Guest::read32(uint32_t phys) const {
  uint32_t v = 0;
  m.bus.copy_from(phys, &v, 4);
  return v;
}
uint8_t Guest::read8(uint32_t phys) const {
  uint8_t v = 0;
  m.bus.copy_from(phys, &v, 1);
  return v;
}
void Guest::write32(uint32_t phys, uint32_t v) { m.bus.copy_to(phys, &v, 4); }

}  // namespace xlat::test
