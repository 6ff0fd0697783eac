/*
 * test_kernels.c - every ISA's negation kernels against the scalar reference
 * kernel, and the scalar kernel against a formula written here.
 *
 * Sizes run from 0 to 3 tiles + 7 elements (a tile is the kernel's bytes per
 * main-loop step), then a few multiples and a large size; the x and y starts
 * are shifted by one, odd and many lanes; every size runs out of place
 * and in place, with regular and with streaming stores (and the streaming
 * loop with regular stores), and the streaming pair entry on whole lines.
 * The streaming loops run twice, with two streams a page apart and with
 * one (c2op__stream_pairs), whatever this CPU's default. Guard bytes
 * around y must stay untouched and x must not change out of place. The
 * two facts the driver reads about the CPU: its L3 size, against sysfs
 * read here and a table of texts, and whether it is an AMD family 17h,
 * against a table of cpuid values.
 *
 * Linked against the static library (the kernels are internal). Also a
 * helper for ctest: `test_kernels --has-isa NAME` exits 0 when this machine
 * runs that ISA path, 77 (ctest's skip) otherwise.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "c2op_test.h"
#include "cpu/dispatch.h"
#include "cpu/isa.h"
#include "cpu/kernels.h"
#if defined(__x86_64__) || defined(__i386__)
#include "cpu/negate_x86.h"
#endif

#define GUARD 64
#define MAX_SHIFT 64

static uint64_t g_rng;

/* Random bytes, with the lane values that matter planted often: zero, the
 * sign bit alone (INT_MIN, -0.0), all ones, NaN/infinity patterns. */
static void fill_random(uint8_t *p, size_t bytes, size_t lane) {
  for (size_t i = 0; i < bytes; i++)
    p[i] = (uint8_t)test_rand_next(&g_rng);
  for (size_t i = 0; i + lane <= bytes; i += lane) {
    switch (test_rand_next(&g_rng) % 8) {
    case 0: memset(p + i, 0, lane); break;
    case 1:
      memset(p + i, 0, lane);
      p[i + lane - 1] = 0x80; /* little-endian top byte: the sign bit */
      break;
    case 2: memset(p + i, 0xff, lane); break;
    case 3:
      memset(p + i, 0xff, lane);
      p[i + lane - 1] = 0x7f; /* a NaN with a full payload */
      break;
    default: break;
    }
  }
}

/* The formula: lanes of `lane` bytes, integer 0 - v or sign-bit flip. */
static void formula(int flip, size_t lane, const uint8_t *x, uint8_t *y, size_t bytes) {
  for (size_t i = 0; i < bytes; i += lane) {
    uint64_t v = 0;
    for (size_t b = 0; b < lane; b++)
      v |= (uint64_t)x[i + b] << (8 * b);
    const uint64_t mask = lane == 8 ? ~0ull : (1ull << (8 * lane)) - 1;
    v = flip ? v ^ (1ull << (8 * lane - 1)) : (0u - v) & mask;
    for (size_t b = 0; b < lane; b++)
      y[i + b] = (uint8_t)(v >> (8 * b));
  }
}

typedef struct {
  const c2op__unary_kernel *kernel;
  int flip;
  size_t lane;
} kernel_case;

/* The seven kernels of a table, with what they compute. */
static int kernel_cases(const c2op__negate_kernels *t, kernel_case *out) {
  int n = 0;
  for (int i = 0; i < 4; i++)
    out[n++] = (kernel_case){t->neg[i], 0, (size_t)1 << i};
  for (int i = 1; i < 4; i++)
    out[n++] = (kernel_case){t->signflip[i], 1, (size_t)1 << i};
  return n;
}

static void scalar_kernels_match_the_formula(void) {
  kernel_case cases[8];
  const int nc = kernel_cases(&c2op__negate_kernels__scalar, cases);
  uint8_t x[520], y[520], want[520];
  for (int c = 0; c < nc; c++) {
    const size_t lane = cases[c].lane;
    for (size_t n = 0; n * lane <= 512; n += 1 + n / 8) {
      fill_random(x, n * lane, lane);
      formula(cases[c].flip, lane, x, want, n * lane);
      memset(y, 0xa5, sizeof y);
      cases[c].kernel->contig(x, y, (int64_t)n, lane);
      if (memcmp(y, want, n * lane) != 0)
        TEST_FAIL_("%s contig: n=%zu differs from the formula", cases[c].kernel->name, n);
      memset(y, 0xa5, sizeof y);
      cases[c].kernel->strided((const char *)x, (int64_t)lane, (char *)y, (int64_t)lane, (int64_t)n,
                               lane);
      if (memcmp(y, want, n * lane) != 0)
        TEST_FAIL_("%s strided: n=%zu differs from the formula", cases[c].kernel->name, n);
      if (y[n * lane] != 0xa5) TEST_FAIL_("%s: wrote past n=%zu", cases[c].kernel->name, n);
    }
  }
  /* Hand-computed values: INT8_MIN wraps to itself, -0.0f is 0x80000000. */
  uint8_t b = 0x80, r = 0;
  c2op__x8_neg__scalar.contig(&b, &r, 1, 1);
  CHECK_EQ_INT(r, 0x80);
  uint32_t f = 0, g = 0;
  c2op__x32_signflip__scalar.contig(&f, &g, 1, 4);
  CHECK_EQ_INT(g, 0x80000000u);
}

/* Buffers with room for shifts and guards on both sides. */
typedef struct {
  uint8_t *x0, *y0, *want0, *save0;
  size_t cap;
} buffers;

/* Checks one call of `fn` (contig or contig_nt of `k`) on `n` elements of
 * `elem` bytes, x and y shifted by xs and ys bytes from 64-byte alignment,
 * out of place or in place, against the scalar kernel `ref`. */
static int check_one(const buffers *b, const c2op__unary_kernel *k, c2op__contig_fn fn,
                     const char *variant, const c2op__unary_kernel *ref, size_t lane, size_t elem,
                     int64_t n, size_t xs, size_t ys, int inplace) {
  const size_t bytes = (size_t)n * elem;
  uint8_t *x = b->x0 + GUARD + xs;
  uint8_t *y = b->y0 + GUARD + ys;
  if (inplace) x = y;
  const size_t used = GUARD + ys + bytes + GUARD; /* y, with guards on both sides */
  memset(b->y0, 0x5a, used);
  fill_random(x, bytes, lane);
  memcpy(b->save0, x, bytes);
  ref->contig(b->save0, b->want0, n, elem);
  fn(x, y, n, elem);
  int bad = 0;
  if (memcmp(y, b->want0, bytes) != 0) {
    size_t i = 0;
    while (y[i] == b->want0[i])
      i++;
    TEST_FAIL_("%s %s %s: n=%" PRId64 " elem=%zu x+%zu y+%zu: byte %zu is %02x, want %02x", k->name,
               variant, inplace ? "in place" : "out of place", n, elem, xs, ys, i, y[i],
               b->want0[i]);
    bad = 1;
  }
  for (size_t i = 0; i < GUARD + ys && !bad; i++)
    if (b->y0[i] != 0x5a) {
      TEST_FAIL_("%s %s: n=%" PRId64 " y+%zu: wrote before y", k->name, variant, n, ys);
      bad = 1;
    }
  for (size_t i = GUARD + ys + bytes; i < used && !bad; i++)
    if (b->y0[i] != 0x5a) {
      TEST_FAIL_("%s %s: n=%" PRId64 " y+%zu: wrote past y's end", k->name, variant, n, ys);
      bad = 1;
    }
  if (!inplace && !bad && memcmp(x, b->save0, bytes) != 0) {
    TEST_FAIL_("%s %s: n=%" PRId64 ": x changed", k->name, variant, n);
    bad = 1;
  }
  return bad;
}

/* All sizes and shifts of one kernel against the scalar one. */
static void check_kernel(const buffers *b, const c2op__negate_kernels *table, const kernel_case *kc,
                         const kernel_case *ref) {
  const size_t lane = kc->lane;
  /* Complex types run the kernel of their component with 2 lanes each. */
  const size_t elems[2] = {lane, 2 * lane};
  const int num_elems = kc->flip && lane >= 4 ? 2 : 1;
  /* Shifts of x and y from 64-byte alignment, in whole lanes (the driver
   * hands contiguous kernels lane-aligned pointers only): none, one lane,
   * odd lanes, a vector less a lane, half vectors. */
  const size_t k = 64 / lane; /* lanes per 64 bytes */
  const size_t shift_lanes[][2] = {{0, 0},         {1, 0}, {0, 1}, {3, 1}, {0, k - 1},
                                   {k - 1, k / 2}, {5, 0}, {0, 5}, {7, 3}, {k / 2, k / 4}};
  size_t shifts[sizeof shift_lanes / sizeof shift_lanes[0]][2];
  for (size_t i = 0; i < sizeof shifts / sizeof shifts[0]; i++) {
    shifts[i][0] = shift_lanes[i][0] % k * lane;
    shifts[i][1] = shift_lanes[i][1] % k * lane;
  }
  const int num_shifts = (int)(sizeof shifts / sizeof shifts[0]);
  for (int ei = 0; ei < num_elems; ei++) {
    const size_t elem = elems[ei];
    const int64_t tile =
        (int64_t)(table->tile_bytes / elem) > 0 ? (int64_t)(table->tile_bytes / elem) : 1;
    int64_t sizes[3 * 256 + 8 + 10];
    int num_sizes = 0;
    for (int64_t n = 0; n <= 3 * tile + 7; n++)
      sizes[num_sizes++] = n;
    /* Multiples of the tile, and around the streaming loop's 8 KiB blocks. */
    const int64_t page2 = (int64_t)(8192 / elem);
    const int64_t more[] = {
        4 * tile,  5 * tile - 1, 8 * tile + 1,     16 * tile,     67 * tile + 3,
        page2 - 1, page2,        page2 + tile + 1, 3 * page2 + 7, (int64_t)(65536 / elem) + 5};
    for (size_t i = 0; i < sizeof more / sizeof more[0]; i++)
      sizes[num_sizes++] = more[i];
    for (int si = 0; si < num_sizes; si++) {
      const int64_t n = sizes[si];
      for (int sh = 0; sh < num_shifts; sh++) {
        /* The big sizes with a few shifts only, to keep the test quick. */
        if (n > 3 * tile + 7 && sh > 3 && sh != 8) continue;
        const size_t xs = shifts[sh][0], ys = shifts[sh][1];
        for (int inplace = 0; inplace < 2; inplace++) {
          if (check_one(b, kc->kernel, kc->kernel->contig, "contig", ref->kernel, lane, elem, n, xs,
                        ys, inplace))
            return;
          /* Streaming stores are used out of place only; check both anyway. */
          if (kc->kernel->contig_nt && check_one(b, kc->kernel, kc->kernel->contig_nt, "contig_nt",
                                                 ref->kernel, lane, elem, n, xs, ys, inplace))
            return;
          /* Streaming, always forward: several threads' parts. */
          if (kc->kernel->contig_nt_shared &&
              check_one(b, kc->kernel, kc->kernel->contig_nt_shared, "contig_nt_shared",
                        ref->kernel, lane, elem, n, xs, ys, inplace))
            return;
          /* The same loop with regular stores: in place only in use. */
          if (kc->kernel->contig_big_inplace &&
              check_one(b, kc->kernel, kc->kernel->contig_big_inplace, "contig_big_inplace",
                        ref->kernel, lane, elem, n, xs, ys, inplace))
            return;
          /* The regular pass, always forward: the rows of a large sweep. */
          if (kc->kernel->contig_fwd &&
              check_one(b, kc->kernel, kc->kernel->contig_fwd, "contig_fwd", ref->kernel, lane,
                        elem, n, xs, ys, inplace))
            return;
        }
      }
    }
  }
}

static void every_isa_kernel_matches_scalar_around_tiles(void) {
  buffers b;
  b.cap = 2 * GUARD + MAX_SHIFT + 65536 + 4096 * 8;
  b.x0 = aligned_alloc(64, b.cap);
  b.y0 = aligned_alloc(64, b.cap);
  b.want0 = aligned_alloc(64, b.cap);
  b.save0 = aligned_alloc(64, b.cap);
  CHECK(b.x0 && b.y0 && b.want0 && b.save0);
  kernel_case ref[8];
  kernel_case cases[8];
  kernel_cases(&c2op__negate_kernels__scalar, ref);
  int tested = 0;
  for (int isa = 0; isa < C2OP__ISA_COUNT && b.x0 && b.y0 && b.want0 && b.save0; isa++) {
    const c2op__negate_kernels *t = c2op__cpu_negate_kernels((c2op__isa)isa);
    if (!t || !c2op__cpu_isa_available((c2op__isa)isa)) {
      if (t)
        printf("     %s: compiled in, not run (this CPU lacks it)\n",
               c2op__isa_name((c2op__isa)isa));
      continue;
    }
    const int nc = kernel_cases(t, cases);
    for (int c = 0; c < nc; c++) {
      CHECK(cases[c].kernel != NULL);
      if (!cases[c].kernel) continue;
      check_kernel(&b, t, &cases[c], &ref[c]);
    }
    printf("     %s: %d kernels checked\n", c2op__isa_name((c2op__isa)isa), nc);
    tested++;
  }
  CHECK(tested >= 1);
  free(b.x0);
  free(b.y0);
  free(b.want0);
  free(b.save0);
}

/* The vector kernels take any alignment: the driver hands them lane-aligned
 * starts only, but their bodies also handle a start that is not (the main
 * loop then runs from y's first byte, and streaming falls back to regular
 * stores). Starts shifted by a part of a lane, sizes around the tile and
 * the streaming threshold, out of place and in place, regular and
 * streaming entry points; the scalar kernel (on aligned copies) is the
 * reference. */
static void vector_kernels_take_starts_off_the_lane(void) {
  buffers b;
  b.cap = 2 * GUARD + MAX_SHIFT + 16384;
  b.x0 = aligned_alloc(64, b.cap);
  b.y0 = aligned_alloc(64, b.cap);
  b.want0 = aligned_alloc(64, b.cap);
  b.save0 = aligned_alloc(64, b.cap);
  CHECK(b.x0 && b.y0 && b.want0 && b.save0);
  kernel_case ref[8], cases[8];
  kernel_cases(&c2op__negate_kernels__scalar, ref);
  int tested = 0;
  for (int isa = 1; isa < C2OP__ISA_COUNT && b.x0 && b.y0 && b.want0 && b.save0; isa++) {
    const c2op__negate_kernels *t = c2op__cpu_negate_kernels((c2op__isa)isa);
    if (!t || !c2op__cpu_isa_available((c2op__isa)isa)) continue;
    const int nc = kernel_cases(t, cases);
    for (int c = 0; c < nc; c++) {
      const size_t lane = cases[c].lane;
      if (lane == 1 || !cases[c].kernel) continue; /* every start is lane-aligned */
      const int64_t tile = (int64_t)(t->tile_bytes / lane);
      const int64_t sizes[] = {
          1, 2, 3, tile - 1, tile, tile + 1, 3 * tile + 5, 8192 / (int64_t)lane + 3};
      const size_t shifts[][2] = {
          {0, 1}, {1, 1}, {lane - 1, 1}, {1, lane - 1}, {lane / 2, 1 + lane}};
      for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
        for (size_t sh = 0; sh < sizeof shifts / sizeof shifts[0]; sh++)
          for (int inplace = 0; inplace < 2; inplace++) {
            const c2op__unary_kernel *k = cases[c].kernel;
            if (check_one(&b, k, k->contig, "contig", ref[c].kernel, lane, lane, sizes[si],
                          shifts[sh][0], shifts[sh][1], inplace))
              goto next_kernel;
            if (k->contig_nt && check_one(&b, k, k->contig_nt, "contig_nt", ref[c].kernel, lane,
                                          lane, sizes[si], shifts[sh][0], shifts[sh][1], inplace))
              goto next_kernel;
            if (k->contig_nt_shared &&
                check_one(&b, k, k->contig_nt_shared, "contig_nt_shared", ref[c].kernel, lane,
                          lane, sizes[si], shifts[sh][0], shifts[sh][1], inplace))
              goto next_kernel;
            if (k->contig_big_inplace &&
                check_one(&b, k, k->contig_big_inplace, "contig_big_inplace", ref[c].kernel, lane,
                          lane, sizes[si], shifts[sh][0], shifts[sh][1], inplace))
              goto next_kernel;
            if (k->contig_fwd && check_one(&b, k, k->contig_fwd, "contig_fwd", ref[c].kernel, lane,
                                           lane, sizes[si], shifts[sh][0], shifts[sh][1], inplace))
              goto next_kernel;
          }
    next_kernel:;
    }
    tested++;
  }
  printf("     %d vector ISA(s) checked off the lane\n", tested);
  free(b.x0);
  free(b.y0);
  free(b.want0);
  free(b.save0);
}

/* The vector kernels run their main loop backward when y lies 1 to 512
 * bytes past x (modulo 4 KiB), to keep loads clear of the stores
 * just made (cpu/negate_x86.h, c2op__run_backward), and their streaming
 * loop when y lies 1 to two of its steps past x (c2op__stream_backward).
 * x and y here share one page-aligned block, so y's offset from x modulo
 * the page is chosen: 0, a lane, a line, around both windows' ends, half a
 * page, a line short of a page; sizes around the main loop's step, one of
 * many steps, and two and three pages and more for the streaming loop; out
 * of place (either direction) and in place (always forward). */
static void vector_kernels_run_either_way_across_a_page(void) {
  enum { REGION = 6 * 4096 };
  uint8_t *block = aligned_alloc(4096, 2 * REGION + 4096);
  buffers b;
  b.cap = REGION;
  b.want0 = aligned_alloc(64, b.cap);
  b.save0 = aligned_alloc(64, b.cap);
  CHECK(block && b.want0 && b.save0);
  kernel_case ref[8], cases[8];
  kernel_cases(&c2op__negate_kernels__scalar, ref);
  int tested = 0, backward = 0;
  for (int isa = 1; isa < C2OP__ISA_COUNT && block && b.want0 && b.save0; isa++) {
    const c2op__negate_kernels *t = c2op__cpu_negate_kernels((c2op__isa)isa);
    if (!t || !c2op__cpu_isa_available((c2op__isa)isa)) continue;
    const int nc = kernel_cases(t, cases);
    for (int c = 0; c < nc; c++) {
      const c2op__unary_kernel *k = cases[c].kernel;
      if (!k) continue;
      const size_t lane = cases[c].lane;
      const int64_t tile = (int64_t)(t->tile_bytes / lane);
      /* ... and for contig_nt, whose loop takes two pages at a time: two
       * blocks and a partial line, one block with 69 lines after it. */
      const int64_t sizes[] = {tile - 1,
                               tile,
                               tile + 1,
                               2 * tile + 3,
                               5 * tile - 1,
                               (int64_t)(16384 / lane) + 3,
                               (int64_t)((3 * 4096 + 5 * 64) / lane) + 1};
      /* Around the regular loop's window (512) and the streaming loop's
       * (2 steps: 128 for SSE2, 256 for AVX2 and AVX-512). */
      const size_t apart[] = {0,   lane,       64,  128 - lane, 128,        256 - lane, 256,
                              512 - lane, 512, 512 + lane, 2048, 4096 - 64};
      for (size_t ai = 0; ai < sizeof apart / sizeof apart[0]; ai++) {
        b.x0 = block;
        b.y0 = block + REGION + apart[ai];
        for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++)
          for (size_t sh = 0; sh < 2; sh++) /* y vector-aligned, then not: x and y a lane on */
            for (int inplace = 0; inplace < 2; inplace++) {
              const size_t s = sh * lane;
              backward += !inplace && apart[ai] != 0 && apart[ai] <= 512;
              if (check_one(&b, k, k->contig, "contig", ref[c].kernel, lane, lane, sizes[si], s, s,
                            inplace) ||
                  (k->contig_nt && check_one(&b, k, k->contig_nt, "contig_nt", ref[c].kernel, lane,
                                             lane, sizes[si], s, s, inplace)) ||
                  (k->contig_nt_shared &&
                   check_one(&b, k, k->contig_nt_shared, "contig_nt_shared", ref[c].kernel, lane,
                             lane, sizes[si], s, s, inplace)) ||
                  (k->contig_fwd && check_one(&b, k, k->contig_fwd, "contig_fwd", ref[c].kernel,
                                              lane, lane, sizes[si], s, s, inplace)))
                goto next_kernel;
            }
      }
    next_kernel:;
    }
    tested++;
  }
#if defined(__x86_64__) || defined(__i386__)
  /* The rule itself: backward exactly when y is 1 to 512 bytes past x,
   * modulo the page. */
  CHECK_EQ_INT(c2op__run_backward(block, block), 0);
  CHECK_EQ_INT(c2op__run_backward(block, block + 4096), 0);
  CHECK_EQ_INT(c2op__run_backward(block, block + 1), 1);
  CHECK_EQ_INT(c2op__run_backward(block, block + 512), 1);
  CHECK_EQ_INT(c2op__run_backward(block, block + 4096 + 512), 1);
  CHECK_EQ_INT(c2op__run_backward(block, block + 513), 0);
  CHECK_EQ_INT(c2op__run_backward(block, block + 2048), 0);
  CHECK_EQ_INT(c2op__run_backward(block + 64, block), 0);
  CHECK_EQ_INT(c2op__run_backward(block + 4032, block), 1);
  /* The streaming loop's: 1 to 2 * step - 1 bytes. */
  CHECK_EQ_INT(c2op__stream_backward(block, block, 128), 0);
  CHECK_EQ_INT(c2op__stream_backward(block, block + 1, 128), 1);
  CHECK_EQ_INT(c2op__stream_backward(block, block + 255, 128), 1);
  CHECK_EQ_INT(c2op__stream_backward(block, block + 4096 + 64, 128), 1);
  CHECK_EQ_INT(c2op__stream_backward(block, block + 256, 128), 0);
  CHECK_EQ_INT(c2op__stream_backward(block, block + 127, 64), 1);
  CHECK_EQ_INT(c2op__stream_backward(block, block + 128, 64), 0);
  CHECK_EQ_INT(c2op__stream_backward(block + 64, block, 128), 0);
#endif
  printf("     %d vector ISA(s) checked with y 0 to 4032 bytes past x modulo a page (%d backward "
         "passes of the regular loop)\n",
         tested, backward);
  free(block);
  free(b.want0);
  free(b.save0);
}

/* The streaming pair entry (two runs of whole lines at once) of every ISA
 * against the scalar kernel: 1 to 130 lines, x0 and x1 at any lane
 * offset, y0 and y1 64-byte aligned, out of place and in place. The bytes
 * between and around y0 and y1 must stay untouched. */
static void streaming_pair_kernels_match_scalar(void) {
  enum { MAX_LINES = 130, REGION = MAX_LINES * 64 + 2 * GUARD };
  uint8_t *x = aligned_alloc(64, 2 * REGION), *y = aligned_alloc(64, 2 * REGION);
  uint8_t *want = aligned_alloc(64, 2 * REGION);
  CHECK(x && y && want);
  kernel_case ref[8], cases[8];
  kernel_cases(&c2op__negate_kernels__scalar, ref);
  int tested = 0;
  for (int isa = 0; isa < C2OP__ISA_COUNT && x && y && want; isa++) {
    const c2op__negate_kernels *t = c2op__cpu_negate_kernels((c2op__isa)isa);
    if (!t || !c2op__cpu_isa_available((c2op__isa)isa)) continue;
    const int nc = kernel_cases(t, cases);
    int has_pairs = 0;
    for (int c = 0; c < nc; c++) {
      const c2op__unary_kernel *k = cases[c].kernel;
      if (!k) continue;
      /* The driver streams rows in pairs wherever it streams at all. */
      CHECK((k->contig_nt == NULL) == (k->contig_nt_pair == NULL));
      CHECK((k->contig_nt == NULL) == (k->contig_big_inplace == NULL));
      CHECK((k->contig_nt == NULL) == (k->contig_nt_shared == NULL));
      if (!k->contig_nt_pair) continue;
      has_pairs = 1;
      const size_t lane = cases[c].lane;
      const int64_t lines[] = {1, 2, 3, 63, 64, MAX_LINES};
      const size_t xshift[][2] = {
          {0, 0}, {lane, 0}, {0, 7 * lane % 64}, {5 * lane % 64, 60 / lane * lane}};
      for (size_t li = 0; li < sizeof lines / sizeof lines[0]; li++)
        for (size_t sh = 0; sh < sizeof xshift / sizeof xshift[0]; sh++)
          for (int inplace = 0; inplace < 2; inplace++) {
            const size_t bytes = (size_t)lines[li] * 64;
            uint8_t *y0 = y + GUARD, *y1 = y + REGION + GUARD;
            const uint8_t *x0 = inplace ? y0 : x + GUARD + xshift[sh][0];
            const uint8_t *x1 = inplace ? y1 : x + REGION + GUARD + xshift[sh][1];
            memset(y, 0x5a, 2 * REGION);
            fill_random(x, 2 * REGION, lane);
            if (inplace) {
              fill_random(y0, bytes, lane);
              fill_random(y1, bytes, lane);
            }
            memcpy(want, y, 2 * REGION);
            ref[c].kernel->contig(x0, want + (y0 - y), (int64_t)(bytes / lane), lane);
            ref[c].kernel->contig(x1, want + (y1 - y), (int64_t)(bytes / lane), lane);
            k->contig_nt_pair(x0, y0, x1, y1, (int64_t)(bytes / lane), lane);
            c2op__store_fence();
            if (memcmp(y, want, 2 * REGION) != 0) {
              TEST_FAIL_("%s pair %s: %" PRId64 " lines, x shifts %zu/%zu: wrong bytes", k->name,
                         inplace ? "in place" : "out of place", lines[li], xshift[sh][0],
                         xshift[sh][1]);
              goto next_kernel;
            }
          }
    next_kernel:;
    }
    tested += has_pairs;
  }
  printf("     %d ISA(s) with pair kernels checked\n", tested);
  free(x);
  free(y);
  free(want);
}

/* Names say width, op and ISA: "x32_signflip__avx2". */
static void kernel_names_say_width_op_and_isa(void) {
  static const char *const ops[8] = {"x8_neg",       "x16_neg",      "x32_neg",     "x64_neg",
                                     "x16_signflip", "x32_signflip", "x64_signflip"};
  kernel_case cases[8];
  for (int isa = 0; isa < C2OP__ISA_COUNT; isa++) {
    const c2op__negate_kernels *t = c2op__cpu_negate_kernels((c2op__isa)isa);
    if (!t) continue;
    const int nc = kernel_cases(t, cases);
    for (int c = 0; c < nc; c++) {
      char want[64];
      snprintf(want, sizeof want, "%s__%s", ops[c], c2op__isa_name((c2op__isa)isa));
      CHECK_EQ_STR(cases[c].kernel->name, want);
      CHECK(cases[c].kernel->contig != NULL && cases[c].kernel->strided != NULL);
    }
  }
}

/* The path in use is available, is the one dispatch hands out, and is the
 * one C2OP_ISA names when this CPU has it. */
static void the_isa_in_use_is_available_and_dispatched(void) {
  const c2op__isa isa = c2op__cpu_isa();
  CHECK(c2op__cpu_isa_available(isa));
  CHECK_EQ_STR(c2op_cpu_isa_name(), c2op__isa_name(isa));
  const c2op__unary_kernel *k = c2op__cpu_unary_kernel(C2OP__UNARY_NEG_FLOAT, 4);
  CHECK(k != NULL);
  if (k) {
    char want[64];
    snprintf(want, sizeof want, "x32_signflip__%s", c2op__isa_name(isa));
    CHECK_EQ_STR(k->name, want);
  }
  const char *env = getenv("C2OP_ISA");
  int env_known = 0;
  for (int i = 0; env && i < C2OP__ISA_COUNT; i++)
    if (strcmp(env, c2op__isa_name((c2op__isa)i)) == 0) {
      env_known = 1;
      if (c2op__cpu_isa_available((c2op__isa)i)) CHECK_EQ_STR(c2op_cpu_isa_name(), env);
    }
  /* Unset or unusable: the best path this CPU has. */
  if (!env || !env_known) {
    for (int i = (int)isa + 1; i < C2OP__ISA_COUNT; i++)
      if (i != C2OP__ISA_NEON && isa != C2OP__ISA_NEON)
        CHECK(!c2op__cpu_isa_available((c2op__isa)i));
  }
  printf("     ISA in use: %s\n", c2op_cpu_isa_name());
}

/* Dispatch hands out the table's kernel for each negation op and lane
 * width, the scalar kernels for copy and the additions, and NULL wherever
 * there is no kernel: lane widths other than 1, 2, 4, 8, a 1-byte sign
 * flip, float additions on other than 4 or 8 bytes, an ISA not compiled in,
 * an op or ISA value out of range. */
static void dispatch_names_each_kernel_or_null(void) {
  static const size_t widths[4] = {1, 2, 4, 8};
  for (int isa = 0; isa < C2OP__ISA_COUNT; isa++) {
    const c2op__isa i = (c2op__isa)isa;
    const c2op__negate_kernels *t = c2op__cpu_negate_kernels(i);
    for (int li = 0; li < 4; li++) {
      const c2op__unary_kernel *neg =
          c2op__cpu_unary_kernel_isa(i, C2OP__UNARY_NEG_INT, widths[li]);
      const c2op__unary_kernel *flip =
          c2op__cpu_unary_kernel_isa(i, C2OP__UNARY_NEG_FLOAT, widths[li]);
      CHECK(neg == (t ? t->neg[li] : NULL));
      CHECK(flip == (t ? t->signflip[li] : NULL));
    }
    CHECK(c2op__cpu_unary_kernel_isa(i, C2OP__UNARY_NEG_FLOAT, 1) == NULL);
    CHECK(c2op__cpu_unary_kernel_isa(i, C2OP__UNARY_NEG_INT, 3) == NULL);
    CHECK(c2op__cpu_unary_kernel_isa(i, C2OP__UNARY_NEG_FLOAT, 16) == NULL);
    /* Copy and the additions are the scalar ones on every ISA. */
    static const struct {
      c2op__unary_op op;
      size_t lane;
      const char *name; /* NULL: no kernel */
    } others[] = {
        {C2OP__UNARY_COPY, 0, "copy__scalar"},
        {C2OP__UNARY_COPY, 16, "copy__scalar"},
        {C2OP__UNARY_ADD_INT, 1, "x8_add__scalar"},
        {C2OP__UNARY_ADD_INT, 2, "x16_add__scalar"},
        {C2OP__UNARY_ADD_INT, 4, "x32_add__scalar"},
        {C2OP__UNARY_ADD_INT, 8, "x64_add__scalar"},
        {C2OP__UNARY_ADD_INT, 3, NULL},
        {C2OP__UNARY_ADD_INT, 16, NULL},
        {C2OP__UNARY_ADD_FLOAT, 4, "f32_add__scalar"},
        {C2OP__UNARY_ADD_FLOAT, 8, "f64_add__scalar"},
        {C2OP__UNARY_ADD_FLOAT, 2, NULL},
        {C2OP__UNARY_ADD_HALF, 2, "f16_add__scalar"},
        {C2OP__UNARY_ADD_BFLOAT, 2, "bf16_add__scalar"},
        {(c2op__unary_op)99, 4, NULL},
    };
    for (size_t k = 0; k < sizeof others / sizeof others[0]; k++) {
      const c2op__unary_kernel *got = c2op__cpu_unary_kernel_isa(i, others[k].op, others[k].lane);
      if (!others[k].name) {
        if (got)
          TEST_FAIL_("isa %s op %d lane %zu: got %s, want none", c2op__isa_name(i),
                     (int)others[k].op, others[k].lane, got->name);
      } else if (!got) {
        TEST_FAIL_("isa %s op %d lane %zu: no kernel, want %s", c2op__isa_name(i),
                   (int)others[k].op, others[k].lane, others[k].name);
      } else {
        CHECK_EQ_STR(got->name, others[k].name);
      }
    }
  }
  /* Values out of range. */
  CHECK(c2op__cpu_negate_kernels((c2op__isa)C2OP__ISA_COUNT) == NULL);
  CHECK(c2op__cpu_unary_kernel_isa((c2op__isa)C2OP__ISA_COUNT, C2OP__UNARY_NEG_INT, 4) == NULL);
  CHECK(!c2op__cpu_isa_available((c2op__isa)C2OP__ISA_COUNT));
  CHECK(!c2op__cpu_isa_available((c2op__isa)-1));
  CHECK_EQ_STR(c2op__isa_name((c2op__isa)C2OP__ISA_COUNT), "unknown");
#if defined(__x86_64__) || defined(__i386__)
  CHECK(c2op__cpu_negate_kernels(C2OP__ISA_NEON) == NULL);
  CHECK(!c2op__cpu_isa_available(C2OP__ISA_NEON));
#endif
  /* The in-use lookup: the fast path for negation, the general one else. */
  const c2op__unary_kernel *add = c2op__cpu_unary_kernel(C2OP__UNARY_ADD_FLOAT, 8);
  CHECK(add != NULL);
  if (add) CHECK_EQ_STR(add->name, "f64_add__scalar");
  CHECK(c2op__cpu_unary_kernel(C2OP__UNARY_NEG_FLOAT, 3) == NULL);
  CHECK(c2op__cpu_unary_kernel(C2OP__UNARY_NEG_INT, 1) ==
        c2op__cpu_negate_kernels(c2op__cpu_isa())->neg[0]);
}

/* c2op__cpu_l3_bytes_sysfs against cpu0's cache entries read here with sscanf:
 * the first entry of level 3, its size in KiB (as Linux writes it). */
static void l3_size_is_the_one_linux_reports(void) {
  long long want = 0;
  for (int i = 0; i < 16; i++) {
    char path[96];
    int level = 0;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
    FILE *f = fopen(path, "r");
    if (!f) break;
    const int got = fscanf(f, "%d", &level);
    fclose(f);
    if (got != 1 || level != 3) continue;
    snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
    f = fopen(path, "r");
    long long kib = 0;
    if (f && fscanf(f, "%lldK", &kib) == 1) want = kib * 1024;
    if (f) fclose(f);
    break;
  }
  const int64_t l3 = c2op__cpu_l3_bytes_sysfs();
  printf("     L3: %" PRId64 " bytes (sysfs read here: %lld)\n", l3, want);
  CHECK(l3 == (int64_t)want);
}

/* The decision from cpuid values of known CPUs (leaf 0's vendor in ebx,
 * ecx, edx; leaf 1's eax): two streams on AMD family 17h only. Fed
 * values, not this CPU's: valgrind, for one, reports a made-up Intel CPU
 * to the program while /proc/cpuinfo describes the host. */
static void stream_pairs_default_follows_the_cpu_family(void) {
  const uint32_t amd[3] = {0x68747541u, 0x444d4163u, 0x69746e65u};   /* AuthenticAMD */
  const uint32_t intel[3] = {0x756e6547u, 0x6c65746eu, 0x49656e69u}; /* GenuineIntel */
  const uint32_t hygon[3] = {0x6f677948u, 0x656e6975u, 0x6e65476eu}; /* HygonGenuine */
  const struct {
    const uint32_t *vendor;
    uint32_t eax1;
    int want;
    const char *what;
  } cases[] = {
      {amd, 0x00800F11u, 1, "Zen 1 (family 17h model 01h)"},
      {amd, 0x00800F82u, 1, "Zen+ (17h, 08h)"},
      {amd, 0x00830F10u, 1, "Zen 2 (17h, 31h)"},
      {amd, 0x00A00F11u, 0, "Zen 3 (19h)"},
      {amd, 0x00A10F11u, 0, "Zen 4 (19h model 11h, the second development VM)"},
      {amd, 0x00B40F40u, 0, "Zen 5 (1Ah)"},
      {amd, 0x00600F12u, 0, "Bulldozer (15h)"},
      {amd, 0x00000F00u, 0, "family 0Fh, no extended family"},
      {amd, 0x00000700u, 0, "base family 7, extended bits ignored below 0Fh"},
      {amd, 0x00800700u, 0, "base family 7 with extended bits 08h"},
      {intel, 0x00800F11u, 0, "the same eax, another vendor"},
      {intel, 0x000906EAu, 0, "Intel Coffee Lake"},
      {hygon, 0x00900F01u, 0, "Hygon Dhyana (18h)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const int got = c2op__cpuid_prefers_stream_pairs(cases[i].vendor[0], cases[i].vendor[1],
                                                     cases[i].vendor[2], cases[i].eax1);
    if (got != cases[i].want)
      TEST_FAIL_("%s (eax 0x%08x): %d, want %d", cases[i].what, (unsigned)cases[i].eax1, got,
                 cases[i].want);
  }
  printf("     this CPU: two streams by default %d\n", c2op__cpu_prefers_stream_pairs());
}

/* The text of a sysfs cache size: a count with K, M or G, or none. */
static void cache_size_text_parses_like_sysfs(void) {
  static const struct {
    const char *text;
    int64_t want;
  } cases[] = {
      {"32768K\n", (int64_t)32 << 20},
      {"8192K", (int64_t)8 << 20},
      {"512K\n", (int64_t)512 << 10},
      {"32M\n", (int64_t)32 << 20},
      {"1G\n", (int64_t)1 << 30},
      {"1048576\n", (int64_t)1 << 20},
      {"1048576", (int64_t)1 << 20},
      {"1099511627776", (int64_t)1 << 40},
      {"1099511627777", 0},
      {"1025G", 0},
      {"0K", 0},
      {"-5K", 0},
      {"K", 0},
      {"", 0},
      {"32768KiB", (int64_t)32 << 20},
      {"32 K", 0},
      {"abc", 0},
      {"12T", 0},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const int64_t got = c2op__parse_cache_size(cases[i].text);
    if (got != cases[i].want)
      TEST_FAIL_("\"%s\" read as %lld, want %lld", cases[i].text, (long long)got,
                 (long long)cases[i].want);
  }
}

/* One cpuid cache subleaf decoded: the register values of the Zen 4
 * development VM's leaf 8000001Dh (L1d, L2, L3, the end of the list), the
 * leaf 4 L3 that valgrind reports, and the fields at their limits. This
 * CPU's own L3 by cpuid is printed beside sysfs's, not compared: under a
 * hypervisor or valgrind cpuid says what they choose. */
static void cpuid_cache_entries_decode(void) {
  static const struct {
    uint32_t eax, ebx, ecx;
    int64_t want;
    const char *what;
  } cases[] = {
      {0x00000121u, 0x01c0003fu, 0x0000003fu, (int64_t)32 << 10, "Zen 4 L1d: 8 ways x 64 B x 64 sets"},
      {0x00000143u, 0x01c0003fu, 0x000007ffu, (int64_t)1 << 20, "Zen 4 L2: 8 x 64 x 2048"},
      {0x00004163u, 0x03c0003fu, 0x00007fffu, (int64_t)32 << 20, "Zen 4 L3: 16 x 64 x 32768"},
      {0x00000000u, 0x00000000u, 0x00000000u, 0, "the null entry ending the list"},
      {0x1c03c163u, 0x03c0003fu, 0x00001fffu, (int64_t)8 << 20, "valgrind's Intel L3: 16 x 64 x 8192"},
      {0x00000163u, 0x03c0103fu, 0x00001fffu, (int64_t)16 << 20, "two partitions"},
      {0x00000163u, 0x03c0003fu, 0x3fffffffu, (int64_t)1 << 40, "16 x 64 x 2^30 sets: 1 TiB exactly"},
      {0x00000163u, 0x03c0003fu, 0x40000000u, 0, "one set more: above 1 TiB"},
      {0x00000163u, 0xffffffffu, 0xffffffffu, 0, "every field at its largest (2^64 bytes)"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    const int64_t got = c2op__cpuid_cache_bytes(cases[i].eax, cases[i].ebx, cases[i].ecx);
    if (got != cases[i].want)
      TEST_FAIL_("%s: %lld bytes, want %lld", cases[i].what, (long long)got,
                 (long long)cases[i].want);
  }
  const int64_t by_cpuid = c2op__cpu_l3_bytes_cpuid();
  printf("     L3 by cpuid on this CPU: %lld bytes (sysfs: %lld)\n", (long long)by_cpuid,
         (long long)c2op__cpu_l3_bytes_sysfs());
  CHECK(by_cpuid >= 0);
}

/* Runs a test of the streaming loops with c2op__stream_pairs set. */
#define RUN_PAIRS(fn, pairs)                                                                       \
  do {                                                                                             \
    atomic_store(&c2op__stream_pairs, (pairs));                                                    \
    printf("  (streaming loops: %s)\n", (pairs) ? "two streams a page apart" : "one stream");     \
    RUN(fn);                                                                                       \
  } while (0)

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--has-isa") == 0) {
    for (int i = 0; i < C2OP__ISA_COUNT; i++)
      if (strcmp(argv[2], c2op__isa_name((c2op__isa)i)) == 0)
        return c2op__cpu_isa_available((c2op__isa)i) && c2op__cpu_negate_kernels((c2op__isa)i) ? 0
                                                                                               : 77;
    return 77;
  }
  g_rng = test_seed();
  RUN(scalar_kernels_match_the_formula);
  RUN(kernel_names_say_width_op_and_isa);
  RUN(the_isa_in_use_is_available_and_dispatched);
  RUN(dispatch_names_each_kernel_or_null);
  RUN(l3_size_is_the_one_linux_reports);
  RUN(stream_pairs_default_follows_the_cpu_family);
  RUN(cache_size_text_parses_like_sysfs);
  RUN(cpuid_cache_entries_decode);
  for (int pairs = 1; pairs >= 0; pairs--) {
    RUN_PAIRS(every_isa_kernel_matches_scalar_around_tiles, pairs);
    RUN_PAIRS(vector_kernels_take_starts_off_the_lane, pairs);
    RUN_PAIRS(vector_kernels_run_either_way_across_a_page, pairs);
  }
  RUN(streaming_pair_kernels_match_scalar);
  return TEST_MAIN_END();
}
