/* A bytecode interpreter: a small stack machine dispatching through a switch
 * (a jump table: indirect jumps), running a program that sums a
 * polynomial over a loop, `scale` times. */
#include "bench.h"

const char bench_name[] = "bytecode";

enum { PUSH, LOAD, STORE, ADD, SUB, MUL, XOR, SHR, DUP, JNZ, JMP, HALT, INC, DEC, SWAP, OVER };

/* locals: 0 = counter, 1 = accumulator, 2 = x */
static const u8 prog[] = {
    PUSH, 200, STORE, 0,                    /* counter = 200 */
    /* loop: */
    LOAD, 2, DUP, MUL, LOAD, 2, PUSH, 3, MUL, ADD, PUSH, 7, ADD,   /* x*x + 3x + 7 */
    LOAD, 1, XOR, PUSH, 1, SHR, LOAD, 1, ADD, STORE, 1,            /* acc = ((p ^ acc) >> 1) + acc */
    LOAD, 2, INC, STORE, 2,                                        /* ++x */
    LOAD, 0, DEC, DUP, STORE, 0, JNZ, 4,                           /* if (--counter) goto loop */
    LOAD, 1, HALT};

static u32 run(u32 seed) {
  u32 stack[16], locals[4] = {0, seed, seed & 0xFF, 0};
  u32 sp = 0, pc = 0;
  for (;;) {
    const u8 op = prog[pc++];
    switch (op) {
      case PUSH: stack[sp++] = prog[pc++]; break;
      case LOAD: stack[sp++] = locals[prog[pc++]]; break;
      case STORE: locals[prog[pc++]] = stack[--sp]; break;
      case ADD: --sp; stack[sp - 1] += stack[sp]; break;
      case SUB: --sp; stack[sp - 1] -= stack[sp]; break;
      case MUL: --sp; stack[sp - 1] *= stack[sp]; break;
      case XOR: --sp; stack[sp - 1] ^= stack[sp]; break;
      case SHR: --sp; stack[sp - 1] >>= stack[sp]; break;
      case DUP: stack[sp] = stack[sp - 1]; ++sp; break;
      case JNZ: { const u8 t = prog[pc++]; if (stack[--sp]) pc = t; break; }
      case JMP: pc = prog[pc]; break;
      case HALT: return stack[sp - 1];
      case INC: ++stack[sp - 1]; break;
      case DEC: --stack[sp - 1]; break;
      case SWAP: { const u32 t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
      case OVER: stack[sp] = stack[sp - 2]; ++sp; break;
      default: return 0xDEADu;
    }
  }
}

u32 bench_run(u32 scale) {
  u32 sum = 0;
  for (u32 r = 0; r < scale * 64; ++r) sum += run(r * 2654435761u);
  return sum;
}
