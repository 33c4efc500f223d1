#include "core/exceptions.hpp"

namespace xlat::core {

void raise_fault(uint8_t vector) { throw GuestFault{vector, false, 0}; }
void raise_fault(uint8_t vector, uint32_t error) { throw GuestFault{vector, true, error}; }

const char* vector_name(uint8_t v) {
  static const char* names[32] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
                                  "#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
                                  "#MF", "#AC", "#MC", "#XM", "#VE", "#21", "#22", "#23",
                                  "#24", "#25", "#26", "#27", "#28", "#29", "#30", "#31"};
  return v < 32 ? names[v] : "INT";
}

}  // namespace xlat::core
