/* netdef.c - Caffe2's NetDef in protobuf text format: reader and writer.
 *
 * The reader is a small lexer plus a recursive-descent parser for the
 * protobuf text grammar (fields, `:` optional before messages, `{}` or `<>`
 * messages, `[...]` lists, `,`/`;` separators, `#` comments, adjacent string
 * concatenation, C escapes), restricted to the fields c2op's NetDef has. Each
 * token remembers its line and column, so every error message starts with
 * "line L, column C:" and quotes the token it stopped at. The net is built
 * aside and handed out only when the whole text was read.
 *
 * The writer prints fields in the order of their numbers in caffe2.proto
 * (which is what protobuf's own printer does), two spaces per level, and
 * only fields that differ from their defaults. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "framework/net.h"

/* ------------------------------------------------------------------------ */
/* Lexer                                                                     */
/* ------------------------------------------------------------------------ */

typedef enum {
  TOK_END,    /* end of input */
  TOK_IDENT,  /* [A-Za-z_][A-Za-z0-9_]* */
  TOK_STRING, /* one or more adjacent quoted strings, decoded into `str` */
  TOK_NUMBER, /* an integer or float literal, sign included */
  TOK_PUNCT   /* one of { } < > [ ] : , ; */
} tok_kind;

typedef struct {
  tok_kind kind;
  const char *start; /* raw text of the token */
  size_t len;
  int64_t line, col; /* 1-based; columns count bytes */
} token;

typedef struct {
  const char *text;
  size_t length, pos;
  int64_t line, col;
  token tok; /* the current token */
  char *str; /* decoded bytes of the current TOK_STRING */
  size_t str_len, str_cap;
} parser;

/* Quotes a token's raw text for a message: at most 40 bytes, bytes outside
 * printable ASCII (control bytes, and bytes of UTF-8 or of no encoding)
 * shown as '?', so that no byte of the input reaches a terminal raw. */
static const char *quote_token(const token *t, char *buf, size_t size) {
  if (t->kind == TOK_END) return "end of input";
  size_t n = t->len < 40 ? t->len : 40;
  size_t k = 0;
  buf[k++] = '\'';
  for (size_t i = 0; i < n && k + 5 < size; i++) {
    unsigned char c = (unsigned char)t->start[i];
    buf[k++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
  }
  if (t->len > n && k + 5 < size) {
    memcpy(buf + k, "...", 3);
    k += 3;
  }
  buf[k++] = '\'';
  buf[k] = '\0';
  return buf;
}

/* A decoded string for a message, as quote_token shows bytes: printable
 * ASCII as is, any other byte as '?'; cut to fit `size`. */
static const char *printable(const char *str, char *buf, size_t size) {
  size_t k = 0;
  for (; str[k] && k + 1 < size; k++) {
    unsigned char c = (unsigned char)str[k];
    buf[k] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
  }
  buf[k] = '\0';
  return buf;
}

/* Records "line L, column C: <message>" at token t. */
static c2op_status parse_error_at(c2op_status status, const token *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static c2op_status parse_error_at(c2op_status status, const token *t, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return c2op__error(status, "line %lld, column %lld: %s", (long long)t->line, (long long)t->col,
                     msg);
}

static int peek_char(const parser *p, size_t ahead) {
  return p->pos + ahead < p->length ? (unsigned char)p->text[p->pos + ahead] : -1;
}

static void advance_char(parser *p) {
  if (p->text[p->pos] == '\n') {
    p->line++;
    p->col = 1;
  } else {
    p->col++;
  }
  p->pos++;
}

static void skip_space_and_comments(parser *p) {
  for (;;) {
    int c = peek_char(p, 0);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      advance_char(p);
    } else if (c == '#') {
      while (peek_char(p, 0) != -1 && peek_char(p, 0) != '\n')
        advance_char(p);
    } else {
      return;
    }
  }
}

static int is_ident_start(int c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static int is_digit(int c) {
  return c >= '0' && c <= '9';
}
static int is_ident_char(int c) {
  return is_ident_start(c) || is_digit(c);
}
static int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static c2op_status str_push(parser *p, const char *bytes, size_t n) {
  if (p->str_len + n + 1 > p->str_cap) {
    size_t cap = p->str_cap ? p->str_cap : 64;
    while (cap < p->str_len + n + 1)
      cap *= 2;
    char *grown = c2op__realloc(p->str, cap);
    C2OP_RETURN_IF(!grown, C2OP_ERR_OUT_OF_MEMORY, "out of memory reading a string");
    p->str = grown;
    p->str_cap = cap;
  }
  memcpy(p->str + p->str_len, bytes, n);
  p->str_len += n;
  p->str[p->str_len] = '\0';
  return C2OP_OK;
}

/* Appends code point cp as UTF-8. */
static c2op_status str_push_utf8(parser *p, uint32_t cp) {
  char b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char)(0xC0 | (cp >> 6));
    b[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = (char)(0xF0 | (cp >> 18));
    b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  return str_push(p, b, n);
}

/* Reads one quoted string starting at the quote, appending its bytes. */
static c2op_status lex_one_string(parser *p) {
  token here = {TOK_STRING, p->text + p->pos, 1, p->line, p->col};
  const int quote = peek_char(p, 0);
  advance_char(p);
  for (;;) {
    int c = peek_char(p, 0);
    if (c == -1 || c == '\n') {
      here.len = (size_t)(p->text + p->pos - here.start);
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &here,
                            "string is not closed before the end of the %s",
                            c == -1 ? "input" : "line");
    }
    if (c == quote) {
      advance_char(p);
      return C2OP_OK;
    }
    if (c != '\\') {
      char ch = (char)c;
      C2OP_TRY(str_push(p, &ch, 1));
      advance_char(p);
      continue;
    }
    /* An escape sequence. */
    token esc = {TOK_STRING, p->text + p->pos, 2, p->line, p->col};
    advance_char(p);
    int e = peek_char(p, 0);
    char out;
    switch (e) {
    case 'n': out = '\n'; break;
    case 't': out = '\t'; break;
    case 'r': out = '\r'; break;
    case 'a': out = '\a'; break;
    case 'b': out = '\b'; break;
    case 'f': out = '\f'; break;
    case 'v': out = '\v'; break;
    case '\\': out = '\\'; break;
    case '\'': out = '\''; break;
    case '"': out = '"'; break;
    case '?': out = '?'; break;
    default: out = 0; break;
    }
    if (out) {
      advance_char(p);
      C2OP_TRY(str_push(p, &out, 1));
      continue;
    }
    if (e >= '0' && e <= '7') { /* up to three octal digits */
      unsigned v = 0;
      for (int i = 0; i < 3 && peek_char(p, 0) >= '0' && peek_char(p, 0) <= '7'; i++) {
        v = v * 8 + (unsigned)(peek_char(p, 0) - '0');
        advance_char(p);
      }
      if (v > 0xFF)
        return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &esc,
                              "octal escape \\%o is larger than a byte", v);
      char b = (char)v;
      C2OP_TRY(str_push(p, &b, 1));
      continue;
    }
    if (e == 'x' || e == 'X') { /* one or two hex digits */
      advance_char(p);
      int v = 0, digits = 0;
      while (digits < 2 && hex_value(peek_char(p, 0)) >= 0) {
        v = v * 16 + hex_value(peek_char(p, 0));
        advance_char(p);
        digits++;
      }
      if (digits == 0)
        return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &esc, "\\x needs a hex digit");
      char b = (char)v;
      C2OP_TRY(str_push(p, &b, 1));
      continue;
    }
    if (e == 'u' || e == 'U') { /* \uXXXX, \UXXXXXXXX: a code point as UTF-8 */
      int digits = e == 'u' ? 4 : 8;
      advance_char(p);
      uint32_t v = 0;
      for (int i = 0; i < digits; i++) {
        int h = hex_value(peek_char(p, 0));
        if (h < 0)
          return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &esc, "\\%c needs %d hex digits",
                                (char)e, digits);
        v = v * 16 + (uint32_t)h;
        advance_char(p);
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &esc,
                              "\\%c escape U+%" PRIX32 " is not a Unicode scalar value", (char)e,
                              v);
      C2OP_TRY(str_push_utf8(p, v));
      continue;
    }
    if (e == -1) continue; /* reported as an unclosed string */
    esc.len = 2;
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &esc, "unknown escape sequence '\\%c'",
                          (e < 0x20 || e >= 0x7f) ? '?' : (char)e);
  }
}

/* Moves to the next token. */
static c2op_status next_token(parser *p) {
  skip_space_and_comments(p);
  token *t = &p->tok;
  t->start = p->text + p->pos;
  t->line = p->line;
  t->col = p->col;
  t->len = 0;
  int c = peek_char(p, 0);
  if (c == -1) {
    t->kind = TOK_END;
    return C2OP_OK;
  }
  if (c == '\0') {
    t->kind = TOK_PUNCT;
    t->len = 1;
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "unexpected NUL byte in the text");
  }
  if (is_ident_start(c)) {
    while (is_ident_char(peek_char(p, 0)))
      advance_char(p);
    t->kind = TOK_IDENT;
  } else if (c == '"' || c == '\'') {
    p->str_len = 0;
    C2OP_TRY(str_push(p, "", 0));
    /* Adjacent strings concatenate ("a" 'b' is "ab"). */
    token first = *t;
    for (;;) {
      C2OP_TRY(lex_one_string(p));
      size_t end = p->pos;
      int64_t line = p->line, col = p->col;
      skip_space_and_comments(p);
      int q = peek_char(p, 0);
      if (q != '"' && q != '\'') {
        /* Give back the space after the last string. */
        p->pos = end;
        p->line = line;
        p->col = col;
        break;
      }
    }
    *t = first;
    t->kind = TOK_STRING;
  } else if (is_digit(c) || c == '-' || c == '+' || c == '.') {
    /* A number: sign, digits, '.', exponent, hex, and float suffixes. */
    advance_char(p);
    for (;;) {
      int d = peek_char(p, 0);
      int prev = (unsigned char)p->text[p->pos - 1];
      if (is_ident_char(d) || d == '.' || ((d == '-' || d == '+') && (prev == 'e' || prev == 'E')))
        advance_char(p);
      else
        break;
    }
    t->kind = TOK_NUMBER;
  } else if (strchr("{}<>[]:,;", c)) {
    advance_char(p);
    t->kind = TOK_PUNCT;
  } else {
    t->kind = TOK_PUNCT;
    t->len = 1;
    if (c < 0x20 || c >= 0x7f)
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "unexpected byte 0x%02X", (unsigned)c);
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "unexpected character '%c'", (char)c);
  }
  t->len = (size_t)(p->text + p->pos - t->start);
  return C2OP_OK;
}

static int tok_is(const token *t, const char *punct) {
  return t->kind == TOK_PUNCT && t->len == 1 && t->start[0] == punct[0];
}

static int tok_is_ident(const token *t, const char *word) {
  return t->kind == TOK_IDENT && t->len == strlen(word) && memcmp(t->start, word, t->len) == 0;
}

static c2op_status expect_punct(parser *p, const char *punct, const char *why) {
  char q[64];
  if (!tok_is(&p->tok, punct))
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok, "expected '%s' %s, found %s", punct,
                          why, quote_token(&p->tok, q, sizeof q));
  return next_token(p);
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */
/* ------------------------------------------------------------------------ */

/* The current token as a string value (a copy, through c2op__malloc). */
static c2op_status take_string(parser *p, const char *field, int allow_empty, char **out) {
  char q[64];
  if (p->tok.kind != TOK_STRING)
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok,
                          "field '%s' takes a quoted string, found %s", field,
                          quote_token(&p->tok, q, sizeof q));
  if (memchr(p->str, '\0', p->str_len))
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok,
                          "field '%s': the string contains a NUL byte", field);
  if (!allow_empty && p->str_len == 0)
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok, "field '%s': empty blob name", field);
  char *copy = c2op__strdup(p->str);
  C2OP_RETURN_IF(!copy, C2OP_ERR_OUT_OF_MEMORY, "out of memory reading field '%s'", field);
  c2op_status st = next_token(p);
  if (st != C2OP_OK) {
    c2op__free(copy);
    return st;
  }
  *out = copy;
  return C2OP_OK;
}

/* The current token as an integer in [lo, hi]: decimal, 0x hex or 0 octal,
 * with an optional '-'. */
static c2op_status take_int(parser *p, const char *field, int64_t lo, int64_t hi, int64_t *out) {
  char q[64];
  const token *t = &p->tok;
  if (t->kind != TOK_NUMBER)
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "field '%s' takes an integer, found %s",
                          field, quote_token(t, q, sizeof q));
  size_t i = 0;
  int neg = 0;
  if (t->start[0] == '-' || t->start[0] == '+') {
    neg = t->start[0] == '-';
    i = 1;
  }
  unsigned base = 10;
  if (i + 1 < t->len && t->start[i] == '0' && (t->start[i + 1] == 'x' || t->start[i + 1] == 'X')) {
    base = 16;
    i += 2;
  } else if (i + 1 < t->len && t->start[i] == '0') {
    base = 8;
  }
  uint64_t v = 0;
  int ok = i < t->len, overflow = 0;
  for (; ok && i < t->len; i++) {
    int d = hex_value((unsigned char)t->start[i]);
    if (d < 0 || (unsigned)d >= base) {
      ok = 0;
      break;
    }
    if (v > (UINT64_MAX - (unsigned)d) / base)
      overflow = 1;
    else
      v = v * base + (unsigned)d;
  }
  if (!ok)
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "field '%s' takes an integer, found %s",
                          field, quote_token(t, q, sizeof q));
  int in_range;
  int64_t value = 0;
  if (overflow) {
    in_range = 0;
  } else if (neg) {
    in_range = v <= (uint64_t)INT64_MAX + 1u;
    if (in_range) value = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
  } else {
    in_range = v <= (uint64_t)INT64_MAX;
    value = in_range ? (int64_t)v : 0;
  }
  if (!in_range || value < lo || value > hi)
    return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t,
                          "field '%s': %s is out of range [%lld, %lld]", field,
                          quote_token(t, q, sizeof q), (long long)lo, (long long)hi);
  *out = value;
  return next_token(p);
}

/* The current token as a bool: true/True/t/1 or false/False/f/0. */
static c2op_status take_bool(parser *p, const char *field, int32_t *out) {
  char q[64];
  const token *t = &p->tok;
  static const char *const yes[] = {"true", "True", "t", "1"};
  static const char *const no[] = {"false", "False", "f", "0"};
  for (int i = 0; i < 4; i++) {
    size_t ny = strlen(yes[i]), nn = strlen(no[i]);
    if (t->kind != TOK_STRING && t->len == ny && memcmp(t->start, yes[i], ny) == 0) {
      *out = 1;
      return next_token(p);
    }
    if (t->kind != TOK_STRING && t->len == nn && memcmp(t->start, no[i], nn) == 0) {
      *out = 0;
      return next_token(p);
    }
  }
  return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "field '%s' takes true or false, found %s",
                        field, quote_token(t, q, sizeof q));
}

/* ------------------------------------------------------------------------ */
/* Messages                                                                  */
/* ------------------------------------------------------------------------ */

typedef enum {
  F_STRING,
  F_BLOB,
  F_BOOL,
  F_DEVICE_TYPE,
  F_DEVICE_ID,
  F_OP,
  F_DEVICE_OPTION
} field_kind;

typedef struct {
  const char *name;
  field_kind kind;
  int repeated;
} field_info;

static const field_info net_fields[] = {
    {"name", F_STRING, 0},
    {"op", F_OP, 1},
    {"external_input", F_BLOB, 1},
    {"external_output", F_BLOB, 1},
};
static const field_info op_fields[] = {
    {"input", F_BLOB, 1},
    {"output", F_BLOB, 1},
    {"name", F_STRING, 0},
    {"type", F_STRING, 0},
    {"device_option", F_DEVICE_OPTION, 0},
    {"is_gradient_op", F_BOOL, 0},
};
static const field_info device_fields[] = {
    {"device_type", F_DEVICE_TYPE, 0},
    {"device_id", F_DEVICE_ID, 0},
};

/* What one message being read holds. Singular fields remember where they
 * were first given so a second one can point back at it. */
typedef struct {
  const char *what; /* "the net", "op", "device_option" */
  const field_info *fields;
  int num_fields;
  token seen[8]; /* first occurrence per singular field; kind TOK_END = unseen */
} message_state;

typedef struct {
  c2op__names inputs, outputs;
  char *name, *type;
  token type_token; /* where the type was given */
  int32_t is_gradient_op;
  c2op_device_option device_option;
} op_builder;

static void op_builder_clear(op_builder *b) {
  c2op__names_clear(&b->inputs);
  c2op__names_clear(&b->outputs);
  c2op__free(b->name);
  c2op__free(b->type);
  memset(b, 0, sizeof *b);
}

static c2op_status parse_message(parser *p, message_state *m, c2op_net *net, op_builder *op,
                                 c2op_device_option *device, const char *close);

/* Checks an op's input or output count against its schema's range. */
static c2op_status check_count(const token *at, const char *type, const char *what, int32_t n,
                               int32_t lo, int32_t hi) {
  if (n >= lo && n <= hi) return C2OP_OK;
  char range[64];
  if (lo == hi)
    snprintf(range, sizeof range, "exactly %d", (int)lo);
  else if (hi == INT32_MAX)
    snprintf(range, sizeof range, "at least %d", (int)lo);
  else
    snprintf(range, sizeof range, "%d to %d", (int)lo, (int)hi);
  return parse_error_at(C2OP_ERR_SCHEMA_VIOLATION, at, "op '%s' has %d %s%s; it takes %s", type,
                        (int)n, what, n == 1 ? "" : "s", range);
}

/* Reads one value of field f (the token is at the value). */
static c2op_status parse_value(parser *p, const field_info *f, c2op_net *net, op_builder *op,
                               c2op_device_option *device) {
  switch (f->kind) {
  case F_STRING: {
    char *s = NULL;
    C2OP_TRY(take_string(p, f->name, 1, &s));
    char **slot = op ? (strcmp(f->name, "type") == 0 ? &op->type : &op->name) : &net->name;
    c2op__free(*slot);
    *slot = s;
    return C2OP_OK;
  }
  case F_BLOB: {
    char *s = NULL;
    C2OP_TRY(take_string(p, f->name, 0, &s));
    c2op__names *list;
    if (op)
      list = strcmp(f->name, "input") == 0 ? &op->inputs : &op->outputs;
    else
      list =
          strcmp(f->name, "external_input") == 0 ? &net->external_inputs : &net->external_outputs;
    c2op_status st = c2op__names_add(list, s);
    c2op__free(s);
    return st;
  }
  case F_BOOL: return take_bool(p, f->name, &op->is_gradient_op);
  case F_DEVICE_TYPE: {
    token at = p->tok;
    int64_t v = 0;
    C2OP_TRY(take_int(p, f->name, INT32_MIN, INT32_MAX, &v));
    if (v != C2OP_DEVICE_CPU && v != C2OP_DEVICE_CUDA)
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &at,
                            "device_type %lld is not supported (0 = CPU, 1 = CUDA)", (long long)v);
    device->device_type = (int32_t)v;
    return C2OP_OK;
  }
  case F_DEVICE_ID: {
    int64_t v = 0;
    C2OP_TRY(take_int(p, f->name, 0, INT32_MAX, &v));
    device->device_id = (int32_t)v;
    return C2OP_OK;
  }
  case F_OP: {
    op_builder b;
    memset(&b, 0, sizeof b);
    token open = p->tok;
    message_state ms = {"op", op_fields, (int)(sizeof op_fields / sizeof op_fields[0]), {{0}}};
    const char *close = tok_is(&p->tok, "<") ? ">" : "}";
    C2OP_TRY(next_token(p));
    c2op_status st = parse_message(p, &ms, NULL, &b, NULL, close);
    if (st == C2OP_OK && !b.type)
      st = parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &open, "op has no 'type' field");
    const c2op_op_schema *schema = NULL;
    if (st == C2OP_OK && c2op_schema_lookup(b.type, &schema) != C2OP_OK) {
      char known[512];
      size_t used = 0;
      known[0] = '\0';
      for (int32_t i = 0; i < c2op_schema_count() && used + 64 < sizeof known; i++) {
        const c2op_op_schema *s = NULL;
        if (c2op_schema_at(i, &s) == C2OP_OK && s)
          used +=
              (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "", s->name);
      }
      char type[128];
      st = parse_error_at(C2OP_ERR_NOT_FOUND, &b.type_token,
                          "unknown op type '%s' (registered ops: %s)",
                          printable(b.type, type, sizeof type), known);
    }
    if (st == C2OP_OK)
      st = check_count(&open, b.type, "input", b.inputs.count, schema->min_inputs,
                       schema->max_inputs);
    if (st == C2OP_OK)
      st = check_count(&open, b.type, "output", b.outputs.count, schema->min_outputs,
                       schema->max_outputs);
    c2op_op_def *def = NULL;
    if (st == C2OP_OK) {
      st = c2op_op_def_create(b.type, b.inputs.count, (const char *const *)b.inputs.items,
                              b.outputs.count, (const char *const *)b.outputs.items, &def);
      if (st == C2OP_OK && b.name) st = c2op_op_def_set_name(def, b.name);
      if (st == C2OP_OK) {
        def->is_gradient_op = b.is_gradient_op;
        def->device_option = b.device_option;
        st = c2op__net_append_owned(net, def);
      }
      if (st != C2OP_OK) c2op_op_def_destroy(def);
    }
    op_builder_clear(&b);
    return st;
  }
  case F_DEVICE_OPTION: {
    message_state ms = {"device_option",
                        device_fields,
                        (int)(sizeof device_fields / sizeof device_fields[0]),
                        {{0}}};
    const char *close = tok_is(&p->tok, "<") ? ">" : "}";
    C2OP_TRY(next_token(p));
    return parse_message(p, &ms, NULL, NULL, &op->device_option, close);
  }
  }
  return c2op__error(C2OP_ERR_INTERNAL, "netdef: unknown field kind");
}

static int is_message_kind(field_kind k) {
  return k == F_OP || k == F_DEVICE_OPTION;
}

/* Reads fields until `close` ("}" or ">", or NULL for the end of input). */
static c2op_status parse_message(parser *p, message_state *m, c2op_net *net, op_builder *op,
                                 c2op_device_option *device, const char *close) {
  char q[64];
  for (;;) {
    const token *t = &p->tok;
    if (close ? tok_is(t, close) : t->kind == TOK_END) return close ? next_token(p) : C2OP_OK;
    if (t->kind == TOK_END)
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t,
                            "expected '%s' to close %s, found end "
                            "of input",
                            close, m->what);
    if (t->kind != TOK_IDENT)
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t, "expected a field name in %s, found %s",
                            m->what, quote_token(t, q, sizeof q));
    int fi = -1;
    for (int i = 0; i < m->num_fields; i++)
      if (tok_is_ident(t, m->fields[i].name)) fi = i;
    if (fi < 0) {
      char known[256];
      size_t used = 0;
      for (int i = 0; i < m->num_fields; i++)
        used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                 m->fields[i].name);
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, t,
                            "unknown field %s in %s (known fields: %s)",
                            quote_token(t, q, sizeof q), m->what, known);
    }
    const field_info *f = &m->fields[fi];
    token name_tok = *t;
    if (!f->repeated) {
      if (m->seen[fi].kind != TOK_END)
        return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &name_tok,
                              "field '%s' is given twice in %s (first at line %lld, column "
                              "%lld)",
                              f->name, m->what, (long long)m->seen[fi].line,
                              (long long)m->seen[fi].col);
      m->seen[fi] = name_tok;
    }
    C2OP_TRY(next_token(p));
    const int message = is_message_kind(f->kind);
    if (tok_is(&p->tok, ":")) {
      C2OP_TRY(next_token(p));
    } else if (!message) {
      return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok,
                            "expected ':' after field '%s', found %s", f->name,
                            quote_token(&p->tok, q, sizeof q));
    }
    if (op && f->kind == F_STRING && strcmp(f->name, "type") == 0) op->type_token = p->tok;
    if (tok_is(&p->tok, "[")) {
      if (!f->repeated)
        return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok,
                              "field '%s' is not repeated: a list is not allowed", f->name);
      C2OP_TRY(next_token(p));
      if (tok_is(&p->tok, "]")) {
        C2OP_TRY(next_token(p));
      } else {
        for (;;) {
          if (message && !tok_is(&p->tok, "{") && !tok_is(&p->tok, "<"))
            return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok,
                                  "expected '{' to open %s, found %s", f->name,
                                  quote_token(&p->tok, q, sizeof q));
          C2OP_TRY(parse_value(p, f, net, op, device));
          if (tok_is(&p->tok, "]")) {
            C2OP_TRY(next_token(p));
            break;
          }
          C2OP_TRY(expect_punct(p, ",", "or ']' in a list"));
        }
      }
    } else {
      if (message && !tok_is(&p->tok, "{") && !tok_is(&p->tok, "<"))
        return parse_error_at(C2OP_ERR_INVALID_ARGUMENT, &p->tok,
                              "expected '{' to open %s, found %s", f->name,
                              quote_token(&p->tok, q, sizeof q));
      C2OP_TRY(parse_value(p, f, net, op, device));
    }
    if (tok_is(&p->tok, ",") || tok_is(&p->tok, ";")) C2OP_TRY(next_token(p));
  }
}

c2op_status c2op_net_from_text(const char *text, size_t length, c2op_net **net_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net_out, C2OP_ERR_NULL_POINTER, "net_out is NULL");
  C2OP_RETURN_IF(!text && length > 0, C2OP_ERR_NULL_POINTER, "text is NULL");
  parser p;
  memset(&p, 0, sizeof p);
  p.text = text ? text : "";
  p.length = length;
  p.line = 1;
  p.col = 1;
  c2op_net *net = NULL;
  C2OP_TRY(c2op_net_create("", &net));
  message_state ms = {
      "the net", net_fields, (int)(sizeof net_fields / sizeof net_fields[0]), {{0}}};
  c2op_status s = next_token(&p);
  if (s == C2OP_OK) s = parse_message(&p, &ms, net, NULL, NULL, NULL);
  c2op__free(p.str);
  if (s != C2OP_OK) {
    c2op_net_destroy(net);
    return s;
  }
  *net_out = net;
  return C2OP_OK;
}

/* ------------------------------------------------------------------------ */
/* Writer                                                                    */
/* ------------------------------------------------------------------------ */

typedef struct {
  char *buf;
  size_t len, cap;
  int failed;
} text_buf;

static void tb_put(text_buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *grown = c2op__realloc(b->buf, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->buf = grown;
    b->cap = cap;
  }
  memcpy(b->buf + b->len, s, n);
  b->len += n;
  b->buf[b->len] = '\0';
}

static void tb_str(text_buf *b, const char *s) {
  tb_put(b, s, strlen(s));
}

/* indent + field + ": " + quoted, escaped value + newline. Escapes as
 * protobuf's printer does: \n \r \t \" \' \\, other bytes outside
 * printable ASCII as three octal digits. */
static void tb_string_field(text_buf *b, int indent, const char *field, const char *value) {
  for (int i = 0; i < indent; i++)
    tb_put(b, "  ", 2);
  tb_str(b, field);
  tb_put(b, ": \"", 3);
  for (const unsigned char *c = (const unsigned char *)value; *c; c++) {
    char esc[5];
    switch (*c) {
    case '\n': tb_put(b, "\\n", 2); break;
    case '\r': tb_put(b, "\\r", 2); break;
    case '\t': tb_put(b, "\\t", 2); break;
    case '"': tb_put(b, "\\\"", 2); break;
    case '\'': tb_put(b, "\\'", 2); break;
    case '\\': tb_put(b, "\\\\", 2); break;
    default:
      if (*c < 0x20 || *c >= 0x7f) {
        snprintf(esc, sizeof esc, "\\%03o", (unsigned)*c);
        tb_put(b, esc, 4);
      } else {
        tb_put(b, (const char *)c, 1);
      }
    }
  }
  tb_put(b, "\"\n", 2);
}

c2op_status c2op_net_to_text(const c2op_net *net, char **text_out, size_t *length_out) {
  c2op__clear_error();
  C2OP_RETURN_IF(!net, C2OP_ERR_NULL_POINTER, "net is NULL");
  C2OP_RETURN_IF(!text_out, C2OP_ERR_NULL_POINTER, "text_out is NULL");
  text_buf b = {NULL, 0, 0, 0};
  tb_put(&b, "", 0);
  if (net->name && net->name[0]) tb_string_field(&b, 0, "name", net->name);
  for (int32_t i = 0; i < net->num_ops; i++) {
    const c2op_op_def *d = net->ops[i];
    tb_str(&b, "op {\n");
    for (int32_t k = 0; k < d->num_inputs; k++)
      tb_string_field(&b, 1, "input", d->inputs[k]);
    for (int32_t k = 0; k < d->num_outputs; k++)
      tb_string_field(&b, 1, "output", d->outputs[k]);
    if (d->name && d->name[0]) tb_string_field(&b, 1, "name", d->name);
    tb_string_field(&b, 1, "type", d->type);
    if (d->device_option.device_type != 0 || d->device_option.device_id != 0) {
      char line[64];
      tb_str(&b, "  device_option {\n");
      snprintf(line, sizeof line, "    device_type: %" PRId32 "\n", d->device_option.device_type);
      tb_str(&b, line);
      if (d->device_option.device_id != 0) {
        snprintf(line, sizeof line, "    device_id: %" PRId32 "\n", d->device_option.device_id);
        tb_str(&b, line);
      }
      tb_str(&b, "  }\n");
    }
    if (d->is_gradient_op) tb_str(&b, "  is_gradient_op: true\n");
    tb_str(&b, "}\n");
  }
  for (int32_t k = 0; k < net->external_inputs.count; k++)
    tb_string_field(&b, 0, "external_input", net->external_inputs.items[k]);
  for (int32_t k = 0; k < net->external_outputs.count; k++)
    tb_string_field(&b, 0, "external_output", net->external_outputs.items[k]);
  if (b.failed) {
    c2op__free(b.buf);
    char name[128];
    return c2op__error(C2OP_ERR_OUT_OF_MEMORY, "out of memory writing net '%s' as text",
                       printable(net->name, name, sizeof name));
  }
  *text_out = b.buf;
  if (length_out) *length_out = b.len;
  return C2OP_OK;
}

void c2op_free(void *ptr) {
  c2op__free(ptr);
}
