// The code cache: one region of host memory holding translated code, mapped
// twice from the same shared anonymous pages — once readable and executable (where code runs),
// once readable and writable (where the translator copies new code and patches
// chained jumps). No page is ever writable and executable at once.
//
// Allocation is a bump pointer; there is no freeing of single blocks. When the
// region is full the engine flushes everything (at a point where no
// translated code is running) and starts over: reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace xlat::translator {

class CodeCache {
 public:
  explicit CodeCache(size_t bytes);
  ~CodeCache();
  CodeCache(const CodeCache&) = delete;
  CodeCache& operator=(const CodeCache&) = delete;

  // Reserves n bytes (16-aligned) and returns their executable address, or
  // nullptr when the region is full.
  uint8_t* alloc(size_t n);
  // Gives back the tail of the last allocation (n bytes from `rx` on were not used).
  void reset(size_t keep = 0);  // forgets everything after the first `keep` bytes
  // Writes bytes at an executable address through the writable view.
  void write(uint8_t* rx, const void* src, size_t n) { std::memcpy(rw_of(rx), src, n); }
  uint8_t* rw_of(uint8_t* rx) const { return rw_ + (rx - rx_); }

  uint8_t* base() const { return rx_; }
  size_t capacity() const { return size_; }
  size_t used() const { return used_; }
  bool contains(const void* p) const {
    return p >= rx_ && p < rx_ + size_;
  }

 private:
  uint8_t* rx_ = nullptr;
  uint8_t* rw_ = nullptr;
  size_t size_ = 0;
  size_t used_ = 0;
};

}  // namespace xlat::translator
