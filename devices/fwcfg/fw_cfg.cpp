#include "devices/fwcfg/fw_cfg.hpp"

#include <stdexcept>

namespace xlat::dev {

namespace {

std::vector<uint8_t> le(uint64_t v, unsigned bytes) {
  std::vector<uint8_t> out(bytes);
  for (unsigned i = 0; i < bytes; ++i) out[i] = uint8_t(v >> (8 * i));
  return out;
}

void put_be(std::vector<uint8_t>& out, uint64_t v, unsigned bytes) {
  for (unsigned i = bytes; i-- > 0;) out.push_back(uint8_t(v >> (8 * i)));
}

}  // namespace

FwCfg::FwCfg(uint64_t ram_bytes) {
  set_item(SIGNATURE, {'Q', 'E', 'M', 'U'});
  set_item(ID, le(1, 4));
  set_item(RAM_SIZE, le(ram_bytes, 8));
  set_item(NB_CPUS, le(1, 2));
  set_item(MAX_CPUS, le(1, 2));
  rebuild_dir();
}

void FwCfg::set_item(uint16_t key, std::vector<uint8_t> data) {
  if (items_.size() <= key) items_.resize(size_t(key) + 1);
  items_[key] = std::move(data);
}

void FwCfg::add_file(const std::string& name, std::vector<uint8_t> data) {
  if (name.size() > 55) throw std::invalid_argument("fw_cfg: file name too long: " + name);
  const uint16_t key = uint16_t(FILE_FIRST + files_.size());
  set_item(key, std::move(data));
  files_.push_back({name, key});
  rebuild_dir();
}

void FwCfg::rebuild_dir() {
  std::vector<uint8_t> dir;
  put_be(dir, files_.size(), 4);
  for (const File& f : files_) {
    put_be(dir, items_[f.key].size(), 4);
    put_be(dir, f.key, 2);
    put_be(dir, 0, 2);
    for (size_t i = 0; i < 56; ++i) dir.push_back(i < f.name.size() ? uint8_t(f.name[i]) : 0);
  }
  set_item(FILE_DIR, std::move(dir));
}

void FwCfg::select(uint16_t key) {
  key_ = key;
  offset_ = 0;
}

uint32_t FwCfg::io_read(uint16_t port, unsigned size) {
  if (port != DATA_PORT) return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
  const uint16_t k = key_ & 0xBFFF;  // bit 14 asks for writing; architecture-local items (bit 15) are none here
  uint32_t v = 0;
  for (unsigned i = 0; i < size; ++i) {
    uint8_t b = 0;
    if (k < items_.size() && offset_ < items_[k].size()) b = items_[k][offset_];
    if (offset_ < UINT32_MAX) ++offset_;
    v |= uint32_t(b) << (8 * i);
  }
  return v;
}

void FwCfg::io_write(uint16_t port, uint32_t value, unsigned size) {
  if (port == SELECTOR_PORT && size >= 2) select(uint16_t(value));
  else if (port == SELECTOR_PORT) select(uint16_t((key_ & 0xFF00) | (value & 0xFF)));
}

}  // namespace xlat::dev
