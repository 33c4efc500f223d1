// The debugging session: sockets, the console monitor and the run loop
// (see stub.hpp).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "frontends/gdb/stub.hpp"

namespace xlat::gdb {

using namespace xlat::core;

bool parse_gdb_spec(const std::string& spec, std::string& host, uint16_t& port) {
  std::string s = spec;
  if (s.rfind("tcp:", 0) == 0) s = s.substr(4);
  const auto colon = s.rfind(':');
  std::string p = colon == std::string::npos ? s : s.substr(colon + 1);
  host = colon == std::string::npos ? "" : s.substr(0, colon);
  if (host.empty()) host = "127.0.0.1";
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  const unsigned long v = std::stoul(p);
  if (v > 65535) return false;
  port = uint16_t(v);
  in_addr a;
  return inet_pton(AF_INET, host.c_str(), &a) == 1;
}

Session::Session(Machine& m, SessionConfig cfg) : m_(m), cfg_(std::move(cfg)), monitor_(m_, settings_) {
  monitor_.screen_text = cfg_.screen_text;
}

Session::~Session() {
  if (client_fd_ >= 0) ::close(client_fd_);
  if (listen_fd_ >= 0) ::close(listen_fd_);
  m_.cpu.dbg.on_stop = nullptr;
  m_.cpu.watch_hook = nullptr;
}

std::string Session::open() {
  if (cfg_.gdb.empty()) return {};
  std::string host;
  uint16_t port;
  if (!parse_gdb_spec(cfg_.gdb, host, port)) return "-gdb: expected tcp:HOST:PORT (an IPv4 address), got '" + cfg_.gdb + "'";
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) return std::string("-gdb: socket: ") + std::strerror(errno);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0 || ::listen(listen_fd_, 1) < 0)
    return fmt::format("-gdb: cannot listen on {}:{}: {}", host, port, std::strerror(errno));
  socklen_t len = sizeof sa;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
  fmt::print(stderr, "xlat: gdb stub listening on {}:{}\n", host, port_);
  return {};
}

void Session::install_hooks() {
  m_.cpu.dbg.on_stop = [this](Cpu&, DebugHooks::Why why) {
    Stop s;
    if (why == DebugHooks::Why::Step) {
      s.kind = Stop::Step;
    } else {
      const uint64_t lin = uint32_t(m_.cpu.s.seg[CS].base + m_.cpu.s.eip);
      auto it = breaks_.find({lin, false});
      bool hw = it != breaks_.end() && it->second;
      bool trap = false;
      if (it == breaks_.end()) {
        uint64_t phys;
        if (m_.cpu.probe(uint32_t(lin), phys)) {
          auto pit = breaks_.find({phys, true});
          hw = pit != breaks_.end() && pit->second;
          // gdb resumes silently after a swbreak/hwbreak stop at a pc where it
          // knows no breakpoint: a physical breakpoint hit through another
          // linear address is reported as a plain SIGTRAP.
          trap = phys != lin;
        }
      }
      s.kind = trap ? Stop::Step : hw ? Stop::HwBreak : Stop::SwBreak;
      s.addr = lin;
    }
    request_debug_stop(s);
  };
  m_.cpu.watch_hook = [this](uint32_t lin, uint64_t phys, unsigned size, Access acc) { on_watch(lin, phys, size, acc); };
  poll_event_ = m_.sched.add("gdb-poll", [this] {
    // A halted guest with a deterministic clock skips idle time at once:
    // wait here for host input instead of spinning.
    const bool idle = m_.cpu.s.halted && m_.clock() == ClockMode::Deterministic;
    std::fflush(stdout);  // guest console output reaches a pipe while debugging
    poll_io(idle ? 10 : 0, true);
    serve_serial_console(true);
    m_.sched.schedule_in(poll_event_, POLL_NS);
  });
}

void Session::request_debug_stop(Stop s) {
  if (stop_pending_) return;  // the first reason of this run wins
  stop_pending_ = true;
  stop_ = s;
  m_.request_stop(StopKind::Stopped, 0, "stopped by the debugger");
}

void Session::on_watch(uint32_t lin, uint64_t phys, unsigned size, Access acc) {
  for (const Watch& w : watches_) {
    const uint64_t a = w.physical ? phys : lin;
    if (a + size <= w.addr || a >= w.addr + w.len) continue;
    const bool ok = w.type == 4 || (w.type == 2 && acc == Access::Write) || (w.type == 3 && acc != Access::Write);
    if (!ok) continue;
    Stop s;
    s.kind = Stop::Watch;
    s.wtype = w.type;
    s.addr = std::max(a, w.addr);
    m_.cpu.end_block = true;  // stop right after this instruction
    request_debug_stop(s);
    return;
  }
}

void Session::update_watches() {
  std::vector<WatchRange> r;
  for (const Watch& w : watches_) r.push_back(WatchRange{w.addr, w.addr + w.len - 1, w.physical, WatchOwner::Debugger});
  m_.cpu.set_watch(WatchOwner::Debugger, r);
}

std::string Session::stop_reply() const {
  switch (stop_.kind) {
    case Stop::Interrupt: return "T02thread:01;";
    case Stop::SwBreak: return "T05swbreak:;thread:01;";
    case Stop::HwBreak: return "T05hwbreak:;thread:01;";
    case Stop::Watch: {
      const char* k = stop_.wtype == 2 ? "watch" : stop_.wtype == 3 ? "rwatch" : "awatch";
      return fmt::format("T05{}:{:x};thread:01;", k, stop_.addr);
    }
    default: return "T05thread:01;";
  }
}

void Session::send_stop_reply() {
  if (client_fd_ >= 0 && reply_on_stop_) send_packet(stop_reply());
  reply_on_stop_ = false;
}

void Session::drop_client() {
  if (client_fd_ >= 0) ::close(client_fd_);
  client_fd_ = -1;
  in_.clear();
  ack_mode_ = true;
  reply_on_stop_ = false;
  // Without a debugger nothing may stay armed.
  breaks_.clear();
  m_.cpu.dbg.clear();
  watches_.clear();
  update_watches();
  fmt::print(stderr, "xlat: gdb disconnected\n");
  if (!running_ && !quit_) {
    running_ = true;  // the guest goes on without a debugger
    stepping_ = false;
  }
}

void Session::accept_client(bool running) {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  if (client_fd_ >= 0) {  // one debugger at a time
    static const char busy[] = "$E10#a6";
    (void)!::write(fd, busy, sizeof busy - 1);
    ::close(fd);
    return;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  client_fd_ = fd;
  ack_mode_ = true;
  in_.clear();
  fmt::print(stderr, "xlat: gdb connected\n");
  if (running) {
    Stop s;
    s.kind = Stop::Interrupt;
    request_debug_stop(s);
  }
}

void Session::read_client(bool running) {
  char buf[4096];
  const ssize_t n = ::recv(client_fd_, buf, sizeof buf, MSG_DONTWAIT);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
    drop_client();
    return;
  }
  if (n < 0) return;
  if (running) {
    // Only Ctrl-C means something while the guest runs; packets wait.
    for (ssize_t i = 0; i < n; ++i) {
      if (buf[i] == 0x03) {
        Stop s;
        s.kind = Stop::Interrupt;
        request_debug_stop(s);
      } else {
        in_.push_back(buf[i]);
      }
    }
    if (in_.size() > 4 * MAX_PACKET) in_.erase(0, in_.size() - 4 * MAX_PACKET);
    return;
  }
  in_.append(buf, size_t(n));
}

void Session::monitor_line(const std::string& line, bool running, std::string& out) {
  const Monitor::Action a = monitor_.execute(line, out);
  if (a == Monitor::Action::Stop && running) {
    Stop s;
    s.kind = Stop::Interrupt;
    request_debug_stop(s);
  } else if (a == Monitor::Action::Cont && !running) {
    resume(false);
  } else if (a == Monitor::Action::Quit) {
    quit_ = true;
    quit_result_ = RunResult{StopKind::Stopped, 0, "quit from the monitor"};
    if (running) m_.request_stop(StopKind::Stopped, 0, "quit from the monitor");
    stop_pending_ = true;
  } else if (a == Monitor::Action::Stop || a == Monitor::Action::Cont) {
    out += running ? "already running\n" : "already stopped\n";
  }
}

void Session::read_console(bool running) {
  char buf[1024];
  const ssize_t n = ::read(0, buf, sizeof buf);
  if (n <= 0) {
    if (n == 0 || (errno != EAGAIN && errno != EINTR)) console_eof_ = true;
    return;
  }
  console_in_.append(buf, size_t(n));
  if (console_in_.size() > 65536) console_in_.clear();
  for (size_t nl; (nl = console_in_.find('\n')) != std::string::npos;) {
    std::string line = console_in_.substr(0, nl);
    console_in_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string out;
    monitor_line(line, running, out);
    std::fputs(out.c_str(), stdout);
    if (!quit_) std::fputs("(xlat) ", stdout);
    std::fflush(stdout);
    if (quit_) return;
    running = running && !stop_pending_;
  }
}

void Session::console_toggle() {
  console_mode_ = !console_mode_;
  console_line_.clear();
  if (!console_write_) return;
  if (console_mode_) console_write_("\r\nxlat monitor (help lists the commands; Ctrl-A c returns to the guest)\r\n(xlat) ");
  else console_write_("\r\n[guest console]\r\n");
}

bool Session::console_byte(uint8_t c) {
  if (!console_mode_) return false;
  if (c == '\r' || c == '\n') {
    if (console_write_) console_write_("\r\n");
    console_lines_.push_back(console_line_);
    console_line_.clear();
  } else if (c == 0x7F || c == 0x08) {
    if (!console_line_.empty()) {
      console_line_.pop_back();
      if (console_write_) console_write_("\b \b");
    }
  } else if (c >= 0x20 && c < 0x7F && console_line_.size() < 1024) {
    console_line_ += char(c);
    if (console_write_) console_write_(std::string(1, char(c)));
  }
  return true;
}

// Runs the lines typed on the serial console's monitor (never inside an
// instruction: bytes arrive whenever the UART polls, lines run here).
void Session::serve_serial_console(bool running) {
  if (console_poll_ && !running) console_poll_();
  std::vector<std::string> lines;
  lines.swap(console_lines_);
  for (const std::string& line : lines) {
    std::string out;
    monitor_line(line, running, out);
    running = running && !stop_pending_;
    std::string raw;
    for (char ch : out) raw += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    if (console_write_) console_write_(raw + (quit_ || !console_mode_ ? "" : "(xlat) "));
    if (quit_) return;
  }
}

void Session::poll_io(int timeout_ms, bool running) {
  pollfd fds[3];
  int n = 0, li = -1, ci = -1, mi = -1;
  if (listen_fd_ >= 0) li = n, fds[n++] = pollfd{listen_fd_, POLLIN, 0};
  if (client_fd_ >= 0) ci = n, fds[n++] = pollfd{client_fd_, POLLIN, 0};
  if (cfg_.monitor_stdio && !console_eof_) mi = n, fds[n++] = pollfd{0, POLLIN, 0};
  if (n == 0) {
    if (timeout_ms > 0) ::poll(nullptr, 0, timeout_ms);
    return;
  }
  if (::poll(fds, nfds_t(n), timeout_ms) <= 0) return;
  if (ci >= 0 && (fds[ci].revents & (POLLIN | POLLHUP | POLLERR))) read_client(running);
  if (li >= 0 && (fds[li].revents & POLLIN)) accept_client(running);
  if (mi >= 0 && (fds[mi].revents & (POLLIN | POLLHUP | POLLERR))) read_console(running);
}

void Session::resume(bool step) {
  Cpu& c = m_.cpu;
  if (step) c.dbg.begin_step(c);
  else c.dbg.resume(c);
  stepping_ = step;
  running_ = true;
}

RunResult Session::run() {
  install_hooks();
  if (cfg_.start_stopped) {
    running_ = false;
    stop_.kind = Stop::Interrupt;
  } else {
    resume(false);
  }
  if (cfg_.monitor_stdio) {
    fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
    std::fputs("xlat monitor (help lists the commands)\n(xlat) ", stdout);
    std::fflush(stdout);
  }
  for (;;) {
    if (quit_) return quit_result_;
    if (!running_) {
      if (listen_fd_ < 0 && (!cfg_.monitor_stdio || console_eof_) && !console_poll_)
        return RunResult{StopKind::Stopped, 0, "stopped with no debugger or monitor to continue"};
      poll_io(console_poll_ ? 20 : -1, false);  // the serial console has no fd here: poll it
      process_input();
      serve_serial_console(false);
      continue;
    }
    // Run until something stops the guest.
    Cpu& c = m_.cpu;
    InterruptController* saved_intc = c.intc;
    if (stepping_ && !settings_.step_irqs) c.intc = nullptr;  // QEMU-style: no IRQ enters a step
    stop_pending_ = false;
    stop_ = Stop{};
    m_.sched.schedule_in(poll_event_, POLL_NS);
    RunResult r = m_.run();
    m_.sched.cancel(poll_event_);
    c.intc = saved_intc;
    const bool was_step = stepping_;
    stepping_ = false;
    c.dbg.end_step();
    if (quit_) return quit_result_;
    std::fflush(stdout);
    if (stop_pending_ && r.kind == StopKind::Stopped) {
      running_ = false;
      send_stop_reply();
      continue;
    }
    if (r.kind == StopKind::HaltedForever && (was_step || client_fd_ >= 0 || cfg_.monitor_stdio)) {
      // Under a debugger a dead-halted guest is a stop to look at, not an end.
      running_ = false;
      stop_.kind = was_step ? Stop::Step : Stop::Halted;
      if (!was_step) fmt::print(stderr, "xlat: {}\n", r.message);
      send_stop_reply();
      continue;
    }
    if (client_fd_ >= 0) {
      if (r.kind == StopKind::DebugExit) send_packet(fmt::format("W{:02x}", unsigned(r.exit_status) & 0xFF));
      else send_packet("X09");
    }
    return r;
  }
}

}  // namespace xlat::gdb
