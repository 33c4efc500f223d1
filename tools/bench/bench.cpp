// xlat_bench: runs the workloads natively, under every xlat engine
// (translator::engine_names(), so a new engine gets a column by itself) and
// under QEMU (qemu-system-i386 -accel tcg, the image booted as a multiboot
// kernel), and prints one table of guest MIPS and slowdowns relative to
// native, all measured in the same run.
//
//   xlat_bench [--seconds S] [--repeat N] [--workload NAME]... [--engine NAME]...
//              [--no-native] [--no-qemu] [--qemu PATH] [--clock wall|cpu]
//
// Method. Guest instructions per run are counted exactly by xlat's retired
// instruction counter (icount(N) = a + b*N for N iterations; every workload
// does the same work each iteration). Each column picks its own N so that a
// measurement takes about S seconds (default 1), and reports the best of
// --repeat runs (default 3). Native runs the same bytes at the same addresses
// in 32-bit compatibility mode (host32.hpp). QEMU's time includes booting,
// so its MIPS is (icount(N) - icount(1)) / (t(N) - t(1)). Times are
// wall-clock, or CPU time with --clock cpu (for a busy machine: QEMU's CPU
// time is that of all its threads). This is a benchmark, not a test: it is
// not registered with ctest.
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "bios/loaders/loaders.hpp"
#include "core/machine.hpp"
#include "tools/bench/host32.hpp"
#include "tools/bench/workloads.hpp"
#include "translator/engines.hpp"

using namespace xlat;
using namespace xlat::bench;

namespace {

// Wall-clock time by default; --clock cpu measures CPU time instead (this
// process, or QEMU's from wait4), which is steadier on a loaded machine.
bool g_cpu_clock = false;

double now() {
  timespec ts;
  clock_gettime(g_cpu_clock ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}
double since(double t0) { return now() - t0; }

struct Options {
  double seconds = 1.0;
  unsigned repeat = 3;
  std::vector<std::string> workloads, engines;
  bool native = true, qemu = true;
  std::string qemu_path = "qemu-system-i386";
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(stderr, "xlat_bench: %s\n", msg);
  std::fprintf(stderr,
               "usage: xlat_bench [--seconds S] [--repeat N] [--workload NAME]... [--engine NAME]...\n"
               "                  [--no-native] [--no-qemu] [--qemu PATH] [--clock wall|cpu]\n");
  std::exit(2);
}

// --- runners: seconds for n iterations ---------------------------------------

struct XlatResult {
  double seconds;
  uint64_t icount;
};

XlatResult run_xlat(const std::string& engine, Image img, uint32_t n) {
  core::Machine m(64u << 20);
  auto e = translator::make_engine(engine, m.bus);
  if (!e) throw std::runtime_error("no engine " + engine);
  m.set_engine(std::move(e));
  core::Cpu& c = m.cpu;
  c.reset();
  boot::enter_flat_protected_mode(c, img.entry);
  img.set_iterations(n);
  img.set_stop({0xF4});  // HLT
  m.bus.copy_to(IMAGE_BASE, img.bytes.data(), img.bytes.size());
  c.s.gpr[core::ESP] = STACK_TOP;
  const double t0 = now();
  while (!c.s.halted) {
    m.engine().run(c, UINT64_MAX);
    if (c.events.load() & (core::ev::STOP | core::ev::SHUTDOWN)) break;
  }
  const double t = since(t0);
  if (!c.s.halted) throw std::runtime_error(engine + ": the workload did not reach its HLT");
  return {t, c.icount};
}

class Native {
 public:
  Native() {
    if (!host32::available()) return;
    mem_ = host32::map_low(IMAGE_BASE, MAP_END - IMAGE_BASE);
    if (!mem_) return;
    runner_ = std::make_unique<host32::Runner>(IMAGE_BASE - 0x10000);
    if (!runner_->ok()) mem_ = nullptr;
  }
  bool ok() const { return mem_ != nullptr; }
  double run(Image img, uint32_t n) {
    img.set_iterations(n);
    const uint32_t done = IMAGE_BASE + img.done_off;
    const int32_t rel = int32_t(runner_->epilogue() - (done + 5));
    std::vector<uint8_t> jmp = {0xE9, 0, 0, 0, 0};
    std::memcpy(jmp.data() + 1, &rel, 4);
    img.set_stop(jmp);
    std::memcpy(mem_, img.bytes.data(), img.bytes.size());
    host32::Regs in{};
    in.gpr[core::ESP] = STACK_TOP;
    in.eflags = 0x202;
    in.eip = img.entry;
    const double t0 = now();
    const host32::Result r = runner_->run(in);
    const double t = since(t0);
    if (r.faulted) throw std::runtime_error("native run faulted (signal " + std::to_string(r.signo) + ")");
    return t;
  }

 private:
  uint8_t* mem_ = nullptr;
  std::unique_ptr<host32::Runner> runner_;
};

double run_qemu(const std::string& qemu, Image img, uint32_t n) {
  img.set_iterations(n);
  img.set_stop({0xB0, 0x00, 0xE6, 0xF4, 0xF4, 0xEB, 0xFD});  // mov al,0; out 0xf4,al; hlt; jmp $-1
  char path[] = "/tmp/xlat-bench-kernel-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  if (write(fd, img.bytes.data(), img.bytes.size()) != ssize_t(img.bytes.size())) {
    close(fd);
    throw std::runtime_error("cannot write the kernel image");
  }
  close(fd);
  const double t0 = now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) dup2(devnull, 1), dup2(devnull, 2);
    execlp(qemu.c_str(), qemu.c_str(), "-accel", "tcg", "-kernel", path, "-m", "64", "-display", "none",
           "-nodefaults", "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", (char*)nullptr);
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  const double t = g_cpu_clock ? double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                                     double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6
                               : since(t0);
  std::remove(path);
  // isa-debug-exit: exit status (value << 1) | 1 = 1 for value 0.
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
    throw std::runtime_error("qemu did not exit through isa-debug-exit (status " + std::to_string(status) + ")");
  return t;
}

// --- measurement -------------------------------------------------------------

double best_of(unsigned k, const std::function<double()>& f) {
  double best = 1e30;
  for (unsigned i = 0; i < k; ++i) best = std::min(best, f());
  return best;
}

// Finds n so that time(n) - base ~ target, and returns {n, best time(n)}.
std::pair<uint32_t, double> calibrate(const std::function<double(uint32_t)>& time, double base, double target,
                                      unsigned repeat) {
  uint64_t n = 16;
  for (;;) {
    const double t = time(uint32_t(n)) - base;
    if (t >= target * 0.25 || n >= 0xFFFFFFFFull) {
      uint64_t want = t > 0 ? uint64_t(double(n) * target / t) : n;
      want = std::clamp<uint64_t>(want, 1, 0xFFFFFFFFull);
      const uint32_t nn = uint32_t(want);
      return {nn, best_of(repeat, [&] { return time(nn); })};
    }
    const double grow = t > 1e-6 ? std::min(64.0, target * 0.5 / t) : 64.0;
    n = std::min<uint64_t>(0xFFFFFFFFull, uint64_t(double(n) * std::max(2.0, grow)));
  }
}

struct Cell {
  double mips = 0;
  bool ok = false;
  std::string note;
};

std::string host_cpu() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a;
  f >> a;
  return a.empty() ? "?" : a;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      return argv[++i];
    };
    if (a == "--seconds") opt.seconds = std::stod(next());
    else if (a == "--repeat") opt.repeat = unsigned(std::stoul(next()));
    else if (a == "--workload") opt.workloads.push_back(next());
    else if (a == "--engine") opt.engines.push_back(next());
    else if (a == "--no-native") opt.native = false;
    else if (a == "--no-qemu") opt.qemu = false;
    else if (a == "--qemu") opt.qemu_path = next();
    else if (a == "--clock") {
      const std::string v = next();
      if (v != "wall" && v != "cpu") usage("--clock is wall or cpu");
      g_cpu_clock = v == "cpu";
    }
    else usage(("unknown option " + a).c_str());
  }
  if (opt.seconds <= 0 || opt.repeat == 0) usage("--seconds and --repeat must be positive");

  std::vector<std::string> engines;
  for (const auto& e : translator::engine_names())
    if (opt.engines.empty() || std::count(opt.engines.begin(), opt.engines.end(), e)) engines.push_back(e);
  if (engines.empty()) usage("no such engine");
  const std::string counter = translator::engine_names().front();  // counts instructions

  Native native;
  if (opt.native && !native.ok())
    std::fprintf(stderr, "xlat_bench: the host cannot run 32-bit code natively; no native column\n");
  std::vector<std::string> columns;
  if (opt.native && native.ok()) columns.push_back("native");
  for (const auto& e : engines) columns.push_back(e);
  if (opt.qemu) columns.push_back("qemu-tcg");

  std::printf("xlat_bench: %s, load average %s, %.1f s of %s time per measurement, best of %u\n",
              host_cpu().c_str(), load_average().c_str(), opt.seconds, g_cpu_clock ? "CPU" : "wall-clock",
              opt.repeat);
  std::map<std::string, std::map<std::string, Cell>> table;
  std::map<std::string, double> per_iter;
  std::vector<const Workload*> chosen;
  for (const auto& w : workloads())
    if (opt.workloads.empty() || std::count(opt.workloads.begin(), opt.workloads.end(), w.name)) chosen.push_back(&w);
  if (chosen.empty()) usage("no such workload");

  for (const Workload* w : chosen) {
    const Image img = assemble(*w);
    // Instructions: icount(n) = a + b*n.
    const uint64_t i1 = run_xlat(counter, img, 1).icount, i2 = run_xlat(counter, img, 2).icount;
    const uint64_t b = i2 - i1, a = i1 - b;
    per_iter[w->name] = double(b);
    auto insns = [&](uint32_t n) { return double(a) + double(b) * n; };
    std::fprintf(stderr, "%s: %llu instructions per iteration\n", w->name.c_str(), (unsigned long long)b);
    for (const auto& col : columns) {
      Cell c;
      try {
        if (col == "native") {
          auto [n, t] = calibrate([&](uint32_t k) { return native.run(img, k); }, 0, opt.seconds, opt.repeat);
          c.mips = insns(n) / t / 1e6;
        } else if (col == "qemu-tcg") {
          const double t1 = best_of(opt.repeat, [&] { return run_qemu(opt.qemu_path, img, 1); });
          auto [n, t] =
              calibrate([&](uint32_t k) { return run_qemu(opt.qemu_path, img, k); }, t1, opt.seconds, opt.repeat);
          c.mips = (insns(n) - insns(1)) / std::max(t - t1, 1e-9) / 1e6;
        } else {
          auto [n, t] =
              calibrate([&](uint32_t k) { return run_xlat(col, img, k).seconds; }, 0, opt.seconds, opt.repeat);
          c.mips = insns(n) / t / 1e6;
        }
        c.ok = true;
      } catch (const std::exception& e) {
        c.note = e.what();
      }
      std::fprintf(stderr, "  %-10s %s\n", col.c_str(),
                   c.ok ? (std::to_string(int64_t(c.mips)) + " MIPS").c_str() : c.note.c_str());
      table[w->name][col] = c;
    }
  }

  // The table.
  std::printf("\nguest MIPS (million guest instructions per second); (x N) = N times slower than native\n");
  std::printf("%-8s %8s", "workload", "ins/iter");
  for (const auto& col : columns) std::printf(" %22s", col.c_str());
  std::printf("\n");
  for (const Workload* w : chosen) {
    std::printf("%-8s %8.0f", w->name.c_str(), per_iter[w->name]);
    const Cell& nat = table[w->name]["native"];
    for (const auto& col : columns) {
      const Cell& c = table[w->name][col];
      char buf[64];
      if (!c.ok) std::snprintf(buf, sizeof buf, "failed");
      else if (col != "native" && nat.ok) std::snprintf(buf, sizeof buf, "%.1f (x %.1f)", c.mips, nat.mips / c.mips);
      else std::snprintf(buf, sizeof buf, "%.1f", c.mips);
      std::printf(" %22s", buf);
    }
    std::printf("\n");
  }
  for (const Workload* w : chosen) std::printf("  %-8s %s\n", w->name.c_str(), w->what.c_str());
  for (const Workload* w : chosen)
    for (const auto& col : columns)
      if (!table[w->name][col].ok) std::printf("%s/%s failed: %s\n", w->name.c_str(), col.c_str(), table[w->name][col].note.c_str());
  return 0;
}
