/* net.c - nets (Caffe2's NetDef): ordered op defs with external blobs. */
#include "framework/net.h"

#include "core/alloc.h"
#include "core/error.h"

c2op_status c2op__names_add(c2op__names *names, const char *name) {
  if (names->count == names->capacity) {
    int32_t cap = names->capacity ? names->capacity * 2 : 4;
    char **grown = c2op__realloc(names->items, (size_t)cap * sizeof *grown);
    C2OP_RETURN_IF(!grown, C2OP_ERR_OUT_OF_MEMORY, "out of memory adding a name");
    names->items = grown;
    names->capacity = cap;
  }
  char *copy = c2op__strdup(name);
  C2OP_RETURN_IF(!copy, C2OP_ERR_OUT_OF_MEMORY, "out of memory adding a name");
  names->items[names->count++] = copy;
  return C2OP_OK;
}

void c2op__names_clear(c2op__names *names) {
  for (int32_t i = 0; i < names->count; i++) c2op__free(names->items[i]);
  c2op__free(names->items);
  names->items = NULL;
  names->count = names->capacity = 0;
}

c2op_status c2op_net_create(const char *name, c2op_net **net_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net_out, C2OP_ERR_NULL_POINTER, "net_out is NULL");
  C2OP_RETURN_IF(!name, C2OP_ERR_NULL_POINTER, "name is NULL");
  c2op_net *net = c2op__calloc(1, sizeof *net);
  if (net) net->name = c2op__strdup(name);
  if (!net || !net->name) {
    c2op__free(net);
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory creating net '%s'", name);
  }
  *net_out = net;
  return C2OP_OK;
}

void c2op_net_destroy(c2op_net *net) {
  if (!net) return;
  for (int32_t i = 0; i < net->num_ops; i++) c2op_op_def_destroy(net->ops[i]);
  c2op__free(net->ops);
  c2op__names_clear(&net->external_inputs);
  c2op__names_clear(&net->external_outputs);
  c2op__free(net->name);
  c2op__free(net);
}

const char *c2op_net_name(const c2op_net *net) { return net ? net->name : ""; }

c2op_status c2op__net_append_owned(c2op_net *net, c2op_op_def *def) {
  if (net->num_ops == net->ops_capacity) {
    int32_t cap = net->ops_capacity ? net->ops_capacity * 2 : 8;
    c2op_op_def **grown = c2op__realloc(net->ops, (size_t)cap * sizeof *grown);
    C2OP_RETURN_IF(!grown, C2OP_ERR_OUT_OF_MEMORY, "out of memory adding an op to net '%s'",
                   net->name);
    net->ops = grown;
    net->ops_capacity = cap;
  }
  net->ops[net->num_ops++] = def;
  return C2OP_OK;
}

c2op_status c2op_net_add_op(c2op_net *net, const c2op_op_def *def) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net, C2OP_ERR_NULL_POINTER, "net is NULL");
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  /* What the NetDef reader accepts, so that c2op_net_to_text's text of the
   * net reads back. */
  const c2op_device_option *d = &def->device_option;
  C2OP_RETURN_IF(d->device_type != C2OP_DEVICE_CPU && d->device_type != C2OP_DEVICE_CUDA,
                 C2OP_ERR_INVALID_ARGUMENT,
                 "def: device_option.device_type %d is not CPU (0) or CUDA (1)",
                 (int)d->device_type);
  C2OP_RETURN_IF(d->device_id < 0, C2OP_ERR_INVALID_ARGUMENT,
                 "def: device_option.device_id %d is negative", (int)d->device_id);
  c2op_op_def *copy = NULL;
  C2OP_TRY(c2op_op_def_clone(def, &copy));
  c2op_status s = c2op__net_append_owned(net, copy);
  if (s != C2OP_OK) c2op_op_def_destroy(copy);
  return s;
}

int32_t c2op_net_num_ops(const c2op_net *net) { return net ? net->num_ops : 0; }

c2op_status c2op_net_op(const c2op_net *net, int32_t i, const c2op_op_def **def_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net, C2OP_ERR_NULL_POINTER, "net is NULL");
  C2OP_RETURN_IF(!def_out, C2OP_ERR_NULL_POINTER, "def_out is NULL");
  C2OP_RETURN_IF(i < 0 || i >= net->num_ops, C2OP_ERR_INVALID_ARGUMENT,
                 "i: %d is out of range [0, %d)", (int)i, (int)net->num_ops);
  *def_out = net->ops[i];
  return C2OP_OK;
}

static c2op_status add_external(c2op_net *net, c2op__names *names, const char *blob) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net, C2OP_ERR_NULL_POINTER, "net is NULL");
  C2OP_RETURN_IF(!blob, C2OP_ERR_NULL_POINTER, "blob is NULL");
  C2OP_RETURN_IF(!blob[0], C2OP_ERR_INVALID_ARGUMENT, "blob is an empty name");
  return c2op__names_add(names, blob);
}

c2op_status c2op_net_add_external_input(c2op_net *net, const char *blob) {
  return add_external(net, net ? &net->external_inputs : NULL, blob);
}

c2op_status c2op_net_add_external_output(c2op_net *net, const char *blob) {
  return add_external(net, net ? &net->external_outputs : NULL, blob);
}

int32_t c2op_net_num_external_inputs(const c2op_net *net) {
  return net ? net->external_inputs.count : 0;
}

int32_t c2op_net_num_external_outputs(const c2op_net *net) {
  return net ? net->external_outputs.count : 0;
}

static c2op_status get_external(const c2op_net *net, const c2op__names *names, int32_t i,
                                const char **blob_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net, C2OP_ERR_NULL_POINTER, "net is NULL");
  C2OP_RETURN_IF(!blob_out, C2OP_ERR_NULL_POINTER, "blob_out is NULL");
  C2OP_RETURN_IF(i < 0 || i >= names->count, C2OP_ERR_INVALID_ARGUMENT,
                 "i: %d is out of range [0, %d)", (int)i, (int)names->count);
  *blob_out = names->items[i];
  return C2OP_OK;
}

c2op_status c2op_net_external_input(const c2op_net *net, int32_t i, const char **blob_out) {
  return get_external(net, net ? &net->external_inputs : NULL, i, blob_out);
}

c2op_status c2op_net_external_output(const c2op_net *net, int32_t i, const char **blob_out) {
  return get_external(net, net ? &net->external_outputs : NULL, i, blob_out);
}

c2op_status c2op_workspace_run_net(c2op_workspace *ws, const c2op_context *ctx,
                                   const c2op_net *net) {
  c2op__clear_error();
  C2OP_RETURN_IF(!ws, C2OP_ERR_NULL_POINTER, "ws is NULL");
  C2OP_RETURN_IF(!net, C2OP_ERR_NULL_POINTER, "net is NULL");
  for (int32_t i = 0; i < net->num_ops; i++) {
    c2op_status s = c2op_workspace_run_op(ws, ctx, net->ops[i]);
    if (s != C2OP_OK)
      return c2op__error_prefix(s, "net '%s' op %d (%s)", net->name, (int)i, net->ops[i]->type);
  }
  return C2OP_OK;
}
