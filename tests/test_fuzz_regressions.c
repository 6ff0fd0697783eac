/*
 * test_fuzz_regressions.c - one test per bug the fuzz targets (fuzz/)
 * found, each failing before its fix. The inputs that found them are in
 * fuzz/regressions/<target>/ (replayed by ctest in build-fuzz/); these
 * tests restate each case through the public API so the main suite
 * (release and ASan+UBSan builds) keeps them fixed.
 */
#define _GNU_SOURCE /* programs/npy.c reads through read(2) */
#include "c2op_test.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* The c2op command's .npy reader, compiled in (it is CLI code, not part of
 * the library); it names dtypes through the CLI's helper. */
#include "../programs/npy.c"
const char *cli_dtype_name(DLDataType dtype) {
  (void)dtype;
  return "(dtype)";
}

/* Calls op(x, y) expecting `want`, with a message, y's bytes untouched and
 * the tensors' fields unchanged. */
static void check_refused(int negative, const DLTensor *x, DLTensor *y, const unsigned char *ybuf,
                          size_t ybytes, c2op_status want) {
  unsigned char before[256];
  DLTensor xs = *x, ys = *y;
  memcpy(before, ybuf, ybytes);
  c2op_status st = negative ? c2op_negative(x, y) : c2op_negate_gradient(x, y);
  CHECK_STATUS(st, want);
  CHECK(c2op_last_error()[0] != '\0');
  CHECK(memcmp(before, ybuf, ybytes) == 0);
  CHECK(memcmp(&xs, x, sizeof xs) == 0 && memcmp(&ys, y, sizeof ys) == 0);
}

/* fuzz/regressions/kernel/extent_hi_plus_one_overflow: a stride whose
 * reach is exactly INT64_MAX elements made the extent computation add 1 to
 * INT64_MAX (signed overflow: UB; in a release build it wrapped, and with
 * 1-byte elements the tensor was accepted and indexed 2^63 bytes away). */
static void stride_reaching_int64_max_is_an_overflow(void) {
  unsigned char xbuf[16] = {1, 2, 3, 4}, ybuf[16] = {0};
  int64_t shape[1] = {2}, huge[1] = {INT64_MAX};
  const DLDataType dts[2] = {{kDLInt, 8, 1}, {kDLUInt, 8, 1}};
  for (int d = 0; d < 2; d++) {
    for (int negative = 0; negative < 2; negative++) {
      /* The huge stride in x, then in y. */
      DLTensor x = {xbuf, {kDLCPU, 0}, 1, dts[d], shape, huge, 0};
      DLTensor y = {ybuf, {kDLCPU, 0}, 1, dts[d], shape, NULL, 0};
      check_refused(negative, &x, &y, ybuf, sizeof ybuf, C2OP_ERR_OVERFLOW);
      x.strides = NULL;
      y.strides = huge;
      check_refused(negative, &x, &y, ybuf, sizeof ybuf, C2OP_ERR_OVERFLOW);
    }
  }
  /* Over two dims: INT64_MAX - 1 plus 1. */
  int64_t shape2[2] = {2, 2}, strides2[2] = {INT64_MAX - 1, 1};
  DLTensor x = {xbuf, {kDLCPU, 0}, 2, dts[0], shape2, strides2, 0};
  DLTensor y = {ybuf, {kDLCPU, 0}, 2, dts[0], shape2, NULL, 0};
  check_refused(1, &x, &y, ybuf, sizeof ybuf, C2OP_ERR_OVERFLOW);
}

/* fuzz/regressions/kernel/direct_path_dim_int64_min: the direct path for
 * small dense tensors (c2op__fast_direct) range-checked each dim as
 * (uint64_t)(d - 1), which overflows for a dim of INT64_MIN (signed
 * overflow: UB; the sanitizer build stopped there instead of refusing the
 * shape). Innermost and outer dim, two dtypes, both ops. */
static void a_dim_of_int64_min_is_refused(void) {
  unsigned char xbuf[16] = {1, 2, 3, 4}, ybuf[16] = {0};
  int64_t one_d[1] = {INT64_MIN}, two_d[2] = {INT64_MIN, 4};
  const DLDataType dts[2] = {{kDLFloat, 32, 1}, {kDLInt, 8, 1}};
  for (int d = 0; d < 2; d++) {
    for (int negative = 0; negative < 2; negative++) {
      DLTensor x = {xbuf, {kDLCPU, 0}, 1, dts[d], one_d, NULL, 0};
      DLTensor y = {ybuf, {kDLCPU, 0}, 1, dts[d], one_d, NULL, 0};
      check_refused(negative, &x, &y, ybuf, sizeof ybuf, C2OP_ERR_INVALID_ARGUMENT);
      CHECK_CONTAINS(c2op_last_error(), "x: shape[0] is -9223372036854775808, must be >= 0");
      x.ndim = y.ndim = 2;
      x.shape = y.shape = two_d;
      check_refused(negative, &x, &y, ybuf, sizeof ybuf, C2OP_ERR_INVALID_ARGUMENT);
      CHECK_CONTAINS(c2op_last_error(), "x: shape[0] is -9223372036854775808, must be >= 0");
    }
  }
}

/* Reads a .npy file made of a version 1.0 preamble and `header`; returns
 * npy_read_header's result, the message in err. */
static int read_npy_header(const char *header, size_t len, char *err, size_t err_size) {
  FILE *f = tmpfile();
  if (!f) return 0;
  unsigned char pre[10] = {
      0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(len & 0xff), (unsigned char)(len >> 8)};
  fwrite(pre, 1, sizeof pre, f);
  fwrite(header, 1, len, f);
  fflush(f);
  lseek(fileno(f), 0, SEEK_SET);
  npy_header h;
  int rc = npy_read_header(fileno(f), 0, &h, err, err_size);
  fclose(f);
  return rc;
}

static int printable_ascii(const char *s) {
  for (; *s; s++)
    if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e) return 0;
  return 1;
}

/* fuzz/regressions/npy/key_with_control_bytes, descr_with_control_bytes:
 * the .npy reader copied bytes of the file into its messages raw, so a
 * file could put a terminal escape sequence (ESC [2J: clear the screen) or
 * invalid UTF-8 on the c2op command's stderr. They are now shown as \xHH. */
static void npy_messages_escape_the_bytes_they_quote(void) {
  static const char key[] = "{'desc\xd5\x0c': '<f4', 'fortran_order': False, 'shape': (1,), }\n";
  static const char descr[] = "{'descr': '<f\x1b[2J4', 'fortran_order': False, 'shape': (1,), }\n";
  char err[512];
  CHECK_EQ_INT(read_npy_header(key, sizeof key - 1, err, sizeof err), -1);
  CHECK(printable_ascii(err));
  CHECK_CONTAINS(err, "unexpected key 'desc\\xd5\\x0c'");
  CHECK_EQ_INT(read_npy_header(descr, sizeof descr - 1, err, sizeof err), -1);
  CHECK(printable_ascii(err));
  CHECK_CONTAINS(err, "unsupported dtype '<f\\x1b[2J4'");
}

/* fuzz/regressions/netdef/string_token_utf8, op_type_escape_sequence: the
 * NetDef reader quoted bytes >= 0x80 of a token (a string where a field
 * name belongs), and the decoded op type of an unknown op, raw in its
 * messages (an op type "\033[2J" cleared the terminal of whoever printed
 * the error). They are now shown as '?'. */
static void netdef_messages_show_only_printable_ascii(void) {
  static const char field[] = "\"\xc3\xa9tat\"\n";
  static const char type[] = "op { input: \"X\" output: \"Y\" type: \"\\033[2J\\xff\" }\n";
  c2op_net *net = NULL;
  CHECK_STATUS(c2op_net_from_text(field, sizeof field - 1, &net), C2OP_ERR_INVALID_ARGUMENT);
  CHECK(printable_ascii(c2op_last_error()));
  CHECK_CONTAINS(c2op_last_error(),
                 "line 1, column 1: expected a field name in the net, found '\"??tat\"'");
  CHECK_STATUS(c2op_net_from_text(type, sizeof type - 1, &net), C2OP_ERR_NOT_FOUND);
  CHECK(printable_ascii(c2op_last_error()));
  CHECK_CONTAINS(c2op_last_error(), "unknown op type '?[2J?'");
  CHECK(net == NULL);
}

int main(void) {
  RUN(stride_reaching_int64_max_is_an_overflow);
  RUN(a_dim_of_int64_min_is_refused);
  RUN(npy_messages_escape_the_bytes_they_quote);
  RUN(netdef_messages_show_only_printable_ascii);
  return TEST_MAIN_END();
}
