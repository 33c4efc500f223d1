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

// The fp family's rules (x87/MMX/SSE/SSE2): referee rules. Unicorn still
// runs such a sequence; where it disagrees with xlat and the host agrees
// with xlat, the difference is accounted to the rules the sequence matches
// (if none matches, it is a failure). A rule may look at the initial x87/SSE
// state as well as at the instructions.
std::vector<std::string> unicorn_fp_deviations(const Sequence& s, const Catalog& cat);

// Turns one fp rule off (--without-deviation: shows what the rule explains).
// Returns false if there is no fp rule of that name.
bool disable_fp_deviation(const std::string& name);

// Every rule with its one-line reason (for --list-forms).
std::string describe_deviations();

}  // namespace xlat::fuzz
