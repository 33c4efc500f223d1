#include "translator/code_cache.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>
#include <stdexcept>

namespace xlat::translator {

CodeCache::CodeCache(size_t bytes) : size_((bytes + 0xFFFF) & ~size_t(0xFFFF)) {
  const int fd = memfd_create("xlat-code-cache", MFD_CLOEXEC);
  if (fd < 0) throw std::runtime_error("code cache: memfd_create failed");
  if (ftruncate(fd, off_t(size_)) != 0) {
    close(fd);
    throw std::runtime_error("code cache: ftruncate failed");
  }
  void* rx = mmap(nullptr, size_, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
  void* rw = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  close(fd);
  if (rx == MAP_FAILED || rw == MAP_FAILED) {
    if (rx != MAP_FAILED) munmap(rx, size_);
    if (rw != MAP_FAILED) munmap(rw, size_);
    throw std::runtime_error("code cache: mmap failed");
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
