// GDB register numbering and the target description (see registers.hpp).
#include "frontends/gdb/registers.hpp"

#include <cstring>

namespace xlat::gdb {

using namespace xlat::core;

namespace {

constexpr unsigned R_EIP = 8, R_EFLAGS = 9, R_SEG = 10, R_ST0 = 16, R_FCTRL = 24, R_XMM0 = 32, R_MXCSR = 40;
constexpr unsigned R_SYS = 41;  // eip_offset, then the rest of the system feature
// gdb segment order cs ss ds es fs gs -> our SegReg numbers
constexpr SegReg GDB_SEG[6] = {CS, SS, DS, ES, FS, GS};

enum Sys : unsigned {
  S_EIP_OFF = R_SYS,
  S_CS_BASE, S_SS_BASE, S_DS_BASE, S_ES_BASE, S_FS_BASE, S_GS_BASE,
  S_CR0, S_CR2, S_CR3, S_CR4,
  S_GDTR_BASE, S_GDTR_LIMIT, S_IDTR_BASE, S_IDTR_LIMIT,
  S_DR6, S_DR7,
  S_END
};
static_assert(S_END == NUM_REGS);

void put32(uint8_t* o, uint32_t v) { std::memcpy(o, &v, 4); }
uint32_t get32(const uint8_t* i) {
  uint32_t v;
  std::memcpy(&v, i, 4);
  return v;
}

// Full two-bit x87 tag of physical register r (FSTENV's form).
unsigned x87_tag(const FpuState& f, unsigned r) {
  if (!((f.ftw >> r) & 1)) return 3;
  const X87Reg& x = f.st[r];
  const unsigned exp = x.se & 0x7FFF;
  if (exp == 0 && x.mant == 0) return 1;
  if (exp == 0x7FFF || exp == 0 || !(x.mant >> 63)) return 2;
  return 0;
}

std::string build_xml(bool real16) {
  std::string x =
      "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n"
      "<target version=\"1.0\">\n<architecture>" +
      std::string(real16 ? "i8086" : "i386") + "</architecture>\n"
      "<feature name=\"org.gnu.gdb.i386.core\">\n"
      "<flags id=\"i386_eflags\" size=\"4\">\n"
      "<field name=\"CF\" start=\"0\" end=\"0\"/><field name=\"\" start=\"1\" end=\"1\"/>"
      "<field name=\"PF\" start=\"2\" end=\"2\"/><field name=\"AF\" start=\"4\" end=\"4\"/>"
      "<field name=\"ZF\" start=\"6\" end=\"6\"/><field name=\"SF\" start=\"7\" end=\"7\"/>"
      "<field name=\"TF\" start=\"8\" end=\"8\"/><field name=\"IF\" start=\"9\" end=\"9\"/>"
      "<field name=\"DF\" start=\"10\" end=\"10\"/><field name=\"OF\" start=\"11\" end=\"11\"/>"
      "<field name=\"NT\" start=\"14\" end=\"14\"/><field name=\"RF\" start=\"16\" end=\"16\"/>"
      "<field name=\"VM\" start=\"17\" end=\"17\"/><field name=\"AC\" start=\"18\" end=\"18\"/>"
      "<field name=\"VIF\" start=\"19\" end=\"19\"/><field name=\"VIP\" start=\"20\" end=\"20\"/>"
      "<field name=\"ID\" start=\"21\" end=\"21\"/>\n</flags>\n";
  const char* gpr[8] = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
  for (unsigned i = 0; i < 8; ++i) {
    const char* type = (i == 4 || i == 5) ? "data_ptr" : "int32";
    x += "<reg name=\"" + std::string(gpr[i]) + "\" bitsize=\"32\" type=\"" + type + "\" regnum=\"" +
         std::to_string(i) + "\"/>\n";
  }
  x += "<reg name=\"eip\" bitsize=\"32\" type=\"code_ptr\" regnum=\"8\"/>\n";
  x += "<reg name=\"eflags\" bitsize=\"32\" type=\"i386_eflags\" regnum=\"9\"/>\n";
  const char* segs[6] = {"cs", "ss", "ds", "es", "fs", "gs"};
  for (unsigned i = 0; i < 6; ++i)
    x += "<reg name=\"" + std::string(segs[i]) + "\" bitsize=\"32\" type=\"int32\" regnum=\"" +
         std::to_string(R_SEG + i) + "\"/>\n";
  for (unsigned i = 0; i < 8; ++i)
    x += "<reg name=\"st" + std::to_string(i) + "\" bitsize=\"80\" type=\"i387_ext\" regnum=\"" +
         std::to_string(R_ST0 + i) + "\"/>\n";
  const char* fctl[8] = {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"};
  for (unsigned i = 0; i < 8; ++i)
    x += "<reg name=\"" + std::string(fctl[i]) + "\" bitsize=\"32\" type=\"int\" group=\"float\" regnum=\"" +
         std::to_string(R_FCTRL + i) + "\"/>\n";
  x += "</feature>\n<feature name=\"org.gnu.gdb.i386.sse\">\n"
       "<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n"
       "<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n"
       "<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n"
       "<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n"
       "<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n"
       "<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n"
       "<union id=\"vec128\"><field name=\"v4_float\" type=\"v4f\"/><field name=\"v2_double\" type=\"v2d\"/>"
       "<field name=\"v16_int8\" type=\"v16i8\"/><field name=\"v8_int16\" type=\"v8i16\"/>"
       "<field name=\"v4_int32\" type=\"v4i32\"/><field name=\"v2_int64\" type=\"v2i64\"/>"
       "<field name=\"uint128\" type=\"uint128\"/></union>\n"
       "<flags id=\"i386_mxcsr\" size=\"4\">"
       "<field name=\"IE\" start=\"0\" end=\"0\"/><field name=\"DE\" start=\"1\" end=\"1\"/>"
       "<field name=\"ZE\" start=\"2\" end=\"2\"/><field name=\"OE\" start=\"3\" end=\"3\"/>"
       "<field name=\"UE\" start=\"4\" end=\"4\"/><field name=\"PE\" start=\"5\" end=\"5\"/>"
       "<field name=\"DAZ\" start=\"6\" end=\"6\"/><field name=\"IM\" start=\"7\" end=\"7\"/>"
       "<field name=\"DM\" start=\"8\" end=\"8\"/><field name=\"ZM\" start=\"9\" end=\"9\"/>"
       "<field name=\"OM\" start=\"10\" end=\"10\"/><field name=\"UM\" start=\"11\" end=\"11\"/>"
       "<field name=\"PM\" start=\"12\" end=\"12\"/><field name=\"FZ\" start=\"15\" end=\"15\"/></flags>\n";
  for (unsigned i = 0; i < 8; ++i)
    x += "<reg name=\"xmm" + std::to_string(i) + "\" bitsize=\"128\" type=\"vec128\" regnum=\"" +
         std::to_string(R_XMM0 + i) + "\"/>\n";
  x += "<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\" regnum=\"40\"/>\n";
  x += "</feature>\n<feature name=\"org.xlat.system\">\n";
  const char* sys[] = {"eip_offset", "cs_base",    "ss_base",     "ds_base",    "es_base",     "fs_base",
                       "gs_base",    "cr0",        "cr2",         "cr3",        "cr4",         "gdtr_base",
                       "gdtr_limit", "idtr_base",  "idtr_limit",  "dr6",        "dr7"};
  for (unsigned i = 0; i < S_END - R_SYS; ++i)
    x += "<reg name=\"" + std::string(sys[i]) + "\" bitsize=\"32\" type=\"" +
         (i == 0 ? "int32" : "uint32") + "\" group=\"system\" regnum=\"" + std::to_string(R_SYS + i) + "\"/>\n";
  x += "</feature>\n</target>\n";
  return x;
}

}  // namespace

unsigned reg_size(unsigned n) {
  if (n >= NUM_REGS) return 0;
  if (n >= R_ST0 && n < R_FCTRL) return 10;
  if (n >= R_XMM0 && n < R_MXCSR) return 16;
  return 4;
}

void read_reg(const Cpu& c, unsigned n, uint8_t* o) {
  const CpuState& s = c.s;
  const FpuState& f = s.fpu;
  if (n < 8) return put32(o, uint32_t(s.gpr[n]));
  if (n == R_EIP) return put32(o, uint32_t(s.seg[CS].base + s.eip));
  if (n == R_EFLAGS) return put32(o, c.eflags());
  if (n < R_ST0) return put32(o, s.seg[GDB_SEG[n - R_SEG]].sel);
  if (n < R_FCTRL) {
    const X87Reg& r = f.st[(f.top + (n - R_ST0)) & 7];
    std::memcpy(o, &r.mant, 8);
    std::memcpy(o + 8, &r.se, 2);
    return;
  }
  if (n < R_XMM0) {
    uint32_t v = 0;
    switch (n - R_FCTRL) {
      case 0: v = f.fcw; break;
      case 1: v = (f.fsw & ~fsw_bits::TOP) | (uint32_t(f.top & 7) << 11); break;
      case 2:
        for (unsigned r = 0; r < 8; ++r) v |= x87_tag(f, r) << (2 * r);
        break;
      case 3: v = f.fcs; break;
      case 4: v = f.fip; break;
      case 5: v = f.fds; break;
      case 6: v = f.fdp; break;
      case 7: v = f.fop; break;
    }
    return put32(o, v);
  }
  if (n < R_MXCSR) return (void)std::memcpy(o, &f.xmm[n - R_XMM0], 16);
  if (n == R_MXCSR) return put32(o, f.mxcsr);
  uint32_t v = 0;
  switch (Sys(n)) {
    case S_EIP_OFF: v = uint32_t(s.eip); break;
    case S_CS_BASE: case S_SS_BASE: case S_DS_BASE: case S_ES_BASE: case S_FS_BASE: case S_GS_BASE:
      v = uint32_t(s.seg[GDB_SEG[n - S_CS_BASE]].base);
      break;
    case S_CR0: v = uint32_t(s.cr0); break;
    case S_CR2: v = uint32_t(s.cr2); break;
    case S_CR3: v = uint32_t(s.cr3); break;
    case S_CR4: v = uint32_t(s.cr4); break;
    case S_GDTR_BASE: v = uint32_t(s.gdtr.base); break;
    case S_GDTR_LIMIT: v = s.gdtr.limit; break;
    case S_IDTR_BASE: v = uint32_t(s.idtr.base); break;
    case S_IDTR_LIMIT: v = s.idtr.limit; break;
    case S_DR6: v = uint32_t(s.dr[6]); break;
    case S_DR7: v = uint32_t(s.dr[7]); break;
    default: break;
  }
  put32(o, v);
}

namespace {
bool write_reg_unchecked(Cpu& c, unsigned n, const uint8_t* in) {
  CpuState& s = c.s;
  FpuState& f = s.fpu;
  if (n >= NUM_REGS) return false;
  uint8_t cur[16];
  read_reg(c, n, cur);
  if (std::memcmp(cur, in, reg_size(n)) == 0) return true;  // unchanged (G rewrites everything)
  const uint32_t v = reg_size(n) == 4 ? get32(in) : 0;
  if (n < 8) {
    s.gpr[n] = v;
  } else if (n == R_EIP) {
    s.eip = uint32_t(v - uint32_t(s.seg[CS].base));
    s.halted = 0;
  } else if (n == R_EFLAGS) {
    const uint32_t old = c.eflags();
    c.set_eflags_bits(v, 0x003F7FD5u);
    if ((old ^ c.eflags()) & fl::VM) c.mode_changed();
  } else if (n < R_ST0) {
    const SegReg sr = GDB_SEG[n - R_SEG];
    if (v > 0xFFFF) return false;
    if (!c.protected_mode() || c.v86()) {
      c.load_seg_real(sr, uint16_t(v));
    } else {
      if (sr == CS) return false;  // a CS load needs a far transfer
      try {
        c.load_seg(sr, uint16_t(v));
      } catch (const GuestFault&) {
        return false;
      }
    }
  } else if (n < R_FCTRL) {
    X87Reg& r = f.st[(f.top + (n - R_ST0)) & 7];
    std::memcpy(&r.mant, in, 8);
    std::memcpy(&r.se, in + 8, 2);
  } else if (n < R_XMM0) {
    switch (n - R_FCTRL) {
      case 0: f.fcw = uint16_t(v); break;
      case 1:
        f.fsw = uint16_t(v & ~fsw_bits::TOP);
        f.top = (v >> 11) & 7;
        break;
      case 2:
        f.ftw = 0;
        for (unsigned r = 0; r < 8; ++r)
          if (((v >> (2 * r)) & 3) != 3) f.ftw |= uint8_t(1u << r);
        break;
      case 3: f.fcs = uint16_t(v); break;
      case 4: f.fip = v; break;
      case 5: f.fds = uint16_t(v); break;
      case 6: f.fdp = v; break;
      case 7: f.fop = uint16_t(v & 0x7FF); break;
    }
  } else if (n < R_MXCSR) {
    std::memcpy(&f.xmm[n - R_XMM0], in, 16);
  } else if (n == R_MXCSR) {
    f.mxcsr = v & mxcsr_bits::MASK;
  } else {
    switch (Sys(n)) {
      case S_EIP_OFF: s.eip = v; s.halted = 0; break;
      case S_CR0: c.write_cr0(v); break;
      case S_CR2: s.cr2 = v; break;
      case S_CR3: c.write_cr3(v); break;
      case S_CR4: c.write_cr4(v); break;
      case S_GDTR_BASE: s.gdtr.base = v; break;
      case S_GDTR_LIMIT: s.gdtr.limit = v & 0xFFFF; break;
      case S_IDTR_BASE: s.idtr.base = v; break;
      case S_IDTR_LIMIT: s.idtr.limit = v & 0xFFFF; break;
      case S_DR6: s.dr[6] = v; break;
      case S_DR7: s.dr[7] = v; c.debug_regs_changed(); break;
      default: return false;  // segment bases come from descriptors
    }
  }
  return true;
}

}  // namespace

bool write_reg(Cpu& c, unsigned n, const uint8_t* in) {
  try {
    return write_reg_unchecked(c, n, in);
  } catch (const GuestFault&) {
    return false;  // e.g. a CR0 value the CPU refuses
  }
}

const std::string& target_xml(bool real16) {
  static const std::string x32 = build_xml(false), x16 = build_xml(true);
  return real16 ? x16 : x32;
}

}  // namespace xlat::gdb
