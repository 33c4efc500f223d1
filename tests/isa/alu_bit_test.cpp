// BT BTS BTR BTC (register and immediate offsets; memory operands addressed
// by signed register offsets below and above the operand; LOCK), BSF BSR and
// BSWAP, against the host (memory forms run natively on a host buffer).
#include "tests/isa/alu_harness.hpp"

using namespace alu_test;

namespace {

uint32_t mask_of(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1; }

struct BtOp {
  const char* name;
  bool writes;
  HostFn r16, r32;  // ax, bx / eax, ebx
  HostFn m16, m32;  // word [rdx], bx / dword [rdx], ebx
};

#define BTOP(op, writes)                                                                         \
  BtOp {                                                                                         \
    #op, writes, ALU_HOST(#op " ax, bx"), ALU_HOST(#op " eax, ebx"),                             \
        ALU_HOST(#op " word ptr [rdx], bx"), ALU_HOST(#op " dword ptr [rdx], ebx")               \
  }

const BtOp kBtOps[] = {BTOP(bt, false), BTOP(bts, true), BTOP(btr, true), BTOP(btc, true)};

const uint32_t kRegOffsets[] = {0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 0xFFFFFFFF, 0xFFFFFFE0, 0x7FFFFFFF, 0x80000000};
const int32_t kMemOffsets[] = {0, 1, 5, 15, 16, 31, 32, 63, 64, 100, 127, -1, -2, -15, -16, -17, -31, -32, -33, -64, -100, -128};
const uint32_t kPatterns[] = {0x00000000, 0xFFFFFFFF, 0xA5A5F00F, 0x12345678};

std::vector<Case> bt_cases() {
  std::vector<Case> out;
  for (const BtOp& op : kBtOps) {
    for (unsigned size : {2u, 4u}) {
      const std::string A = rname(size, 0), B = rname(size, 1), s = sname(size);
      const HostFn hr = size == 2 ? op.r16 : op.r32, hm = size == 2 ? op.m16 : op.m32;
      for (uint32_t pat : kPatterns) {
        {
          const uint32_t fin = FLAGS_IN[pat & 1];  // the patterns alternate the initial flags
          // Register operand, register offset (taken modulo the size).
          for (uint32_t off : kRegOffsets) {
            State in;
            in.eax = pat;
            in.ebx = off;
            in.ecx = 0x11111111;
            in.edx = 0x22222222;
            in.flags = fin;
            out.push_back({std::string(op.name) + " " + A + ", " + B, in, host_run(hr, in), CF});
          }
          // Register operand, immediate offset.
          for (uint32_t imm : {0u, 3u, 15u, 16u, 31u, 32u, 35u, 255u}) {
            State in;
            in.eax = pat;
            in.ebx = imm & (size * 8 - 1);
            in.flags = fin;
            out.push_back({std::string(op.name) + " " + A + ", " + std::to_string(imm), in, host_run(hr, in), CF});
          }
          // Memory operand, signed register offset reaching other words/dwords.
          for (int32_t off : kMemOffsets) {
            State in;
            in.ebx = (size == 2 ? 0x5A5A0000 : 0) | (uint32_t(off) & mask_of(size));
            in.eax = 0x33333333;
            in.flags = fin;
            for (unsigned j = 0; j < 8; ++j) in.mem[j] = pat ^ (j * 0x01010101u);
            State x = host_run_mem(hm, in);
            out.push_back({std::string(op.name) + " " + s + " [SCR], " + B, in, x, CF, true});
            if (op.writes) out.push_back({"lock " + std::string(op.name) + " " + s + " [SCR], " + B, in, x, CF, true});
          }
          // Memory operand, immediate offset: modulo the size, never beyond the operand.
          for (uint32_t imm : {0u, 9u, 31u, 33u, 200u}) {
            State in;
            in.ebx = imm & (size * 8 - 1);
            in.flags = fin;
            for (unsigned j = 0; j < 8; ++j) in.mem[j] = pat ^ (j * 0x01010101u);
            State x = host_run_mem(hm, in);
            out.push_back({std::string(op.name) + " " + s + " [SCR], " + std::to_string(imm), in, x, CF, true});
          }
        }
      }
    }
  }
  return out;
}

std::vector<Case> scan_cases() {
  const HostFn bsf16 = ALU_HOST("bsf ax, bx"), bsf32 = ALU_HOST("bsf eax, ebx");
  const HostFn bsr16 = ALU_HOST("bsr ax, bx"), bsr32 = ALU_HOST("bsr eax, ebx");
  std::vector<Case> out;
  for (unsigned size : {2u, 4u}) {
    for (uint32_t v : {0x00000001u, 0x00000002u, 0x00008000u, 0x00010000u, 0x80000000u, 0xFFFFFFFFu, 0x00F0F000u,
                       0x12345678u, 0x0000FFFFu, 0x00000000u}) {
      if ((v & mask_of(size)) == 0) continue;  // source 0: see the next test
      for (uint32_t fin : FLAGS_IN) {
        State in;
        in.eax = 0xDEADBEEF;
        in.ebx = (0x5A5A0000 & ~mask_of(size)) | (v & mask_of(size));
        in.flags = fin;
        const std::string A = rname(size, 0), B = rname(size, 1);
        out.push_back({"bsf " + A + ", " + B, in, host_run(size == 2 ? bsf16 : bsf32, in), ZF});
        out.push_back({"bsr " + A + ", " + B, in, host_run(size == 2 ? bsr16 : bsr32, in), ZF});
        State mi = in;
        mi.mem[4] = in.ebx;
        State mo = host_run(size == 2 ? bsr16 : bsr32, in);
        for (unsigned j = 0; j < 8; ++j) mo.mem[j] = mi.mem[j];
        out.push_back({"bsr " + A + ", [SCR]", mi, mo, ZF, true});
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("BT BTS BTR BTC give the host's results and CF", "[isa][alu][alu_bit]") {
  const std::vector<Case> cases = bt_cases();
  for (const auto& e : xlat::test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

// BTx change only CF (ops_bit.cpp: the undefined OF SF AF PF stay as they were).
TEST_CASE("BT BTS BTR BTC leave the other flags unchanged", "[isa][alu][alu_bit]") {
  std::vector<Case> cases;
  for (uint32_t fin : FLAGS_IN) {
    for (const char* insn : {"bt eax, ebx", "bts eax, ebx", "btr eax, 5", "btc dword [SCR], ebx"}) {
      State in;
      in.eax = 0x00000020;
      in.ebx = 5;
      in.mem[4] = 0x20;
      in.flags = fin;
      State out = in;
      out.flags = (fin & ~CF) | CF;  // bit 5 was set
      if (std::string(insn) == "bts eax, ebx") out.eax = 0x20;
      if (std::string(insn) == "btr eax, 5") out.eax = 0;
      if (std::string(insn) == "btc dword [SCR], ebx") out.mem[4] = 0;
      cases.push_back({insn, in, out, ARITH, true});
    }
  }
  for (const auto& e : xlat::test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}

TEST_CASE("BSF and BSR give the host's index and ZF", "[isa][alu][alu_bit]") {
  const std::vector<Case> cases = scan_cases();
  for (const auto& e : xlat::test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

// Source 0: ZF = 1 and the destination is left as it was (P6 behaviour); the
// other flags (undefined) are unchanged too.
TEST_CASE("BSF and BSR of 0 set ZF and keep the destination", "[isa][alu][alu_bit]") {
  std::vector<Case> cases;
  for (uint32_t fin : FLAGS_IN) {
    for (const char* insn : {"bsf eax, ebx", "bsr eax, ebx", "bsf ax, bx", "bsr ax, bx", "bsf eax, [SCR]"}) {
      State in;
      in.eax = 0xDEADBEEF;
      in.ebx = 0x12340000;  // BX = 0
      if (std::string(insn).find("eax, ebx") != std::string::npos) in.ebx = 0;
      in.flags = fin;
      State out = in;
      out.flags = fin | ZF;
      cases.push_back({insn, in, out, ARITH, true});
    }
  }
  for (const auto& e : xlat::test::engines()) {
    DYNAMIC_SECTION(e) { run_cases(e, Mode::Flat32, cases); }
  }
}

TEST_CASE("BSWAP reverses a 32-bit register and clears a 16-bit one", "[isa][alu][alu_bit]") {
  const HostFn bswap = ALU_HOST("bswap eax"), bswap_ecx = ALU_HOST("bswap ecx");
  std::vector<Case> cases;
  for (uint32_t v : {0x12345678u, 0x00000000u, 0xFF000080u, 0xDEADBEEFu}) {
    for (uint32_t fin : FLAGS_IN) {
      State in;
      in.eax = v;
      in.ecx = ~v;
      in.flags = fin;
      cases.push_back({"bswap eax", in, host_run(bswap, in)});
      cases.push_back({"bswap ecx", in, host_run(bswap_ecx, in)});
      State out = in;
      out.eax = v & 0xFFFF0000;
      cases.push_back({"o16 bswap eax", in, out});  // BSWAP AX: undefined in the SDM; Intel and AMD clear it
    }
  }
  for (const auto& e : xlat::test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}
