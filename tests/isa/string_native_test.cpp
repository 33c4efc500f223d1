// String instructions against native execution: each case runs one string
// instruction (with or without REP/REPE/REPNE) in a 32-bit flat guest and the
// same instruction natively on this x86-64 host, on a buffer with the same
// contents and the same register offsets, then compares the buffer, the
// index and count registers, EAX and the flags (arithmetic bits and DF).
// Covers both directions, every element size, REP with a zero count,
// REPE/REPNE termination and overlapping copies.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "tests/support/guest.hpp"

using namespace xlat;

namespace {

struct Native {
  uint64_t rsi, rdi, rcx, rax, flags;
};

// Runs `insn` on the host with the registers and flags of `n` (the flags
// include DF) and returns the new registers and flags in `n`. The red zone
// below RSP is skipped before the flags are pushed.
#define NATIVE(fn, insn)                                                                     \
  void fn(Native& n) {                                                                       \
    uint64_t si = n.rsi, di = n.rdi, cx = n.rcx, ax = n.rax, f = n.flags;                    \
    asm volatile("lea -128(%%rsp), %%rsp\n\tpushq %[f]\n\tpopfq\n\t" insn                    \
                 "\n\tpushfq\n\tpopq %[f]\n\tlea 128(%%rsp), %%rsp\n\tcld"                   \
                 : "+S"(si), "+D"(di), "+c"(cx), "+a"(ax), [f] "+r"(f)                        \
                 :                                                                           \
                 : "memory", "cc");                                                          \
    n = Native{si, di, cx, ax, f};                                                           \
  }

NATIVE(n_movsb, "movsb")
NATIVE(n_movsw, "movsw")
NATIVE(n_movsd, "movsl")
NATIVE(n_rep_movsb, "rep movsb")
NATIVE(n_rep_movsw, "rep movsw")
NATIVE(n_rep_movsd, "rep movsl")
NATIVE(n_lodsb, "lodsb")
NATIVE(n_lodsw, "lodsw")
NATIVE(n_lodsd, "lodsl")
NATIVE(n_rep_lodsb, "rep lodsb")
NATIVE(n_stosb, "stosb")
NATIVE(n_stosw, "stosw")
NATIVE(n_stosd, "stosl")
NATIVE(n_rep_stosb, "rep stosb")
NATIVE(n_rep_stosw, "rep stosw")
NATIVE(n_rep_stosd, "rep stosl")
NATIVE(n_cmpsb, "cmpsb")
NATIVE(n_cmpsw, "cmpsw")
NATIVE(n_cmpsd, "cmpsl")
NATIVE(n_repe_cmpsb, "repe cmpsb")
NATIVE(n_repe_cmpsw, "repe cmpsw")
NATIVE(n_repe_cmpsd, "repe cmpsl")
NATIVE(n_repne_cmpsb, "repne cmpsb")
NATIVE(n_scasb, "scasb")
NATIVE(n_scasw, "scasw")
NATIVE(n_scasd, "scasl")
NATIVE(n_repe_scasb, "repe scasb")
NATIVE(n_repe_scasd, "repe scasl")
NATIVE(n_repne_scasb, "repne scasb")
NATIVE(n_repne_scasw, "repne scasw")
NATIVE(n_repne_scasd, "repne scasl")

struct Fill {
  uint32_t off, len;
  uint8_t value;
};

struct Case {
  const char* guest;  // nasm spelling
  void (*native)(Native&);
  uint32_t si, di, count, eax;
  bool df;
  std::vector<Fill> fills;
  uint32_t flags_in = 0;  // arithmetic flags before the instruction
};

constexpr uint32_t BUF = 0x20800;  // guest address of the buffer: it spans two pages
constexpr uint32_t LEN = 0x1000;

uint8_t pattern(uint32_t k) { return uint8_t((k & 0x3FF) * 13 + 5); }  // period 0x400, distinct bytes within 256

std::vector<uint8_t> make_buffer(const Case& c) {
  std::vector<uint8_t> b(LEN);
  for (uint32_t k = 0; k < LEN; ++k) b[k] = pattern(k);
  for (const Fill& f : c.fills) std::memset(&b[f.off], f.value, f.len);
  return b;
}

constexpr uint32_t FLAG_MASK = core::fl::ARITH | core::fl::DF;

void check_case(const std::string& engine, const Case& c) {
  const uint32_t fin = 0x2 | c.flags_in | (c.df ? core::fl::DF : 0);
  // Native run.
  std::vector<uint8_t> host = make_buffer(c);
  const uint64_t base = reinterpret_cast<uint64_t>(host.data());
  Native n{base + c.si, base + c.di, c.count, c.eax, fin};
  c.native(n);

  // Guest run.
  test::Guest g(engine);
  std::vector<uint8_t> mem = make_buffer(c);
  REQUIRE(g.m.bus.copy_to(BUF, mem.data(), mem.size()));
  char src[512];
  std::snprintf(src, sizeof src,
                "bits 32\n mov esi, 0x%x\n mov edi, 0x%x\n mov ecx, 0x%x\n mov eax, 0x%x\n"
                " mov esp, 0x8000\n push dword 0x%x\n popfd\n %s\n pushfd\n pop dword [0x9000]\n hlt",
                BUF + c.si, BUF + c.di, c.count, c.eax, fin, c.guest);
  g.load(test::nasm(src));
  g.run();
  REQUIRE(!g.fault);
  std::vector<uint8_t> out(LEN);
  REQUIRE(g.m.bus.copy_from(BUF, out.data(), LEN));

  CHECK(g.reg(core::ESI) - BUF == uint32_t(n.rsi - base));
  CHECK(g.reg(core::EDI) - BUF == uint32_t(n.rdi - base));
  CHECK(g.reg(core::ECX) == uint32_t(n.rcx));
  CHECK(g.reg(core::EAX) == uint32_t(n.rax));
  CHECK((g.read32(0x9000) & FLAG_MASK) == (uint32_t(n.flags) & FLAG_MASK));
  size_t first_diff = LEN;
  for (size_t k = 0; k < LEN; ++k)
    if (out[k] != host[k]) {
      first_diff = k;
      break;
    }
  CHECK(first_diff == LEN);
}

void run_cases(const std::vector<Case>& cases) {
  for (const auto& e : test::engines()) {
    for (const Case& c : cases) {
      DYNAMIC_SECTION(e << ": " << c.guest << " si=" << c.si << " di=" << c.di << " count=" << c.count
                        << " df=" << c.df) {
        check_case(e, c);
      }
    }
  }
}

constexpr uint32_t CF = core::fl::CF, ZF = core::fl::ZF, SF = core::fl::SF, OF = core::fl::OF;

}  // namespace

TEST_CASE("single string operations match native execution", "[isa][flow][string]") {
  std::vector<Case> cases;
  for (bool df : {false, true}) {
    cases.push_back({"movsb", n_movsb, 0x100, 0x800, 7, 0, df, {}});
    cases.push_back({"movsw", n_movsw, 0x101, 0x803, 7, 0, df, {}});
    cases.push_back({"movsd", n_movsd, 0x102, 0x805, 7, 0, df, {}});
    cases.push_back({"lodsb", n_lodsb, 0x100, 0x800, 7, 0x11223344, df, {}});
    cases.push_back({"lodsw", n_lodsw, 0x103, 0x800, 7, 0x11223344, df, {}});
    cases.push_back({"lodsd", n_lodsd, 0x105, 0x800, 7, 0x11223344, df, {}});
    cases.push_back({"stosb", n_stosb, 0x100, 0x800, 7, 0x11223344, df, {}});
    cases.push_back({"stosw", n_stosw, 0x100, 0x801, 7, 0x11223344, df, {}});
    cases.push_back({"stosd", n_stosd, 0x100, 0x803, 7, 0x11223344, df, {}});
    cases.push_back({"cmpsb", n_cmpsb, 0x100, 0x500, 7, 0, df, {}});  // equal (period 0x400)
    cases.push_back({"cmpsb", n_cmpsb, 0x100, 0x501, 7, 0, df, {}});
    cases.push_back({"cmpsw", n_cmpsw, 0x180, 0x123, 7, 0, df, {}});
    cases.push_back({"cmpsd", n_cmpsd, 0x123, 0x180, 7, 0, df, {}});
    cases.push_back({"scasb", n_scasb, 0, 0x800, 7, pattern(0x800), df, {}});
    cases.push_back({"scasb", n_scasb, 0, 0x800, 7, 0x80, df, {}});
    cases.push_back({"scasw", n_scasw, 0, 0x802, 7, 0xFFFF8001, df, {}});
    cases.push_back({"scasd", n_scasd, 0, 0x804, 7, 0x7FFFFFFF, df, {}});
  }
  run_cases(cases);
}

TEST_CASE("REP MOVS/STOS/LODS match native execution in both directions", "[isa][flow][string][rep]") {
  std::vector<Case> cases;
  for (bool df : {false, true}) {
    cases.push_back({"rep movsb", n_rep_movsb, 0x200, 0x700, 0x155, 0, df, {}});
    cases.push_back({"rep movsw", n_rep_movsw, 0x301, 0x907, 0x99, 0, df, {}});
    cases.push_back({"rep movsd", n_rep_movsd, 0x402, 0xA04, 0x81, 0, df, {}});
    cases.push_back({"rep stosb", n_rep_stosb, 0, 0x400, 0x123, 0xA5A5A5A5, df, {}});
    cases.push_back({"rep stosw", n_rep_stosw, 0, 0x401, 0x123, 0x1234BEEF, df, {}});
    cases.push_back({"rep stosd", n_rep_stosd, 0, 0x602, 0x123, 0xDEADBEEF, df, {}});
    cases.push_back({"rep lodsb", n_rep_lodsb, 0x300, 0, 0x10, 0, df, {}});
    // ECX = 0: nothing at all happens.
    cases.push_back({"rep movsd", n_rep_movsd, 0x100, 0x800, 0, 0, df, {}});
    cases.push_back({"rep stosb", n_rep_stosb, 0x100, 0x800, 0, 0x55, df, {}});
  }
  // Runs across the page boundary at offset 0x800 (the fast path and its edges).
  cases.push_back({"rep movsd", n_rep_movsd, 0x0, 0x800, 0x200, 0, false, {}});
  cases.push_back({"rep movsb", n_rep_movsb, 0x3, 0x7FE, 0x802, 0, false, {}});
  cases.push_back({"rep stosd", n_rep_stosd, 0, 0x2, 0x3FF, 0x01020304, false, {}});
  run_cases(cases);
}

TEST_CASE("overlapping REP MOVS copies element by element", "[isa][flow][string][rep]") {
  std::vector<Case> cases;
  for (bool df : {false, true}) {
    for (int d : {1, 2, 3, 4, 5, 8, -1, -2, -4, 0}) {
      const uint32_t si = 0x600, di = uint32_t(0x600 + d);
      cases.push_back({"rep movsb", n_rep_movsb, si, di, 0x100, 0, df, {}});
      cases.push_back({"rep movsw", n_rep_movsw, si, di, 0x80, 0, df, {}});
      cases.push_back({"rep movsd", n_rep_movsd, si, di, 0x40, 0, df, {}});
    }
  }
  run_cases(cases);
}

TEST_CASE("REPE/REPNE CMPS and SCAS stop where native execution stops", "[isa][flow][string][rep]") {
  std::vector<Case> cases;
  for (bool df : {false, true}) {
    const uint32_t s = df ? 0x140 : 0x100;  // 0x400 apart: equal until a fill breaks it
    const uint32_t fwd = df ? s - 13 : s + 13;
    cases.push_back({"repe cmpsb", n_repe_cmpsb, s, s + 0x400, 40, 0, df, {{fwd + 0x400, 1, 0x00}}});
    cases.push_back({"repe cmpsb", n_repe_cmpsb, s, s + 0x400, 10, 0, df, {{fwd + 0x400, 1, 0x00}}});
    cases.push_back({"repe cmpsw", n_repe_cmpsw, s, s + 0x400, 40, 0, df, {{fwd + 0x400, 1, 0xFF}}});
    cases.push_back({"repe cmpsd", n_repe_cmpsd, s, s + 0x400, 40, 0, df, {{fwd + 0x400, 1, 0x00}}});
    cases.push_back({"repne cmpsb", n_repne_cmpsb, s, s + 0x401, 40, 0, df, {{fwd + 0x401, 1, pattern(fwd)}}});
    cases.push_back({"repne scasb", n_repne_scasb, 0, s, 100, pattern(fwd), df, {}});
    cases.push_back({"repne scasb", n_repne_scasb, 0, s, 5, pattern(fwd), df, {}});  // runs out first
    cases.push_back({"repne scasw", n_repne_scasw, 0, s, 100, 0x4242, df, {{df ? s - 20 : s + 20, 2, 0x42}}});
    cases.push_back({"repne scasd", n_repne_scasd, 0, s, 100, 0x42424242, df, {{df ? s - 40 : s + 40, 4, 0x42}}});
    cases.push_back({"repe scasb", n_repe_scasb, 0, df ? s + 9 : s, 100, 0x77, df, {{s, 10, 0x77}}});
    cases.push_back({"repe scasd", n_repe_scasd, 0, df ? s + 36 : s, 100, 0x77777777, df, {{s, 40, 0x77}}});
    // A zero count leaves the flags as they were.
    cases.push_back({"repe cmpsb", n_repe_cmpsb, s, s + 0x401, 0, 0, df, {}, CF | SF | OF});
    cases.push_back({"repne scasb", n_repne_scasb, 0, s, 0, 0, df, {}, ZF});
  }
  run_cases(cases);
}
