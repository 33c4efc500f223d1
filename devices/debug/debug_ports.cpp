#include "devices/debug/debug_ports.hpp"
