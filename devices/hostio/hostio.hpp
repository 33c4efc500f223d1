// Host-side character backends for emulated serial ports (-serial SPEC):
//   stdio              the terminal, in raw mode; Ctrl-A x leaves (as QEMU),
//                      Ctrl-A Ctrl-A sends a Ctrl-A, Ctrl-A h lists the keys
//   file:PATH          output to a file (created or truncated); no input
//   tcp:HOST:PORT[,server][,wait|,nowait]
//                      a TCP server on a loopback address; one client at a
//                      time; output while nobody is connected is dropped;
//                      `wait` blocks at start until the first client connects
//   null               output dropped, no input
//
// Nothing here runs on its own: the device (e.g. the UART's receive poll, a
// scheduler event) calls read(), which never blocks, from the emulation
// thread; write() is called when the guest sends. So there is no thread and
// no locking, and host input is picked up at the rate the device polls.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace xlat::dev {

class CharBackend {
 public:
  virtual ~CharBackend() = default;
  // Guest -> host. Never blocks for long.
  virtual void write(uint8_t b) = 0;
  // Host -> guest: takes one waiting byte; false if there is none.
  virtual bool read(uint8_t& b) = 0;
  virtual std::string describe() const = 0;
  // Called when the user asks to leave (stdio: Ctrl-A x).
  std::function<void()> on_quit;
  // The console monitor (stdio: Ctrl-A c toggles it, frontends/gdb): while
  // monitor_input returns true for a typed byte, the byte went to it, not
  // to the guest. poll() reads waiting host input now (the guest may be
  // stopped, so no device polls).
  std::function<void()> on_monitor;
  std::function<bool(uint8_t)> monitor_input;
  virtual void poll() {}
};

// Opens a backend from a -serial style spec; on failure returns nullptr and
// sets *error to a message naming the problem.
std::unique_ptr<CharBackend> open_char_backend(const std::string& spec, std::string* error);

class NullBackend final : public CharBackend {
 public:
  void write(uint8_t) override {}
  bool read(uint8_t&) override { return false; }
  std::string describe() const override { return "null"; }
};

class StdioBackend final : public CharBackend {
 public:
  // `in_fd`/`out_fd` default to the process's stdin/stdout. If in_fd is a
  // terminal and `raw` is set, it is put in raw mode (no echo, no line
  // editing, no signals from keys: Ctrl-C goes to the guest) until the
  // backend is destroyed or the process exits.
  explicit StdioBackend(int in_fd = 0, int out_fd = 1, bool raw = true);
  ~StdioBackend() override;
  void write(uint8_t b) override;
  bool read(uint8_t& b) override;
  void poll() override { fill(); }
  std::string describe() const override { return "stdio"; }
  // Puts the terminal back as it was; safe to call from a signal handler.
  static void restore_terminal();

 private:
  void fill();
  int in_fd_, out_fd_;
  bool eof_ = false;
  bool escape_ = false;  // the last key was Ctrl-A
  std::deque<uint8_t> in_;
};

class FileBackend final : public CharBackend {
 public:
  explicit FileBackend(const std::string& path);  // throws std::runtime_error
  ~FileBackend() override;
  void write(uint8_t b) override;
  bool read(uint8_t&) override { return false; }
  std::string describe() const override { return "file:" + path_; }
  void flush();

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<uint8_t> buf_;
};

class TcpBackend final : public CharBackend {
 public:
  // Listens on host:port (a loopback address; port 0 picks a free one).
  // Throws std::runtime_error on failure.
  TcpBackend(const std::string& host, uint16_t port, bool wait_for_client);
  ~TcpBackend() override;
  void write(uint8_t b) override;
  bool read(uint8_t& b) override;
  std::string describe() const override;
  uint16_t port() const { return port_; }
  bool connected() const { return client_ >= 0; }

 private:
  void accept_client(bool blocking);
  void drop_client();
  void flush_pending();
  std::string host_;
  uint16_t port_ = 0;
  int listen_ = -1, client_ = -1;
  std::deque<uint8_t> in_;
  std::vector<uint8_t> pending_;  // output the socket could not take yet
};

}  // namespace xlat::dev
