/* unary_op.h - what an elementwise op computes, as every backend sees it
 * (internal). Ops choose the c2op__unary_op and lane width; each backend
 * (cpu/, cuda/) picks its own kernel for it. */
#ifndef C2OP_CORE_UNARY_OP_H
#define C2OP_CORE_UNARY_OP_H

typedef enum {
  C2OP__UNARY_COPY = 0,     /* y = x, any element size */
  C2OP__UNARY_NEG_INT = 1,  /* y = 0 - x modulo 2^bits, per lane */
  C2OP__UNARY_NEG_FLOAT = 2, /* y = x with each lane's sign bit flipped */
  C2OP__UNARY_ADD_INT = 3,   /* y += x modulo 2^bits, per lane */
  C2OP__UNARY_ADD_FLOAT = 4, /* y += x in float32/float64 lanes (4 or 8 bytes) */
  C2OP__UNARY_ADD_HALF = 5,  /* y += x in float16 lanes */
  C2OP__UNARY_ADD_BFLOAT = 6 /* y += x in bfloat16 lanes */
} c2op__unary_op;

#endif
