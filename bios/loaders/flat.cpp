#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "bios/loaders/loaders.hpp"

namespace xlat::boot {

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot open '" + path + "'");
  std::vector<uint8_t> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) throw std::runtime_error("cannot read '" + path + "'");
  return data;
}

void load_flat(core::Machine& m, const std::vector<uint8_t>& image, uint32_t addr) {
  if (image.empty()) throw std::runtime_error("flat image is empty");
  if (uint64_t(addr) + image.size() > m.bus.ram_size() || addr + image.size() > 0xA0000)
    throw std::runtime_error("flat image does not fit in conventional memory at the load address");
  if (!m.bus.copy_to(addr, image.data(), image.size()))
    throw std::runtime_error("flat image overlaps non-RAM memory");
  core::Cpu& c = m.cpu;
  c.reset();
  for (unsigned s = 0; s < 6; ++s) c.load_seg_real(s, 0);
  c.s.eip = addr;
  c.s.gpr[core::EDX] = 0;
  c.s.gpr[core::ESP] = addr;
  c.s.cr0 = core::cr0::ET;
}

}  // namespace xlat::boot
