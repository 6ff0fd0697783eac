/*
 * test_cli.c - the c2op command line, run as a real process.
 *
 * Usage: test_cli PATH/TO/c2op [SCRATCH_DIR]
 *
 * Input .npy files are written here by the test's own writer (headers in
 * several styles and format versions); the expected output bytes are
 * computed here too: NumPy's header (format.py's rules, written out
 * independently) and data negated element by element by the scalar
 * reference (tests/reference.h), byte order handled by the test. Covers
 * every dtype, byte order and memory order, 0-d and empty arrays, files
 * larger than the chunk, in-place rewriting, every malformed-file case with
 * the output left absent or untouched, usage errors and --help, the NetDef
 * reader's messages through `c2op net`, net --backward (X_grad = -Y_grad),
 * schema, grad and version, and (release builds) peak memory on a file
 * larger than the bound.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reference.h"

static const char *cli;    /* the binary */
static char scratch[4096]; /* a private folder for files */
static uint64_t rng;

/* ------------------------------------------------------------------------ */
/* Files and processes                                                       */
/* ------------------------------------------------------------------------ */

typedef struct {
  unsigned char *bytes;
  size_t len, cap;
} blob;

static void blob_free(blob *b) {
  free(b->bytes);
  b->bytes = NULL;
  b->len = b->cap = 0;
}

static void blob_put(blob *b, const void *p, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    unsigned char *g = realloc(b->bytes, cap);
    if (!g) {
      TEST_FAIL_("out of memory");
      return;
    }
    b->bytes = g;
    b->cap = cap;
  }
  if (n) memcpy(b->bytes + b->len, p, n);
  b->len += n;
  b->bytes[b->len] = 0;
}

static const char *path_of(const char *name) {
  static char buf[16][4096 + 512];
  static int k;
  k = (k + 1) % 16;
  snprintf(buf[k], sizeof buf[k], "%s/%s", scratch, name);
  return buf[k];
}

static int write_file(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    TEST_FAIL_("cannot write %s: %s", path, strerror(errno));
    return -1;
  }
  int ok = (n == 0 || fwrite(p, 1, n, f) == n);
  ok = (fclose(f) == 0) && ok;
  if (!ok) TEST_FAIL_("cannot write %s", path);
  return ok ? 0 : -1;
}

/* Reads a file; 0, or -1 if it does not exist. */
static int read_file(const char *path, blob *out) {
  memset(out, 0, sizeof *out);
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    blob_put(out, buf, n);
  fclose(f);
  if (!out->bytes) blob_put(out, "", 0);
  return 0;
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* Names of files in the scratch folder that look like c2op temporaries. */
static void check_no_temporaries(const char *context) {
  DIR *d = opendir(scratch);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".c2op-"))
      TEST_FAIL_("%s: temporary file %s left behind", context, e->d_name);
  closedir(d);
}

typedef struct {
  int code; /* exit status, or 128 + signal */
  blob out, err;
  long maxrss_kib;
} result;

static void result_free(result *r) {
  blob_free(&r->out);
  blob_free(&r->err);
}

/* Runs the binary with args (NULL-terminated); stdin from `input` (NULL:
 * /dev/null). */
static result run_argv(const char *const *args, const blob *input) {
  result r;
  memset(&r, 0, sizeof r);
  r.code = -1;
  char outp[4096 + 32], errp[4096 + 32];
  snprintf(outp, sizeof outp, "%s/.stdout", scratch);
  snprintf(errp, sizeof errp, "%s/.stderr", scratch);
  int pipefd[2] = {-1, -1};
  if (input && pipe(pipefd) != 0) {
    TEST_FAIL_("pipe: %s", strerror(errno));
    return r;
  }
  const char *argv[64];
  int n = 0;
  argv[n++] = cli;
  for (int i = 0; args[i] && n < 63; i++)
    argv[n++] = args[i];
  argv[n] = NULL;
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    int fo = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fi = input ? pipefd[0] : open("/dev/null", O_RDONLY);
    if (fo < 0 || fe < 0 || fi < 0) _exit(126);
    dup2(fo, 1);
    dup2(fe, 2);
    dup2(fi, 0);
    if (input) close(pipefd[1]);
    execv(cli, (char *const *)argv);
    _exit(127);
  }
  if (pid < 0) {
    TEST_FAIL_("fork: %s", strerror(errno));
    return r;
  }
  if (input) {
    close(pipefd[0]);
    /* Inputs here are smaller than a pipe's buffer or read promptly. */
    size_t off = 0;
    while (off < input->len) {
      ssize_t w = write(pipefd[1], input->bytes + off, input->len - off);
      if (w <= 0) break; /* the child stopped reading: fine for error cases */
      off += (size_t)w;
    }
    close(pipefd[1]);
  }
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.maxrss_kib = ru.ru_maxrss;
  read_file(outp, &r.out);
  read_file(errp, &r.err);
  unlink(outp);
  unlink(errp);
  return r;
}

#define RUN_CLI(...) run_argv((const char *const[]){__VA_ARGS__, NULL}, NULL)

static const char *text_of(const blob *b) {
  return b->bytes ? (const char *)b->bytes : "";
}

#define CHECK_EXIT(r, expected)                                                                    \
  do {                                                                                             \
    if ((r).code != (expected))                                                                    \
      TEST_FAIL_("exit %d, expected %d; stderr: %s", (r).code, (expected), text_of(&(r).err));     \
  } while (0)

/* ------------------------------------------------------------------------ */
/* .npy files, written and predicted by the test                             */
/* ------------------------------------------------------------------------ */

static int host_big(void) {
  uint16_t one = 1;
  unsigned char c;
  memcpy(&c, &one, 1);
  return c == 0;
}

/* descr kind letter and size of a dtype; 0 if none. */
static char kind_of(DLDataType dt) {
  switch (dt.code) {
  case kDLInt: return 'i';
  case kDLUInt: return 'u';
  case kDLFloat: return 'f';
  case kDLComplex: return 'c';
  case C2OP_DL_BOOL: return 'b';
  default: return 0;
  }
}

/* What NumPy's np.save writes as descr for the dtype in the given order. */
static void numpy_descr(DLDataType dt, int big, char *out, size_t size) {
  size_t es = ref_elem_size(dt);
  if (dt.code == kDLBfloat) {
    snprintf(out, size, "bfloat16");
    return;
  }
  snprintf(out, size, "%c%c%zu", es == 1 ? '|' : big ? '>' : '<', kind_of(dt), es);
}

static void shape_repr(int ndim, const int64_t *shape, char *out, size_t size) {
  size_t k = (size_t)snprintf(out, size, "(");
  for (int i = 0; i < ndim; i++)
    k += (size_t)snprintf(out + k, size - k, "%s%lld", i ? ", " : "", (long long)shape[i]);
  snprintf(out + k, size - k, ndim == 1 ? ",)" : ")");
}

/* The file NumPy's np.save would write (numpy/lib/format.py: header dict
 * with sorted keys, 21 - len(str(growth-axis dim)) spare spaces, padding to
 * 64 bytes, version 1.0 when the header length fits 16 bits). */
static void numpy_file_header(const char *descr, int fortran, int ndim, const int64_t *shape,
                              blob *out) {
  int64_t numel = 1, big_dims = 0;
  for (int i = 0; i < ndim; i++) {
    numel *= shape[i];
    big_dims += shape[i] > 1;
  }
  int f = fortran && numel > 0 && big_dims > 1; /* C-contiguous arrays say False */
  char shp[1024], dict[2048];
  shape_repr(ndim, shape, shp, sizeof shp);
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                   f ? "True" : "False", shp);
  if (ndim > 0) {
    char d[32];
    int len = snprintf(d, sizeof d, "%lld", (long long)shape[f ? ndim - 1 : 0]);
    while (len++ < 21)
      dict[n++] = ' ';
    dict[n] = 0;
  }
  size_t hlen = (size_t)n + 1;
  size_t pad = 64 - (10 + hlen) % 64;
  unsigned char pre[10] = {0x93,
                           'N',
                           'U',
                           'M',
                           'P',
                           'Y',
                           1,
                           0,
                           (unsigned char)((hlen + pad) & 255),
                           (unsigned char)((hlen + pad) >> 8)};
  blob_put(out, pre, 10);
  blob_put(out, dict, (size_t)n);
  for (size_t i = 0; i < pad; i++)
    blob_put(out, " ", 1);
  blob_put(out, "\n", 1);
}

/* A header in one of several styles real files have:
 *  0: NumPy's own (as above); 1: old NumPy (no spare spaces, 16-byte
 *  alignment); 2: format 2.0; 3: format 3.0; 4: double quotes, odd spacing,
 *  no trailing comma, keys in another order, old 'L' suffixes. */
static void styled_header(int style, const char *descr, int fortran, int ndim, const int64_t *shape,
                          blob *out) {
  if (style == 0) {
    numpy_file_header(descr, fortran, ndim, shape, out);
    return;
  }
  char shp[1024], dict[2048];
  int n;
  if (style == 4) {
    size_t k = (size_t)snprintf(shp, sizeof shp, "(");
    for (int i = 0; i < ndim; i++)
      k += (size_t)snprintf(shp + k, sizeof shp - k, "%s%lldL", i ? "," : "", (long long)shape[i]);
    snprintf(shp + k, sizeof shp - k, ndim == 1 ? ",)" : ")");
    n = snprintf(dict, sizeof dict, "{ \"shape\":%s,\"fortran_order\" : %s ,  'descr':\"%s\"}", shp,
                 fortran ? "True" : "False", descr);
  } else {
    shape_repr(ndim, shape, shp, sizeof shp);
    n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                 fortran ? "True" : "False", shp);
  }
  int version = style == 2 ? 2 : style == 3 ? 3 : 1;
  size_t prefix = version == 1 ? 10 : 12;
  size_t align = style == 1 ? 16 : 64;
  size_t hlen = (size_t)n + 1;
  size_t pad = (align - (prefix + hlen) % align) % align;
  unsigned char pre[12] = {0x93, 'N', 'U', 'M', 'P', 'Y', (unsigned char)version, 0};
  size_t total = hlen + pad;
  for (size_t i = 0; i < prefix - 8; i++)
    pre[8 + i] = (unsigned char)(total >> (8 * i));
  blob_put(out, pre, prefix);
  blob_put(out, dict, (size_t)n);
  for (size_t i = 0; i < pad; i++)
    blob_put(out, " ", 1);
  blob_put(out, "\n", 1);
}

/* Swaps the bytes of one element in place for a file of the other byte
 * order (complex: each part on its own). */
static void swap_element(DLDataType dt, unsigned char *p) {
  size_t es = ref_elem_size(dt), unit = dt.code == kDLComplex ? es / 2 : es;
  for (size_t off = 0; off < es; off += unit)
    for (size_t i = 0; i < unit / 2; i++) {
      unsigned char t = p[off + i];
      p[off + i] = p[off + unit - 1 - i];
      p[off + unit - 1 - i] = t;
    }
}

/* Random element bytes in host order, with special values now and then. */
static void random_element(DLDataType dt, unsigned char *p) {
  size_t es = ref_elem_size(dt);
  for (size_t i = 0; i < es; i++)
    p[i] = (unsigned char)test_rand_next(&rng);
  int64_t pick = test_rand_range(&rng, 0, 9);
  if (dt.code == C2OP_DL_BOOL) {
    p[0] = (unsigned char)(p[0] & 1);
  } else if (pick == 0) {
    memset(p, 0, es); /* +0, or zero integers */
  } else if (pick == 1 && (dt.code == kDLInt || dt.code == kDLUInt)) {
    memset(p, 0, es); /* INT_MIN / 2^(bits-1) */
    p[host_big() ? 0 : es - 1] = 0x80;
  } else if (pick == 2 && dt.code == kDLFloat && dt.bits == 32) {
    uint32_t nan = 0x7FC01234u; /* a NaN with payload */
    memcpy(p, &nan, 4);
  } else if (pick == 3 && dt.code == kDLFloat && dt.bits == 64) {
    double z = -0.0;
    memcpy(p, &z, 8);
  }
}

typedef struct {
  DLDataType dt;
  int big, fortran, ndim, style;
  int64_t shape[8];
  int64_t numel;
  blob file;     /* the input file */
  blob expected; /* the output NumPy would save */
} npy_case;

/* Builds input and expected output for op over random data. */
static void make_case(npy_case *c, ref_op op) {
  char descr[32];
  numpy_descr(c->dt, c->big, descr, sizeof descr);
  c->numel = 1;
  for (int i = 0; i < c->ndim; i++)
    c->numel *= c->shape[i];
  memset(&c->file, 0, sizeof c->file);
  memset(&c->expected, 0, sizeof c->expected);
  styled_header(c->style, descr, c->fortran, c->ndim, c->shape, &c->file);
  numpy_file_header(descr, c->fortran, c->ndim, c->shape, &c->expected);
  size_t es = ref_elem_size(c->dt);
  const int swap = c->big != host_big() && es > 1;
  for (int64_t i = 0; i < c->numel; i++) {
    unsigned char x[16], y[16];
    random_element(c->dt, x);
    if (op == REF_OP_NEGATIVE)
      ref_negate_element(c->dt, x, y);
    else
      memcpy(y, x, es);
    if (swap) {
      swap_element(c->dt, x);
      swap_element(c->dt, y);
    }
    blob_put(&c->file, x, es);
    blob_put(&c->expected, y, es);
  }
}

/* A 1-D case of n elements of dt, C order, host byte order. */
static void make_1d_case(npy_case *c, DLDataType dt, int64_t n, ref_op op) {
  memset(c, 0, sizeof *c);
  c->dt = dt;
  c->ndim = 1;
  c->shape[0] = n;
  make_case(c, op);
}

static void case_free(npy_case *c) {
  blob_free(&c->file);
  blob_free(&c->expected);
}

static const char *case_name(const npy_case *c, char *buf, size_t size) {
  char shp[128];
  shape_repr(c->ndim, c->shape, shp, sizeof shp);
  snprintf(buf, size, "%s %s %s %.100s style %d", ref_dtype_name(c->dt),
           c->big ? "big-endian" : "little-endian", c->fortran ? "Fortran" : "C", shp, c->style);
  return buf;
}

/* Compares a file with the expected bytes, reporting the first difference. */
static void check_file_equals(const char *path, const blob *want, const char *what) {
  blob got;
  if (read_file(path, &got) != 0) {
    TEST_FAIL_("%s: %s was not written", what, path);
    return;
  }
  if (got.len != want->len) {
    TEST_FAIL_("%s: %zu bytes, expected %zu", what, got.len, want->len);
  } else {
    for (size_t i = 0; i < got.len; i++) {
      if (got.bytes[i] != want->bytes[i]) {
        TEST_FAIL_("%s: byte %zu is 0x%02x, expected 0x%02x", what, i, got.bytes[i],
                   want->bytes[i]);
        break;
      }
    }
  }
  blob_free(&got);
}

/* Runs `c2op run OP in -o out` on the case and checks the output bytes. */
static void check_run_case(npy_case *c, ref_op op, const char *extra_opt, const char *extra_val) {
  char name[256];
  case_name(c, name, sizeof name);
  const char *in = path_of("in.npy"), *out = path_of("out.npy");
  unlink(out);
  if (write_file(in, c->file.bytes, c->file.len) != 0) return;
  const char *opname = op == REF_OP_NEGATIVE ? "Negative" : "NegateGradient";
  result r = extra_opt ? RUN_CLI("run", opname, in, "-o", out, extra_opt, extra_val)
                       : RUN_CLI("run", opname, in, "-o", out);
  if (r.code != 0)
    TEST_FAIL_("%s %s: exit %d: %s", opname, name, r.code, text_of(&r.err));
  else
    check_file_equals(out, &c->expected, name);
  result_free(&r);
}

/* {ndim, dims...} */
static const int64_t shapes[][4] = {{1, 7},       {2, 3, 5},    {2, 4, 3},
                                    {3, 2, 1, 4}, {3, 2, 3, 4}, {2, 1, 9}};
#define NUM_SHAPES ((int)(sizeof shapes / sizeof shapes[0]))

/* ------------------------------------------------------------------------ */
/* run                                                                       */
/* ------------------------------------------------------------------------ */

static void run_negates_every_dtype_byte_order_and_memory_order(void) {
  for (int d = 0; d < REF_NUM_NEGATIVE_DTYPES; d++) {
    DLDataType dt = ref_negative_dtypes[d];
    for (int big = 0; big < 2; big++) {
      if (dt.code == kDLBfloat && big != host_big()) continue; /* 'bfloat16' is host order */
      for (int fortran = 0; fortran < 2; fortran++) {
        npy_case c;
        memset(&c, 0, sizeof c);
        c.dt = dt;
        c.big = big;
        c.fortran = fortran;
        int s = (int)test_rand_range(&rng, 0, NUM_SHAPES - 1);
        c.ndim = (int)shapes[s][0];
        for (int i = 0; i < c.ndim; i++)
          c.shape[i] = shapes[s][i + 1];
        c.style = (int)test_rand_range(&rng, 0, 4);
        make_case(&c, REF_OP_NEGATIVE);
        check_run_case(&c, REF_OP_NEGATIVE, NULL, NULL);
        case_free(&c);
      }
    }
  }
}

static void run_negate_gradient_copies_every_dtype(void) {
  for (int d = 0; d < REF_NUM_COPY_DTYPES; d++) {
    for (int big = 0; big < 2; big++) {
      DLDataType dt = ref_copy_dtypes[d];
      if (dt.code == kDLBfloat && big != host_big()) continue;
      npy_case c;
      memset(&c, 0, sizeof c);
      c.dt = dt;
      c.big = big;
      c.fortran = big;
      c.ndim = 2;
      c.shape[0] = 3;
      c.shape[1] = 5;
      c.style = (int)test_rand_range(&rng, 0, 4);
      make_case(&c, REF_OP_COPY);
      check_run_case(&c, REF_OP_COPY, NULL, NULL);
      case_free(&c);
    }
  }
}

static void run_handles_0d_and_empty_arrays(void) {
  static const int64_t empty_shapes[][3] = {{0, 0, 0}, {3, 0, 0}, {0, 4, 0}, {2, 0, 5}};
  static const int empty_ndims[] = {1, 2, 2, 3};
  DLDataType dts[] = {ref_dt(kDLFloat, 32), ref_dt(kDLInt, 64), ref_dt(kDLComplex, 128),
                      ref_dt(kDLUInt, 8)};
  for (int k = 0; k < 4; k++) {
    for (int fortran = 0; fortran < 2; fortran++) {
      npy_case c; /* 0-d */
      memset(&c, 0, sizeof c);
      c.dt = dts[k];
      c.big = k % 2;
      c.fortran = fortran;
      c.ndim = 0;
      c.style = k;
      make_case(&c, REF_OP_NEGATIVE);
      check_run_case(&c, REF_OP_NEGATIVE, NULL, NULL);
      case_free(&c);
      for (int e = 0; e < 4; e++) {
        memset(&c, 0, sizeof c);
        c.dt = dts[k];
        c.big = e % 2;
        c.fortran = fortran;
        c.ndim = empty_ndims[e];
        for (int i = 0; i < c.ndim; i++)
          c.shape[i] = empty_shapes[e][i];
        c.style = e;
        make_case(&c, REF_OP_NEGATIVE);
        check_run_case(&c, REF_OP_NEGATIVE, NULL, NULL);
        case_free(&c);
      }
    }
  }
}

static void run_streams_files_larger_than_the_chunk(void) {
  /* Tiny chunks (including sizes that are not a multiple of the element),
   * then the default chunk on a file of a few MiB. */
  struct {
    DLDataType dt;
    int64_t n;
    const char *chunk;
  } cases[] = {
      {ref_dt(kDLFloat, 32), 100003, "4096"}, {ref_dt(kDLComplex, 128), 5001, "100"},
      {ref_dt(kDLInt, 16), 77777, "1"},       {ref_dt(kDLFloat, 64), 3 * 131072 + 5, NULL},
      {ref_dt(kDLUInt, 8), 20000, "7K"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    npy_case c;
    memset(&c, 0, sizeof c);
    c.dt = cases[i].dt;
    c.big = (int)(i % 2);
    c.fortran = 0;
    c.ndim = 1;
    c.shape[0] = cases[i].n;
    make_case(&c, REF_OP_NEGATIVE);
    check_run_case(&c, REF_OP_NEGATIVE, cases[i].chunk ? "--chunk-bytes" : NULL, cases[i].chunk);
    case_free(&c);
  }
}

static void run_reads_v2_data_as_bfloat16_when_asked(void) {
  /* NumPy with ml_dtypes saves bfloat16 as '<V2', NumPy's own void as
   * '|V2'. The output keeps the descr, so that they read it back (bare
   * 'V2' is written as NumPy writes it, '|V2'). */
  static const struct {
    const char *in, *out;
  } descrs[] = {{"<V2", "<V2"}, {"|V2", "|V2"}, {"V2", "|V2"}};
  for (size_t d = 0; d < sizeof descrs / sizeof descrs[0]; d++) {
    int64_t shape[1] = {9};
    blob in = {0}, want = {0};
    styled_header(0, descrs[d].in, 0, 1, shape, &in);
    numpy_file_header(descrs[d].out, 0, 1, shape, &want);
    for (int i = 0; i < 9; i++) {
      unsigned char x[16], y[16];
      random_element(ref_dt(kDLBfloat, 16), x);
      ref_negate_element(ref_dt(kDLBfloat, 16), x, y);
      blob_put(&in, x, 2);
      blob_put(&want, y, 2);
    }
    const char *inp = path_of("v2.npy"), *out = path_of("v2_out.npy");
    write_file(inp, in.bytes, in.len);
    result r = RUN_CLI("run", "Negative", inp, "-o", out);
    CHECK_EXIT(r, 1);
    CHECK_CONTAINS(text_of(&r.err), "--bfloat16");
    result_free(&r);
    r = RUN_CLI("run", "Negative", inp, "-o", out, "--bfloat16");
    CHECK_EXIT(r, 0);
    check_file_equals(out, &want, descrs[d].in);
    result_free(&r);
    if (d == 0) { /* net --bfloat16 writes its bfloat16 fetches as '<V2' too */
      const char *net = path_of("neg_bf16.pbtxt"), *yp = path_of("v2_net_out.npy");
      static const char text[] = "op { input: 'X' output: 'Y' type: 'Negative' }\n";
      write_file(net, text, sizeof text - 1);
      char feed[4700], fetch[4700];
      snprintf(feed, sizeof feed, "X=%s", inp);
      snprintf(fetch, sizeof fetch, "Y=%s", yp);
      r = RUN_CLI("net", net, "--feed", feed, "--fetch", fetch, "--bfloat16");
      CHECK_EXIT(r, 0);
      check_file_equals(yp, &want, "net --bfloat16 output");
      result_free(&r);
    }
    blob_free(&in);
    blob_free(&want);
  }
}

static void run_in_place_rewrites_the_file_and_keeps_its_mode(void) {
  npy_case c;
  memset(&c, 0, sizeof c);
  c.dt = ref_dt(kDLFloat, 32);
  c.big = 1;
  c.fortran = 1;
  c.ndim = 2;
  c.shape[0] = 40;
  c.shape[1] = 33;
  c.style = 1; /* old header style: the rewrite changes the header's length */
  make_case(&c, REF_OP_NEGATIVE);
  const char *in = path_of("inplace.npy");
  write_file(in, c.file.bytes, c.file.len);
  chmod(in, 0640);
  result r = RUN_CLI("run", "Negative", in, "--in-place", "--chunk-bytes", "1000");
  CHECK_EXIT(r, 0);
  check_file_equals(in, &c.expected, "in place");
  struct stat st;
  if (stat(in, &st) == 0) CHECK_EQ_INT(st.st_mode & 0777, 0640);
  result_free(&r);
  /* -o naming the input itself is the same. */
  r = RUN_CLI("run", "Negative", in, "-o", in);
  CHECK_EXIT(r, 0);
  blob back;
  if (read_file(in, &back) == 0) {
    /* Negating twice gives the input's data back under NumPy's header. */
    blob want = {0};
    char descr[16];
    numpy_descr(c.dt, c.big, descr, sizeof descr);
    numpy_file_header(descr, 1, 2, c.shape, &want);
    size_t hdr = c.file.len - (size_t)c.numel * 4;
    blob_put(&want, c.file.bytes + hdr, (size_t)c.numel * 4);
    check_file_equals(in, &want, "negated twice");
    blob_free(&want);
    blob_free(&back);
  }
  result_free(&r);
  /* Through a symlink: the file it names is rewritten, the link stays. */
  const char *link = path_of("link.npy");
  unlink(link);
  if (symlink(in, link) == 0) {
    r = RUN_CLI("run", "Negative", link, "--in-place");
    CHECK_EXIT(r, 0);
    struct stat lst;
    CHECK(lstat(link, &lst) == 0 && S_ISLNK(lst.st_mode));
    check_file_equals(in, &c.expected, "in place through a symlink");
    result_free(&r);
    unlink(link);
  }
  check_no_temporaries("in place");
  unlink(in);
  case_free(&c);
}

static void run_reads_from_a_pipe(void) {
  npy_case c;
  make_1d_case(&c, ref_dt(kDLInt, 32), 1000, REF_OP_NEGATIVE);
  const char *out = path_of("pipe_out.npy");
  unlink(out);
  result r =
      run_argv((const char *const[]){"run", "Negative", "/dev/stdin", "-o", out, NULL}, &c.file);
  CHECK_EXIT(r, 0);
  check_file_equals(out, &c.expected, "from a pipe");
  result_free(&r);
  /* Short and long data through a pipe are caught while streaming. */
  blob shorter = {0}, longer = {0};
  blob_put(&shorter, c.file.bytes, c.file.len - 3);
  blob_put(&longer, c.file.bytes, c.file.len);
  blob_put(&longer, "xyz", 3);
  unlink(out);
  r = run_argv((const char *const[]){"run", "Negative", "/dev/stdin", "-o", out, NULL}, &shorter);
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "shorter");
  CHECK(!file_exists(out));
  result_free(&r);
  r = run_argv((const char *const[]){"run", "Negative", "/dev/stdin", "-o", out, NULL}, &longer);
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "longer");
  CHECK(!file_exists(out));
  result_free(&r);
  check_no_temporaries("pipe");
  blob_free(&shorter);
  blob_free(&longer);
  case_free(&c);
}

/* ------------------------------------------------------------------------ */
/* Malformed files                                                           */
/* ------------------------------------------------------------------------ */

/* A v1 file with the given header text and data bytes. */
static void raw_npy(blob *b, int major, int minor, const char *header, size_t data_len) {
  memset(b, 0, sizeof *b);
  size_t hl = strlen(header);
  unsigned char pre[10] = {0x93,
                           'N',
                           'U',
                           'M',
                           'P',
                           'Y',
                           (unsigned char)major,
                           (unsigned char)minor,
                           (unsigned char)(hl & 255),
                           (unsigned char)(hl >> 8)};
  blob_put(b, pre, 10);
  blob_put(b, header, hl);
  for (size_t i = 0; i < data_len; i++)
    blob_put(b, "\x01", 1);
}

/* Runs on a malformed file: exit 1, stderr names the file and each
 * fragment; an absent output stays absent, an existing one unchanged. */
static void check_malformed(const char *what, const blob *file, const char *op, const char *f1,
                            const char *f2) {
  const char *in = path_of("bad.npy"), *out = path_of("bad_out.npy");
  write_file(in, file->bytes, file->len);
  for (int existing = 0; existing < 2; existing++) {
    static const char old[] = "previous contents, not a .npy file";
    unlink(out);
    if (existing) write_file(out, old, sizeof old - 1);
    result r = RUN_CLI("run", op, in, "-o", out);
    if (r.code != 1) TEST_FAIL_("%s: exit %d, expected 1 (%s)", what, r.code, text_of(&r.err));
    const char *err = text_of(&r.err);
    if (!strstr(err, in)) TEST_FAIL_("%s: message does not name the file: %s", what, err);
    if (f1 && !strstr(err, f1)) TEST_FAIL_("%s: message lacks \"%s\": %s", what, f1, err);
    if (f2 && !strstr(err, f2)) TEST_FAIL_("%s: message lacks \"%s\": %s", what, f2, err);
    if (existing) {
      blob now;
      if (read_file(out, &now) != 0 || now.len != sizeof old - 1 ||
          memcmp(now.bytes, old, now.len) != 0)
        TEST_FAIL_("%s: the existing output was changed", what);
      blob_free(&now);
    } else if (file_exists(out)) {
      TEST_FAIL_("%s: an output file was created", what);
    }
    result_free(&r);
  }
  check_no_temporaries(what);
}

static void malformed_files_fail_and_leave_the_output_alone(void) {
  blob b;
  char hdr[512];
#define V1(h, n) raw_npy(&b, 1, 0, h, n)
  raw_npy(&b, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 8);
  b.bytes[1] = 'X';
  check_malformed("bad magic", &b, "Negative", "bad magic", NULL);
  blob_free(&b);
  blob_put(&b, "\x93NUM", 4);
  check_malformed("too short for a magic", &b, "Negative", "bad magic", NULL);
  blob_free(&b);
  memset(&b, 0, sizeof b);
  blob_put(&b, "", 0);
  check_malformed("empty file", &b, "Negative", "bad magic", NULL);
  blob_free(&b);
  raw_npy(&b, 4, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 8);
  check_malformed("version 4.0", &b, "Negative", "unsupported .npy format version 4.0", NULL);
  blob_free(&b);
  raw_npy(&b, 1, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 8);
  check_malformed("version 1.1", &b, "Negative", "version 1.1", NULL);
  blob_free(&b);
  static const struct {
    const char *header, *fragment;
  } bad_dicts[] = {
      {"[1, 2]\n", "'{'"},
      {"{'descr': '<f4', 'fortran_order': False}\n", "'shape' is missing"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", "unexpected key 'x'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2), }\n", "not a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': [2], }\n", "not a tuple"},
      {"{'descr': '<f4', 'fortran_order': 0, 'shape': (2,), }\n", "True or False"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (2,), }\n", "expected"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x\n", "nothing after the dict"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n",
       "given twice"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }\n", "negative"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2,), \n", "expected"},
      {"{'descr': 4, 'fortran_order': False, 'shape': (2,), }\n", "quoted string"},
  };
  for (size_t i = 0; i < sizeof bad_dicts / sizeof bad_dicts[0]; i++) {
    V1(bad_dicts[i].header, 8);
    char what[64];
    snprintf(what, sizeof what, "bad dict %zu", i);
    check_malformed(what, &b, "Negative", "header is not a valid dict", bad_dicts[i].fragment);
    blob_free(&b);
  }
  /* Shape product overflowing 64 bits, and a dim beyond 64 bits. */
  V1("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", 0);
  check_malformed("shape product overflow", &b, "Negative", "overflows", NULL);
  blob_free(&b);
  V1("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1152921504606846976), }\n", 0);
  check_malformed("bytes overflow", &b, "Negative", "overflows", NULL);
  blob_free(&b);
  V1("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }\n", 0);
  check_malformed("dim overflow", &b, "Negative", "64 bits", NULL);
  blob_free(&b);
  /* Data shorter or longer than the header says. */
  V1("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n", 23);
  check_malformed("data short by a byte", &b, "Negative", "shorter", "expected 24");
  blob_free(&b);
  V1("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n", 25);
  check_malformed("data long by a byte", &b, "Negative", "longer", "expected 24");
  blob_free(&b);
  V1("{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n", 0);
  check_malformed("0-d without data", &b, "NegateGradient", "shorter", NULL);
  blob_free(&b);
  /* A header longer than the file. */
  raw_npy(&b, 1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n", 0);
  b.bytes[8] = 0xff;
  check_malformed("truncated header", &b, "Negative", "truncated", NULL);
  blob_free(&b);
  /* Unsupported dtypes. */
  static const struct {
    const char *descr, *op, *fragment;
  } dtypes[] = {
      {"|b1", "Negative", "bool"},          {"|O", "Negative", "objects"},
      {"|O", "NegateGradient", "objects"},  {"<U5", "NegateGradient", "unicode strings"},
      {"|S3", "Negative", "byte strings"},  {"<f16", "Negative", "'<f16'"},
      {"<c32", "Negative", "complex"},      {"<M8[s]", "Negative", "datetime"},
      {"<V8", "Negative", "void"},          {"<i3", "Negative", "'<i3'"},
      {"float32", "Negative", "'float32'"}, {"<x4", "Negative", "'<x4'"},
  };
  for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++) {
    snprintf(hdr, sizeof hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (2,), }\n",
             dtypes[i].descr);
    V1(hdr, 8);
    char what[64];
    snprintf(what, sizeof what, "dtype %s for %s", dtypes[i].descr, dtypes[i].op);
    check_malformed(what, &b, dtypes[i].op, "unsupported dtype", dtypes[i].fragment);
    blob_free(&b);
  }
  V1("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }\n", 16);
  check_malformed("structured dtype", &b, "NegateGradient", "structured", NULL);
  blob_free(&b);
#undef V1
}

static void a_missing_input_or_unwritable_output_fails(void) {
  const char *out = path_of("never.npy");
  result r = RUN_CLI("run", "Negative", path_of("does_not_exist.npy"), "-o", out);
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "does_not_exist.npy");
  CHECK(!file_exists(out));
  result_free(&r);
  npy_case c;
  make_1d_case(&c, ref_dt(kDLFloat, 32), 4, REF_OP_NEGATIVE);
  const char *in = path_of("ok.npy");
  write_file(in, c.file.bytes, c.file.len);
  r = RUN_CLI("run", "Negative", in, "-o", path_of("no_such_dir/out.npy"));
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "no_such_dir");
  result_free(&r);
  r = RUN_CLI("run", "Negative", in, "-o", scratch);
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "directory");
  result_free(&r);
  /* /dev/null is written to, never replaced. */
  r = RUN_CLI("run", "Negative", in, "-o", "/dev/null");
  CHECK_EXIT(r, 0);
  struct stat st;
  CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode));
  result_free(&r);
  unlink(in);
  case_free(&c);
}

/* ------------------------------------------------------------------------ */
/* Usage                                                                     */
/* ------------------------------------------------------------------------ */

static void usage_errors_exit_2(void) {
  const char *in = path_of("u.npy");
  const char *const cases[][8] = {
      {NULL},
      {"frobnicate", NULL},
      {"--bogus", NULL},
      {"run", NULL},
      {"run", "Negative", NULL},
      {"run", "Negative", in, NULL},
      {"run", "Negative", in, "-o", NULL},
      {"run", "Negative", in, "-o", "a.npy", "--in-place", NULL},
      {"run", "Relu", in, "-o", "a.npy", NULL},
      {"run", "Negative", in, "-o", "a.npy", "--chunk-bytes", "0", NULL},
      {"run", "Negative", in, "-o", "a.npy", "--chunk-bytes", "12Q", NULL},
      {"run", "Negative", in, "-o", "a.npy", "--threads", "-1", NULL},
      {"run", "Negative", in, "-o", "a.npy", "extra", NULL},
      {"run", "Negative", in, "-o", "a.npy", "--wat", NULL},
      {"show", NULL},
      {"net", NULL},
      {"net", "n.pbtxt", "--feed", "X", NULL},
      {"net", "n.pbtxt", "--feed", "=x.npy", NULL},
      {"net", "n.pbtxt", "--fetch", "Y=", NULL},
      {"net", "n.pbtxt", "--backward", NULL},
      {"schema", "Relu", NULL},
      {"schema", "Negative", "Sum", NULL},
      {"grad", NULL},
      {"grad", "Relu", NULL},
      {"version", "now", NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    result r = run_argv(cases[i], NULL);
    if (r.code != 2)
      TEST_FAIL_("case %zu (%s %s): exit %d, expected 2; stderr: %s", i,
                 cases[i][0] ? cases[i][0] : "(none)",
                 cases[i][0] && cases[i][1] ? cases[i][1] : "", r.code, text_of(&r.err));
    if (r.err.len == 0) TEST_FAIL_("case %zu: nothing on stderr", i);
    result_free(&r);
  }
  /* c2op alone prints the usage. */
  result r = run_argv((const char *const[]){NULL}, NULL);
  CHECK_CONTAINS(text_of(&r.err), "usage: c2op COMMAND");
  result_free(&r);
  CHECK(!file_exists("a.npy"));
}

static void every_command_has_help(void) {
  const char *cmds[] = {"run", "show", "net", "schema", "grad", "version"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    for (int form = 0; form < 2; form++) {
      result r = RUN_CLI(cmds[i], form ? "-h" : "--help");
      CHECK_EXIT(r, 0);
      char want[64];
      snprintf(want, sizeof want, "usage: c2op %s", cmds[i]);
      CHECK_CONTAINS(text_of(&r.out), want);
      result_free(&r);
    }
  }
  result r = RUN_CLI("--help");
  CHECK_EXIT(r, 0);
  CHECK_CONTAINS(text_of(&r.out), "usage: c2op COMMAND");
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
    CHECK_CONTAINS(text_of(&r.out), cmds[i]);
  result_free(&r);
}

/* ------------------------------------------------------------------------ */
/* net, schema, grad, version, show                                          */
/* ------------------------------------------------------------------------ */

/* A host-order float32 .npy file of n values. */
static void write_f32(const char *path, int ndim, const int64_t *shape, const float *v, int64_t n) {
  blob b = {0};
  char descr[8];
  numpy_descr(ref_dt(kDLFloat, 32), host_big(), descr, sizeof descr);
  numpy_file_header(descr, 0, ndim, shape, &b);
  blob_put(&b, v, (size_t)n * 4);
  write_file(path, b.bytes, b.len);
  blob_free(&b);
}

static const char grl_net[] = "# the gradient reversal layer\n"
                              "name: \"grl\"\n"
                              "op {\n"
                              "  input: \"X\"\n"
                              "  output: \"Y\"\n"
                              "  type: \"NegateGradient\"\n"
                              "}\n"
                              "external_input: \"X\"\n"
                              "external_output: \"Y\"\n";

static void net_backward_gives_minus_y_grad(void) {
  enum { R = 4, C = 6, N = R * C };
  int64_t shape[2] = {R, C};
  float x[N], gy[N];
  for (int i = 0; i < N; i++) {
    x[i] = (float)test_rand_range(&rng, -1000, 1000) / 8.0f;
    gy[i] = (float)test_rand_range(&rng, -1000, 1000) / 16.0f;
  }
  gy[0] = 0.0f; /* X_grad[0] must be -0.0 */
  const char *net = path_of("grl.pbtxt"), *xp = path_of("x.npy"), *gp = path_of("gy.npy");
  const char *yp = path_of("y_out.npy"), *gxp = path_of("gx_out.npy");
  write_file(net, grl_net, sizeof grl_net - 1);
  write_f32(xp, 2, shape, x, N);
  write_f32(gp, 2, shape, gy, N);
  unlink(yp);
  unlink(gxp);
  char feed_x[4700], feed_g[4700], fetch_y[4700], fetch_gx[4700];
  snprintf(feed_x, sizeof feed_x, "X=%s", xp);
  snprintf(feed_g, sizeof feed_g, "Y_grad=%s", gp);
  snprintf(fetch_y, sizeof fetch_y, "Y=%s", yp);
  snprintf(fetch_gx, sizeof fetch_gx, "X_grad=%s", gxp);
  result r = RUN_CLI("net", net, "--feed", feed_x, "--feed", feed_g, "--backward", "Y", "--fetch",
                     fetch_y, "--fetch", fetch_gx, "--print-nets");
  CHECK_EXIT(r, 0);
  /* The backward net, printed as NetDef text, reads Y_grad through a
   * gradient Negative. */
  CHECK_CONTAINS(text_of(&r.out), "# backward net");
  CHECK_CONTAINS(text_of(&r.out), "input: \"Y_grad\"\n  output: \"X_grad\"\n  type: \"Negative\"\n"
                                  "  is_gradient_op: true");
  result_free(&r);
  blob want = {0};
  char descr[8];
  numpy_descr(ref_dt(kDLFloat, 32), host_big(), descr, sizeof descr);
  numpy_file_header(descr, 0, 2, shape, &want);
  for (int i = 0; i < N; i++) {
    float v = -gy[i];
    blob_put(&want, &v, 4);
  }
  check_file_equals(gxp, &want, "X_grad = -Y_grad");
  blob_free(&want);
  numpy_file_header(descr, 0, 2, shape, &want);
  blob_put(&want, x, sizeof x);
  check_file_equals(yp, &want, "Y = X");
  blob_free(&want);
  /* Without Y_grad: exit 1, no output written. */
  unlink(yp);
  r = RUN_CLI("net", net, "--feed", feed_x, "--backward", "Y", "--fetch", fetch_y);
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "Y_grad");
  CHECK(!file_exists(yp));
  result_free(&r);
  /* Fetching a blob that does not exist: exit 1, nothing written. */
  r = RUN_CLI("net", net, "--feed", feed_x, "--fetch", fetch_y, "--fetch", "Nope");
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "Nope");
  CHECK(!file_exists(yp));
  result_free(&r);
  check_no_temporaries("net");
}

static void net_feeds_fortran_and_big_endian_files(void) {
  /* A 2x3 big-endian Fortran int32 file; Negative's output is C order in
   * host byte order. */
  const char *net = path_of("neg.pbtxt"), *xp = path_of("xf.npy"), *yp = path_of("yf.npy");
  static const char text[] = "op { input: 'X' output: 'Y' type: 'Negative' }\n";
  write_file(net, text, sizeof text - 1);
  int64_t shape[2] = {2, 3};
  int32_t logical[2][3] = {{1, -2, 3}, {INT32_MIN, 5, 0}};
  blob b = {0};
  numpy_file_header(">i4", 1, 2, shape, &b);
  for (int j = 0; j < 3; j++)
    for (int i = 0; i < 2; i++) {
      uint32_t u = (uint32_t)logical[i][j];
      unsigned char be[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
                             (unsigned char)(u >> 8), (unsigned char)u};
      blob_put(&b, be, 4);
    }
  write_file(xp, b.bytes, b.len);
  blob_free(&b);
  char feed[4700], fetch[4700];
  snprintf(feed, sizeof feed, "X=%s", xp);
  snprintf(fetch, sizeof fetch, "Y=%s", yp);
  result r = RUN_CLI("net", net, "--feed", feed, "--fetch", fetch, "--fetch", "Y");
  CHECK_EXIT(r, 0);
  CHECK_CONTAINS(text_of(&r.out), "Y = [[-1, 2, -3],\n     [-2147483648, -5, 0]]");
  result_free(&r);
  blob want = {0};
  char descr[8];
  numpy_descr(ref_dt(kDLInt, 32), host_big(), descr, sizeof descr);
  numpy_file_header(descr, 0, 2, shape, &want);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) {
      int32_t v = (int32_t)(0u - (uint32_t)logical[i][j]);
      blob_put(&want, &v, 4);
    }
  check_file_equals(yp, &want, "net output from a Fortran big-endian feed");
  blob_free(&want);
}

/* --device cuda reaches the device even for a file with no elements: an
 * empty file and a non-empty one get the same verdict (with no GPU, or no
 * such device, both fail and write nothing; with one, both succeed). */
static void run_on_cuda_treats_empty_files_like_others(void) {
  npy_case full, empty;
  make_1d_case(&full, ref_dt(kDLFloat, 32), 6, REF_OP_NEGATIVE);
  make_1d_case(&empty, ref_dt(kDLFloat, 32), 0, REF_OP_NEGATIVE);
  const char *fin = path_of("dev_full.npy"), *ein = path_of("dev_empty.npy");
  const char *fout = path_of("dev_full_out.npy"), *eout = path_of("dev_empty_out.npy");
  write_file(fin, full.file.bytes, full.file.len);
  write_file(ein, empty.file.bytes, empty.file.len);
  static const char *const devices[] = {"cuda", "cuda:4095"};
  for (int d = 0; d < 2; d++) {
    unlink(fout);
    unlink(eout);
    result rf = RUN_CLI("run", "Negative", fin, "-o", fout, "--device", devices[d]);
    result re = RUN_CLI("run", "Negative", ein, "-o", eout, "--device", devices[d]);
    if (rf.code != re.code)
      TEST_FAIL_("--device %s: exit %d on 6 elements, %d on none (%s)", devices[d], rf.code,
                 re.code, text_of(&re.err));
    if (re.code == 0) {
      check_file_equals(eout, &empty.expected, "empty file on CUDA");
    } else {
      CHECK(!file_exists(eout));
      CHECK_CONTAINS(text_of(&re.err), "--device cuda");
    }
    if (!c2op_has_cuda() || d == 1) CHECK_EXIT(re, 1); /* no backend, or no such device */
    result_free(&rf);
    result_free(&re);
  }
  unlink(fin);
  unlink(ein);
  unlink(fout);
  unlink(eout);
  case_free(&full);
  case_free(&empty);
}

/* Any valid file name can be written (the temporary's name is capped), a
 * dangling symlink gets its target created and stays a link, and `net`
 * refuses two fetches into one file however they are spelled. */
static void outputs_take_any_name_follow_dangling_links_and_never_collide(void) {
  npy_case c;
  make_1d_case(&c, ref_dt(kDLFloat, 32), 5, REF_OP_NEGATIVE);
  const char *in = path_of("names_in.npy");
  write_file(in, c.file.bytes, c.file.len);

  char name[256]; /* 251 bytes: NAME_MAX is 255 */
  memset(name, 'n', 247);
  memcpy(name + 247, ".npy", 5);
  const char *long_path = path_of(name);
  unlink(long_path);
  result r = RUN_CLI("run", "Negative", in, "-o", long_path);
  CHECK_EXIT(r, 0);
  check_file_equals(long_path, &c.expected, "a 251-byte file name");
  result_free(&r);
  unlink(long_path);

  const char *link = path_of("dangling.npy"), *target = path_of("dangling_target.npy");
  unlink(link);
  unlink(target);
  if (symlink("dangling_target.npy", link) == 0) { /* relative to the link's folder */
    r = RUN_CLI("run", "Negative", in, "-o", link);
    CHECK_EXIT(r, 0);
    struct stat lst;
    CHECK(lstat(link, &lst) == 0 && S_ISLNK(lst.st_mode));
    check_file_equals(target, &c.expected, "the dangling link's target");
    result_free(&r);
  } else {
    TEST_FAIL_("symlink %s: %s", link, strerror(errno));
  }
  unlink(link);
  unlink(target);

  const char *net = path_of("dup.pbtxt"), *o1 = path_of("dup_o.npy");
  write_file(net, grl_net, sizeof grl_net - 1);
  unlink(o1);
  char feed[4700], f1[4700], f2[4700], f3[4700];
  snprintf(feed, sizeof feed, "X=%s", in);
  snprintf(f1, sizeof f1, "Y=%s", o1);
  snprintf(f2, sizeof f2, "X=%s", o1);
  snprintf(f3, sizeof f3, "X=%s/./dup_o.npy", scratch);
  const char *seconds[2] = {f2, f3};
  for (int k = 0; k < 2; k++) {
    r = RUN_CLI("net", net, "--feed", feed, "--fetch", f1, "--fetch", seconds[k]);
    CHECK_EXIT(r, 2);
    CHECK_CONTAINS(text_of(&r.err), "write the same file");
    CHECK(!file_exists(o1));
    result_free(&r);
  }
  unlink(net);
  unlink(in);
  case_free(&c);
}

static void net_reports_netdef_errors_with_line_and_column(void) {
  static const struct {
    const char *text, *f1, *f2;
  } cases[] = {
      {"name: \"n\"\nop {\n  type: \"Negative\"\n  engine: \"x\"\n}\n", "line 4, column 3",
       "'engine'"},
      {"op { type: \"Relu\" input: \"X\" output: \"Y\" }\n", "line 1, column 12", "'Relu'"},
      {"op {\n  type: \"Negative\" input \"X\" output: \"Y\" }\n", "line 2, column 26",
       "expected ':'"},
      {"op { type: \"Negative\" input: \"X\" output: \"Y\"\n", "line 2, column 1", "end of input"},
      {"\n\nop { type: 'Negative' input: ['A', 'B'] output: 'Y' }", "line 3, column 4", "2 inputs"},
  };
  const char *net = path_of("bad.pbtxt");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    write_file(net, cases[i].text, strlen(cases[i].text));
    result r = RUN_CLI("net", net);
    CHECK_EXIT(r, 1);
    CHECK_CONTAINS(text_of(&r.err), net);
    CHECK_CONTAINS(text_of(&r.err), cases[i].f1);
    CHECK_CONTAINS(text_of(&r.err), cases[i].f2);
    result_free(&r);
  }
  result r = RUN_CLI("net", path_of("missing.pbtxt"));
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "missing.pbtxt");
  result_free(&r);
}

static void schema_shows_each_part_of_an_op(void) {
  result r = RUN_CLI("schema");
  CHECK_EXIT(r, 0);
  CHECK_CONTAINS(text_of(&r.out), "Negative");
  CHECK_CONTAINS(text_of(&r.out), "NegateGradient");
  result_free(&r);
  r = RUN_CLI("schema", "Negative");
  CHECK_EXIT(r, 0);
  const char *o = text_of(&r.out);
  CHECK_CONTAINS(o, "inputs: 1\n  X ");
  CHECK_CONTAINS(o, "outputs: 1\n  Y ");
  CHECK_CONTAINS(o, "in place: input 0 (X) -> output 0 (Y)");
  CHECK_CONTAINS(o, "inference: IdenticalTypeAndShape");
  CHECK_CONTAINS(o, "ONNX: Neg");
  CHECK_CONTAINS(o, "dtypes: int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, "
                    "bfloat16, float32, float64, complex64, complex128");
  CHECK_CONTAINS(o, "elementwise negation");
  CHECK_CONTAINS(o, "gradient: yes");
  result_free(&r);
  r = RUN_CLI("schema", "NegateGradient", "--json");
  CHECK_EXIT(r, 0);
  o = text_of(&r.out);
  CHECK_CONTAINS(o, "\"name\": \"NegateGradient\"");
  CHECK_CONTAINS(o, "\"inplace\": [{\"input\": 0, \"output\": 0}]");
  CHECK_CONTAINS(o, "\"onnx\": null");
  CHECK_CONTAINS(o, "\"dtypes\": \"any\"");
  CHECK_CONTAINS(o, "\"gradient\": true");
  result_free(&r);
  r = RUN_CLI("schema", "Sum");
  CHECK_EXIT(r, 0);
  CHECK_CONTAINS(text_of(&r.out), "inputs: 1 or more");
  CHECK_CONTAINS(text_of(&r.out), "gradient: none");
  result_free(&r);
}

static void grad_prints_readable_netdef_text(void) {
  const char *ops[] = {"Negative", "NegateGradient"};
  for (int i = 0; i < 2; i++) {
    result r = RUN_CLI("grad", ops[i]);
    CHECK_EXIT(r, 0);
    const char *o = text_of(&r.out);
    CHECK_CONTAINS(o, "op {\n  input: \"Y_grad\"\n  output: \"X_grad\"\n  type: \"Negative\"\n"
                      "  is_gradient_op: true\n}\n");
    c2op_net *net = NULL;
    CHECK_OK(c2op_net_from_text(o, strlen(o), &net));
    if (net) CHECK_EQ_INT(c2op_net_num_ops(net), 1);
    c2op_net_destroy(net);
    result_free(&r);
  }
  result r = RUN_CLI("grad", "Sum");
  CHECK_EXIT(r, 1);
  CHECK_CONTAINS(text_of(&r.err), "no gradient");
  result_free(&r);
}

static void version_names_features(void) {
  result r = RUN_CLI("version");
  CHECK_EXIT(r, 0);
  char want[64];
  snprintf(want, sizeof want, "c2op %s", c2op_version_string());
  CHECK_CONTAINS(text_of(&r.out), want);
  CHECK_CONTAINS(text_of(&r.out), c2op_has_cuda() ? "CUDA: compiled in" : "CUDA: not compiled in");
  CHECK_CONTAINS(text_of(&r.out), "CPU code path: ");
  result_free(&r);
}

static void show_prints_values_in_index_order(void) {
  /* Fortran-ordered 2x3 float64 with -0.0 and a negative NaN. */
  int64_t shape[2] = {2, 3};
  double v[6] = {1.5, 4, -0.0, 5, 0.1, -NAN}; /* column-major of [[1.5,-0,0.1],[4,5,-nan]] */
  blob b = {0};
  char descr[8];
  numpy_descr(ref_dt(kDLFloat, 64), host_big(), descr, sizeof descr);
  numpy_file_header(descr, 1, 2, shape, &b);
  blob_put(&b, v, sizeof v);
  const char *p = path_of("show.npy");
  write_file(p, b.bytes, b.len);
  blob_free(&b);
  result r = RUN_CLI("show", p);
  CHECK_EXIT(r, 0);
  CHECK_CONTAINS(text_of(&r.out), "float64 '<f8', shape (2, 3), Fortran order, 6 elements");
  CHECK_CONTAINS(text_of(&r.out), "[[1.5, -0, 0.1],\n [4, 5, -nan]]");
  result_free(&r);
  /* No elements: "[]", however large the other dims (walking a dim of
   * 2^63 - 1 in front of the 0 used to print without end). */
  static const int64_t empty_shapes[][3] = {{INT64_MAX, 0, 0}, {0, INT64_MAX, INT64_MAX}};
  static const int empty_ndims[] = {2, 3};
  for (int e = 0; e < 2; e++) {
    blob z = {0};
    numpy_file_header(descr, 0, empty_ndims[e], empty_shapes[e], &z);
    write_file(p, z.bytes, z.len);
    blob_free(&z);
    result rz = RUN_CLI("show", p);
    CHECK_EXIT(rz, 0);
    CHECK_CONTAINS(text_of(&rz.out), " 0 elements, .npy 1.0\n[]\n");
    CHECK(rz.out.len < 200);
    result_free(&rz);
  }
}

/* ------------------------------------------------------------------------ */
/* Memory bound (release builds)                                             */
/* ------------------------------------------------------------------------ */

static void peak_memory_stays_bounded_on_a_large_file(void) {
#ifdef C2OP_TEST_SANITIZED
  printf("     (skipped in sanitizer builds: shadow memory inflates the RSS)\n");
#else
  /* 160 MiB of float32: more than twice the 64 MiB bound. */
  const int64_t n = (int64_t)40 << 20;
  const char *in = path_of("big.npy"), *out = path_of("big_out.npy");
  blob hdr = {0};
  char descr[8];
  numpy_descr(ref_dt(kDLFloat, 32), host_big(), descr, sizeof descr);
  numpy_file_header(descr, 0, 1, &n, &hdr);
  FILE *f = fopen(in, "wb");
  if (!f) {
    TEST_FAIL_("cannot create %s", in);
    return;
  }
  fwrite(hdr.bytes, 1, hdr.len, f);
  float *block = malloc((size_t)1 << 20);
  const int64_t per = ((int64_t)1 << 20) / 4;
  for (int64_t i = 0; block && i < per; i++)
    block[i] = (float)(i % 1000) - 500.0f;
  for (int64_t k = 0; block && k < n / per; k++)
    fwrite(block, 4, (size_t)per, f);
  fclose(f);
  result r = RUN_CLI("run", "Negative", in, "-o", out);
  CHECK_EXIT(r, 0);
  printf("     peak RSS of c2op run on %lld MiB: %ld KiB\n", (long long)(n * 4 >> 20),
         r.maxrss_kib);
  CHECK(r.maxrss_kib > 0 && r.maxrss_kib < 64 * 1024);
  result_free(&r);
  /* Spot-check the output: the last block is the negated pattern. */
  FILE *g = fopen(out, "rb");
  if (g && block) {
    float *tail = malloc((size_t)1 << 20);
    if (tail && fseek(g, -(long)(per * 4), SEEK_END) == 0 &&
        fread(tail, 4, (size_t)per, g) == (size_t)per) {
      for (int64_t i = 0; i < per; i++) {
        float want = -block[i];
        if (memcmp(&tail[i], &want, 4) != 0) {
          TEST_FAIL_("big file: element %lld of the last block is wrong", (long long)i);
          break;
        }
      }
    } else {
      TEST_FAIL_("cannot read the big output");
    }
    free(tail);
  }
  if (g) fclose(g);
  free(block);
  blob_free(&hdr);
  unlink(in);
  unlink(out);
#endif
}

/* ------------------------------------------------------------------------ */

static void remove_scratch(void) {
  DIR *d = opendir(scratch);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    unlink(path_of(e->d_name));
  }
  closedir(d);
  rmdir(scratch);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: test_cli PATH/TO/c2op [SCRATCH_PARENT]\n");
    return 2;
  }
  cli = argv[1];
  snprintf(scratch, sizeof scratch, "%s/c2op-cli-XXXXXX", argc > 2 ? argv[2] : "/tmp");
  if (argc > 2) mkdir(argv[2], 0755);
  if (!mkdtemp(scratch)) {
    fprintf(stderr, "test_cli: cannot create a scratch folder: %s\n", strerror(errno));
    return 1;
  }
  rng = test_seed();
  RUN(run_negates_every_dtype_byte_order_and_memory_order);
  RUN(run_negate_gradient_copies_every_dtype);
  RUN(run_handles_0d_and_empty_arrays);
  RUN(run_streams_files_larger_than_the_chunk);
  RUN(run_reads_v2_data_as_bfloat16_when_asked);
  RUN(run_in_place_rewrites_the_file_and_keeps_its_mode);
  RUN(run_reads_from_a_pipe);
  RUN(malformed_files_fail_and_leave_the_output_alone);
  RUN(a_missing_input_or_unwritable_output_fails);
  RUN(outputs_take_any_name_follow_dangling_links_and_never_collide);
  RUN(run_on_cuda_treats_empty_files_like_others);
  RUN(usage_errors_exit_2);
  RUN(every_command_has_help);
  RUN(net_backward_gives_minus_y_grad);
  RUN(net_feeds_fortran_and_big_endian_files);
  RUN(net_reports_netdef_errors_with_line_and_column);
  RUN(schema_shows_each_part_of_an_op);
  RUN(grad_prints_readable_netdef_text);
  RUN(version_names_features);
  RUN(show_prints_values_in_index_order);
  RUN(peak_memory_stays_bounded_on_a_large_file);
  remove_scratch();
  return TEST_MAIN_END();
}
