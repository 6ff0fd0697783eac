/*
 * fuzz_npy.c - libFuzzer target for the c2op command's .npy reader and
 * writer (programs/npy.c).
 *
 * The input is a whole .npy file, handed to npy_read_header through a
 * memory file (memfd), once as is and once with --bfloat16. Then, as the
 * CLI does, the data is read (at most what the file holds) and byte
 * swapped. Checks:
 *  - an error gives a NUL-terminated, non-empty message of printable
 *    ASCII (bytes from the file are escaped, not copied raw);
 *  - a header read leaves the fd at data_offset, with numel the product of
 *    the shape, data_bytes = numel * itemsize, ndim <= NPY_MAX_DIMS, and
 *    NUL-terminated descr strings;
 *  - round trip: npy_header_init from what was read, npy_format_header,
 *    read back: the same dtype, byte order, shape and (effective) order;
 *    formatting that header again gives the very same bytes; a void
 *    input read as bfloat16 (whose descr is kept, as `run` writes it) is
 *    also formatted as read and read back with --bfloat16: the same
 *    descr, dtype and shape;
 *  - npy_format_shape never writes past the size it is given.
 * No leaks (ASan's leak check runs at exit and every few runs).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "cli.h"
#include "npy.h"

/* npy.c names dtypes in one message through the CLI's helper (in c2op.c,
 * which holds main); a stand-in. */
const char *cli_dtype_name(DLDataType dtype) {
  (void)dtype;
  return "(dtype)";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int g_fd = -1;
static char g_header[1 << 16], g_header2[1 << 16];

static void die(const char *what, const char *detail) {
  fprintf(stderr, "\nfuzz_npy: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  abort();
}

/* A memory file holding the n bytes, offset 0. */
static int memory_file(const void *p, size_t n) {
  if (g_fd < 0) {
    g_fd = memfd_create("fuzz_npy", 0);
    if (g_fd < 0) die("memfd_create failed", strerror(errno));
  }
  if (ftruncate(g_fd, 0) != 0 || lseek(g_fd, 0, SEEK_SET) != 0) die("ftruncate failed", NULL);
  size_t done = 0;
  while (done < n) {
    ssize_t w = write(g_fd, (const char *)p + done, n - done);
    if (w <= 0) die("write failed", strerror(errno));
    done += (size_t)w;
  }
  if (lseek(g_fd, 0, SEEK_SET) != 0) die("lseek failed", NULL);
  return g_fd;
}

static int effective_fortran(const npy_header *h) {
  int big = 0;
  for (int i = 0; i < h->ndim; i++)
    big += h->shape[i] > 1;
  return h->fortran_order && h->numel > 0 && big > 1;
}

static void check_header(const npy_header *h, size_t file_size) {
  if (h->ndim < 0 || h->ndim > NPY_MAX_DIMS) die("ndim out of range", NULL);
  if (!memchr(h->descr, '\0', sizeof h->descr) ||
      !memchr(h->canonical_descr, '\0', sizeof h->canonical_descr))
    die("descr not NUL-terminated", NULL);
  if (h->itemsize == 0 || h->itemsize > 16) die("odd itemsize", h->descr);
  if ((size_t)h->dtype.bits != h->itemsize * 8 || h->dtype.lanes != 1)
    die("dtype does not match itemsize", h->descr);
  uint64_t n = 1;
  int zero = 0;
  for (int i = 0; i < h->ndim; i++) {
    if (h->shape[i] < 0) die("negative dim accepted", NULL);
    if (h->shape[i] == 0) zero = 1;
  }
  for (int i = 0; i < h->ndim && !zero; i++) {
    if (__builtin_mul_overflow(n, (uint64_t)h->shape[i], &n)) die("numel overflow accepted", NULL);
  }
  if (zero) n = 0;
  if (n != h->numel) die("numel is not the product of the shape", NULL);
  uint64_t bytes;
  if (__builtin_mul_overflow(n, (uint64_t)h->itemsize, &bytes) || bytes > (uint64_t)INT64_MAX)
    die("data_bytes overflow accepted", NULL);
  if (bytes != h->data_bytes) die("data_bytes is not numel * itemsize", NULL);
  if (h->data_offset > file_size) die("data_offset past the end of the file", NULL);
  if (h->swap_unit != 0 && h->swap_unit != 2 && h->swap_unit != 4 && h->swap_unit != 8)
    die("odd swap_unit", h->descr);
}

/* The CLI's data read: at most what is there, then the byte swap. */
static void read_data(int fd, const npy_header *h, size_t file_size) {
  size_t have = file_size - (size_t)h->data_offset;
  size_t n = h->data_bytes < have ? (size_t)h->data_bytes : have;
  char *buf = malloc(n ? n : 1);
  if (!buf) die("malloc failed", NULL);
  ssize_t got = read(fd, buf, n);
  if (got < 0 || (size_t)got != n) die("fd not left at the data", NULL);
  npy_byteswap(buf, n, h->swap_unit);
  free(buf);
}

static void round_trip(const npy_header *h) {
  char err[512];
  npy_header w, back;
  const int big = h->swap_unit ? !npy_host_big_endian() : npy_host_big_endian();
  if (npy_header_init(&w, h->dtype, big, h->fortran_order, h->ndim, h->shape, err, sizeof err) != 0)
    die("npy_header_init refused what was read", err);
  /* A void input read as bfloat16 keeps its 'V2' descr; from the dtype
   * alone the descr is 'bfloat16'. */
  const int void_bf16 = h->dtype.code == kDLBfloat && h->canonical_descr[0] != 'b';
  if (void_bf16 && (strcmp(h->canonical_descr, "|V2") != 0 &&
                    strcmp(h->canonical_descr, "<V2") != 0 && strcmp(h->canonical_descr, ">V2") != 0))
    die("a void bfloat16 input has an unexpected descr", h->canonical_descr);
  if (strcmp(w.canonical_descr, void_bf16 ? "bfloat16" : h->canonical_descr) != 0 ||
      w.swap_unit != h->swap_unit)
    die("npy_header_init gives another descr", w.canonical_descr);
  size_t len = npy_format_header(&w, g_header, sizeof g_header);
  if (len == 0) die("npy_format_header failed", NULL);
  if (len % 64 != 0 || g_header[len - 1] != '\n' || w.data_offset != len)
    die("formatted header not aligned to 64 bytes or not ended by a newline", NULL);
  int fd = memory_file(g_header, len);
  if (npy_read_header(fd, 0, &back, err, sizeof err) != 0)
    die("the written header does not read back", err);
  if (back.dtype.code != h->dtype.code || back.dtype.bits != h->dtype.bits ||
      back.swap_unit != h->swap_unit || back.ndim != h->ndim ||
      memcmp(back.shape, h->shape, sizeof(int64_t) * (size_t)h->ndim) != 0 ||
      effective_fortran(&back) != effective_fortran(h) || back.data_offset != len)
    die("round trip changed the header", back.descr);
  size_t len2 = npy_format_header(&back, g_header2, sizeof g_header2);
  if (len2 != len || memcmp(g_header, g_header2, len) != 0)
    die("formatting the read-back header gives other bytes", NULL);
  if (void_bf16) { /* the header `run` writes for it */
    npy_header as_read = *h, again;
    size_t vlen = npy_format_header(&as_read, g_header, sizeof g_header);
    if (vlen == 0) die("npy_format_header failed on a void bfloat16 header", NULL);
    int vfd = memory_file(g_header, vlen);
    if (npy_read_header(vfd, 1, &again, err, sizeof err) != 0)
      die("a void bfloat16 header does not read back with --bfloat16", err);
    if (strcmp(again.canonical_descr, h->canonical_descr) != 0 ||
        again.dtype.code != kDLBfloat || again.ndim != h->ndim ||
        memcmp(again.shape, h->shape, sizeof(int64_t) * (size_t)h->ndim) != 0)
      die("a void bfloat16 header changed on its way back", again.canonical_descr);
  }
}

static void format_shape_bounds(const npy_header *h) {
  char buf[40];
  for (size_t size = 1; size <= 24; size += 7) {
    memset(buf, 'Z', sizeof buf);
    npy_format_shape(h, buf, size);
    if (!memchr(buf, '\0', size)) die("npy_format_shape left no NUL", NULL);
    for (size_t i = size; i < sizeof buf; i++)
      if (buf[i] != 'Z') die("npy_format_shape wrote past its size", NULL);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  for (int as_bf16 = 0; as_bf16 < 2; as_bf16++) {
    int fd = memory_file(data, size);
    npy_header h;
    char err[1024];
    memset(err, 'Z', sizeof err);
    if (npy_read_header(fd, as_bf16, &h, err, sizeof err) != 0) {
      if (!memchr(err, '\0', sizeof err) || err[0] == '\0' || err[0] == 'Z')
        die("an error without a message", NULL);
      for (const char *c = err; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
          die("the message has a byte that is not printable ASCII", err);
      if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "refused%s: %s\n", as_bf16 ? " (--bfloat16)" : "", err);
      continue;
    }
    check_header(&h, size);
    if (getenv("FUZZ_VERBOSE"))
      fprintf(stderr, "read%s: descr %s, %d dims, %llu bytes of data\n",
              as_bf16 ? " (--bfloat16)" : "", h.canonical_descr, h.ndim,
              (unsigned long long)h.data_bytes);
    off_t at = lseek(fd, 0, SEEK_CUR);
    if (at < 0 || (uint64_t)at != h.data_offset) die("fd not left at data_offset", NULL);
    read_data(fd, &h, size);
    format_shape_bounds(&h);
    round_trip(&h);
  }
  return 0;
}
