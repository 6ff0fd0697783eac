/* negate_common.h - what every negation kernel shares (internal).
 *
 * A negation kernel works on lanes: integers negate modulo 2^bits, floats
 * flip the sign bit. Each ISA file writes one generic body taking a
 * `c2op__neg_kind` and instantiates it per kind; the kind is a constant at
 * every call, so the compiler folds the switch away. */
#ifndef C2OP_CPU_NEGATE_COMMON_H
#define C2OP_CPU_NEGATE_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cpu/kernels.h"

#define C2OP__INLINE static inline __attribute__((always_inline))

typedef enum {
  C2OP__NEG_X8 = 0,   /* 0 - x on 1-byte lanes */
  C2OP__NEG_X16 = 1,  /* 0 - x on 2-byte lanes */
  C2OP__NEG_X32 = 2,  /* 0 - x on 4-byte lanes */
  C2OP__NEG_X64 = 3,  /* 0 - x on 8-byte lanes */
  C2OP__FLIP_X16 = 4, /* x ^ 0x8000 */
  C2OP__FLIP_X32 = 5, /* x ^ 0x80000000 */
  C2OP__FLIP_X64 = 6  /* x ^ 0x8000000000000000 */
} c2op__neg_kind;

/* Lane width in bytes of a kind. */
C2OP__INLINE size_t c2op__neg_lane(c2op__neg_kind kind) {
  switch (kind) {
  case C2OP__NEG_X8: return 1;
  case C2OP__NEG_X16:
  case C2OP__FLIP_X16: return 2;
  case C2OP__NEG_X32:
  case C2OP__FLIP_X32: return 4;
  case C2OP__NEG_X64:
  case C2OP__FLIP_X64: return 8;
  }
  return 1;
}

/* One lane at a time through memcpy (any alignment); `bytes` is a multiple
 * of the lane. The small-size path of the NEON kernels. */
C2OP__INLINE void c2op__negate_lanes(c2op__neg_kind kind, const uint8_t *x, uint8_t *y,
                                     size_t bytes) {
  const size_t lane = c2op__neg_lane(kind);
  for (size_t i = 0; i < bytes; i += lane) {
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    switch (lane) {
    case 1:
      memcpy(&u8, x + i, 1);
      u8 = (uint8_t)(0u - u8);
      memcpy(y + i, &u8, 1);
      break;
    case 2:
      memcpy(&u16, x + i, 2);
      u16 = kind == C2OP__FLIP_X16 ? (uint16_t)(u16 ^ 0x8000u) : (uint16_t)(0u - u16);
      memcpy(y + i, &u16, 2);
      break;
    case 4:
      memcpy(&u32, x + i, 4);
      u32 = kind == C2OP__FLIP_X32 ? u32 ^ 0x80000000u : 0u - u32;
      memcpy(y + i, &u32, 4);
      break;
    default:
      memcpy(&u64, x + i, 8);
      u64 = kind == C2OP__FLIP_X64 ? u64 ^ 0x8000000000000000ull : 0u - u64;
      memcpy(y + i, &u64, 8);
      break;
    }
  }
}

/* BODY's last argument for a regular pass whose loop always runs forward
 * (cpu/kernels.h, contig_fwd). */
#define C2OP__REGULAR_FORWARD 4

/* Defines kernel NAME of ISA (c2op__NAME__ISA) from the ISA's generic body
 * BODY(kind, x, y, bytes, streaming) (streaming 0: regular; 1: the
 * streaming loop with non-temporal stores; 2: the same loop with regular
 * stores; 3: as 1, always forward; C2OP__REGULAR_FORWARD: as 0, always
 * forward) and, when NT is 1 (the ISA has streaming stores), its streaming
 * pair body BODY##_pair(kind, x0, y0, x1, y1, bytes). REV is 1 when the
 * regular pass may run backward (cpu/negate_x86.h, c2op__run_backward):
 * then contig_fwd is the forward-only one. */
#define C2OP__NEGATE_KERNEL(NAME, KIND, ISA, BODY, NT, REV)                                        \
  static void NAME##_##ISA(const void *x, void *y, int64_t n, size_t elem_size) {                  \
    BODY(KIND, (const uint8_t *)x, (uint8_t *)y, (size_t)n *elem_size, 0);                         \
  }                                                                                                \
  static void NAME##_##ISA##_nt(const void *x, void *y, int64_t n, size_t elem_size) {             \
    BODY(KIND, (const uint8_t *)x, (uint8_t *)y, (size_t)n *elem_size, 1);                         \
  }                                                                                                \
  static void NAME##_##ISA##_big(const void *x, void *y, int64_t n, size_t elem_size) {            \
    BODY(KIND, (const uint8_t *)x, (uint8_t *)y, (size_t)n *elem_size, 2);                         \
  }                                                                                                \
  static void NAME##_##ISA##_shared(const void *x, void *y, int64_t n, size_t elem_size) {         \
    BODY(KIND, (const uint8_t *)x, (uint8_t *)y, (size_t)n *elem_size, 3);                         \
  }                                                                                                \
  static void NAME##_##ISA##_fwd(const void *x, void *y, int64_t n, size_t elem_size) {            \
    BODY(KIND, (const uint8_t *)x, (uint8_t *)y, (size_t)n *elem_size, C2OP__REGULAR_FORWARD);     \
  }                                                                                                \
  static void NAME##_##ISA##_pair(const void *x0, void *y0, const void *x1, void *y1, int64_t n,   \
                                  size_t elem_size) {                                              \
    BODY##_pair(KIND, (const uint8_t *)x0, (uint8_t *)y0, (const uint8_t *)x1, (uint8_t *)y1,      \
                (size_t)n *elem_size);                                                             \
  }                                                                                                \
  static const c2op__unary_kernel c2op__##NAME##__##ISA = {#NAME "__" #ISA,                        \
                                                           NAME##_##ISA,                           \
                                                           c2op__##NAME##_strided__scalar,         \
                                                           (NT) ? NAME##_##ISA##_nt : NULL,        \
                                                           (NT) ? NAME##_##ISA##_pair : NULL,      \
                                                           (NT) ? NAME##_##ISA##_big : NULL,       \
                                                           (NT) ? NAME##_##ISA##_shared : NULL,    \
                                                           (REV) ? NAME##_##ISA##_fwd : NULL};

/* Defines the seven negation kernels of ISA and its table
 * c2op__negate_kernels__ISA (NT and REV: see C2OP__NEGATE_KERNEL). */
#define C2OP__NEGATE_KERNELS(ISA, BODY, NT, REV, TILE_BYTES)                                       \
  C2OP__NEGATE_KERNEL(x8_neg, C2OP__NEG_X8, ISA, BODY, NT, REV)                                    \
  C2OP__NEGATE_KERNEL(x16_neg, C2OP__NEG_X16, ISA, BODY, NT, REV)                                  \
  C2OP__NEGATE_KERNEL(x32_neg, C2OP__NEG_X32, ISA, BODY, NT, REV)                                  \
  C2OP__NEGATE_KERNEL(x64_neg, C2OP__NEG_X64, ISA, BODY, NT, REV)                                  \
  C2OP__NEGATE_KERNEL(x16_signflip, C2OP__FLIP_X16, ISA, BODY, NT, REV)                            \
  C2OP__NEGATE_KERNEL(x32_signflip, C2OP__FLIP_X32, ISA, BODY, NT, REV)                            \
  C2OP__NEGATE_KERNEL(x64_signflip, C2OP__FLIP_X64, ISA, BODY, NT, REV)                            \
  const c2op__negate_kernels c2op__negate_kernels__##ISA = {                                       \
      .neg = {&c2op__x8_neg__##ISA, &c2op__x16_neg__##ISA, &c2op__x32_neg__##ISA,                  \
              &c2op__x64_neg__##ISA},                                                              \
      .signflip = {NULL, &c2op__x16_signflip__##ISA, &c2op__x32_signflip__##ISA,                   \
                   &c2op__x64_signflip__##ISA},                                                    \
      .tile_bytes = (TILE_BYTES),                                                                  \
  };

#endif
