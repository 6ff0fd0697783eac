/*
 * numpy_peer.c - NumPy's numpy.negative as c2op-bench measures it: NumPy's
 * own C inner loop for the dtype, taken from the ufunc's loop table in an
 * embedded Python, and called the way NumPy's iterator calls it.
 *
 * numpy.negative(x, out=y) spends its time in two parts: the Python entry
 * (argument parsing, type resolution, iterator setup: about 0.5 us, which
 * bench/bench_python.py measures and reports) and the inner loop, a C
 * function `loop(args, dimensions, steps, data)` over one strided dimension.
 * This peer times the second part alone, C against C. The iterator's choice
 * is reproduced for the 2-D tensors c2op-bench makes: the two dimensions are
 * taken in memory order (the smaller stride inside, as NumPy's K order
 * does), and when both x and y coalesce into one dimension the loop runs
 * once over every element; otherwise once per outer index (padded rows).
 * The iterator's own per-row cost is left out, in NumPy's favour.
 *
 * NumPy is single-threaded: rows with more threads are refused.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>
#include <numpy/ufuncobject.h>

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "peer.h"

static PyUFuncObject *g_negative;
static char g_version[64];

static int numpy_open(const char **version, char *why, size_t why_len) {
  /* NumPy's extension modules take Python's symbols from the global scope;
   * c2op-bench loads this module locally, so promote libpython first. */
  Dl_info info;
  if (dladdr((void *)&_Py_NoneStruct, &info) && info.dli_fname)
    (void)dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  /* NumPy's import loads OpenBLAS, which would start a thread per CPU. */
  setenv("OPENBLAS_NUM_THREADS", "1", 0);
  if (!Py_IsInitialized()) Py_InitializeEx(0);
  PyObject *np = PyImport_ImportModule("numpy");
  if (!np) {
    PyErr_Clear();
    snprintf(why, why_len, "the embedded Python (%s) cannot import numpy", Py_GetVersion());
    return 1;
  }
  PyObject *neg = PyObject_GetAttrString(np, "negative");
  PyObject *ver = PyObject_GetAttrString(np, "__version__");
  const char *v = ver ? PyUnicode_AsUTF8(ver) : NULL;
  snprintf(g_version, sizeof g_version, "%s", v ? v : "?");
  Py_XDECREF(ver);
  Py_DECREF(np);
  /* (PyUFunc_Type itself would need NumPy's C API table, import_umath.) */
  if (!neg || strcmp(Py_TYPE(neg)->tp_name, "numpy.ufunc") != 0) {
    PyErr_Clear();
    Py_XDECREF(neg);
    snprintf(why, why_len, "numpy.negative is not a ufunc");
    return 1;
  }
  g_negative = (PyUFuncObject *)neg;
  *version = g_version;
  return 0;
}

/* The DLPack dtypes c2op-bench uses, as NumPy type numbers. */
static int npy_type_of(DLDataType t) {
  if (t.lanes != 1) return -1;
  if (t.code == kDLInt && t.bits == 8) return NPY_BYTE;
  if (t.code == kDLFloat && t.bits == 16) return NPY_HALF;
  if (t.code == kDLFloat && t.bits == 32) return NPY_FLOAT;
  if (t.code == kDLFloat && t.bits == 64) return NPY_DOUBLE;
  if (t.code == kDLComplex && t.bits == 128) return NPY_CDOUBLE;
  return -1;
}

typedef struct {
  PyUFuncGenericFunction loop;
  void *data;
  char *x, *y;
  npy_intp outer, inner;              /* outer iterations, inner elements */
  npy_intp xouter, youter;            /* byte steps of the outer dimension */
  npy_intp steps[2];                  /* byte steps of the inner dimension */
} numpy_call;

static int numpy_prepare(const DLTensor *x, const DLTensor *y, int threads, void **out,
                         char *why, size_t why_len) {
  if (threads != 1) {
    snprintf(why, why_len, "NumPy runs one thread");
    return 1;
  }
  const int type = npy_type_of(x->dtype);
  PyUFuncGenericFunction loop = NULL;
  void *data = NULL;
  for (int i = 0; type >= 0 && i < g_negative->ntypes; i++)
    if (g_negative->types[2 * i] == type && g_negative->types[2 * i + 1] == type) {
      loop = g_negative->functions[i];
      data = g_negative->data ? g_negative->data[i] : NULL;
    }
  if (!loop) {
    snprintf(why, why_len, "no numpy.negative loop for this dtype");
    return 1;
  }
  if (x->ndim < 1 || x->ndim > 2 || y->ndim != x->ndim) {
    snprintf(why, why_len, "1-D and 2-D tensors only");
    return 1;
  }
  const npy_intp es = (npy_intp)(x->dtype.bits / 8);
  npy_intp shape[2] = {1, 1}, xs[2] = {0, es}, ys[2] = {0, es};
  for (int d = 0; d < x->ndim; d++) {
    const int k = d + 2 - x->ndim;
    shape[k] = (npy_intp)x->shape[d];
    xs[k] = x->strides ? (npy_intp)x->strides[d] * es : 0;
    ys[k] = y->strides ? (npy_intp)y->strides[d] * es : 0;
  }
  if (!x->strides) xs[1] = es, xs[0] = shape[1] * es;
  if (!y->strides) ys[1] = es, ys[0] = shape[1] * es;
  /* Memory order: the dimension with the smaller x stride inside. */
  int in = 1, outd = 0;
  if (shape[0] > 1 && shape[1] > 1 && labs((long)xs[0]) < labs((long)xs[1])) in = 0, outd = 1;
  numpy_call *c = calloc(1, sizeof *c);
  if (!c) {
    snprintf(why, why_len, "out of memory");
    return 1;
  }
  c->loop = loop;
  c->data = data;
  c->x = (char *)x->data + x->byte_offset;
  c->y = (char *)y->data + y->byte_offset;
  c->steps[0] = xs[in];
  c->steps[1] = ys[in];
  c->inner = shape[in];
  c->outer = shape[outd];
  c->xouter = xs[outd];
  c->youter = ys[outd];
  /* Coalesce when the outer step continues the inner one for both. */
  if (c->outer == 1 ||
      (xs[outd] == xs[in] * shape[in] && ys[outd] == ys[in] * shape[in])) {
    c->inner *= c->outer;
    c->outer = 1;
  }
  *out = c;
  return 0;
}

static int numpy_run(void *call) {
  numpy_call *c = call;
  char *args[2] = {c->x, c->y};
  for (npy_intp i = 0; i < c->outer; i++) {
    c->loop(args, &c->inner, c->steps, c->data);
    args[0] += c->xouter;
    args[1] += c->youter;
  }
  return 0;
}

static void numpy_release(void *call) {
  free(call);
}

__attribute__((visibility("default"))) const c2op_bench_peer c2op_bench_peer_entry = {
    C2OP_BENCH_PEER_ABI, "numpy", numpy_open, numpy_prepare, numpy_run, numpy_release,
};
