// The TCP server backend: a non-blocking listening socket on a loopback
// address, one client at a time, polled from read()/write(). See hostio.hpp.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "devices/hostio/hostio.hpp"

namespace xlat::dev {

namespace {
constexpr size_t MAX_PENDING = 1 << 20;  // output kept for a slow client; beyond it, dropped
}

TcpBackend::TcpBackend(const std::string& host, uint16_t port, bool wait_for_client) : host_(host) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const std::string h = host == "localhost" ? "127.0.0.1" : host;
  if (inet_pton(AF_INET, h.c_str(), &addr.sin_addr) != 1)
    throw std::runtime_error("tcp: '" + host + "' is not an IPv4 address");
  if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127)
    throw std::runtime_error("tcp: only loopback addresses (127.x.x.x) may be used, not '" + host + "'");
  listen_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_ < 0) throw std::runtime_error(std::string("tcp: socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(listen_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(listen_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_, 1) != 0) {
    const std::string why = std::strerror(errno);
    ::close(listen_);
    throw std::runtime_error("tcp: cannot listen on " + host + ":" + std::to_string(port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  getsockname(listen_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (wait_for_client) accept_client(true);
}

TcpBackend::~TcpBackend() {
  drop_client();
  if (listen_ >= 0) ::close(listen_);
}

std::string TcpBackend::describe() const { return "tcp:" + host_ + ":" + std::to_string(port_); }

void TcpBackend::accept_client(bool blocking) {
  if (client_ >= 0) return;
  if (blocking) {
    pollfd pfd{listen_, POLLIN, 0};
    while (::poll(&pfd, 1, -1) < 0 && errno == EINTR) {
    }
  }
  const int fd = ::accept4(listen_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  client_ = fd;
}

void TcpBackend::drop_client() {
  if (client_ >= 0) ::close(client_);
  client_ = -1;
  pending_.clear();
}

void TcpBackend::flush_pending() {
  while (client_ >= 0 && !pending_.empty()) {
    const ssize_t n = ::send(client_, pending_.data(), pending_.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      pending_.erase(pending_.begin(), pending_.begin() + n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    } else {
      drop_client();
    }
  }
}

void TcpBackend::write(uint8_t b) {
  accept_client(false);
  if (client_ < 0) return;  // nobody listening: dropped, as a serial line would
  if (pending_.size() < MAX_PENDING) pending_.push_back(b);
  flush_pending();
}

bool TcpBackend::read(uint8_t& b) {
  if (in_.empty()) {
    accept_client(false);
    flush_pending();
    if (client_ >= 0) {
      uint8_t buf[256];
      const ssize_t n = ::recv(client_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0)
        in_.insert(in_.end(), buf, buf + n);
      else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        drop_client();
    }
  }
  if (in_.empty()) return false;
  b = in_.front();
  in_.pop_front();
  return true;
}

}  // namespace xlat::dev
