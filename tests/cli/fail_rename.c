/*
 * fail_rename.c - an LD_PRELOAD shim for test_cli_faults: rename() fails
 * with EIO when its destination contains $C2OP_TEST_FAIL_RENAME, and works
 * otherwise. It makes the one failure that cannot be caused from outside
 * on time (a folder vanishing between c2op's last write and its rename)
 * happen deterministically, to check that `c2op net` undoes the outputs
 * it had already renamed into place.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rename(const char *from, const char *to) {
  const char *needle = getenv("C2OP_TEST_FAIL_RENAME");
  if (needle && *needle && to && strstr(to, needle)) {
    errno = EIO;
    return -1;
  }
  int (*real)(const char *, const char *) = NULL;
  void *sym = dlsym(RTLD_NEXT, "rename");
  memcpy(&real, &sym, sizeof real); /* object to function pointer, as POSIX allows */
  if (!real) {
    errno = ENOSYS;
    return -1;
  }
  return real(from, to);
}
