#include "devices/ide/disk_image.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace xlat::dev {

namespace {

// The largest floppy format (2.88M). Smaller images that match no format
// are read as the smallest one holding them (devices/fdc).
constexpr uint64_t FLOPPY_MAX = 2880 * 1024;

}  // namespace

std::unique_ptr<DiskImage> DiskImage::open(const std::string& path, Media media, bool readonly, std::string* err) {
  auto fail = [&](const std::string& why) {
    if (err) *err = "'" + path + "': " + why;
    return std::unique_ptr<DiskImage>();
  };
  if (media == Media::Cdrom) readonly = true;
  int fd = ::open(path.c_str(), (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) {
    const int e = errno;
    if (!readonly && (e == EACCES || e == EROFS) && ::access(path.c_str(), R_OK) == 0)
      return fail("cannot open for writing (" + std::string(std::strerror(e)) + "); add readonly=on to use it read-only");
    return fail("cannot open: " + std::string(std::strerror(e)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail("not a regular file");
  }
  const uint64_t bytes = uint64_t(st.st_size);
  char probe;
  if (bytes > 0 && ::pread(fd, &probe, 1, 0) != 1) {
    ::close(fd);
    return fail("cannot read: " + std::string(std::strerror(errno)));
  }
  std::string bad;
  if (bytes == 0) bad = "the image is empty";
  else if (media == Media::Disk && bytes % 512) bad = "size " + std::to_string(bytes) + " is not a multiple of 512 bytes";
  else if (media == Media::Cdrom && bytes % 2048) bad = "size " + std::to_string(bytes) + " is not a multiple of 2048 bytes (a CD image)";
  else if (media == Media::Floppy && (bytes % 512 || bytes > FLOPPY_MAX))
    bad = "size " + std::to_string(bytes) + " is not a floppy size (whole 512-byte sectors, at most 2949120 for 2.88M)";
  if (!bad.empty()) {
    ::close(fd);
    return fail(bad);
  }
  return std::make_unique<DiskImage>(fd, bytes, readonly, path);
}

DiskImage::DiskImage(int fd, uint64_t bytes, bool readonly, std::string path)
    : fd_(fd), bytes_(bytes), readonly_(readonly), path_(std::move(path)) {}

DiskImage::~DiskImage() {
  if (fd_ >= 0) {
    if (!readonly_ && !own_) ::fsync(fd_);
    ::close(fd_);
  }
}

bool DiskImage::raw_read(uint64_t offset, void* dst, size_t n) const {
  auto* p = static_cast<uint8_t*>(dst);
  while (n) {
    ssize_t r = ::pread(fd_, p, n, off_t(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, offset += uint64_t(r), n -= size_t(r);
  }
  return true;
}

bool DiskImage::read(uint64_t offset, void* dst, size_t n) const {
  if (offset > bytes_ || n > bytes_ - offset) return false;
  if (own_) return overlay_read(offset, static_cast<uint8_t*>(dst), n);
  return raw_read(offset, dst, n);
}

bool DiskImage::write(uint64_t offset, const void* src, size_t n) {
  if (offset > bytes_ || n > bytes_ - offset) return false;
  if (own_) return overlay_write(offset, static_cast<const uint8_t*>(src), n);
  if (readonly_) return false;
  if (before_) {  // a shadow exists: keep what these sectors held
    for (uint64_t sec = offset / 512; sec * 512 < offset + n; ++sec) {
      if (before_->count(sec)) continue;
      std::array<uint8_t, 512> old{};
      if (!raw_read(sec * 512, old.data(), std::min<uint64_t>(512, bytes_ - sec * 512))) return false;
      before_->emplace(sec, old);
    }
  }
  auto* p = static_cast<const uint8_t*>(src);
  while (n) {
    ssize_t r = ::pwrite(fd_, p, n, off_t(offset));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, offset += uint64_t(r), n -= size_t(r);
  }
  return true;
}

// Shadow: each sector from its own writes, else from the primary's saved
// old contents, else from the file.
bool DiskImage::overlay_read(uint64_t offset, uint8_t* dst, size_t n) const {
  while (n) {
    const uint64_t sec = offset / 512, in = offset % 512;
    const size_t k = std::min<uint64_t>(n, 512 - in);
    const std::array<uint8_t, 512>* s = nullptr;
    if (auto it = own_->find(sec); it != own_->end()) s = &it->second;
    else if (auto jt = before_->find(sec); jt != before_->end()) s = &jt->second;
    if (s) std::memcpy(dst, s->data() + in, k);
    else if (!raw_read(offset, dst, k)) return false;
    dst += k, offset += k, n -= k;
  }
  return true;
}

bool DiskImage::overlay_write(uint64_t offset, const uint8_t* src, size_t n) {
  if (readonly_) return false;
  while (n) {
    const uint64_t sec = offset / 512, in = offset % 512;
    const size_t k = std::min<uint64_t>(n, 512 - in);
    auto it = own_->find(sec);
    if (it == own_->end()) {
      std::array<uint8_t, 512> cur{};
      if (!overlay_read(sec * 512, cur.data(), std::min<uint64_t>(512, bytes_ - sec * 512))) return false;
      it = own_->emplace(sec, cur).first;
    }
    std::memcpy(it->second.data() + in, src, k);
    src += k, offset += k, n -= k;
  }
  return true;
}

std::unique_ptr<DiskImage> DiskImage::make_shadow() {
  if (!before_) before_ = std::make_shared<Sectors>();
  const int fd = ::dup(fd_);
  if (fd < 0) return nullptr;
  auto s = std::make_unique<DiskImage>(fd, bytes_, true, path_);
  s->readonly_ = readonly_;  // guest-visible: writable like the primary, but never to the file
  s->before_ = before_;
  s->own_ = std::make_unique<Sectors>();
  return s;
}

bool DiskImage::flush() { return readonly_ || own_ || ::fsync(fd_) == 0; }

}  // namespace xlat::dev
