// The guest memory layout every fuzzer engine maps identically (Unicorn,
// xlat, and the host itself when it runs the bytes natively).
//
// Everything lies below 64 KiB except the stack, so that 16-bit addressing
// (the 67 prefix) reaches the data area too. The host's mmap_min_addr must
// allow 0x1000 for the native runner (Linux default: 4096 or 65536; with
// 65536 the native opinion is skipped).
#pragma once

#include <cstdint>

namespace xlat::fuzz::layout {

constexpr uint32_t GDT = 0x1000;  // flat descriptors (Unicorn needs a GDT to take our selectors)
constexpr uint32_t DATA = 0x4000, DATA_SIZE = 0x2000;   // crosses a page boundary at 0x5000
constexpr uint32_t CODE = 0x10000, CODE_SIZE = 0x2000;  // a sequence starts at CODE, or so that it
                                                      // crosses the page boundary at CODE + 0x1000
constexpr uint32_t STACK = 0x7E000, STACK_SIZE = 0x3000;
constexpr uint32_t ESP0 = 0x7F800;  // initial ESP (room both ways)
// The x87/SSE state page (fp family): the initial FXSAVE image, where the
// final state is saved, a clean image the host returns to, and the stubs that
// load and save them (FXRSTOR/FXSAVE with [disp32] operands; no register or
// flag is touched). Never reached by generated memory operands.
constexpr uint32_t FPPAGE = 0x8000;
constexpr uint32_t FX_IN = 0x8000, FX_OUT = 0x8200, FX_CLEAN = 0x8400;
constexpr uint32_t STUB_IN = 0x8800, STUB_OUT = 0x8840;
constexpr uint32_t NATIVE_LOW = 0x1000, NATIVE_SIZE = 0x9E000;  // host mapping for the native runner
constexpr uint32_t NATIVE_CONTROL = 0x9F000;

// Selectors of the flat segments (the same as boot::enter_flat_protected_mode).
constexpr uint16_t SEL_CODE = 0x10, SEL_DATA = 0x18;

}  // namespace xlat::fuzz::layout
