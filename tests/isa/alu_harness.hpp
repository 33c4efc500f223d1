// Test harness for the arithmetic/logic instruction families (alu_*_test.cpp).
//
// A test builds a list of Cases: an instruction (nasm text), the register,
// flag and scratch-memory state before it, and the state expected after it.
// run_cases() assembles all of them into straight-line guest programs (one
// per batch), runs them under an engine in 32-bit flat mode or 16-bit real
// mode, and compares what each case left in EAX EBX ECX EDX, the scratch
// memory and the flags with the expectation.
//
// Expectations come from the host: ALU_HOST("add eax, ebx") is a function
// that runs that instruction natively (Intel syntax, the same text nasm
// takes) on EAX..EDX and the flags of a Host struct, so the guest can be
// checked against real hardware for every defined result and flag. Memory
// and immediate forms of an instruction reuse the register form's result.
// (The host is x86-64: the 8/16/32-bit forms behave as on a 32-bit CPU.
// Undefined flags differ between vendors, so cases mask them out.)
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/guest.hpp"

namespace alu_test {

using xlat::test::Mode;

constexpr uint32_t CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
constexpr uint32_t ARITH = CF | PF | AF | ZF | SF | OF;

struct State {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
  uint32_t flags = 0;    // arithmetic flags (EFLAGS bit positions)
  uint32_t mem[8] = {};  // scratch memory: [SCR] in the instruction text is mem[4]
};

struct Case {
  std::string insn;  // nasm source; may use SCR (address of mem[4]), and several lines
  State in;
  State out;                   // expected
  uint32_t flag_mask = ARITH;  // flags of out.flags that are checked
  bool mem = false;            // set up and check the scratch memory
};

// The host registers an ALU_HOST function works on.
struct Host {
  uint64_t rax, rbx, rcx, rdx, flags;
};
using HostFn = void (*)(Host&);

// A host function running `text` (Intel syntax) with the flags of h.flags.
// 128 bytes are skipped below RSP so the pushes do not touch the red zone.
#define ALU_HOST(text)                                                                   \
  (+[](::alu_test::Host& h) {                                                            \
    asm volatile(                                                                        \
        "sub $128, %%rsp\n\tpush %[f]\n\tpopfq\n\t.intel_syntax noprefix\n\t" text       \
        "\n\t.att_syntax prefix\n\tpushfq\n\tpop %[f]\n\tadd $128, %%rsp"                \
        : "+a"(h.rax), "+b"(h.rbx), "+c"(h.rcx), "+d"(h.rdx), [f] "+r"(h.flags)          \
        :                                                                                \
        : "cc", "memory");                                                               \
  })

// Runs fn natively on the registers and flags of `in`; the result keeps
// in's memory. Only the low 32 bits of each register are kept.
State host_run(HostFn fn, const State& in);

// Runs fn natively with RDX pointing at mem[4] of a copy of in.mem (so the
// instruction text addresses the scratch memory as [rdx]); EDX is not part
// of such a case. The result has the updated memory.
State host_run_mem(HostFn fn, const State& in);

// Assembles, runs and checks every case under `engine` in `mode`; reports
// each mismatch (up to a limit) with the case's inputs.
void run_cases(const std::string& engine, Mode mode, const std::vector<Case>& cases);

// Interesting operand values for a size in bytes: 0, 1, sign boundaries,
// all-ones, nibble/byte carries and a few irregular patterns.
std::vector<uint32_t> edge_values(unsigned size);

// Register names for size 1/2/4 (index 0..3 = A, B, C, D).
std::string rname(unsigned size, unsigned idx);
// "byte"/"word"/"dword".
std::string sname(unsigned size);
// Hex text of a value for nasm.
std::string hex(uint32_t v);
const char* mode_name(Mode m);

// Two initial flag states every case runs with: all arithmetic flags clear,
// and all set (so a flag an instruction must not change is seen unchanged).
inline constexpr uint32_t FLAGS_IN[2] = {0, ARITH};

}  // namespace alu_test
