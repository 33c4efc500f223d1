// -lockstep: the same guest on two complete machines, one per engine, run
// block by block and compared after every block.
//
// Both machines are built from the same options under the deterministic
// clock, so their devices see the same virtual times; the shadow's serial
// ports replay the primary's host input (devices/hostio/lockstep_pair.hpp)
// and its disks read the images as they were and keep their writes in
// memory (DiskImage::make_shadow). Each machine's engine runs one block per
// Machine::run_slice() (one_block_engine: the engines cut blocks at the
// same places), so after every pair of slices both CPUs have retired the
// same instructions and their architectural state must be equal
// (core/lockstep/state_diff.hpp). RAM is compared every `memory_every`
// blocks and at the end (comparing it after every block would cost more
// than running the guest). The first difference stops both with a report on
// stderr: the block, its instructions, the registers and the memory ranges
// that differ, each engine's value side by side.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/engine.hpp"
#include "core/machine.hpp"

namespace xlat::cli {

struct LockstepConfig {
  uint64_t memory_every = 1'000'000;  // blocks between RAM comparisons
  // Testing the checker (XLAT_LOCKSTEP_INJECT=ICOUNT:REG): after the first
  // block that reaches ICOUNT, flip bit 0 of REG (eax..edi) in the shadow.
  uint64_t inject_icount = 0;
  int inject_reg = -1;
};

// Parses XLAT_LOCKSTEP_INJECT; an error message or "".
std::string parse_lockstep_inject(const char* spec, LockstepConfig& cfg);

// Wraps an engine so that each run() executes at most one block.
std::unique_ptr<core::Engine> one_block_engine(std::unique_ptr<core::Engine> inner);

// Runs both machines to the primary's end. Returns the primary's result, or
// {Stopped, EXIT_LOCKSTEP, ...} at the first difference (reported on stderr).
constexpr int EXIT_LOCKSTEP = 3;
core::RunResult run_lockstep(core::Machine& primary, core::Machine& shadow, const LockstepConfig& cfg);

}  // namespace xlat::cli
