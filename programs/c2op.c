/* c2op.c - the c2op command: runs Negative and NegateGradient on .npy files,
 * runs NetDef nets, and shows what the operators are. Uses the public API
 * only. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fileio.h"

static const char usage_text[] =
    "usage: c2op COMMAND [ARGS...]\n"
    "\n"
    "Caffe2's Negative and NegateGradient operators on NumPy .npy files.\n"
    "\n"
    "commands:\n"
    "  run OP IN.npy -o OUT.npy   run Negative or NegateGradient on a file, streaming\n"
    "  run OP IN.npy --in-place   ... rewriting IN.npy (safely: temp file + rename)\n"
    "  show FILE.npy              print a .npy file's dtype, shape and values\n"
    "  net NET.pbtxt --feed NAME=FILE.npy ... --fetch NAME[=FILE.npy] ... [--backward Y ...]\n"
    "                             run a Caffe2 NetDef (protobuf text), and its backward net\n"
    "  schema [OP] [--json]       list the ops, or show one op's schema\n"
    "  grad OP                    print the gradient op defs of OP(X -> Y) as NetDef text\n"
    "  version                    version, build features, CPU code path\n"
    "\n"
    "`c2op COMMAND --help` describes a command. Exit codes: 0 success, 1 failure\n"
    "(bad input file, failed op, I/O error), 2 usage error.\n";

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("c2op: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("c2op: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  if (cmd)
    fprintf(stderr, "Run 'c2op %s --help' for usage.\n", cmd);
  else
    fprintf(stderr, "Run 'c2op --help' for usage.\n");
  return CLI_USAGE;
}

int cli_is_help(const char *arg) {
  return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_parse_count(const char *s, int sizes, int64_t lo, int64_t hi, int64_t *out) {
  if (!s || !*s || *s == '-' || *s == '+') return -1;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s) return -1;
  unsigned long long mult = 1;
  if (sizes && *end) {
    if (*end == 'K' || *end == 'k')
      mult = 1ull << 10;
    else if (*end == 'M' || *end == 'm')
      mult = 1ull << 20;
    else if (*end == 'G' || *end == 'g')
      mult = 1ull << 30;
    else
      return -1;
    end++;
    if (*end == 'i' && end[1] == 'B')
      end += 2;
    else if (*end == 'B')
      end++;
  }
  if (*end) return -1;
  if (v > (unsigned long long)INT64_MAX / mult) return -1;
  int64_t r = (int64_t)(v * mult);
  if (r < lo || r > hi) return -1;
  *out = r;
  return 0;
}

const char *cli_dtype_name(DLDataType dt) {
  if (dt.lanes != 1) return "vector dtype";
  switch (dt.code) {
  case kDLInt:
    switch (dt.bits) {
    case 8: return "int8";
    case 16: return "int16";
    case 32: return "int32";
    case 64: return "int64";
    default: break;
    }
    break;
  case kDLUInt:
    switch (dt.bits) {
    case 8: return "uint8";
    case 16: return "uint16";
    case 32: return "uint32";
    case 64: return "uint64";
    default: break;
    }
    break;
  case kDLFloat:
    switch (dt.bits) {
    case 16: return "float16";
    case 32: return "float32";
    case 64: return "float64";
    default: break;
    }
    break;
  case kDLBfloat:
    if (dt.bits == 16) return "bfloat16";
    break;
  case kDLComplex:
    if (dt.bits == 64) return "complex64";
    if (dt.bits == 128) return "complex128";
    break;
  case C2OP_DL_BOOL:
    if (dt.bits == 8) return "bool";
    break;
  default: break;
  }
  return "unknown dtype";
}

typedef struct {
  const char *name;
  int (*fn)(int argc, char **argv);
} command;

static const command commands[] = {
    {"run", cli_cmd_run},       {"show", cli_cmd_show}, {"net", cli_cmd_net},
    {"schema", cli_cmd_schema}, {"grad", cli_cmd_grad}, {"version", cli_cmd_version},
};

int main(int argc, char **argv) {
  cli_install_cleanup_handlers();
  if (argc < 2) {
    fputs(usage_text, stderr);
    return CLI_USAGE;
  }
  if (cli_is_help(argv[1])) {
    fputs(usage_text, stdout);
    return CLI_OK;
  }
  if (strcmp(argv[1], "--version") == 0) return cli_cmd_version(1, argv + 1);
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(argv[1], commands[i].name) == 0) {
      int rc = commands[i].fn(argc - 1, argv + 1);
      if (fflush(stdout) != 0 && rc == CLI_OK) {
        cli_error("cannot write to standard output: %s", strerror(errno));
        rc = CLI_FAIL;
      }
      return rc;
    }
  }
  if (argv[1][0] == '-') return cli_usage_error(NULL, "unknown option '%s'", argv[1]);
  return cli_usage_error(NULL,
                         "unknown command '%s' (commands: run, show, net, schema, grad, "
                         "version)",
                         argv[1]);
}
