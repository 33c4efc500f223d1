// The -d/-D trace log of the xlat command: implements core::Tracer with
// Capstone disassembly and QEMU-like formats, written to stderr or a file.
#pragma once

#include <capstone/capstone.h>

#include <cstdio>
#include <optional>
#include <string>

#include "core/cpu.hpp"

namespace xlat::cli {

class TraceLog final : public core::Tracer {
 public:
  ~TraceLog() override;
  // Parses a -d list ("int,cpu_reset,..."). Returns an error message or "".
  std::string parse_classes(const std::string& list);
  // Opens the -D file (default: stderr). Returns an error message or "".
  std::string open(const std::string& path);
  // Limits block traces to EIPs in [lo, hi] (-dfilter).
  void set_filter(uint32_t lo, uint32_t hi) { filter_ = {lo, hi}; }
  static std::string help();

  void block_decoded(const core::Cpu& cpu, uint32_t eip, uint64_t phys, unsigned count, unsigned bytes) override;
  void block_translated(const core::Cpu& cpu, uint32_t eip, const uint8_t* code, unsigned size) override;
  void block_exec(const core::Cpu& cpu, uint64_t phys) override;
  void interrupt(const core::Cpu& cpu, uint8_t vector, bool external, bool has_error, uint32_t error) override;
  void message(uint32_t cls, const std::string& text) override;

 private:
  bool in_filter(uint32_t eip) const { return !filter_ || (eip >= filter_->first && eip <= filter_->second); }
  void dump_registers(const core::Cpu& cpu);
  FILE* out_ = stderr;
  bool own_ = false;
  csh cs16_ = 0, cs32_ = 0, cs64_ = 0;
  std::optional<std::pair<uint32_t, uint32_t>> filter_;
  uint64_t count_ = 0;
};

}  // namespace xlat::cli
