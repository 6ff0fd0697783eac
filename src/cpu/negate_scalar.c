/* negate_scalar.c - portable negation kernels.
 *
 * Integers negate through the unsigned type (0 - x modulo 2^bits), which is
 * defined behaviour and wraps -INT_MIN to INT_MIN. Floats flip the sign bit
 * with an XOR on the same-width unsigned integer: the IEEE 754 negate, which
 * turns +0.0 into -0.0 and keeps NaN payloads. Plain loops without restrict:
 * x == y (in place) is allowed; the compiler vectorises them. */
#include <string.h>

#include "cpu/kernels.h"

/* Lanes per element: elem_size / lane width (2 for complex types). */
#define LANES(elem_size, lane) ((int64_t)((elem_size) / (lane)))

static void x8_neg_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint8_t *a = x;
  uint8_t *b = y;
  n *= LANES(elem_size, 1);
  for (int64_t i = 0; i < n; i++) b[i] = (uint8_t)(0u - a[i]);
}

static void x16_neg_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint16_t *a = x;
  uint16_t *b = y;
  n *= LANES(elem_size, 2);
  for (int64_t i = 0; i < n; i++) b[i] = (uint16_t)(0u - a[i]);
}

static void x32_neg_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint32_t *a = x;
  uint32_t *b = y;
  n *= LANES(elem_size, 4);
  for (int64_t i = 0; i < n; i++) b[i] = 0u - a[i];
}

static void x64_neg_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint64_t *a = x;
  uint64_t *b = y;
  n *= LANES(elem_size, 8);
  for (int64_t i = 0; i < n; i++) b[i] = 0u - a[i];
}

static void x16_flip_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint16_t *a = x;
  uint16_t *b = y;
  n *= LANES(elem_size, 2);
  for (int64_t i = 0; i < n; i++) b[i] = (uint16_t)(a[i] ^ 0x8000u);
}

static void x32_flip_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint32_t *a = x;
  uint32_t *b = y;
  n *= LANES(elem_size, 4);
  for (int64_t i = 0; i < n; i++) b[i] = a[i] ^ 0x80000000u;
}

static void x64_flip_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  const uint64_t *a = x;
  uint64_t *b = y;
  n *= LANES(elem_size, 8);
  for (int64_t i = 0; i < n; i++) b[i] = a[i] ^ 0x8000000000000000ull;
}

/* Strided variants: one element (of one or two lanes) per step; memcpy keeps
 * unaligned or oddly strided access defined. */
#define STRIDED_BODY(T, expr)                                                  \
  const int64_t lanes = LANES(elem_size, sizeof(T));                           \
  for (int64_t i = 0; i < n; i++, x += sx, y += sy) {                          \
    for (int64_t l = 0; l < lanes; l++) {                                      \
      T v;                                                                     \
      memcpy(&v, x + l * (int64_t)sizeof(T), sizeof v);                        \
      v = (T)(expr);                                                           \
      memcpy(y + l * (int64_t)sizeof(T), &v, sizeof v);                        \
    }                                                                          \
  }

void c2op__x8_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                  int64_t n, size_t elem_size) {
  STRIDED_BODY(uint8_t, 0u - v)
}
void c2op__x16_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                   int64_t n, size_t elem_size) {
  STRIDED_BODY(uint16_t, 0u - v)
}
void c2op__x32_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                   int64_t n, size_t elem_size) {
  STRIDED_BODY(uint32_t, 0u - v)
}
void c2op__x64_neg_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                   int64_t n, size_t elem_size) {
  STRIDED_BODY(uint64_t, 0u - v)
}
void c2op__x16_signflip_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                        int64_t n, size_t elem_size) {
  STRIDED_BODY(uint16_t, v ^ 0x8000u)
}
void c2op__x32_signflip_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                        int64_t n, size_t elem_size) {
  STRIDED_BODY(uint32_t, v ^ 0x80000000u)
}
void c2op__x64_signflip_strided__scalar(const char *x, int64_t sx, char *y, int64_t sy,
                                        int64_t n, size_t elem_size) {
  STRIDED_BODY(uint64_t, v ^ 0x8000000000000000ull)
}

static void copy_contig(const void *x, void *y, int64_t n, size_t elem_size) {
  if (x != y) memmove(y, x, (size_t)n * elem_size);
}

static void copy_strided(const char *x, int64_t sx, char *y, int64_t sy, int64_t n,
                         size_t elem_size) {
  switch (elem_size) {
  case 1: for (int64_t i = 0; i < n; i++) y[i * sy] = x[i * sx]; break;
  case 2: for (int64_t i = 0; i < n; i++) memcpy(y + i * sy, x + i * sx, 2); break;
  case 4: for (int64_t i = 0; i < n; i++) memcpy(y + i * sy, x + i * sx, 4); break;
  case 8: for (int64_t i = 0; i < n; i++) memcpy(y + i * sy, x + i * sx, 8); break;
  case 16: for (int64_t i = 0; i < n; i++) memcpy(y + i * sy, x + i * sx, 16); break;
  default:
    for (int64_t i = 0; i < n; i++) memcpy(y + i * sy, x + i * sx, elem_size);
    break;
  }
}

/* The scalar kernels: the reference every ISA's kernels are tested against. */
#define SCALAR_KERNEL(NAME, CONTIG)                                            \
  const c2op__unary_kernel c2op__##NAME##__scalar = {                          \
      #NAME "__scalar", CONTIG, c2op__##NAME##_strided__scalar, NULL, NULL, NULL, NULL,  \
      NULL};
SCALAR_KERNEL(x8_neg, x8_neg_contig)
SCALAR_KERNEL(x16_neg, x16_neg_contig)
SCALAR_KERNEL(x32_neg, x32_neg_contig)
SCALAR_KERNEL(x64_neg, x64_neg_contig)
SCALAR_KERNEL(x16_signflip, x16_flip_contig)
SCALAR_KERNEL(x32_signflip, x32_flip_contig)
SCALAR_KERNEL(x64_signflip, x64_flip_contig)
const c2op__unary_kernel c2op__copy__scalar = {"copy__scalar", copy_contig, copy_strided,
                                                NULL,           NULL,        NULL,
                                                NULL,           NULL};

const c2op__negate_kernels c2op__negate_kernels__scalar = {
    .neg = {&c2op__x8_neg__scalar, &c2op__x16_neg__scalar, &c2op__x32_neg__scalar,
            &c2op__x64_neg__scalar},
    .signflip = {NULL, &c2op__x16_signflip__scalar, &c2op__x32_signflip__scalar,
                 &c2op__x64_signflip__scalar},
    .tile_bytes = 64,
};
