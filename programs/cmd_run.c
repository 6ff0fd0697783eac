/* cmd_run.c - `c2op run` (an op over a .npy file, streaming) and
 * `c2op show` (a .npy file's header and values).
 *
 * Streaming: an elementwise op does not care about shape or memory order,
 * so the data is processed as a flat run of elements, one chunk at a time:
 * read, swap to host byte order if needed, run the op in place on the chunk,
 * swap back, write. Memory is one chunk buffer whatever the file's size. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fileio.h"
#include "npy.h"
#include "print.h"

/** Default chunk: large enough that system calls cost nothing, small enough
 *  to stay in the L2 cache between the read, the op and the write. */
#define RUN_DEFAULT_CHUNK ((int64_t)1 << 20)

static const char run_help[] =
    "usage: c2op run OP IN.npy -o OUT.npy [options]\n"
    "       c2op run OP IN.npy --in-place [options]\n"
    "\n"
    "Runs OP (Negative: y = -x, or NegateGradient: y = x, the gradient reversal\n"
    "layer's forward) on every element of IN.npy and saves the result. The\n"
    "output keeps the dtype, byte order, memory order and shape; its bytes are\n"
    "what NumPy's np.save writes for the same result. The file is processed in\n"
    "chunks, so memory stays bounded whatever its size. The output appears only\n"
    "when complete (temporary file in the same folder, then rename): on any\n"
    "error no output is created and an existing one is left as it was.\n"
    "\n"
    "options:\n"
    "  -o, --output OUT.npy  where to write the result (may be IN.npy itself)\n"
    "  --in-place            rewrite IN.npy (same as -o IN.npy)\n"
    "  --chunk-bytes N       bytes per chunk (K, M, G suffixes; default 1M)\n"
    "  --threads N           CPU threads per chunk (default 1: a chunk is small and\n"
    "                        the time goes to reading and writing; 0 = automatic)\n"
    "  --device cpu|cuda[:N] where the op runs (default cpu); with cuda each chunk is\n"
    "                        copied to GPU N, negated there and copied back\n"
    "  --bfloat16            read 2-byte void data ('<V2', how NumPy with ml_dtypes\n"
    "                        saves bfloat16, or '|V2') as bfloat16; the output keeps\n"
    "                        the descr\n"
    "  -h, --help            this help\n"
    "\n"
    ".npy: format versions 1.0, 2.0 and 3.0; dtypes int8-64, uint8-64 (negated\n"
    "modulo 2^bits), float16, float32, float64, complex64, complex128, bfloat16\n"
    "(descr 'bfloat16'), and bool for NegateGradient; '<', '>' and '|' byte\n"
    "orders; C and Fortran order; 0-d and empty arrays.\n"
    "Exit codes: 0 success, 1 bad input or failed write, 2 usage error.\n";

static const char show_help[] =
    "usage: c2op show FILE.npy [--limit N] [--bfloat16]\n"
    "\n"
    "Prints the file's dtype, byte order, shape and memory order, then its values\n"
    "in index order, nested like NumPy. Arrays of more than N elements (default\n"
    "1000) show only their first N elements in file order.\n";

typedef enum { OP_NEGATIVE, OP_NEGATE_GRADIENT } run_op;

/* Runs the op in place over n host-order elements at data. A 0-element call
 * checks the dtype only. */
static c2op_status apply_op(run_op op, const c2op_context *ctx, DLDataType dtype, void *data,
                            int64_t n) {
  static char dummy[16];
  int64_t shape[1] = {n};
  DLTensor t = {n > 0 ? data : dummy, {kDLCPU, 0}, 1, dtype, shape, NULL, 0};
  return op == OP_NEGATIVE ? c2op_negative_ex(ctx, &t, &t) : c2op_negate_gradient_ex(ctx, &t, &t);
}

/* The op on GPU `device_id`, through a workspace (public API only): the
 * chunk is fed to a CUDA blob, the op runs there in place, and the blob is
 * copied back over the chunk. */
static c2op_status apply_op_cuda(run_op op, c2op_workspace *ws, int32_t device_id,
                                 const c2op_context *ctx, DLDataType dtype, void *data,
                                 int64_t n) {
  int64_t shape[1] = {n};
  DLTensor t = {data, {kDLCPU, 0}, 1, dtype, shape, NULL, 0};
  const c2op_device_option cuda = {C2OP_DEVICE_CUDA, device_id};
  const char *blob[1] = {"X"};
  c2op_op_def *def = NULL;
  c2op_status s = c2op_workspace_feed_on(ws, "X", &t, &cuda);
  if (s == C2OP_OK)
    s = c2op_op_def_create(op == OP_NEGATIVE ? "Negative" : "NegateGradient", 1, blob, 1, blob,
                           &def);
  if (s == C2OP_OK) {
    def->device_option = cuda;
    s = c2op_workspace_run_op(ws, ctx, def);
  }
  if (s == C2OP_OK) s = c2op_workspace_fetch_copy(ws, "X", &t);
  c2op_op_def_destroy(def);
  return s;
}

/* The library's message without its leading "x: ". */
static const char *lib_message(void) {
  const char *m = c2op_last_error();
  return strncmp(m, "x: ", 3) == 0 ? m + 3 : m;
}

typedef struct {
  const char *op_name, *in, *out;
  int in_place, as_bfloat16;
  int64_t chunk, threads;
  int on_cuda;       /* --device cuda[:N] */
  int64_t device_id; /* N */
} run_args;

static int do_run(const run_args *a, run_op op) {
  char err[1024];
  int rc = CLI_FAIL;
  int in_fd = open(a->in, O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) {
    cli_error("%s: cannot open: %s", a->in, strerror(errno));
    return CLI_FAIL;
  }
  npy_header h;
  struct stat st;
  memset(&st, 0, sizeof st);
  c2op_context *ctx = NULL;
  c2op_workspace *ws = NULL;
  char *buf = NULL;
  cli_outfile out;
  int out_open = 0;
  if (npy_read_header(in_fd, a->as_bfloat16, &h, err, sizeof err) != 0) {
    cli_error("%s: %s", a->in, err);
    goto done;
  }
  if (c2op_context_create(&ctx) != C2OP_OK ||
      c2op_context_set_num_threads(ctx, (int32_t)a->threads) != C2OP_OK) {
    cli_error("cannot create a context: %s", c2op_last_error());
    goto done;
  }
  if (a->on_cuda && (!c2op_has_cuda() || c2op_workspace_create(&ws) != C2OP_OK)) {
    cli_error("--device cuda: %s", c2op_has_cuda() ? c2op_last_error()
                                                   : "this c2op was built without CUDA");
    goto done;
  }
  /* The op's verdict on the dtype, before anything is written. */
  if (apply_op(op, ctx, h.dtype, NULL, 0) != C2OP_OK) {
    cli_error("%s: unsupported dtype '%s' for %s: %s", a->in, h.descr, a->op_name, lib_message());
    goto done;
  }
  /* And the device's, on no elements: a file with none would otherwise
   * never reach the GPU, and succeed without one. */
  static char probe[16];
  if (a->on_cuda &&
      apply_op_cuda(op, ws, (int32_t)a->device_id, ctx, h.dtype, probe, 0) != C2OP_OK) {
    cli_error("--device cuda:%" PRId64 ": %s", a->device_id, c2op_last_error());
    goto done;
  }
  if (fstat(in_fd, &st) == 0 && S_ISREG(st.st_mode)) {
    uint64_t have = (uint64_t)st.st_size > h.data_offset ? (uint64_t)st.st_size - h.data_offset : 0;
    if (have != h.data_bytes) {
      char shape[256];
      npy_format_shape(&h, shape, sizeof shape);
      cli_error("%s: data is %s than the header says: %" PRIu64 " bytes after the header, "
                "expected %" PRIu64 " for shape %s of '%s'",
                a->in, have < h.data_bytes ? "shorter" : "longer", have, h.data_bytes, shape,
                h.descr);
      goto done;
    }
    posix_fadvise(in_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  /* Whole elements per chunk. */
  size_t chunk = (size_t)a->chunk / h.itemsize * h.itemsize;
  if (chunk < h.itemsize) chunk = h.itemsize;
  if (chunk > h.data_bytes && h.data_bytes > 0) chunk = (size_t)h.data_bytes;
  if (posix_memalign((void **)&buf, 4096, chunk) != 0) {
    buf = NULL;
    cli_error("out of memory for a chunk of %zu bytes", chunk);
    goto done;
  }
  if (cli_out_open(&out, a->out, err, sizeof err) != 0) {
    cli_error("%s", err);
    goto done;
  }
  out_open = 1;
  char header[4096];
  size_t header_len = npy_format_header(&h, header, sizeof header);
  if (header_len == 0) {
    cli_error("%s: cannot format the output header", a->out);
    goto done;
  }
  if (cli_write_all(out.fd, header, header_len) != 0) {
    cli_error("%s: write failed: %s", a->out, strerror(errno));
    goto done;
  }
  const int swap = h.swap_unit > 1 && op == OP_NEGATIVE;
  uint64_t left = h.data_bytes;
  while (left > 0) {
    size_t n = left < chunk ? (size_t)left : chunk;
    ssize_t got = cli_read_full(in_fd, buf, n);
    if (got < 0) {
      cli_error("%s: read failed: %s", a->in, strerror(errno));
      goto done;
    }
    if ((size_t)got < n) {
      cli_error("%s: data is shorter than the header says: expected %" PRIu64 " bytes, the "
                "file ends after %" PRIu64,
                a->in, h.data_bytes, h.data_bytes - left + (uint64_t)got);
      goto done;
    }
    if (swap) npy_byteswap(buf, n, h.swap_unit);
    const int64_t count = (int64_t)(n / h.itemsize);
    const c2op_status s =
        a->on_cuda ? apply_op_cuda(op, ws, (int32_t)a->device_id, ctx, h.dtype, buf, count)
                   : apply_op(op, ctx, h.dtype, buf, count);
    if (s != C2OP_OK) {
      cli_error("%s: %s failed: %s", a->in, a->op_name, c2op_last_error());
      goto done;
    }
    if (swap) npy_byteswap(buf, n, h.swap_unit);
    if (cli_write_all(out.fd, buf, n) != 0) {
      cli_error("%s: write failed: %s", a->out, strerror(errno));
      goto done;
    }
    left -= n;
  }
  /* A pipe or other non-regular input: anything after the data is an error. */
  if (!S_ISREG(st.st_mode)) {
    char extra;
    ssize_t more = cli_read_full(in_fd, &extra, 1);
    if (more != 0) {
      cli_error("%s: data is longer than the header says (expected %" PRIu64 " bytes)", a->in,
                h.data_bytes);
      goto done;
    }
  }
  out_open = 0;
  if (cli_out_commit(&out, err, sizeof err) != 0) {
    cli_error("%s", err);
    goto done;
  }
  rc = CLI_OK;
done:
  if (out_open) cli_out_abort(&out);
  free(buf);
  c2op_workspace_destroy(ws);
  c2op_context_destroy(ctx);
  close(in_fd);
  return rc;
}

int cli_cmd_run(int argc, char **argv) {
  run_args a = {NULL, NULL, NULL, 0, 0, RUN_DEFAULT_CHUNK, 1, 0, 0};
  int positional = 0, options_done = 0;
  for (int i = 1; i < argc; i++) {
    const char *arg = argv[i];
    if (!options_done && cli_is_help(arg)) {
      fputs(run_help, stdout);
      return CLI_OK;
    }
    if (!options_done && strcmp(arg, "--") == 0) {
      options_done = 1;
    } else if (!options_done && (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0)) {
      if (i + 1 >= argc) return cli_usage_error("run", "%s needs a file name", arg);
      if (a.out) return cli_usage_error("run", "-o is given twice");
      a.out = argv[++i];
    } else if (!options_done && strcmp(arg, "--in-place") == 0) {
      a.in_place = 1;
    } else if (!options_done && strcmp(arg, "--bfloat16") == 0) {
      a.as_bfloat16 = 1;
    } else if (!options_done && strcmp(arg, "--chunk-bytes") == 0) {
      if (i + 1 >= argc || cli_parse_count(argv[i + 1], 1, 1, (int64_t)1 << 40, &a.chunk) != 0)
        return cli_usage_error("run", "--chunk-bytes needs a byte count of at least 1 (e.g. "
                                      "4096 or 4M)");
      i++;
    } else if (!options_done && strcmp(arg, "--device") == 0) {
      const char *d = i + 1 < argc ? argv[i + 1] : "";
      if (strcmp(d, "cpu") == 0) {
        a.on_cuda = 0;
      } else if (strcmp(d, "cuda") == 0) {
        a.on_cuda = 1;
        a.device_id = 0;
      } else if (strncmp(d, "cuda:", 5) == 0 &&
                 cli_parse_count(d + 5, 0, 0, 1 << 16, &a.device_id) == 0) {
        a.on_cuda = 1;
      } else {
        return cli_usage_error("run", "--device needs cpu, cuda or cuda:N");
      }
      i++;
    } else if (!options_done && strcmp(arg, "--threads") == 0) {
      if (i + 1 >= argc || cli_parse_count(argv[i + 1], 0, 0, 4096, &a.threads) != 0)
        return cli_usage_error("run", "--threads needs a count from 0 (automatic) to 4096");
      i++;
    } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
      return cli_usage_error("run", "unknown option '%s'", arg);
    } else if (positional == 0) {
      a.op_name = arg;
      positional++;
    } else if (positional == 1) {
      a.in = arg;
      positional++;
    } else {
      return cli_usage_error("run", "unexpected argument '%s'", arg);
    }
  }
  if (!a.op_name) return cli_usage_error("run", "missing OP (Negative or NegateGradient)");
  run_op op;
  if (strcmp(a.op_name, "Negative") == 0)
    op = OP_NEGATIVE;
  else if (strcmp(a.op_name, "NegateGradient") == 0)
    op = OP_NEGATE_GRADIENT;
  else
    return cli_usage_error("run",
                           "unknown op '%s': run takes Negative or NegateGradient (other "
                           "ops run in nets: c2op net)",
                           a.op_name);
  if (!a.in) return cli_usage_error("run", "missing the input file IN.npy");
  if (a.in_place && a.out) return cli_usage_error("run", "give either -o OUT.npy or --in-place");
  if (!a.in_place && !a.out)
    return cli_usage_error("run", "missing -o OUT.npy (or --in-place to rewrite %s)", a.in);
  if (a.in_place) a.out = a.in;
  return do_run(&a, op);
}

/* ------------------------------------------------------------------------ */
/* show                                                                      */
/* ------------------------------------------------------------------------ */

int cli_cmd_show(int argc, char **argv) {
  const char *path = NULL;
  int64_t limit = 1000;
  int as_bfloat16 = 0;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      fputs(show_help, stdout);
      return CLI_OK;
    }
    if (strcmp(argv[i], "--limit") == 0) {
      if (i + 1 >= argc || cli_parse_count(argv[i + 1], 0, 0, INT64_MAX, &limit) != 0)
        return cli_usage_error("show", "--limit needs an element count");
      i++;
    } else if (strcmp(argv[i], "--bfloat16") == 0) {
      as_bfloat16 = 1;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      return cli_usage_error("show", "unknown option '%s'", argv[i]);
    } else if (!path) {
      path = argv[i];
    } else {
      return cli_usage_error("show", "unexpected argument '%s'", argv[i]);
    }
  }
  if (!path) return cli_usage_error("show", "missing FILE.npy");
  char err[1024];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_error("%s: cannot open: %s", path, strerror(errno));
    return CLI_FAIL;
  }
  npy_header h;
  if (npy_read_header(fd, as_bfloat16, &h, err, sizeof err) != 0) {
    cli_error("%s: %s", path, err);
    close(fd);
    return CLI_FAIL;
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      (uint64_t)st.st_size - h.data_offset != h.data_bytes) {
    cli_error("%s: data is %s than the header says (%" PRIu64 " bytes, expected %" PRIu64 ")", path,
              (uint64_t)st.st_size - h.data_offset < h.data_bytes ? "shorter" : "longer",
              (uint64_t)st.st_size - h.data_offset, h.data_bytes);
    close(fd);
    return CLI_FAIL;
  }
  char shape[NPY_MAX_DIMS * 24 + 8];
  npy_format_shape(&h, shape, sizeof shape);
  printf("%s: %s '%s', shape %s, %s order, %" PRIu64 " element%s, .npy %d.%d\n", path,
         cli_dtype_name(h.dtype), h.descr, shape, h.fortran_order ? "Fortran" : "C", h.numel,
         h.numel == 1 ? "" : "s", h.major, h.minor);
  uint64_t count = h.numel <= (uint64_t)limit ? h.numel : (uint64_t)limit;
  size_t bytes = (size_t)(count * h.itemsize);
  char *data = malloc(bytes ? bytes : 1);
  if (!data) {
    cli_error("out of memory");
    close(fd);
    return CLI_FAIL;
  }
  ssize_t got = cli_read_full(fd, data, bytes);
  close(fd);
  if (got < 0 || (size_t)got != bytes) {
    cli_error("%s: cannot read the data", path);
    free(data);
    return CLI_FAIL;
  }
  if (h.swap_unit > 1) npy_byteswap(data, bytes, h.swap_unit);
  if (count == h.numel) {
    cli_print_tensor(stdout, data, h.dtype, h.ndim, h.shape, h.fortran_order, 0);
  } else {
    printf("first %" PRIu64 " of %" PRIu64 " elements in file order:\n", count, h.numel);
    int64_t flat[1] = {(int64_t)count};
    cli_print_tensor(stdout, data, h.dtype, 1, flat, 0, 0);
  }
  free(data);
  return CLI_OK;
}
