/* backward.c - building backward nets (Caffe2's AddGradientOperators).
 *
 * Blobs are versioned: each write of a blob by a forward op makes a new
 * version, so in-place ops (X -> X) keep their gradients apart. Walking the
 * forward ops in reverse, each op whose outputs have gradients asks its
 * gradient maker for gradient ops and records, for each input version, one
 * more gradient contribution. A version's contributions are settled when its
 * gradient is first needed (by the gradient of the op that wrote it, or at
 * the end for blobs the net only reads): one contribution is used as is;
 * several are renamed "B_grad_autosplit_K" and added by a Sum op into
 * "B_grad". Every contribution to a version is emitted before it is settled,
 * because the ops reading a version all come after the op writing it. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "framework/net.h"

typedef struct {
  char *name; /* blob holding this contribution */
  int32_t op; /* backward op writing it, or -1 (a seed fed by the caller) */
  int32_t slot;
} contribution;

typedef struct {
  const char *blob; /* borrowed from the forward net */
  int32_t version;
  contribution *c;
  int32_t n, cap;
  char *settled; /* name of the summed gradient, once settled */
} grad_entry;

typedef struct {
  grad_entry *items;
  int32_t n, cap;
} grad_table;

static void table_free(grad_table *t) {
  for (int32_t i = 0; i < t->n; i++) {
    for (int32_t k = 0; k < t->items[i].n; k++) c2op__free(t->items[i].c[k].name);
    c2op__free(t->items[i].c);
    c2op__free(t->items[i].settled);
  }
  c2op__free(t->items);
}

static grad_entry *table_find(grad_table *t, const char *blob, int32_t version) {
  for (int32_t i = 0; i < t->n; i++)
    if (t->items[i].version == version && strcmp(t->items[i].blob, blob) == 0)
      return &t->items[i];
  return NULL;
}

static c2op_status table_add(grad_table *t, const char *blob, int32_t version, const char *name,
                             int32_t op, int32_t slot) {
  grad_entry *e = table_find(t, blob, version);
  if (!e) {
    if (t->n == t->cap) {
      int32_t cap = t->cap ? t->cap * 2 : 8;
      grad_entry *grown = c2op__realloc(t->items, (size_t)cap * sizeof *grown);
      C2OP_RETURN_IF(!grown, C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
      t->items = grown;
      t->cap = cap;
    }
    e = &t->items[t->n++];
    memset(e, 0, sizeof *e);
    e->blob = blob;
    e->version = version;
  }
  if (e->n == e->cap) {
    int32_t cap = e->cap ? e->cap * 2 : 2;
    contribution *grown = c2op__realloc(e->c, (size_t)cap * sizeof *grown);
    C2OP_RETURN_IF(!grown, C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
    e->c = grown;
    e->cap = cap;
  }
  char *copy = c2op__strdup(name);
  C2OP_RETURN_IF(!copy, C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
  e->c[e->n++] = (contribution){copy, op, slot};
  return C2OP_OK;
}

static char *grad_name(const char *blob, const char *suffix, int32_t k) {
  size_t n = strlen(blob) + strlen(suffix) + 16;
  char *s = c2op__malloc(n);
  if (s) {
    if (k >= 0)
      snprintf(s, n, "%s%s%d", blob, suffix, (int)k);
    else
      snprintf(s, n, "%s%s", blob, suffix);
  }
  return s;
}

/* Appends "Sum(inputs) -> out", a gradient op on `device`, to bwd. */
static c2op_status append_sum(c2op_net *bwd, int32_t n, const char *const *inputs,
                              const char *out, c2op_device_option device) {
  const char *outs[1] = {out};
  c2op_op_def *sum = NULL;
  c2op_status s = c2op_op_def_create("Sum", n, inputs, 1, outs, &sum);
  if (s != C2OP_OK) return s;
  sum->is_gradient_op = 1;
  sum->device_option = device;
  s = c2op__net_append_owned(bwd, sum);
  if (s != C2OP_OK) c2op_op_def_destroy(sum);
  return s;
}

/* Settles an entry: its gradient's name, adding a Sum for several
 * contributions. */
static c2op_status settle(grad_entry *e, c2op_net *bwd, const char **name_out) {
  if (e->settled) {
    *name_out = e->settled;
    return C2OP_OK;
  }
  if (e->n == 1) {
    e->settled = c2op__strdup(e->c[0].name);
    C2OP_RETURN_IF(!e->settled, C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
    *name_out = e->settled;
    return C2OP_OK;
  }
  char *sum_name = grad_name(e->blob, "_grad", -1);
  C2OP_RETURN_IF(!sum_name, C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
  c2op_status s = C2OP_OK;
  c2op_device_option device = {C2OP_DEVICE_CPU, 0};
  for (int32_t k = 0; k < e->n && s == C2OP_OK; k++) {
    if (e->c[k].op < 0) continue; /* a seed keeps its name */
    char *split = grad_name(e->blob, "_grad_autosplit_", k);
    if (!split) {
      s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
      break;
    }
    s = c2op_op_def_set_output(bwd->ops[e->c[k].op], e->c[k].slot, split);
    device = bwd->ops[e->c[k].op]->device_option;
    c2op__free(e->c[k].name);
    e->c[k].name = split;
  }
  /* Sum allows in place only for input 0: a contribution already named like
   * the sum goes first. */
  const char **inputs = NULL;
  if (s == C2OP_OK) {
    inputs = c2op__malloc((size_t)e->n * sizeof *inputs);
    if (!inputs) s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
  }
  if (s == C2OP_OK) {
    int32_t m = 0;
    for (int32_t k = 0; k < e->n; k++)
      if (strcmp(e->c[k].name, sum_name) == 0) inputs[m++] = e->c[k].name;
    for (int32_t k = 0; k < e->n; k++)
      if (strcmp(e->c[k].name, sum_name) != 0) inputs[m++] = e->c[k].name;
    s = append_sum(bwd, e->n, inputs, sum_name, device);
  }
  c2op__free(inputs);
  if (s != C2OP_OK) {
    c2op__free(sum_name);
    return s;
  }
  e->settled = sum_name;
  *name_out = sum_name;
  return C2OP_OK;
}

/* Appends "Sum(from) -> <blob>_grad" (a copy) to bwd; *name_out receives
 * a copy of the output's name. */
static c2op_status append_copy(c2op_net *bwd, const char *from, const char *blob,
                               c2op_device_option device, char **name_out) {
  char *to = grad_name(blob, "_grad", -1);
  C2OP_RETURN_IF(!to, C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
  const char *ins[1] = {from};
  const c2op_status s = append_sum(bwd, 1, ins, to, device);
  if (s != C2OP_OK) {
    c2op__free(to);
    return s;
  }
  *name_out = to;
  return C2OP_OK;
}

/* Per-blob version counters for the forward pass. */
typedef struct {
  const char **blob;
  int32_t *version;
  int32_t n;
} versions;

static int32_t *version_slot(versions *v, const char *blob) {
  for (int32_t i = 0; i < v->n; i++)
    if (strcmp(v->blob[i], blob) == 0) return &v->version[i];
  v->blob[v->n] = blob;
  v->version[v->n] = 0;
  return &v->version[v->n++];
}

c2op_status c2op_net_build_backward(const c2op_net *fwd, int32_t num_outputs,
                                    const char *const *outputs, c2op_net **backward_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!fwd, C2OP_ERR_NULL_POINTER, "forward is NULL");
  C2OP_RETURN_IF(!backward_out, C2OP_ERR_NULL_POINTER, "backward_out is NULL");
  C2OP_RETURN_IF(num_outputs < 1, C2OP_ERR_INVALID_ARGUMENT,
                 "num_outputs: %d, at least 1 output is needed", (int)num_outputs);
  C2OP_RETURN_IF(!outputs, C2OP_ERR_NULL_POINTER, "outputs is NULL");
  for (int32_t i = 0; i < num_outputs; i++)
  {
    C2OP_RETURN_IF(!outputs[i], C2OP_ERR_NULL_POINTER, "outputs[%d] is NULL", (int)i);
    C2OP_RETURN_IF(!outputs[i][0], C2OP_ERR_INVALID_ARGUMENT, "outputs[%d] is empty", (int)i);
  }

  /* Count blob slots for the version arrays. */
  int64_t slots = 0, total = 0;
  for (int32_t i = 0; i < fwd->num_ops; i++) {
    slots += fwd->ops[i]->num_inputs + fwd->ops[i]->num_outputs;
  }
  total = slots + 1;
  versions v = {c2op__malloc((size_t)total * sizeof(char *)),
                c2op__malloc((size_t)total * sizeof(int32_t)), 0};
  int32_t *io_version = c2op__malloc((size_t)total * sizeof(int32_t));
  int64_t *io_base = c2op__malloc(((size_t)fwd->num_ops + 1) * sizeof(int64_t));
  grad_table table = {0};
  c2op_net *bwd = NULL;
  c2op_gradient *g = NULL;
  const char **g_out = NULL;
  c2op_status s = C2OP_OK;
  if (!v.blob || !v.version || !io_version || !io_base) {
    s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
    goto done;
  }
  /* Forward pass: the version each op reads and writes. */
  int64_t at = 0;
  for (int32_t i = 0; i < fwd->num_ops; i++) {
    const c2op_op_def *op = fwd->ops[i];
    io_base[i] = at;
    for (int32_t k = 0; k < op->num_inputs; k++) io_version[at++] = *version_slot(&v, op->inputs[k]);
    for (int32_t k = 0; k < op->num_outputs; k++) io_version[at++] = ++*version_slot(&v, op->outputs[k]);
  }
  s = c2op_net_create(fwd->name[0] ? fwd->name : "net", &bwd);
  if (s != C2OP_OK) goto done;
  {
    char *name = grad_name(bwd->name, "_backward", -1);
    if (!name) {
      s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
      goto done;
    }
    c2op__free(bwd->name);
    bwd->name = name;
  }
  /* Seeds: the caller feeds "Y_grad" for each chosen output Y. */
  for (int32_t i = 0; i < num_outputs; i++) {
    int32_t ver = 0;
    for (int32_t j = 0; j < v.n; j++)
      if (strcmp(v.blob[j], outputs[i]) == 0) ver = v.version[j];
    if (ver == 0) {
      s = c2op__error(C2OP_ERR_INVALID_ARGUMENT,
                      "outputs[%d]: blob '%s' is not written by any op of net '%s'", (int)i,
                      outputs[i], fwd->name);
      goto done;
    }
    const char *blob = NULL;
    for (int32_t j = 0; j < v.n; j++)
      if (strcmp(v.blob[j], outputs[i]) == 0) blob = v.blob[j];
    if (table_find(&table, blob, ver)) continue; /* listed twice */
    char *seed = grad_name(blob, "_grad", -1);
    if (!seed) {
      s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
      goto done;
    }
    s = table_add(&table, blob, ver, seed, -1, -1);
    if (s == C2OP_OK) s = c2op_net_add_external_input(bwd, seed);
    c2op__free(seed);
    if (s != C2OP_OK) goto done;
  }
  /* Reverse pass. */
  for (int32_t i = fwd->num_ops - 1; i >= 0; i--) {
    const c2op_op_def *op = fwd->ops[i];
    const int32_t *in_ver = &io_version[io_base[i]];
    const int32_t *out_ver = in_ver + op->num_inputs;
    c2op__free(g_out);
    g_out = c2op__calloc((size_t)(op->num_outputs > 0 ? op->num_outputs : 1), sizeof *g_out);
    if (!g_out) {
      s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory building a backward net");
      goto done;
    }
    int any = 0;
    for (int32_t k = 0; k < op->num_outputs; k++) {
      grad_entry *e = table_find(&table, op->outputs[k], out_ver[k]);
      if (!e) continue;
      s = settle(e, bwd, &g_out[k]);
      if (s != C2OP_OK) goto done;
      any = 1;
    }
    if (!any) continue; /* not on the path to the chosen outputs */
    s = c2op_get_gradient_defs(op, g_out, &g);
    if (s != C2OP_OK) {
      c2op__error_prefix(s, "op %d (%s) leads to the chosen outputs", (int)i, op->type);
      goto done;
    }
    const int32_t first = bwd->num_ops;
    while (g->num_ops > 0) { /* move the ops, keeping order */
      s = c2op__net_append_owned(bwd, g->ops[0]);
      if (s != C2OP_OK) goto done;
      memmove(&g->ops[0], &g->ops[1], (size_t)(g->num_ops - 1) * sizeof *g->ops);
      g->num_ops--;
    }
    for (int32_t k = 0; k < op->num_inputs; k++) {
      const char *name = k < g->num_input_grads ? g->input_grads[k] : NULL;
      if (!name) continue;
      int32_t writer = -1, slot = -1;
      for (int32_t j = bwd->num_ops - 1; j >= first && writer < 0; j--)
        for (int32_t o = 0; o < bwd->ops[j]->num_outputs; o++)
          if (strcmp(bwd->ops[j]->outputs[o], name) == 0) {
            writer = j;
            slot = o;
            break;
          }
      char *copy_name = NULL;
      if (writer < 0) {
        /* Passed through (the maker wrote no op for it, as Caffe2's Alias
         * does): a blob that a later gradient op may overwrite, since
         * gradients of other versions share names. Copy it now into a
         * contribution of this op's own (a one-input Sum). */
        s = append_copy(bwd, name, op->inputs[k], op->device_option, &copy_name);
        if (s != C2OP_OK) goto done;
        writer = bwd->num_ops - 1;
        slot = 0;
        name = copy_name;
      }
      s = table_add(&table, op->inputs[k], in_ver[k], name, writer, slot);
      c2op__free(copy_name);
      if (s != C2OP_OK) goto done;
    }
    c2op_gradient_destroy(g);
    g = NULL;
  }
  /* Gradients of blobs the net reads before writing them. */
  for (int32_t i = 0; i < table.n; i++) {
    if (table.items[i].version != 0) continue;
    const char *name = NULL;
    s = settle(&table.items[i], bwd, &name);
    if (s == C2OP_OK) s = c2op_net_add_external_output(bwd, name);
    if (s != C2OP_OK) goto done;
  }
done:
  c2op_gradient_destroy(g);
  c2op__free(g_out);
  table_free(&table);
  c2op__free(v.blob);
  c2op__free(v.version);
  c2op__free(io_version);
  c2op__free(io_base);
  if (s != C2OP_OK) {
    c2op_net_destroy(bwd);
    return s;
  }
  *backward_out = bwd;
  return C2OP_OK;
}
