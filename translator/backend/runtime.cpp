#include "translator/backend/runtime.hpp"

#include <asmjit/x86.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include "core/cpu_state.hpp"
#include "translator/backend/emitter.hpp"
#include "translator/block_decoder.hpp"

namespace xlat::translator::x64 {

using namespace asmjit;
using core::CpuState;

namespace {

class ThrowingErrorHandler : public ErrorHandler {
 public:
  void handleError(Error, const char* message, BaseEmitter*) override {
    throw std::runtime_error(std::string("translator: asmjit: ") + message);
  }
};

// Copies assembled code into the cache. Returns the executable address or
// nullptr if it does not fit.
uint8_t* install(CodeHolder& code, CodeCache& cache, size_t& size) {
  code.flatten();
  code.resolveUnresolvedLinks();
  size = code.codeSize();
  uint8_t* rx = cache.alloc(size);
  if (!rx) return nullptr;
  if (code.relocateToBase(reinterpret_cast<uint64_t>(rx)) != kErrorOk)
    throw std::runtime_error("translator: relocation failed");
  size = code.codeSize();
  code.copyFlattenedData(cache.rw_of(rx), size, CopySectionFlags::kPadSectionBuffer);
  return rx;
}

}  // namespace

Runtime emit_runtime(CodeCache& cache) {
  ThrowingErrorHandler eh;
  CodeHolder code;
  code.init(Environment::host());
  code.setErrorHandler(&eh);
  x86::Assembler a(&code);
  Label exit_common = a.newLabel();

  // enter(sh = rdi, state = rsi, code = rdx)
  a.push(x86::rbx);
  a.push(x86::rbp);
  a.push(x86::r12);
  a.push(x86::r13);
  a.push(x86::r14);
  a.push(x86::r15);
  a.sub(x86::rsp, 8);  // 16-byte alignment for helper calls
  a.mov(x86::r14, x86::rdi);
  a.mov(x86::r15, x86::rsi);
  a.mov(x86::r10, x86::rdx);
  a.mov(x86::qword_ptr(x86::r14, SH_HOST_RSP), x86::rsp);
  a.mov(x86::rcx, x86::qword_ptr(x86::r14, SH_ICOUNT));
  a.mov(x86::r11, x86::qword_ptr(x86::rcx));
  for (unsigned r = 0; r < 8; ++r) a.mov(greg(r, 4), x86::dword_ptr(x86::r15, int32_t(r * 8)));
  a.jmp(x86::r10);

  // exit_common: guest registers to the state, back to C++.
  a.align(AlignMode::kCode, 16);
  a.bind(exit_common);
  for (unsigned r = 0; r < 8; ++r) a.mov(x86::qword_ptr(x86::r15, int32_t(r * 8)), greg64(r));
  a.mov(x86::rcx, x86::qword_ptr(x86::r14, SH_ICOUNT));
  a.mov(x86::qword_ptr(x86::rcx), x86::r11);
  a.mov(x86::rsp, x86::qword_ptr(x86::r14, SH_HOST_RSP));
  a.add(x86::rsp, 8);
  a.pop(x86::r15);
  a.pop(x86::r14);
  a.pop(x86::r13);
  a.pop(x86::r12);
  a.pop(x86::rbp);
  a.pop(x86::rbx);
  a.ret();

  size_t size = 0;
  uint8_t* base = install(code, cache, size);
  if (!base) throw std::runtime_error("translator: code cache too small for the runtime");
  Runtime rt;
  rt.enter = reinterpret_cast<EnterFn>(base);
  rt.exit_common = base + code.labelOffsetFromBase(exit_common);
  rt.bytes = cache.used();
  return rt;
}

bool translate_block(const EmitEnv& env, CodeCache& cache, Block& b) {
  return translate_block(env, cache, b, true);
}

bool translate_block(const EmitEnv& env, CodeCache& cache, Block& b, bool loop_copy) {
  ThrowingErrorHandler eh;
  CodeHolder code;
  code.init(Environment::host());
  code.setErrorHandler(&eh);
  x86::Assembler a(&code);
  b.exits.clear();
  BlockEmitter e(env, b, a, loop_copy);
  e.emit();
  // A self-loop's second copy (emitter.hpp) doubles the body: a block whose
  // doubled code would pass the cap is emitted once, as any block.
  if (e.emitted_loop_copy() && code.codeSize() > MAX_BLOCK_CODE) {
    b.exits.clear();
    return translate_block(env, cache, b, false);
  }
  size_t size = 0;
  uint8_t* base = install(code, cache, size);
  if (!base) {
    b.exits.clear();
    return false;
  }
  if (size > MAX_BLOCK_CODE)
    throw std::logic_error("translator: a block's host code exceeds MAX_BLOCK_CODE (" + std::to_string(size) + " bytes)");
  b.code = base;
  b.code_size = uint32_t(size);
  b.entry = base + code.labelOffsetFromBase(e.entry_label);
  b.checked_entry = base + code.labelOffsetFromBase(e.checked_label);
  for (const auto& s : e.link_sites) {
    s.link->jmp = base + code.labelOffsetFromBase(s.jmp);
    s.link->stub = base + code.labelOffsetFromBase(s.stub);
  }
  return true;
}

}  // namespace xlat::translator::x64
