// Capstone wrapper; see disasm.hpp.
#include "tests/fuzz/disasm.hpp"

#include <capstone/capstone.h>

#include <cctype>
#include <cstdio>
#include <string_view>

namespace xlat::fuzz {

namespace {

// Capstone spellings that differ from Zydis' (condition codes and a few
// implicit-operand forms).
struct Alias {
  std::string_view cs, zy;
};
constexpr Alias kAliases[] = {
    {"JAE", "JNB"},       {"JE", "JZ"},         {"JNE", "JNZ"},       {"JA", "JNBE"},
    {"JGE", "JNL"},       {"JG", "JNLE"},       {"SETAE", "SETNB"},   {"SETE", "SETZ"},
    {"SETNE", "SETNZ"},   {"SETA", "SETNBE"},   {"SETGE", "SETNL"},   {"SETG", "SETNLE"},
    {"CMOVAE", "CMOVNB"}, {"CMOVE", "CMOVZ"},   {"CMOVNE", "CMOVNZ"}, {"CMOVA", "CMOVNBE"},
    {"CMOVGE", "CMOVNL"}, {"CMOVG", "CMOVNLE"}, {"PUSHAL", "PUSHAD"}, {"POPAL", "POPAD"},
    {"PUSHAW", "PUSHA"},  {"POPAW", "POPA"},    {"XLATB", "XLAT"},    {"SAL", "SHL"},
};

csh handle(size_t h) { return csh(h); }

}  // namespace

Capstone::Capstone() {
  csh h;
  if (cs_open(CS_ARCH_X86, CS_MODE_32, &h) == CS_ERR_OK) h32_ = size_t(h);
  if (cs_open(CS_ARCH_X86, CS_MODE_16, &h) == CS_ERR_OK) h16_ = size_t(h);
}

Capstone::~Capstone() {
  csh h = h32_;
  if (h) cs_close(&h);
  h = h16_;
  if (h) cs_close(&h);
}

unsigned Capstone::length(const uint8_t* p, size_t n, bool bits16) const {
  cs_insn* in = nullptr;
  const size_t got = cs_disasm(handle(bits16 ? h16_ : h32_), p, n, 0x1000, 1, &in);
  const unsigned len = got ? in->size : 0;
  if (got) cs_free(in, got);
  return len;
}

std::string Capstone::text(const uint8_t* p, size_t n, uint32_t addr, bool bits16) const {
  cs_insn* in = nullptr;
  const size_t got = cs_disasm(handle(bits16 ? h16_ : h32_), p, n, addr, 1, &in);
  if (!got) return "(bad)";
  std::string s = in->mnemonic;
  if (in->op_str[0]) s += std::string(" ") + in->op_str;
  cs_free(in, got);
  return s;
}

std::string Capstone::zydis_name(const uint8_t* p, size_t n) const {
  cs_insn* in = nullptr;
  const size_t got = cs_disasm(handle(h32_), p, n, 0x1000, 1, &in);
  if (!got) return {};
  std::string s = cs_insn_name(handle(h32_), in->id);
  cs_free(in, got);
  for (char& c : s) c = char(std::toupper(static_cast<unsigned char>(c)));
  for (const Alias& a : kAliases)
    if (s == a.cs) return std::string(a.zy);
  return s;
}

std::string listing(const Capstone& cs, const uint8_t* p, size_t n, uint32_t addr) {
  std::string out;
  size_t off = 0;
  while (off < n) {
    unsigned len = cs.length(p + off, n - off);
    const bool bad = len == 0;
    if (bad) len = 1;
    char line[160];
    int k = std::snprintf(line, sizeof line, "  %08x  ", unsigned(addr + off));
    for (unsigned i = 0; i < len && i < 15; ++i) k += std::snprintf(line + k, sizeof line - k, "%02x", p[off + i]);
    out += line;
    out.append(size_t(k < 44 ? 44 - k : 1), ' ');
    out += bad ? std::string("(bad)") : cs.text(p + off, n - off, uint32_t(addr + off));
    out += '\n';
    off += len;
  }
  return out;
}

}  // namespace xlat::fuzz
