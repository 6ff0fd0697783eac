/* alloc.h - the library's only allocation entry points (internal). Every
 * allocation goes through here so tests can inject failures later. */
#ifndef C2OP_CORE_ALLOC_H
#define C2OP_CORE_ALLOC_H

#include <stddef.h>

void *c2op__malloc(size_t size);
void *c2op__calloc(size_t count, size_t size);
void *c2op__realloc(void *ptr, size_t size);
void c2op__free(void *ptr);
/* strdup through c2op__malloc; NULL on failure. */
char *c2op__strdup(const char *s);

#endif
