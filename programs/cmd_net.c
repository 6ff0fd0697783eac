/* cmd_net.c - `c2op net`: runs a NetDef text net (and its backward net) on
 * tensors fed from .npy files; fetched blobs are saved as .npy or printed.
 *
 * Nets hold whole tensors in a workspace, so unlike `run` this reads each
 * fed file into memory. */
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

/* The largest net text read. */
#define NET_MAX_TEXT_BYTES ((size_t)64 << 20)

static const char net_help[] =
    "usage: c2op net NET.pbtxt [--feed NAME=FILE.npy]... [--fetch NAME[=FILE.npy]]...\n"
    "                [--backward OUTPUT]... [--print-nets] [--threads N] [--bfloat16]\n"
    "\n"
    "Runs a net written in Caffe2's NetDef protobuf text format, e.g.\n"
    "\n"
    "  name: \"grl\"\n"
    "  op { input: \"X\" output: \"Y\" type: \"NegateGradient\" }\n"
    "  external_input: \"X\"\n"
    "  external_output: \"Y\"\n"
    "\n"
    "options:\n"
    "  --feed NAME=FILE.npy  load FILE.npy into blob NAME before running\n"
    "  --fetch NAME=FILE.npy save blob NAME after running (C order, host byte order)\n"
    "  --fetch NAME          print blob NAME on standard output\n"
    "  --backward OUTPUT     also build the backward net from OUTPUT (repeatable) and\n"
    "                        run it after the forward net; feed OUTPUT_grad, fetch\n"
    "                        e.g. X_grad\n"
    "  --print-nets          print the forward (and backward) net as NetDef text\n"
    "  --threads N           CPU threads per op (0 = automatic, the default)\n"
    "  --bfloat16            read 2-byte void data ('<V2', how NumPy with ml_dtypes saves\n"
    "                        bfloat16, or '|V2') as bfloat16, and write it as '<V2'\n"
    "  -h, --help            this help\n"
    "\n"
    "Every external input of the net (and OUTPUT_grad for each --backward) must be\n"
    "fed. Saved files appear only when the whole run succeeded.\n"
    "Exit codes: 0 success, 1 bad net or file, failed op, 2 usage error.\n";

typedef struct {
  const char *name, *path; /* path NULL: print */
} name_path;

typedef struct {
  name_path *feeds, *fetches;
  int num_feeds, num_fetches;
  const char **backward;
  int num_backward;
  const char *net_path;
  int print_nets, as_bfloat16;
  int64_t threads;
} net_args;

/* Reads a whole file; NULL with a message printed on failure. */
static char *read_text_file(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_error("%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  size_t cap = 4096, n = 0;
  char *buf = malloc(cap);
  for (;;) {
    if (!buf) {
      cli_error("out of memory reading %s", path);
      close(fd);
      return NULL;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      cli_error("%s: read failed: %s", path, strerror(errno));
      free(buf);
      close(fd);
      return NULL;
    }
    if (r == 0) break;
    n += (size_t)r;
    if (n > NET_MAX_TEXT_BYTES) {
      cli_error("%s: larger than %zu MiB; not a net", path, NET_MAX_TEXT_BYTES >> 20);
      free(buf);
      close(fd);
      return NULL;
    }
    if (n == cap) {
      cap *= 2;
      char *grown = realloc(buf, cap);
      if (!grown) free(buf);
      buf = grown;
    }
  }
  close(fd);
  *len = n;
  return buf;
}

/* Loads a whole .npy file into the workspace as blob `name`. */
static int feed_file(c2op_workspace *ws, const name_path *f, int as_bfloat16) {
  char err[1024];
  int fd = open(f->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_error("%s: cannot open: %s", f->path, strerror(errno));
    return CLI_FAIL;
  }
  npy_header h;
  if (npy_read_header(fd, as_bfloat16, &h, err, sizeof err) != 0) {
    cli_error("%s: %s", f->path, err);
    close(fd);
    return CLI_FAIL;
  }
  if (h.ndim > C2OP_MAX_NDIM) {
    cli_error("%s: %d dims; blobs have at most %d", f->path, h.ndim, C2OP_MAX_NDIM);
    close(fd);
    return CLI_FAIL;
  }
  if (h.data_bytes > (uint64_t)SIZE_MAX / 2) {
    cli_error("%s: %" PRIu64 " bytes of data do not fit in memory", f->path, h.data_bytes);
    close(fd);
    return CLI_FAIL;
  }
  char *data = malloc(h.data_bytes ? (size_t)h.data_bytes : 1);
  if (!data) {
    cli_error("%s: out of memory for %" PRIu64 " bytes", f->path, h.data_bytes);
    close(fd);
    return CLI_FAIL;
  }
  ssize_t got = cli_read_full(fd, data, (size_t)h.data_bytes);
  char extra;
  ssize_t more = got >= 0 ? cli_read_full(fd, &extra, 1) : 0;
  close(fd);
  if (got < 0 || more < 0) {
    cli_error("%s: read failed: %s", f->path, strerror(errno));
    free(data);
    return CLI_FAIL;
  }
  if ((uint64_t)got != h.data_bytes || more != 0) {
    cli_error("%s: data is %s than the header says (expected %" PRIu64 " bytes)", f->path,
              more ? "longer" : "shorter", h.data_bytes);
    free(data);
    return CLI_FAIL;
  }
  if (h.swap_unit > 1) npy_byteswap(data, (size_t)h.data_bytes, h.swap_unit);
  int64_t strides[C2OP_MAX_NDIM];
  int64_t s = 1;
  for (int d = 0; d < h.ndim; d++) { /* column-major strides, used if Fortran */
    strides[d] = s;
    s *= h.shape[d] > 0 ? h.shape[d] : 1;
  }
  DLTensor t = {data,    {kDLCPU, 0}, h.ndim,
                h.dtype, h.shape,     h.fortran_order && h.ndim > 1 ? strides : NULL,
                0};
  c2op_status st = c2op_workspace_feed(ws, f->name, &t);
  free(data);
  if (st != C2OP_OK) {
    cli_error("--feed %s=%s: %s", f->name, f->path, c2op_last_error());
    return CLI_FAIL;
  }
  return CLI_OK;
}

static int print_net(const char *title, const c2op_net *net) {
  char *text = NULL;
  if (c2op_net_to_text(net, &text, NULL) != C2OP_OK) {
    cli_error("cannot write the %s as text: %s", title, c2op_last_error());
    return CLI_FAIL;
  }
  printf("# %s\n%s", title, text);
  c2op_free(text);
  return CLI_OK;
}

/* Checks every blob `net` needs from outside is in the workspace. */
static int check_fed(const c2op_workspace *ws, const c2op_net *net, const char *which) {
  for (int32_t i = 0; i < c2op_net_num_external_inputs(net); i++) {
    const char *b = NULL;
    if (c2op_net_external_input(net, i, &b) == C2OP_OK && b && !c2op_workspace_has_blob(ws, b)) {
      cli_error("the %s needs blob '%s': feed it with --feed %s=FILE.npy", which, b, b);
      return CLI_FAIL;
    }
  }
  return CLI_OK;
}

static int run_net(const net_args *a) {
  int rc = CLI_FAIL;
  size_t len = 0;
  char *text = read_text_file(a->net_path, &len);
  if (!text) return CLI_FAIL;
  c2op_net *net = NULL, *bwd = NULL;
  c2op_workspace *ws = NULL;
  c2op_context *ctx = NULL;
  cli_outfile *outs = NULL;
  int num_outs = 0;
  c2op_status st = c2op_net_from_text(text, len, &net);
  free(text);
  if (st != C2OP_OK) {
    cli_error("%s: %s", a->net_path, c2op_last_error());
    goto done;
  }
  if (a->num_backward > 0 &&
      c2op_net_build_backward(net, a->num_backward, a->backward, &bwd) != C2OP_OK) {
    cli_error("%s: cannot build the backward net: %s", a->net_path, c2op_last_error());
    goto done;
  }
  if (a->print_nets) {
    if (print_net("forward net", net) != CLI_OK) goto done;
    if (bwd && print_net("backward net", bwd) != CLI_OK) goto done;
  }
  if (c2op_workspace_create(&ws) != C2OP_OK || c2op_context_create(&ctx) != C2OP_OK ||
      c2op_context_set_num_threads(ctx, (int32_t)a->threads) != C2OP_OK) {
    cli_error("cannot create a workspace: %s", c2op_last_error());
    goto done;
  }
  for (int i = 0; i < a->num_feeds; i++)
    if (feed_file(ws, &a->feeds[i], a->as_bfloat16) != CLI_OK) goto done;
  if (check_fed(ws, net, "net") != CLI_OK) goto done;
  if (c2op_workspace_run_net(ws, ctx, net) != C2OP_OK) {
    cli_error("%s: %s", a->net_path, c2op_last_error());
    goto done;
  }
  if (bwd) {
    if (check_fed(ws, bwd, "backward net") != CLI_OK) goto done;
    if (c2op_workspace_run_net(ws, ctx, bwd) != C2OP_OK) {
      cli_error("%s: backward net: %s", a->net_path, c2op_last_error());
      goto done;
    }
  }
  /* Write every saved fetch to a temporary file first, then rename them
   * all: a failure leaves no output behind. */
  outs = calloc((size_t)a->num_fetches + 1, sizeof *outs);
  if (!outs) {
    cli_error("out of memory");
    goto done;
  }
  for (int i = 0; i < a->num_fetches; i++) {
    const name_path *f = &a->fetches[i];
    const DLTensor *t = NULL;
    if (c2op_workspace_fetch(ws, f->name, &t) != C2OP_OK) {
      cli_error("--fetch %s: no blob '%s' after running the net%s", f->name, f->name,
                bwd ? "s" : "");
      goto done;
    }
    const char *bytes = t->data ? (const char *)t->data + t->byte_offset : NULL;
    if (!f->path) {
      printf("%s = ", f->name);
      cli_print_tensor(stdout, bytes, t->dtype, t->ndim, t->shape, 0, (int)strlen(f->name) + 3);
      continue;
    }
    char err[1024];
    npy_header h;
    if (npy_header_init(&h, t->dtype, npy_host_big_endian(), 0, t->ndim, t->shape, err,
                        sizeof err) != 0) {
      cli_error("--fetch %s=%s: %s", f->name, f->path, err);
      goto done;
    }
    /* With --bfloat16 the files are void-typed, as NumPy with ml_dtypes
     * writes them ('<V2'): so are bfloat16 outputs, which NumPy then loads
     * (it refuses descr 'bfloat16'). */
    if (a->as_bfloat16 && t->dtype.code == kDLBfloat && t->dtype.bits == 16)
      snprintf(h.canonical_descr, sizeof h.canonical_descr, "<V2");
    char header[4096];
    size_t hl = npy_format_header(&h, header, sizeof header);
    if (hl == 0) {
      cli_error("--fetch %s=%s: cannot format the header", f->name, f->path);
      goto done;
    }
    if (cli_out_open(&outs[num_outs], f->path, err, sizeof err) != 0) {
      cli_error("--fetch %s: %s", f->name, err);
      goto done;
    }
    num_outs++;
    if (cli_write_all(outs[num_outs - 1].fd, header, hl) != 0 ||
        cli_write_all(outs[num_outs - 1].fd, bytes, (size_t)h.data_bytes) != 0) {
      cli_error("%s: write failed: %s", f->path, strerror(errno));
      goto done;
    }
  }
  {
    /* All or nothing: a failed rename undoes the ones before it. */
    char err[1024];
    const int n = num_outs;
    num_outs = 0;
    if (cli_out_commit_all(outs, n, err, sizeof err) != 0) {
      cli_error("%s", err);
      goto done;
    }
  }
  rc = CLI_OK;
done:
  for (int i = 0; i < num_outs; i++)
    cli_out_abort(&outs[i]);
  free(outs);
  c2op_context_destroy(ctx);
  c2op_workspace_destroy(ws);
  c2op_net_destroy(bwd);
  c2op_net_destroy(net);
  return rc;
}

/* Splits "NAME=PATH" (PATH optional when allow_bare). */
static int parse_name_path(char *arg, int allow_bare, name_path *out) {
  char *eq = strchr(arg, '=');
  if (!eq) {
    if (!allow_bare || !*arg) return -1;
    out->name = arg;
    out->path = NULL;
    return 0;
  }
  if (eq == arg || eq[1] == '\0') return -1;
  *eq = '\0';
  out->name = arg;
  out->path = eq + 1;
  return 0;
}

int cli_cmd_net(int argc, char **argv) {
  net_args a;
  memset(&a, 0, sizeof a);
  /* At most argc of each list. */
  a.feeds = calloc((size_t)argc, sizeof *a.feeds);
  a.fetches = calloc((size_t)argc, sizeof *a.fetches);
  a.backward = calloc((size_t)argc, sizeof *a.backward);
  int rc = CLI_OK;
  if (!a.feeds || !a.fetches || !a.backward) {
    cli_error("out of memory");
    rc = CLI_FAIL;
    goto done;
  }
  for (int i = 1; i < argc && rc == CLI_OK; i++) {
    const char *arg = argv[i];
    const int has_value = i + 1 < argc;
    if (cli_is_help(arg)) {
      fputs(net_help, stdout);
      goto done;
    } else if (strcmp(arg, "--feed") == 0) {
      if (!has_value || parse_name_path(argv[i + 1], 0, &a.feeds[a.num_feeds]) != 0)
        rc = cli_usage_error("net", "--feed needs NAME=FILE.npy");
      else
        a.num_feeds++;
      i++;
    } else if (strcmp(arg, "--fetch") == 0) {
      if (!has_value || parse_name_path(argv[i + 1], 1, &a.fetches[a.num_fetches]) != 0)
        rc = cli_usage_error("net", "--fetch needs NAME or NAME=FILE.npy");
      else
        a.num_fetches++;
      i++;
    } else if (strcmp(arg, "--backward") == 0) {
      if (!has_value || !argv[i + 1][0])
        rc = cli_usage_error("net", "--backward needs an output blob name");
      else
        a.backward[a.num_backward++] = argv[i + 1];
      i++;
    } else if (strcmp(arg, "--threads") == 0) {
      if (!has_value || cli_parse_count(argv[i + 1], 0, 0, 4096, &a.threads) != 0)
        rc = cli_usage_error("net", "--threads needs a count from 0 (automatic) to 4096");
      i++;
    } else if (strcmp(arg, "--print-nets") == 0) {
      a.print_nets = 1;
    } else if (strcmp(arg, "--bfloat16") == 0) {
      a.as_bfloat16 = 1;
    } else if (arg[0] == '-' && arg[1] != '\0') {
      rc = cli_usage_error("net", "unknown option '%s'", arg);
    } else if (!a.net_path) {
      a.net_path = arg;
    } else {
      rc = cli_usage_error("net", "unexpected argument '%s'", arg);
    }
  }
  if (rc == CLI_OK && !a.net_path) rc = cli_usage_error("net", "missing NET.pbtxt");
  /* Two fetches into one file: the second would silently replace the first. */
  for (int i = 0; i < a.num_fetches && rc == CLI_OK; i++)
    for (int j = 0; j < i && rc == CLI_OK; j++)
      if (a.fetches[i].path && a.fetches[j].path &&
          cli_same_output(a.fetches[i].path, a.fetches[j].path))
        rc = cli_usage_error("net", "--fetch %s=%s and --fetch %s=%s write the same file",
                             a.fetches[j].name, a.fetches[j].path, a.fetches[i].name,
                             a.fetches[i].path);
  if (rc == CLI_OK) rc = run_net(&a);
done:
  free(a.feeds);
  free(a.fetches);
  free(a.backward);
  return rc;
}
