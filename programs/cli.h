/* cli.h - what the c2op command's files share: exit codes, messages,
 * option parsing helpers and the commands. The CLI uses the public API
 * (c2op.h) only. */
#ifndef C2OP_CLI_H
#define C2OP_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "c2op.h"

/* Exit codes: 0 success, 1 the work failed (bad file, failed op, I/O),
 * 2 the command line is wrong (unknown command or option, missing or extra
 * argument, a malformed option value). */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* Prints "c2op: <message>\n" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "c2op: <message>\n" and a hint to run `c2op CMD --help` on stderr;
 * returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether arg is "-h" or "--help". */
int cli_is_help(const char *arg);

/* Parses a decimal count in [lo, hi] (suffixes K, M, G = 2^10, 2^20, 2^30
 * when `sizes`); 0 on success, -1 if malformed or out of range. */
int cli_parse_count(const char *s, int sizes, int64_t lo, int64_t hi, int64_t *out);

/* The commands: argv[0] is the command name. Each returns an exit code. */
int cli_cmd_run(int argc, char **argv);
int cli_cmd_show(int argc, char **argv);
int cli_cmd_net(int argc, char **argv);
int cli_cmd_schema(int argc, char **argv);
int cli_cmd_grad(int argc, char **argv);
int cli_cmd_version(int argc, char **argv);

/* A short dtype name ("float32", "int8", "bool", ...). */
const char *cli_dtype_name(DLDataType dtype);

#endif
