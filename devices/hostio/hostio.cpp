// Backend selection, and the stdio, file and null backends. See hostio.hpp.
#include "devices/hostio/hostio.hpp"

#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

namespace xlat::dev {

namespace {

// The terminal state to restore (one terminal per process).
struct termios g_saved_termios;
int g_saved_fd = -1;

void write_all(int fd, const uint8_t* p, size_t n) {
  while (n) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        pollfd pfd{fd, POLLOUT, 0};
        ::poll(&pfd, 1, 100);
        continue;
      }
      return;  // the host side went away: output is lost, the guest goes on
    }
    p += w;
    n -= size_t(w);
  }
}

bool parse_port(const std::string& s, uint16_t* port) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v > 65535) return false;
  *port = uint16_t(v);
  return true;
}

}  // namespace

// --- stdio -----------------------------------------------------------------

void StdioBackend::restore_terminal() {
  if (g_saved_fd >= 0) tcsetattr(g_saved_fd, TCSANOW, &g_saved_termios);
}

StdioBackend::StdioBackend(int in_fd, int out_fd, bool raw) : in_fd_(in_fd), out_fd_(out_fd) {
  if (!raw || g_saved_fd >= 0 || !isatty(in_fd)) return;
  struct termios t;
  if (tcgetattr(in_fd, &t) != 0) return;
  g_saved_termios = t;
  g_saved_fd = in_fd;
  static bool registered = false;
  if (!registered) {
    std::atexit(restore_terminal);
    registered = true;
  }
  t.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  t.c_lflag &= ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  t.c_cflag &= ~(CSIZE | PARENB);
  t.c_cflag |= CS8;
  t.c_cc[VMIN] = 1;
  t.c_cc[VTIME] = 0;
  tcsetattr(in_fd, TCSANOW, &t);  // output processing (OPOST) stays as it was
}

StdioBackend::~StdioBackend() {
  if (g_saved_fd == in_fd_) {
    restore_terminal();
    g_saved_fd = -1;
  }
}

void StdioBackend::write(uint8_t b) { write_all(out_fd_, &b, 1); }

// Reads what the host has typed, without waiting, and applies the Ctrl-A keys.
void StdioBackend::fill() {
  if (eof_) return;
  pollfd pfd{in_fd_, POLLIN, 0};
  if (::poll(&pfd, 1, 0) <= 0 || !(pfd.revents & (POLLIN | POLLHUP | POLLERR))) return;
  uint8_t buf[256];
  const ssize_t n = ::read(in_fd_, buf, sizeof buf);
  if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
    eof_ = true;  // input closed: the guest just gets no more
    return;
  }
  for (ssize_t i = 0; i < n; ++i) {
    const uint8_t c = buf[i];
    if (!escape_) {
      if (c == 0x01)
        escape_ = true;
      else if (!(monitor_input && monitor_input(c)))
        in_.push_back(c);
      continue;
    }
    escape_ = false;
    switch (c) {
      case 'x':
      case 'X':
        if (on_quit) on_quit();
        break;
      case 'c':
      case 'C':
        if (on_monitor) on_monitor();
        break;
      case 0x01:
      case 'a': in_.push_back(0x01); break;
      case 'h':
      case 'H': {
        static const char help[] = "\r\nC-a x    exit\r\nC-a c    switch between the console and the monitor\r\n"
            "C-a C-a  send C-a\r\nC-a h    this help\r\n";
        write_all(out_fd_, reinterpret_cast<const uint8_t*>(help), sizeof help - 1);
        break;
      }
      default: break;  // unknown escape: dropped
    }
  }
}

bool StdioBackend::read(uint8_t& b) {
  if (in_.empty()) fill();
  if (in_.empty()) return false;
  b = in_.front();
  in_.pop_front();
  return true;
}

// --- file ------------------------------------------------------------------

FileBackend::FileBackend(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw std::runtime_error("cannot open '" + path + "': " + std::strerror(errno));
}

FileBackend::~FileBackend() {
  flush();
  if (fd_ >= 0) ::close(fd_);
}

void FileBackend::flush() {
  if (!buf_.empty()) write_all(fd_, buf_.data(), buf_.size());
  buf_.clear();
}

void FileBackend::write(uint8_t b) {
  buf_.push_back(b);
  if (b == '\n' || buf_.size() >= 4096) flush();  // readable line by line while running
}

// --- selection -------------------------------------------------------------

std::unique_ptr<CharBackend> open_char_backend(const std::string& spec, std::string* error) {
  try {
    if (spec == "stdio") return std::make_unique<StdioBackend>();
    if (spec == "null" || spec == "none") return std::make_unique<NullBackend>();
    if (spec.rfind("file:", 0) == 0) {
      if (spec.size() == 5) throw std::runtime_error("file: needs a path");
      return std::make_unique<FileBackend>(spec.substr(5));
    }
    if (spec.rfind("tcp:", 0) == 0) {
      std::string rest = spec.substr(4);
      std::string opts;
      if (const size_t comma = rest.find(','); comma != std::string::npos) {
        opts = rest.substr(comma + 1);
        rest = rest.substr(0, comma);
      }
      const size_t colon = rest.rfind(':');
      if (colon == std::string::npos) throw std::runtime_error("expected tcp:HOST:PORT");
      const std::string host = colon ? rest.substr(0, colon) : "127.0.0.1";
      uint16_t port;
      if (!parse_port(rest.substr(colon + 1), &port)) throw std::runtime_error("bad port in '" + spec + "'");
      bool wait = false;
      while (!opts.empty()) {
        const size_t comma = opts.find(',');
        const std::string o = opts.substr(0, comma);
        opts = comma == std::string::npos ? "" : opts.substr(comma + 1);
        if (o == "wait")
          wait = true;
        else if (o == "nowait")
          wait = false;
        else if (o != "server" && o != "nodelay")
          throw std::runtime_error("unknown tcp option '" + o + "'");
      }
      return std::make_unique<TcpBackend>(host, port, wait);
    }
    throw std::runtime_error("unknown character device '" + spec +
                             "' (expected stdio, file:PATH, tcp:127.0.0.1:PORT or null)");
  } catch (const std::exception& e) {
    if (error) *error = e.what();
    return nullptr;
  }
}

}  // namespace xlat::dev
