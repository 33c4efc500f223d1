// The GDB remote stub and the debugging session that runs a machine under
// it: -s / -S / -gdb tcp:HOST:PORT, and the console monitor (-monitor stdio).
//
// One thread. While the guest runs, a scheduler event (POLL_NS of virtual
// time apart) polls the sockets and the console: a 0x03 byte (Ctrl-C) or a
// monitor `stop` asks the machine to stop at the next instruction boundary;
// a new gdb connection stops it too. While the guest is stopped, the session
// blocks in poll() on the same file descriptors and answers packets.
//
// The engine side (core/debug_hooks.hpp): code breakpoints (Z0/Z1) and
// single-step are checked by the engine at instruction starts (Cpu::dbg),
// never by writing INT3 into guest memory; watchpoints (Z2-Z4) watch pages
// through PageWatch, so only accesses to those pages take the slow path and
// report to Cpu::watch_hook. A stop requested from inside an instruction
// (watchpoint) ends the block after it (Cpu::end_block).
//
// Protocol (gdb's "Remote Protocol" appendix): $packet#cs with +/- acks until
// QStartNoAckMode. Bad checksums get '-', oversized packets are dropped
// (MAX_PACKET), unknown packets get the empty reply, malformed ones "E01";
// memory requests are clamped (MAX_MEM bytes) and only reach RAM and ROM.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/machine.hpp"
#include "frontends/gdb/monitor.hpp"

namespace xlat::gdb {

struct SessionConfig {
  std::string gdb;          // "tcp:HOST:PORT" ("" = no stub); HOST empty = 127.0.0.1; PORT 0 = any free port
  bool start_stopped = false;  // -S
  bool monitor_stdio = false;  // -monitor stdio
  std::function<std::string()> screen_text;  // the text screen for `screendump` (null: no display)
};

// Parses -gdb's argument into host and port; false on a malformed spec.
bool parse_gdb_spec(const std::string& spec, std::string& host, uint16_t& port);

class Session {
 public:
  static constexpr size_t MAX_PACKET = 0x4000;  // PacketSize we announce (bytes between $ and #)
  static constexpr size_t MAX_MEM = 0x1000;     // bytes per m/M/X request
  static constexpr uint64_t POLL_NS = 5'000'000;

  Session(core::Machine& m, SessionConfig cfg);
  ~Session();
  // Opens the listening socket (and prints where it listens on stderr).
  // Returns an error message, or "" on success.
  std::string open();
  // Runs the machine under the debugger until the guest ends (debug exit,
  // shutdown), gdb kills it, or the monitor quits.
  core::RunResult run();
  // The serial console's monitor (Ctrl-A c on a stdio console): `poll`
  // reads waiting terminal input (feeding console_byte), `write` prints on
  // the raw terminal. console_toggle switches the terminal between the
  // guest and the monitor; console_byte takes a typed byte while the
  // monitor has the terminal (returns false otherwise).
  void attach_console(std::function<void()> poll, std::function<void(const std::string&)> write) {
    console_poll_ = std::move(poll);
    console_write_ = std::move(write);
  }
  void console_toggle();
  bool console_byte(uint8_t c);

  uint16_t port() const { return port_; }

 private:
  struct Stop {
    enum Kind { None, SwBreak, HwBreak, Step, Watch, Interrupt, Halted } kind = None;
    uint64_t addr = 0;
    int wtype = 0;  // 2 write, 3 read, 4 access
  };
  struct Watch {
    uint64_t addr, len;
    int type;
    bool physical;
  };

  // session (stub_session.cpp)
  void install_hooks();
  void poll_io(int timeout_ms, bool running);
  void accept_client(bool running);
  void drop_client();
  void read_client(bool running);
  void read_console(bool running);
  void monitor_line(const std::string& line, bool running, std::string& out);
  void serve_serial_console(bool running);
  void request_debug_stop(Stop s);
  void send_stop_reply();
  std::string stop_reply() const;
  // packets (stub_packets.cpp)
  void process_input();
  void handle_packet(const std::string& p);
  std::string handle(const std::string& p);
  std::string handle_query(const std::string& p);
  std::string handle_v(const std::string& p);
  std::string handle_z(const std::string& p, bool insert);
  std::string rcmd(const std::string& hex);
  void resume(bool step);
  void send_packet(const std::string& payload);
  void send_raw(const std::string& bytes);
  void update_watches();
  void on_watch(uint32_t lin, uint64_t phys, unsigned size, core::Access acc);

  core::Machine& m_;
  SessionConfig cfg_;
  DebugSettings settings_;
  Monitor monitor_;
  core::EventId poll_event_ = 0;

  int listen_fd_ = -1, client_fd_ = -1;
  uint16_t port_ = 0;
  std::string in_;            // bytes received and not yet handled
  std::string last_sent_;     // for '-' (retransmit)
  bool ack_mode_ = true;
  bool running_ = false;
  bool stepping_ = false;
  bool reply_on_stop_ = false;  // gdb waits for a stop reply (after c/s)
  bool quit_ = false;
  core::RunResult quit_result_{core::StopKind::Stopped, 0, {}};
  bool stop_pending_ = false;   // a debugger stop was requested during this run
  Stop stop_;                   // why the guest last stopped
  std::map<std::pair<uint64_t, bool>, bool> breaks_;  // (addr, physical) -> hardware (Z1)
  std::vector<Watch> watches_;
  std::function<void()> console_poll_;
  std::function<void(const std::string&)> console_write_;
  bool console_mode_ = false;       // the serial console shows the monitor
  std::string console_line_;        // being typed
  std::vector<std::string> console_lines_;  // typed, to run at the next poll
  bool console_eof_ = false;
  std::string console_in_;
};

}  // namespace xlat::gdb
