// The GDB remote protocol: framing, acks and the packet handlers (see
// stub.hpp for the list and the rules for bad input).
#include <sys/socket.h>

#include <fmt/core.h>

#include <cerrno>
#include <cstring>

#include "frontends/gdb/guest_memory.hpp"
#include "frontends/gdb/registers.hpp"
#include "frontends/gdb/stub.hpp"

namespace xlat::gdb {

using namespace xlat::core;

namespace {

int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

std::string to_hex(const uint8_t* p, size_t n) {
  static const char d[] = "0123456789abcdef";
  std::string s;
  s.reserve(2 * n);
  for (size_t i = 0; i < n; ++i) s += d[p[i] >> 4], s += d[p[i] & 15];
  return s;
}

bool from_hex(const std::string& s, size_t pos, size_t nbytes, uint8_t* out) {
  if (pos + 2 * nbytes > s.size()) return false;
  for (size_t i = 0; i < nbytes; ++i) {
    const int a = hexval(s[pos + 2 * i]), b = hexval(s[pos + 2 * i + 1]);
    if (a < 0 || b < 0) return false;
    out[i] = uint8_t(a * 16 + b);
  }
  return true;
}

// Parses a hex number at s[pos..] up to a delimiter; advances pos.
bool parse_hex(const std::string& s, size_t& pos, uint64_t& v) {
  const size_t start = pos;
  v = 0;
  while (pos < s.size() && hexval(s[pos]) >= 0) {
    if (pos - start >= 16) return false;
    v = v * 16 + uint64_t(hexval(s[pos++]));
  }
  return pos > start;
}

bool expect(const std::string& s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

// Binary-safe escaping for qXfer replies.
std::string escape_binary(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '#' || c == '$' || c == '}' || c == '*') o += '}', o += char(c ^ 0x20);
    else o += c;
  }
  return o;
}

}  // namespace

void Session::send_raw(const std::string& bytes) {
  if (client_fd_ < 0) return;
  size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(client_fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
    if (n <= 0) return;  // the reader sees the closed connection
    off += size_t(n);
  }
}

void Session::send_packet(const std::string& payload) {
  uint8_t sum = 0;
  for (char c : payload) sum = uint8_t(sum + uint8_t(c));
  last_sent_ = "$" + payload + "#" + fmt::format("{:02x}", sum);
  send_raw(last_sent_);
}

void Session::process_input() {
  // Framing: '$' data '#' xx; 0x03 interrupts; '+'/'-' are acks.
  while (!in_.empty() && client_fd_ >= 0 && !running_) {
    const char c = in_[0];
    if (c == 0x03) {
      in_.erase(0, 1);
      continue;  // already stopped: nothing to interrupt
    }
    if (c == '-') {
      in_.erase(0, 1);
      if (ack_mode_ && !last_sent_.empty()) send_raw(last_sent_);
      continue;
    }
    if (c != '$') {
      in_.erase(0, 1);
      continue;
    }
    const size_t hash = in_.find('#', 1);
    if (hash == std::string::npos) {
      const size_t next = in_.find('$', 1);
      if (next != std::string::npos || in_.size() > MAX_PACKET + 4) {  // cut short or oversized
        in_.erase(0, next == std::string::npos ? in_.size() : next);
        if (ack_mode_) send_raw("-");
        continue;
      }
      return;  // wait for the rest
    }
    // A '$' before the '#' starts a new packet: the old one was cut short.
    if (const size_t again = in_.find('$', 1); again < hash) {
      in_.erase(0, again);
      if (ack_mode_) send_raw("-");
      continue;
    }
    if (in_.size() < hash + 3) return;
    std::string body = in_.substr(1, hash - 1);
    const int h1 = hexval(in_[hash + 1]), h2 = hexval(in_[hash + 2]);
    in_.erase(0, hash + 3);
    uint8_t sum = 0;
    for (char ch : body) sum = uint8_t(sum + uint8_t(ch));
    if (body.size() > MAX_PACKET) {
      if (ack_mode_) send_raw("-");
      continue;
    }
    if (ack_mode_ && (h1 < 0 || h2 < 0 || uint8_t(h1 * 16 + h2) != sum)) {
      send_raw("-");
      continue;
    }
    // Unescape '}' (binary data in X packets).
    std::string p;
    p.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '}' && i + 1 < body.size()) p += char(body[++i] ^ 0x20);
      else p += body[i];
    }
    if (ack_mode_) send_raw("+");
    handle_packet(p);
  }
}

void Session::handle_packet(const std::string& p) {
  std::string reply;
  try {
    reply = handle(p);
  } catch (const std::exception&) {
    reply = "E01";
  }
  if (reply == "\x01") return;  // no reply now (c/s: the stop reply comes later; k)
  send_packet(reply);
}

std::string Session::handle(const std::string& p) {
  Cpu& c = m_.cpu;
  if (p.empty()) return "";
  size_t pos = 1;
  switch (p[0]) {
    case '?': return stop_reply();
    case 'g': {
      std::string o;
      uint8_t b[16];
      for (unsigned n = 0; n < NUM_REGS; ++n) {
        read_reg(c, n, b);
        o += to_hex(b, reg_size(n));
      }
      return o;
    }
    case 'G': {
      uint8_t b[16];
      size_t at = 1;
      for (unsigned n = 0; n < NUM_REGS && at < p.size(); ++n) {
        if (!from_hex(p, at, reg_size(n), b)) return "E01";
        write_reg(c, n, b);  // registers that cannot change keep their value
        at += 2 * reg_size(n);
      }
      return "OK";
    }
    case 'p': {
      uint64_t n;
      if (!parse_hex(p, pos, n) || pos != p.size()) return "E01";
      if (n >= NUM_REGS) return "E45";
      uint8_t b[16];
      read_reg(c, unsigned(n), b);
      return to_hex(b, reg_size(unsigned(n)));
    }
    case 'P': {
      uint64_t n;
      if (!parse_hex(p, pos, n) || !expect(p, pos, '=') || n >= NUM_REGS) return "E01";
      uint8_t b[16];
      if (p.size() - pos != 2 * reg_size(unsigned(n)) || !from_hex(p, pos, reg_size(unsigned(n)), b)) return "E01";
      return write_reg(c, unsigned(n), b) ? "OK" : "E01";
    }
    case 'm': {
      uint64_t a, n;
      if (!parse_hex(p, pos, a) || !expect(p, pos, ',') || !parse_hex(p, pos, n) || pos != p.size()) return "E01";
      if (n > MAX_MEM) n = MAX_MEM;
      uint8_t b[MAX_MEM];
      const size_t got = read_guest(c, a, settings_.physical, b, size_t(n));
      if (got == 0 && n > 0) return "E14";
      return to_hex(b, got);
    }
    case 'M': {
      uint64_t a, n;
      if (!parse_hex(p, pos, a) || !expect(p, pos, ',') || !parse_hex(p, pos, n) || !expect(p, pos, ':'))
        return "E01";
      if (n > MAX_MEM || p.size() - pos != 2 * n) return "E01";
      uint8_t b[MAX_MEM];
      if (!from_hex(p, pos, size_t(n), b)) return "E01";
      return write_guest(c, a, settings_.physical, b, size_t(n)) == n ? "OK" : "E14";
    }
    case 'X': {
      uint64_t a, n;
      if (!parse_hex(p, pos, a) || !expect(p, pos, ',') || !parse_hex(p, pos, n) || !expect(p, pos, ':'))
        return "E01";
      if (n > MAX_MEM || p.size() - pos != n) return "E01";
      if (n == 0) return "OK";
      return write_guest(c, a, settings_.physical, reinterpret_cast<const uint8_t*>(p.data() + pos), size_t(n)) == n
                 ? "OK"
                 : "E14";
    }
    case 'c':
    case 's':
    case 'C':
    case 'S': {
      // c [addr], C sig[;addr]: the signal is ignored (there is no process to send it to).
      if (p[0] == 'C' || p[0] == 'S') {
        const size_t semi = p.find(';');
        pos = semi == std::string::npos ? p.size() : semi + 1;
      }
      if (pos < p.size()) {
        uint64_t a;
        if (!parse_hex(p, pos, a) || pos != p.size()) return "E01";
        uint8_t b[4];
        std::memcpy(b, &a, 4);
        write_reg(c, 8, b);
      }
      resume(p[0] == 's' || p[0] == 'S');
      reply_on_stop_ = true;
      return "\x01";
    }
    case 'v': return handle_v(p);
    case 'q':
    case 'Q': return handle_query(p);
    case 'Z': return handle_z(p, true);
    case 'z': return handle_z(p, false);
    case 'H': return "OK";
    case 'T': return "OK";  // thread 1 is alive
    case 'D': {
      send_packet("OK");
      drop_client();
      return "\x01";
    }
    case 'k':
      quit_ = true;
      quit_result_ = RunResult{StopKind::Stopped, 0, "killed by gdb"};
      return "\x01";
    default: return "";
  }
}

std::string Session::handle_v(const std::string& p) {
  if (p == "vCont?") return "vCont;c;C;s;S";
  if (p.rfind("vCont;", 0) == 0) {
    // One thread: the first action decides (s/S step, c/C continue).
    const char a = p.size() > 6 ? p[6] : 0;
    if (a == 's' || a == 'S' || a == 'c' || a == 'C') {
      resume(a == 's' || a == 'S');
      reply_on_stop_ = true;
      return "\x01";
    }
    if (a == 't') return "OK";
    return "E01";
  }
  if (p.rfind("vKill", 0) == 0) {
    send_packet("OK");
    quit_ = true;
    quit_result_ = RunResult{StopKind::Stopped, 0, "killed by gdb"};
    return "\x01";
  }
  return "";  // vMustReplyEmpty, vFile, vRun...: unsupported
}

std::string Session::handle_query(const std::string& p) {
  if (p.rfind("qSupported", 0) == 0)
    return fmt::format("PacketSize={:x};qXfer:features:read+;vContSupported+;swbreak+;hwbreak+;QStartNoAckMode+",
                       MAX_PACKET);
  if (p == "QStartNoAckMode") {
    send_packet("OK");  // acknowledged in the old mode; no acks from now on
    ack_mode_ = false;
    return "\x01";
  }
  if (p.rfind("qXfer:features:read:", 0) == 0) {
    const std::string rest = p.substr(20);
    const size_t colon = rest.find(':');
    if (colon == std::string::npos) return "E01";
    if (rest.substr(0, colon) != "target.xml") return "E00";
    size_t pos = colon + 1;
    uint64_t off, len;
    if (!parse_hex(rest, pos, off) || !expect(rest, pos, ',') || !parse_hex(rest, pos, len) || pos != rest.size())
      return "E01";
    const std::string& x = target_xml(!m_.cpu.code32());
    if (off >= x.size()) return "l";
    len = std::min<uint64_t>(len, MAX_PACKET / 2);
    const std::string part = x.substr(size_t(off), size_t(len));
    return (off + part.size() >= x.size() ? "l" : "m") + escape_binary(part);
  }
  if (p == "qAttached" || p.rfind("qAttached:", 0) == 0) return "1";
  if (p == "qfThreadInfo") return "m01";
  if (p == "qsThreadInfo") return "l";
  if (p == "qC") return "QC01";
  if (p.rfind("qSymbol", 0) == 0) return "OK";
  if (p.rfind("qThreadExtraInfo", 0) == 0) {
    const std::string s = "CPU#0";
    return to_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  }
  if (p.rfind("qRcmd,", 0) == 0) return rcmd(p.substr(6));
  return "";
}

std::string Session::rcmd(const std::string& hex) {
  if (hex.size() % 2 || hex.size() > MAX_PACKET) return "E01";
  std::string cmd(hex.size() / 2, '\0');
  if (!from_hex(hex, 0, cmd.size(), reinterpret_cast<uint8_t*>(cmd.data()))) return "E01";
  std::string out;
  const Monitor::Action a = monitor_.execute(cmd, out);
  if (a != Monitor::Action::None) out += "stop, cont and quit are console commands; use gdb's own\n";
  // Output as O packets (hex), in pieces that fit a packet.
  for (size_t i = 0; i < out.size(); i += 1024) {
    const std::string part = out.substr(i, 1024);
    send_packet("O" + to_hex(reinterpret_cast<const uint8_t*>(part.data()), part.size()));
  }
  return "OK";
}

std::string Session::handle_z(const std::string& p, bool insert) {
  size_t pos = 1;
  uint64_t type, addr, kind;
  if (!parse_hex(p, pos, type) || !expect(p, pos, ',') || !parse_hex(p, pos, addr) || !expect(p, pos, ',') ||
      !parse_hex(p, pos, kind))
    return "E01";
  // Conditions/commands after ';' (target-side) are not supported: ignored.
  if (pos != p.size() && p[pos] != ';') return "E01";
  const bool phys = settings_.physical;
  if (!phys) addr = uint32_t(addr);
  Cpu& c = m_.cpu;
  if (type == 0 || type == 1) {
    if (insert) {
      breaks_[{addr, phys}] = type == 1;
      c.dbg.add(addr, phys);
      return "OK";
    }
    // Remove the one inserted in the current mode, else in the other.
    for (bool ph : {phys, !phys}) {
      auto it = breaks_.find({addr, ph});
      if (it == breaks_.end()) continue;
      breaks_.erase(it);
      c.dbg.remove(addr, ph);
      return "OK";
    }
    return "E02";
  }
  if (type >= 2 && type <= 4) {
    if (kind == 0 || kind > MAX_MEM) return "E01";
    if (insert) {
      watches_.push_back(Watch{addr, kind, int(type), phys});
      update_watches();
      return "OK";
    }
    for (auto it = watches_.begin(); it != watches_.end(); ++it) {
      if (it->addr == addr && it->len == kind && it->type == int(type)) {
        watches_.erase(it);
        update_watches();
        return "OK";
      }
    }
    return "E02";
  }
  return "";  // unknown breakpoint type: unsupported
}

}  // namespace xlat::gdb
