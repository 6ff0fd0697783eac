/* fileio.c - output files through a temporary file and rename. */
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary paths to remove if a signal ends the process. Fixed storage:
 * the handler may only call async-signal-safe functions. */
#define CLEANUP_SLOTS 64
static char cleanup_paths[CLEANUP_SLOTS][PATH_MAX];
static volatile sig_atomic_t cleanup_used[CLEANUP_SLOTS];

static void on_signal(int sig) {
  for (int i = 0; i < CLEANUP_SLOTS; i++)
    if (cleanup_used[i]) unlink(cleanup_paths[i]);
  signal(sig, SIG_DFL);
  raise(sig);
}

void cli_install_cleanup_handlers(void) {
  /* A write past the file size limit (ulimit -f) then fails with EFBIG and
   * takes the ordinary error path, which removes the temporary file; by
   * default SIGXFSZ would kill the process and leave it behind. */
  signal(SIGXFSZ, SIG_IGN);
  const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[i], &sa, NULL);
  }
}

static int cleanup_add(const char *path) {
  if (strlen(path) >= PATH_MAX) return -1;
  for (int i = 0; i < CLEANUP_SLOTS; i++) {
    if (!cleanup_used[i]) {
      memcpy(cleanup_paths[i], path, strlen(path) + 1);
      cleanup_used[i] = 1;
      return i;
    }
  }
  return -1;
}

static void cleanup_remove(int slot) {
  if (slot >= 0) cleanup_used[slot] = 0;
}

int cli_write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

ssize_t cli_read_full(int fd, void *buf, size_t n) {
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

static char *dup_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *c = malloc(n);
  if (c) memcpy(c, s, n);
  return c;
}

/* `target` read from the symlink at `link`, as a path: relative targets
 * are relative to the link's folder. NULL when out of memory. */
static char *link_target(const char *link, const char *target) {
  const char *slash = strrchr(link, '/');
  const size_t dir_len = target[0] != '/' && slash ? (size_t)(slash - link) + 1 : 0;
  const size_t n = dir_len + strlen(target) + 1;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%.*s%s", (int)dir_len, link, target);
  return p;
}

/* Where writing `path` lands: symlinks followed to the file they name,
 * even one that does not exist yet (a dangling link gets its target
 * created, as a shell redirection or np.save does). A new string, or NULL
 * when out of memory. */
static char *output_target(const char *path) {
  char *resolved = realpath(path, NULL);
  if (resolved) return resolved;
  char *cur = dup_str(path);
  /* A dangling chain: follow it by hand, as far as the kernel would. */
  for (int hops = 0; cur && hops < 40; hops++) {
    struct stat lst;
    if (lstat(cur, &lst) != 0 || !S_ISLNK(lst.st_mode)) break;
    char target[PATH_MAX];
    const ssize_t len = readlink(cur, target, sizeof target - 1);
    if (len <= 0) break;
    target[len] = '\0';
    char *next = link_target(cur, target);
    free(cur);
    cur = next;
  }
  return cur;
}

/* `path` with its folder made canonical (when it resolves), to compare
 * output paths spelled differently. A new string or NULL. */
static char *canonical_output(const char *path) {
  char *target = output_target(path);
  if (!target) return NULL;
  char *slash = strrchr(target, '/');
  char *dir = slash ? (slash == target ? dup_str("/") : strndup(target, (size_t)(slash - target)))
                    : dup_str(".");
  char *real_dir = dir ? realpath(dir, NULL) : NULL;
  free(dir);
  if (!real_dir) return target;
  const char *base = slash ? slash + 1 : target;
  const size_t n = strlen(real_dir) + strlen(base) + 2;
  char *c = malloc(n);
  if (c) snprintf(c, n, "%s/%s", real_dir, base);
  free(real_dir);
  free(target);
  return c;
}

int cli_same_output(const char *a, const char *b) {
  if (strcmp(a, b) == 0) return 1;
  char *ca = canonical_output(a), *cb = canonical_output(b);
  const int same = ca && cb && strcmp(ca, cb) == 0;
  free(ca);
  free(cb);
  return same;
}

int cli_out_open(cli_outfile *o, const char *path, char *err, size_t err_size) {
  memset(o, 0, sizeof *o);
  o->fd = -1;
  o->slot = -1;
  struct stat st;
  int exists = stat(path, &st) == 0;
  /* Follow symlinks to the file they name (dangling ones included). */
  o->final_path = output_target(path);
  if (!o->final_path) {
    snprintf(err, err_size, "out of memory");
    return -1;
  }
  if (exists && S_ISDIR(st.st_mode)) {
    snprintf(err, err_size, "%s: is a directory", path);
    free(o->final_path);
    return -1;
  }
  if (exists && !S_ISREG(st.st_mode)) {
    /* A device or FIFO: no rename over it, write to it. */
    o->fd = open(o->final_path, O_WRONLY | O_CLOEXEC);
    if (o->fd < 0) {
      snprintf(err, err_size, "%s: cannot open for writing: %s", path, strerror(errno));
      free(o->final_path);
      return -1;
    }
    return 0;
  }
  mode_t mode;
  if (exists) {
    mode = st.st_mode & 07777;
  } else {
    mode_t mask = umask(0);
    umask(mask);
    mode = 0666 & ~mask;
  }
  const char *slash = strrchr(o->final_path, '/');
  size_t dir_len = slash ? (size_t)(slash - o->final_path) + 1 : 0;
  const char *base = slash ? slash + 1 : o->final_path;
  size_t need = dir_len + strlen(base) + 32;
  o->temp_path = malloc(need);
  if (!o->temp_path) {
    snprintf(err, err_size, "out of memory");
    free(o->final_path);
    return -1;
  }
  /* At most 200 bytes of the name: a name up to NAME_MAX (255) must still
   * leave room for the prefix and suffix. */
  snprintf(o->temp_path, need, "%.*s.%.200s.c2op-XXXXXX", (int)dir_len, o->final_path, base);
  o->fd = mkostemp(o->temp_path, O_CLOEXEC);
  if (o->fd < 0) {
    snprintf(err, err_size, "%s: cannot create a temporary file in its folder: %s", path,
             strerror(errno));
    free(o->temp_path);
    free(o->final_path);
    o->temp_path = o->final_path = NULL;
    return -1;
  }
  o->slot = cleanup_add(o->temp_path);
  if (fchmod(o->fd, mode) != 0) {
    snprintf(err, err_size, "%s: cannot set permissions: %s", path, strerror(errno));
    cli_out_abort(o);
    return -1;
  }
  return 0;
}

void cli_out_abort(cli_outfile *o) {
  if (o->fd >= 0) close(o->fd);
  o->fd = -1;
  if (o->temp_path) unlink(o->temp_path);
  cleanup_remove(o->slot);
  o->slot = -1;
  free(o->temp_path);
  free(o->final_path);
  o->temp_path = o->final_path = NULL;
}

int cli_out_commit(cli_outfile *o, char *err, size_t err_size) {
  int rc = 0;
  if (close(o->fd) != 0) {
    snprintf(err, err_size, "%s: write failed: %s", o->final_path, strerror(errno));
    rc = -1;
  }
  o->fd = -1;
  if (rc == 0 && o->temp_path && rename(o->temp_path, o->final_path) != 0) {
    snprintf(err, err_size, "%s: cannot rename the temporary file into place: %s", o->final_path,
             strerror(errno));
    rc = -1;
  }
  if (rc != 0 && o->temp_path) unlink(o->temp_path);
  cleanup_remove(o->slot);
  o->slot = -1;
  free(o->temp_path);
  free(o->final_path);
  o->temp_path = o->final_path = NULL;
  return rc;
}

/* Closes an output's file (reporting a failed close: data that could not
 * be written) and keeps its temporary for cli_out_commit_all. */
static int out_close(cli_outfile *o, char *err, size_t err_size) {
  if (o->fd >= 0 && close(o->fd) != 0) {
    o->fd = -1;
    snprintf(err, err_size, "%s: write failed: %s", o->final_path, strerror(errno));
    return -1;
  }
  o->fd = -1;
  return 0;
}

int cli_out_commit_all(cli_outfile *outs, int n, char *err, size_t err_size) {
  int rc = 0;
  for (int i = 0; i < n && rc == 0; i++) rc = out_close(&outs[i], err, err_size);
  /* Keep each file about to be replaced under a second name (a hard link
   * in the same folder), so that a later failure can put it back. */
  char **backup = calloc((size_t)n + 1, sizeof *backup);
  int *slot = calloc((size_t)n + 1, sizeof *slot);
  if (rc == 0 && (!backup || !slot)) {
    snprintf(err, err_size, "out of memory");
    rc = -1;
  }
  for (int i = 0; i < n && rc == 0; i++) {
    slot[i] = -1;
    struct stat st;
    if (!outs[i].temp_path || lstat(outs[i].final_path, &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    size_t len = strlen(outs[i].temp_path) + sizeof ".old";
    backup[i] = malloc(len);
    if (!backup[i]) {
      snprintf(err, err_size, "out of memory");
      rc = -1;
      break;
    }
    snprintf(backup[i], len, "%s.old", outs[i].temp_path);
    if (link(outs[i].final_path, backup[i]) != 0) {
      /* No hard links here: no way back for this file, go on without. */
      free(backup[i]);
      backup[i] = NULL;
      continue;
    }
    slot[i] = cleanup_add(backup[i]);
  }
  int done = 0;
  for (; done < n && rc == 0; done++) {
    cli_outfile *o = &outs[done];
    if (o->temp_path && rename(o->temp_path, o->final_path) != 0) {
      snprintf(err, err_size, "%s: cannot rename the temporary file into place: %s",
               o->final_path, strerror(errno));
      rc = -1;
      break;
    }
  }
  if (rc != 0) {
    /* Undo the files already in place: the old file back, or none. */
    for (int i = 0; i < done; i++) {
      if (!outs[i].temp_path) continue;
      if (backup && backup[i])
        rename(backup[i], outs[i].final_path);
      else
        unlink(outs[i].final_path);
    }
  }
  for (int i = 0; i < n; i++) {
    if (backup && backup[i]) {
      unlink(backup[i]); /* gone already when it was renamed back */
      cleanup_remove(slot[i]);
      free(backup[i]);
    }
    if (rc != 0 && i >= done && outs[i].temp_path) unlink(outs[i].temp_path);
    cleanup_remove(outs[i].slot);
    outs[i].slot = -1;
    if (outs[i].fd >= 0) close(outs[i].fd);
    outs[i].fd = -1;
    free(outs[i].temp_path);
    free(outs[i].final_path);
    outs[i].temp_path = outs[i].final_path = NULL;
  }
  free(backup);
  free(slot);
  return rc;
}
