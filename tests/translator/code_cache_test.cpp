// The code cache's two views of the same memory (translator/code_cache.hpp):
// what is written through the writable view is what the executable view
// holds, no page is writable and executable at once, and the executable view
// is anonymous memory as perf sees it (not a file: perf would look for the
// blocks in the file instead of in -perf-map's /tmp/perf-<pid>.map).
#include <catch2/catch.hpp>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "translator/code_cache.hpp"

using xlat::translator::CodeCache;

namespace {
// The /proc/self/maps line of the mapping holding p.
std::string maps_line(const void* p) {
  std::ifstream maps("/proc/self/maps");
  const auto a = reinterpret_cast<uintptr_t>(p);
  for (std::string line; std::getline(maps, line);) {
    std::istringstream ss(line);
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    ss >> std::hex >> lo >> dash >> hi;
    if (a >= lo && a < hi) return line;
  }
  return "";
}
}  // namespace

TEST_CASE("the code cache: two views, never writable and executable, anonymous to perf", "[translator]") {
  CodeCache cache(1 << 16);
  uint8_t* rx = cache.alloc(16);
  REQUIRE(rx);
  const uint8_t bytes[4] = {0xC3, 0x90, 0x90, 0xCC};
  cache.write(rx, bytes, sizeof bytes);
  CHECK(rx[0] == 0xC3);
  CHECK(rx[3] == 0xCC);
  CHECK(cache.rw_of(rx) != rx);

  const std::string x = maps_line(rx), w = maps_line(cache.rw_of(rx));
  INFO("executable view: " << x);
  INFO("writable view: " << w);
  REQUIRE(x.size() > 30);
  REQUIRE(w.size() > 30);
  std::istringstream xs(x), ws(w);
  std::string range, xperm, wperm;
  xs >> range >> xperm;
  ws >> range >> wperm;
  CHECK(xperm == "r-xs");
  CHECK(wperm == "rw-s");
  // perf treats //anon, /dev/zero and /anon_hugepage mappings as anonymous.
  CHECK(x.find("memfd:") == std::string::npos);
  CHECK(x.find("/dev/zero") != std::string::npos);
}
