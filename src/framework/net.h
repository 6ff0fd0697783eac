/* net.h - the net's internal layout (shared by net.c and backward.c). */
#ifndef C2OP_FRAMEWORK_NET_H
#define C2OP_FRAMEWORK_NET_H

#include "c2op.h"

typedef struct {
  char **items;
  int32_t count, capacity;
} c2op__names;

struct c2op_net {
  char *name;
  c2op_op_def **ops;
  int32_t num_ops, ops_capacity;
  c2op__names external_inputs;
  c2op__names external_outputs;
};

/* Appends an op def, taking ownership (on failure the def is not taken). */
c2op_status c2op__net_append_owned(c2op_net *net, c2op_op_def *def);
/* Appends a copy of `name`. */
c2op_status c2op__names_add(c2op__names *names, const char *name);
void c2op__names_clear(c2op__names *names);

#endif
