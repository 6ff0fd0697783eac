/*
 * test_cli_faults.c - the c2op command when the system fails it.
 *
 * Usage: test_cli_faults PATH/TO/c2op SCRATCH_DIR [PATH/TO/fail_rename.so]
 *
 * Each case runs the real binary and checks the exit status (1), that the
 * message names the file and the system's reason, and that nothing partial
 * is left: the output path absent (or its old bytes intact) and no
 * ".c2op-" temporary anywhere in the folders involved.
 *   - a full disk: -o /dev/full (ENOSPC on write), and a regular output
 *     past the file size limit (RLIMIT_FSIZE: EFBIG, the same path a full
 *     file system takes), for a new file, over an old one, and in place;
 *   - an unreadable input: the tests run as root, for whom chmod 000 stops
 *     nothing, so: a directory (read fails with EISDIR), a path through a
 *     regular file (ENOTDIR), a missing file (ENOENT), and a FIFO whose
 *     writer stops early;
 *   - an output folder that does not exist, and one removed while c2op
 *     runs (the input is a FIFO the test feeds: c2op has created its
 *     temporary file when the test removes the folder);
 *   - `c2op net` saving two files where the second cannot be committed
 *     (its folder is missing; or its rename fails, through the
 *     fail_rename.so LD_PRELOAD shim): the first must not appear either,
 *     and an old file there keeps its bytes;
 *   - standard output on a full disk (show, schema, version).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "c2op_test.h"

static const char *cli;
static char scratch[2048];

/* Paths stay valid for 256 later calls (a test makes far fewer). */
static const char *path_of(const char *name) {
  static char buf[256][2400];
  static int k;
  k = (k + 1) % 256;
  snprintf(buf[k], sizeof buf[k], "%s/%s", scratch, name);
  return buf[k];
}

/* A float32 .npy of n elements, values i - n/2 + 0.5. */
static int write_npy(const char *path, int64_t n) {
  char dict[128];
  int dl = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%lld,), }",
                    (long long)n);
  size_t total = 10 + (size_t)dl + 1;
  size_t pad = (64 - total % 64) % 64;
  const uint16_t hlen = (uint16_t)((size_t)dl + pad + 1);
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  const unsigned char hl[2] = {(unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
  fwrite(hl, 1, 2, f);
  fwrite(dict, 1, (size_t)dl, f);
  for (size_t i = 0; i < pad; i++) fputc(' ', f);
  fputc('\n', f);
  for (int64_t i = 0; i < n; i++) {
    float v = (float)i - (float)n / 2 + 0.5f;
    fwrite(&v, 4, 1, f);
  }
  return fclose(f);
}

static int file_bytes(const char *path, char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  size_t r;
  while (b && (r = fread(b + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap) {
      char *g = realloc(b, cap *= 2);
      if (!g) free(b);
      b = g;
    }
  }
  fclose(f);
  if (!b) return -1;
  *out = b;
  *len = n;
  return 0;
}

static int exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* Fails for every c2op temporary in `dir` (and its backups). */
static void check_no_temporaries(const char *dir, const char *context) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".c2op-")) TEST_FAIL_("%s: %s/%s left behind", context, dir, e->d_name);
  closedir(d);
}

typedef struct {
  int code;
  char err[4096];
} result;

/* Runs c2op with args; stdout to `out_path` (NULL: /dev/null... which the
 * test does not trust: a scratch file), file size limit `fsize` (0: none),
 * stdin from /dev/null. Before waiting, calls `during(arg)` if given. */
static result run_full(const char *const *args, const char *out_path, rlim_t fsize,
                       void (*during)(void *), void *arg) {
  result r;
  memset(&r, 0, sizeof r);
  r.code = -1;
  const char *errp = path_of(".stderr");
  const char *outp = out_path ? out_path : path_of(".stdout");
  pid_t pid = fork();
  if (pid < 0) {
    TEST_FAIL_("fork: %s", strerror(errno));
    return r;
  }
  if (pid == 0) {
    int in = open("/dev/zero", O_RDONLY);
    int o = open(outp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(errp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (in < 0 || o < 0 || e < 0) _exit(120);
    dup2(in, 0), dup2(o, 1), dup2(e, 2);
    if (fsize) {
      struct rlimit rl = {fsize, fsize};
      setrlimit(RLIMIT_FSIZE, &rl);
    }
    const char *argv[32];
    int k = 0;
    argv[k++] = cli;
    for (int i = 0; args[i] && k < 31; i++) argv[k++] = args[i];
    argv[k] = NULL;
    execv(cli, (char *const *)argv);
    _exit(121);
  }
  if (during) during(arg);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE *f = fopen(errp, "rb");
  if (f) {
    size_t n = fread(r.err, 1, sizeof r.err - 1, f);
    r.err[n] = 0;
    fclose(f);
  }
  unlink(errp);
  return r;
}

static result run(const char *const *args) { return run_full(args, NULL, 0, NULL, NULL); }

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define CHECK_FAILED(r, ...)                                                   \
  do {                                                                         \
    if ((r).code != 1) TEST_FAIL_("exit %d, want 1; stderr: %s", (r).code, (r).err); \
    const char *needles_[] = {__VA_ARGS__};                                    \
    for (size_t i_ = 0; i_ < sizeof needles_ / sizeof needles_[0]; i_++)       \
      CHECK_CONTAINS((r).err, needles_[i_]);                                   \
  } while (0)

/* ------------------------------------------------------------------------ */

static void full_disk_device(void) {
  const char *in = path_of("in.npy");
  CHECK(write_npy(in, 1000) == 0);
  result r = run(ARGS("run", "Negative", in, "-o", "/dev/full"));
  CHECK_FAILED(r, "/dev/full", "write failed", "No space left on device");
  struct stat st;
  CHECK(stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode));
  /* The same through `net --fetch`. */
  const char *net = path_of("grl.pbtxt");
  FILE *f = fopen(net, "w");
  if (f) {
    fputs("op { input: \"X\" output: \"Y\" type: \"NegateGradient\" }\n", f);
    fclose(f);
  }
  char feed[4200];
  snprintf(feed, sizeof feed, "X=%s", in);
  r = run(ARGS("net", net, "--feed", feed, "--fetch", "Y=/dev/full"));
  CHECK_FAILED(r, "/dev/full", "No space left on device");
  check_no_temporaries(scratch, "full device");
  unlink(net);
  unlink(in);
}

/* A regular output that cannot grow past 64 KiB while the result needs
 * 400 KiB: write fails with EFBIG after a part was written. */
static void full_disk_regular_file(void) {
  const char *in = path_of("big.npy"), *out = path_of("out.npy");
  CHECK(write_npy(in, 100000) == 0);
  unlink(out);
  result r = run_full(ARGS("run", "Negative", in, "-o", out), NULL, 64 << 10, NULL, NULL);
  CHECK_FAILED(r, out, "write failed", "File too large");
  CHECK(!exists(out));
  check_no_temporaries(scratch, "new output, disk full");

  /* Over an old file: it keeps its bytes. */
  FILE *f = fopen(out, "wb");
  if (f) {
    fputs("old bytes", f);
    fclose(f);
  }
  r = run_full(ARGS("run", "Negative", in, "-o", out), NULL, 64 << 10, NULL, NULL);
  CHECK_FAILED(r, "File too large");
  char *b = NULL;
  size_t n = 0;
  CHECK(file_bytes(out, &b, &n) == 0 && n == 9 && memcmp(b, "old bytes", 9) == 0);
  free(b);
  check_no_temporaries(scratch, "old output, disk full");

  /* In place: the input keeps its bytes. */
  char *before = NULL, *after = NULL;
  size_t nb = 0, na = 0;
  CHECK(file_bytes(in, &before, &nb) == 0);
  r = run_full(ARGS("run", "Negative", "--in-place", in), NULL, 64 << 10, NULL, NULL);
  CHECK_FAILED(r, "File too large");
  CHECK(file_bytes(in, &after, &na) == 0 && na == nb && before && after &&
        memcmp(before, after, nb) == 0);
  free(before);
  free(after);
  check_no_temporaries(scratch, "in place, disk full");
  unlink(out);
  unlink(in);
}

static void unreadable_inputs(void) {
  const char *out = path_of("u_out.npy");
  const char *in = path_of("u_in.npy");
  CHECK(write_npy(in, 10) == 0);
  /* A directory: open succeeds, read fails. */
  result r = run(ARGS("run", "Negative", scratch, "-o", out));
  CHECK_FAILED(r, scratch, "Is a directory");
  CHECK(!exists(out));
  /* A path through a regular file. */
  char through[4200];
  snprintf(through, sizeof through, "%s/inside.npy", in);
  r = run(ARGS("run", "Negative", through, "-o", out));
  CHECK_FAILED(r, through, "Not a directory");
  CHECK(!exists(out));
  r = run(ARGS("run", "Negative", path_of("missing.npy"), "-o", out));
  CHECK_FAILED(r, "missing.npy", "No such file or directory");
  CHECK(!exists(out));
  char feed[4200];
  snprintf(feed, sizeof feed, "X=%s", scratch);
  const char *net = path_of("n.pbtxt");
  FILE *f = fopen(net, "w");
  if (f) {
    fputs("op { input: \"X\" output: \"Y\" type: \"Negative\" }\n", f);
    fclose(f);
  }
  char fetch[4200];
  snprintf(fetch, sizeof fetch, "Y=%s", out);
  r = run(ARGS("net", net, "--feed", feed, "--fetch", fetch));
  CHECK_FAILED(r, "Is a directory");
  CHECK(!exists(out));
  /* The net file itself unreadable. */
  r = run(ARGS("net", scratch, "--feed", feed));
  CHECK_FAILED(r, scratch);
  check_no_temporaries(scratch, "unreadable inputs");
  unlink(net);
  unlink(in);
}

/* FIFO helpers: the test writes the input while c2op runs. */
typedef struct {
  const char *fifo, *dir;
  const char *npy;     /* a whole .npy file to send */
  size_t send_before;  /* bytes sent before the action */
  int remove_dir;      /* rm -r dir once c2op's temporary exists in it */
  int stop_early;      /* close after send_before bytes */
  int saw_temporary;
} feeder;

static int dir_has_temporary(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  int found = 0;
  while ((e = readdir(d)) != NULL)
    if (strstr(e->d_name, ".c2op-")) found = 1;
  closedir(d);
  return found;
}

static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[4400];
  while ((e = readdir(d)) != NULL) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

static void feed_fifo(void *p) {
  feeder *fd = p;
  char *bytes = NULL;
  size_t n = 0;
  if (file_bytes(fd->npy, &bytes, &n) != 0) return;
  int w = open(fd->fifo, O_WRONLY); /* waits for c2op to open it */
  if (w < 0) {
    free(bytes);
    return;
  }
  size_t first = fd->send_before < n ? fd->send_before : n;
  if (write(w, bytes, first) != (ssize_t)first) TEST_FAIL_("fifo write");
  if (fd->remove_dir) {
    /* c2op creates its temporary once it has read the header. Poll for it
     * (a correctness wait, not a timing assertion: up to 60 s). */
    for (int i = 0; i < 6000 && !dir_has_temporary(fd->dir); i++) {
      struct timespec ts = {0, 10 * 1000 * 1000};
      nanosleep(&ts, NULL);
    }
    fd->saw_temporary = dir_has_temporary(fd->dir);
    remove_tree(fd->dir);
  }
  if (!fd->stop_early && write(w, bytes + first, n - first) != (ssize_t)(n - first))
    TEST_FAIL_("fifo write (rest)");
  close(w);
  free(bytes);
}

static void output_folder_missing_or_removed(void) {
  const char *in = path_of("f_in.npy");
  CHECK(write_npy(in, 50000) == 0);
  /* Never there. */
  const char *out = path_of("no_such_folder/out.npy");
  result r = run(ARGS("run", "Negative", in, "-o", out));
  CHECK_FAILED(r, "no_such_folder", "No such file or directory");
  CHECK(!exists(path_of("no_such_folder")));

  /* Removed while c2op runs: the header goes first, then the folder goes,
   * then the data. */
  const char *dir = path_of("vanishing");
  const char *fifo = path_of("input.fifo");
  mkdir(dir, 0755);
  unlink(fifo);
  CHECK(mkfifo(fifo, 0644) == 0);
  char outp[4200];
  snprintf(outp, sizeof outp, "%s/out.npy", dir);
  feeder fd = {fifo, dir, in, 128, 1, 0, 0};
  r = run_full(ARGS("run", "Negative", fifo, "-o", outp), NULL, 0, feed_fifo, &fd);
  CHECK(fd.saw_temporary);
  CHECK_FAILED(r, "out.npy", "No such file or directory");
  CHECK(!exists(dir)); /* nothing recreated it */
  check_no_temporaries(scratch, "folder removed");

  /* The input's writer stops after the header: no output. */
  const char *out2 = path_of("early.npy");
  feeder early = {fifo, NULL, in, 1000, 0, 1, 0};
  r = run_full(ARGS("run", "Negative", fifo, "-o", out2), NULL, 0, feed_fifo, &early);
  CHECK_FAILED(r, "shorter than the header says");
  CHECK(!exists(out2));
  check_no_temporaries(scratch, "input stops early");
  unlink(fifo);
  unlink(in);
}

static const char *g_preload; /* fail_rename.so, when given */

/* net --fetch A=a_out.npy --fetch B=...: when B cannot be committed, A must
 * not appear either, and an old A keeps its bytes. B fails two ways: its
 * folder does not exist (its temporary cannot be created), and (with the
 * fail_rename.so shim) its rename fails after A's rename succeeded, so A's
 * must be undone. */
static void net_outputs_are_all_or_nothing(void) {
  const char *in = path_of("n_in.npy");
  CHECK(write_npy(in, 50000) == 0);
  const char *net = path_of("two.pbtxt");
  FILE *f = fopen(net, "w");
  if (f) {
    fputs("op { input: \"X\" output: \"A\" type: \"Negative\" }\n"
          "op { input: \"A\" output: \"B\" type: \"Negative\" }\n",
          f);
    fclose(f);
  }
  const char *first = path_of("a_out.npy");
  char feed[4200], fa[4200], fb_missing[4200], fb[4200];
  snprintf(feed, sizeof feed, "X=%s", in);
  snprintf(fa, sizeof fa, "A=%s", first);
  snprintf(fb_missing, sizeof fb_missing, "B=%s", path_of("missing_folder/b_out.npy"));
  snprintf(fb, sizeof fb, "B=%s", path_of("b_out.npy"));
  for (int way = 0; way < 2; way++) {
    if (way == 1 && !g_preload) {
      printf("  (no fail_rename.so given: the rename case is not run)\n");
      break;
    }
    for (int old = 0; old < 2; old++) {
      unlink(first);
      unlink(path_of("b_out.npy"));
      if (old) {
        f = fopen(first, "wb");
        if (f) {
          fputs("old A", f);
          fclose(f);
        }
      }
      if (way == 1) {
        setenv("LD_PRELOAD", g_preload, 1);
        setenv("C2OP_TEST_FAIL_RENAME", "b_out.npy", 1);
        /* The shim is not instrumented: ASan would refuse to start. */
        setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=1", 1);
      }
      result r = run(ARGS("net", net, "--feed", feed, "--fetch", fa, "--fetch",
                          way ? fb : fb_missing));
      if (way == 1) {
        unsetenv("LD_PRELOAD");
        unsetenv("C2OP_TEST_FAIL_RENAME");
        unsetenv("ASAN_OPTIONS");
      }
      if (way == 0)
        CHECK_FAILED(r, "missing_folder", "No such file or directory");
      else
        CHECK_FAILED(r, "b_out.npy", "cannot rename", "Input/output error");
      if (old) {
        char *b = NULL;
        size_t n = 0;
        CHECK(file_bytes(first, &b, &n) == 0 && n == 5 && b && memcmp(b, "old A", 5) == 0);
        free(b);
      } else {
        CHECK(!exists(first));
      }
      CHECK(!exists(path_of("b_out.npy")));
      check_no_temporaries(scratch, way ? "net, rename of B fails" : "net, B's folder missing");
    }
  }
  /* And with nothing failing, both appear (the shim is harmless). */
  unlink(first);
  if (g_preload) setenv("LD_PRELOAD", g_preload, 1);
  setenv("ASAN_OPTIONS", "verify_asan_link_order=0:detect_leaks=1", 1);
  result r = run(ARGS("net", net, "--feed", feed, "--fetch", fa, "--fetch", fb));
  unsetenv("LD_PRELOAD");
  unsetenv("ASAN_OPTIONS");
  CHECK_EQ_INT(r.code, 0);
  CHECK(exists(first) && exists(path_of("b_out.npy")));
  unlink(first);
  unlink(path_of("b_out.npy"));
  unlink(net);
  unlink(in);
}

static void standard_output_on_a_full_disk(void) {
  const char *in = path_of("s.npy");
  CHECK(write_npy(in, 10) == 0);
  const char *const *cases[] = {ARGS("show", in), ARGS("schema", "Negative"), ARGS("version"),
                                ARGS("grad", "Negative")};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    result r = run_full(cases[i], "/dev/full", 0, NULL, NULL);
    CHECK_FAILED(r, "standard output", "No space left on device");
  }
  unlink(in);
}

int main(int argc, char **argv) {
  if (argc != 3 && argc != 4) {
    fprintf(stderr, "usage: %s PATH/TO/c2op SCRATCH_DIR [fail_rename.so]\n", argv[0]);
    return 2;
  }
  if (argc == 4) g_preload = argv[3];
  cli = argv[1];
  snprintf(scratch, sizeof scratch, "%s", argv[2]);
  remove_tree(scratch); /* a fresh, empty folder: leftovers of an earlier run would count */
  mkdir(scratch, 0755);
  signal(SIGPIPE, SIG_IGN);
  RUN(full_disk_device);
  RUN(full_disk_regular_file);
  RUN(unreadable_inputs);
  RUN(output_folder_missing_or_removed);
  RUN(net_outputs_are_all_or_nothing);
  RUN(standard_output_on_a_full_disk);
  check_no_temporaries(scratch, "the end");
  return TEST_MAIN_END();
}
