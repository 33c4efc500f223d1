// XADD CMPXCHG CMPXCHG8B and the LOCK prefix: results against the host
// (register, memory and LOCKed memory forms, aligned and misaligned, across
// 8-byte words and pages); LOCK where it is not allowed raising #UD;
// read-modify-writes checking for a write before reading (CMPXCHG writes
// its destination even when the compare fails); a LOCKed write to a code
// page still invalidating the decoded code; and LOCKed updates staying
// atomic while another host thread updates the same guest RAM.
#include <atomic>
#include <cstring>
#include <thread>

#include "tests/isa/alu_harness.hpp"

using namespace alu_test;
using namespace xlat;

namespace {

uint32_t mask_of(unsigned size) { return size == 4 ? 0xFFFFFFFFu : (1u << (size * 8)) - 1; }
unsigned size_index(unsigned size) { return size == 1 ? 0 : size == 2 ? 1 : 2; }

const HostFn kXaddRR[3] = {ALU_HOST("xadd al, bl"), ALU_HOST("xadd ax, bx"), ALU_HOST("xadd eax, ebx")};
const HostFn kXaddSame[3] = {ALU_HOST("xadd cl, cl"), ALU_HOST("xadd cx, cx"), ALU_HOST("xadd ecx, ecx")};
const HostFn kXaddM[3] = {ALU_HOST("lock xadd byte ptr [rdx], bl"), ALU_HOST("lock xadd word ptr [rdx], bx"),
                          ALU_HOST("lock xadd dword ptr [rdx], ebx")};
const HostFn kCmpxRR[3] = {ALU_HOST("cmpxchg bl, cl"), ALU_HOST("cmpxchg bx, cx"), ALU_HOST("cmpxchg ebx, ecx")};
const HostFn kCmpxM[3] = {ALU_HOST("lock cmpxchg byte ptr [rdx], cl"), ALU_HOST("lock cmpxchg word ptr [rdx], cx"),
                          ALU_HOST("lock cmpxchg dword ptr [rdx], ecx")};

std::vector<Case> xadd_cmpxchg_cases() {
  std::vector<Case> out;
  for (unsigned size : {1u, 2u, 4u}) {
    const unsigned si = size_index(size);
    const std::string s = sname(size), A = rname(size, 0), B = rname(size, 1), C = rname(size, 2);
    const auto vals = edge_values(size);
    for (size_t ia = 0; ia < vals.size(); ia += 2) {
      for (size_t ib = 1; ib < vals.size(); ib += 2) {
        const uint32_t a = vals[ia], b = vals[ib];
        for (uint32_t fin : FLAGS_IN) {
          State in;
          in.eax = (0xDEADBEEF & ~mask_of(size)) | a;
          in.ebx = (0x5A5A5A5A & ~mask_of(size)) | b;
          in.ecx = (0x11111111 & ~mask_of(size)) | (b ^ a);
          in.flags = fin;
          out.push_back({"xadd " + A + ", " + B, in, host_run(kXaddRR[si], in)});
          out.push_back({"xadd " + C + ", " + C, in, host_run(kXaddSame[si], in)});
          State mi = in;
          mi.mem[4] = (0xC3C3C3C3 & ~mask_of(size)) | a;
          const State mx = host_run_mem(kXaddM[si], mi);
          out.push_back({"xadd " + s + " [SCR], " + B, mi, mx, ARITH, true});
          out.push_back({"lock xadd " + s + " [SCR], " + B, mi, mx, ARITH, true});
          // CMPXCHG: accumulator equal to the destination, and not.
          for (bool equal : {true, false}) {
            State ci = in;
            if (equal) ci.eax = (ci.eax & ~mask_of(size)) | (ci.ebx & mask_of(size));
            out.push_back({"cmpxchg " + B + ", " + C, ci, host_run(kCmpxRR[si], ci)});
            State cm = ci;
            cm.mem[4] = (0xC3C3C3C3 & ~mask_of(size)) | b;
            const State cx = host_run_mem(kCmpxM[si], cm);
            out.push_back({"cmpxchg " + s + " [SCR], " + C, cm, cx, ARITH, true});
            out.push_back({"lock cmpxchg " + s + " [SCR], " + C, cm, cx, ARITH, true});
          }
        }
      }
    }
  }
  return out;
}

// CMPXCHG8B on the host: memory at byte `off` of mem[4] (may be misaligned).
State host_cmpxchg8b(const State& in, unsigned off) {
  alignas(16) uint8_t buf[32];
  std::memcpy(buf, in.mem, 32);
  uint8_t* p = buf + 16 + off;
  uint32_t a = in.eax, d = in.edx;
  uint64_t f = (in.flags & ARITH) | 2;
  asm volatile(
      "sub $128, %%rsp\n\tpush %[f]\n\tpopfq\n\tlock cmpxchg8b (%[p])\n\tpushfq\n\tpop %[f]\n\tadd $128, %%rsp"
      : "+a"(a), "+d"(d), [f] "+r"(f)
      : [p] "r"(p), "b"(in.ebx), "c"(in.ecx)
      : "cc", "memory");
  State out = in;
  out.eax = a;
  out.edx = d;
  out.flags = uint32_t(f) & ARITH;
  std::memcpy(out.mem, buf, 32);
  return out;
}

std::vector<Case> cmpxchg8b_cases() {
  std::vector<Case> out;
  const uint64_t vals[] = {0, 1, 0xFFFFFFFFFFFFFFFFull, 0x8000000000000000ull, 0x123456789ABCDEF0ull,
                           0x00000000FFFFFFFFull};
  for (unsigned off : {0u, 1u, 4u, 6u}) {  // aligned, misaligned in a word, across words
    for (uint64_t m : vals) {
      for (bool equal : {true, false}) {
        for (uint32_t fin : FLAGS_IN) {
          State in;
          uint8_t bytes[32];
          for (unsigned j = 0; j < 32; ++j) bytes[j] = uint8_t(0xA0 + j);
          std::memcpy(bytes + 16 + off, &m, 8);
          std::memcpy(in.mem, bytes, 32);
          const uint64_t cmp = equal ? m : m ^ (uint64_t(off + 1) << (off * 8));
          in.eax = uint32_t(cmp);
          in.edx = uint32_t(cmp >> 32);
          in.ebx = 0xCAFEBABE;
          in.ecx = 0x0BADF00D;
          in.flags = fin;
          const State x = host_cmpxchg8b(in, off);
          const std::string addr = off ? "[SCR+" + std::to_string(off) + "]" : "[SCR]";
          out.push_back({"cmpxchg8b " + addr, in, x, ARITH, true});
          out.push_back({"lock cmpxchg8b " + addr, in, x, ARITH, true});
        }
      }
    }
  }
  return out;
}

// LOCKed arithmetic on misaligned operands: inside one 8-byte word and
// across two (the host does the same LOCKed instruction on its buffer).
std::vector<Case> misaligned_cases() {
  struct M {
    const char* guest;
    HostFn host;
  };
  const M ms[] = {
      {"lock add dword [SCR+2], ebx", ALU_HOST("lock add dword ptr [rdx+2], ebx")},
      {"lock add dword [SCR+6], ebx", ALU_HOST("lock add dword ptr [rdx+6], ebx")},
      {"lock sub word [SCR+7], bx", ALU_HOST("lock sub word ptr [rdx+7], bx")},
      {"lock xadd dword [SCR+5], ebx", ALU_HOST("lock xadd dword ptr [rdx+5], ebx")},
      {"lock cmpxchg dword [SCR+3], ecx", ALU_HOST("lock cmpxchg dword ptr [rdx+3], ecx")},
      {"lock cmpxchg word [SCR+7], cx", ALU_HOST("lock cmpxchg word ptr [rdx+7], cx")},
      {"lock inc word [SCR+1]", ALU_HOST("lock inc word ptr [rdx+1]")},
      {"lock not dword [SCR+6]", ALU_HOST("lock not dword ptr [rdx+6]")},
      {"lock neg dword [SCR+7]", ALU_HOST("lock neg dword ptr [rdx+7]")},
      {"lock btc dword [SCR+6], 13", ALU_HOST("lock btc dword ptr [rdx+6], 13")},
      {"lock adc dword [SCR+6], ebx", ALU_HOST("lock adc dword ptr [rdx+6], ebx")},
  };
  std::vector<Case> out;
  for (const M& m : ms) {
    for (uint32_t v : {0x00000000u, 0xFFFFFFFFu, 0x7FFF8000u}) {
      for (uint32_t fin : FLAGS_IN) {
        State in;
        for (unsigned j = 0; j < 8; ++j) in.mem[j] = 0x10203040u * (j + 1) ^ v;
        in.eax = v == 0 ? 0x00000000 : 0x45361270;  // compare value for CMPXCHG (0 never matches the bytes)
        in.ebx = 0x01234567 + v;
        in.ecx = 0x89ABCDEF;
        in.flags = fin;
        out.push_back({m.guest, in, host_run_mem(m.host, in), ARITH, true});
      }
    }
  }
  return out;
}

}  // namespace

TEST_CASE("XADD and CMPXCHG give the host's results, locked or not", "[isa][alu][alu_lock]") {
  const std::vector<Case> cases = xadd_cmpxchg_cases();
  for (const auto& e : test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("CMPXCHG8B gives the host's results, aligned or not", "[isa][alu][alu_lock]") {
  const std::vector<Case> cases = cmpxchg8b_cases();
  for (const auto& e : test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("LOCKed operations on misaligned operands give the host's results", "[isa][alu][alu_lock]") {
  const std::vector<Case> cases = misaligned_cases();
  for (const auto& e : test::engines()) {
    for (const Mode mode : {Mode::Flat32, Mode::Real16}) {
      DYNAMIC_SECTION(e << " " << mode_name(mode)) { run_cases(e, mode, cases); }
    }
  }
}

TEST_CASE("LOCKed operations across a page boundary update both pages", "[isa][alu][alu_lock]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.write32(0x300FFC, 0x11111111);
      g.write32(0x301000, 0x22222222);
      g.write32(0x301FFC, 0xFFFFFFFF);
      g.write32(0x302000, 0x00000000);
      g.load(test::nasm(R"(bits 32
        mov ebx, 0x01010101
        lock add dword [0x300FFE], ebx      ; bytes 11 11 22 22 -> 12 12 23 23
        mov eax, 0x0000FFFF
        mov edx, 0
        mov ecx, 0x89ABCDEF
        mov ebx, 0x01234567
        lock cmpxchg8b [0x301FFE]           ; m64 = FF FF 00 00 00 00 00 00 = EDX:EAX
        hlt)"));
      g.run();
      REQUIRE(!g.fault);
      CHECK(g.read32(0x300FFC) == 0x12121111);
      CHECK(g.read32(0x301000) == 0x22222323);
      // m64 at 0x301FFE = FF FF 00 00 00 00 00 00 = 0x000000000000FFFF: equal -> written
      CHECK(g.read32(0x301FFC) == 0x4567FFFF);
      CHECK(g.read32(0x302000) == 0xCDEF0123);
      CHECK(g.read32(0x302004) == 0x000089AB);
      CHECK((g.eflags() & ZF) != 0);
    }
  }
}

TEST_CASE("LOCK on an instruction or operand that does not allow it raises #UD", "[isa][alu][alu_lock]") {
  const char* const bad[] = {
      "db 0xF0\nmov [0x2000], ebx",     // MOV
      "db 0xF0\nadd eax, ebx",          // register destination
      "db 0xF0\ncmp [0x2000], ebx",     // CMP does not write
      "db 0xF0\ntest [0x2000], ebx",    // TEST
      "db 0xF0\nbt [0x2000], ebx",      // BT does not write
      "db 0xF0\nnot eax",               // register destination
      "db 0xF0\ninc eax",               // one-byte INC r32
      "db 0xF0\nshl dword [0x2000], 1", // shifts are not lockable
      "db 0xF0\nimul eax, [0x2000]",
      "db 0xF0\nsetz byte [0x2000]",
      "db 0xF0\ncmovz eax, [0x2000]",
      "db 0xF0\nbsf eax, [0x2000]",
      "db 0xF0\nxadd eax, ebx",         // register destination
      "db 0xF0\ncmpxchg ebx, ecx",      // register destination
      "db 0xF0, 0x0F, 0xC7, 0xC8",      // LOCK CMPXCHG8B with a register operand
      "db 0x0F, 0xC7, 0xC8",            // CMPXCHG8B with a register operand
  };
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      for (const char* insn : bad) {
        test::Guest g(e);
        const std::string prefix = "bits 32\nmov eax, 7\nmov ebx, 9\nmov dword [0x2000], 5\n";
        const uint32_t at = test::Guest::CODE + uint32_t(test::nasm(prefix).size());
        g.load(test::nasm(prefix + insn + "\nmov eax, 1\nhlt"));
        g.run();
        INFO(insn);
        REQUIRE(g.fault);
        CHECK(g.fault->vector == core::VEC_UD);
        CHECK(g.fault_eip == at);
        CHECK(g.reg(core::EAX) == 7);
        CHECK(g.reg(core::EBX) == 9);
        CHECK(g.read32(0x2000) == 5);
      }
    }
  }
}

// A read-modify-write (ADD, CMPXCHG even when its compare fails, XADD, BTS,
// LOCKed or not) to a read-only data segment raises #GP before changing
// anything; CMP and BT only read and do not fault.
TEST_CASE("memory read-modify-writes check for a write first", "[isa][alu][alu_lock]") {
  const struct {
    const char* insn;
    bool faults;
  } rows[] = {
      {"add [0x2000], ebx", true},         {"lock add [0x2000], ebx", true}, {"cmpxchg [0x2000], ecx", true},
      {"lock cmpxchg [0x2000], ecx", true}, {"xadd [0x2000], ebx", true},    {"lock bts dword [0x2000], 3", true},
      {"inc dword [0x2000]", true},         {"shl dword [0x2000], 1", true}, {"cmpxchg8b [0x2000]", true},
      {"cmp [0x2000], ebx", false},         {"bt dword [0x2000], 3", false}, {"test [0x2000], ebx", false},
  };
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      for (const auto& r : rows) {
        test::Guest g(e);
        g.write32(0x2000, 5);
        // EAX (accumulator) != [0x2000]: CMPXCHG's compare fails, yet it must write.
        const std::string prefix = "bits 32\nmov eax, 7\nmov ebx, 9\nmov ecx, 11\nmov edx, 13\nstc\n";
        const uint32_t at = test::Guest::CODE + uint32_t(test::nasm(prefix).size());
        g.load(test::nasm(prefix + r.insn + "\nhlt"));
        // DS: present read-only data segment.
        g.cpu.s.seg[core::DS].attr &= uint16_t(~core::seg_attr::TYPE_RW);
        g.cpu.seg_refresh(core::DS);
        g.run();
        INFO(r.insn);
        if (r.faults) {
          REQUIRE(g.fault);
          CHECK(g.fault->vector == core::VEC_GP);
          CHECK(g.fault_eip == at);
          CHECK(g.reg(core::EAX) == 7);
          CHECK(g.reg(core::EBX) == 9);
          CHECK(g.reg(core::ECX) == 11);
          CHECK(g.reg(core::EDX) == 13);
          CHECK((g.eflags() & ARITH) == CF);  // as STC left them
        } else {
          CHECK(!g.fault);
        }
        CHECK(g.read32(0x2000) == 5);
      }
    }
  }
}

TEST_CASE("a LOCKed write to the running code is seen by the next instruction", "[isa][alu][alu_lock]") {
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm(R"(bits 32
        org 0x10000
        mov eax, 0
        lock inc byte [patch + 1]       ; mov al, 5 -> mov al, 6
        lock xadd [patch2 + 1], ecx     ; ecx = 0x10: mov ebx, 0x20 -> mov ebx, 0x30
      patch:
        mov al, 5
      patch2:
        mov ebx, 0x20
        hlt)"));
      g.cpu.s.gpr[core::ECX] = 0x10;
      g.run();
      REQUIRE(!g.fault);
      CHECK((g.reg(core::EAX) & 0xFF) == 6);
      CHECK(g.reg(core::EBX) == 0x30);
      CHECK(g.reg(core::ECX) == 0x20);
    }
  }
}

TEST_CASE("LOCKed updates are atomic against another host thread", "[isa][alu][alu_lock]") {
  // Three counters: an aligned dword, a misaligned one inside an 8-byte word
  // and one across two 8-byte words. The guest adds 1, 2 and 3 to them
  // ROUNDS times with LOCK INC/ADD/XADD while a host thread adds 1 to each
  // with its own LOCKed instructions; no update may be lost. (A stress test:
  // how often the two threads really collide depends on the host's load, so
  // a broken implementation may slip through a run; a correct one never fails.)
  constexpr uint32_t A = 0x300000, B = 0x300102, C = 0x300206;
  constexpr unsigned ROUNDS = 400000;
  for (const auto& e : test::engines()) {
    DYNAMIC_SECTION(e) {
      test::Guest g(e);
      g.load(test::nasm("bits 32\nmov edi, " + std::to_string(ROUNDS) + "\ntop:\nmov ecx, 3\n" +
                        "lock inc dword [" + hex(A) + "]\n" +
                        "lock add dword [" + hex(B) + "], 2\n" +
                        "lock xadd dword [" + hex(C) + "], ecx\n" +
                        "dec edi\njnz top\nhlt"));
      auto host = [&](uint32_t phys) {
        return reinterpret_cast<uint32_t*>(g.m.bus.page_host(phys) + (phys & 0xFFF));
      };
      uint32_t *pa = host(A), *pb = host(B), *pc = host(C);
      std::atomic<bool> stop{false}, started{false};
      uint64_t n = 0;
      std::thread t([&] {
        started = true;
        while (!stop.load(std::memory_order_relaxed)) {
          asm volatile("lock addl $1, %0" : "+m"(*pa));
          asm volatile("lock addl $1, %0" : "+m"(*pb));
          asm volatile("lock addl $1, %0" : "+m"(*pc));
          ++n;
        }
      });
      while (!started) std::this_thread::yield();
      g.run();
      stop = true;
      t.join();
      REQUIRE(!g.fault);
      INFO("host thread rounds: " << n);
      CHECK(g.read32(A) == ROUNDS + n);
      CHECK(g.read32(B) == 2 * ROUNDS + n);
      CHECK(g.read32(C) == 3 * ROUNDS + n);
    }
  }
}
