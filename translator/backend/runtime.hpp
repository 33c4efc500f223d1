// Code shared by all blocks, emitted once at the start of the code cache:
// the entry trampoline (C++ -> translated code), the common exit (translated
// code -> C++).
#pragma once

#include <cstdint>

#include "translator/backend/jit_abi.hpp"
#include "translator/block.hpp"
#include "translator/code_cache.hpp"

namespace xlat::translator::x64 {

using EnterFn = void (*)(JitShared* sh, void* state, const uint8_t* code);

struct Runtime {
  EnterFn enter = nullptr;
  const uint8_t* exit_common = nullptr;
  size_t bytes = 0;  // code cache bytes it occupies (kept across flushes)
};

// Emits the runtime at the start of an empty cache.
Runtime emit_runtime(CodeCache& cache);

// Index of an EIP in the indirect-branch table (the inline look-up at an indirect exit computes the same).
inline unsigned ib_index(uint32_t eip) { return (eip * IB_HASH) >> (32 - IB_BITS); }

// Translates a decoded block into the cache: fills b.code, b.entry,
// b.checked_entry, b.code_size and b.exits. Returns false if the cache is
// full (nothing is allocated then).
bool translate_block(const EmitEnv& env, CodeCache& cache, Block& b);
// The same, choosing whether a self-loop gets its second copy (tests).
bool translate_block(const EmitEnv& env, CodeCache& cache, Block& b, bool loop_copy);

}  // namespace xlat::translator::x64
