#include "frontends/cli/term_display.hpp"

#include <unistd.h>

#include <chrono>
#include <cstring>

namespace xlat::cli {

namespace {

constexpr uint64_t POLL_NS = 10'000'000;         // virtual time between input polls
constexpr uint64_t FRAME_HOST_NS = 33'000'000;   // at most ~30 frames per second of host time
constexpr uint16_t LSHIFT = 0x12, LCTRL = 0x14;

uint64_t host_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

// US layout: the characters of the main block, unshifted and shifted, and
// their set 2 make codes.
const char NORMAL[] = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./";
const char SHIFTED[] = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>?";
const uint8_t CODES[] = {0x0E, 0x16, 0x1E, 0x26, 0x25, 0x2E, 0x36, 0x3D, 0x3E, 0x46, 0x45, 0x4E, 0x55,
                         0x15, 0x1D, 0x24, 0x2D, 0x2C, 0x35, 0x3C, 0x43, 0x44, 0x4D, 0x54, 0x5B, 0x5D,
                         0x1C, 0x1B, 0x23, 0x2B, 0x34, 0x33, 0x3B, 0x42, 0x4B, 0x4C, 0x52,
                         0x1A, 0x22, 0x21, 0x2A, 0x32, 0x31, 0x3A, 0x41, 0x49, 0x4A};
static_assert(sizeof(CODES) == sizeof(NORMAL) - 1 && sizeof(SHIFTED) == sizeof(NORMAL));

void tap(std::vector<TermDisplay::Key>& out, uint16_t code, uint16_t modifier = 0) {
  if (modifier) out.push_back({modifier, true});
  out.push_back({code, true});
  out.push_back({code, false});
  if (modifier) out.push_back({modifier, false});
}

// CSI/SS3 sequences the common terminals send for the special keys.
struct Seq {
  const char* text;  // after ESC
  uint16_t code;
};
const Seq SEQS[] = {
    {"[A", 0xE075}, {"[B", 0xE072}, {"[C", 0xE074}, {"[D", 0xE06B}, {"[H", 0xE06C}, {"[F", 0xE069},
    {"OA", 0xE075}, {"OB", 0xE072}, {"OC", 0xE074}, {"OD", 0xE06B}, {"OH", 0xE06C}, {"OF", 0xE069},
    {"[1~", 0xE06C}, {"[2~", 0xE070}, {"[3~", 0xE071}, {"[4~", 0xE069}, {"[5~", 0xE07D}, {"[6~", 0xE07A},
    {"OP", 0x05}, {"OQ", 0x06}, {"OR", 0x04}, {"OS", 0x0C}, {"[15~", 0x03}, {"[17~", 0x0B},
    {"[18~", 0x83}, {"[19~", 0x0A}, {"[20~", 0x01}, {"[21~", 0x09}, {"[23~", 0x78}, {"[24~", 0x07},
};

// CP437 characters 0x80-0xFF (and the graphic ones below 0x20) as UTF-8.
const char* const CP437_HIGH[128] = {
    "Ç", "ü", "é", "â", "ä", "à", "å", "ç", "ê", "ë", "è", "ï", "î", "ì", "Ä", "Å",
    "É", "æ", "Æ", "ô", "ö", "ò", "û", "ù", "ÿ", "Ö", "Ü", "¢", "£", "¥", "₧", "ƒ",
    "á", "í", "ó", "ú", "ñ", "Ñ", "ª", "º", "¿", "⌐", "¬", "½", "¼", "¡", "«", "»",
    "░", "▒", "▓", "│", "┤", "╡", "╢", "╖", "╕", "╣", "║", "╗", "╝", "╜", "╛", "┐",
    "└", "┴", "┬", "├", "─", "┼", "╞", "╟", "╚", "╔", "╩", "╦", "╠", "═", "╬", "╧",
    "╨", "╤", "╥", "╙", "╘", "╒", "╓", "╫", "╪", "┘", "┌", "█", "▄", "▌", "▐", "▀",
    "α", "ß", "Γ", "π", "Σ", "σ", "µ", "τ", "Φ", "Θ", "Ω", "δ", "∞", "φ", "ε", "∩",
    "≡", "±", "≥", "≤", "⌠", "⌡", "÷", "≈", "°", "∙", "·", "√", "ⁿ", "²", "■", " "};
const char* const CP437_LOW[32] = {" ", "☺", "☻", "♥", "♦", "♣", "♠", "•", "◘", "○", "◙", "♂", "♀", "♪", "♫", "☼",
                                   "►", "◄", "↕", "‼", "¶", "§", "▬", "↨", "↑", "↓", "→", "←", "∟", "↔", "▲", "▼"};

void put_char(std::string& o, uint8_t ch) {
  if (ch < 0x20) o += CP437_LOW[ch];
  else if (ch < 0x7F) o += char(ch);
  else if (ch == 0x7F) o += "⌂";
  else o += CP437_HIGH[ch - 0x80];
}

// VGA colour index -> ANSI colour number (VGA: blue=1, red=4; ANSI: red=1, blue=4).
const uint8_t ANSI[8] = {0, 4, 2, 6, 1, 5, 3, 7};

void put_attr(std::string& o, uint8_t attr) {
  const unsigned fg = attr & 0x0F, bg = (attr >> 4) & 0x07;
  o += "\x1b[0;";
  o += std::to_string(fg >= 8 ? 90 + ANSI[fg - 8] : 30 + ANSI[fg]);
  o += ";" + std::to_string(40 + ANSI[bg]) + "m";
}

void write_out(const std::string& s) {
  size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = ::write(1, s.data() + off, s.size() - off);
    if (n <= 0) return;  // the terminal went away: nothing to do
    off += size_t(n);
  }
}

}  // namespace

size_t TermDisplay::parse_keys(const std::string& in, std::vector<Key>& out) {
  size_t i = 0;
  while (i < in.size()) {
    const uint8_t c = uint8_t(in[i]);
    if (c == 0x1B) {
      if (i + 1 == in.size()) {
        tap(out, 0x76);  // a lone Esc at the end of what arrived
        return i + 1;
      }
      if (in[i + 1] == '[' || in[i + 1] == 'O') {
        size_t j = i + 2;
        while (j < in.size() && !((in[j] >= 'A' && in[j] <= 'Z') || in[j] == '~')) ++j;
        if (j == in.size()) return i;  // incomplete: wait for the rest
        const std::string seq = in.substr(i + 1, j - i);
        for (const Seq& s : SEQS)
          if (seq == s.text) tap(out, s.code);
        i = j + 1;  // unknown sequences are dropped
        continue;
      }
      tap(out, 0x76);
      ++i;
      continue;
    }
    ++i;
    if (c == '\r' || c == '\n') tap(out, 0x5A);
    else if (c == 0x7F || c == 0x08) tap(out, 0x66);
    else if (c == '\t') tap(out, 0x0D);
    else if (c == ' ') tap(out, 0x29);
    else if (c >= 1 && c <= 26) tap(out, CODES[std::strchr(NORMAL, 'a' + c - 1) - NORMAL], LCTRL);
    else if (const char* p = c ? std::strchr(NORMAL, c) : nullptr) tap(out, CODES[p - NORMAL]);
    else if (const char* q = c ? std::strchr(SHIFTED, c) : nullptr) tap(out, CODES[q - SHIFTED], LSHIFT);
  }
  return i;
}

TermDisplay::TermDisplay(core::Machine& m, dev::PcBoard& board)
    : m_(m), board_(board), term_(std::make_unique<dev::StdioBackend>(0, 1, true)) {
  term_->on_quit = [this] { m_.request_stop(core::StopKind::Stopped, 0, "quit from the display"); };
  m_.external_wakeups = true;  // a key can wake a halted guest
  write_out("\x1b[?1049h\x1b[2J");
  poll_event_ = m_.sched.add("display", [this] { poll(); });
  m_.sched.schedule_in(poll_event_, POLL_NS);
}

TermDisplay::~TermDisplay() {
  render(false);
  write_out("\x1b[0m\x1b[?25h\x1b[?1049l");
}

void TermDisplay::poll() {
  uint8_t b;
  while (term_->read(b)) pending_ += char(b);
  if (!pending_.empty()) {
    std::vector<Key> k;
    pending_.erase(0, parse_keys(pending_, k));
    keys_.insert(keys_.end(), k.begin(), k.end());
  }
  // One key event when the controller has passed on the previous one.
  const dev::I8042& kbc = board_.kbc;
  if (!keys_.empty() && kbc.state().kbd_q.count == 0 && !(kbc.read_status() & 1)) {
    board_.kbc.key_event(keys_.front().code, keys_.front().pressed);
    keys_.pop_front();
  }
  const uint64_t now = host_ns();
  if (now - last_frame_ns_ >= FRAME_HOST_NS) {
    last_frame_ns_ = now;
    render(shown_.empty());
  }
  m_.sched.schedule_in(poll_event_, keys_.empty() ? POLL_NS : POLL_NS / 10);
}

void TermDisplay::render(bool full) {
  const std::vector<dev::VgaText::Cell> cells = board_.vga.cells();
  const unsigned cols = dev::VgaText::COLS;
  std::string o = "\x1b[?25l";
  int attr = -1;
  for (unsigned i = 0; i < cells.size(); ++i) {
    const bool same = !full && i < shown_.size() && shown_[i].ch == cells[i].ch && shown_[i].attr == cells[i].attr;
    if (same) continue;
    // A run of changed cells: one cursor move, then the characters.
    o += "\x1b[" + std::to_string(i / cols + 1) + ";" + std::to_string(i % cols + 1) + "H";
    for (; i < cells.size(); ++i) {
      if (!full && i < shown_.size() && shown_[i].ch == cells[i].ch && shown_[i].attr == cells[i].attr) break;
      if (cells[i].attr != attr) put_attr(o, cells[i].attr), attr = cells[i].attr;
      put_char(o, cells[i].ch);
      if ((i + 1) % cols == 0) {  // next row: move explicitly (no reliance on wrapping)
        ++i;
        break;
      }
    }
    --i;
  }
  unsigned row, col;
  const bool cur = board_.vga.cursor(row, col);
  const int cursor = cur ? int(row * cols + col) : -1;
  if (o.size() == 6 && cursor == shown_cursor_) return;  // nothing changed
  if (cur) o += "\x1b[" + std::to_string(row + 1) + ";" + std::to_string(col + 1) + "H\x1b[?25h";
  write_out(o);
  shown_ = cells;
  shown_cursor_ = cursor;
}

}  // namespace xlat::cli
