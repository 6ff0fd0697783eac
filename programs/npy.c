/* npy.c - .npy headers: reading (a small parser for the Python dict literal
 * NumPy writes) and writing (byte for byte what np.save writes). */
#include "npy.h"

#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const unsigned char npy_magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

static int fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, size, fmt, ap);
  va_end(ap);
  return -1;
}

int npy_host_big_endian(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 0;
}

void npy_byteswap(void *data, size_t n, size_t unit) {
  unsigned char *p = data;
  if (unit <= 1) return;
  for (size_t off = 0; off + unit <= n; off += unit) {
    switch (unit) {
    case 2: {
      uint16_t v;
      memcpy(&v, p + off, 2);
      v = __builtin_bswap16(v);
      memcpy(p + off, &v, 2);
      break;
    }
    case 4: {
      uint32_t v;
      memcpy(&v, p + off, 4);
      v = __builtin_bswap32(v);
      memcpy(p + off, &v, 4);
      break;
    }
    case 8: {
      uint64_t v;
      memcpy(&v, p + off, 8);
      v = __builtin_bswap64(v);
      memcpy(p + off, &v, 8);
      break;
    }
    default:
      for (size_t i = 0; i < unit / 2; i++) {
        unsigned char t = p[off + i];
        p[off + i] = p[off + unit - 1 - i];
        p[off + unit - 1 - i] = t;
      }
    }
  }
}

/* Copies s into out for a message: printable ASCII as is, other bytes and
 * the backslash as \xHH (as the bad-magic message shows them), so that no
 * byte of a file reaches the terminal raw. Truncates to fit. */
static const char *shown(const char *s, char *out, size_t size) {
  size_t k = 0;
  for (; *s && k + 5 <= size; s++) {
    unsigned char c = (unsigned char)*s;
    if (c >= 0x20 && c < 0x7f && c != '\\')
      out[k++] = (char)c;
    else
      k += (size_t)snprintf(out + k, size - k, "\\x%02x", c);
  }
  out[k] = '\0';
  return out;
}

/* ------------------------------------------------------------------------ */
/* dtypes                                                                    */
/* ------------------------------------------------------------------------ */

/* Maps a descr string to a dtype. 0, or -1 with a message. */
static int parse_descr(npy_header *h, const char *descr, int as_bfloat16, char *err, size_t size) {
  const int host_big = npy_host_big_endian();
  if (strcmp(descr, "bfloat16") == 0 ||
      (as_bfloat16 && (strcmp(descr, "|V2") == 0 || strcmp(descr, "<V2") == 0 ||
                       strcmp(descr, ">V2") == 0 || strcmp(descr, "V2") == 0))) {
    h->dtype = (DLDataType){kDLBfloat, 16, 1};
    h->itemsize = 2;
    h->swap_unit = 0;
    /* A void input keeps its descr, so that whatever saved it (NumPy with
     * ml_dtypes writes '<V2') reads the output back; bare 'V2' is what
     * NumPy writes as '|V2'. */
    snprintf(h->canonical_descr, sizeof h->canonical_descr, "%s",
             strcmp(descr, "bfloat16") == 0 ? "bfloat16"
             : strcmp(descr, "V2") == 0     ? "|V2"
                                            : descr);
    return 0;
  }
  char show[4 * sizeof h->descr + 1]; /* descr as messages quote it */
  const char *d = shown(descr, show, sizeof show);
  const char *p = descr;
  char order = '=';
  if (*p == '<' || *p == '>' || *p == '|' || *p == '=') order = *p++;
  char kind = *p ? *p++ : '\0';
  char *end = NULL;
  errno = 0;
  long bytes = (*p >= '0' && *p <= '9') ? strtol(p, &end, 10) : -1;
  const int well_formed = bytes > 0 && errno == 0 && end && *end == '\0';
  switch (kind) {
  case 'O': return fail(err, size, "unsupported dtype '%s' (Python objects)", d);
  case 'S':
  case 'a': return fail(err, size, "unsupported dtype '%s' (byte strings)", d);
  case 'U': return fail(err, size, "unsupported dtype '%s' (unicode strings)", d);
  case 'V':
    return fail(err, size,
                "unsupported dtype '%s' (raw void data; for bfloat16 saved by NumPy with "
                "ml_dtypes as '<V2', pass --bfloat16)",
                d);
  case 'M':
  case 'm': return fail(err, size, "unsupported dtype '%s' (datetime/timedelta)", d);
  default: break;
  }
  DLDataType dt = {0, 0, 1};
  int ok = well_formed;
  if (ok) {
    switch (kind) {
    case 'b':
      ok = bytes == 1;
      dt.code = C2OP_DL_BOOL;
      break;
    case 'i':
      ok = bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
      dt.code = kDLInt;
      break;
    case 'u':
      ok = bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
      dt.code = kDLUInt;
      break;
    case 'f':
      ok = bytes == 2 || bytes == 4 || bytes == 8;
      dt.code = kDLFloat;
      break;
    case 'c':
      ok = bytes == 8 || bytes == 16;
      dt.code = kDLComplex;
      break;
    default: ok = 0; break;
    }
  }
  if (!ok) {
    if (well_formed && (kind == 'f' || kind == 'c'))
      return fail(err, size,
                  "unsupported dtype '%s' (%s of %ld bytes; c2op handles float16, "
                  "float32, float64, complex64 and complex128)",
                  d, kind == 'f' ? "floating point" : "complex", bytes);
    return fail(err, size,
                "unsupported dtype '%s' (c2op reads bool, int8-64, uint8-64, float16, "
                "float32, float64, complex64, complex128 and bfloat16)",
                d);
  }
  dt.bits = (uint8_t)(bytes * 8);
  h->dtype = dt;
  h->itemsize = (size_t)bytes;
  int big = order == '>' ? 1 : order == '<' ? 0 : host_big;
  if (bytes == 1) big = host_big;
  h->swap_unit = big != host_big ? (kind == 'c' ? (size_t)bytes / 2 : (size_t)bytes) : 0;
  snprintf(h->canonical_descr, sizeof h->canonical_descr, "%c%c%d",
           bytes == 1 ? '|' : (big ? '>' : '<'), kind, (int)bytes);
  return 0;
}

static int dtype_to_descr(DLDataType dt, int big, char *out, size_t size) {
  char kind;
  switch (dt.code) {
  case kDLInt: kind = 'i'; break;
  case kDLUInt: kind = 'u'; break;
  case kDLFloat: kind = 'f'; break;
  case kDLComplex: kind = 'c'; break;
  case C2OP_DL_BOOL: kind = 'b'; break;
  case kDLBfloat:
    if (dt.bits != 16 || dt.lanes != 1) return -1;
    snprintf(out, size, "bfloat16");
    return 0;
  default: return -1;
  }
  if (dt.lanes != 1 || dt.bits % 8 != 0 || dt.bits == 0) return -1;
  int bytes = dt.bits / 8;
  snprintf(out, size, "%c%c%d", bytes == 1 ? '|' : (big ? '>' : '<'), kind, bytes);
  return 0;
}

/* ------------------------------------------------------------------------ */
/* The header dict                                                           */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *s;
  size_t n, pos;
  char *err;
  size_t err_size;
} lit_parser;

static void lit_ws(lit_parser *p) {
  while (p->pos < p->n && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
                           p->s[p->pos] == '\r'))
    p->pos++;
}

static int lit_peek(const lit_parser *p) {
  return p->pos < p->n ? (unsigned char)p->s[p->pos] : -1;
}

static int lit_fail(lit_parser *p, const char *what) {
  int c = lit_peek(p);
  char found[32];
  if (c < 0)
    snprintf(found, sizeof found, "the end of the header");
  else if (c >= 0x20 && c < 0x7f)
    snprintf(found, sizeof found, "'%c'", (char)c);
  else
    snprintf(found, sizeof found, "byte 0x%02X", (unsigned)c);
  return fail(p->err, p->err_size,
              "header is not a valid dict: expected %s at header byte %zu, "
              "found %s",
              what, p->pos, found);
}

/* A Python string literal ('...' or "...", simple escapes) into out. */
static int lit_string(lit_parser *p, char *out, size_t size) {
  int quote = lit_peek(p);
  if (quote != '\'' && quote != '"') return lit_fail(p, "a quoted string");
  p->pos++;
  size_t k = 0;
  for (;;) {
    int c = lit_peek(p);
    if (c < 0 || c == '\n') return lit_fail(p, "the closing quote of a string");
    p->pos++;
    if (c == quote) break;
    if (c == '\\') {
      int e = lit_peek(p);
      if (e != '\\' && e != '\'' && e != '"')
        return lit_fail(p, "a simple escape (\\\\, \\', \\\")");
      c = e;
      p->pos++;
    }
    if (k + 1 >= size)
      return fail(p->err, p->err_size,
                  "header is not a valid dict: a string is longer than "
                  "%zu bytes",
                  size - 1);
    out[k++] = (char)c;
  }
  out[k] = '\0';
  return 0;
}

/* A non-negative Python int (digits, '_' between digits, old 'L'). */
static int lit_uint(lit_parser *p, uint64_t *out, int *overflow) {
  int c = lit_peek(p);
  if (c == '-') {
    return fail(p->err, p->err_size,
                "header is not a valid dict: a shape dim is negative (at "
                "header byte %zu)",
                p->pos);
  }
  if (c < '0' || c > '9') return lit_fail(p, "an integer");
  uint64_t v = 0;
  *overflow = 0;
  while (p->pos < p->n) {
    c = lit_peek(p);
    if (c >= '0' && c <= '9') {
      if (v > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
        *overflow = 1;
      else
        v = v * 10 + (uint64_t)(c - '0');
    } else if (c == '_' && p->pos + 1 < p->n && p->s[p->pos + 1] >= '0' &&
               p->s[p->pos + 1] <= '9') {
      /* digit separator */
    } else {
      break;
    }
    p->pos++;
  }
  if (lit_peek(p) == 'L' || lit_peek(p) == 'l') p->pos++;
  *out = v;
  return 0;
}

/* Skips any Python literal (for the contents of a structured descr list). */
static int lit_skip(lit_parser *p, int depth) {
  if (depth > 16) return lit_fail(p, "less nesting");
  lit_ws(p);
  int c = lit_peek(p);
  if (c == '\'' || c == '"') {
    char tmp[256];
    return lit_string(p, tmp, sizeof tmp);
  }
  if (c == '(' || c == '[') {
    int close = c == '(' ? ')' : ']';
    p->pos++;
    for (;;) {
      lit_ws(p);
      if (lit_peek(p) == close) {
        p->pos++;
        return 0;
      }
      if (lit_skip(p, depth + 1) != 0) return -1;
      lit_ws(p);
      if (lit_peek(p) == ',')
        p->pos++;
      else if (lit_peek(p) != close)
        return lit_fail(p, "',' or a closing bracket");
    }
  }
  size_t start = p->pos;
  while (p->pos < p->n && ((p->s[p->pos] >= '0' && p->s[p->pos] <= '9') ||
                           (p->s[p->pos] >= 'A' && p->s[p->pos] <= 'Z') ||
                           (p->s[p->pos] >= 'a' && p->s[p->pos] <= 'z') || p->s[p->pos] == '_' ||
                           p->s[p->pos] == '-'))
    p->pos++;
  return p->pos > start ? 0 : lit_fail(p, "a value");
}

static int parse_shape(lit_parser *p, npy_header *h) {
  if (lit_peek(p) != '(')
    return fail(p->err, p->err_size, "header is not a valid dict: 'shape' is not a tuple");
  p->pos++;
  int ndim = 0, commas = 0;
  for (;;) {
    lit_ws(p);
    if (lit_peek(p) == ')') {
      p->pos++;
      break;
    }
    if (ndim == NPY_MAX_DIMS)
      return fail(p->err, p->err_size, "shape has more than %d dims", NPY_MAX_DIMS);
    uint64_t v = 0;
    int overflow = 0;
    if (lit_uint(p, &v, &overflow) != 0) return -1;
    if (overflow || v > (uint64_t)INT64_MAX)
      return fail(p->err, p->err_size,
                  "shape dim %d does not fit in 64 bits: the shape product overflows", ndim);
    h->shape[ndim++] = (int64_t)v;
    lit_ws(p);
    if (lit_peek(p) == ',') {
      p->pos++;
      commas++;
    } else if (lit_peek(p) != ')') {
      return lit_fail(p, "',' or ')' in the shape");
    }
  }
  /* (3) is an int in parentheses, not a tuple. */
  if (ndim == 1 && commas == 0)
    return fail(p->err, p->err_size,
                "header is not a valid dict: 'shape' is not a tuple "
                "(a 1-d shape is written (n,))");
  h->ndim = ndim;
  return 0;
}

static int parse_dict(const char *s, size_t n, int as_bfloat16, npy_header *h, char *err,
                      size_t err_size) {
  lit_parser p = {s, n, 0, err, err_size};
  int have_descr = 0, have_fortran = 0, have_shape = 0;
  lit_ws(&p);
  if (lit_peek(&p) != '{') return lit_fail(&p, "'{'");
  p.pos++;
  for (;;) {
    lit_ws(&p);
    if (lit_peek(&p) == '}') {
      p.pos++;
      break;
    }
    char key[64], show[4 * sizeof key + 1];
    if (lit_string(&p, key, sizeof key) != 0) return -1;
    lit_ws(&p);
    if (lit_peek(&p) != ':') return lit_fail(&p, "':' after a key");
    p.pos++;
    lit_ws(&p);
    int *seen = strcmp(key, "descr") == 0           ? &have_descr
                : strcmp(key, "fortran_order") == 0 ? &have_fortran
                : strcmp(key, "shape") == 0         ? &have_shape
                                                    : NULL;
    if (!seen)
      return fail(err, err_size,
                  "header is not a valid dict: unexpected key '%s' (a .npy "
                  "header has exactly 'descr', 'fortran_order' and 'shape')",
                  shown(key, show, sizeof show));
    if (*seen)
      return fail(err, err_size, "header is not a valid dict: key '%s' is given twice", key);
    *seen = 1;
    if (seen == &have_descr) {
      if (lit_peek(&p) == '[') {
        if (lit_skip(&p, 0) != 0) return -1;
        snprintf(h->descr, sizeof h->descr, "[...]");
        return fail(err, err_size,
                    "unsupported dtype: structured arrays (a list of fields as "
                    "'descr') are not supported");
      }
      if (lit_string(&p, h->descr, sizeof h->descr) != 0) return -1;
    } else if (seen == &have_fortran) {
      if (n - p.pos >= 4 && memcmp(s + p.pos, "True", 4) == 0) {
        h->fortran_order = 1;
        p.pos += 4;
      } else if (n - p.pos >= 5 && memcmp(s + p.pos, "False", 5) == 0) {
        h->fortran_order = 0;
        p.pos += 5;
      } else {
        return lit_fail(&p, "True or False for 'fortran_order'");
      }
    } else {
      if (parse_shape(&p, h) != 0) return -1;
    }
    lit_ws(&p);
    if (lit_peek(&p) == ',')
      p.pos++;
    else if (lit_peek(&p) != '}')
      return lit_fail(&p, "',' or '}'");
  }
  lit_ws(&p);
  if (p.pos != n) return lit_fail(&p, "nothing after the dict");
  if (!have_descr || !have_fortran || !have_shape)
    return fail(err, err_size, "header is not a valid dict: key '%s' is missing",
                !have_descr     ? "descr"
                : !have_fortran ? "fortran_order"
                                : "shape");
  return parse_descr(h, h->descr, as_bfloat16, err, err_size);
}

/* numel and data_bytes from the shape, checking for overflow. */
static int compute_sizes(npy_header *h, char *err, size_t err_size) {
  uint64_t numel = 1;
  int zero = 0;
  for (int i = 0; i < h->ndim; i++) {
    if (h->shape[i] == 0) zero = 1;
  }
  for (int i = 0; i < h->ndim && !zero; i++) {
    uint64_t d = (uint64_t)h->shape[i];
    if (d != 0 && numel > UINT64_MAX / d)
      numel = UINT64_MAX;
    else
      numel *= d;
  }
  if (zero) numel = 0;
  if (numel > (uint64_t)INT64_MAX / (h->itemsize ? h->itemsize : 1)) {
    char shape[256];
    npy_format_shape(h, shape, sizeof shape);
    return fail(err, err_size,
                "shape %s overflows: its product times the item size (%zu) "
                "does not fit in 64 bits",
                shape, h->itemsize);
  }
  h->numel = numel;
  h->data_bytes = numel * h->itemsize;
  return 0;
}

/* Reads exactly n bytes; returns the count read (short at end of file), or
 * -1 on an I/O error. */
static ssize_t read_exact(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

int npy_read_header(int fd, int as_bfloat16, npy_header *h, char *err, size_t err_size) {
  memset(h, 0, sizeof *h);
  unsigned char pre[12];
  ssize_t r = read_exact(fd, pre, 8);
  if (r < 0) return fail(err, err_size, "cannot read: %s", strerror(errno));
  if (r < 6 || memcmp(pre, npy_magic, 6) != 0) {
    char shown[64];
    size_t k = 0;
    for (ssize_t i = 0; i < (r < 6 ? r : 6); i++)
      k += (size_t)snprintf(shown + k, sizeof shown - k,
                            (pre[i] >= 0x20 && pre[i] < 0x7f && pre[i] != '\\') ? "%c" : "\\x%02x",
                            pre[i]);
    shown[k] = '\0';
    return fail(err, err_size, "not a .npy file: bad magic (expected \\x93NUMPY, found \"%s\"%s)",
                shown, r < 6 ? ", the file is too short" : "");
  }
  if (r < 8) return fail(err, err_size, "truncated: the file ends inside the format version");
  h->major = pre[6];
  h->minor = pre[7];
  if ((h->major != 1 && h->major != 2 && h->major != 3) || h->minor != 0)
    return fail(err, err_size,
                "unsupported .npy format version %d.%d (c2op reads 1.0, 2.0 and "
                "3.0)",
                h->major, h->minor);
  size_t len_bytes = h->major == 1 ? 2 : 4;
  r = read_exact(fd, pre + 8, len_bytes);
  if (r < 0) return fail(err, err_size, "cannot read: %s", strerror(errno));
  if ((size_t)r < len_bytes)
    return fail(err, err_size, "truncated: the file ends inside the header length");
  uint64_t hlen = h->major == 1 ? (uint64_t)pre[8] | (uint64_t)pre[9] << 8
                                : (uint64_t)pre[8] | (uint64_t)pre[9] << 8 |
                                      (uint64_t)pre[10] << 16 | (uint64_t)pre[11] << 24;
  if (hlen > NPY_MAX_HEADER_BYTES)
    return fail(err, err_size,
                "header length %" PRIu64 " is too large (c2op reads headers up "
                "to %u bytes)",
                hlen, NPY_MAX_HEADER_BYTES);
  char *text = malloc(hlen ? hlen : 1);
  if (!text) return fail(err, err_size, "out of memory for a header of %" PRIu64 " bytes", hlen);
  r = read_exact(fd, text, hlen);
  int rc;
  if (r < 0) {
    rc = fail(err, err_size, "cannot read: %s", strerror(errno));
  } else if ((uint64_t)r < hlen) {
    rc = fail(err, err_size,
              "truncated: the header says %" PRIu64 " bytes but the file ends "
              "after %zd",
              hlen, r);
  } else if (memchr(text, '\0', hlen)) {
    rc = fail(err, err_size, "header is not a valid dict: it contains a NUL byte");
  } else {
    rc = parse_dict(text, hlen, as_bfloat16, h, err, err_size);
  }
  free(text);
  if (rc != 0) return rc;
  h->data_offset = 8 + len_bytes + hlen;
  return compute_sizes(h, err, err_size);
}

int npy_header_init(npy_header *h, DLDataType dtype, int big_endian, int fortran_order, int ndim,
                    const int64_t *shape, char *err, size_t err_size) {
  memset(h, 0, sizeof *h);
  h->major = 1;
  if (ndim < 0 || ndim > NPY_MAX_DIMS) return fail(err, err_size, "ndim %d is out of range", ndim);
  char descr[16];
  if (dtype_to_descr(dtype, big_endian, descr, sizeof descr) != 0)
    return fail(err, err_size, "dtype %s has no .npy descr", cli_dtype_name(dtype));
  if (parse_descr(h, descr, 0, err, err_size) != 0) return -1;
  snprintf(h->descr, sizeof h->descr, "%s", descr);
  h->fortran_order = fortran_order;
  h->ndim = ndim;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return fail(err, err_size, "shape dim %d is negative", i);
    h->shape[i] = shape[i];
  }
  return compute_sizes(h, err, err_size);
}

void npy_format_shape(const npy_header *h, char *buf, size_t size) {
  size_t k = 0;
  k += (size_t)snprintf(buf, size, "(");
  for (int i = 0; i < h->ndim && k < size; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%" PRId64, i ? ", " : "", h->shape[i]);
  if (k < size) snprintf(buf + k, size - k, h->ndim == 1 ? ",)" : ")");
}

size_t npy_format_header(npy_header *h, char *buf, size_t size) {
  /* NumPy writes Fortran order only for arrays that are not C-contiguous:
   * an array with no elements, or with at most one dim larger than 1, is
   * both, and is written with False. */
  int big_dims = 0;
  for (int i = 0; i < h->ndim; i++)
    big_dims += h->shape[i] > 1;
  const int fortran = h->fortran_order && h->numel > 0 && big_dims > 1;
  char shape[NPY_MAX_DIMS * 24 + 8];
  npy_format_shape(h, shape, sizeof shape);
  char dict[sizeof shape + 160];
  int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }",
                   h->canonical_descr, fortran ? "True" : "False", shape);
  if (n < 0 || (size_t)n + 24 >= sizeof dict) return 0;
  size_t len = (size_t)n;
  /* Spare room for the growth axis (NumPy >= 1.24: 21 digits). */
  if (h->ndim > 0) {
    char digits[24];
    int d = snprintf(digits, sizeof digits, "%" PRId64, h->shape[fortran ? h->ndim - 1 : 0]);
    for (int i = d; i < 21; i++)
      dict[len++] = ' ';
  }
  for (int version = 1; version <= 2; version++) {
    size_t prefix = version == 1 ? 10 : 12;
    size_t hlen = len + 1;
    size_t pad = 64 - (prefix + hlen) % 64;
    size_t total_header = hlen + pad;
    if (version == 1 && total_header > 0xFFFF) continue;
    if (prefix + total_header > size) return 0;
    memcpy(buf, npy_magic, 6);
    buf[6] = (char)version;
    buf[7] = 0;
    buf[8] = (char)(total_header & 0xFF);
    buf[9] = (char)((total_header >> 8) & 0xFF);
    if (version == 2) {
      buf[10] = (char)((total_header >> 16) & 0xFF);
      buf[11] = (char)((total_header >> 24) & 0xFF);
    }
    memcpy(buf + prefix, dict, len);
    memset(buf + prefix + len, ' ', pad);
    buf[prefix + len + pad] = '\n';
    h->major = version;
    h->minor = 0;
    h->data_offset = prefix + total_header;
    return prefix + total_header;
  }
  return 0;
}
