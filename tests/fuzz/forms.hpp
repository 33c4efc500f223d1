// The fuzzer's instruction-form list, derived from the instruction table
// (ARCHITECTURE.md principle 2).
//
// A form is an opcode (one byte, or 0F and a byte) with, when it takes a
// ModRM byte, a fixed ModRM.reg value and register-or-memory choice. The list
// is found by decoding every opcode of the one- and two-byte maps with every
// ModRM.reg through our decoder and keeping those that land on a table row
// the fuzzer may run: not privileged, no port I/O, no mode change, no control
// transfer except relative branches (which the generator points forward
// inside the sequence), and with a rule in rules.cpp.
//
// Families: `int` is the general-purpose integer instructions; `fp` is the
// x87, MMX, SSE and SSE2 rows (A_FPU) except the state save/restore forms
// (FNSAVE/FRSTOR/FNSTENV/FLDENV/FXSAVE/FXRSTOR store the instruction and
// operand pointers, which differ between the runners; the runners use
// FXRSTOR/FXSAVE themselves to load and read the state). The fp family
// also tries the 66/F2/F3 mandatory prefixes on the 0F map, and takes each
// register form of D8-DF with every ModRM.rm separately (D9 E0 is FCHS,
// D9 E1 FABS...).
// Head to head (--reference interp: both runners are xlat engines at the
// same addresses), the state save/restore forms are kept: the pointers they
// store must agree between the translator and the interpreter.
//
// "All forms" mode (--all-forms) names forms with Capstone instead of the
// table, to compare Unicorn with the host CPU for instructions the table does
// not have yet (how the known-deviation list is verified).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/decode/decoded_insn.hpp"
#include "tests/fuzz/disasm.hpp"
#include "tests/fuzz/rules.hpp"

namespace xlat::fuzz {

enum class Family { Int, Fp, All };

struct Form {
  uint8_t pfx;   // mandatory prefix (66, F2, F3) or 0
  uint8_t opcode[2];
  uint8_t opcode_len;
  bool modrm;
  uint8_t reg;   // ModRM.reg (when modrm)
  int8_t rm;     // fixed ModRM.rm of a register form, or -1 (any register)
  bool mem;      // memory form (mod != 3)
  bool rel;      // relative branch
  uint16_t op;   // table row (0 in all-forms mode)
  std::string mnem;
  const Rule* rule;
};

// What the fuzzer knows about one decoded instruction.
struct InsnInfo {
  std::string mnem;       // Zydis spelling ("" if unknown)
  const Rule* rule = nullptr;
  uint16_t op = 0;        // table row
  uint32_t table_read = 0, table_written = 0, attrs = 0;
  bool in_table = false;
};

class Catalog {
 public:
  // from_table: forms are table rows; otherwise Capstone names them.
  // save_restore: keep the x87/SSE state save/restore forms (head to head).
  Catalog(bool from_table, const Capstone& cs, Family family = Family::Int, bool save_restore = false);

  const std::vector<Form>& forms() const { return forms_; }
  // Forms grouped by mnemonic (the generator picks a mnemonic, then a form).
  const std::vector<std::vector<const Form*>>& groups() const { return groups_; }

  InsnInfo identify(const core::DecodedInsn& in, const uint8_t* bytes, size_t n) const;
  bool from_table() const { return from_table_; }
  Family family() const { return family_; }

  // Human-readable summary: forms per mnemonic, and table rows not fuzzed
  // (with the reason).
  std::string describe() const;

 private:
  void discover();
  bool acceptable(const core::DecodedInsn& in, const InsnInfo& info, std::string* why) const;

  bool from_table_;
  const Capstone& cs_;
  Family family_;
  bool save_restore_;
  std::vector<Form> forms_;
  std::vector<std::vector<const Form*>> groups_;
  std::vector<std::string> skipped_;  // "MNEM: reason"
};

// True if the decoded instruction has a relative-branch operand.
bool has_rel(const core::DecodedInsn& in);

}  // namespace xlat::fuzz
