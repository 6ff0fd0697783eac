/*
 * c2op_module.c - the CPython extension c2op._c2op, over include/c2op.h only.
 *
 * Two halves:
 *  - Kernels: negative(x, out=None) and negate_gradient(x, out=None) on
 *    NumPy arrays (read and allocated through NumPy's C API: the lean path
 *    that makes small calls cheap), on anything with __dlpack__ (PyTorch,
 *    CuPy, JAX, ...; zero-copy through "dltensor" capsules) and on objects
 *    with the buffer protocol (viewed as NumPy arrays, zero-copy). The GIL
 *    is released while the kernel runs.
 *  - The Caffe2 machinery for c2op.core and c2op.workspace: a Workspace
 *    type (blobs, run_op, run_net), nets through the NetDef text format,
 *    backward nets, gradient defs and schemas. Op defs cross the boundary as
 *    tuples (type, name, inputs, outputs, is_gradient_op, device_type,
 *    device_id); nets as NetDef text.
 *
 * Status codes map to Python exceptions: dtype problems raise TypeError,
 * shape, layout and overlap problems ValueError, the rest RuntimeError; the
 * message is the library's (c2op_last_error).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "c2op.h"

/* ------------------------------------------------------------------------ */
/* Errors                                                                    */
/* ------------------------------------------------------------------------ */

static PyObject *exception_for(c2op_status st) {
  switch (st) {
  case C2OP_ERR_UNSUPPORTED_DTYPE:
  case C2OP_ERR_DTYPE_MISMATCH: return PyExc_TypeError;
  case C2OP_ERR_NULL_POINTER:
  case C2OP_ERR_INVALID_ARGUMENT:
  case C2OP_ERR_SHAPE_MISMATCH:
  case C2OP_ERR_OVERLAP:
  case C2OP_ERR_SCHEMA_VIOLATION:
  case C2OP_ERR_OVERFLOW: return PyExc_ValueError;
  default: return PyExc_RuntimeError;
  }
}

/* Raises the exception of `st` with the library's message; returns NULL. */
static PyObject *raise_status(c2op_status st) {
  const char *msg = c2op_last_error();
  PyErr_Format(exception_for(st), "%s (%s)", msg[0] ? msg : "c2op call failed",
               c2op_status_name(st));
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Tensors: NumPy arrays, DLPack capsules, buffers                           */
/* ------------------------------------------------------------------------ */

/* Names and NetDef text cross between Python and the library losslessly:
 * the library's bytes become str through UTF-8 with surrogateescape (a byte
 * that is not UTF-8 becomes a lone surrogate), and str goes back the same
 * way, giving the same bytes. A name read from NetDef text through an
 * escape like "\\377" can thus be fetched, fed and written back. */
static PyObject *str_from_c(const char *s) {
  return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "surrogateescape");
}

/* A new bytes object with str `s` for the library (see str_from_c). A
 * TypeError for a non-str, a ValueError for an embedded NUL (a C string
 * would end there). */
static PyObject *bytes_for_c(PyObject *s, const char *what) {
  if (!PyUnicode_Check(s)) {
    PyErr_Format(PyExc_TypeError, "%s: expected str, got %.200s", what, Py_TYPE(s)->tp_name);
    return NULL;
  }
  PyObject *b = PyUnicode_AsEncodedString(s, "utf-8", "surrogateescape");
  if (b != NULL && strlen(PyBytes_AS_STRING(b)) != (size_t)PyBytes_GET_SIZE(b)) {
    Py_DECREF(b);
    PyErr_Format(PyExc_ValueError, "%s: embedded null character", what);
    return NULL;
  }
  return b;
}

/* A malloc'd copy of str `s` for the library, or NULL with an exception. */
static char *strdup_for_c(PyObject *s, const char *what) {
  PyObject *b = bytes_for_c(s, what);
  if (b == NULL) return NULL;
  char *c = strdup(PyBytes_AS_STRING(b));
  Py_DECREF(b);
  if (c == NULL) PyErr_NoMemory();
  return c;
}

/* A DLTensor and the storage its shape and strides point into, plus the
 * Python object that keeps the data alive while the kernel runs. */
typedef struct {
  DLTensor t;
  int64_t shape[C2OP_MAX_NDIM];
  int64_t strides[C2OP_MAX_NDIM];
  PyObject *keep; /* owned reference (capsule or array), or NULL */
} tensor_view;

static void view_release(tensor_view *v) {
  Py_CLEAR(v->keep);
}

/* NumPy dtype -> DLPack dtype; -1 with TypeError for those c2op lacks. */
static int dtype_from_numpy(PyArray_Descr *d, npy_intp elsize, const char *name, DLDataType *out) {
  int code = -1;
  const int bits = (int)elsize * 8;
  switch (d->kind) {
  case 'i': code = kDLInt; break;
  case 'u': code = kDLUInt; break;
  case 'f': code = (bits <= 64) ? kDLFloat : -1; break;
  case 'c': code = (bits <= 128) ? kDLComplex : -1; break;
  case 'b': code = C2OP_DL_BOOL; break;
  default: break;
  }
  if (code < 0 || elsize > 16 || PyDataType_HASSUBARRAY(d) || PyDataType_HASFIELDS(d)) {
    PyErr_Format(PyExc_TypeError, "%s: dtype %R is not supported by c2op", name, (PyObject *)d);
    return -1;
  }
  if (PyArray_ISNBO(d->byteorder) == 0) {
    PyErr_Format(PyExc_TypeError,
                 "%s: dtype %R is not in native byte order (convert with "
                 "x.astype(x.dtype.newbyteorder('=')))",
                 name, (PyObject *)d);
    return -1;
  }
  out->code = (uint8_t)code;
  out->bits = (uint8_t)bits;
  out->lanes = 1;
  return 0;
}

/* Describes NumPy array `a` (borrowed; the caller keeps it alive). */
static int view_numpy(PyArrayObject *a, const char *name, int writable, tensor_view *v) {
  if (writable && !PyArray_ISWRITEABLE(a)) {
    PyErr_Format(PyExc_ValueError, "%s: array is read-only", name);
    return -1;
  }
  if (dtype_from_numpy(PyArray_DESCR(a), PyArray_ITEMSIZE(a), name, &v->t.dtype) < 0) return -1;
  const int ndim = PyArray_NDIM(a);
  if (ndim > C2OP_MAX_NDIM) {
    PyErr_Format(PyExc_ValueError, "%s: %d dimensions, c2op takes at most %d", name, ndim,
                 C2OP_MAX_NDIM);
    return -1;
  }
  const npy_intp itemsize = PyArray_ITEMSIZE(a);
  const npy_intp *dims = PyArray_DIMS(a);
  const npy_intp *strides = PyArray_STRIDES(a);
  for (int i = 0; i < ndim; i++) {
    if (strides[i] % itemsize != 0) {
      PyErr_Format(PyExc_ValueError,
                   "%s: stride %zd of dimension %d is not a multiple of the item size %zd", name,
                   (Py_ssize_t)strides[i], i, (Py_ssize_t)itemsize);
      return -1;
    }
    v->shape[i] = dims[i];
    v->strides[i] = strides[i] / itemsize;
  }
  v->t.data = PyArray_DATA(a);
  v->t.device.device_type = kDLCPU;
  v->t.device.device_id = 0;
  v->t.ndim = ndim;
  v->t.shape = v->shape;
  /* Compact arrays go without strides: the library's quickest check. */
  v->t.strides = PyArray_IS_C_CONTIGUOUS(a) ? NULL : v->strides;
  v->t.byte_offset = 0;
  v->keep = NULL;
  return 0;
}

/* Describes an object with __dlpack__ through its capsule (kept in v). */
static int view_dlpack(PyObject *obj, const char *name, tensor_view *v) {
  PyObject *capsule = PyObject_CallMethod(obj, "__dlpack__", NULL);
  if (capsule == NULL) {
    /* The producer refused to export (e.g. PyTorch 1.x and bool, NumPy and
     * read-only arrays): a TypeError naming the argument, the producer's
     * exception as its cause. */
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL && value != NULL) PyException_SetTraceback(value, tb);
    PyErr_Format(PyExc_TypeError, "%s: %.200s could not be exported through __dlpack__: %S", name,
                 Py_TYPE(obj)->tp_name, value ? value : Py_None);
    PyObject *t2, *v2, *tb2;
    PyErr_Fetch(&t2, &v2, &tb2);
    PyErr_NormalizeException(&t2, &v2, &tb2);
    if (value != NULL) PyException_SetCause(v2, value); /* steals value */
    PyErr_Restore(t2, v2, tb2);
    Py_XDECREF(type);
    Py_XDECREF(tb);
    return -1;
  }
  DLManagedTensor *m = (DLManagedTensor *)PyCapsule_GetPointer(capsule, "dltensor");
  if (m == NULL) {
    Py_DECREF(capsule);
    PyErr_Format(PyExc_TypeError, "%s: __dlpack__ did not return a \"dltensor\" capsule", name);
    return -1;
  }
  const DLTensor *src = &m->dl_tensor;
  if (src->ndim < 0 || src->ndim > C2OP_MAX_NDIM) {
    Py_DECREF(capsule);
    PyErr_Format(PyExc_ValueError, "%s: %d dimensions, c2op takes at most %d", name, (int)src->ndim,
                 C2OP_MAX_NDIM);
    return -1;
  }
  v->t = *src;
  for (int i = 0; i < src->ndim; i++) {
    v->shape[i] = src->shape[i];
    if (src->strides != NULL) v->strides[i] = src->strides[i];
  }
  v->t.shape = v->shape;
  v->t.strides = src->strides != NULL ? v->strides : NULL;
  /* The capsule stays unconsumed: its destructor calls the producer's
   * deleter when we drop it after the kernel. */
  v->keep = capsule;
  return 0;
}

/* Views a buffer-protocol object as a NumPy array (zero-copy); new ref.
 * A read-only buffer where one is written is a ValueError: asking NumPy
 * for a writeable array would instead hand back a copy, and the result
 * would be lost. */
static PyArrayObject *array_from_buffer(PyObject *obj, const char *name, int writable) {
  PyObject *mv = PyMemoryView_FromObject(obj);
  if (mv == NULL) return NULL;
  const Py_buffer *buf = PyMemoryView_GET_BUFFER(mv);
  if (writable && buf->readonly) {
    Py_DECREF(mv);
    PyErr_Format(PyExc_ValueError, "%s: buffer is read-only", name);
    return NULL;
  }
  PyArrayObject *a = (PyArrayObject *)PyArray_FromAny(mv, NULL, 0, 0, 0, NULL);
  if (a != NULL && writable && PyArray_DATA(a) != buf->buf) {
    /* NumPy copied it (a format it could not view): writes would be lost. */
    Py_DECREF(a);
    a = NULL;
    PyErr_Format(PyExc_ValueError, "%s: buffer cannot be written in place (NumPy copies it)",
                 name);
  }
  Py_DECREF(mv);
  return a;
}

static int has_dlpack(PyObject *obj) {
  return PyObject_HasAttrString(obj, "__dlpack__");
}

/* The kinds of object a kernel argument can be. */
enum { ARG_NUMPY, ARG_DLPACK, ARG_BUFFER };

static int arg_kind(PyObject *obj, const char *name) {
  if (PyArray_Check(obj)) return ARG_NUMPY;
  if (has_dlpack(obj)) return ARG_DLPACK;
  if (PyObject_CheckBuffer(obj)) return ARG_BUFFER;
  PyErr_Format(
      PyExc_TypeError,
      "%s: expected an array (an object with __dlpack__ or the buffer protocol), got %.200s", name,
      Py_TYPE(obj)->tp_name);
  return -1;
}

/* Describes any kernel argument. Buffers become NumPy arrays kept in v. */
static int view_any(PyObject *obj, int kind, const char *name, int writable, tensor_view *v) {
  v->keep = NULL;
  switch (kind) {
  case ARG_NUMPY: return view_numpy((PyArrayObject *)obj, name, writable, v);
  case ARG_DLPACK: return view_dlpack(obj, name, v);
  default: {
    PyArrayObject *a = array_from_buffer(obj, name, writable);
    if (a == NULL) return -1;
    if (view_numpy(a, name, writable, v) < 0) {
      Py_DECREF(a);
      return -1;
    }
    v->keep = (PyObject *)a;
    return 0;
  }
  }
}

/* ------------------------------------------------------------------------ */
/* Kernels                                                                   */
/* ------------------------------------------------------------------------ */

typedef c2op_status (*unary_fn)(const c2op_context *ctx, const DLTensor *x, DLTensor *y);

/* Threads. set_num_threads(n): n > 0 runs every kernel call with n
 * threads, 0 with the library's automatic choice (NULL context). The
 * package default (None) runs tensors smaller than parallel_min_bytes on
 * the calling thread and larger ones with the library's choice: on the
 * 2-vCPU development machine the library's pool (then from 256 KiB) made calls
 * of 256 KiB to 4 MiB 1.1-2.9x slower than one thread whenever the other
 * vCPU was busy, and paid off from about 64 MiB (docs/PERFORMANCE.md,
 * "Python"). C2OP_PY_PARALLEL_MIN_BYTES overrides the threshold.
 * Contexts are made once per count and never changed or freed, so a kernel
 * running without the GIL never sees its context change under it. */
#define MAX_THREADS_SETTING 1024
#define DEFAULT_PARALLEL_MIN_BYTES ((int64_t)64 << 20)
static c2op_context *contexts[MAX_THREADS_SETTING + 1];
static const c2op_context *current_ctx = NULL; /* when current_threads >= 0 */
static int current_threads = -1;               /* -1: the package default */
static int64_t parallel_min_bytes = DEFAULT_PARALLEL_MIN_BYTES;

static int64_t tensor_bytes(const DLTensor *t) {
  int64_t n = ((int64_t)t->dtype.bits * t->dtype.lanes + 7) / 8;
  for (int32_t i = 0; i < t->ndim; i++) {
    if (t->shape[i] <= 0) return 0;
    if (n > INT64_MAX / t->shape[i]) return INT64_MAX;
    n *= t->shape[i];
  }
  return n;
}

/* The context of a kernel call on x. */
static const c2op_context *context_for(const DLTensor *x) {
  if (current_threads >= 0) return current_ctx;
  return tensor_bytes(x) >= parallel_min_bytes ? NULL : contexts[1];
}

/* The context for workspace calls (sizes unknown beforehand). */
static const c2op_context *workspace_context(void) {
  return current_threads >= 0 ? current_ctx : NULL;
}

static c2op_context *context_with(long n) {
  if (contexts[n] == NULL) {
    c2op_context *ctx = NULL;
    c2op_status st = c2op_context_create(&ctx);
    if (st == C2OP_OK) st = c2op_context_set_num_threads(ctx, (int32_t)n);
    if (st != C2OP_OK) {
      c2op_context_destroy(ctx);
      raise_status(st);
      return NULL;
    }
    contexts[n] = ctx;
  }
  return contexts[n];
}

/* Python's allocator for outputs of __dlpack__ inputs (set from
 * c2op/__init__.py): alloc_like(x) -> a new array of x's kind. */
static PyObject *alloc_like_hook = NULL;

static c2op_status run_unary(unary_fn fn, const DLTensor *x, DLTensor *y) {
  c2op_status st;
  const c2op_context *ctx = context_for(x);
  Py_BEGIN_ALLOW_THREADS st = fn(ctx, x, y);
  Py_END_ALLOW_THREADS return st;
}

/* The NumPy-in, NumPy-out path without an `out`: the common case, kept lean. */
static PyObject *unary_numpy_alloc(unary_fn fn, PyArrayObject *x) {
  tensor_view vx, vy;
  if (view_numpy(x, "x", 0, &vx) < 0) return NULL;
  Py_INCREF(PyArray_DESCR(x));
  PyArrayObject *y = (PyArrayObject *)PyArray_NewLikeArray(x, NPY_KEEPORDER, PyArray_DESCR(x), 0);
  if (y == NULL) return NULL;
  if (view_numpy(y, "y", 1, &vy) < 0) {
    Py_DECREF(y);
    return NULL;
  }
  const c2op_status st = run_unary(fn, &vx.t, &vy.t);
  if (st != C2OP_OK) {
    Py_DECREF(y);
    return raise_status(st);
  }
  return (PyObject *)y;
}

static PyObject *unary_call(unary_fn fn, PyObject *x, PyObject *out) {
  if (out == Py_None) out = NULL;
  if (out == NULL && PyArray_Check(x)) return unary_numpy_alloc(fn, (PyArrayObject *)x);

  const int kx = arg_kind(x, "x");
  if (kx < 0) return NULL;
  PyObject *result = NULL; /* new reference to what is returned */
  if (out != NULL) {
    Py_INCREF(out);
    result = out;
  } else if (kx == ARG_DLPACK) {
    if (alloc_like_hook == NULL) {
      PyErr_SetString(PyExc_RuntimeError, "c2op._c2op: allocator hook not set");
      return NULL;
    }
    result = PyObject_CallOneArg(alloc_like_hook, x);
    if (result == NULL) return NULL;
  }

  tensor_view vx, vy;
  if (view_any(x, kx, "x", 0, &vx) < 0) {
    Py_XDECREF(result);
    return NULL;
  }
  if (result == NULL) {
    /* A buffer in, no out: the output is a NumPy array like x's view. */
    PyArrayObject *xa = (PyArrayObject *)vx.keep;
    Py_INCREF(PyArray_DESCR(xa));
    result = PyArray_NewLikeArray(xa, NPY_KEEPORDER, PyArray_DESCR(xa), 0);
    if (result == NULL) {
      view_release(&vx);
      return NULL;
    }
  }
  const int ky = arg_kind(result, "out");
  if (ky < 0 || view_any(result, ky, "out", 1, &vy) < 0) {
    view_release(&vx);
    Py_DECREF(result);
    return NULL;
  }
  const c2op_status st = run_unary(fn, &vx.t, &vy.t);
  view_release(&vx);
  view_release(&vy);
  if (st != C2OP_OK) {
    Py_DECREF(result);
    return raise_status(st);
  }
  return result;
}

/* Parses (x, out=None) from a vectorcall without building a dict. */
static int parse_x_out(PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                       const char *fname, PyObject **x, PyObject **out) {
  *x = NULL;
  *out = NULL;
  if (nargs > 2) {
    PyErr_Format(PyExc_TypeError, "%s() takes at most 2 positional arguments (%zd given)", fname,
                 nargs);
    return -1;
  }
  if (nargs >= 1) *x = args[0];
  if (nargs == 2) *out = args[1];
  const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
  for (Py_ssize_t i = 0; i < nkw; i++) {
    PyObject *key = PyTuple_GET_ITEM(kwnames, i);
    PyObject **slot = NULL;
    if (PyUnicode_CompareWithASCIIString(key, "out") == 0)
      slot = out;
    else if (PyUnicode_CompareWithASCIIString(key, "x") == 0)
      slot = x;
    if (slot == NULL) {
      PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname, key);
      return -1;
    }
    if (*slot != NULL) {
      PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%U'", fname, key);
      return -1;
    }
    *slot = args[nargs + i];
  }
  if (*x == NULL) {
    PyErr_Format(PyExc_TypeError, "%s() missing required argument 'x'", fname);
    return -1;
  }
  return 0;
}

static PyObject *py_negative(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                             PyObject *kwnames) {
  (void)self;
  PyObject *x, *out;
  if (parse_x_out(args, nargs, kwnames, "negative", &x, &out) < 0) return NULL;
  return unary_call(c2op_negative_ex, x, out);
}

static PyObject *py_negate_gradient(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                                    PyObject *kwnames) {
  (void)self;
  PyObject *x, *out;
  if (parse_x_out(args, nargs, kwnames, "negate_gradient", &x, &out) < 0) return NULL;
  return unary_call(c2op_negate_gradient_ex, x, out);
}

static PyObject *py_set_num_threads(PyObject *self, PyObject *arg) {
  (void)self;
  if (arg == Py_None) {
    current_threads = -1;
    current_ctx = NULL;
    Py_RETURN_NONE;
  }
  const long n = PyLong_AsLong(arg);
  if (n == -1 && PyErr_Occurred()) return NULL;
  if (n < 0 || n > MAX_THREADS_SETTING) {
    PyErr_Format(PyExc_ValueError,
                 "num_threads: %ld is out of range [0, %d] (0 = the library's automatic "
                 "choice, None = the package default)",
                 n, MAX_THREADS_SETTING);
    return NULL;
  }
  const c2op_context *ctx = NULL;
  if (n > 0 && (ctx = context_with(n)) == NULL) return NULL;
  current_ctx = ctx;
  current_threads = (int)n;
  Py_RETURN_NONE;
}

static PyObject *py_get_num_threads(PyObject *self, PyObject *noargs) {
  (void)self;
  (void)noargs;
  if (current_threads < 0) Py_RETURN_NONE;
  return PyLong_FromLong(current_threads);
}

static PyObject *py_parallel_min_bytes(PyObject *self, PyObject *noargs) {
  (void)self;
  (void)noargs;
  return PyLong_FromLongLong(parallel_min_bytes);
}

static PyObject *py_set_alloc_hook(PyObject *self, PyObject *fn) {
  (void)self;
  if (!PyCallable_Check(fn)) {
    PyErr_SetString(PyExc_TypeError, "allocator hook must be callable");
    return NULL;
  }
  Py_INCREF(fn);
  Py_XSETREF(alloc_like_hook, fn);
  Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* Op defs as tuples                                                         */
/* ------------------------------------------------------------------------ */

/* Frees a NULL-terminated-by-count array of strings made by strings_from. */
static void free_strings(char **s, Py_ssize_t n) {
  if (s == NULL) return;
  for (Py_ssize_t i = 0; i < n; i++)
    free(s[i]);
  free(s);
}

/* A sequence of str -> malloc'ed array of malloc'ed UTF-8 strings. */
static int strings_from(PyObject *seq, const char *what, char ***out, Py_ssize_t *n_out) {
  PyObject *fast = PySequence_Fast(seq, what);
  if (fast == NULL) return -1;
  const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
  char **s = calloc(n > 0 ? (size_t)n : 1, sizeof *s);
  if (s == NULL) {
    Py_DECREF(fast);
    PyErr_NoMemory();
    return -1;
  }
  for (Py_ssize_t i = 0; i < n; i++) {
    PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
    PyObject *str = PyObject_Str(item);
    s[i] = str ? strdup_for_c(str, "blob name") : NULL;
    Py_XDECREF(str);
    if (s[i] == NULL) {
      if (!PyErr_Occurred()) PyErr_NoMemory();
      free_strings(s, i);
      Py_DECREF(fast);
      return -1;
    }
  }
  Py_DECREF(fast);
  *out = s;
  *n_out = n;
  return 0;
}

/* (type, name, inputs, outputs, is_gradient_op, device_type, device_id) ->
 * a new c2op_op_def. */
static c2op_op_def *op_def_from_tuple(PyObject *tup) {
  PyObject *type_obj, *name_obj;
  PyObject *inputs, *outputs;
  int is_grad, dev_type, dev_id;
  if (!PyArg_ParseTuple(tup,
                        "UUOOpii;op def tuple (type, name, inputs, outputs, "
                        "is_gradient_op, device_type, device_id)",
                        &type_obj, &name_obj, &inputs, &outputs, &is_grad, &dev_type, &dev_id))
    return NULL;
  PyObject *type_b = bytes_for_c(type_obj, "op type");
  PyObject *name_b = type_b ? bytes_for_c(name_obj, "op name") : NULL;
  if (name_b == NULL) {
    Py_XDECREF(type_b);
    return NULL;
  }
  const char *type = PyBytes_AS_STRING(type_b), *name = PyBytes_AS_STRING(name_b);
  char **in = NULL, **outs = NULL;
  Py_ssize_t nin = 0, nout = 0;
  if (strings_from(inputs, "op inputs must be a sequence", &in, &nin) < 0 ||
      strings_from(outputs, "op outputs must be a sequence", &outs, &nout) < 0) {
    free_strings(in, nin);
    Py_DECREF(type_b);
    Py_DECREF(name_b);
    return NULL;
  }
  c2op_op_def *def = NULL;
  c2op_status st = c2op_op_def_create(type, (int32_t)nin, (const char *const *)in, (int32_t)nout,
                                      (const char *const *)outs, &def);
  free_strings(in, nin);
  free_strings(outs, nout);
  if (st == C2OP_OK && name[0] != '\0') st = c2op_op_def_set_name(def, name);
  Py_DECREF(type_b);
  Py_DECREF(name_b);
  if (st != C2OP_OK) {
    c2op_op_def_destroy(def);
    raise_status(st);
    return NULL;
  }
  def->is_gradient_op = is_grad;
  def->device_option.device_type = dev_type;
  def->device_option.device_id = dev_id;
  return def;
}

static PyObject *strings_to_list(char *const *s, int32_t n) {
  PyObject *list = PyList_New(n);
  if (list == NULL) return NULL;
  for (int32_t i = 0; i < n; i++) {
    PyObject *item;
    if (s[i] == NULL) {
      item = Py_None;
      Py_INCREF(item);
    } else {
      item = str_from_c(s[i]);
    }
    if (item == NULL) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, i, item);
  }
  return list;
}

static PyObject *op_def_to_tuple(const c2op_op_def *def) {
  PyObject *in = strings_to_list(def->inputs, def->num_inputs);
  PyObject *out = strings_to_list(def->outputs, def->num_outputs);
  if (in == NULL || out == NULL) {
    Py_XDECREF(in);
    Py_XDECREF(out);
    return NULL;
  }
  return Py_BuildValue("(NNNNNii)", str_from_c(def->type), str_from_c(def->name), in, out,
                       PyBool_FromLong(def->is_gradient_op), (int)def->device_option.device_type,
                       (int)def->device_option.device_id);
}

/* ------------------------------------------------------------------------ */
/* Nets as NetDef text                                                       */
/* ------------------------------------------------------------------------ */

static c2op_net *net_from_text_obj(PyObject *text) {
  if (!PyUnicode_Check(text)) {
    PyErr_Format(PyExc_TypeError, "net text: expected str, got %.200s", Py_TYPE(text)->tp_name);
    return NULL;
  }
  PyObject *b = PyUnicode_AsEncodedString(text, "utf-8", "surrogateescape");
  if (b == NULL) return NULL;
  c2op_net *net = NULL;
  const c2op_status st =
      c2op_net_from_text(PyBytes_AS_STRING(b), (size_t)PyBytes_GET_SIZE(b), &net);
  Py_DECREF(b);
  if (st != C2OP_OK) {
    raise_status(st);
    return NULL;
  }
  return net;
}

static PyObject *net_to_text_obj(const c2op_net *net) {
  char *text = NULL;
  size_t len = 0;
  const c2op_status st = c2op_net_to_text(net, &text, &len);
  if (st != C2OP_OK) return raise_status(st);
  PyObject *r = PyUnicode_DecodeUTF8(text, (Py_ssize_t)len, "surrogateescape");
  c2op_free(text);
  return r;
}

/* net_to_text(name, ops, external_inputs, external_outputs) -> NetDef text,
 * written by the library. */
static PyObject *py_net_to_text(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *name_obj, *ops, *ext_in, *ext_out;
  if (!PyArg_ParseTuple(args, "UOOO", &name_obj, &ops, &ext_in, &ext_out)) return NULL;
  PyObject *name_b = bytes_for_c(name_obj, "net name");
  if (name_b == NULL) return NULL;
  c2op_net *net = NULL;
  c2op_status st = c2op_net_create(PyBytes_AS_STRING(name_b), &net);
  Py_DECREF(name_b);
  if (st != C2OP_OK) return raise_status(st);
  PyObject *fast = PySequence_Fast(ops, "ops must be a sequence");
  if (fast == NULL) goto fail;
  for (Py_ssize_t i = 0; i < PySequence_Fast_GET_SIZE(fast); i++) {
    c2op_op_def *def = op_def_from_tuple(PySequence_Fast_GET_ITEM(fast, i));
    if (def == NULL) goto fail;
    st = c2op_net_add_op(net, def);
    c2op_op_def_destroy(def);
    if (st != C2OP_OK) {
      raise_status(st);
      goto fail;
    }
  }
  Py_CLEAR(fast);
  for (int pass = 0; pass < 2; pass++) {
    char **s = NULL;
    Py_ssize_t n = 0;
    if (strings_from(pass ? ext_out : ext_in, "external blobs must be a sequence", &s, &n) < 0)
      goto fail;
    for (Py_ssize_t i = 0; i < n && st == C2OP_OK; i++)
      st = pass ? c2op_net_add_external_output(net, s[i]) : c2op_net_add_external_input(net, s[i]);
    free_strings(s, n);
    if (st != C2OP_OK) {
      raise_status(st);
      goto fail;
    }
  }
  PyObject *text = net_to_text_obj(net);
  c2op_net_destroy(net);
  return text;
fail:
  Py_XDECREF(fast);
  c2op_net_destroy(net);
  return NULL;
}

/* net_from_text(text) -> (name, ops, external_inputs, external_outputs),
 * read by the library (its errors name line and column). */
static PyObject *py_net_from_text(PyObject *self, PyObject *text) {
  (void)self;
  c2op_net *net = net_from_text_obj(text);
  if (net == NULL) return NULL;
  PyObject *result = NULL;
  const int32_t nops = c2op_net_num_ops(net);
  PyObject *ops = PyList_New(nops);
  PyObject *ext_in = PyList_New(0), *ext_out = PyList_New(0);
  if (ops == NULL || ext_in == NULL || ext_out == NULL) goto done;
  for (int32_t i = 0; i < nops; i++) {
    const c2op_op_def *def = NULL;
    const c2op_status st = c2op_net_op(net, i, &def);
    if (st != C2OP_OK) {
      raise_status(st);
      goto done;
    }
    PyObject *t = op_def_to_tuple(def);
    if (t == NULL) goto done;
    PyList_SET_ITEM(ops, i, t);
  }
  for (int pass = 0; pass < 2; pass++) {
    const int32_t n = pass ? c2op_net_num_external_outputs(net) : c2op_net_num_external_inputs(net);
    for (int32_t i = 0; i < n; i++) {
      const char *blob = NULL;
      const c2op_status st =
          pass ? c2op_net_external_output(net, i, &blob) : c2op_net_external_input(net, i, &blob);
      if (st != C2OP_OK) {
        raise_status(st);
        goto done;
      }
      PyObject *s = str_from_c(blob);
      if (s == NULL || PyList_Append(pass ? ext_out : ext_in, s) < 0) {
        Py_XDECREF(s);
        goto done;
      }
      Py_DECREF(s);
    }
  }
  result = Py_BuildValue("(NOOO)", str_from_c(c2op_net_name(net)), ops, ext_in, ext_out);
done:
  Py_XDECREF(ops);
  Py_XDECREF(ext_in);
  Py_XDECREF(ext_out);
  c2op_net_destroy(net);
  return result;
}

/* net_backward(text, outputs) -> NetDef text of the backward net. */
static PyObject *py_net_backward(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *text, *outputs;
  if (!PyArg_ParseTuple(args, "UO", &text, &outputs)) return NULL;
  c2op_net *net = net_from_text_obj(text);
  if (net == NULL) return NULL;
  char **outs = NULL;
  Py_ssize_t n = 0;
  if (strings_from(outputs, "outputs must be a sequence", &outs, &n) < 0) {
    c2op_net_destroy(net);
    return NULL;
  }
  c2op_net *backward = NULL;
  const c2op_status st =
      c2op_net_build_backward(net, (int32_t)n, (const char *const *)outs, &backward);
  free_strings(outs, n);
  c2op_net_destroy(net);
  if (st != C2OP_OK) return raise_status(st);
  PyObject *r = net_to_text_obj(backward);
  c2op_net_destroy(backward);
  return r;
}

/* gradient_defs(op_tuple, output_grads or None) -> (ops, input_grads). */
static PyObject *py_gradient_defs(PyObject *self, PyObject *args) {
  (void)self;
  PyObject *tup, *grads;
  if (!PyArg_ParseTuple(args, "OO", &tup, &grads)) return NULL;
  c2op_op_def *def = op_def_from_tuple(tup);
  if (def == NULL) return NULL;
  char **g = NULL;
  Py_ssize_t ng = 0;
  const char **gp = NULL;
  if (grads != Py_None) {
    PyObject *fast = PySequence_Fast(grads, "output grads must be a sequence or None");
    if (fast == NULL) goto fail;
    ng = PySequence_Fast_GET_SIZE(fast);
    if (ng != def->num_outputs) {
      Py_DECREF(fast);
      PyErr_Format(PyExc_ValueError, "output grads: %zd names for %d outputs", ng,
                   (int)def->num_outputs);
      goto fail;
    }
    g = calloc(ng > 0 ? (size_t)ng : 1, sizeof *g);
    gp = calloc(ng > 0 ? (size_t)ng : 1, sizeof *gp);
    if (g == NULL || gp == NULL) {
      Py_DECREF(fast);
      PyErr_NoMemory();
      goto fail;
    }
    for (Py_ssize_t i = 0; i < ng; i++) {
      PyObject *item = PySequence_Fast_GET_ITEM(fast, i);
      if (item == Py_None) continue;
      PyObject *str = PyObject_Str(item);
      g[i] = str ? strdup_for_c(str, "gradient name") : NULL;
      Py_XDECREF(str);
      if (g[i] == NULL) {
        Py_DECREF(fast);
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto fail;
      }
      gp[i] = g[i];
    }
    Py_DECREF(fast);
  }
  c2op_gradient *gradient = NULL;
  const c2op_status st = c2op_get_gradient_defs(def, gp, &gradient);
  free_strings(g, ng);
  free(gp);
  g = NULL;
  gp = NULL;
  c2op_op_def_destroy(def);
  def = NULL;
  if (st != C2OP_OK) return raise_status(st);
  PyObject *ops = PyList_New(gradient->num_ops);
  PyObject *in_grads =
      ops ? strings_to_list(gradient->input_grads, gradient->num_input_grads) : NULL;
  PyObject *result = NULL;
  if (ops != NULL && in_grads != NULL) {
    int32_t i = 0;
    for (; i < gradient->num_ops; i++) {
      PyObject *t = op_def_to_tuple(gradient->ops[i]);
      if (t == NULL) break;
      PyList_SET_ITEM(ops, i, t);
    }
    if (i == gradient->num_ops) result = Py_BuildValue("(OO)", ops, in_grads);
  }
  Py_XDECREF(ops);
  Py_XDECREF(in_grads);
  c2op_gradient_destroy(gradient);
  return result;
fail:
  free_strings(g, ng);
  free(gp);
  c2op_op_def_destroy(def);
  return NULL;
}

/* ------------------------------------------------------------------------ */
/* Schemas                                                                   */
/* ------------------------------------------------------------------------ */

static PyObject *dtype_name(DLDataType t) {
  const char *base = NULL;
  switch (t.code) {
  case kDLInt: base = "int"; break;
  case kDLUInt: base = "uint"; break;
  case kDLFloat: base = "float"; break;
  case kDLBfloat: base = "bfloat"; break;
  case kDLComplex: base = "complex"; break;
  case C2OP_DL_BOOL: return PyUnicode_FromString("bool");
  default: return PyUnicode_FromFormat("dlpack(code=%d)", (int)t.code);
  }
  return PyUnicode_FromFormat("%s%d", base, (int)t.bits);
}

static PyObject *names_list(const char *const *names, int32_t n) {
  if (names == NULL) Py_RETURN_NONE;
  PyObject *list = PyList_New(n);
  if (list == NULL) return NULL;
  for (int32_t i = 0; i < n; i++) {
    PyObject *s = names[i] ? PyUnicode_FromString(names[i]) : (Py_INCREF(Py_None), Py_None);
    if (s == NULL) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, i, s);
  }
  return list;
}

/* schema(name) -> dict of everything the registry knows about the op. */
static PyObject *py_schema(PyObject *self, PyObject *arg) {
  (void)self;
  const char *name = PyUnicode_AsUTF8(arg);
  if (name == NULL) return NULL;
  const c2op_op_schema *s = NULL;
  const c2op_status st = c2op_schema_lookup(name, &s);
  if (st != C2OP_OK) return raise_status(st);
  const int32_t nin = s->max_inputs == INT32_MAX ? s->min_inputs : s->max_inputs;
  const int32_t nout = s->max_outputs == INT32_MAX ? s->min_outputs : s->max_outputs;
  PyObject *inplace = PyList_New(s->num_inplace);
  PyObject *dtypes = PyList_New(s->num_dtypes);
  if (inplace == NULL || dtypes == NULL) goto fail;
  for (int32_t i = 0; i < s->num_inplace; i++) {
    PyObject *p = Py_BuildValue("(ii)", (int)s->inplace[i].input, (int)s->inplace[i].output);
    if (p == NULL) goto fail;
    PyList_SET_ITEM(inplace, i, p);
  }
  for (int32_t i = 0; i < s->num_dtypes; i++) {
    PyObject *d = dtype_name(s->dtypes[i]);
    if (d == NULL) goto fail;
    PyList_SET_ITEM(dtypes, i, d);
  }
  c2op_kernel_fn k = NULL;
  const int has_cpu = c2op_kernel_lookup(s->name, C2OP_DEVICE_CPU, &k) == C2OP_OK;
  const int has_cuda = c2op_kernel_lookup(s->name, C2OP_DEVICE_CUDA, &k) == C2OP_OK;
  return Py_BuildValue(
      "{s:s,s:i,s:i,s:i,s:i,s:N,s:z,s:z,s:z,s:N,s:z,s:N,s:N,s:N,s:N,s:N,s:N}", "name", s->name,
      "min_inputs", (int)s->min_inputs, "max_inputs", (int)s->max_inputs, "min_outputs",
      (int)s->min_outputs, "max_outputs", (int)s->max_outputs, "inplace", inplace, "inference",
      s->inference_name, "onnx_name", s->onnx_name, "onnx_note", s->onnx_note, "dtypes", dtypes,
      "doc", s->doc, "input_names", names_list(s->input_names, nin), "input_docs",
      names_list(s->input_docs, nin), "output_names", names_list(s->output_names, nout),
      "output_docs", names_list(s->output_docs, nout), "cpu_kernel", PyBool_FromLong(has_cpu),
      "cuda_kernel", PyBool_FromLong(has_cuda));
fail:
  Py_XDECREF(inplace);
  Py_XDECREF(dtypes);
  return NULL;
}

/* schema_names() -> op names in registration order. */
static PyObject *py_schema_names(PyObject *self, PyObject *noargs) {
  (void)self;
  (void)noargs;
  const int32_t n = c2op_schema_count();
  PyObject *list = PyList_New(n);
  if (list == NULL) return NULL;
  for (int32_t i = 0; i < n; i++) {
    const c2op_op_schema *s = NULL;
    const c2op_status st = c2op_schema_at(i, &s);
    PyObject *name = st == C2OP_OK ? PyUnicode_FromString(s->name) : raise_status(st);
    if (name == NULL) {
      Py_DECREF(list);
      return NULL;
    }
    PyList_SET_ITEM(list, i, name);
  }
  return list;
}

/* ------------------------------------------------------------------------ */
/* OnesLike: seeds the output gradients of AddGradientOperators               */
/* ------------------------------------------------------------------------ */

/* Caffe2 seeds each given output's gradient with ConstantFill(value=1.0).
 * c2op op defs carry no arguments, so the seed is an op of its own,
 * registered here through the public registry: OnesLike(X) -> Y, Y of X's
 * dtype and shape, every element one. */
static c2op_status ones_like_kernel(const c2op_context *ctx, int32_t num_inputs,
                                    const DLTensor *const *inputs, int32_t num_outputs,
                                    DLTensor *const *outputs) {
  (void)ctx;
  (void)inputs;
  if (num_inputs != 1 || num_outputs != 1) return C2OP_ERR_SCHEMA_VIOLATION;
  DLTensor *y = outputs[0];
  if (y->device.device_type != kDLCPU || y->dtype.lanes != 1) return C2OP_ERR_UNSUPPORTED_DEVICE;
  int64_t n = 1;
  for (int32_t i = 0; i < y->ndim; i++) {
    if (y->strides != NULL && y->shape[i] > 1) {
      int64_t expect = 1;
      for (int32_t j = i + 1; j < y->ndim; j++)
        expect *= y->shape[j];
      if (y->strides[i] != expect) return C2OP_ERR_INVALID_ARGUMENT;
    }
    n *= y->shape[i];
  }
  /* The bytes of one in each dtype, little-endian lanes as stored. */
  unsigned char one[16] = {0};
  size_t size = (size_t)y->dtype.bits / 8;
  switch (y->dtype.code) {
  case kDLInt:
  case kDLUInt:
  case C2OP_DL_BOOL: {
    const uint64_t v = 1;
    memcpy(one, &v, size <= 8 ? size : 8);
    break;
  }
  case kDLFloat:
    if (size == 2) {
      const uint16_t h = 0x3C00;
      memcpy(one, &h, 2);
    } else if (size == 4) {
      const float f = 1.0f;
      memcpy(one, &f, 4);
    } else if (size == 8) {
      const double d = 1.0;
      memcpy(one, &d, 8);
    } else {
      return C2OP_ERR_UNSUPPORTED_DTYPE;
    }
    break;
  case kDLBfloat: {
    const uint16_t b = 0x3F80;
    if (size != 2) return C2OP_ERR_UNSUPPORTED_DTYPE;
    memcpy(one, &b, 2);
    break;
  }
  case kDLComplex:
    if (size == 8) {
      const float f = 1.0f;
      memcpy(one, &f, 4);
    } else if (size == 16) {
      const double d = 1.0;
      memcpy(one, &d, 8);
    } else {
      return C2OP_ERR_UNSUPPORTED_DTYPE;
    }
    break;
  default: return C2OP_ERR_UNSUPPORTED_DTYPE;
  }
  if (size == 0 || size > sizeof one) return C2OP_ERR_UNSUPPORTED_DTYPE;
  unsigned char *p = (unsigned char *)y->data + y->byte_offset;
  for (int64_t i = 0; i < n; i++)
    memcpy(p + (size_t)i * size, one, size);
  return C2OP_OK;
}

static const char *const ones_like_input_names[] = {"X"};
static const char *const ones_like_input_docs[] = {"any tensor: gives the shape and dtype"};
static const char *const ones_like_output_names[] = {"Y"};
static const char *const ones_like_output_docs[] = {"ones of X's shape and dtype"};

static const c2op_op_schema ones_like_schema = {
    .name = "OnesLike",
    .min_inputs = 1,
    .max_inputs = 1,
    .min_outputs = 1,
    .max_outputs = 1,
    .infer = c2op_infer_identical,
    .inference_name = "IdenticalTypeAndShape",
    .doc = "Fills Y with ones of X's shape and dtype. Registered by the c2op Python "
           "package: AddGradientOperators seeds each output's gradient with it (what "
           "Caffe2 did with ConstantFill(value=1.0)).",
    .input_names = ones_like_input_names,
    .input_docs = ones_like_input_docs,
    .output_names = ones_like_output_names,
    .output_docs = ones_like_output_docs,
};

static int register_ones_like(void) {
  const c2op_op_schema *existing = NULL;
  if (c2op_schema_lookup("OnesLike", &existing) == C2OP_OK) return 0;
  c2op_status st = c2op_register_schema(&ones_like_schema);
  if (st == C2OP_OK) st = c2op_register_kernel("OnesLike", C2OP_DEVICE_CPU, ones_like_kernel);
  if (st != C2OP_OK) {
    raise_status(st);
    return -1;
  }
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Workspace                                                                 */
/* ------------------------------------------------------------------------ */

/* A c2op workspace belongs to one thread at a time, but its calls run
 * without the GIL: each Workspace has a lock, taken and released inside
 * the GIL-free block (never held while waiting for the GIL, so no
 * deadlock). */
typedef struct {
  PyObject_HEAD c2op_workspace *ws;
  PyThread_type_lock lock;
} WorkspaceObject;

#define WS_LOCKED(self, ...)                                                                       \
  do {                                                                                             \
    Py_BEGIN_ALLOW_THREADS PyThread_acquire_lock((self)->lock, WAIT_LOCK);                         \
    __VA_ARGS__;                                                                                   \
    PyThread_release_lock((self)->lock);                                                           \
    Py_END_ALLOW_THREADS                                                                           \
  } while (0)

static int ws_init(WorkspaceObject *self, PyObject *args, PyObject *kw) {
  static char *kwlist[] = {NULL};
  if (!PyArg_ParseTupleAndKeywords(args, kw, "", kwlist)) return -1;
  if (self->lock == NULL) {
    self->lock = PyThread_allocate_lock();
    if (self->lock == NULL) {
      PyErr_NoMemory();
      return -1;
    }
  }
  c2op_workspace *fresh = NULL;
  const c2op_status st = c2op_workspace_create(&fresh);
  if (st != C2OP_OK) {
    raise_status(st);
    return -1;
  }
  c2op_workspace *old = NULL;
  WS_LOCKED(self, (old = self->ws, self->ws = fresh));
  c2op_workspace_destroy(old);
  return 0;
}

static void ws_dealloc(WorkspaceObject *self) {
  c2op_workspace_destroy(self->ws);
  if (self->lock != NULL) PyThread_free_lock(self->lock);
  Py_TYPE(self)->tp_free((PyObject *)self);
}

static int ws_ready(WorkspaceObject *self) {
  if (self->ws != NULL && self->lock != NULL) return 0;
  PyErr_SetString(PyExc_RuntimeError, "Workspace was not initialised");
  return -1;
}

/* feed(name, array, device_type=0, device_id=0): copies the array in. */
static PyObject *ws_feed(WorkspaceObject *self, PyObject *args) {
  PyObject *name_obj, *obj;
  int dev_type = C2OP_DEVICE_CPU, dev_id = 0;
  if (!PyArg_ParseTuple(args, "UO|ii", &name_obj, &obj, &dev_type, &dev_id)) return NULL;
  if (ws_ready(self) < 0) return NULL;
  const int kind = arg_kind(obj, "blob");
  tensor_view v;
  if (kind < 0 || view_any(obj, kind, "blob", 0, &v) < 0) return NULL;
  PyObject *name_b = bytes_for_c(name_obj, "blob name");
  if (name_b == NULL) {
    view_release(&v);
    return NULL;
  }
  const c2op_device_option dev = {dev_type, dev_id};
  c2op_status st;
  WS_LOCKED(self, st = c2op_workspace_feed_on(self->ws, PyBytes_AS_STRING(name_b), &v.t, &dev));
  Py_DECREF(name_b);
  view_release(&v);
  if (st != C2OP_OK) return raise_status(st);
  Py_RETURN_NONE;
}

/* NumPy type number of a DLPack dtype; -1 where NumPy has none. */
static int numpy_type_of(DLDataType t) {
  if (t.lanes != 1) return -1;
  switch (t.code) {
  case kDLInt:
    return t.bits == 8    ? NPY_INT8
           : t.bits == 16 ? NPY_INT16
           : t.bits == 32 ? NPY_INT32
           : t.bits == 64 ? NPY_INT64
                          : -1;
  case kDLUInt:
    return t.bits == 8    ? NPY_UINT8
           : t.bits == 16 ? NPY_UINT16
           : t.bits == 32 ? NPY_UINT32
           : t.bits == 64 ? NPY_UINT64
                          : -1;
  case kDLFloat:
    return t.bits == 16   ? NPY_FLOAT16
           : t.bits == 32 ? NPY_FLOAT32
           : t.bits == 64 ? NPY_FLOAT64
                          : -1;
  case kDLComplex: return t.bits == 64 ? NPY_COMPLEX64 : t.bits == 128 ? NPY_COMPLEX128 : -1;
  case C2OP_DL_BOOL: return t.bits == 8 ? NPY_BOOL : -1;
  default: return -1;
  }
}

/* Calls f(self, name) with str `arg` as the library's bytes. */
static PyObject *with_name(WorkspaceObject *self, PyObject *arg,
                           PyObject *(*f)(WorkspaceObject *, const char *)) {
  if (ws_ready(self) < 0) return NULL;
  PyObject *b = bytes_for_c(arg, "blob name");
  if (b == NULL) return NULL;
  PyObject *r = f(self, PyBytes_AS_STRING(b));
  Py_DECREF(b);
  return r;
}

/* fetch(name) -> a NumPy copy of the blob. */
static PyObject *ws_fetch_name(WorkspaceObject *self, const char *name) {
  /* The blob's type first (copied out under the lock), then an array of
   * it, then the copy: fetch_copy checks the type again, so a blob
   * replaced in between is an error, not a torn read. */
  DLDataType dtype = {0, 0, 0};
  int ndim = 0;
  npy_intp dims[C2OP_MAX_NDIM];
  c2op_status st;
  WS_LOCKED(self, {
    const DLTensor *t = NULL;
    st = c2op_workspace_fetch(self->ws, name, &t);
    if (st == C2OP_OK) {
      dtype = t->dtype;
      ndim = t->ndim;
      for (int i = 0; i < t->ndim; i++)
        dims[i] = (npy_intp)t->shape[i];
    }
  });
  if (st != C2OP_OK) return raise_status(st);
  const int type = numpy_type_of(dtype);
  if (type < 0) {
    PyErr_Format(PyExc_TypeError, "blob %s: dtype (code %d, %d bits) has no NumPy equivalent", name,
                 (int)dtype.code, (int)dtype.bits);
    return NULL;
  }
  PyArrayObject *a = (PyArrayObject *)PyArray_SimpleNew(ndim, dims, type);
  if (a == NULL) return NULL;
  tensor_view v;
  if (view_numpy(a, "fetched", 1, &v) < 0) {
    Py_DECREF(a);
    return NULL;
  }
  WS_LOCKED(self, st = c2op_workspace_fetch_copy(self->ws, name, &v.t));
  if (st != C2OP_OK) {
    Py_DECREF(a);
    return raise_status(st);
  }
  return (PyObject *)a;
}

static PyObject *ws_fetch(WorkspaceObject *self, PyObject *arg) {
  return with_name(self, arg, ws_fetch_name);
}

static PyObject *ws_has_name(WorkspaceObject *self, const char *name) {
  int has = 0;
  WS_LOCKED(self, has = c2op_workspace_has_blob(self->ws, name));
  return PyBool_FromLong(has);
}

static PyObject *ws_has(WorkspaceObject *self, PyObject *arg) {
  return with_name(self, arg, ws_has_name);
}

static PyObject *ws_blobs(WorkspaceObject *self, PyObject *noargs) {
  (void)noargs;
  if (ws_ready(self) < 0) return NULL;
  /* Names are copied out under the lock, then made into str. */
  char **names = NULL;
  int32_t n = 0;
  c2op_status st = C2OP_OK;
  WS_LOCKED(self, {
    n = c2op_workspace_num_blobs(self->ws);
    names = calloc(n > 0 ? (size_t)n : 1, sizeof *names);
    if (names == NULL) st = C2OP_ERR_OUT_OF_MEMORY;
    for (int32_t i = 0; i < n && st == C2OP_OK; i++) {
      const char *blob = NULL;
      st = c2op_workspace_blob_name(self->ws, i, &blob);
      if (st == C2OP_OK && (names[i] = strdup(blob)) == NULL) st = C2OP_ERR_OUT_OF_MEMORY;
    }
  });
  PyObject *list = NULL;
  if (st == C2OP_OK)
    list = strings_to_list(names, n);
  else if (st == C2OP_ERR_OUT_OF_MEMORY)
    PyErr_NoMemory();
  else
    raise_status(st);
  if (names != NULL) free_strings(names, n);
  return list;
}

static PyObject *ws_remove_name(WorkspaceObject *self, const char *name) {
  c2op_status st;
  WS_LOCKED(self, st = c2op_workspace_remove(self->ws, name));
  if (st != C2OP_OK) return raise_status(st);
  Py_RETURN_NONE;
}

static PyObject *ws_remove(WorkspaceObject *self, PyObject *arg) {
  return with_name(self, arg, ws_remove_name);
}

/* run_op(op_tuple): one op through the library's run_op. */
static PyObject *ws_run_op(WorkspaceObject *self, PyObject *tup) {
  if (ws_ready(self) < 0) return NULL;
  c2op_op_def *def = op_def_from_tuple(tup);
  if (def == NULL) return NULL;
  c2op_status st;
  const c2op_context *ctx = workspace_context();
  WS_LOCKED(self, st = c2op_workspace_run_op(self->ws, ctx, def));
  c2op_op_def_destroy(def);
  if (st != C2OP_OK) return raise_status(st);
  Py_RETURN_NONE;
}

/* run_net(text): reads NetDef text and runs the net. */
static PyObject *ws_run_net(WorkspaceObject *self, PyObject *text) {
  if (ws_ready(self) < 0) return NULL;
  c2op_net *net = net_from_text_obj(text);
  if (net == NULL) return NULL;
  c2op_status st;
  const c2op_context *ctx = workspace_context();
  WS_LOCKED(self, st = c2op_workspace_run_net(self->ws, ctx, net));
  c2op_net_destroy(net);
  if (st != C2OP_OK) return raise_status(st);
  Py_RETURN_NONE;
}

static PyMethodDef ws_methods[] = {
    {"feed", (PyCFunction)ws_feed, METH_VARARGS,
     "feed(name, array, device_type=0, device_id=0): copy an array into blob `name`."},
    {"fetch", (PyCFunction)ws_fetch, METH_O, "fetch(name) -> a NumPy copy of the blob."},
    {"has", (PyCFunction)ws_has, METH_O, "has(name) -> whether the blob exists."},
    {"blobs", (PyCFunction)ws_blobs, METH_NOARGS, "blobs() -> blob names, sorted."},
    {"remove", (PyCFunction)ws_remove, METH_O, "remove(name): delete a blob."},
    {"run_op", (PyCFunction)ws_run_op, METH_O,
     "run_op((type, name, inputs, outputs, is_gradient_op, device_type, device_id))."},
    {"run_net", (PyCFunction)ws_run_net, METH_O, "run_net(netdef_text): run every op in order."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject WorkspaceType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "c2op._c2op.Workspace",
    .tp_basicsize = sizeof(WorkspaceObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A c2op workspace: named blobs that own their tensors.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)ws_init,
    .tp_dealloc = (destructor)ws_dealloc,
    .tp_methods = ws_methods,
};

/* ------------------------------------------------------------------------ */
/* Module                                                                    */
/* ------------------------------------------------------------------------ */

static PyObject *py_build_info(PyObject *self, PyObject *noargs) {
  (void)self;
  (void)noargs;
  return Py_BuildValue("{s:s,s:s,s:O}", "version", c2op_version_string(), "cpu_isa",
                       c2op_cpu_isa_name(), "cuda", c2op_has_cuda() ? Py_True : Py_False);
}

static PyMethodDef module_methods[] = {
    {"negative", (PyCFunction)(void (*)(void))py_negative, METH_FASTCALL | METH_KEYWORDS,
     "negative(x, out=None) -> y = -x, elementwise (Caffe2 Negative, ONNX Neg).\n\n"
     "x: a NumPy array, anything with __dlpack__ (PyTorch, CuPy, JAX) or the buffer\n"
     "protocol; zero-copy. out: an array of x's shape and dtype to write (out=x works\n"
     "in place); when None, a new array of x's kind is returned. Raises TypeError for\n"
     "an unsupported dtype (bool: use logical not), ValueError for shapes, layouts and\n"
     "overlap rules, RuntimeError otherwise, with the library's message."},
    {"negate_gradient", (PyCFunction)(void (*)(void))py_negate_gradient,
     METH_FASTCALL | METH_KEYWORDS,
     "negate_gradient(x, out=None) -> y = x (Caffe2 NegateGradient's forward: a copy;\n"
     "its gradient negates). Same arguments and errors as negative()."},
    {"set_num_threads", py_set_num_threads, METH_O,
     "set_num_threads(n): CPU threads each kernel call may use from now on. n >= 1: that\n"
     "many (1 keeps every call on the calling thread); 0: the library's automatic choice\n"
     "for every size (C2OP_NUM_THREADS if set, else the CPU count, from its\n"
     "C2OP_PARALLEL_MIN_BYTES on); None (the default): one thread below\n"
     "parallel_min_bytes() (64 MiB; C2OP_PY_PARALLEL_MIN_BYTES), the library's choice above."},
    {"get_num_threads", py_get_num_threads, METH_NOARGS,
     "get_num_threads() -> the setting of set_num_threads (None = the package default)."},
    {"parallel_min_bytes", py_parallel_min_bytes, METH_NOARGS,
     "parallel_min_bytes() -> the size from which the package default uses threads."},
    {"_set_alloc_hook", py_set_alloc_hook, METH_O, NULL},
    {"net_to_text", py_net_to_text, METH_VARARGS,
     "net_to_text(name, ops, external_inputs, external_outputs) -> NetDef text."},
    {"net_from_text", py_net_from_text, METH_O,
     "net_from_text(text) -> (name, ops, external_inputs, external_outputs)."},
    {"net_backward", py_net_backward, METH_VARARGS,
     "net_backward(text, outputs) -> NetDef text of the backward net."},
    {"gradient_defs", py_gradient_defs, METH_VARARGS,
     "gradient_defs(op, output_grads) -> (gradient ops, input gradient names)."},
    {"schema", py_schema, METH_O, "schema(op) -> dict describing the op's schema."},
    {"schema_names", py_schema_names, METH_NOARGS, "schema_names() -> registered op names."},
    {"build_info", py_build_info, METH_NOARGS, "build_info() -> version, CPU ISA, CUDA."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "c2op._c2op",
    "c2op's C extension (see the c2op package).",
    -1,
    module_methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__c2op(void) {
  import_array();
  if (PyType_Ready(&WorkspaceType) < 0) return NULL;
  if (register_ones_like() < 0) return NULL;
  if (context_with(1) == NULL) return NULL;
  /* The library's rule for its byte counts (README, "CPU speed and its
   * settings"): decimal digits only, a value past 2^63-1 read as 2^63-1,
   * anything else (empty, a sign, a space, a suffix) leaves the default. */
  const char *env = getenv("C2OP_PY_PARALLEL_MIN_BYTES");
  if (env != NULL && *env != '\0') {
    long long v = 0;
    const char *c = env;
    for (; *c >= '0' && *c <= '9'; c++)
      v = v > (LLONG_MAX - (*c - '0')) / 10 ? LLONG_MAX : v * 10 + (*c - '0');
    if (*c == '\0') parallel_min_bytes = v;
  }
  PyObject *m = PyModule_Create(&module_def);
  if (m == NULL) return NULL;
  Py_INCREF(&WorkspaceType);
  if (PyModule_AddObject(m, "Workspace", (PyObject *)&WorkspaceType) < 0) {
    Py_DECREF(&WorkspaceType);
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
