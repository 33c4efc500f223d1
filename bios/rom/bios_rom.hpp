// xlat's own BIOS ROM (bios/rom/*.asm, assembled by nasm at build time and
// compiled in): a 64 KiB image the PC board maps ending at 1 MiB and 4 GiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace xlat::boot {

std::vector<uint8_t> builtin_bios();

}  // namespace xlat::boot
