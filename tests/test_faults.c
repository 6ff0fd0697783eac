/*
 * test_faults.c - allocation and resource failures at every site in turn.
 *
 * The fault hook (src/core/alloc.h) counts the fallible sites the calling
 * thread passes (every allocation, and the pool's thread creation) and can
 * make the Nth fail. For each public operation that allocates, a sweep runs
 * it once to count its sites K, then K more times, making site i fail on
 * run i, and checks each time that:
 *   - the call returns C2OP_ERR_OUT_OF_MEMORY with a message saying "out of
 *     memory";
 *   - the site was really reached (the hook reports one failure);
 *   - nothing changed: the workspace's blobs (names, count, dtype, shape,
 *     data pointer, bytes), the net (its text), the op def, the output
 *     tensor's bytes, and every *_out pointer;
 *   - nothing leaked (the ASan build's LeakSanitizer and `make
 *     test-valgrind` check the whole process at exit).
 * run_net is not atomic by contract (c2op.h: it keeps what earlier ops
 * wrote); its sweep checks that the workspace holds exactly what the ops
 * before the failing one (named in the message) produce.
 *
 * The pool's thread creation is a site too, but a failure there is not an
 * error: the job runs on the threads there are. That is checked first, on a
 * fresh pool.
 *
 * Linked against the static library (the hook is internal).
 */
#define _POSIX_C_SOURCE 200809L /* setenv */

#include "core/alloc.h"
#include "cpu/pool.h"
#include "framework_util.h"

/* Whatever one case needs; setup fills it, teardown frees it. */
typedef struct {
  c2op_workspace *ws;
  c2op_net *net;
  c2op_op_def *def;
  c2op_context *ctx;
  void *out;          /* the *_out of the call; SENTINEL before */
  size_t out_len;     /* net_to_text's length_out */
  fu_snapshot snap;   /* ws before the call */
  char *net_text;     /* net before the call */
  char *def_text;     /* def before the call (a one-op net's text) */
  float buf[64];      /* a caller's tensor memory */
  float buf_before[64];
  const char *text;   /* NetDef input */
} fx;

#define SENTINEL ((void *)(uintptr_t)0x5e1f)

typedef struct {
  const char *name;
  void (*setup)(fx *);
  c2op_status (*run)(fx *);
  void (*check_result)(fx *); /* after a successful run */
  void (*teardown)(fx *);
} fault_case;

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

static char *net_text_of(const c2op_net *net) {
  char *text = NULL;
  if (c2op_net_to_text(net, &text, NULL) != C2OP_OK) return NULL;
  return text;
}

/* A def's observable state, as the text of a net holding a copy. */
static char *def_text_of(const c2op_op_def *def) {
  c2op_net *n = NULL;
  char *text = NULL;
  if (c2op_net_create("d", &n) == C2OP_OK && c2op_net_add_op(n, def) == C2OP_OK)
    text = net_text_of(n);
  c2op_net_destroy(n);
  return text;
}

static void feed_vals(c2op_workspace *ws, const char *name, int32_t ndim, const int64_t *shape,
                      float base) {
  float v[64];
  for (int i = 0; i < 64; i++) v[i] = base + (float)i * 0.5f - 7.0f;
  fu_feed_f32(ws, name, v, ndim, shape);
}

/* A workspace with `n` blobs b0..b(n-1) of 2x3 floats and X (2x3). */
static c2op_workspace *ws_with(int n) {
  c2op_workspace *ws = NULL;
  CHECK_OK(c2op_workspace_create(&ws));
  if (!ws) return NULL;
  const int64_t shape[2] = {2, 3};
  char name[16];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof name, "b%d", i);
    feed_vals(ws, name, 2, shape, (float)i);
  }
  feed_vals(ws, "X", 2, shape, 100.0f);
  return ws;
}

static void fx_free(fx *f) {
  c2op_workspace_destroy(f->ws);
  c2op_net_destroy(f->net);
  c2op_op_def_destroy(f->def);
  c2op_context_destroy(f->ctx);
  fu_snapshot_free(&f->snap);
  c2op_free(f->net_text);
  c2op_free(f->def_text);
  memset(f, 0, sizeof *f);
}

/* Takes the "before" pictures of whatever the fixture has. */
static void fx_capture(fx *f) {
  if (f->ws) f->snap = fu_snapshot_take(f->ws);
  if (f->net) f->net_text = net_text_of(f->net);
  if (f->def) f->def_text = def_text_of(f->def);
  memcpy(f->buf_before, f->buf, sizeof f->buf);
  f->out = SENTINEL;
}

/* Everything the fixture has is as captured. */
static void fx_check_unchanged(fx *f) {
  if (f->ws) FU_CHECK_UNCHANGED(f->ws, f->snap);
  if (f->net) {
    char *now = net_text_of(f->net);
    if (!now || !f->net_text || strcmp(now, f->net_text) != 0)
      TEST_FAIL_("the net changed:\n%s\nwas:\n%s", now ? now : "(null)",
                 f->net_text ? f->net_text : "(null)");
    c2op_free(now);
  }
  if (f->def) {
    char *now = def_text_of(f->def);
    if (!now || !f->def_text || strcmp(now, f->def_text) != 0)
      TEST_FAIL_("the op def changed:\n%s\nwas:\n%s", now ? now : "(null)",
                 f->def_text ? f->def_text : "(null)");
    c2op_free(now);
  }
  if (memcmp(f->buf, f->buf_before, sizeof f->buf) != 0)
    TEST_FAIL_("the caller's tensor memory changed");
  if (f->out != SENTINEL) TEST_FAIL_("the *_out pointer was written");
}

/* Runs one case with site `fail_at` failing (0: none); returns the number
 * of sites passed and the status; *failures gets how many were failed. */
static int64_t run_case(const fault_case *c, int64_t fail_at, c2op_status *status,
                        int64_t *failures, fx *f) {
  memset(f, 0, sizeof *f);
  c->setup(f);
  fx_capture(f);
  c2op__fault_arm(fail_at, 0);
  *status = c->run(f);
  const int64_t sites = c2op__fault_disarm();
  *failures = c2op__fault_failures();
  return sites;
}

static int64_t g_total_sites;

/* The sweep: count, then fail every site in turn. */
static void sweep(const fault_case *c) {
  fx f;
  c2op_status s;
  int64_t failures;
  const int64_t k = run_case(c, 0, &s, &failures, &f);
  if (s != C2OP_OK) {
    TEST_FAIL_("%s: the undisturbed run failed: %s: %s", c->name, c2op_status_name(s),
               c2op_last_error());
    fx_free(&f);
    return;
  }
  if (c->check_result) c->check_result(&f);
  if (c->teardown) c->teardown(&f);
  fx_free(&f);
  if (k == 0) TEST_FAIL_("%s: no fallible site was counted", c->name);
  printf("  %-34s %3lld sites\n", c->name, (long long)k);
  g_total_sites += k;
  for (int64_t i = 1; i <= k; i++) {
    const int before = test_failures_in_current;
    run_case(c, i, &s, &failures, &f);
    if (failures != 1)
      TEST_FAIL_("%s: site %lld of %lld was not reached (the sites differ between runs)",
                 c->name, (long long)i, (long long)k);
    if (s != C2OP_ERR_OUT_OF_MEMORY)
      TEST_FAIL_("%s: site %lld of %lld failing gave %s (%s), not C2OP_ERR_OUT_OF_MEMORY",
                 c->name, (long long)i, (long long)k, c2op_status_name(s), c2op_last_error());
    else if (!fu_contains_ci(c2op_last_error(), "out of memory"))
      TEST_FAIL_("%s: site %lld: the message does not say out of memory: '%s'", c->name,
                 (long long)i, c2op_last_error());
    if (s != C2OP_OK) fx_check_unchanged(&f);
    if (test_failures_in_current != before)
      fprintf(stderr, "    (%s, site %lld of %lld failing)\n", c->name, (long long)i,
              (long long)k);
    if (c->teardown) c->teardown(&f);
    fx_free(&f);
    if (test_failures_in_current - before > 0 && test_failures_in_current > 20) return;
  }
}

/* ------------------------------------------------------------------------ */
/* Cases                                                                     */
/* ------------------------------------------------------------------------ */

static void setup_none(fx *f) { (void)f; }

static void teardown_out_context(fx *f) {
  if (f->out != SENTINEL) c2op_context_destroy(f->out);
}
static c2op_status run_context_create(fx *f) {
  return c2op_context_create((c2op_context **)&f->out);
}

static void teardown_out_ws(fx *f) {
  if (f->out != SENTINEL) c2op_workspace_destroy(f->out);
}
static c2op_status run_workspace_create(fx *f) {
  return c2op_workspace_create((c2op_workspace **)&f->out);
}

/* Feeding a 9th blob grows the blob array (capacity 8) too; the source is
 * a transposed view, so the copy takes the strided path. */
static void setup_ws8(fx *f) {
  f->ws = ws_with(7);
  for (int i = 0; i < 6; i++) f->buf[i] = (float)i - 2.5f;
}
static c2op_status run_feed_new(fx *f) {
  int64_t shape[2] = {3, 2}, strides[2] = {1, 3};
  DLTensor t = fu_view(f->buf, fu_f32, 2, shape, strides);
  return c2op_workspace_feed(f->ws, "new", &t);
}
static void result_feed_new(fx *f) {
  float got[6], want[6] = {-2.5f, 0.5f, -1.5f, 1.5f, -0.5f, 2.5f};
  CHECK(fu_fetch_f32(f->ws, "new", got, 6));
  fu_check_floats_eq("new", got, want, 6);
  CHECK_EQ_INT(c2op_workspace_num_blobs(f->ws), 9);
}

static c2op_status run_feed_replace(fx *f) {
  int64_t shape[1] = {5};
  DLTensor t = fu_view(f->buf, fu_f32, 1, shape, NULL);
  return c2op_workspace_feed(f->ws, "b3", &t);
}
static void result_feed_replace(fx *f) {
  const DLTensor *t = NULL;
  CHECK_OK(c2op_workspace_fetch(f->ws, "b3", &t));
  if (t) CHECK_EQ_INT(t->shape[0], 5);
}

static c2op_status run_feed_on_cpu(fx *f) {
  int64_t shape[2] = {4, 4};
  DLTensor t = fu_view(f->buf, fu_f32, 2, shape, NULL);
  c2op_device_option cpu = {C2OP_DEVICE_CPU, 0};
  return c2op_workspace_feed_on(f->ws, "on_cpu", &t, &cpu);
}

static c2op_status run_fetch_copy_strided(fx *f) {
  /* Into a transposed view of the caller's memory. */
  int64_t shape[2] = {2, 3}, strides[2] = {1, 2};
  DLTensor t = fu_view(f->buf, fu_f32, 2, shape, strides);
  return c2op_workspace_fetch_copy(f->ws, "X", &t);
}

/* run_op cases: the op def is made in setup, disarmed (op def creation has
 * its own cases); the run must leave it as it was too. */
static void setup_ws8_negative_new(fx *f) {
  f->ws = ws_with(7);
  f->def = fu_op1("Negative", "X", "Y");
}
static void setup_ws8_negative_replace(fx *f) {
  f->ws = ws_with(7);
  const int64_t shape[1] = {4};
  feed_vals(f->ws, "Y", 1, shape, 3.0f); /* another shape: a fresh blob replaces it */
  f->def = fu_op1("Negative", "X", "Y");
}
static void setup_ws8_negative_inplace(fx *f) {
  f->ws = ws_with(7);
  f->def = fu_op1("Negative", "X", "X");
}
static void setup_ws8_sum(fx *f) {
  f->ws = ws_with(7);
  const char *ins[3] = {"b0", "b1", "X"}, *outs[1] = {"S"};
  f->def = fu_op("Sum", 3, ins, 1, outs);
}
static void setup_ws8_sum_inplace(fx *f) {
  f->ws = ws_with(7);
  const char *ins[3] = {"X", "b1", "b2"}, *outs[1] = {"X"};
  f->def = fu_op("Sum", 3, ins, 1, outs);
}
static c2op_status run_run_op(fx *f) { return c2op_workspace_run_op(f->ws, NULL, f->def); }
static void result_negative_new(fx *f) {
  float x[6], y[6];
  CHECK(fu_fetch_f32(f->ws, "X", x, 6));
  CHECK(fu_fetch_f32(f->ws, "Y", y, 6));
  for (int i = 0; i < 6; i++) CHECK(y[i] == -x[i]);
}

static void setup_op_def(fx *f) { f->def = fu_op1("Negative", "an_input", "an_output"); }
static void teardown_out_def(fx *f) {
  if (f->out != SENTINEL) c2op_op_def_destroy(f->out);
}
static c2op_status run_op_def_create(fx *f) {
  const char *ins[3] = {"a", "bb", "ccc"}, *outs[2] = {"y", "z"};
  return c2op_op_def_create("Sum", 3, ins, 2, outs, (c2op_op_def **)&f->out);
}
static void setup_op_def_named(fx *f) {
  setup_op_def(f);
  if (f->def) CHECK_OK(c2op_op_def_set_name(f->def, "named"));
}
static c2op_status run_op_def_clone(fx *f) {
  return c2op_op_def_clone(f->def, (c2op_op_def **)&f->out);
}
static c2op_status run_op_def_set_name(fx *f) { return c2op_op_def_set_name(f->def, "renamed"); }
static c2op_status run_op_def_set_input(fx *f) {
  return c2op_op_def_set_input(f->def, 0, "another_input");
}
static c2op_status run_op_def_set_output(fx *f) {
  return c2op_op_def_set_output(f->def, 0, "another_output");
}

static void teardown_out_net(fx *f) {
  if (f->out != SENTINEL) c2op_net_destroy(f->out);
}
static c2op_status run_net_create(fx *f) {
  return c2op_net_create("a_net", (c2op_net **)&f->out);
}

/* A net with 8 ops and 4 external inputs: the next add grows each array. */
static c2op_net *net8(void) {
  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create("eight", &net));
  if (!net) return NULL;
  char in[16], out[16];
  for (int i = 0; i < 8; i++) {
    snprintf(in, sizeof in, "v%d", i);
    snprintf(out, sizeof out, "v%d", i + 1);
    c2op_op_def *d = fu_op1(i % 2 ? "NegateGradient" : "Negative", in, out);
    if (d) CHECK_OK(c2op_net_add_op(net, d));
    c2op_op_def_destroy(d);
  }
  for (int i = 0; i < 4; i++) {
    snprintf(in, sizeof in, "e%d", i);
    CHECK_OK(c2op_net_add_external_input(net, in));
    CHECK_OK(c2op_net_add_external_output(net, in));
  }
  return net;
}
static void setup_net8(fx *f) {
  f->net = net8();
  f->def = fu_op1("Negative", "v8", "v9");
}
static c2op_status run_net_add_op(fx *f) { return c2op_net_add_op(f->net, f->def); }
static c2op_status run_net_add_external_input(fx *f) {
  return c2op_net_add_external_input(f->net, "external_in");
}
static c2op_status run_net_add_external_output(fx *f) {
  return c2op_net_add_external_output(f->net, "external_out");
}

/* Forward net with fan-out and an in-place op, so the backward net of
 * {B, C} has autosplit names and a Sum (A's gradient has two parts):
 *   A = -X; B = NegateGradient(A); B = -B (in place); C = -A;
 * and, with_sum, D = Sum(B, C) (Sum has no gradient: forward runs only). */
static c2op_net *fwd_net(int with_sum) {
  c2op_net *net = NULL;
  CHECK_OK(c2op_net_create("fwd", &net));
  if (!net) return NULL;
  c2op_op_def *d[5] = {fu_op1("Negative", "X", "A"), fu_op1("NegateGradient", "A", "B"),
                       fu_op1("Negative", "B", "B"), fu_op1("Negative", "A", "C"), NULL};
  const char *ins[2] = {"B", "C"}, *outs[1] = {"D"};
  if (with_sum) d[4] = fu_op("Sum", 2, ins, 1, outs);
  for (int i = 0; i < 5; i++) {
    if (d[i]) CHECK_OK(c2op_net_add_op(net, d[i]));
    c2op_op_def_destroy(d[i]);
  }
  CHECK_OK(c2op_net_add_external_input(net, "X"));
  CHECK_OK(c2op_net_add_external_output(net, "C"));
  return net;
}
static void setup_fwd(fx *f) { f->net = fwd_net(0); }
static c2op_status run_build_backward(fx *f) {
  const char *outs[2] = {"C", "B"};
  return c2op_net_build_backward(f->net, 2, outs, (c2op_net **)&f->out);
}
static void result_build_backward(fx *f) {
  char *text = net_text_of(f->out);
  CHECK_CONTAINS(text, "autosplit");
  CHECK_CONTAINS(text, "\"Sum\"");
  c2op_free(text);
}

static void teardown_out_gradient(fx *f) {
  if (f->out != SENTINEL) c2op_gradient_destroy(f->out);
}
static c2op_status run_get_gradient_defs(fx *f) {
  return c2op_get_gradient_defs(f->def, NULL, (c2op_gradient **)&f->out);
}

static const char netdef_text[] =
    "name: \"parsed\"\n"
    "op { input: \"X\" output: \"A\" name: \"first\" type: \"Negative\" }\n"
    "op { input: [\"A\", \"X\"] output: \"S\" type: \"Sum\"\n"
    "     device_option { device_type: 0 device_id: 0 } is_gradient_op: true }\n"
    "op { input: 'S' output: \"S\" type: \"NegateGradient\" }\n"
    "external_input: \"X\" external_output: [\"S\", \"A\"]\n";
static c2op_status run_net_from_text(fx *f) {
  return c2op_net_from_text(netdef_text, sizeof netdef_text - 1, (c2op_net **)&f->out);
}
static c2op_status run_net_to_text(fx *f) {
  return c2op_net_to_text(f->net, (char **)&f->out, &f->out_len);
}
static void teardown_out_text(fx *f) {
  if (f->out != SENTINEL) c2op_free(f->out);
}

/* Kernel calls whose validation or run allocates: x and y overlapping
 * partially (x is copied to scratch first), and y laid out so that only the
 * exact overlap check proves it does not overlap itself. */
static void setup_buf(fx *f) {
  for (int i = 0; i < 64; i++) f->buf[i] = (float)i + 0.25f;
}
static c2op_status run_negative_partial_overlap(fx *f) {
  int64_t shape[1] = {40};
  DLTensor x = fu_view(f->buf, fu_f32, 1, shape, NULL);
  DLTensor y = fu_view(f->buf + 3, fu_f32, 1, shape, NULL);
  return c2op_negative(&x, &y);
}
static void result_partial_overlap(fx *f) {
  for (int i = 0; i < 40; i++) CHECK(f->buf[i + 3] == -((float)i + 0.25f));
}
static c2op_status run_negative_exact_overlap_check(fx *f) {
  /* y: offsets 2i + 3j (i < 3, j < 2) = {0, 3, 2, 5, 4, 7}, distinct, but
   * dim strides interleave. */
  int64_t shape[2] = {3, 2}, ystrides[2] = {2, 3};
  DLTensor x = fu_view(f->buf, fu_f32, 2, shape, NULL);
  DLTensor y = fu_view(f->buf + 32, fu_f32, 2, shape, ystrides);
  return c2op_negative(&x, &y);
}

static const fault_case cases[] = {
    {"context_create", setup_none, run_context_create, NULL, teardown_out_context},
    {"workspace_create", setup_none, run_workspace_create, NULL, teardown_out_ws},
    {"workspace_feed (new, grows)", setup_ws8, run_feed_new, result_feed_new, NULL},
    {"workspace_feed (replace)", setup_ws8, run_feed_replace, result_feed_replace, NULL},
    {"workspace_feed_on (CPU)", setup_ws8, run_feed_on_cpu, NULL, NULL},
    {"workspace_run_op Negative new", setup_ws8_negative_new, run_run_op, result_negative_new,
     NULL},
    {"workspace_run_op Negative replace", setup_ws8_negative_replace, run_run_op,
     result_negative_new, NULL},
    {"workspace_run_op Negative in place", setup_ws8_negative_inplace, run_run_op, NULL, NULL},
    {"workspace_run_op Sum", setup_ws8_sum, run_run_op, NULL, NULL},
    {"workspace_run_op Sum in place", setup_ws8_sum_inplace, run_run_op, NULL, NULL},
    {"op_def_create", setup_none, run_op_def_create, NULL, teardown_out_def},
    {"op_def_clone", setup_op_def_named, run_op_def_clone, NULL, teardown_out_def},
    {"op_def_set_name", setup_op_def, run_op_def_set_name, NULL, NULL},
    {"op_def_set_input", setup_op_def, run_op_def_set_input, NULL, NULL},
    {"op_def_set_output", setup_op_def, run_op_def_set_output, NULL, NULL},
    {"net_create", setup_none, run_net_create, NULL, teardown_out_net},
    {"net_add_op (grows)", setup_net8, run_net_add_op, NULL, NULL},
    {"net_add_external_input (grows)", setup_net8, run_net_add_external_input, NULL, NULL},
    {"net_add_external_output (grows)", setup_net8, run_net_add_external_output, NULL, NULL},
    {"net_build_backward", setup_fwd, run_build_backward, result_build_backward,
     teardown_out_net},
    {"get_gradient_defs", setup_op_def, run_get_gradient_defs, NULL,
     teardown_out_gradient},
    {"net_from_text", setup_none, run_net_from_text, NULL, teardown_out_net},
    {"net_to_text", setup_fwd, run_net_to_text, NULL, teardown_out_text},
    {"negative partial overlap (scratch)", setup_buf, run_negative_partial_overlap,
     result_partial_overlap, NULL},
    {"negative exact overlap check", setup_buf, run_negative_exact_overlap_check, NULL, NULL},
};

static void every_site_of_every_operation_fails_cleanly(void) {
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) sweep(&cases[i]);
  printf("  %lld sites in all\n", (long long)g_total_sites);
}

/* fetch_copy into the caller's memory allocates nothing; a failure of any
 * site would leave dst as it was. The count proves there is none. */
static void fetch_copy_has_no_fallible_site(void) {
  fx f;
  memset(&f, 0, sizeof f);
  setup_ws8(&f);
  c2op__fault_arm(1, C2OP__FAULT_STICKY);
  CHECK_OK(run_fetch_copy_strided(&f));
  CHECK_EQ_INT(c2op__fault_disarm(), 0);
  fx_free(&f);
}

/* Registration writes a static table: no site, so it cannot run out. */
static c2op_status toy_kernel(const c2op_context *ctx, int32_t ni, const DLTensor *const *in,
                              int32_t no, DLTensor *const *out) {
  (void)ctx, (void)ni, (void)in, (void)no, (void)out;
  return C2OP_OK;
}
static void registration_has_no_fallible_site(void) {
  static const c2op_op_schema schema = {.name = "FaultsToy", .min_inputs = 1, .max_inputs = 1,
                                        .min_outputs = 1, .max_outputs = 1};
  c2op__fault_arm(1, C2OP__FAULT_STICKY);
  CHECK_OK(c2op_register_schema(&schema));
  CHECK_OK(c2op_register_kernel("FaultsToy", C2OP_DEVICE_CPU, toy_kernel));
  const c2op_op_schema *got = NULL;
  CHECK_OK(c2op_schema_lookup("FaultsToy", &got));
  CHECK_EQ_INT(c2op__fault_disarm(), 0);
  CHECK(got == &schema);
}

/* run_net keeps what the ops before the failing one wrote (c2op.h). The
 * workspace after a failure must equal a fresh run of exactly those ops. */
static int blob_equal(const c2op_workspace *a, const c2op_workspace *b, const char *name) {
  const DLTensor *ta = NULL, *tb = NULL;
  if (c2op_workspace_fetch(a, name, &ta) != C2OP_OK) return 0;
  if (c2op_workspace_fetch(b, name, &tb) != C2OP_OK) return 0;
  if (ta->ndim != tb->ndim || ta->dtype.code != tb->dtype.code || ta->dtype.bits != tb->dtype.bits)
    return 0;
  for (int32_t d = 0; d < ta->ndim; d++)
    if (ta->shape[d] != tb->shape[d]) return 0;
  const size_t n = (size_t)fu_numel(ta) * fu_elem_size(ta->dtype);
  return memcmp(fu_bytes(ta), fu_bytes(tb), n) == 0;
}

static void run_net_failure_keeps_exactly_the_earlier_ops(void) {
  c2op_net *net = fwd_net(1);
  if (!net) return;
  const int32_t nops = c2op_net_num_ops(net);
  /* Count the sites of one undisturbed run. */
  c2op_workspace *ws = ws_with(0);
  c2op__fault_arm(0, 0);
  CHECK_OK(c2op_workspace_run_net(ws, NULL, net));
  const int64_t k = c2op__fault_disarm();
  c2op_workspace_destroy(ws);
  printf("  run_net: %lld sites\n", (long long)k);
  CHECK(k > 0);
  for (int64_t i = 1; i <= k; i++) {
    ws = ws_with(0);
    c2op__fault_arm(i, 0);
    c2op_status s = c2op_workspace_run_net(ws, NULL, net);
    c2op__fault_disarm();
    CHECK_STATUS(s, C2OP_ERR_OUT_OF_MEMORY);
    int failed_op = -1;
    const char *at = strstr(c2op_last_error(), "' op ");
    if (at) failed_op = atoi(at + 5);
    if (failed_op < 0 || failed_op >= nops) {
      TEST_FAIL_("site %lld: the message names no op: %s", (long long)i, c2op_last_error());
    } else {
      /* The reference: a fresh workspace with ops 0 .. failed_op - 1 run. */
      c2op_workspace *ref = ws_with(0);
      for (int32_t j = 0; j < failed_op; j++) {
        const c2op_op_def *d = NULL;
        CHECK_OK(c2op_net_op(net, j, &d));
        CHECK_OK(c2op_workspace_run_op(ref, NULL, d));
      }
      CHECK_EQ_INT(c2op_workspace_num_blobs(ws), c2op_workspace_num_blobs(ref));
      for (int32_t b = 0; b < c2op_workspace_num_blobs(ref); b++) {
        const char *name = NULL;
        CHECK_OK(c2op_workspace_blob_name(ref, b, &name));
        if (name && !blob_equal(ws, ref, name))
          TEST_FAIL_("site %lld (op %d failed): blob %s differs from the reference",
                     (long long)i, failed_op, name);
      }
      c2op_workspace_destroy(ref);
    }
    c2op_workspace_destroy(ws);
  }
  c2op_net_destroy(net);
}

/* ------------------------------------------------------------------------ */
/* The pool: a thread that cannot be started is not an error                 */
/* ------------------------------------------------------------------------ */

static void check_negated(const float *x, const float *y, int64_t n, const char *what) {
  for (int64_t i = 0; i < n; i++)
    if (y[i] != -x[i]) {
      TEST_FAIL_("%s: y[%lld] = %g, want %g", what, (long long)i, (double)y[i], (double)-x[i]);
      return;
    }
}

static void pool_thread_start_failure_falls_back_to_fewer_threads(void) {
  enum { N = 1 << 16 };
  float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
  c2op_context *ctx = NULL;
  CHECK_OK(c2op_context_create(&ctx));
  if (!x || !y || !ctx) goto out;
  CHECK_OK(c2op_context_set_num_threads(ctx, 4));
  for (int64_t i = 0; i < N; i++) x[i] = (float)i - 1000.5f;
  int64_t shape[1] = {N};
  DLTensor tx = fu_view(x, fu_f32, 1, shape, NULL), ty = fu_view(y, fu_f32, 1, shape, NULL);
  CHECK_EQ_INT(c2op__pool_num_workers(), 0); /* first parallel pass of the process */

  /* Every thread creation fails: the job runs on the caller alone. */
  memset(y, 0, N * sizeof *y);
  c2op__fault_arm(1, C2OP__FAULT_STICKY);
  CHECK_OK(c2op_negative_ex(ctx, &tx, &ty));
  c2op__fault_disarm();
  CHECK_EQ_INT(c2op__fault_failures(), 1); /* grow stops at the first failure */
  CHECK_EQ_INT(c2op__pool_num_workers(), 0);
  check_negated(x, y, N, "no worker");

  /* The second creation fails: one worker helps. */
  memset(y, 0, N * sizeof *y);
  c2op__fault_arm(2, 0);
  CHECK_OK(c2op_negative_ex(ctx, &tx, &ty));
  c2op__fault_disarm();
  CHECK_EQ_INT(c2op__fault_failures(), 1);
  CHECK_EQ_INT(c2op__pool_num_workers(), 1);
  check_negated(x, y, N, "one worker");

  /* Undisturbed: the pool grows to 3 workers. */
  memset(y, 0, N * sizeof *y);
  CHECK_OK(c2op_negative_ex(ctx, &tx, &ty));
  CHECK_EQ_INT(c2op__pool_num_workers(), 3);
  check_negated(x, y, N, "three workers");
out:
  c2op_context_destroy(ctx);
  free(x);
  free(y);
}

/* The hook itself: counts only while armed, only the armed thread, fails
 * exactly the chosen site (or every later one, sticky). */
static void hook_counts_and_fails_the_chosen_site(void) {
  void *p = c2op__malloc(8);
  CHECK(p);
  c2op__free(p);
  CHECK_EQ_INT(c2op__fault_count(), 0);
  c2op__fault_arm(3, 0);
  void *a = c2op__malloc(1), *b = c2op__calloc(1, 1), *c = c2op__malloc(1),
       *d = c2op__realloc(NULL, 1);
  char *e = c2op__strdup("x");
  CHECK(a && b && !c && d && e);
  CHECK_EQ_INT(c2op__fault_count(), 5);
  CHECK_EQ_INT(c2op__fault_disarm(), 5);
  CHECK_EQ_INT(c2op__fault_failures(), 1);
  c2op__free(a), c2op__free(b), c2op__free(c), c2op__free(d), c2op__free(e);
  c2op__fault_arm(2, C2OP__FAULT_STICKY);
  a = c2op__malloc(1), b = c2op__malloc(1), c = c2op__malloc(1);
  CHECK(a && !b && !c);
  CHECK_EQ_INT(c2op__fault_disarm(), 3);
  CHECK_EQ_INT(c2op__fault_failures(), 2);
  c2op__free(a);
  a = c2op__malloc(1); /* disarmed again */
  CHECK(a);
  c2op__free(a);
}

int main(void) {
  /* Every pass of the pool test goes through the pool. */
  setenv("C2OP_PARALLEL_MIN_BYTES", "0", 1);
  RUN(pool_thread_start_failure_falls_back_to_fewer_threads);
  RUN(hook_counts_and_fails_the_chosen_site);
  RUN(every_site_of_every_operation_fails_cleanly);
  RUN(run_net_failure_keeps_exactly_the_earlier_ops);
  RUN(fetch_copy_has_no_fallible_site);
  RUN(registration_has_no_fallible_site);
  return TEST_MAIN_END();
}
