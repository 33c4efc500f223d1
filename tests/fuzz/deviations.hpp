// Known deviations of Unicorn 2.0.1 from the SDM and from real CPUs, as
// precise rules. Each rule names one instruction form and the condition under
// which Unicorn is known to be wrong (verified against the host CPU and the
// SDM; KNOWN_DEVIATIONS.md has the evidence). A sequence that contains such
// an instruction is not compared with Unicorn: the host CPU, running the same
// bytes natively, is the reference for it instead. If the host cannot run it
// (FS/GS overrides, segment selectors), the sequence is skipped and counted.
#pragma once

#include <string>
#include <vector>

#include "tests/fuzz/sequence.hpp"

namespace xlat::fuzz {

// Names of the deviation rules the sequence's instructions match (empty: Unicorn
// is a valid reference for it).
std::vector<std::string> unicorn_deviations(const Sequence& s, const Catalog& cat);

// Every rule with its one-line reason (for --list-forms).
std::string describe_deviations();

}  // namespace xlat::fuzz
