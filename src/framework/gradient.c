/* gradient.c - GetGradientDefs: runs an op's gradient maker. */
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "framework/registry.h"

void c2op_gradient_destroy(c2op_gradient *g) {
  if (!g) return;
  for (int32_t i = 0; i < g->num_ops; i++) c2op_op_def_destroy(g->ops[i]);
  c2op__free(g->ops);
  if (g->input_grads)
    for (int32_t i = 0; i < g->num_input_grads; i++) c2op__free(g->input_grads[i]);
  c2op__free(g->input_grads);
  c2op__free(g);
}

c2op_status c2op_gradient_add_op(c2op_gradient *g, const c2op_op_def *forward,
                                 const c2op_op_def *def) {
  c2op__clear_error();
  C2OP_RETURN_IF(!g, C2OP_ERR_NULL_POINTER, "gradient is NULL");
  C2OP_RETURN_IF(!forward, C2OP_ERR_NULL_POINTER, "forward is NULL");
  C2OP_RETURN_IF(!def, C2OP_ERR_NULL_POINTER, "def is NULL");
  c2op_op_def **ops = c2op__realloc(g->ops, ((size_t)g->num_ops + 1) * sizeof *ops);
  C2OP_RETURN_IF(!ops, C2OP_ERR_OUT_OF_MEMORY, "out of memory adding a gradient op");
  g->ops = ops;
  c2op_op_def *copy = NULL;
  C2OP_TRY(c2op_op_def_clone(def, &copy));
  copy->is_gradient_op = 1;
  copy->device_option = forward->device_option;
  g->ops[g->num_ops++] = copy;
  return C2OP_OK;
}

c2op_status c2op_gradient_set_input_grad(c2op_gradient *g, int32_t i, const char *blob) {
  c2op__clear_error();
  C2OP_RETURN_IF(!g, C2OP_ERR_NULL_POINTER, "gradient is NULL");
  C2OP_RETURN_IF(i < 0 || i >= g->num_input_grads, C2OP_ERR_INVALID_ARGUMENT,
                 "i: %d is out of range for %d inputs", (int)i, (int)g->num_input_grads);
  char *copy = NULL;
  if (blob) {
    C2OP_RETURN_IF(!blob[0], C2OP_ERR_INVALID_ARGUMENT, "blob is an empty name");
    copy = c2op__strdup(blob);
    C2OP_RETURN_IF(!copy, C2OP_ERR_OUT_OF_MEMORY, "out of memory copying blob name");
  }
  c2op__free(g->input_grads[i]);
  g->input_grads[i] = copy;
  return C2OP_OK;
}

c2op_status c2op_get_gradient_defs(const c2op_op_def *forward, const char *const *output_grads,
                                   c2op_gradient **gradient_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!forward, C2OP_ERR_NULL_POINTER, "forward is NULL");
  C2OP_RETURN_IF(!gradient_out, C2OP_ERR_NULL_POINTER, "gradient_out is NULL");
  C2OP_RETURN_IF(!forward->type, C2OP_ERR_NULL_POINTER, "forward: type is NULL");
  c2op_gradient_maker maker = NULL;
  C2OP_TRY(c2op__registry_get(forward->type, NULL, NULL, &maker));
  C2OP_RETURN_IF(!maker, C2OP_ERR_NO_GRADIENT, "op '%s' has no gradient defined",
                 forward->type);

  /* Names given: NULL entries (no gradient flows there) are fine, empty
   * ones are not. */
  for (int32_t i = 0; output_grads && i < forward->num_outputs; i++)
    C2OP_RETURN_IF(output_grads[i] && !output_grads[i][0], C2OP_ERR_INVALID_ARGUMENT,
                   "output_grads[%d] is an empty blob name", (int)i);

  /* Default output gradient names: "<output>_grad". */
  char **defaults = NULL;
  c2op_status s = C2OP_OK;
  if (!output_grads) {
    defaults = c2op__calloc((size_t)(forward->num_outputs > 0 ? forward->num_outputs : 1),
                            sizeof *defaults);
    if (!defaults) s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory naming gradients");
    for (int32_t i = 0; s == C2OP_OK && i < forward->num_outputs; i++) {
      size_t n = strlen(forward->outputs[i]) + sizeof "_grad";
      defaults[i] = c2op__malloc(n);
      if (!defaults[i])
        s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory naming gradients");
      else
        snprintf(defaults[i], n, "%s_grad", forward->outputs[i]);
    }
    output_grads = (const char *const *)defaults;
  }
  c2op_gradient *g = NULL;
  if (s == C2OP_OK) {
    g = c2op__calloc(1, sizeof *g);
    if (g) {
      g->num_input_grads = forward->num_inputs;
      g->input_grads = c2op__calloc((size_t)(forward->num_inputs > 0 ? forward->num_inputs : 1),
                                    sizeof *g->input_grads);
    }
    if (!g || !g->input_grads)
      s = c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory creating a gradient");
  }
  if (s == C2OP_OK) {
    c2op__clear_error();
    s = c2op__after_callback(maker(forward, output_grads, g), "the gradient maker");
    if (s != C2OP_OK) c2op__error_prefix(s, "gradient of '%s'", forward->type);
  }
  if (defaults) {
    for (int32_t i = 0; i < forward->num_outputs; i++) c2op__free(defaults[i]);
    c2op__free(defaults);
  }
  if (s != C2OP_OK) {
    c2op_gradient_destroy(g);
    return s;
  }
  *gradient_out = g;
  return C2OP_OK;
}
