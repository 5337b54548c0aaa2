/* An interpreter-style dispatch loop: a stack-based bytecode VM with a switch
 * over opcodes, running a small program that mixes arithmetic, locals and
 * branches (the shape of Lua, Python or Wasm interpreters). */
#include "bench.h"

enum op {
    OP_PUSH,  /* push imm */
    OP_LOAD,  /* push local[imm] */
    OP_STORE, /* local[imm] = pop */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_XOR,
    OP_SHR,   /* a >> imm */
    OP_AND,
    OP_DUP,
    OP_JNZ,   /* if pop != 0 goto imm */
    OP_JMP,   /* goto imm */
    OP_CALLF, /* push f(pop): a small helper, like a builtin */
    OP_HALT,
};

struct insn {
    uint8_t op;
    int32_t imm;
};

static uint32_t builtin(uint32_t x) { return (x * 2654435761u) >> 7; }

static uint32_t run(const struct insn *code, uint32_t *locals) {
    uint32_t stack[64];
    int sp = 0;
    for (int pc = 0;;) {
        const struct insn *in = &code[pc++];
        switch (in->op) {
        case OP_PUSH: stack[sp++] = (uint32_t)in->imm; break;
        case OP_LOAD: stack[sp++] = locals[in->imm]; break;
        case OP_STORE: locals[in->imm] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_SHR: stack[sp - 1] >>= in->imm; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_JNZ: if (stack[--sp]) pc = in->imm; break;
        case OP_JMP: pc = in->imm; break;
        case OP_CALLF: stack[sp - 1] = builtin(stack[sp - 1]); break;
        case OP_HALT: return locals[1];
        }
    }
}

int main(int argc, char **argv) {
    /* The size is the loop count in thousands. */
    int32_t iterations = (int32_t)(bench_size(argc, argv, 20000) * 1000);
    /* locals: 0 = i, 1 = acc, 2 = t
     *   while (i) { t = acc * 31 + (i ^ (i >> 3)); if (t & 1) t = f(t); acc = t; i -= 1; } */
    const struct insn program[] = {
        /* 0 */ {OP_LOAD, 1},  {OP_PUSH, 31},  {OP_MUL, 0},   {OP_LOAD, 0},
        /* 4 */ {OP_LOAD, 0},  {OP_SHR, 3},    {OP_XOR, 0},   {OP_ADD, 0},
        /* 8 */ {OP_DUP, 0},   {OP_STORE, 2},  {OP_PUSH, 1},  {OP_AND, 0},
        /* 12 */ {OP_JNZ, 15}, {OP_JMP, 19},   {OP_HALT, 0},  {OP_LOAD, 2},
        /* 16 */ {OP_CALLF, 0}, {OP_STORE, 2}, {OP_JMP, 19},  {OP_LOAD, 2},
        /* 20 */ {OP_STORE, 1}, {OP_LOAD, 0},  {OP_PUSH, 1},  {OP_SUB, 0},
        /* 24 */ {OP_DUP, 0},  {OP_STORE, 0},  {OP_JNZ, 0},   {OP_HALT, 0},
    };
    uint32_t locals[3] = {(uint32_t)iterations, 7, 0};
    uint64_t start = bench_now_ns();
    uint32_t result = run(program, locals);
    bench_report("interp", bench_mix(result, locals[0]), start);
    return 0;
}
