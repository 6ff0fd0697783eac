/* kernels.h - CPU elementwise kernels (internal).
 *
 * Kernels know nothing of schemas, tensors or errors: they transform `n`
 * elements of `elem_size` bytes from x to y, either contiguous or with byte
 * strides. x and y are either disjoint or identical (in place); the driver
 * guarantees it. Names say dtype width, op and ISA, XNNPACK style. */
#ifndef C2OP_CPU_KERNELS_H
#define C2OP_CPU_KERNELS_H

#include <stddef.h>
#include <stdint.h>

typedef void (*c2op__contig_fn)(const void *x, void *y, int64_t n, size_t elem_size);
typedef void (*c2op__strided_fn)(const char *x, int64_t x_stride_bytes, char *y,
                                 int64_t y_stride_bytes, int64_t n, size_t elem_size);

typedef struct {
  const char *name;         /* e.g. "x32_signflip__scalar" */
  c2op__contig_fn contig;   /* x and y dense */
  c2op__strided_fn strided; /* any byte strides */
} c2op__unary_kernel;

/* Integer negation modulo 2^bits (signed and unsigned alike). */
extern const c2op__unary_kernel c2op__x8_neg__scalar;
extern const c2op__unary_kernel c2op__x16_neg__scalar;
extern const c2op__unary_kernel c2op__x32_neg__scalar;
extern const c2op__unary_kernel c2op__x64_neg__scalar;
/* IEEE negate: flip the sign bit of each lane (f16, bf16, f32, f64; complex
 * types use the kernel of their component with 2 lanes per element, which
 * the kernel handles through elem_size). */
extern const c2op__unary_kernel c2op__x16_signflip__scalar;
extern const c2op__unary_kernel c2op__x32_signflip__scalar;
extern const c2op__unary_kernel c2op__x64_signflip__scalar;
/* Accumulation y += x (the Sum op): integers modulo 2^bits, floats in their
 * type, float16/bfloat16 through float32 with one rounding. */
extern const c2op__unary_kernel c2op__x8_add__scalar;
extern const c2op__unary_kernel c2op__x16_add__scalar;
extern const c2op__unary_kernel c2op__x32_add__scalar;
extern const c2op__unary_kernel c2op__x64_add__scalar;
extern const c2op__unary_kernel c2op__f16_add__scalar;
extern const c2op__unary_kernel c2op__bf16_add__scalar;
extern const c2op__unary_kernel c2op__f32_add__scalar;
extern const c2op__unary_kernel c2op__f64_add__scalar;
/* Copy of any element size. */
extern const c2op__unary_kernel c2op__copy__scalar;

#endif
