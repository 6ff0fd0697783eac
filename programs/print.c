/* print.c - tensor values as text. */
#include "print.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* float16 / bfloat16 bits <-> float. */
static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1Fu, man = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (man << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112u) << 23) | (man << 13);
  } else if (man == 0) {
    bits = sign;
  } else { /* subnormal: normalise */
    int e = -1;
    do {
      e++;
      man <<= 1;
    } while (!(man & 0x400u));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3FFu) << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* float -> float16 bits, round to nearest even (finite values only). */
static uint16_t float_to_half(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  float a = fabsf(f);
  if (a >= 65520.0f) return (uint16_t)(sign | 0x7C00u);
  if (a < 6.103515625e-05f) {  /* subnormal half: multiples of 2^-24 */
    float q = a * 16777216.0f; /* exact */
    uint32_t m = (uint32_t)nearbyintf(q);
    return (uint16_t)(sign | m);
  }
  uint32_t ax = x & 0x7FFFFFFFu;
  uint32_t round = ax + 0xFFFu + ((ax >> 13) & 1u);
  return (uint16_t)(sign | (((round >> 13) - (112u << 10)) & 0x7FFFu));
}

static float bf16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

static uint16_t float_to_bf16(float f) {
  uint32_t x;
  memcpy(&x, &f, 4);
  return (uint16_t)((x + 0x7FFFu + ((x >> 16) & 1u)) >> 16);
}

typedef enum { REAL_F16, REAL_BF16, REAL_F32, REAL_F64 } real_kind;

/* The shortest %g form of v (held as double) that reads back to the same
 * value of its kind. */
static void format_real(char *out, size_t size, double v, real_kind kind) {
  if (isnan(v)) {
    snprintf(out, size, "%snan", signbit(v) ? "-" : "");
    return;
  }
  if (isinf(v)) {
    snprintf(out, size, "%sinf", v < 0 ? "-" : "");
    return;
  }
  int max = kind == REAL_F64 ? 17 : 9;
  for (int p = 1; p <= max; p++) {
    snprintf(out, size, "%.*g", p, v);
    int same;
    switch (kind) {
    case REAL_F64: same = strtod(out, NULL) == v; break;
    case REAL_F32: same = strtof(out, NULL) == (float)v; break;
    case REAL_F16: same = half_to_float(float_to_half(strtof(out, NULL))) == (float)v; break;
    default: same = bf16_to_float(float_to_bf16(strtof(out, NULL))) == (float)v; break;
    }
    if (same) return;
  }
}

static void print_element(FILE *f, const unsigned char *p, DLDataType dt) {
  char a[40], b[40];
  switch (dt.code) {
  case kDLInt: {
    int64_t v = 0;
    if (dt.bits == 8) {
      int8_t x;
      memcpy(&x, p, 1);
      v = x;
    } else if (dt.bits == 16) {
      int16_t x;
      memcpy(&x, p, 2);
      v = x;
    } else if (dt.bits == 32) {
      int32_t x;
      memcpy(&x, p, 4);
      v = x;
    } else
      memcpy(&v, p, 8);
    fprintf(f, "%" PRId64, v);
    return;
  }
  case kDLUInt: {
    uint64_t v = 0;
    if (dt.bits == 8) {
      uint8_t x;
      memcpy(&x, p, 1);
      v = x;
    } else if (dt.bits == 16) {
      uint16_t x;
      memcpy(&x, p, 2);
      v = x;
    } else if (dt.bits == 32) {
      uint32_t x;
      memcpy(&x, p, 4);
      v = x;
    } else
      memcpy(&v, p, 8);
    fprintf(f, "%" PRIu64, v);
    return;
  }
  case kDLFloat:
  case kDLBfloat: {
    double v;
    real_kind k;
    if (dt.bits == 16) {
      uint16_t x;
      memcpy(&x, p, 2);
      k = dt.code == kDLBfloat ? REAL_BF16 : REAL_F16;
      v = k == REAL_BF16 ? bf16_to_float(x) : half_to_float(x);
    } else if (dt.bits == 32) {
      float x;
      memcpy(&x, p, 4);
      v = x;
      k = REAL_F32;
    } else {
      memcpy(&v, p, 8);
      k = REAL_F64;
    }
    format_real(a, sizeof a, v, k);
    fputs(a, f);
    return;
  }
  case kDLComplex: {
    double re, im;
    real_kind k = dt.bits == 64 ? REAL_F32 : REAL_F64;
    if (dt.bits == 64) {
      float x[2];
      memcpy(x, p, 8);
      re = x[0];
      im = x[1];
    } else {
      memcpy(&re, p, 8);
      memcpy(&im, p + 8, 8);
    }
    format_real(a, sizeof a, re, k);
    format_real(b, sizeof b, im, k);
    fprintf(f, "(%s%s%sj)", a, (b[0] == '-' || b[0] == '+') ? "" : "+", b);
    return;
  }
  case C2OP_DL_BOOL: fputs(p[0] ? "True" : "False", f); return;
  default: fputs("?", f); return;
  }
}

typedef struct {
  FILE *f;
  const unsigned char *data;
  DLDataType dt;
  size_t esize;
  int ndim, indent;
  const int64_t *shape;
  int64_t stride[64]; /* elements */
} printer;

static void print_dim(const printer *pr, int d, int64_t offset) {
  fputc('[', pr->f);
  for (int64_t i = 0; i < pr->shape[d]; i++) {
    if (i > 0) {
      fputc(',', pr->f);
      if (d == pr->ndim - 1) {
        fputc(' ', pr->f);
      } else {
        fputc('\n', pr->f);
        for (int k = 0; k <= d + pr->indent; k++)
          fputc(' ', pr->f);
      }
    }
    int64_t off = offset + i * pr->stride[d];
    if (d == pr->ndim - 1)
      print_element(pr->f, pr->data + (size_t)off * pr->esize, pr->dt);
    else
      print_dim(pr, d + 1, off);
  }
  fputc(']', pr->f);
}

void cli_print_tensor(FILE *f, const void *data, DLDataType dtype, int ndim, const int64_t *shape,
                      int fortran, int indent) {
  printer pr = {f, data, dtype, (size_t)dtype.bits * dtype.lanes / 8, ndim, indent, shape, {0}};
  if (ndim > 64) return;
  if (ndim == 0) {
    print_element(f, data, dtype);
    fputc('\n', f);
    return;
  }
  /* No elements: "[]" as NumPy prints it, whatever the other dims are
   * (walking a dim of 2^63 - 1 before a 0 would never end). */
  for (int d = 0; d < ndim; d++)
    if (shape[d] == 0) {
      fputs("[]\n", f);
      return;
    }
  /* Unsigned: the product past the outermost dim is not used, and the
   * strides themselves fit, since the elements are in memory. */
  uint64_t s = 1;
  if (fortran) {
    for (int d = 0; d < ndim; d++) {
      pr.stride[d] = (int64_t)s;
      s *= (uint64_t)shape[d];
    }
  } else {
    for (int d = ndim - 1; d >= 0; d--) {
      pr.stride[d] = (int64_t)s;
      s *= (uint64_t)shape[d];
    }
  }
  print_dim(&pr, 0, 0);
  fputc('\n', f);
}
