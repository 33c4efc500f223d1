// What this CPU says it is: the CPUID signature and feature bits, and the
// control-register bits that follow from them.
//
// FEATURES_EDX is the one place that decides which features CPUID.1:EDX
// advertises; everything that depends on a feature (the CR4 bits MOV CR4
// accepts, the tests that run each advertised feature) derives from it. A bit
// is set here only when the interpreter implements the feature completely:
// the floating-point work's bits are FPU_FEATURES_EDX.
#pragma once

#include <cstdint>
#include <type_traits>  // cpu_state.hpp uses it without including it

#include "core/cpu_state.hpp"

namespace xlat::core::cpuid {

// CPUID.1:EDX feature bits (Intel SDM vol. 2, CPUID, table "Feature
// Information Returned in the EDX Register").
namespace edx {
constexpr uint32_t FPU = 1u << 0, VME = 1u << 1, DE = 1u << 2, PSE = 1u << 3, TSC = 1u << 4,
                   MSR = 1u << 5, PAE = 1u << 6, MCE = 1u << 7, CX8 = 1u << 8, APIC = 1u << 9,
                   SEP = 1u << 11, MTRR = 1u << 12, PGE = 1u << 13, MCA = 1u << 14, CMOV = 1u << 15,
                   PAT = 1u << 16, PSE36 = 1u << 17, MMX = 1u << 23, FXSR = 1u << 24,
                   SSE = 1u << 25, SSE2 = 1u << 26;
}

// The floating-point features: x87, MMX, FXSAVE/FXRSTOR, SSE, SSE2
// (core/fpu/, core/interp/ops_x87_*.cpp, ops_mmx.cpp, ops_sse_*.cpp), each
// instruction compared with the host CPU under every engine by
// tests/isa/x87_*, mmx_* and sse_*.
constexpr uint32_t FPU_FEATURES_EDX = edx::FPU | edx::MMX | edx::FXSR | edx::SSE | edx::SSE2;

// The features this CPU implements (and nothing else).
constexpr uint32_t FEATURES_EDX = edx::DE | edx::PSE | edx::TSC | edx::MSR | edx::CX8 | edx::SEP |
                                  edx::PGE | edx::CMOV | FPU_FEATURES_EDX;

// CPUID.1:EAX: family 6, model 3, stepping 3 (a Pentium II class P6; model 3
// also keeps operating systems from ignoring SEP, which the Pentium Pro,
// model 1, reported without implementing). Cpu::reset leaves the same value
// in EDX.
constexpr uint32_t SIGNATURE = 0x0633;
constexpr uint32_t MAX_LEAF = 2;

// CR4 bits that exist on this CPU; setting any other bit raises #GP(0).
constexpr uint32_t CR4_VALID =
    ((FEATURES_EDX & edx::VME) ? (cr4::VME | cr4::PVI) : 0) |
    ((FEATURES_EDX & edx::TSC) ? cr4::TSD : 0) | ((FEATURES_EDX & edx::DE) ? cr4::DE : 0) |
    ((FEATURES_EDX & edx::PSE) ? cr4::PSE : 0) | ((FEATURES_EDX & edx::PAE) ? cr4::PAE : 0) |
    ((FEATURES_EDX & edx::MCE) ? cr4::MCE : 0) | ((FEATURES_EDX & edx::PGE) ? cr4::PGE : 0) |
    cr4::PCE | ((FEATURES_EDX & edx::FXSR) ? cr4::OSFXSR : 0) |
    ((FEATURES_EDX & edx::SSE) ? cr4::OSXMMEXCPT : 0);

// CR0 bits that exist; writes to the others are ignored (they read as 0).
constexpr uint32_t CR0_VALID = cr0::PE | cr0::MP | cr0::EM | cr0::TS | cr0::ET | cr0::NE | cr0::WP |
                               cr0::AM | cr0::NW | cr0::CD | cr0::PG;

}  // namespace xlat::core::cpuid
