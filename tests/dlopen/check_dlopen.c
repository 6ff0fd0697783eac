/*
 * check_dlopen.c - the shared library loads with dlopen, as ctypes, Python
 * extensions and plugins load it, and answers a call.
 *
 * A libc2op.so that carries too much initial-exec TLS (the static CUDA
 * runtime has 4 KiB of it) links fine into programs but fails here with
 * "cannot allocate memory in static TLS block". Usage: check_dlopen LIB.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: check_dlopen path/to/libc2op.so\n");
    return 2;
  }
  void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    printf("FAIL: dlopen: %s\n", dlerror());
    return 1;
  }
  const char *(*version)(void);
  void *sym = dlsym(lib, "c2op_version_string");
  memcpy(&version, &sym, sizeof version); /* object to function pointer */
  if (!sym || !version() || !version()[0]) {
    printf("FAIL: c2op_version_string missing or empty\n");
    return 1;
  }
  printf("ok: dlopen(%s) works, version %s\n", argv[1], version());
  dlclose(lib);
  return 0;
}
