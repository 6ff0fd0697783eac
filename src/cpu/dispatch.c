/* dispatch.c - picks the CPU kernel for an elementwise op. */
#include "cpu/dispatch.h"

const c2op__unary_kernel *c2op__cpu_unary_kernel(c2op__unary_op op, size_t lane_bytes) {
  switch (op) {
  case C2OP__UNARY_COPY: return &c2op__copy__scalar;
  case C2OP__UNARY_NEG_INT:
    switch (lane_bytes) {
    case 1: return &c2op__x8_neg__scalar;
    case 2: return &c2op__x16_neg__scalar;
    case 4: return &c2op__x32_neg__scalar;
    case 8: return &c2op__x64_neg__scalar;
    default: return NULL;
    }
  case C2OP__UNARY_NEG_FLOAT:
    switch (lane_bytes) {
    case 2: return &c2op__x16_signflip__scalar;
    case 4: return &c2op__x32_signflip__scalar;
    case 8: return &c2op__x64_signflip__scalar;
    default: return NULL;
    }
  case C2OP__UNARY_ADD_INT:
    switch (lane_bytes) {
    case 1: return &c2op__x8_add__scalar;
    case 2: return &c2op__x16_add__scalar;
    case 4: return &c2op__x32_add__scalar;
    case 8: return &c2op__x64_add__scalar;
    default: return NULL;
    }
  case C2OP__UNARY_ADD_FLOAT:
    return lane_bytes == 4 ? &c2op__f32_add__scalar
           : lane_bytes == 8 ? &c2op__f64_add__scalar
                             : NULL;
  case C2OP__UNARY_ADD_HALF: return &c2op__f16_add__scalar;
  case C2OP__UNARY_ADD_BFLOAT: return &c2op__bf16_add__scalar;
  }
  return NULL;
}
