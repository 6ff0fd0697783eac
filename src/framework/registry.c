/* registry.c - schema, kernel and gradient registries: one table.
 *
 * Records live in a fixed static table so that pointers handed out stay
 * valid for the life of the process and registration never has to move
 * them; a reader-writer lock lets look-ups run concurrently with each other
 * and with registrations. The built-in ops (ops/op_table.c) are loaded on
 * first use. */
#include "framework/registry.h"

#include <pthread.h>
#include <string.h>

#include "core/error.h"
#include "core/tensor.h"
#include "ops/ops.h"

#define C2OP_REGISTRY_CAPACITY 1024
#define C2OP_NUM_DEVICES 2

typedef struct {
  const c2op_op_schema *schema;
  c2op_kernel_fn kernels[C2OP_NUM_DEVICES];
  c2op_gradient_maker gradient;
} op_record;

static op_record table[C2OP_REGISTRY_CAPACITY];
static int32_t table_size;
/* Writers first: glibc's default rwlock lets a steady stream of readers
 * (look-ups, run_op from many threads) starve a registration forever; this
 * was seen under ThreadSanitizer (test_concurrency). Readers never take the
 * lock twice, which the writer-preferring kind requires. */
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
#else
static pthread_rwlock_t table_lock = PTHREAD_RWLOCK_INITIALIZER;
#endif
static pthread_once_t builtins_once = PTHREAD_ONCE_INIT;

/* fork(): the prepare handler takes the table lock for writing, so that no
 * other thread is inside it when the process is copied (the lock is never
 * held across user code); the parent releases it; the child, whose only
 * thread is the forking one, starts with a fresh lock (unlocking would not
 * do: glibc checks the writer's thread id, which the child does not
 * share). Without this a child forked while another thread looked up or
 * registered an op hung on its first registration or look-up. */
static void registry_prepare(void) { pthread_rwlock_wrlock(&table_lock); }
static void registry_parent(void) { pthread_rwlock_unlock(&table_lock); }
static void registry_child(void) {
#ifdef PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP
  static const pthread_rwlock_t fresh = PTHREAD_RWLOCK_WRITER_NONRECURSIVE_INITIALIZER_NP;
#else
  static const pthread_rwlock_t fresh = PTHREAD_RWLOCK_INITIALIZER;
#endif
  memcpy(&table_lock, &fresh, sizeof table_lock);
}

static void load_builtins(void) {
  pthread_atfork(registry_prepare, registry_parent, registry_child);
  for (int32_t i = 0; i < c2op__num_builtin_ops; i++) {
    const c2op__op_entry *e = c2op__builtin_ops[i];
    table[i].schema = e->schema;
    table[i].kernels[C2OP_DEVICE_CPU] = e->cpu_kernel;
    table[i].kernels[C2OP_DEVICE_CUDA] = e->cuda_kernel;
    table[i].gradient = e->gradient;
  }
  table_size = c2op__num_builtin_ops;
}

static void ensure_builtins(void) { pthread_once(&builtins_once, load_builtins); }

/* Index of `op` in the table or -1; call with the lock held. */
static int32_t find_locked(const char *op) {
  for (int32_t i = 0; i < table_size; i++)
    if (strcmp(table[i].schema->name, op) == 0) return i;
  return -1;
}

const char *c2op__device_type_name(int32_t device_type) {
  switch (device_type) {
  case C2OP_DEVICE_CPU: return "CPU";
  case C2OP_DEVICE_CUDA: return "CUDA";
  default: return "unknown device";
  }
}

c2op_status c2op__registry_get(const char *op, const c2op_op_schema **schema_out,
                               c2op_kernel_fn kernels_out[2], c2op_gradient_maker *gradient_out) {
  C2OP_RETURN_IF(!op, C2OP_ERR_NULL_POINTER, "op is NULL");
  ensure_builtins();
  pthread_rwlock_rdlock(&table_lock);
  int32_t i = find_locked(op);
  if (i >= 0) {
    if (schema_out) *schema_out = table[i].schema;
    if (kernels_out) memcpy(kernels_out, table[i].kernels, sizeof table[i].kernels);
    if (gradient_out) *gradient_out = table[i].gradient;
  }
  pthread_rwlock_unlock(&table_lock);
  C2OP_RETURN_IF(i < 0, C2OP_ERR_NOT_FOUND, "op '%s' is not registered", op);
  return C2OP_OK;
}

c2op_status c2op_schema_lookup(const char *op, const c2op_op_schema **schema_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!schema_out, C2OP_ERR_NULL_POINTER, "schema_out is NULL");
  return c2op__registry_get(op, schema_out, NULL, NULL);
}

int32_t c2op_schema_count(void) {
  ensure_builtins();
  pthread_rwlock_rdlock(&table_lock);
  int32_t n = table_size;
  pthread_rwlock_unlock(&table_lock);
  return n;
}

c2op_status c2op_schema_at(int32_t i, const c2op_op_schema **schema_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!schema_out, C2OP_ERR_NULL_POINTER, "schema_out is NULL");
  ensure_builtins();
  pthread_rwlock_rdlock(&table_lock);
  int32_t n = table_size;
  if (i >= 0 && i < n) *schema_out = table[i].schema;
  pthread_rwlock_unlock(&table_lock);
  C2OP_RETURN_IF(i < 0 || i >= n, C2OP_ERR_INVALID_ARGUMENT,
                 "i: %d is out of range [0, %d)", (int)i, (int)n);
  return C2OP_OK;
}

static c2op_status check_schema(const c2op_op_schema *s) {
  C2OP_RETURN_IF(!s->name || !s->name[0], C2OP_ERR_INVALID_ARGUMENT,
                 "schema: name is NULL or empty");
  C2OP_RETURN_IF(s->min_inputs < 0 || s->max_inputs < s->min_inputs, C2OP_ERR_INVALID_ARGUMENT,
                 "schema '%s': input counts [%d, %d] are not a valid range", s->name,
                 (int)s->min_inputs, (int)s->max_inputs);
  C2OP_RETURN_IF(s->min_outputs < 0 || s->max_outputs < s->min_outputs,
                 C2OP_ERR_INVALID_ARGUMENT,
                 "schema '%s': output counts [%d, %d] are not a valid range", s->name,
                 (int)s->min_outputs, (int)s->max_outputs);
  C2OP_RETURN_IF(s->num_inplace < 0 || (s->num_inplace > 0 && !s->inplace),
                 C2OP_ERR_INVALID_ARGUMENT, "schema '%s': %d in-place pairs but inplace is NULL",
                 s->name, (int)s->num_inplace);
  for (int32_t i = 0; i < s->num_inplace; i++) {
    const c2op_inplace_pair p = s->inplace[i];
    C2OP_RETURN_IF(p.input < 0 || p.input >= s->max_inputs || p.output < 0 ||
                       p.output >= s->max_outputs,
                   C2OP_ERR_INVALID_ARGUMENT,
                   "schema '%s': in-place pair %d (input %d, output %d) is out of range",
                   s->name, (int)i, (int)p.input, (int)p.output);
  }
  C2OP_RETURN_IF(s->num_dtypes < 0 || (s->num_dtypes > 0 && !s->dtypes),
                 C2OP_ERR_INVALID_ARGUMENT, "schema '%s': %d dtypes but dtypes is NULL",
                 s->name, (int)s->num_dtypes);
  for (int32_t i = 0; i < s->num_dtypes; i++)
    C2OP_RETURN_IF(s->dtypes[i].lanes != 1, C2OP_ERR_INVALID_ARGUMENT,
                   "schema '%s': dtypes[%d] has %d lanes (1 expected)", s->name, (int)i,
                   (int)s->dtypes[i].lanes);
  return C2OP_OK;
}

c2op_status c2op_register_schema(const c2op_op_schema *schema) {
  c2op__clear_error();
  C2OP_RETURN_IF(!schema, C2OP_ERR_NULL_POINTER, "schema is NULL");
  C2OP_TRY(check_schema(schema));
  ensure_builtins();
  pthread_rwlock_wrlock(&table_lock);
  c2op_status s = C2OP_OK;
  if (find_locked(schema->name) >= 0) {
    s = c2op__error(C2OP_ERR_ALREADY_EXISTS, "schema: op '%s' is already registered",
                    schema->name);
  } else if (table_size == C2OP_REGISTRY_CAPACITY) {
    s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "schema: the registry is full (%d ops)",
                    C2OP_REGISTRY_CAPACITY);
  } else {
    memset(&table[table_size], 0, sizeof table[table_size]);
    table[table_size].schema = schema;
    table_size++;
  }
  pthread_rwlock_unlock(&table_lock);
  return s;
}

int c2op_schema_accepts_dtype(const c2op_op_schema *schema, DLDataType dtype) {
  if (!schema) return 0;
  if (schema->num_dtypes == 0) return 1;
  for (int32_t i = 0; i < schema->num_dtypes; i++) {
    const DLDataType d = schema->dtypes[i];
    if (d.code == dtype.code && d.bits == dtype.bits && d.lanes == dtype.lanes) return 1;
  }
  return 0;
}

int c2op_schema_allows_inplace(const c2op_op_schema *schema, int32_t input, int32_t output) {
  if (!schema) return 0;
  for (int32_t i = 0; i < schema->num_inplace; i++)
    if (schema->inplace[i].input == input && schema->inplace[i].output == output) return 1;
  return 0;
}

c2op_status c2op_infer_identical(int32_t num_inputs, const c2op_tensor_type *inputs,
                                 int32_t num_outputs, c2op_tensor_type *outputs) {
  c2op__clear_error();
  C2OP_RETURN_IF(num_inputs < 1, C2OP_ERR_INVALID_ARGUMENT,
                 "num_inputs: IdenticalTypeAndShape needs at least 1 input, got %d",
                 (int)num_inputs);
  C2OP_RETURN_IF(num_outputs < 0, C2OP_ERR_INVALID_ARGUMENT, "num_outputs: %d is negative",
                 (int)num_outputs);
  C2OP_RETURN_IF(!inputs, C2OP_ERR_NULL_POINTER, "inputs is NULL");
  C2OP_RETURN_IF(num_outputs > 0 && !outputs, C2OP_ERR_NULL_POINTER, "outputs is NULL");
  C2OP_RETURN_IF(inputs[0].ndim < 0 || inputs[0].ndim > C2OP_MAX_NDIM,
                 C2OP_ERR_INVALID_ARGUMENT, "inputs[0]: ndim %d is out of range [0, %d]",
                 (int)inputs[0].ndim, C2OP_MAX_NDIM);
  for (int32_t d = 0; d < inputs[0].ndim; d++)
    C2OP_RETURN_IF(inputs[0].shape[d] < 0, C2OP_ERR_INVALID_ARGUMENT,
                   "inputs[0]: shape[%d] is negative (%lld)", (int)d,
                   (long long)inputs[0].shape[d]);
  for (int32_t i = 0; i < num_outputs; i++) outputs[i] = inputs[0];
  return C2OP_OK;
}

/* Sets one slot (kernel of a device, or the gradient) of a registered op. */
static c2op_status register_slot(const char *op, const char *what, int device,
                                 c2op_kernel_fn kernel, c2op_gradient_maker maker) {
  ensure_builtins();
  pthread_rwlock_wrlock(&table_lock);
  c2op_status s = C2OP_OK;
  int32_t i = find_locked(op);
  if (i < 0) {
    s = c2op__error(C2OP_ERR_NOT_FOUND, "op: '%s' has no schema; register its schema first", op);
  } else if (device >= 0 && table[i].kernels[device]) {
    s = c2op__error(C2OP_ERR_ALREADY_EXISTS, "op: '%s' already has a %s kernel", op,
                    c2op__device_type_name(device));
  } else if (device < 0 && table[i].gradient) {
    s = c2op__error(C2OP_ERR_ALREADY_EXISTS, "op: '%s' already has a %s", op, what);
  } else if (device >= 0) {
    table[i].kernels[device] = kernel;
  } else {
    table[i].gradient = maker;
  }
  pthread_rwlock_unlock(&table_lock);
  return s;
}

c2op_status c2op_register_kernel(const char *op, c2op_device_type device, c2op_kernel_fn kernel) {
  c2op__clear_error();
  C2OP_RETURN_IF(!op, C2OP_ERR_NULL_POINTER, "op is NULL");
  C2OP_RETURN_IF(!kernel, C2OP_ERR_NULL_POINTER, "kernel is NULL");
  C2OP_RETURN_IF((int)device < 0 || (int)device >= C2OP_NUM_DEVICES, C2OP_ERR_INVALID_ARGUMENT,
                 "device: %d is not a c2op_device_type", (int)device);
  return register_slot(op, "kernel", (int)device, kernel, NULL);
}

c2op_status c2op_kernel_lookup(const char *op, c2op_device_type device,
                               c2op_kernel_fn *kernel_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!kernel_out, C2OP_ERR_NULL_POINTER, "kernel_out is NULL");
  C2OP_RETURN_IF((int)device < 0 || (int)device >= C2OP_NUM_DEVICES, C2OP_ERR_INVALID_ARGUMENT,
                 "device: %d is not a c2op_device_type", (int)device);
  c2op_kernel_fn kernels[C2OP_NUM_DEVICES];
  C2OP_TRY(c2op__registry_get(op, NULL, kernels, NULL));
  C2OP_RETURN_IF(!kernels[device], C2OP_ERR_NOT_FOUND, "op '%s' has no kernel for device %s%s",
                 op, c2op__device_type_name(device),
                 device == C2OP_DEVICE_CUDA && !c2op_has_cuda()
                     ? " (c2op was built without CUDA)"
                     : "");
  *kernel_out = kernels[device];
  return C2OP_OK;
}

c2op_status c2op_register_gradient(const char *op, c2op_gradient_maker maker) {
  c2op__clear_error();
  C2OP_RETURN_IF(!op, C2OP_ERR_NULL_POINTER, "op is NULL");
  C2OP_RETURN_IF(!maker, C2OP_ERR_NULL_POINTER, "maker is NULL");
  return register_slot(op, "gradient maker", -1, NULL, maker);
}

int c2op_has_cuda(void) {
#ifdef C2OP_HAVE_CUDA
  return 1;
#else
  return 0;
#endif
}
