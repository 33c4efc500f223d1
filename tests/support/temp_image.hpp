// A temporary disk image file for device tests, filled with a pattern that
// names each byte's block, and removed when the test ends.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace xlat::test {

// A temporary image whose sector/block i is filled with a pattern of i.
struct TempImage {
  std::string path;
  explicit TempImage(uint64_t bytes, unsigned unit = 512) {
    char tmpl[] = "/tmp/xlat-image-XXXXXX";
    int fd = mkstemp(tmpl);
    REQUIRE(fd >= 0);
    path = tmpl;
    std::vector<uint8_t> data(bytes);
    for (uint64_t i = 0; i < bytes; ++i) data[i] = uint8_t((i / unit) * 7 + (i % unit));
    REQUIRE(::write(fd, data.data(), data.size()) == ssize_t(data.size()));
    ::close(fd);
  }
  ~TempImage() { ::unlink(path.c_str()); }
  std::vector<uint8_t> contents() const {
    std::vector<uint8_t> d;
    int fd = ::open(path.c_str(), O_RDONLY);
    uint8_t b[4096];
    ssize_t n;
    while ((n = ::read(fd, b, sizeof b)) > 0) d.insert(d.end(), b, b + n);
    ::close(fd);
    return d;
  }
};

inline uint8_t pattern(uint64_t byte, unsigned unit = 512) { return uint8_t((byte / unit) * 7 + (byte % unit)); }

}  // namespace xlat::test
