/* alloc.c - allocation wrappers. */
#include "core/alloc.h"

#include <stdlib.h>
#include <string.h>

void *c2op__malloc(size_t size) { return malloc(size ? size : 1); }
void *c2op__calloc(size_t count, size_t size) {
  return calloc(count ? count : 1, size ? size : 1);
}
void *c2op__realloc(void *ptr, size_t size) { return realloc(ptr, size ? size : 1); }
void c2op__free(void *ptr) { free(ptr); }

char *c2op__strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *copy = c2op__malloc(n);
  if (copy) memcpy(copy, s, n);
  return copy;
}
