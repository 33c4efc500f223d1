// Host character backends: spec parsing, the Ctrl-A escapes and raw mode of
// stdio (over pipes and a pseudo-terminal), the file backend, and the TCP
// server (connect, both directions, reconnect), plus a UART fed from one.
#include "devices/hostio/hostio.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "core/scheduler.hpp"
#include "devices/uart16550/uart16550.hpp"

using namespace xlat;

namespace {

std::string read_all(dev::CharBackend& b) {
  std::string s;
  uint8_t c;
  while (b.read(c)) s.push_back(char(c));
  return s;
}

int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

// Reads from a backend until `n` bytes came (TCP data may arrive in pieces).
std::string read_n(dev::CharBackend& b, size_t n) {
  std::string s;
  // The bound only guards against hanging (60 s without a byte), generous
  // for a loaded CI machine; it is not a timing assertion.
  for (int idle = 0; s.size() < n && idle < 60000; ++idle) {
    uint8_t c;
    if (b.read(c))
      s.push_back(char(c)), idle = 0;
    else
      ::poll(nullptr, 0, 1);
  }
  return s;
}

std::string recv_n(int fd, size_t n) {
  std::string s;
  char buf[64];
  while (s.size() < n) {
    const ssize_t k = ::recv(fd, buf, sizeof buf, 0);
    REQUIRE(k > 0);
    s.append(buf, size_t(k));
  }
  return s;
}

}  // namespace

TEST_CASE("hostio: backend specs are parsed and bad ones explained", "[hostio]") {
  std::string err;
  CHECK(dev::open_char_backend("null", &err) != nullptr);
  auto tcp = dev::open_char_backend("tcp:127.0.0.1:0,server,nowait", &err);
  REQUIRE(tcp != nullptr);
  CHECK(tcp->describe().rfind("tcp:127.0.0.1:", 0) == 0);
  CHECK(dev::open_char_backend("tcp:8.8.8.8:4555", &err) == nullptr);
  CHECK(err.find("loopback") != std::string::npos);
  CHECK(dev::open_char_backend("tcp:127.0.0.1:99999", &err) == nullptr);
  CHECK(err.find("port") != std::string::npos);
  CHECK(dev::open_char_backend("tcp:127.0.0.1:0,telnet", &err) == nullptr);
  CHECK(err.find("telnet") != std::string::npos);
  CHECK(dev::open_char_backend("serial0", &err) == nullptr);
  CHECK(err.find("serial0") != std::string::npos);
  CHECK(dev::open_char_backend("file:/nonexistent-dir/x", &err) == nullptr);
  CHECK(err.find("/nonexistent-dir/x") != std::string::npos);
}

TEST_CASE("hostio: stdio passes bytes through and handles the Ctrl-A keys", "[hostio]") {
  int in[2], out[2];
  REQUIRE(::pipe(in) == 0);
  REQUIRE(::pipe(out) == 0);
  {
    dev::StdioBackend b(in[0], out[1]);
    int quits = 0;
    b.on_quit = [&] { ++quits; };
    uint8_t c;
    CHECK(!b.read(c));  // nothing typed: no waiting
    const char typed[] =
        "ab\x01\x01"
        "c\x01q"
        "d\x01x";
    REQUIRE(::write(in[1], typed, sizeof typed - 1) == ssize_t(sizeof typed - 1));
    CHECK(read_all(b) == std::string("ab\x01"
                                     "cd"));
    CHECK(quits == 1);
    b.write('O'), b.write('K');
    char got[2];
    REQUIRE(::read(out[0], got, 2) == 2);
    CHECK(std::string(got, 2) == "OK");
    ::close(in[1]);  // end of input: reads just find nothing
    CHECK(!b.read(c));
  }
  ::close(in[0]), ::close(out[0]), ::close(out[1]);
}

TEST_CASE("hostio: stdio puts a terminal in raw mode and restores it", "[hostio]") {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const int tty = ::open(::ptsname(master), O_RDWR | O_NOCTTY);
  REQUIRE(tty >= 0);
  termios before;
  REQUIRE(tcgetattr(tty, &before) == 0);
  REQUIRE((before.c_lflag & ICANON));
  {
    dev::StdioBackend b(tty, tty);
    termios raw;
    REQUIRE(tcgetattr(tty, &raw) == 0);
    CHECK(!(raw.c_lflag & (ICANON | ECHO | ISIG)));
    CHECK(!(raw.c_iflag & ICRNL));
    // A key typed without Enter arrives at once, and a Ctrl-C is just a byte.
    REQUIRE(::write(master, "k\x03", 2) == 2);
    ::poll(nullptr, 0, 20);
    std::string got = read_all(b);
    for (int i = 0; i < 100 && got.size() < 2; ++i) {
      ::poll(nullptr, 0, 10);
      got += read_all(b);
    }
    CHECK(got == "k\x03");
  }
  termios after;
  REQUIRE(tcgetattr(tty, &after) == 0);
  CHECK(after.c_lflag == before.c_lflag);
  CHECK(after.c_iflag == before.c_iflag);
  ::close(tty), ::close(master);
}

TEST_CASE("hostio: the file backend writes everything the guest sends", "[hostio]") {
  char path[] = "/tmp/xlat-hostio-XXXXXX";
  const int fd = ::mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    std::string err;
    auto b = dev::open_char_backend(std::string("file:") + path, &err);
    REQUIRE(b != nullptr);
    for (char c : std::string("line one\nline two")) b->write(uint8_t(c));
    uint8_t c;
    CHECK(!b->read(c));
    std::ifstream partial(path);
    std::stringstream ss;
    ss << partial.rdbuf();
    CHECK(ss.str() == "line one\n");  // complete lines are on disk while running
  }
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  CHECK(ss.str() == "line one\nline two");
  ::unlink(path);
}

TEST_CASE("hostio: the TCP backend serves one client at a time, both ways, and reconnects", "[hostio]") {
  dev::TcpBackend b("127.0.0.1", 0, false);
  REQUIRE(b.port() != 0);
  b.write('x');  // nobody connected: dropped
  CHECK(!b.connected());
  int c = connect_to(b.port());
  REQUIRE(::send(c, "hi", 2, 0) == 2);
  CHECK(read_n(b, 2) == "hi");
  CHECK(b.connected());
  for (char ch : std::string("hello")) b.write(uint8_t(ch));
  CHECK(recv_n(c, 5) == "hello");
  ::close(c);
  uint8_t byte;
  for (int i = 0; i < 60000 && b.connected(); ++i) {  // hang guard (60 s), as in read_n
    b.read(byte);
    ::poll(nullptr, 0, 1);
  }
  CHECK(!b.connected());
  c = connect_to(b.port());
  REQUIRE(::send(c, "again", 5, 0) == 5);
  CHECK(read_n(b, 5) == "again");
  ::close(c);
}

TEST_CASE("hostio: a UART receives host input through a backend and sends back to it", "[hostio]") {
  int in[2], out[2];
  REQUIRE(::pipe(in) == 0);
  REQUIRE(::pipe(out) == 0);
  core::Scheduler sched;
  dev::StdioBackend host(in[0], out[1]);
  dev::Uart16550 uart(sched);
  uart.tx_sink = [&](uint8_t b) { host.write(b); };
  uart.set_rx_source([&](uint8_t& b) { return host.read(b); });
  uart.write(2, 0x01);  // FIFO on, so the guest need not read each byte in time
  REQUIRE(::write(in[1], "ls\r", 3) == 3);
  sched.advance_to(10 * dev::Uart16550::IDLE_POLL_NS);
  std::string got;
  while (uart.read(5) & 0x01) got.push_back(char(uart.read(0)));
  CHECK(got == "ls\r");
  uart.write(0, '$');
  char c;
  REQUIRE(::read(out[0], &c, 1) == 1);
  CHECK(c == '$');
  ::close(in[0]), ::close(in[1]), ::close(out[0]), ::close(out[1]);
}
