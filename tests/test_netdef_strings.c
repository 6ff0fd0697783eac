/*
 * test_netdef_strings.c - strings and bytes in the NetDef text format
 * beyond test_netdef.c: every C escape, \u and \U escapes encoding 1 to 4
 * UTF-8 bytes, strings longer than the reader's first buffer, and the
 * messages for a raw control byte, a long token (cut to 40 bytes and
 * "..."), a control byte inside a quoted token, and a list of messages
 * holding something else. Expected bytes are written out by hand.
 */
#include "framework_util.h"

static c2op_status read_text(const char *text, c2op_net **net) {
  return c2op_net_from_text(text, strlen(text), net);
}

static void escapes_decode_to_the_bytes_they_name(void) {
  c2op_net *net = NULL;
  CHECK_OK(read_text("name: \"<\\a\\b\\f\\v\\?\\n\\t\\r\\\\\\'\\\">\"", &net));
  if (net) CHECK_EQ_STR(c2op_net_name(net), "<\a\b\f\v?\n\t\r\\'\">");
  c2op_net_destroy(net);
  net = NULL;
  /* U+0041 (1 byte), U+00E9 (2), U+20AC (3), U+1F600 (4). */
  CHECK_OK(read_text("name: \"\\u0041\\u00e9\\u20AC\\U0001F600\"", &net));
  if (net) CHECK_EQ_STR(c2op_net_name(net), "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  c2op_net_destroy(net);
  net = NULL;
  /* Hex with upper-case digits, octal. */
  CHECK_OK(read_text("name: \"\\x4A\\x4b\\101\"", &net));
  if (net) CHECK_EQ_STR(c2op_net_name(net), "JKA");
  c2op_net_destroy(net);
}

static void strings_longer_than_the_first_buffer_are_read_whole(void) {
  char name[301], text[400];
  for (int i = 0; i < 300; i++) name[i] = (char)('a' + i % 26);
  name[300] = '\0';
  snprintf(text, sizeof text, "external_input: \"%s\"", name);
  c2op_net *net = NULL;
  CHECK_OK(read_text(text, &net));
  const char *got = NULL;
  if (net) CHECK_OK(c2op_net_external_input(net, 0, &got));
  CHECK_EQ_STR(got, name);
  c2op_net_destroy(net);
}

static void odd_bytes_and_tokens_are_reported(void) {
  c2op_net *net = (c2op_net *)&net;
  CHECK_STATUS(read_text("name: \"n\"\n\x01", &net), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "unexpected byte 0x01");
  CHECK(net == (c2op_net *)&net);

  /* An unknown field name of 50 letters is quoted as its first 40 and
   * "...". */
  char text[128];
  snprintf(text, sizeof text, "%s: 1", "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwx");
  CHECK_STATUS(read_text(text, &net), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "'abcdefghijklmnopqrstuvwxyzabcdefghijklmn...'");

  /* A raw control byte inside a string where a number belongs is quoted
   * as '?'. */
  CHECK_STATUS(read_text("op { type: \"Negative\" input: \"X\" output: \"Y\" "
                         "device_option { device_type: \"a\x02z\" } }",
                         &net),
               C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "\"a?z\"");

  /* A list of ops holding a number. */
  CHECK_STATUS(read_text("op: [ 5 ]", &net), C2OP_ERR_INVALID_ARGUMENT);
  CHECK_CONTAINS(c2op_last_error(), "expected '{' to open op, found '5'");
  CHECK(net == (c2op_net *)&net);
}

int main(void) {
  RUN(escapes_decode_to_the_bytes_they_name);
  RUN(strings_longer_than_the_first_buffer_are_read_whole);
  RUN(odd_bytes_and_tokens_are_reported);
  return TEST_MAIN_END();
}
