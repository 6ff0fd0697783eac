/*
 * c2op.h - the one public header of libc2op.
 *
 * c2op rebuilds Caffe2's `Negative` and `NegateGradient` operators in C17,
 * together with the machinery that makes an operator usable: a schema
 * registry, a kernel registry keyed by (op, device), a gradient registry, a
 * workspace of named blobs, nets, and backward nets.
 *
 * Tensors are DLPack `DLTensor`s (dlpack/dlpack.h, Debian's libdlpack-dev).
 *
 * Conventions that hold for every function declared here:
 *  - Every fallible call returns a `c2op_status`; results come back through
 *    `*_out` pointers. On failure, `c2op_last_error()` (thread-local) says
 *    which argument was wrong and why, and every output is left untouched.
 *  - The library never aborts, exits or prints.
 *  - Indices, sizes and offsets are 64-bit: tensors of more than 2^31
 *    elements work.
 *  - Thread safety: see below; each rule is backed by the named test
 *    (tests/test_concurrency.c unless said otherwise), run under
 *    ThreadSanitizer by `make test`.
 *
 * Thread safety
 *  T1 Distinct objects are independent: any number of threads may each use
 *     their own workspaces, nets, op defs, contexts and gradients at once
 *     (threads_run_ops_and_nets_on_their_own_workspaces).
 *  T2 What a call only reads may be shared: tensor memory passed as an
 *     input (x of c2op_negative*, the source of a feed), a context passed
 *     to any run call, a net or op def passed to run, clone, add_op,
 *     build_backward or to_text, and a workspace through its const
 *     functions (fetch, fetch_copy, has_blob, num_blobs, blob_name), as
 *     long as no thread modifies that object meanwhile
 *     (threads_share_inputs_nets_contexts_and_a_workspace_read_only).
 *  T3 A call that modifies an object (workspace feed, run_op, run_net,
 *     remove; net add_*; op def set_*; context set_*; writing a kernel's
 *     output tensor) needs that object to itself: the caller serialises.
 *     A tensor borrowed with c2op_workspace_fetch stays valid until its
 *     blob is replaced or removed.
 *  T4 The registry is safe to use from any thread: registration may race
 *     look-ups, op runs and NetDef parsing, and is never starved by them;
 *     of several threads registering one name, exactly one succeeds (the
 *     others get C2OP_ERR_ALREADY_EXISTS). Nothing is ever unregistered,
 *     so schema pointers stay valid (registration_races_lookups_and_runs,
 *     same_name_registered_at_once_wins_once). Registered kernels and
 *     gradient makers may be called from several threads at once.
 *  T5 c2op_last_error() is per thread (error_messages_stay_on_their_thread;
 *     test_errors: last_error_is_per_thread).
 *  T6 The CPU thread pool is one per process and serves any number of
 *     calling threads: one job uses it at a time, a caller that finds it
 *     busy runs its pass on its own thread; no deadlock, no
 *     oversubscription. A child process after fork() starts with an empty
 *     pool (pool_survives_thousands_of_tiny_jobs_from_several_callers,
 *     a_forked_child_gets_a_working_pool; test_threads:
 *     concurrent_callers_are_exact_and_do_not_grow_the_pool).
 */
#ifndef C2OP_H
#define C2OP_H

#include <stddef.h>
#include <stdint.h>

#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Version and export                                                        */
/* ------------------------------------------------------------------------ */

#define C2OP_VERSION_MAJOR 0
#define C2OP_VERSION_MINOR 1
#define C2OP_VERSION_PATCH 0
/** The version as one number: major * 10000 + minor * 100 + patch. */
#define C2OP_VERSION_NUMBER                                                    \
  (C2OP_VERSION_MAJOR * 10000 + C2OP_VERSION_MINOR * 100 + C2OP_VERSION_PATCH)

#if defined(__GNUC__) && !defined(C2OP_STATIC_DEFINE)
#define C2OP_API __attribute__((visibility("default")))
#else
#define C2OP_API
#endif

/** DLPack 0.8 and later call bool `kDLBool` (code 6); Debian's 0.6 header
 *  lacks the name, so c2op names it. */
#define C2OP_DL_BOOL 6

/** The most dimensions a tensor may have in any c2op call. */
#define C2OP_MAX_NDIM 32

/** Returns the library's version string, e.g. "0.1.0". */
C2OP_API const char *c2op_version_string(void);

/* ------------------------------------------------------------------------ */
/* Status codes and errors                                                   */
/* ------------------------------------------------------------------------ */

/** What every fallible call returns. */
typedef enum {
  C2OP_OK = 0,                     /**< success */
  C2OP_ERR_NULL_POINTER = 1,       /**< a required pointer argument is NULL */
  C2OP_ERR_INVALID_ARGUMENT = 2,   /**< a malformed argument (negative dim, bad ndim, ...) */
  C2OP_ERR_UNSUPPORTED_DTYPE = 3,  /**< the op does not handle this dtype */
  C2OP_ERR_UNSUPPORTED_DEVICE = 4, /**< the device is not supported by this build */
  C2OP_ERR_SHAPE_MISMATCH = 5,     /**< tensors that must agree in shape do not */
  C2OP_ERR_DTYPE_MISMATCH = 6,     /**< tensors that must agree in dtype do not */
  C2OP_ERR_DEVICE_MISMATCH = 7,    /**< tensors that must share a device do not */
  C2OP_ERR_OVERLAP = 8,            /**< an output's elements overlap each other */
  C2OP_ERR_OUT_OF_MEMORY = 9,      /**< an allocation failed */
  C2OP_ERR_NOT_FOUND = 10,         /**< no such op, kernel, gradient or blob */
  C2OP_ERR_ALREADY_EXISTS = 11,    /**< a registration that would replace an entry */
  C2OP_ERR_SCHEMA_VIOLATION = 12,  /**< an op def breaks its op's schema */
  C2OP_ERR_NO_GRADIENT = 13,       /**< the op has no gradient definition */
  C2OP_ERR_NO_DEVICE = 14,         /**< no usable GPU or driver at run time */
  C2OP_ERR_CUDA = 15,              /**< a CUDA call failed (message has CUDA's text) */
  C2OP_ERR_OVERFLOW = 16,          /**< a size or offset does not fit in 64 bits */
  C2OP_ERR_INTERNAL = 17           /**< a bug in c2op; please report it */
} c2op_status;

/** Returns the enumerator's name, e.g. "C2OP_ERR_SHAPE_MISMATCH"; never NULL
 *  ("C2OP_ERR_UNKNOWN" for a value that is not a c2op_status). */
C2OP_API const char *c2op_status_name(c2op_status status);

/** Returns the message of the last failed call on this thread, naming the
 *  argument and the problem, e.g. "y: shape [3,4] does not match x: shape
 *  [4,3]". Empty ("") when the last call that can fail succeeded (calls
 *  that cannot fail, such as c2op_status_name, leave it as it was). Never
 *  NULL. At most 1023 bytes: a longer message (a long blob or net name)
 *  keeps its start and its end around " ... ". The pointer stays valid
 *  until the next c2op call on this thread. */
C2OP_API const char *c2op_last_error(void);

/* ------------------------------------------------------------------------ */
/* Execution contexts                                                        */
/* ------------------------------------------------------------------------ */

/** Where and how a kernel runs: thread count for CPU kernels, CUDA stream for
 *  CUDA kernels. Opaque; create, configure, pass to the `_ex` calls. A
 *  context may be shared by several threads as long as none changes it. */
typedef struct c2op_context c2op_context;

/** Creates a context with the defaults: num_threads 0 (automatic) and the
 *  CUDA default stream. */
C2OP_API c2op_status c2op_context_create(c2op_context **ctx_out);
/** Frees a context; NULL is a no-op. */
C2OP_API void c2op_context_destroy(c2op_context *ctx);
/** Sets the number of CPU threads a kernel may use: 1 runs on the calling
 *  thread only; 0 means automatic (the environment variable
 *  C2OP_NUM_THREADS if set, else the number of online CPUs). Tensors too
 *  small to gain from threads always run on the calling thread. */
C2OP_API c2op_status c2op_context_set_num_threads(c2op_context *ctx, int32_t num_threads);
/** Reads the thread count as set (0 = automatic). */
C2OP_API c2op_status c2op_context_get_num_threads(const c2op_context *ctx, int32_t *num_threads_out);
/** Sets the CUDA stream (a cudaStream_t; NULL = the legacy default stream)
 *  that CUDA kernels are launched on. Ignored by CPU kernels. */
C2OP_API c2op_status c2op_context_set_cuda_stream(c2op_context *ctx, void *stream);
/** Reads the CUDA stream. */
C2OP_API c2op_status c2op_context_get_cuda_stream(const c2op_context *ctx, void **stream_out);

/* ------------------------------------------------------------------------ */
/* Kernel API                                                                */
/* ------------------------------------------------------------------------ */

/**
 * y = -x, elementwise (Caffe2's `Negative`, ONNX `Neg`).
 *
 * dtypes: int8/16/32/64 wrap like two's complement (-INT32_MIN == INT32_MIN);
 * uint8/16/32/64 negate modulo 2^bits (uint8 1 -> 255); float16, bfloat16,
 * float32, float64, complex64 and complex128 flip the sign bit of every
 * real component (-(+0.0) == -0.0; NaN keeps its payload). bool, lanes != 1
 * and unknown codes give C2OP_ERR_UNSUPPORTED_DTYPE.
 *
 * Layout: any shape (ndim 0..C2OP_MAX_NDIM), strides in elements or NULL for
 * compact row-major, negative and zero strides in x, any byte_offset. x and y
 * must agree in shape, dtype and device. y's elements must not overlap each
 * other (C2OP_ERR_OVERLAP; also for a y with interleaved strides too large to
 * prove free of overlap: a block of more than 2^21 elements spanning more
 * than 2^29). y may describe exactly x's elements (in place);
 * any other overlap of x and y gives the result as if x had been read in full
 * before y was written.
 *
 * Devices: kDLCPU and kDLCUDAHost run on the CPU (the two may be mixed: both
 * are host memory). kDLCUDA runs on that GPU in a build with CUDA (else
 * C2OP_ERR_UNSUPPORTED_DEVICE), asynchronously on the context's CUDA
 * stream: the call returns once the work is queued, and y is ready when the
 * stream has run it. x and y must then be on the same GPU and their data
 * device (or managed) memory of it; a machine without a usable GPU or driver
 * gives C2OP_ERR_NO_DEVICE, a failing CUDA call C2OP_ERR_CUDA with CUDA's
 * message. Partial overlap allocates a stream-ordered scratch buffer.
 *
 * Everything is checked before y is written: on error y is untouched.
 */
C2OP_API c2op_status c2op_negative(const DLTensor *x, DLTensor *y);

/**
 * y = x (Caffe2's `NegateGradient` forward: a copy). Copies every dtype whose
 * element is a whole number of bytes, bool included; a call in place copies
 * nothing. Same layout, overlap and device rules as c2op_negative.
 */
C2OP_API c2op_status c2op_negate_gradient(const DLTensor *x, DLTensor *y);

/** c2op_negative with an execution context (NULL = the default context). */
C2OP_API c2op_status c2op_negative_ex(const c2op_context *ctx, const DLTensor *x, DLTensor *y);
/** c2op_negate_gradient with an execution context (NULL = default). */
C2OP_API c2op_status c2op_negate_gradient_ex(const c2op_context *ctx, const DLTensor *x, DLTensor *y);

/* ------------------------------------------------------------------------ */
/* Devices as Caffe2 numbers them (caffe2.proto DeviceTypeProto)             */
/* ------------------------------------------------------------------------ */

typedef enum {
  C2OP_DEVICE_CPU = 0,  /**< PROTO_CPU */
  C2OP_DEVICE_CUDA = 1  /**< PROTO_CUDA */
} c2op_device_type;

/** Caffe2's DeviceOption, the part c2op uses. */
typedef struct {
  int32_t device_type; /**< a c2op_device_type */
  int32_t device_id;   /**< GPU ordinal; 0 for the CPU; never negative */
} c2op_device_option;

/* ------------------------------------------------------------------------ */
/* Op definitions (Caffe2's OperatorDef)                                     */
/* ------------------------------------------------------------------------ */

/** One operator invocation: a type (the op's registered name), blob names in
 *  and out. The strings and arrays are owned by the op def; read the fields
 *  freely, change them only through the functions below (plain fields
 *  `is_gradient_op` and `device_option` may be assigned directly). */
typedef struct {
  char *type;                       /**< op name, e.g. "Negative" */
  char *name;                       /**< optional op name; "" when unset */
  int32_t num_inputs;               /**< number of input blob names */
  char **inputs;                    /**< input blob names */
  int32_t num_outputs;              /**< number of output blob names */
  char **outputs;                   /**< output blob names */
  int32_t is_gradient_op;           /**< 1 for ops made by a gradient maker */
  c2op_device_option device_option; /**< where the op runs */
} c2op_op_def;

/** Creates an op def (deep copy of every string). Blob names must be
 *  non-empty. */
C2OP_API c2op_status c2op_op_def_create(const char *type, int32_t num_inputs,
                                        const char *const *inputs, int32_t num_outputs,
                                        const char *const *outputs, c2op_op_def **def_out);
/** Deep copy of an op def. */
C2OP_API c2op_status c2op_op_def_clone(const c2op_op_def *def, c2op_op_def **def_out);
/** Sets the op's own name (not its type). */
C2OP_API c2op_status c2op_op_def_set_name(c2op_op_def *def, const char *name);
/** Renames input i / output i. */
C2OP_API c2op_status c2op_op_def_set_input(c2op_op_def *def, int32_t i, const char *blob);
C2OP_API c2op_status c2op_op_def_set_output(c2op_op_def *def, int32_t i, const char *blob);
/** Frees an op def; NULL is a no-op. */
C2OP_API void c2op_op_def_destroy(c2op_op_def *def);

/* ------------------------------------------------------------------------ */
/* Schema registry (Caffe2's OpSchema)                                       */
/* ------------------------------------------------------------------------ */

/** The part of a tensor that type and shape inference look at. */
typedef struct {
  DLDataType dtype;
  int32_t ndim;
  int64_t shape[C2OP_MAX_NDIM];
} c2op_tensor_type;

/** Type and shape inference: from the inputs' types, fill the outputs'.
 *  Returns C2OP_OK or an error status, setting the error message through
 *  whatever c2op call failed (one that returns an error without a message
 *  gets "the inference returned <status> without a message"). The outputs'
 *  ndim must be 0 to C2OP_MAX_NDIM and their dims non-negative: the
 *  workspace refuses others with C2OP_ERR_SCHEMA_VIOLATION. */
typedef c2op_status (*c2op_infer_fn)(int32_t num_inputs, const c2op_tensor_type *inputs,
                                     int32_t num_outputs, c2op_tensor_type *outputs);

/** Built-in inference: every output has input 0's dtype and shape (Caffe2's
 *  IdenticalTypeAndShape). */
C2OP_API c2op_status c2op_infer_identical(int32_t num_inputs, const c2op_tensor_type *inputs,
                                          int32_t num_outputs, c2op_tensor_type *outputs);

/** An allowed in-place pair: output `output` may be the same blob as input
 *  `input`. */
typedef struct {
  int32_t input;
  int32_t output;
} c2op_inplace_pair;

/** What an op is. Registered schemas are stored by pointer: a schema passed
 *  to c2op_register_schema must stay valid and unchanged for the rest of the
 *  process (static storage is the usual choice). */
typedef struct {
  const char *name;                 /**< unique op name, e.g. "Negative" */
  int32_t min_inputs, max_inputs;   /**< input count range */
  int32_t min_outputs, max_outputs; /**< output count range */
  const c2op_inplace_pair *inplace; /**< allowed in-place pairs */
  int32_t num_inplace;              /**< length of `inplace` */
  c2op_infer_fn infer;              /**< type and shape inference; NULL = none */
  const char *inference_name;       /**< e.g. "IdenticalTypeAndShape"; NULL = none */
  const char *onnx_name;            /**< ONNX op name; NULL when none */
  const char *onnx_note;            /**< how the op maps to ONNX, e.g. at inference; may be NULL */
  const DLDataType *dtypes;         /**< accepted input dtypes (lanes 1) */
  int32_t num_dtypes;               /**< length of `dtypes`; 0 = every dtype */
  const char *doc;                  /**< what the op does */
  /* Names and docs, one per input up to max_inputs; for a variadic op
   * (max_inputs == INT32_MAX) min_inputs entries, the last describing the
   * rest. Likewise for outputs. Any of the four may be NULL. */
  const char *const *input_names;   /**< input names, e.g. "X" */
  const char *const *input_docs;    /**< what each input is */
  const char *const *output_names;  /**< output names, e.g. "Y" */
  const char *const *output_docs;   /**< what each output is */
} c2op_op_schema;

/** Looks up a schema by op name; C2OP_ERR_NOT_FOUND if none. */
C2OP_API c2op_status c2op_schema_lookup(const char *op, const c2op_op_schema **schema_out);
/** Number of registered schemas. */
C2OP_API int32_t c2op_schema_count(void);
/** The i-th registered schema (registration order; built-ins first). */
C2OP_API c2op_status c2op_schema_at(int32_t i, const c2op_op_schema **schema_out);
/** Registers a new op schema. C2OP_ERR_ALREADY_EXISTS if the name is taken,
 *  C2OP_ERR_INVALID_ARGUMENT for inconsistent counts or in-place pairs. */
C2OP_API c2op_status c2op_register_schema(const c2op_op_schema *schema);
/** Whether `dtype` is one the schema accepts. */
C2OP_API int c2op_schema_accepts_dtype(const c2op_op_schema *schema, DLDataType dtype);
/** Whether (input, output) is an allowed in-place pair of the schema. */
C2OP_API int c2op_schema_allows_inplace(const c2op_op_schema *schema, int32_t input, int32_t output);

/* ------------------------------------------------------------------------ */
/* Kernel registry, keyed by (op, device)                                    */
/* ------------------------------------------------------------------------ */

/** A kernel: computes the op's outputs from its inputs. The tensors were
 *  checked against the schema (counts, dtypes) by the workspace, but a kernel
 *  must still check everything else and leave outputs untouched on error.
 *  As for c2op_infer_fn, an error without a message gets a generic one; and
 *  when a kernel (or a gradient maker) returns C2OP_OK, the workspace clears
 *  the message of any failing c2op call it made and tolerated. */
typedef c2op_status (*c2op_kernel_fn)(const c2op_context *ctx, int32_t num_inputs,
                                      const DLTensor *const *inputs, int32_t num_outputs,
                                      DLTensor *const *outputs);

/** Registers the kernel of `op` (which needs a schema) for `device`. */
C2OP_API c2op_status c2op_register_kernel(const char *op, c2op_device_type device,
                                          c2op_kernel_fn kernel);
/** Looks up a kernel; C2OP_ERR_NOT_FOUND names the op and device. */
C2OP_API c2op_status c2op_kernel_lookup(const char *op, c2op_device_type device,
                                        c2op_kernel_fn *kernel_out);

/* ------------------------------------------------------------------------ */
/* Gradient registry (Caffe2's GradientMakerBase / GetGradientDefs)          */
/* ------------------------------------------------------------------------ */

/** What a gradient maker produces for one forward op: the gradient op defs,
 *  and for each forward input the name of the blob holding its gradient
 *  (NULL where the input gets none). */
typedef struct {
  int32_t num_ops;
  c2op_op_def **ops;
  int32_t num_input_grads; /**< == the forward op's num_inputs */
  char **input_grads;
} c2op_gradient;

/** A gradient maker. `output_grads[i]` names the gradient blob of the
 *  forward op's output i, or is NULL when that output has no gradient. The
 *  maker appends ops with c2op_gradient_add_op and names input gradients
 *  with c2op_gradient_set_input_grad. Caffe2's conventions: the gradient of
 *  blob B is named "B_grad", gradient ops carry is_gradient_op = 1 and the
 *  forward op's device option (c2op_gradient_add_op sets both). */
typedef c2op_status (*c2op_gradient_maker)(const c2op_op_def *forward,
                                           const char *const *output_grads,
                                           c2op_gradient *gradient);

/** Appends a copy of `def` to the gradient, marked as a gradient op with the
 *  device option of `forward`. */
C2OP_API c2op_status c2op_gradient_add_op(c2op_gradient *gradient, const c2op_op_def *forward,
                                          const c2op_op_def *def);
/** Names the gradient blob of forward input i; NULL clears the name (no
 *  gradient for that input). */
C2OP_API c2op_status c2op_gradient_set_input_grad(c2op_gradient *gradient, int32_t i,
                                                  const char *blob);

/** Registers the gradient maker of `op` (which needs a schema). */
C2OP_API c2op_status c2op_register_gradient(const char *op, c2op_gradient_maker maker);

/** Caffe2's GetGradientDefs: the gradient ops of `forward`. `output_grads`
 *  may be NULL, meaning "B_grad" for every output B. C2OP_ERR_NO_GRADIENT
 *  when the op has no gradient maker. Free the result with
 *  c2op_gradient_destroy. */
C2OP_API c2op_status c2op_get_gradient_defs(const c2op_op_def *forward,
                                            const char *const *output_grads,
                                            c2op_gradient **gradient_out);
/** Frees a gradient; NULL is a no-op. */
C2OP_API void c2op_gradient_destroy(c2op_gradient *gradient);

/* ------------------------------------------------------------------------ */
/* Workspace: named blobs that own their tensors                             */
/* ------------------------------------------------------------------------ */

typedef struct c2op_workspace c2op_workspace;
typedef struct c2op_net c2op_net;

C2OP_API c2op_status c2op_workspace_create(c2op_workspace **ws_out);
/** Frees the workspace and every blob in it; NULL is a no-op. */
C2OP_API void c2op_workspace_destroy(c2op_workspace *ws);

/** Copies `tensor` (any layout; host memory, or CUDA memory in a CUDA
 *  build) into blob `name` on the CPU, creating or replacing it. The blob
 *  holds a compact row-major copy. */
C2OP_API c2op_status c2op_workspace_feed(c2op_workspace *ws, const char *name,
                                         const DLTensor *tensor);
/** Like c2op_workspace_feed, but the blob lives on `device` (NULL = CPU;
 *  Caffe2's FeedBlob with a device option): a CUDA blob is device memory of
 *  that GPU. Copies across host and GPU are synchronous. */
C2OP_API c2op_status c2op_workspace_feed_on(c2op_workspace *ws, const char *name,
                                            const DLTensor *tensor,
                                            const c2op_device_option *device);
/** Borrows blob `name`'s tensor (compact row-major, strides NULL; its device
 *  says where the data is). Valid until the blob is replaced, written by an
 *  op, removed, or the workspace destroyed. C2OP_ERR_NOT_FOUND if no such
 *  blob. Work queued on a CUDA stream may still be writing a CUDA blob:
 *  synchronise the stream before reading it, or use
 *  c2op_workspace_fetch_copy. */
C2OP_API c2op_status c2op_workspace_fetch(const c2op_workspace *ws, const char *name,
                                          const DLTensor **tensor_out);
/** Copies blob `name` into `dst` (same dtype and shape, any layout, host or
 *  CUDA memory), waiting for the GPU first when the copy crosses devices. */
C2OP_API c2op_status c2op_workspace_fetch_copy(const c2op_workspace *ws, const char *name,
                                               DLTensor *dst);
/** 1 if the blob exists, else 0. */
C2OP_API int c2op_workspace_has_blob(const c2op_workspace *ws, const char *name);
/** Number of blobs. */
C2OP_API int32_t c2op_workspace_num_blobs(const c2op_workspace *ws);
/** Name of the i-th blob, blobs sorted by name. */
C2OP_API c2op_status c2op_workspace_blob_name(const c2op_workspace *ws, int32_t i,
                                              const char **name_out);
/** Removes a blob; C2OP_ERR_NOT_FOUND if none. */
C2OP_API c2op_status c2op_workspace_remove(c2op_workspace *ws, const char *name);

/** Runs one op def: checks it against its schema (input/output counts,
 *  in-place pairs, dtypes), checks the inputs exist, infers the outputs'
 *  types and shapes, allocates them (reusing an existing output blob of the
 *  same dtype and shape), and dispatches to the kernel registered for the
 *  op's device. An op whose device option is CUDA needs its inputs on that
 *  GPU and puts its outputs there; it runs asynchronously on the context's
 *  stream. On error the workspace is unchanged. `ctx` may be NULL. */
C2OP_API c2op_status c2op_workspace_run_op(c2op_workspace *ws, const c2op_context *ctx,
                                           const c2op_op_def *def);
/** Runs every op of `net` in order; stops at the first failing op (the
 *  message names its index and type), keeping what earlier ops wrote. */
C2OP_API c2op_status c2op_workspace_run_net(c2op_workspace *ws, const c2op_context *ctx,
                                            const c2op_net *net);

/* ------------------------------------------------------------------------ */
/* Nets (Caffe2's NetDef) and backward nets                                  */
/* ------------------------------------------------------------------------ */

/** Creates an empty net with a name (may be ""). */
C2OP_API c2op_status c2op_net_create(const char *name, c2op_net **net_out);
/** Frees a net and its op defs; NULL is a no-op. */
C2OP_API void c2op_net_destroy(c2op_net *net);
/** The net's name. */
C2OP_API const char *c2op_net_name(const c2op_net *net);
/** Appends a copy of `def`. C2OP_ERR_INVALID_ARGUMENT for a device option
 *  the NetDef reader refuses (a device_type other than CPU or CUDA, a
 *  negative device_id). */
C2OP_API c2op_status c2op_net_add_op(c2op_net *net, const c2op_op_def *def);
/** Number of ops. */
C2OP_API int32_t c2op_net_num_ops(const c2op_net *net);
/** Borrows op i (valid while the net lives and is not changed). */
C2OP_API c2op_status c2op_net_op(const c2op_net *net, int32_t i, const c2op_op_def **def_out);
/** Declares an external input / output blob name. */
C2OP_API c2op_status c2op_net_add_external_input(c2op_net *net, const char *blob);
C2OP_API c2op_status c2op_net_add_external_output(c2op_net *net, const char *blob);
C2OP_API int32_t c2op_net_num_external_inputs(const c2op_net *net);
C2OP_API int32_t c2op_net_num_external_outputs(const c2op_net *net);
C2OP_API c2op_status c2op_net_external_input(const c2op_net *net, int32_t i, const char **blob_out);
C2OP_API c2op_status c2op_net_external_output(const c2op_net *net, int32_t i, const char **blob_out);

/**
 * Builds the backward net of `forward` from the given outputs (Caffe2's
 * AddGradientOperators): the caller feeds "Y_grad" for each output Y; the
 * gradient ops of the forward ops that lead to those outputs come in reverse
 * order; in-place forward ops are handled by versioning blobs; where a blob's
 * gradient comes from several ops, each contribution is written to
 * "B_grad_autosplit_K" and a "Sum" op adds them into "B_grad". A gradient
 * that a maker passes through without an op (Caffe2's Alias) is first
 * copied by a one-input "Sum" into "X_grad" for its input X, so that a
 * later gradient op reusing the name cannot overwrite it. The backward
 * net's name is the forward net's (or "net") plus "_backward"; its external
 * inputs are the "Y_grad" blobs, its external outputs the gradients of the
 * blobs the forward net reads without writing.
 * C2OP_ERR_NO_GRADIENT names the first op on the path that has no gradient.
 */
C2OP_API c2op_status c2op_net_build_backward(const c2op_net *forward, int32_t num_outputs,
                                             const char *const *outputs,
                                             c2op_net **backward_out);

/* ------------------------------------------------------------------------ */
/* NetDef text format (Caffe2's NetDef as protobuf text)                     */
/* ------------------------------------------------------------------------ */

/**
 * Reads a net from Caffe2's NetDef in protobuf text format: `length` bytes
 * of `text` (no NUL terminator needed; a NUL byte inside is an error).
 *
 * Fields, the subset of caffe2.proto that c2op nets have:
 *   name: "net"                          (once)
 *   op {                                 (repeated, in order)
 *     input: "X"  output: "Y"            (repeated; names non-empty)
 *     name: "..."  type: "Negative"      (once each; type required)
 *     device_option { device_type: 0  device_id: 0 }   (0 = CPU, 1 = CUDA)
 *     is_gradient_op: true               (true/True/t/1, false/False/f/0)
 *   }
 *   external_input: "X"  external_output: "Y"          (repeated)
 * Syntax: `#` comments; `:` required before scalars and optional before
 * messages; messages in `{}` or `<>`; repeated fields given several times or
 * as lists (`input: ["a", "b"]`, `op [{...}, {...}]`); optional `,` or `;`
 * after a field; strings in "..." or '...', adjacent strings concatenated,
 * escapes \n \t \r \a \b \f \v \\ \' \" \?, octal \NNN, hex \xHH, \uXXXX and
 * \UXXXXXXXX (as UTF-8); integers in decimal, 0x hex or 0 octal.
 *
 * Errors (the net is not created): every message starts with
 * "line L, column C: " (1-based; columns count bytes) and quotes the
 * offending token. C2OP_ERR_INVALID_ARGUMENT for syntax, an unknown field,
 * a singular field given twice, a bad value or an op without a type;
 * C2OP_ERR_NOT_FOUND for an op type with no registered schema;
 * C2OP_ERR_SCHEMA_VIOLATION for an input or output count outside the op's
 * schema. Free the net with c2op_net_destroy.
 */
C2OP_API c2op_status c2op_net_from_text(const char *text, size_t length, c2op_net **net_out);

/**
 * Writes `net` in NetDef text format: fields in caffe2.proto's field order,
 * two spaces of indent per level, only fields that differ from their
 * defaults (an empty name, device_option CPU/0 and is_gradient_op false are
 * left out), strings escaped as protobuf's printer does (bytes outside
 * printable ASCII as octal). c2op_net_from_text reads the text back to an
 * equal net when the reader accepts its ops: registered types whose input
 * and output counts fit their schemas (c2op_net_add_op does not check
 * these, since a schema may be registered after the op is added; it does
 * refuse a device option the reader would). `*text_out` is NUL-terminated; free it with c2op_free.
 * `length_out` (may be NULL) receives its length without the NUL.
 */
C2OP_API c2op_status c2op_net_to_text(const c2op_net *net, char **text_out, size_t *length_out);

/** Frees memory the library handed out for the caller to free (the text of
 *  c2op_net_to_text); NULL is a no-op. */
C2OP_API void c2op_free(void *ptr);

/* ------------------------------------------------------------------------ */
/* Build facts                                                               */
/* ------------------------------------------------------------------------ */

/** 1 if the library was built with the CUDA backend, else 0. */
C2OP_API int c2op_has_cuda(void);

/** The instruction set the CPU kernels use in this process: "avx512",
 *  "avx2", "sse2", "neon" or "scalar". Chosen once, on first use, as the
 *  best path compiled in that the CPU supports; the environment variable
 *  C2OP_ISA (same names) may force a lower path, never a higher one. Never
 *  NULL; the string is static. */
C2OP_API const char *c2op_cpu_isa_name(void);

#ifdef __cplusplus
}
#endif

#endif /* C2OP_H */
