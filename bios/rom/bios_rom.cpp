#include "bios/rom/bios_rom.hpp"

namespace xlat::boot {

extern const uint8_t builtin_bios_data[];
extern const size_t builtin_bios_size;

std::vector<uint8_t> builtin_bios() { return {builtin_bios_data, builtin_bios_data + builtin_bios_size}; }

}  // namespace xlat::boot
