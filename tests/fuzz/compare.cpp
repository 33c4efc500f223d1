// Outcome comparison and printing; see compare.hpp.
#include "tests/fuzz/compare.hpp"

#include <fmt/format.h>

#include "core/flags.hpp"
#include "tests/fuzz/layout.hpp"

namespace xlat::fuzz {

namespace {

const char* const kRegNames[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

std::string flag_names(uint32_t f) {
  static const struct {
    uint32_t bit;
    const char* name;
  } k[] = {{core::fl::CF, "CF"}, {core::fl::PF, "PF"}, {core::fl::AF, "AF"}, {core::fl::ZF, "ZF"},
           {core::fl::SF, "SF"}, {core::fl::OF, "OF"}, {core::fl::DF, "DF"}};
  std::string s;
  for (const auto& x : k)
    if (f & x.bit) s += (s.empty() ? "" : " ") + std::string(x.name);
  return s.empty() ? "-" : s;
}

void compare_mem(const char* what, uint32_t base, const std::vector<uint8_t>& a, const std::vector<uint8_t>& b,
                 std::vector<std::string>& out) {
  unsigned shown = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (shown++ < 8) out.push_back(fmt::format("{} byte {:08x}: {:02x} vs {:02x}", what, base + i, a[i], b[i]));
  }
  if (shown > 8) out.push_back(fmt::format("{}: {} more differing bytes", what, shown - 8));
}

}  // namespace

std::vector<std::string> compare(const Outcome& a, const Outcome& b, const Mask& m) {
  std::vector<std::string> d;
  if (!a.error.empty() || !b.error.empty()) {
    d.push_back("error: " + (a.error.empty() ? "-" : a.error) + " | " + (b.error.empty() ? "-" : b.error));
    return d;
  }
  if (a.fault != b.fault || (a.fault && a.vector != b.vector))
    d.push_back(fmt::format("exception: {} vs {}", a.fault ? fmt::format("#{}", a.vector) : "none",
                            b.fault ? fmt::format("#{}", b.vector) : "none"));
  if (a.eip != b.eip) d.push_back(fmt::format("eip: {:08x} vs {:08x}", a.eip, b.eip));
  for (unsigned r = 0; r < 8; ++r)
    if (!(m.regs & (1u << r)) && a.gpr[r] != b.gpr[r])
      d.push_back(fmt::format("{}: {:08x} vs {:08x}", kRegNames[r], a.gpr[r], b.gpr[r]));
  const uint32_t fmask = ((core::fl::ARITH & ~m.flags) | core::fl::DF);
  const uint32_t fd = (a.eflags ^ b.eflags) & fmask;
  if (fd)
    d.push_back(fmt::format("flags differ in {} ({:08x} vs {:08x}, compared {})", flag_names(fd), a.eflags,
                            b.eflags, flag_names(fmask)));
  compare_mem("data", layout::DATA, a.data, b.data, d);
  compare_mem("stack", layout::STACK, a.stack, b.stack, d);
  if (a.has_fp != b.has_fp) d.push_back("x87/SSE state: reported by one opinion only");
  else if (a.has_fp)
    for (auto& x : compare_fp(a.fp, b.fp, m.fsw)) d.push_back(std::move(x));
  return d;
}

Mask undefined_mask(const Sequence& s, const Outcome& a, const Outcome& b, uint32_t extra_flags) {
  Mask m;
  m.flags = extra_flags;
  for (const Outcome* o : {&a, &b}) {
    m.flags |= o->fault ? s.facts.undef_at(o->eip) : s.facts.undef_end;
    m.fsw |= o->fault ? s.facts.cc_undef_at(o->eip) : s.facts.cc_undef_end;
  }
  return m;
}

std::string describe_outcome(const Outcome& o) {
  std::string s;
  if (!o.error.empty()) s += "  error: " + o.error + "\n";
  s += o.fault ? fmt::format("  exception #{} at eip={:08x}\n", o.vector, o.eip)
               : fmt::format("  ended at eip={:08x}\n", o.eip);
  s += "  ";
  for (unsigned r = 0; r < 8; ++r) s += fmt::format("{}={:08x}{}", kRegNames[r], o.gpr[r], r == 3 ? "\n  " : " ");
  s += fmt::format("\n  eflags={:08x} ({})\n", o.eflags, flag_names(o.eflags & (core::fl::ARITH | core::fl::DF)));
  if (o.has_fp) s += describe_fp(o.fp);
  return s;
}

std::string describe_init(const InitState& s) {
  std::string out = "  ";
  for (unsigned r = 0; r < 8; ++r) out += fmt::format("{}={:08x}{}", kRegNames[r], s.gpr[r], r == 3 ? "\n  " : " ");
  out += fmt::format("\n  eflags={:08x} ({})\n", s.eflags, flag_names(s.eflags & (core::fl::ARITH | core::fl::DF)));
  if (s.fx.size() == 512) out += describe_fp(fp_from_fxsave(s.fx.data()));
  return out;
}

std::string hex(const std::vector<uint8_t>& bytes) {
  std::string s;
  for (uint8_t b : bytes) s += fmt::format("{:02x}", b);
  return s;
}

}  // namespace xlat::fuzz
