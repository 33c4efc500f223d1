// Direct loaders: put a guest program into RAM and set the CPU's start state,
// without firmware.
//  - flat binary: copied to `addr` (default 0x7C00) and entered in real mode
//    at 0000:addr with SP = addr, as a boot sector would be.
//  - multiboot v1: an ELF32 (or a.out-kludge) kernel loaded as the Multiboot
//    0.6.96 specification says, entered in 32-bit protected mode with
//    EAX = 0x2BADB002 and EBX = the multiboot information structure.
// Errors are returned as messages (std::runtime_error) for the frontend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/machine.hpp"

namespace xlat::boot {

std::vector<uint8_t> read_file(const std::string& path);  // throws std::runtime_error

void load_flat(core::Machine& m, const std::vector<uint8_t>& image, uint32_t addr = 0x7C00);

// True if the image carries a multiboot v1 header in its first 8 KiB.
bool is_multiboot(const std::vector<uint8_t>& image);
void load_multiboot(core::Machine& m, const std::vector<uint8_t>& image, const std::string& cmdline);

// Sets the CPU to 32-bit protected mode with flat 4 GiB code and data
// segments (no GDT in memory; the caches are loaded directly).
void enter_flat_protected_mode(core::Cpu& cpu, uint32_t eip);

}  // namespace xlat::boot
