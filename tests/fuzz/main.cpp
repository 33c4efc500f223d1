// xlat_fuzz: differential fuzzing of xlat's CPU engines against Unicorn, with
// the host CPU as a third opinion, and the instruction-length cross-check
// against Capstone.
//
//   xlat_fuzz [--seed N] [--count N] [--index N] [--len N] [--engine NAME]
//             [--repro HEX [--base A]] [--native] [--all-forms] [--list-forms]
//             [--lengths] [--max-fail N] [--quiet] [--brief] [--show] [--all-flags]
//             [--ignore-deviations] [--family int|fp|all] [--without-deviation NAME]
//
// Default mode: `count` sequences of `len` units from seed `seed`, each run
// on Unicorn and on every xlat engine (or the one named), compared in
// EAX..EDI, EIP, the defined arithmetic flags and DF, the data and stack
// areas, and the exception taken (with --family fp or all: also the x87/SSE
// state, see fp_state.hpp). Exit status 1 on any difference. Where
// Unicorn is known to be wrong (deviations.cpp, KNOWN_DEVIATIONS.md) the host
// CPU is the reference instead.
//   --native      also run the host CPU and fail when xlat disagrees with it
//                 (without --native, the host is consulted only to say who is
//                 right when xlat and Unicorn disagree)
//   --all-forms   no xlat: forms named by Capstone instead of the table, and
//                 Unicorn compared with the host (to verify the deviation list)
//   --repro HEX   run these bytes at --base (default 0x10000; initial state
//                 from --seed/--index)
//   --lengths     the length cross-check (length_check.cpp)
//   --brief       one line per difference (for triage)
//   --show        list every generated sequence
//   --all-flags   compare the flags the SDM leaves undefined too (to study
//                 what each implementation does there; differences expected)
//   --ignore-deviations  compare with Unicorn even where it is known to be
//                 wrong (shows a deviation, with the host's verdict)
//   --without-deviation NAME  turn one fp-family rule off (to see what it
//                 explains; repeatable)
//   --family F    which instructions: int (general-purpose integer, the
//                 default), fp (x87, MMX, SSE, SSE2, with a random x87/SSE
//                 initial state) or all (both, mixed)
//   --reference interp  no Unicorn: the translator against the interpreter,
//                 head to head, on every sequence (also those Unicorn is
//                 known to get wrong, and the x87/SSE state save/restore
//                 forms); with the defined-flags mask, since the
//                 translator's undefined flags are the host's
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "tests/fuzz/compare.hpp"
#include "tests/fuzz/deviations.hpp"
#include "tests/fuzz/generator.hpp"
#include "tests/fuzz/layout.hpp"
#include "tests/fuzz/length_check.hpp"
#include "tests/support/guest.hpp"

using namespace xlat;
using namespace xlat::fuzz;

namespace {

struct Options {
  uint64_t seed = 1, count = 1000, index = 0;
  uint32_t base = xlat::fuzz::layout::CODE;
  unsigned len = 8;
  std::string engine;
  std::optional<std::vector<uint8_t>> repro;
  Family family = Family::Int;
  std::string reference;  // --reference interp: jit vs interp, no Unicorn
  bool native = false, all_forms = false, list_forms = false, lengths = false, quiet = false, brief = false, show = false, all_flags = false, no_dev = false;
  unsigned max_fail = 10;
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr, "xlat_fuzz: %s\n", msg);
  std::fprintf(stderr,
               "usage: xlat_fuzz [--seed N] [--count N] [--index N] [--len N] [--engine NAME] [--repro HEX [--base A]]\n"
               "                 [--native] [--all-forms] [--list-forms] [--lengths] [--max-fail N] [--quiet]\n"
               "                 [--brief] [--show] [--all-flags] [--ignore-deviations] [--family int|fp|all]\n"
               "                 [--without-deviation NAME] [--reference interp]\n");
  std::exit(2);
}

std::vector<uint8_t> parse_hex(const std::string& s) {
  std::vector<uint8_t> out;
  std::string digits;
  for (char c : s)
    if (std::isxdigit(static_cast<unsigned char>(c))) digits += c;
  if (digits.size() % 2) usage("--repro needs an even number of hex digits");
  for (size_t i = 0; i < digits.size(); i += 2) out.push_back(uint8_t(std::stoul(digits.substr(i, 2), nullptr, 16)));
  return out;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--seed") o.seed = std::stoull(next(), nullptr, 0);
    else if (a == "--count") o.count = std::stoull(next(), nullptr, 0);
    else if (a == "--index") o.index = std::stoull(next(), nullptr, 0);
    else if (a == "--len") o.len = unsigned(std::stoul(next(), nullptr, 0));
    else if (a == "--engine") o.engine = next();
    else if (a == "--reference") {
      o.reference = next();
      if (o.reference != "interp") usage("--reference: only 'interp' (the translator against the interpreter)");
    }
    else if (a == "--repro") o.repro = parse_hex(next());
    else if (a == "--base") o.base = uint32_t(std::stoul(next(), nullptr, 0));
    else if (a == "--max-fail") o.max_fail = unsigned(std::stoul(next(), nullptr, 0));
    else if (a == "--native") o.native = true;
    else if (a == "--all-forms") o.all_forms = true;
    else if (a == "--list-forms") o.list_forms = true;
    else if (a == "--lengths") o.lengths = true;
    else if (a == "--quiet") o.quiet = true;
    else if (a == "--brief") o.brief = true;
    else if (a == "--show") o.show = true;
    else if (a == "--all-flags") o.all_flags = true;
    else if (a == "--ignore-deviations") o.no_dev = true;
    else if (a == "--without-deviation") {
      const std::string n = next();
      if (!disable_fp_deviation(n)) usage(("no fp deviation rule named " + n).c_str());
    } else if (a == "--family") {
      const std::string f = next();
      if (f == "int") o.family = Family::Int;
      else if (f == "fp") o.family = Family::Fp;
      else if (f == "all") o.family = Family::All;
      else usage("--family must be int, fp or all");
    }
    else usage(("unknown option " + a).c_str());
  }
  if (o.len == 0 || o.len > 100) usage("--len must be 1..100");
  if (o.repro && (o.base < layout::CODE || o.base + o.repro->size() + 8 > layout::CODE + layout::CODE_SIZE))
    usage("--repro code must fit in the code area (--base within 0x10000..0x12000)");
  return o;
}

bool g_all_flags = false;

Mask mask_for(const Sequence& s, const Outcome& a, const Outcome& b) {
  return g_all_flags ? Mask{} : undefined_mask(s, a, b);
}

// Who agrees with the host CPU, for a report.
std::string native_verdict(const Sequence& s, NativeRunner* nat, const Outcome& uc, const Outcome& x,
                           const std::string& xname) {
  if (!nat || !nat->ok()) return "host CPU: not available\n";
  if (!s.facts.native_ok) return "host CPU: cannot run this sequence as the emulators do (FS/GS, selectors)\n";
  const Outcome n = nat->run(s);
  const auto du = compare(n, uc, mask_for(s, n, uc));
  const auto dx = compare(n, x, mask_for(s, n, x));
  std::string v = "host CPU says: ";
  if (du.empty() && !dx.empty()) v += "Unicorn is right, " + xname + " is wrong\n";
  else if (!du.empty() && dx.empty()) v += xname + " is right, Unicorn is wrong\n";
  else if (du.empty() && dx.empty()) v += "both agree with the host within the mask\n";
  else v += "neither matches the host\n";
  return v + "host outcome:\n" + describe_outcome(n);
}

struct Stats {
  uint64_t sequences = 0, insns = 0, failures = 0, skipped = 0, skipped_dev = 0, faults = 0, deviations = 0;
  uint64_t skipped_amd = 0;  // fp family: the host loaded MXCSR bit 17 (AMD's MM)
  std::map<std::string, uint64_t> per_mnem;
  std::map<std::string, uint64_t> per_deviation;
  std::map<std::string, uint64_t> per_fp_deviation;  // sequences where the host confirmed xlat
};

}  // namespace

int main(int argc, char** argv) {
  const Options opt = parse(argc, argv);
  g_all_flags = opt.all_flags;
  Capstone cs;
  if (opt.all_forms && opt.family != Family::Int) usage("--all-forms covers the integer family only");
  Catalog cat(!opt.all_forms, cs, opt.family, !opt.reference.empty());
  if (opt.list_forms) {
    std::fputs(cat.describe().c_str(), stdout);
    std::fputs(describe_deviations().c_str(), stdout);
    return 0;
  }
  Generator gen(cat, opt.seed);
  if (opt.lengths) return run_length_check(cat, cs, gen, opt.count, opt.len, !opt.quiet);
  if (cat.forms().empty()) {
    std::fprintf(stderr, "xlat_fuzz: the catalog has no forms\n");
    return 1;
  }

  std::vector<std::string> engines;
  if (!opt.all_forms) {
    for (const auto& e : test::engines())
      if (opt.engine.empty() || e == opt.engine) engines.push_back(e);
    if (engines.empty()) usage(("no engine named " + opt.engine).c_str());
  }
  // Unicorn is recreated every RENEW sequences: one instance degrades after
  // several hundred thousand runs (from about 845,000 on, seed 20261122, it
  // reported exceptions at the start of the translation block instead of at
  // the faulting instruction, and a fresh instance was right again).
  constexpr uint64_t RENEW = 100000;
  auto ucp = std::make_unique<UnicornRunner>();
  UnicornRunner* uc = ucp.get();
  std::vector<std::unique_ptr<XlatRunner>> xl;
  for (const auto& e : engines) xl.push_back(std::make_unique<XlatRunner>(e));
  XlatRunner* ref_engine = nullptr;  // --reference interp
  XlatRunner* jit_engine = nullptr;
  if (!opt.reference.empty()) {
    for (auto& x : xl) {
      if (x->engine() == "interp") ref_engine = x.get();
      if (x->engine() == "jit") jit_engine = x.get();
    }
    if (!ref_engine) xl.push_back(std::make_unique<XlatRunner>("interp")), ref_engine = xl.back().get();
    if (!jit_engine) xl.push_back(std::make_unique<XlatRunner>("jit")), jit_engine = xl.back().get();
    engines = {"jit", "interp (reference)"};
  }
  NativeRunner nat;
  if ((opt.native || opt.all_forms) && !nat.ok()) {
    std::fprintf(stderr, "xlat_fuzz: the host cannot run 32-bit code natively (need x86-64 Linux, low mmap)\n");
    return 1;
  }

  Stats st;
  const uint64_t count = opt.repro ? 1 : opt.count;
  for (uint64_t k = 0; k < count; ++k) {
    const uint64_t idx = opt.index + k;
    if (k && k % RENEW == 0) {
      ucp.reset();
      ucp = std::make_unique<UnicornRunner>();
      uc = ucp.get();
    }
    Sequence s;
    if (opt.repro) {
      s.seed = opt.seed;
      s.index = idx;
      s.init = make_init(opt.seed, idx);
      if (opt.family != Family::Int) {
        s.init.fx = make_fp_image(opt.seed, idx);
        clear_mxcsr_mm(s.init);
      }
      s.code = *opt.repro;
      s.base = opt.base;
      s.facts = analyze(cat, s.code, s.base);
      if (!s.facts.problem.empty()) std::printf("note: %s\n", s.facts.problem.c_str());
    } else {
      s = gen.make(idx, opt.len);
      if (s.facts.reads_undefined || s.facts.undefined_result || !s.facts.problem.empty()) {
        ++st.skipped;
        continue;
      }
    }
    ++st.sequences;
    if (opt.show)
      std::printf("-- seed %llu index %llu at %08x:\n%s", (unsigned long long)s.seed, (unsigned long long)s.index,
                  s.base, listing(cs, s.code.data(), s.code.size(), s.base).c_str());
    st.insns += s.facts.insns.size();
    for (const auto& f : s.facts.insns) ++st.per_mnem[f.mnem];
    const std::vector<std::string> devs =
        opt.no_dev || !opt.reference.empty() ? std::vector<std::string>{} : unicorn_deviations(s, cat);
    for (const auto& nm : devs) ++st.per_deviation[nm];
    if (!devs.empty()) ++st.deviations;
    const bool host_usable = nat.ok() && s.facts.native_ok;
    auto report = [&](const std::string& title, const Outcome& a, const std::string& an, const Outcome& b,
                      const std::string& bn, const std::vector<std::string>& diffs, const std::string& extra) {
      if (opt.brief) {
        std::string m;
        for (const auto& f : s.facts.insns) m += f.mnem + " ";
        const std::string verdict = extra.empty() ? "" : extra.substr(0, extra.find('\n'));
        std::printf("%llu: %s | %s | %s\n", (unsigned long long)s.index, diffs.front().c_str(), verdict.c_str(),
                    m.c_str());
        return;
      }
      std::printf("==== %s: seed %llu index %llu\n", title.c_str(), (unsigned long long)s.seed,
                  (unsigned long long)s.index);
      for (const auto& d : diffs) std::printf("  %s: %s\n", (an + " vs " + bn).c_str(), d.c_str());
      std::printf("code (%zu bytes): %s\n%s", s.code.size(), hex(s.code).c_str(),
                  listing(cs, s.code.data(), s.code.size(), s.base).c_str());
      std::printf("initial state:\n%s%s:\n%s%s:\n%s%s", describe_init(s.init).c_str(), an.c_str(),
                  describe_outcome(a).c_str(), bn.c_str(), describe_outcome(b).c_str(), extra.c_str());
      static const char* const kFamily[] = {"", " --family fp", " --family all"};
      std::printf("reproduce: xlat_fuzz%s --seed %llu --index %llu --base 0x%x --repro %s\n\n",
                  kFamily[int(opt.family)], (unsigned long long)s.seed, (unsigned long long)s.index, s.base,
                  hex(s.code).c_str());
    };
    if (opt.all_forms) {
      if (!host_usable || !devs.empty()) {
        ++st.skipped_dev;
        continue;
      }
      const Outcome u = uc->run(s);
      if (u.fault) ++st.faults;
      const Outcome n = nat.run(s);
      const auto d = compare(u, n, mask_for(s, u, n));
      if (!d.empty()) {
        ++st.failures;
        if (st.failures <= opt.max_fail) report("unicorn/host difference", u, "unicorn", n, "host", d, "");
      }
      continue;
    }
    if (!opt.reference.empty()) {  // head to head: the interpreter is the reference
      const Outcome r = ref_engine->run(s);
      if (r.fault) ++st.faults;
      const Outcome o = jit_engine->run(s);
      const auto d = compare(r, o, mask_for(s, r, o));
      if (!d.empty()) {
        ++st.failures;
        if (st.failures <= opt.max_fail) report("translator/interpreter difference", r, "interp", o, "jit", d, "");
      }
      continue;
    }
    // fp family: Unicorn is the reference and the host CPU the referee. Where
    // Unicorn and xlat disagree, the host decides: if it agrees with xlat and
    // a documented rule (deviations.cpp) says Unicorn is wrong for this kind
    // of sequence, the difference is counted under that rule; otherwise it
    // is a failure (xlat wrong, or a Unicorn deviation nobody documented).
    if (!s.init.fx.empty() && devs.empty()) {
      const Outcome u = uc->run(s);
      if (u.fault) ++st.faults;
      const std::vector<std::string> fpdevs = opt.no_dev ? std::vector<std::string>{} : unicorn_fp_deviations(s, cat);
      std::optional<Outcome> host;
      bool failed = false;
      for (auto& x : xl) {
        const Outcome o = x->run(s);
        const auto d = compare(u, o, mask_for(s, u, o));
        if (opt.native && host_usable) {
          if (!host) host = nat.run(s);
          const auto dn = compare(*host, o, mask_for(s, *host, o));
          if (!dn.empty()) {
            failed = true;
            if (st.failures < opt.max_fail) report("host difference", *host, "host", o, x->engine(), dn, "");
            continue;
          }
        }
        if (d.empty()) continue;
        if (!host_usable) {
          if (!fpdevs.empty()) {
            ++st.skipped_dev;
            continue;
          }
          failed = true;
          if (st.failures < opt.max_fail) report("difference (no host to referee)", u, "unicorn", o, x->engine(), d, "");
          continue;
        }
        if (!host) host = nat.run(s);
        // The AMD host accepted MXCSR bit 17 (MM) where Intel CPUs and xlat
        // raise #GP: it took a path no Intel CPU takes (KNOWN_DEVIATIONS.md).
        if (host->has_fp && (host->fp.mxcsr & 0x20000)) {
          ++st.skipped_amd;
          continue;
        }
        const auto dn = compare(*host, o, mask_for(s, *host, o));
        if (dn.empty() && !fpdevs.empty()) {
          for (const auto& nm : fpdevs) ++st.per_fp_deviation[nm];
          ++st.deviations;
          continue;
        }
        failed = true;
        if (st.failures < opt.max_fail) {
          if (dn.empty()) {
            report("difference with Unicorn that no documented deviation explains (the host agrees with xlat)", u,
                   "unicorn", o, x->engine(), d, "host outcome:\n" + describe_outcome(*host));
          } else {
            report("difference from the host CPU", *host, "host", o, x->engine(), dn,
                   "unicorn outcome:\n" + describe_outcome(u));
          }
        }
      }
      if (failed) ++st.failures;
      continue;
    }
    // The reference: Unicorn, or the host CPU where Unicorn is known to be wrong.
    std::optional<Outcome> ref;
    std::string ref_name = "unicorn";
    if (devs.empty()) {
      ref = uc->run(s);
    } else if (host_usable) {
      ref = nat.run(s);
      ref_name = "host";
      if (ref->has_fp && (ref->fp.mxcsr & 0x20000)) {  // AMD's MXCSR.MM: see the fp referee above
        ++st.skipped_amd;
        continue;
      }
    } else {
      ++st.skipped_dev;  // a known Unicorn deviation and no host to arbitrate
      continue;
    }
    if (ref->fault) ++st.faults;
    std::optional<Outcome> host;
    auto host_outcome = [&]() -> const Outcome& {
      if (!host) host = nat.run(s);
      return *host;
    };
    bool failed = false;
    for (auto& x : xl) {
      const Outcome o = x->run(s);
      const auto d = compare(*ref, o, mask_for(s, *ref, o));
      if (!d.empty()) {
        failed = true;
        if (st.failures < opt.max_fail) {
          std::string extra;
          if (ref_name == "host") {
            extra = "(Unicorn is known to deviate here: ";
            for (const auto& nm : devs) extra += nm + " ";
            extra += ")\n";
          } else {
            extra = native_verdict(s, host_usable ? &nat : nullptr, *ref, o, x->engine());
          }
          report("difference", *ref, ref_name, o, x->engine(), d, extra);
        }
      }
      if (opt.native && host_usable && ref_name != "host") {
        const Outcome& n = host_outcome();
        const auto dn = compare(n, o, mask_for(s, n, o));
        if (!dn.empty()) {
          failed = true;
          if (st.failures < opt.max_fail) report("host difference", n, "host", o, x->engine(), dn, "");
        }
      }
    }
    if (failed) ++st.failures;
  }

  {
    std::printf("xlat_fuzz: seed %llu, %llu sequences, %llu instructions, %llu ended in an exception\n"
                "  not compared: %llu (generator gave up), %llu (known Unicorn deviation, host could not run it)\n",
                (unsigned long long)opt.seed, (unsigned long long)st.sequences, (unsigned long long)st.insns,
                (unsigned long long)st.faults, (unsigned long long)st.skipped, (unsigned long long)st.skipped_dev);
    std::printf("engines: %s\n", opt.all_forms ? "unicorn vs host" : [&] {
      std::string s;
      for (const auto& e : engines) s += e + " ";
      return s;
    }().c_str());
    if (!opt.quiet) {  // --quiet: summary only
      std::string line;
      for (const auto& [m, n] : st.per_mnem) line += m + ":" + std::to_string(n) + " ";
      std::printf("executed: %s\n", line.c_str());
    }
    if (!nat.ok() && !st.per_deviation.empty())
      std::printf("host CPU: this host cannot run 32-bit code (no compatibility mode), so it cannot referee;\n"
                  "  sequences with a known Unicorn deviation were not compared\n");
    for (const auto& [nm, n] : st.per_deviation)
      std::printf("known Unicorn deviation, %s: %s (%llu instructions)\n",
                  nat.ok() ? "host CPU used as the reference" : "not compared", nm.c_str(), (unsigned long long)n);
    for (const auto& [nm, n] : st.per_fp_deviation)
      std::printf("Unicorn differed, the host CPU agreed with xlat, known deviation: %s (%llu sequences)\n",
                  nm.c_str(), (unsigned long long)n);
    if (st.skipped_amd)
      std::printf("not refereed: %llu (the AMD host loaded MXCSR bit 17, reserved on Intel CPUs)\n",
                  (unsigned long long)st.skipped_amd);
    std::printf("%llu sequences differ\n", (unsigned long long)st.failures);
  }
  return st.failures ? 1 : 0;
}
