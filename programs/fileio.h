/* fileio.h - files for the CLI: whole reads and writes that retry short
 * transfers, and output files that appear only when complete.
 *
 * An output file is written to a temporary file in the folder of its final
 * path (".NAME.c2op-XXXXXX"), which is renamed over the final path on
 * commit: on any failure (or SIGINT, SIGTERM, SIGHUP) the temporary is
 * removed, so the final path is either absent or exactly as it was. A final
 * path that is a symlink rewrites the file it points to, or creates it when
 * the link dangles (the link stays a link). The temporary's name holds at
 * most 200 bytes of the final name, so any valid name can be written. An
 * existing final path that is not a regular file (/dev/null, a FIFO) is
 * written directly. The new file gets the old file's permissions, or
 * 0666 & ~umask. */
#ifndef C2OP_CLI_FILEIO_H
#define C2OP_CLI_FILEIO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
  char *final_path; /* where the file lands */
  char *temp_path;  /* NULL when writing directly */
  int fd;
  int slot; /* index in the signal cleanup table; -1 if none */
} cli_outfile;

/** Opens an output file for `path`. 0, or -1 with a message in err. */
int cli_out_open(cli_outfile *o, const char *path, char *err, size_t err_size);
/** Closes and renames the temporary file into place. 0, or -1 with a
 *  message (the temporary is removed then). */
int cli_out_commit(cli_outfile *o, char *err, size_t err_size);
/** Commits n outputs all or nothing: every file is closed first (a failed
 *  close is a failed write), then each temporary is renamed into place; if
 *  a rename fails (its folder was removed, say), the outputs already
 *  renamed are undone (a replaced regular file is restored from a hard link
 *  taken just before; a new one is removed) and the other temporaries are
 *  removed. 0, or -1 with a message. Every output is closed and freed. */
int cli_out_commit_all(cli_outfile *outs, int n, char *err, size_t err_size);
/** Closes and removes the temporary file; the final path is untouched. */
void cli_out_abort(cli_outfile *o);
/** 1 when output paths a and b land on the same file (the same string,
 *  or the same after following symlinks and resolving their folders). */
int cli_same_output(const char *a, const char *b);

/** Writes all n bytes (retrying short writes). 0, or -1 with errno set. */
int cli_write_all(int fd, const void *buf, size_t n);
/** Reads up to n bytes, stopping early only at end of file. Returns the
 *  count, or -1 with errno set. */
ssize_t cli_read_full(int fd, void *buf, size_t n);

/** Installs the signal handlers that remove temporary files. */
void cli_install_cleanup_handlers(void);

#endif
