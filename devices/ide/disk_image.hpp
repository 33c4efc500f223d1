// A raw disk image file as a block device: the host side of the IDE and
// floppy drives.
//
// Opened read-write unless read-only was asked for; every guest write goes
// straight to the file with pwrite(), so it is in the host's page cache the
// moment the guest's write command completes and survives any way the xlat
// process ends (clean exit, SIGINT, SIGTERM, even SIGKILL); flush() (the
// guest's FLUSH CACHE, and closing) adds an fsync for power-loss safety.
// Errors are messages: a missing or unreadable file, an empty file, or a
// size that is not a whole number of the medium's blocks.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

namespace xlat::dev {

enum class Media { Disk, Cdrom, Floppy };

class DiskImage {
 public:
  // Opens `path`; on failure returns null and sets *err to a sentence.
  static std::unique_ptr<DiskImage> open(const std::string& path, Media media, bool readonly, std::string* err);
  // An image over an already open descriptor (tests); takes ownership.
  DiskImage(int fd, uint64_t bytes, bool readonly, std::string path);
  ~DiskImage();
  DiskImage(const DiskImage&) = delete;
  DiskImage& operator=(const DiskImage&) = delete;

  uint64_t size() const { return bytes_; }
  bool readonly() const { return readonly_; }
  const std::string& path() const { return path_; }

  // Byte-addressed transfers inside the image; false on a host I/O error or
  // a range beyond the end.
  bool read(uint64_t offset, void* dst, size_t n) const;
  bool write(uint64_t offset, const void* src, size_t n);
  bool flush();

  // Lockstep (frontends/cli/lockstep.cpp): a second view of this image for
  // a shadow machine. It reads what the image held when the shadow was made
  // (from then on this image keeps the old contents of the sectors it
  // overwrites) and keeps its own writes in memory: it never writes the file.
  std::unique_ptr<DiskImage> make_shadow();

 private:
  using Sectors = std::unordered_map<uint64_t, std::array<uint8_t, 512>>;  // by 512-byte sector number
  bool raw_read(uint64_t offset, void* dst, size_t n) const;
  bool overlay_read(uint64_t offset, uint8_t* dst, size_t n) const;
  bool overlay_write(uint64_t offset, const uint8_t* src, size_t n);

  int fd_;
  uint64_t bytes_;
  bool readonly_;
  std::string path_;
  std::shared_ptr<Sectors> before_;  // primary: sectors' contents before its writes (shared with the shadow)
  std::unique_ptr<Sectors> own_;     // shadow: its writes
};

}  // namespace xlat::dev
