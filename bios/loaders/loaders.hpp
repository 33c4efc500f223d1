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

// True if the image is a Linux bzImage (setup header with "HdrS").
bool is_linux_bzimage(const std::vector<uint8_t>& image);
// Loads a bzImage (and an optional initrd) by the 32-bit boot protocol.
void load_linux(core::Machine& m, const std::vector<uint8_t>& image, const std::vector<uint8_t>& initrd,
                const std::string& cmdline);

// Address of the GDT the loaders write (null, null, 0x10 flat code, 0x18
// flat data: the selectors the Linux boot protocol and multiboot expect).
constexpr uint32_t LOADER_GDT = 0x8F00;

// Writes the loader GDT, and sets the CPU to 32-bit protected mode with CS =
// 0x10 and the data segments = 0x18 (flat 4 GiB), EFLAGS = 2, paging off.
void enter_flat_protected_mode(core::Machine& m, uint32_t eip);
// The same without a GDT in memory (the caches are set directly): for tests
// that do not want the loader's memory touched.
void enter_flat_protected_mode(core::Cpu& cpu, uint32_t eip);

}  // namespace xlat::boot
