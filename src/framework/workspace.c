/* workspace.c - named blobs that own their tensors, and running op defs. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/tensor.h"
#include "framework/registry.h"
#ifdef C2OP_HAVE_CUDA
#include "cuda/cuda_backend.h"
#endif

typedef struct {
  char *name;
  DLTensor tensor; /* compact, host memory, owns data; shape -> shape[] */
  int64_t shape[C2OP_MAX_NDIM];
} blob;

struct c2op_workspace {
  blob **blobs; /* sorted by name */
  int32_t count, capacity;
};

c2op_status c2op_workspace_create(c2op_workspace **ws_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws_out, C2OP_ERR_NULL_POINTER, "ws_out is NULL");
  c2op_workspace *ws = c2op__calloc(1, sizeof *ws);
  C2OP_RETURN_IF(!ws, C2OP_ERR_OUT_OF_MEMORY, "out of memory creating a workspace");
  *ws_out = ws;
  return C2OP_OK;
}

/* Device memory for a blob: host through c2op__malloc, CUDA through the
 * backend. */
static c2op_status device_alloc(DLDevice device, size_t bytes, void **out) {
#ifdef C2OP_HAVE_CUDA
  if (device.device_type == kDLCUDA) return c2op__cuda_malloc(device.device_id, bytes, out);
#endif
  (void)device;
  *out = c2op__malloc(bytes);
  C2OP_RETURN_IF(!*out, C2OP_ERR_OUT_OF_MEMORY, "out of memory for %zu bytes", bytes);
  return C2OP_OK;
}

static void device_free(DLDevice device, void *ptr) {
#ifdef C2OP_HAVE_CUDA
  if (device.device_type == kDLCUDA) {
    c2op__cuda_free(device.device_id, ptr);
    return;
  }
#endif
  (void)device;
  c2op__free(ptr);
}

static void blob_free(blob *b) {
  if (!b) return;
  c2op__free(b->name);
  device_free(b->tensor.device, b->tensor.data);
  c2op__free(b);
}

/* The DLPack device of a device option; CUDA needs a CUDA build. */
static c2op_status device_of_option(const c2op_device_option *opt, const char *what,
                                    DLDevice *out) {
  DLDevice d = {kDLCPU, 0};
  C2OP_RETURN_IF(opt && opt->device_id < 0, C2OP_ERR_INVALID_ARGUMENT,
                 "%s: device_id %d is negative", what, (int)opt->device_id);
  if (opt && opt->device_type == C2OP_DEVICE_CUDA) {
    C2OP_RETURN_IF(!c2op_has_cuda(), C2OP_ERR_UNSUPPORTED_DEVICE,
                   "%s: device CUDA asked for, but c2op was built without CUDA", what);
    d.device_type = kDLCUDA;
    d.device_id = opt->device_id;
  } else if (opt && opt->device_type != C2OP_DEVICE_CPU) {
    return c2op__error(C2OP_ERR_INVALID_ARGUMENT,
                       "%s: device_type %d is not CPU (0) or CUDA (1)", what,
                       (int)opt->device_type);
  }
  *out = d;
  return C2OP_OK;
}

void c2op_workspace_destroy(c2op_workspace *ws) {
  if (!ws) return;
  for (int32_t i = 0; i < ws->count; i++) blob_free(ws->blobs[i]);
  c2op__free(ws->blobs);
  c2op__free(ws);
}

/* Binary search: index of `name`, or -(insertion point) - 1. */
static int32_t find_blob(const c2op_workspace *ws, const char *name) {
  int32_t lo = 0, hi = ws->count;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    int c = strcmp(ws->blobs[mid]->name, name);
    if (c == 0) return mid;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return -lo - 1;
}

/* Makes room for `extra` more blobs without inserting any. */
static c2op_status reserve(c2op_workspace *ws, int32_t extra) {
  if (ws->count + extra <= ws->capacity) return C2OP_OK;
  int32_t cap = ws->capacity ? ws->capacity * 2 : 8;
  while (cap < ws->count + extra) cap *= 2;
  blob **grown = c2op__realloc(ws->blobs, (size_t)cap * sizeof *grown);
  C2OP_RETURN_IF(!grown, C2OP_ERR_OUT_OF_MEMORY, "out of memory growing the workspace");
  ws->blobs = grown;
  ws->capacity = cap;
  return C2OP_OK;
}

/* Inserts a blob whose name is not present; room was reserved. */
static void insert_blob(c2op_workspace *ws, blob *b) {
  int32_t at = -find_blob(ws, b->name) - 1;
  memmove(&ws->blobs[at + 1], &ws->blobs[at], (size_t)(ws->count - at) * sizeof *ws->blobs);
  ws->blobs[at] = b;
  ws->count++;
}

/* A new blob record with an uninitialised buffer for `type`. */
static c2op_status blob_new(const char *name, const c2op_tensor_type *type, DLDevice device,
                            blob **out) {
  C2OP_RETURN_IF(type->ndim < 0 || type->ndim > C2OP_MAX_NDIM, C2OP_ERR_INVALID_ARGUMENT,
                 "blob '%s': ndim %d is outside 0..%d", name, (int)type->ndim, C2OP_MAX_NDIM);
  /* A zero dim makes the count 0 whatever the others are (as the ops'
   * own checks say): look for one before multiplying. */
  int has_zero = 0;
  for (int32_t i = 0; i < type->ndim; i++) {
    C2OP_RETURN_IF(type->shape[i] < 0, C2OP_ERR_INVALID_ARGUMENT,
                   "blob '%s': shape[%d] is negative", name, (int)i);
    has_zero |= type->shape[i] == 0;
  }
  int64_t numel = has_zero ? 0 : 1;
  for (int32_t i = 0; i < type->ndim && !has_zero; i++)
    C2OP_RETURN_IF(__builtin_mul_overflow(numel, type->shape[i], &numel), C2OP_ERR_OVERFLOW,
                   "blob '%s': element count overflows int64", name);
  size_t elem = c2op__dtype_size(type->dtype);
  C2OP_RETURN_IF(elem == 0, C2OP_ERR_UNSUPPORTED_DTYPE,
                 "blob '%s': dtype elements are not a whole number of bytes", name);
  size_t bytes;
  C2OP_RETURN_IF(__builtin_mul_overflow((size_t)numel, elem, &bytes), C2OP_ERR_OVERFLOW,
                 "blob '%s': byte size overflows", name);
  blob *b = c2op__calloc(1, sizeof *b);
  if (b) b->name = c2op__strdup(name);
  if (!b || !b->name) {
    blob_free(b);
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY, "blob '%s': out of memory", name);
  }
  b->tensor.device = device;
  c2op_status s = device_alloc(device, bytes, &b->tensor.data);
  if (s != C2OP_OK) {
    b->tensor.data = NULL;
    blob_free(b);
    return c2op__error_prefix(s, "blob '%s'", name);
  }
  b->tensor.ndim = type->ndim;
  b->tensor.dtype = type->dtype;
  memcpy(b->shape, type->shape, (size_t)type->ndim * sizeof b->shape[0]);
  b->tensor.shape = b->shape;
  b->tensor.strides = NULL;
  b->tensor.byte_offset = 0;
  *out = b;
  return C2OP_OK;
}

static void type_of(const DLTensor *t, c2op_tensor_type *type) {
  memset(type, 0, sizeof *type);
  type->dtype = t->dtype;
  type->ndim = t->ndim;
  if (t->ndim > 0) memcpy(type->shape, t->shape, (size_t)t->ndim * sizeof type->shape[0]);
}

static int same_type(const c2op_tensor_type *a, const c2op_tensor_type *b) {
  if (a->dtype.code != b->dtype.code || a->dtype.bits != b->dtype.bits ||
      a->dtype.lanes != b->dtype.lanes || a->ndim != b->ndim)
    return 0;
  for (int32_t i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return 0;
  return 1;
}

/* Swaps `fresh` in as the blob of its name (replacing and freeing an old
 * one, or inserting; room was reserved). */
static void install_blob(c2op_workspace *ws, blob *fresh) {
  int32_t at = find_blob(ws, fresh->name);
  if (at >= 0) {
    blob_free(ws->blobs[at]);
    ws->blobs[at] = fresh;
  } else {
    insert_blob(ws, fresh);
  }
}

#ifdef C2OP_HAVE_CUDA
/* Whether t's elements are dense in row-major order (strides NULL or
 * equal to the compact ones on every dim of size > 1). */
static int is_compact(const DLTensor *t) {
  if (!t->strides) return 1;
  int64_t expect = 1;
  for (int32_t i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1 && t->strides[i] != expect) return 0;
    expect *= t->shape[i];
  }
  return 1;
}
#endif

/* dst = src for tensors of the same dtype and shape on any devices: within
 * a device class through NegateGradient's copy (between CUDA tensors with
 * the device idle before and after); across host and CUDA through compact
 * staging buffers and a synchronous memcpy. */
static c2op_status copy_across(const DLTensor *src, DLTensor *dst) {
  const c2op__device_class sc = c2op__device_class_of(src->device);
  const c2op__device_class dc = c2op__device_class_of(dst->device);
#ifdef C2OP_HAVE_CUDA
  if (sc == C2OP__DEVICE_CUDA && dc == C2OP__DEVICE_CUDA) {
    /* The copy runs on the default stream, which does not wait for an op
     * queued on a non-blocking context stream: wait for the device first,
     * and for the copy before returning, as the copies across do. */
    C2OP_TRY(c2op__cuda_synchronize(src->device.device_id));
    C2OP_TRY(c2op_negate_gradient(src, dst));
    return c2op__cuda_synchronize(dst->device.device_id);
  }
#endif
  if (sc == dc) return c2op_negate_gradient(src, dst);
#ifdef C2OP_HAVE_CUDA
  c2op_tensor_type type;
  type_of(src, &type);
  blob *stage_src = NULL, *stage_dst = NULL;
  const DLTensor *s_c = src;
  DLTensor *d_c = dst;
  c2op_status s = C2OP_OK;
  if (!is_compact(src)) {
    s = blob_new("staging", &type, src->device, &stage_src);
    if (s == C2OP_OK) s = c2op_negate_gradient(src, &stage_src->tensor);
    if (s == C2OP_OK) s_c = &stage_src->tensor;
  }
  if (s == C2OP_OK && !is_compact(dst)) {
    s = blob_new("staging", &type, dst->device, &stage_dst);
    if (s == C2OP_OK) d_c = &stage_dst->tensor;
  }
  if (s == C2OP_OK) {
    int64_t numel = 0;
    s = c2op__check_tensor(src, "src", &numel);
    const size_t bytes = (size_t)numel * c2op__dtype_size(src->dtype);
    const int to_device = dc == C2OP__DEVICE_CUDA;
    const int32_t dev = to_device ? dst->device.device_id : src->device.device_id;
    if (s == C2OP_OK)
      s = c2op__cuda_memcpy_sync(dev, (char *)d_c->data + d_c->byte_offset,
                                 (const char *)s_c->data + s_c->byte_offset, bytes,
                                 to_device ? 0 : 1);
  }
  if (s == C2OP_OK && d_c != dst) s = c2op_negate_gradient(d_c, dst);
  blob_free(stage_src);
  blob_free(stage_dst);
  return s;
#else
  return c2op__error(C2OP_ERR_UNSUPPORTED_DEVICE, "copying across devices needs CUDA");
#endif
}

c2op_status c2op_workspace_feed(c2op_workspace *ws, const char *name, const DLTensor *tensor) {
  return c2op_workspace_feed_on(ws, name, tensor, NULL);
}

c2op_status c2op_workspace_feed_on(c2op_workspace *ws, const char *name, const DLTensor *tensor,
                                   const c2op_device_option *device) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!name, C2OP_ERR_NULL_POINTER, "name is NULL");
  C2OP_RETURN_IF(!name[0], C2OP_ERR_INVALID_ARGUMENT, "name is empty");
  C2OP_TRY(c2op__check_tensor(tensor, "tensor", NULL));
  const c2op__device_class sc = c2op__device_class_of(tensor->device);
  if (sc == C2OP__DEVICE_OTHER || (sc == C2OP__DEVICE_CUDA && !c2op_has_cuda())) {
    char dev[64];
    c2op__format_device(tensor->device, dev, sizeof dev);
    return c2op__error(C2OP_ERR_UNSUPPORTED_DEVICE,
                       "tensor: device %s; the workspace feeds from host%s memory", dev,
                       c2op_has_cuda() ? " or CUDA" : "");
  }
  if (c2op__dtype_size(tensor->dtype) == 0) {
    char dt[64];
    c2op__format_dtype(tensor->dtype, dt, sizeof dt);
    return c2op__error(C2OP_ERR_UNSUPPORTED_DTYPE,
                       "tensor: dtype %s is not a whole number of bytes", dt);
  }
  /* The copy's checks of its source, here, so that they name `tensor`. */
  C2OP_TRY(c2op__check_extent(tensor, "tensor", c2op__dtype_size(tensor->dtype)));
  DLDevice where;
  C2OP_TRY(device_of_option(device, "device", &where));
  c2op_tensor_type type;
  type_of(tensor, &type);
  blob *fresh = NULL;
  C2OP_TRY(reserve(ws, 1));
  C2OP_TRY(blob_new(name, &type, where, &fresh));
  /* The copy is NegateGradient's forward pass: any layout to compact. */
  c2op_status s = copy_across(tensor, &fresh->tensor);
  if (s != C2OP_OK) {
    c2op__error_prefix(s, "feed '%s'", name);
    blob_free(fresh);
    return s;
  }
  install_blob(ws, fresh);
  return C2OP_OK;
}

c2op_status c2op_workspace_fetch_copy(const c2op_workspace *ws, const char *name,
                                      DLTensor *dst) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!name, C2OP_ERR_NULL_POINTER, "name is NULL");
  int32_t at = find_blob(ws, name);
  C2OP_RETURN_IF(at < 0, C2OP_ERR_NOT_FOUND, "name: blob '%s' is not in the workspace", name);
  const DLTensor *src = &ws->blobs[at]->tensor;
  C2OP_TRY(c2op__check_tensor(dst, "dst", NULL));
  const c2op__device_class dc = c2op__device_class_of(dst->device);
  if (dc == C2OP__DEVICE_OTHER || (dc == C2OP__DEVICE_CUDA && !c2op_has_cuda())) {
    char dev[64];
    c2op__format_device(dst->device, dev, sizeof dev);
    return c2op__error(C2OP_ERR_UNSUPPORTED_DEVICE, "dst: device %s is not supported", dev);
  }
  /* Same checks as a copy would make (agreement, then dst's data, extent
   * and self-overlap), with dst's own name. */
  DLTensor src_as_host = *src;
  if (c2op__device_class_of(src->device) != dc) src_as_host.device = dst->device;
  C2OP_TRY(c2op__check_same(&src_as_host, name, dst, "dst"));
  c2op__plan plan;
  C2OP_TRY(c2op__plan_unary(&src_as_host, name, dst, "dst", c2op__dtype_size(src->dtype), &plan));
  c2op_status s = copy_across(src, dst);
  if (s != C2OP_OK) c2op__error_prefix(s, "fetch '%s'", name);
  return s;
}

c2op_status c2op_workspace_fetch(const c2op_workspace *ws, const char *name,
                                 const DLTensor **tensor_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!name, C2OP_ERR_NULL_POINTER, "name is NULL");
  C2OP_RETURN_IF(!tensor_out, C2OP_ERR_NULL_POINTER, "tensor_out is NULL");
  int32_t at = find_blob(ws, name);
  C2OP_RETURN_IF(at < 0, C2OP_ERR_NOT_FOUND, "name: blob '%s' is not in the workspace", name);
  *tensor_out = &ws->blobs[at]->tensor;
  return C2OP_OK;
}

int c2op_workspace_has_blob(const c2op_workspace *ws, const char *name) {
  return ws && name && find_blob(ws, name) >= 0;
}

int32_t c2op_workspace_num_blobs(const c2op_workspace *ws) { return ws ? ws->count : 0; }

c2op_status c2op_workspace_blob_name(const c2op_workspace *ws, int32_t i, const char **name_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!name_out, C2OP_ERR_NULL_POINTER, "name_out is NULL");
  C2OP_RETURN_IF(i < 0 || i >= ws->count, C2OP_ERR_INVALID_ARGUMENT,
                 "i: %d is out of range [0, %d)", (int)i, (int)ws->count);
  *name_out = ws->blobs[i]->name;
  return C2OP_OK;
}

c2op_status c2op_workspace_remove(c2op_workspace *ws, const char *name) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!name, C2OP_ERR_NULL_POINTER, "name is NULL");
  int32_t at = find_blob(ws, name);
  C2OP_RETURN_IF(at < 0, C2OP_ERR_NOT_FOUND, "name: blob '%s' is not in the workspace", name);
  blob_free(ws->blobs[at]);
  memmove(&ws->blobs[at], &ws->blobs[at + 1], (size_t)(ws->count - at - 1) * sizeof *ws->blobs);
  ws->count--;
  return C2OP_OK;
}

/* Checks an op def against its schema and the workspace. */
static c2op_status check_op(const c2op_workspace *ws, const c2op_op_def *def,
                            const c2op_op_schema *schema) {
  const char *op = def->type;
  C2OP_RETURN_IF(def->num_inputs < schema->min_inputs || def->num_inputs > schema->max_inputs,
                 C2OP_ERR_SCHEMA_VIOLATION,
                 "%s: takes %d to %d inputs, the op def has %d", op, (int)schema->min_inputs,
                 (int)schema->max_inputs, (int)def->num_inputs);
  C2OP_RETURN_IF(def->num_outputs < schema->min_outputs ||
                     def->num_outputs > schema->max_outputs,
                 C2OP_ERR_SCHEMA_VIOLATION,
                 "%s: takes %d to %d outputs, the op def has %d", op, (int)schema->min_outputs,
                 (int)schema->max_outputs, (int)def->num_outputs);
  for (int32_t j = 0; j < def->num_outputs; j++) {
    for (int32_t k = 0; k < j; k++)
      C2OP_RETURN_IF(strcmp(def->outputs[j], def->outputs[k]) == 0, C2OP_ERR_SCHEMA_VIOLATION,
                     "%s: outputs %d and %d are both '%s'", op, (int)k, (int)j,
                     def->outputs[j]);
    for (int32_t i = 0; i < def->num_inputs; i++)
      C2OP_RETURN_IF(strcmp(def->outputs[j], def->inputs[i]) == 0 &&
                         !c2op_schema_allows_inplace(schema, i, j),
                     C2OP_ERR_SCHEMA_VIOLATION,
                     "%s: output %d '%s' is also input %d, which the schema does not allow in "
                     "place",
                     op, (int)j, def->outputs[j], (int)i);
  }
  for (int32_t i = 0; i < def->num_inputs; i++) {
    int32_t at = find_blob(ws, def->inputs[i]);
    C2OP_RETURN_IF(at < 0, C2OP_ERR_NOT_FOUND, "%s: input %d '%s' is not in the workspace", op,
                   (int)i, def->inputs[i]);
    const DLTensor *t = &ws->blobs[at]->tensor;
    if (!c2op_schema_accepts_dtype(schema, t->dtype)) {
      char dt[64];
      c2op__format_dtype(t->dtype, dt, sizeof dt);
      return c2op__error(C2OP_ERR_UNSUPPORTED_DTYPE,
                         "%s: input %d '%s' has dtype %s, which the op does not accept%s", op,
                         (int)i, def->inputs[i], dt,
                         t->dtype.code == C2OP_DL_BOOL ? " (for bool use logical not)" : "");
    }
  }
  return C2OP_OK;
}

c2op_status c2op_workspace_run_op(c2op_workspace *ws, const c2op_context *ctx,
                                  const c2op_op_def *def) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  C2OP_RETURN_IF(!def->type, C2OP_ERR_NULL_POINTER, "def: type is NULL");
  const c2op_op_schema *schema = NULL;
  c2op_kernel_fn kernels[2];
  c2op_status s = c2op__registry_get(def->type, &schema, kernels, NULL);
  if (s != C2OP_OK) return c2op__error(s, "def: unknown op type '%s'", def->type);
  const int32_t dev = def->device_option.device_type;
  C2OP_RETURN_IF(dev != C2OP_DEVICE_CPU && dev != C2OP_DEVICE_CUDA, C2OP_ERR_INVALID_ARGUMENT,
                 "%s: device_option.device_type %d is not CPU (0) or CUDA (1)", def->type,
                 (int)dev);
  C2OP_RETURN_IF(dev == C2OP_DEVICE_CUDA && !c2op_has_cuda(), C2OP_ERR_UNSUPPORTED_DEVICE,
                 "%s: device_option asks for CUDA, but c2op was built without CUDA", def->type);
  DLDevice where;
  C2OP_TRY(device_of_option(&def->device_option, def->type, &where));
  C2OP_RETURN_IF(!kernels[dev], C2OP_ERR_NOT_FOUND, "%s: no kernel registered for device %s",
                 def->type, c2op__device_type_name(dev));
  C2OP_TRY(check_op(ws, def, schema));

  const int32_t nin = def->num_inputs, nout = def->num_outputs;
  /* One allocation for the per-call arrays: any number of inputs works. */
  const size_t nin1 = (size_t)(nin > 0 ? nin : 1), nout1 = (size_t)(nout > 0 ? nout : 1);
  const size_t bytes = nin1 * (sizeof(c2op_tensor_type) + sizeof(DLTensor *)) +
                       nout1 * (sizeof(c2op_tensor_type) + sizeof(DLTensor *) + sizeof(blob *));
  char *scratch = c2op__calloc(1, bytes);
  C2OP_RETURN_IF(!scratch, C2OP_ERR_OUT_OF_MEMORY, "%s: out of memory", def->type);
  c2op_tensor_type *in_types = (c2op_tensor_type *)scratch;
  c2op_tensor_type *out_types = in_types + nin1;
  const DLTensor **inputs = (const DLTensor **)(out_types + nout1);
  DLTensor **outputs = (DLTensor **)(inputs + nin1);
  blob **fresh = (blob **)(outputs + nout1);
  for (int32_t i = 0; i < nin && s == C2OP_OK; i++) {
    inputs[i] = &ws->blobs[find_blob(ws, def->inputs[i])]->tensor;
    type_of(inputs[i], &in_types[i]);
    if (inputs[i]->device.device_type != where.device_type ||
        (where.device_type == kDLCUDA && inputs[i]->device.device_id != where.device_id)) {
      char have[64], want[64];
      c2op__format_device(inputs[i]->device, have, sizeof have);
      c2op__format_device(where, want, sizeof want);
      s = c2op__error(C2OP_ERR_DEVICE_MISMATCH,
                      "%s: input %d '%s' is on %s but the op runs on %s; feed it there", def->type,
                      (int)i, def->inputs[i], have, want);
    }
  }
  /* Infer the outputs; reuse blobs that already have the right type. */
  if (s == C2OP_OK && schema->infer) {
    c2op__clear_error();
    s = c2op__after_callback(schema->infer(nin, in_types, nout, out_types), "the inference");
    if (s != C2OP_OK) c2op__error_prefix(s, "%s: shape inference", def->type);
    /* The inference may be a user's: its ndim and dims must be ones the
     * blobs hold. */
    for (int32_t j = 0; j < nout && s == C2OP_OK; j++) {
      if (out_types[j].ndim < 0 || out_types[j].ndim > C2OP_MAX_NDIM) {
        s = c2op__error(C2OP_ERR_SCHEMA_VIOLATION,
                        "%s: shape inference gave output %d '%s' ndim %d (0 to %d allowed)",
                        def->type, (int)j, def->outputs[j], (int)out_types[j].ndim,
                        C2OP_MAX_NDIM);
        break;
      }
      for (int32_t d = 0; d < out_types[j].ndim && s == C2OP_OK; d++)
        if (out_types[j].shape[d] < 0)
          s = c2op__error(C2OP_ERR_SCHEMA_VIOLATION,
                          "%s: shape inference gave output %d '%s' a negative dim %d (%lld)",
                          def->type, (int)j, def->outputs[j], (int)d,
                          (long long)out_types[j].shape[d]);
    }
  }
  if (s == C2OP_OK) s = reserve(ws, nout);
  for (int32_t j = 0; j < nout && s == C2OP_OK; j++) {
    int32_t at = find_blob(ws, def->outputs[j]);
    if (!schema->infer) {
      if (at >= 0)
        outputs[j] = &ws->blobs[at]->tensor;
      else
        s = c2op__error(C2OP_ERR_SCHEMA_VIOLATION,
                        "%s: the op has no shape inference and output %d '%s' does not exist",
                        def->type, (int)j, def->outputs[j]);
      continue;
    }
    c2op_tensor_type existing;
    if (at >= 0) type_of(&ws->blobs[at]->tensor, &existing);
    if (at >= 0 && same_type(&existing, &out_types[j]) &&
        ws->blobs[at]->tensor.device.device_type == where.device_type &&
        ws->blobs[at]->tensor.device.device_id == where.device_id) {
      outputs[j] = &ws->blobs[at]->tensor;
    } else {
      s = blob_new(def->outputs[j], &out_types[j], where, &fresh[j]);
      if (s == C2OP_OK) outputs[j] = &fresh[j]->tensor;
    }
  }
  if (s == C2OP_OK) {
    c2op__clear_error();
    s = c2op__after_callback(kernels[dev](ctx, nin, inputs, nout, outputs), "the kernel");
    if (s != C2OP_OK) c2op__error_prefix(s, "%s", def->type);
  }
  for (int32_t j = 0; j < nout; j++) {
    if (!fresh[j]) continue;
    if (s == C2OP_OK)
      install_blob(ws, fresh[j]);
    else
      blob_free(fresh[j]);
  }
  c2op__free(scratch);
  return s;
}
