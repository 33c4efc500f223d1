// Character backends for two machines that must see the same host input
// (lockstep, frontends/cli/lockstep.cpp). The primary machine's backend
// wraps the real one and records the result of every read() (a byte, or
// "nothing waiting"); the shadow machine's backend replays those results in
// order and discards what the shadow guest writes. The shadow runs the same
// guest a little behind, so its device polls happen at the same virtual
// times and get exactly what the primary's got.
#pragma once

#include <memory>
#include <utility>

#include "devices/hostio/hostio.hpp"

namespace xlat::dev {

// Returns {primary, shadow}. The primary forwards on_quit/on_monitor/
// monitor_input set on it to `real`'s callbacks.
std::pair<std::unique_ptr<CharBackend>, std::unique_ptr<CharBackend>> make_lockstep_pair(
    std::unique_ptr<CharBackend> real);

}  // namespace xlat::dev
