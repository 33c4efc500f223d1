#include "devices/hostio/lockstep_pair.hpp"

#include <deque>

namespace xlat::dev {

namespace {

using Log = std::deque<int>;  // read() results: a byte, or -1 for "nothing"

class Recorder final : public CharBackend {
 public:
  Recorder(std::unique_ptr<CharBackend> real, std::shared_ptr<Log> log) : real_(std::move(real)), log_(std::move(log)) {
    real_->on_quit = [this] { if (on_quit) on_quit(); };
    real_->on_monitor = [this] { if (on_monitor) on_monitor(); };
    real_->monitor_input = [this](uint8_t c) { return monitor_input && monitor_input(c); };
  }
  void write(uint8_t b) override { real_->write(b); }
  bool read(uint8_t& b) override {
    const bool got = real_->read(b);
    log_->push_back(got ? int(b) : -1);
    return got;
  }
  void poll() override { real_->poll(); }
  std::string describe() const override { return real_->describe(); }

 private:
  std::unique_ptr<CharBackend> real_;
  std::shared_ptr<Log> log_;
};

class Replayer final : public CharBackend {
 public:
  explicit Replayer(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void write(uint8_t) override {}
  bool read(uint8_t& b) override {
    if (log_->empty()) return false;  // the shadow polled more than the primary: lockstep reports the divergence
    const int v = log_->front();
    log_->pop_front();
    if (v < 0) return false;
    b = uint8_t(v);
    return true;
  }
  std::string describe() const override { return "lockstep replay"; }

 private:
  std::shared_ptr<Log> log_;
};

}  // namespace

std::pair<std::unique_ptr<CharBackend>, std::unique_ptr<CharBackend>> make_lockstep_pair(
    std::unique_ptr<CharBackend> real) {
  auto log = std::make_shared<Log>();
  return {std::make_unique<Recorder>(std::move(real), log), std::make_unique<Replayer>(log)};
}

}  // namespace xlat::dev
