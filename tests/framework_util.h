/*
 * framework_util.h - helpers shared by the operator-framework tests
 * (test_registry.c, test_workspace.c, test_net.c).
 *
 * Tensors here are views over buffers the test owns; expected values are
 * always computed by the test itself, never by c2op.
 */
#ifndef C2OP_FRAMEWORK_UTIL_H
#define C2OP_FRAMEWORK_UTIL_H

#include <ctype.h>

#include "c2op_test.h"

static const DLDataType fu_f32 = {.code = kDLFloat, .bits = 32, .lanes = 1};
static const DLDataType fu_f64 = {.code = kDLFloat, .bits = 64, .lanes = 1};
static const DLDataType fu_i32 = {.code = kDLInt, .bits = 32, .lanes = 1};
static const DLDataType fu_bool = {.code = C2OP_DL_BOOL, .bits = 8, .lanes = 1};

/** A DLTensor view over `data` on the CPU. `shape` and `strides` must
 *  outlive the view; strides NULL means compact row-major. */
static inline DLTensor fu_view(void *data, DLDataType dtype, int32_t ndim, int64_t *shape,
                               int64_t *strides) {
  DLTensor t;
  memset(&t, 0, sizeof t);
  t.data = data;
  t.device.device_type = kDLCPU;
  t.device.device_id = 0;
  t.ndim = ndim;
  t.dtype = dtype;
  t.shape = shape;
  t.strides = strides;
  t.byte_offset = 0;
  return t;
}

/** Number of elements of a tensor (product of its shape). */
static inline int64_t fu_numel(const DLTensor *t) {
  int64_t n = 1;
  for (int32_t i = 0; i < t->ndim; i++) n *= t->shape[i];
  return n;
}

/** Bytes of one element. */
static inline size_t fu_elem_size(DLDataType dtype) {
  return (size_t)((dtype.bits * dtype.lanes + 7) / 8);
}

/** First byte of a (compact) tensor's elements. */
static inline const void *fu_bytes(const DLTensor *t) {
  return (const char *)t->data + t->byte_offset;
}

/** Random float in [-8, 8) with 20 bits of mantissa: exact in float32. */
static inline float fu_rand_float(uint64_t *state) {
  int64_t k = test_rand_range(state, -(1 << 22), (1 << 22) - 1);
  return (float)k / (float)(1 << 19);
}

static inline void fu_fill_random(float *v, int64_t n, uint64_t *state) {
  for (int64_t i = 0; i < n; i++) v[i] = fu_rand_float(state);
}

/** Case-insensitive substring test (for device names in messages). */
static inline int fu_contains_ci(const char *hay, const char *needle) {
  if (!hay || !needle) return 0;
  size_t n = strlen(needle);
  for (const char *p = hay; *p; p++) {
    size_t k = 0;
    while (k < n && p[k] && tolower((unsigned char)p[k]) == tolower((unsigned char)needle[k]))
      k++;
    if (k == n) return 1;
  }
  return n == 0;
}

/** Creates a one-input, one-output op def; NULL on failure (recorded). */
static inline c2op_op_def *fu_op1(const char *type, const char *in, const char *out) {
  const char *ins[1] = {in};
  const char *outs[1] = {out};
  c2op_op_def *def = NULL;
  CHECK_OK(c2op_op_def_create(type, 1, ins, 1, outs, &def));
  return def;
}

/** Creates an op def with any counts; NULL on failure (recorded). */
static inline c2op_op_def *fu_op(const char *type, int32_t ni, const char *const *ins, int32_t no,
                                 const char *const *outs) {
  c2op_op_def *def = NULL;
  CHECK_OK(c2op_op_def_create(type, ni, ins, no, outs, &def));
  return def;
}

/** Feeds a compact float32 tensor of the given shape. */
static inline void fu_feed_f32(c2op_workspace *ws, const char *name, const float *v, int32_t ndim,
                               const int64_t *shape) {
  int64_t shp[C2OP_MAX_NDIM];
  for (int32_t i = 0; i < ndim; i++) shp[i] = shape[i];
  DLTensor t = fu_view((void *)v, fu_f32, ndim, shp, NULL);
  CHECK_OK(c2op_workspace_feed(ws, name, &t));
}

/** Fetches a float32 blob of `n` elements into `out`; 1 on success. */
static inline int fu_fetch_f32(const c2op_workspace *ws, const char *name, float *out, int64_t n) {
  const DLTensor *t = NULL;
  c2op_status s = c2op_workspace_fetch(ws, name, &t);
  if (s != C2OP_OK || !t) {
    TEST_FAIL_("fetch %s: %s (%s)", name, c2op_status_name(s), c2op_last_error());
    return 0;
  }
  if (t->dtype.code != kDLFloat || t->dtype.bits != 32 || t->dtype.lanes != 1) {
    TEST_FAIL_("blob %s is not float32", name);
    return 0;
  }
  if (fu_numel(t) != n) {
    TEST_FAIL_("blob %s has %lld elements, expected %lld", name, (long long)fu_numel(t),
               (long long)n);
    return 0;
  }
  if (n > 0) memcpy(out, fu_bytes(t), (size_t)n * sizeof(float));
  return 1;
}

/** Checks float arrays are bitwise equal, reporting the first difference. */
static inline void fu_check_floats_eq(const char *what, const float *got, const float *want,
                                      int64_t n) {
  for (int64_t i = 0; i < n; i++) {
    if (memcmp(&got[i], &want[i], sizeof(float)) != 0) {
      TEST_FAIL_("%s[%lld] = %.9g, expected %.9g", what, (long long)i, (double)got[i],
                 (double)want[i]);
      return;
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Workspace snapshots: prove a failed call changed nothing                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  char name[64];
  DLDataType dtype;
  int32_t ndim;
  int64_t shape[C2OP_MAX_NDIM];
  const void *data;
  void *bytes;
  size_t nbytes;
} fu_blob_copy;

typedef struct {
  int32_t n;
  fu_blob_copy *blobs;
} fu_snapshot;

/** Copies every blob's name, type, shape, data pointer and bytes. */
static inline fu_snapshot fu_snapshot_take(const c2op_workspace *ws) {
  fu_snapshot s = {0, NULL};
  int32_t n = c2op_workspace_num_blobs(ws);
  if (n <= 0) return s;
  s.blobs = calloc((size_t)n, sizeof *s.blobs);
  if (!s.blobs) return s;
  s.n = n;
  for (int32_t i = 0; i < n; i++) {
    fu_blob_copy *b = &s.blobs[i];
    const char *name = NULL;
    const DLTensor *t = NULL;
    if (c2op_workspace_blob_name(ws, i, &name) != C2OP_OK || !name ||
        c2op_workspace_fetch(ws, name, &t) != C2OP_OK || !t) {
      TEST_FAIL_("snapshot: cannot read blob %d", (int)i);
      continue;
    }
    snprintf(b->name, sizeof b->name, "%s", name);
    b->dtype = t->dtype;
    b->ndim = t->ndim;
    for (int32_t d = 0; d < t->ndim && d < C2OP_MAX_NDIM; d++) b->shape[d] = t->shape[d];
    b->data = t->data;
    b->nbytes = (size_t)fu_numel(t) * fu_elem_size(t->dtype);
    b->bytes = malloc(b->nbytes ? b->nbytes : 1);
    if (b->bytes && b->nbytes) memcpy(b->bytes, fu_bytes(t), b->nbytes);
  }
  return s;
}

static inline void fu_snapshot_free(fu_snapshot *s) {
  for (int32_t i = 0; i < s->n; i++) free(s->blobs[i].bytes);
  free(s->blobs);
  s->blobs = NULL;
  s->n = 0;
}

/** Records a failure for every way `ws` differs from the snapshot. Does not
 *  call c2op before the caller has read c2op_last_error(). */
#define FU_CHECK_UNCHANGED(ws, snap)                                                     \
  do {                                                                                   \
    fu_snapshot fu_now_ = fu_snapshot_take(ws);                                          \
    if (fu_now_.n != (snap).n) {                                                         \
      TEST_FAIL_("workspace has %d blobs, had %d", (int)fu_now_.n, (int)(snap).n);      \
    } else {                                                                             \
      for (int32_t fu_i_ = 0; fu_i_ < fu_now_.n; fu_i_++) {                             \
        const fu_blob_copy *fu_a_ = &(snap).blobs[fu_i_], *fu_b_ = &fu_now_.blobs[fu_i_]; \
        if (strcmp(fu_a_->name, fu_b_->name) != 0)                                      \
          TEST_FAIL_("blob %d is now %s, was %s", (int)fu_i_, fu_b_->name, fu_a_->name); \
        else if (fu_a_->dtype.code != fu_b_->dtype.code ||                              \
                 fu_a_->dtype.bits != fu_b_->dtype.bits || fu_a_->ndim != fu_b_->ndim || \
                 memcmp(fu_a_->shape, fu_b_->shape, sizeof fu_a_->shape) != 0)          \
          TEST_FAIL_("blob %s changed type or shape", fu_a_->name);                     \
        else if (fu_a_->data != fu_b_->data)                                            \
          TEST_FAIL_("blob %s was reallocated", fu_a_->name);                           \
        else if (fu_a_->nbytes != fu_b_->nbytes ||                                      \
                 (fu_a_->nbytes && memcmp(fu_a_->bytes, fu_b_->bytes, fu_a_->nbytes)))  \
          TEST_FAIL_("blob %s changed its bytes", fu_a_->name);                         \
      }                                                                                  \
    }                                                                                    \
    fu_snapshot_free(&fu_now_);                                                          \
  } while (0)

#endif /* C2OP_FRAMEWORK_UTIL_H */
