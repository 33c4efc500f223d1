// Debugger access to guest memory: by linear address (through paging, without
// faults, A/D updates or TLB fills) or by physical address. Only RAM and ROM
// are read or written; MMIO and unmapped addresses end the access (so a
// debugger can never trigger device side effects). Writes to pages holding
// cached code invalidate it (Bus::copy_to), and ROM is writable here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/cpu.hpp"

namespace xlat::gdb {

// Returns how many bytes from the start could be accessed.
size_t read_guest(core::Cpu& cpu, uint64_t addr, bool physical, uint8_t* out, size_t n);
size_t write_guest(core::Cpu& cpu, uint64_t addr, bool physical, const uint8_t* in, size_t n);

}  // namespace xlat::gdb
