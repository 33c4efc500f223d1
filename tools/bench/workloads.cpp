// The benchmark workloads and their image; see workloads.hpp.
#include "tools/bench/workloads.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace xlat::bench {

namespace {

// Multiboot header (a.out kludge: the image is loaded as is at IMAGE_BASE),
// then fixed slots the runners patch: iterations at +32, the address of the
// stop slot at +36.
const char* const kPrologue = R"(bits 32
org 0x100000
mb:     dd 0x1BADB002, 0x00010000, -(0x1BADB002 + 0x00010000)
        dd mb, 0x100000, load_end, load_end, entry
iters:  dd 1
        dd done
entry:  mov esp, 0x300000
        cld
        mov ecx, [iters]
)";

const char* const kEpilogue = R"(
done:   times 16 nop
        align 16
load_end:
)";

}  // namespace

const std::vector<Workload>& workloads() {
  static const std::vector<Workload> w = {
      {"alu", "register ALU loop (ADD/XOR/SUB/ADD/XOR/DEC/JNZ)",
       R"(
        mov eax, 1
        mov ebx, 2
        mov edx, 3
        mov esi, 4
        mov edi, 5
.loop:  add eax, ebx
        xor ebx, edx
        sub edx, eax
        add esi, edx
        xor edi, esi
        dec ecx
        jnz .loop
)"},
      {"memory", "load/add/store over a 4 KiB array",
       R"(
        mov ebx, 0x12345
.outer: mov esi, 0x200000
        mov edx, 1024
.inner: mov eax, [esi]
        add eax, ebx
        mov [esi], eax
        add ebx, eax
        add esi, 4
        dec edx
        jnz .inner
        dec ecx
        jnz .outer
)"},
      {"sort", "LCG fill + insertion sort of 256 dwords (branchy)",
       R"(
.outer: push ecx
        mov ebp, 12345           ; same data every iteration
        mov edi, 0x200000
        mov ecx, 256
.fill:  imul ebp, ebp, 1103515245
        add ebp, 12345
        mov [edi], ebp
        add edi, 4
        dec ecx
        jnz .fill
        mov esi, 1
.iloop: mov eax, [0x200000 + esi*4]
        mov edi, esi
.jloop: test edi, edi
        jz .place
        mov edx, [0x200000 + edi*4 - 4]
        cmp edx, eax
        jle .place
        mov [0x200000 + edi*4], edx
        dec edi
        jmp .jloop
.place: mov [0x200000 + edi*4], eax
        inc esi
        cmp esi, 256
        jne .iloop
        pop ecx
        dec ecx
        jnz .outer
)"},
      {"call", "CALL/RET to a small leaf function",
       R"(
        xor eax, eax
.loop:  call .leaf
        call .leaf
        dec ecx
        jnz .loop
        jmp .end
.leaf:  add eax, ecx
        ret
.end:
)"},
  };
  return w;
}

void Image::set_iterations(uint32_t n) { std::memcpy(bytes.data() + iters_off, &n, 4); }

void Image::set_stop(const std::vector<uint8_t>& code) {
  if (code.size() > 16) throw std::logic_error("stop code too long");
  std::memcpy(bytes.data() + done_off, code.data(), code.size());
}

Image assemble(const Workload& w) {
  char dir[] = "/tmp/xlat-bench-XXXXXX";
  if (!mkdtemp(dir)) throw std::runtime_error("mkdtemp failed");
  const std::string d = dir, src = d + "/w.asm", bin = d + "/w.bin", log = d + "/log";
  std::ofstream(src) << kPrologue << w.body << kEpilogue;
  const std::string cmd = "nasm -f bin -o " + bin + " " + src + " 2>" + log;
  const int rc = std::system(cmd.c_str());
  std::ifstream lf(log);
  const std::string msgs((std::istreambuf_iterator<char>(lf)), std::istreambuf_iterator<char>());
  std::ifstream bf(bin, std::ios::binary);
  Image img;
  img.bytes.assign(std::istreambuf_iterator<char>(bf), std::istreambuf_iterator<char>());
  std::remove(src.c_str());
  std::remove(bin.c_str());
  std::remove(log.c_str());
  rmdir(dir);
  if (rc != 0) throw std::runtime_error("nasm failed for workload " + w.name + ":\n" + msgs);
  uint32_t done = 0;
  std::memcpy(&img.entry, img.bytes.data() + 28, 4);
  std::memcpy(&done, img.bytes.data() + 36, 4);
  img.iters_off = 32;
  img.done_off = done - IMAGE_BASE;
  return img;
}

}  // namespace xlat::bench
