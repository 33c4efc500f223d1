#include "translator/code_cache.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <stdexcept>

namespace xlat::translator {

CodeCache::CodeCache(size_t bytes) : size_((bytes + 0xFFFF) & ~size_t(0xFFFF)) {
  // Shared anonymous memory, viewed twice: mremap with an old size of 0 makes
  // a second mapping of the same pages. (Not a memfd: perf takes a file-backed
  // mapping for a file and would not name the blocks from /tmp/perf-<pid>.map;
  // shared anonymous memory shows as /dev/zero, which it treats as anonymous.)
  void* rw = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (rw == MAP_FAILED) throw std::runtime_error("code cache: mmap failed");
  void* rx = mremap(rw, 0, size_, MREMAP_MAYMOVE);
  if (rx == MAP_FAILED || mprotect(rx, size_, PROT_READ | PROT_EXEC) != 0) {
    if (rx != MAP_FAILED) munmap(rx, size_);
    munmap(rw, size_);
    throw std::runtime_error("code cache: second mapping failed");
  }
  rx_ = static_cast<uint8_t*>(rx);
  rw_ = static_cast<uint8_t*>(rw);
}

CodeCache::~CodeCache() {
  munmap(rx_, size_);
  munmap(rw_, size_);
}

uint8_t* CodeCache::alloc(size_t n) {
  n = (n + 15) & ~size_t(15);
  if (n > size_ - used_) return nullptr;
  uint8_t* p = rx_ + used_;
  used_ += n;
  return p;
}

void CodeCache::reset(size_t keep) { used_ = keep; }

}  // namespace xlat::translator
