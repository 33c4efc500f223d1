// The three opinions on a fuzz sequence: Unicorn (QEMU's TCG inside), an xlat
// engine (through test::Guest), and the host CPU (tools/bench/host32). Each
// runner is built once and reset between sequences, so that a run costs a
// state reset and not an emulator start-up.
//
// Every runner maps the same layout (layout.hpp) with the same contents,
// starts at layout::CODE with the same registers and EFLAGS, and stops when
// EIP reaches the end of the code or at the first exception (not delivered).
// With an x87/SSE initial state (fp family), every runner runs with CR0.NE
// and CR4.OSFXSR|OSXMMEXCPT set; Unicorn and the host load the state by
// running FXRSTOR from layout::FX_IN before the code and save it with FXSAVE
// afterwards (the host: from its signal frame after a fault); xlat loads
// and stores its state image directly.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuzz/fp_state.hpp"
#include "tests/fuzz/sequence.hpp"

struct uc_struct;

namespace xlat::test {
struct Guest;
}
namespace xlat::host32 {
class Runner;
}

namespace xlat::fuzz {

struct Outcome {
  uint32_t gpr[8] = {};
  uint32_t eip = 0;
  uint32_t eflags = 0;
  bool fault = false;
  int vector = -1;     // exception vector when fault
  std::string error;   // the runner could not run the case (unmapped access, step limit...)
  std::vector<uint8_t> data, stack;
  bool has_fp = false;  // the x87/SSE state (when the sequence has an initial one)
  FpState fp;
};

class UnicornRunner {
 public:
  UnicornRunner();
  ~UnicornRunner();
  Outcome run(const Sequence& s);

 private:
  uc_struct* uc_ = nullptr;
  size_t hook_ = 0;
  void* ctx_ = nullptr;  // uc_context saved after set-up
  static void on_interrupt(uc_struct* uc, uint32_t intno, void* self);
  int vector_ = -1;
  uint32_t fault_eip_ = 0;
};

class XlatRunner {
 public:
  explicit XlatRunner(const std::string& engine);
  ~XlatRunner();
  Outcome run(const Sequence& s);
  const std::string& engine() const { return engine_; }

 private:
  std::string engine_;
  std::unique_ptr<test::Guest> g_;
};

class NativeRunner {
 public:
  NativeRunner();
  ~NativeRunner();
  bool ok() const { return mem_ != nullptr; }
  Outcome run(const Sequence& s);

 private:
  uint8_t* mem_ = nullptr;
  std::unique_ptr<host32::Runner> runner_;
};

}  // namespace xlat::fuzz
