/* Unit tests for the trace writer and reader: every line parses, fields round-trip, errors point
 * at FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static char *tmpdir;

/* Awkward strings every field must survive. */
#define QUOTES "say \"hi\" \\ back\\slash / slash"
#define CONTROLS "new\nline\r\ttab\b\f\x01\x1f\x7f end"
#define UNICODE "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80"
/* Invalid UTF-8: stray bytes, a lone lead byte, a surrogate, a code point past U+10FFFF and an
 * overlong '/'. Each such byte is written as \u00XX, so it reads back as its Latin-1 character. */
#define INVALID "bad \xff\xfe \xc3 \xed\xa0\x80 \xf4\x90\x80\x80 \xc0\xaf end"
#define INVALID_READ                                                                          \
  "bad \xc3\xbf\xc3\xbe \xc3\x83 \xc3\xad\xc2\xa0\xc2\x80 \xc3\xb4\xc2\x90\xc2\x80\xc2\x80 "  \
  "\xc3\x80\xc2\xaf end"

static int setup(void **state)
{
  (void)state;
  tmpdir = g_dir_make_tmp("rs_test_trace_XXXXXX", NULL);
  return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
  (void)state;
  GDir *d = g_dir_open(tmpdir, 0, NULL);
  for (const char *n = d ? g_dir_read_name(d) : NULL; n; n = g_dir_read_name(d)) {
    char *p = g_build_filename(tmpdir, n, NULL);
    g_unlink(p);
    g_free(p);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(tmpdir);
  g_free(tmpdir);
  return 0;
}

static char *tmp_path(const char *name)
{
  return g_build_filename(tmpdir, name, NULL);
}

static char *slurp(const char *path)
{
  char *text = NULL;
  assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return text;
}

static char **slurp_lines(const char *path, guint *n)
{
  char *text = slurp(path);
  size_t len = strlen(text);
  assert_true(len > 0 && text[len - 1] == '\n');
  text[len - 1] = '\0';
  char **lines = g_strsplit(text, "\n", -1);
  g_free(text);
  *n = g_strv_length(lines);
  return lines;
}

/* An operation's start, written to the trace and, when `expect` is given, recorded there as the
 * reader must rebuild it (time as the trace rounds it, the line it went to). */
static void invoke(trace_writer *w, history *expect, double t, const char *process, const char *op,
                   const char *key, const char *name, const char *value, const char *expected)
{
  trace_op_invoke(w, t, process, op, key, name, value, expected, -1);
  if (expect)
    history_invoke(expect, process, op, key, name, value, expected, trace_time_round(t),
                   (long)trace_writer_lines(w));
}

static void complete(trace_writer *w, history *expect, double t, const char *outcome,
                     const char *process, const char *op, const char *key, const char *name,
                     const char *value, bool value_null, const char *status, uint64_t version,
                     const char *replica)
{
  trace_op_complete(w, t, outcome, process, op, key, name, value, value_null, status, version,
                    replica);
  if (!expect)
    return;
  hist_outcome o = strcmp(outcome, "ok") == 0 ? HIST_OK : strcmp(outcome, "fail") == 0 ? HIST_FAIL : HIST_INFO;
  hist_op *done = history_complete(expect, process, o, status, value, value_null, version, replica,
                                   trace_time_round(t), (long)trace_writer_lines(w));
  hist_op_set_name(done, name);
}

/* Writes one of every event type, with awkward strings in the string fields; `expect` (may be
 * NULL) receives the history the reader must rebuild from it. */
static void write_every_event(const char *path, history *expect)
{
  char *err = NULL;
  trace_writer *w = trace_writer_open(path, &err);
  assert_non_null(w);
  invoke(w, expect, 0.5, "c1", "write", "u1", QUOTES, CONTROLS, NULL);
  trace_send(w, 0.5, "c1", "r1", "REQUEST", 1, 120);
  trace_recv(w, 0.501, "c1", "r1", "REQUEST", 1, 120);
  trace_drop(w, 0.502, "r1", "r2", "REPLICATE", 2, 130);
  trace_drop_why(w, 0.503, "r1", "r3", "REPLICATE", 3, 130, "partition");
  const char *target[] = {"node", "r1", "groups", "r1 | r2 r3", NULL};
  trace_fault(w, 1.0, "crash", "start", target);
  trace_role(w, 1.25, "r2", "primary", 2);
  trace_refuse(w, 1.3, "r3", "r1", "REPLICATE", "not from the primary " QUOTES);
  complete(w, expect, 1.5, "ok", "c1", "write", "u1", NULL, NULL, false, "SUCCESS", 4, "r2");
  invoke(w, expect, 2.0, "c2", "get", UNICODE, NULL, NULL, NULL);
  complete(w, expect, 2.25, "ok", "c2", "get", UNICODE, NULL, NULL, true, "SUCCESS", 0, "r1");
  invoke(w, expect, 3.0, "c2", "cas", "k", NULL, INVALID, CONTROLS);
  complete(w, expect, 4.0, "info", "c2", "cas", "k", NULL, NULL, false, "TIMEOUT", 0, NULL);
  invoke(w, expect, 5.0, "c1", "read", "u1", NULL, NULL, NULL);
  complete(w, expect, 5.5, "ok", "c1", "read", "u1", QUOTES, CONTROLS, false, "SUCCESS", 4, "r3");
  invoke(w, expect, 6.0, "c1", "delete", "u1", NULL, NULL, NULL);
  complete(w, expect, 6.5, "fail", "c1", "delete", "u1", NULL, NULL, false, "NOT PRIMARY", 0, "r3");
  invoke(w, expect, 7.0, "c3", "append", "k", NULL, "x", NULL);
  trace_fault(w, 8.0, "crash", "end", target);
  trace_event_kvl(w, 9.0, "digest", "node", "r1", "digest", "9f3a" INVALID, NULL);
  const char *kv[] = {"node", "r2", "digest", "0001", NULL};
  trace_event_kv(w, 9.0, "digest", kv);
  assert_int_equal(trace_writer_lines(w), 21);
  assert_int_equal(trace_writer_messages_sent(w), 1);
  assert_int_equal(trace_writer_messages_dropped(w), 2);
  GPtrArray *keys = trace_writer_keys(w);
  assert_int_equal(keys->len, 3); /* k, u1, UNICODE: sorted, each once */
  assert_string_equal(keys->pdata[0], "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80");
  assert_string_equal(keys->pdata[1], "k");
  assert_string_equal(keys->pdata[2], "u1");
  g_ptr_array_free(keys, TRUE);
  assert_true(trace_writer_close(w, &err));
  assert_null(err);
}

static JsonObject *parse_object(JsonParser *p, const char *line)
{
  GError *e = NULL;
  if (!json_parser_load_from_data(p, line, -1, &e))
    fail_msg("line does not parse: %s: %s", line, e->message);
  JsonNode *root = json_parser_get_root(p);
  assert_true(JSON_NODE_HOLDS_OBJECT(root));
  return json_node_get_object(root);
}

static const char *str_member(JsonObject *o, const char *name)
{
  assert_true(json_object_has_member(o, name));
  return json_object_get_string_member(o, name);
}

static void test_every_event_type_writes_one_parseable_object_per_line(void **state)
{
  (void)state;
  char *path = tmp_path("every.jsonl");
  write_every_event(path, NULL);
  guint n;
  char **lines = slurp_lines(path, &n);
  assert_int_equal(n, 21);
  JsonParser *p = json_parser_new();
  const char *types[] = {"invoke", "send",   "recv",   "drop",   "drop",   "fault", "role",
                         "refuse", "ok",     "invoke", "ok",     "invoke", "info",  "invoke",
                         "ok",     "invoke", "fail",   "invoke", "fault",  "digest", "digest"};
  for (guint i = 0; i < n; i++) {
    assert_true(g_utf8_validate(lines[i], -1, NULL));
    assert_true(g_str_has_prefix(lines[i], "{\"t\":"));
    JsonObject *o = parse_object(p, lines[i]);
    assert_string_equal(str_member(o, "type"), types[i]);
  }
  g_object_unref(p);
  g_strfreev(lines);
  g_free(path);
}

static void test_awkward_strings_read_back_exactly_and_invalid_bytes_as_latin1(void **state)
{
  (void)state;
  char *path = tmp_path("awkward.jsonl");
  write_every_event(path, NULL);
  guint n;
  char **lines = slurp_lines(path, &n);
  JsonParser *p = json_parser_new();
  JsonObject *o = parse_object(p, lines[0]);
  assert_string_equal(str_member(o, "name"), QUOTES);
  assert_string_equal(str_member(o, "value"), CONTROLS);
  o = parse_object(p, lines[9]);
  assert_string_equal(str_member(o, "key"), UNICODE);
  o = parse_object(p, lines[11]);
  assert_string_equal(str_member(o, "value"), INVALID_READ);
  assert_string_equal(str_member(o, "expected"), CONTROLS);
  o = parse_object(p, lines[7]);
  assert_string_equal(str_member(o, "why"), "not from the primary " QUOTES);
  o = parse_object(p, lines[19]);
  assert_string_equal(str_member(o, "digest"), "9f3a" INVALID_READ);
  assert_non_null(strstr(lines[0], "\\n"));
  assert_non_null(strstr(lines[0], "\\u0001"));
  assert_non_null(strstr(lines[0], "\\u007f"));
  assert_non_null(strstr(lines[11], "\\u00ff\\u00fe"));
  assert_non_null(strstr(lines[9], "caf\xc3\xa9"));
  g_object_unref(p);
  g_strfreev(lines);
  g_free(path);
}

static void test_keys_come_in_a_fixed_order_and_absent_fields_are_omitted(void **state)
{
  (void)state;
  char *path = tmp_path("order.jsonl");
  trace_writer *w = trace_writer_open(path, NULL);
  trace_op_invoke(w, 1.0, "c1", "put", "k", NULL, "v", NULL, -1);
  trace_op_complete(w, 2.0, "ok", "c1", "put", "k", NULL, NULL, false, "SUCCESS", 3, "r1");
  trace_op_invoke(w, 3.0, "c1", "get", "k", NULL, NULL, NULL, -1);
  trace_op_complete(w, 4.0, "ok", "c1", "get", "k", NULL, NULL, true, "SUCCESS", 0, "r1");
  trace_send(w, 5.0, "c1", "r1", "REQUEST", 9, 64);
  trace_role(w, 6.0, "r1", "primary", 0);
  trace_refuse(w, 7.0, "r2", "r3", "REPLICATE", "stale view");
  const char *target[] = {"node", "r1", NULL};
  trace_fault(w, 8.0, "pause", "start", target);
  trace_fault(w, 9.0, "loss", "end", NULL);
  trace_event_kvl(w, 10.0, "digest", "node", "r1", "digest", "ab", NULL);
  trace_event_kvl(w, 11.0, "note", "a", "1", "b", NULL, "c", "3", NULL);
  assert_true(trace_writer_close(w, NULL));
  char *text = slurp(path);
  assert_string_equal(
      text,
      "{\"t\":1.0,\"type\":\"invoke\",\"process\":\"c1\",\"op\":\"put\",\"key\":\"k\",\"value\":\"v\"}\n"
      "{\"t\":2.0,\"type\":\"ok\",\"process\":\"c1\",\"op\":\"put\",\"key\":\"k\",\"status\":\"SUCCESS\","
      "\"version\":3,\"replica\":\"r1\"}\n"
      "{\"t\":3.0,\"type\":\"invoke\",\"process\":\"c1\",\"op\":\"get\",\"key\":\"k\"}\n"
      "{\"t\":4.0,\"type\":\"ok\",\"process\":\"c1\",\"op\":\"get\",\"key\":\"k\",\"value\":null,"
      "\"status\":\"SUCCESS\",\"replica\":\"r1\"}\n"
      "{\"t\":5.0,\"type\":\"send\",\"from\":\"c1\",\"to\":\"r1\",\"msg\":\"REQUEST\",\"id\":9,"
      "\"bytes\":64}\n"
      "{\"t\":6.0,\"type\":\"role\",\"node\":\"r1\",\"role\":\"primary\",\"view\":0}\n"
      "{\"t\":7.0,\"type\":\"refuse\",\"node\":\"r2\",\"from\":\"r3\",\"msg\":\"REPLICATE\","
      "\"why\":\"stale view\"}\n"
      "{\"t\":8.0,\"type\":\"fault\",\"fault\":\"pause\",\"phase\":\"start\",\"node\":\"r1\"}\n"
      "{\"t\":9.0,\"type\":\"fault\",\"fault\":\"loss\",\"phase\":\"end\"}\n"
      "{\"t\":10.0,\"type\":\"digest\",\"node\":\"r1\",\"digest\":\"ab\"}\n"
      "{\"t\":11.0,\"type\":\"note\",\"a\":\"1\"}\n");
  g_free(text);
  g_free(path);
}

/* The text `t` takes in the trace. */
static char *time_text(double t)
{
  char *path = tmp_path("time.jsonl");
  trace_writer *w = trace_writer_open(path, NULL);
  trace_event_kv(w, t, "x", NULL);
  trace_writer_close(w, NULL);
  char *text = slurp(path);
  char *out = g_strndup(text + 5, strcspn(text + 5, ","));
  g_free(text);
  g_free(path);
  return out;
}

static void assert_time_text(double t, const char *want)
{
  char *got = time_text(t);
  assert_string_equal(got, want);
  g_free(got);
}

static void test_time_is_whole_nanoseconds_in_fixed_notation_with_zeros_trimmed(void **state)
{
  (void)state;
  assert_time_text(0.0, "0.0");
  assert_time_text(1.5, "1.5");
  assert_time_text(120.0, "120.0");
  assert_time_text(1e-9, "0.000000001");
  assert_time_text(0.1 + 0.2, "0.3");
  assert_time_text(12.3456789014, "12.345678901");
  assert_time_text(2.0000000006, "2.000000001");
  assert_time_text(86400.25, "86400.25");
  assert_time_text(-0.5, "-0.5");
  assert_time_text(NAN, "null");
}

/* Parses the `t` of a written line back with json-glib, as the reader does. */
static double parsed_time(JsonParser *p, const char *line)
{
  JsonObject *o = parse_object(p, line);
  return json_object_get_double_member(o, "t");
}

static void test_time_reads_back_as_trace_time_round_and_exactly_for_nanosecond_multiples(
    void **state)
{
  (void)state;
  char *path = tmp_path("times.jsonl");
  GRand *r = g_rand_new_with_seed(42);
  enum { N = 2000 };
  double t[N];
  for (int i = 0; i < N; i++) {
    uint64_t ns = (uint64_t)g_rand_int_range(r, 0, 1 << 30) * (uint64_t)g_rand_int_range(r, 1, 8000);
    t[i] = i % 2 ? (double)ns / 1e9 : g_rand_double_range(r, 0, 1e6);
  }
  trace_writer *w = trace_writer_open(path, NULL);
  for (int i = 0; i < N; i++)
    trace_event_kv(w, t[i], "x", NULL);
  trace_writer_close(w, NULL);
  guint n;
  char **lines = slurp_lines(path, &n);
  assert_int_equal(n, N);
  JsonParser *p = json_parser_new();
  for (int i = 0; i < N; i++) {
    double back = parsed_time(p, lines[i]);
    assert_true(back == trace_time_round(t[i]));
    if (i % 2)
      assert_true(back == t[i]);
  }
  g_object_unref(p);
  g_strfreev(lines);
  g_rand_free(r);
  g_free(path);
}

static void assert_same_ops(const history *a, const history *b)
{
  assert_int_equal(a->ops->len, b->ops->len);
  for (guint i = 0; i < a->ops->len; i++) {
    const hist_op *x = g_ptr_array_index(a->ops, i), *y = g_ptr_array_index(b->ops, i);
    assert_int_equal(x->index, y->index);
    assert_string_equal(x->process, y->process);
    assert_string_equal(x->op, y->op);
    assert_string_equal(x->key, y->key);
    assert_true(g_strcmp0(x->name, y->name) == 0);
    assert_true(x->value_null == y->value_null);
    assert_true(g_strcmp0(x->expected, y->expected) == 0);
    assert_true(g_strcmp0(x->status, y->status) == 0);
    assert_true(g_strcmp0(x->replica, y->replica) == 0);
    assert_int_equal(x->version, y->version);
    assert_int_equal(x->outcome, y->outcome);
    assert_true(x->t_invoke == y->t_invoke);
    assert_true(x->t_complete == y->t_complete);
    assert_int_equal(x->trace_line_invoke, y->trace_line_invoke);
    assert_int_equal(x->trace_line_complete, y->trace_line_complete);
  }
}

static void test_the_reader_rebuilds_the_history_that_was_written(void **state)
{
  (void)state;
  char *path = tmp_path("history.jsonl");
  history *written = history_new();
  write_every_event(path, written);
  char *err = NULL;
  history *read = trace_read_history(path, &err);
  assert_null(err);
  assert_non_null(read);
  assert_same_ops(written, read);
  assert_int_equal(read->ops->len, 6);
  const hist_op *w0 = g_ptr_array_index(read->ops, 0);
  assert_string_equal(w0->value, CONTROLS);
  assert_int_equal(w0->trace_line_invoke, 1);
  assert_int_equal(w0->trace_line_complete, 9);
  assert_int_equal(w0->version, 4);
  const hist_op *get = g_ptr_array_index(read->ops, 1);
  assert_true(get->value_null);
  assert_null(get->value);
  const hist_op *cas = g_ptr_array_index(read->ops, 2);
  assert_int_equal(cas->outcome, HIST_INFO);
  assert_string_equal(cas->value, INVALID_READ);
  const hist_op *rd = g_ptr_array_index(read->ops, 3);
  assert_string_equal(rd->name, QUOTES);
  assert_string_equal(rd->value, CONTROLS);
  const hist_op *app = g_ptr_array_index(read->ops, 5);
  assert_int_equal(app->outcome, HIST_PENDING);
  assert_ptr_equal(g_hash_table_lookup(read->open, "c3"), app);
  history_free(read);
  history_free(written);
  g_free(path);
}

static void test_writing_the_same_events_twice_gives_identical_bytes(void **state)
{
  (void)state;
  char *a = tmp_path("twice-a.jsonl"), *b = tmp_path("twice-b.jsonl");
  write_every_event(a, NULL);
  history *h = history_new();
  write_every_event(b, h);
  char *ta = slurp(a), *tb = slurp(b);
  assert_string_equal(ta, tb);
  g_free(ta);
  g_free(tb);
  history_free(h);
  g_free(a);
  g_free(b);
}

static void test_opening_an_unwritable_path_fails_with_the_path_in_the_message(void **state)
{
  (void)state;
  char *err = NULL;
  assert_null(trace_writer_open("/nonexistent-dir/trace.jsonl", &err));
  assert_non_null(err);
  assert_true(g_str_has_prefix(err, "/nonexistent-dir/trace.jsonl: "));
  g_free(err);
  assert_null(trace_read_history("/nonexistent-dir/trace.jsonl", &err));
  assert_true(g_str_has_prefix(err, "/nonexistent-dir/trace.jsonl: "));
  g_free(err);
}

/* Reads `content` as a trace and expects "PATH:LINE: ..." mentioning `what`. */
static void assert_rejected(const char *content, gssize len, int line, const char *what)
{
  char *path = tmp_path("bad.jsonl");
  assert_true(g_file_set_contents(path, content, len, NULL));
  char *err = NULL;
  history *h = trace_read_history(path, &err);
  if (h || !err)
    fail_msg("accepted: %s", content);
  char *prefix = g_strdup_printf("%s:%d: ", path, line);
  if (!g_str_has_prefix(err, prefix) || !strstr(err, what))
    fail_msg("wanted \"%s...%s\", got \"%s\"", prefix, what, err);
  g_free(prefix);
  g_free(err);
  g_free(path);
}

#define INV "{\"t\":1.0,\"type\":\"invoke\",\"process\":\"c1\",\"op\":\"put\",\"key\":\"k\",\"value\":\"v\"}\n"

static void test_the_reader_rejects_garbage_naming_file_and_line(void **state)
{
  (void)state;
  assert_rejected("{\"t\":1.0,\"type\":\"send\"}\n{\"t\":1.0,\"type\":", -1, 2, "malformed JSON");
  assert_rejected("{\"type\":\"send\"}\n", -1, 1, "missing field \"t\"");
  assert_rejected("{\"t\":\"1\",\"type\":\"send\"}\n", -1, 1, "\"t\" must be a finite number");
  assert_rejected("{\"t\":1e999,\"type\":\"send\"}\n", -1, 1, "finite number");
  assert_rejected("{\"t\":1.0}\n", -1, 1, "missing field \"type\"");
  assert_rejected("{\"t\":1.0,\"type\":7}\n", -1, 1, "\"type\" must be a string");
  assert_rejected(INV "\n" INV, -1, 2, "blank line");
  assert_rejected("[1,2]\n", -1, 1, "not a JSON object");
  assert_rejected("{\"t\":1,\"type\":\"x\"} {\"t\":2,\"type\":\"y\"}\n", -1, 1, "text after");
  assert_rejected("{\"t\":1,\"type\":\"x\",\"a\":\"}\"} trailing\n", -1, 1, "text after");
  assert_rejected("{\"t\":1,\"type\":\"x\"\n", -1, 1, "unterminated");
  assert_rejected("{\"t\":1,\"type\":\"x\",\"v\":\"a\xff\"}\n", -1, 1, "malformed JSON");
  static const char nul[] = "{\"t\":1,\"type\":\"x\"}\0garbage\n";
  assert_rejected(nul, sizeof nul - 1, 1, "NUL byte");
  static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
  assert_rejected(png, sizeof png - 1, 1, "not a JSON object");
  assert_rejected("{\"t\":1.0,\"type\":\"invoke\",\"op\":\"put\",\"key\":\"k\"}\n", -1, 1,
                  "missing field \"process\"");
  assert_rejected("{\"t\":1.0,\"type\":\"invoke\",\"process\":\"c1\",\"op\":\"put\"}\n", -1, 1,
                  "missing field \"key\"");
  assert_rejected("{\"t\":1.0,\"type\":\"invoke\",\"process\":\"c1\",\"op\":\"put\",\"key\":\"k\","
                  "\"value\":5}\n",
                  -1, 1, "\"value\" must be a string");
  assert_rejected("{\"t\":1.0,\"type\":\"ok\",\"process\":\"c1\"}\n", -1, 1,
                  "ok for process \"c1\" with no open invocation");
  assert_rejected(INV "{\"t\":2.0,\"type\":\"info\",\"process\":\"c2\"}\n", -1, 2,
                  "no open invocation");
  assert_rejected(INV INV, -1, 2, "still open");
  assert_rejected(INV "{\"t\":2.0,\"type\":\"ok\",\"process\":\"c1\",\"op\":\"get\"}\n", -1, 2,
                  "completion op \"get\" does not match");
  assert_rejected(INV "{\"t\":2.0,\"type\":\"ok\",\"process\":\"c1\",\"key\":\"j\"}\n", -1, 2,
                  "completion key \"j\" does not match");
  assert_rejected(INV "{\"t\":0.5,\"type\":\"ok\",\"process\":\"c1\"}\n", -1, 2, "precedes");
  assert_rejected(INV "{\"t\":2.0,\"type\":\"ok\",\"process\":\"c1\",\"version\":-1}\n", -1, 2,
                  "\"version\" must be a non-negative integer");
  assert_rejected(INV "{\"t\":2.0,\"type\":\"ok\",\"process\":\"c1\",\"version\":1.5}\n", -1, 2,
                  "\"version\" must be a non-negative integer");
}

static void test_the_reader_holds_every_line_to_strict_json_even_lines_it_skips(void **state)
{
  (void)state;
  assert_rejected(INV "{'t':1,'type':'send'}\n", -1, 2, "expected a member name");
  assert_rejected(INV "{\"t\":01,\"type\":\"send\"}\n", -1, 2, "malformed JSON");
  assert_rejected(INV "{\"t\":1,\"type\":\"send\",\"msg\":\"a\tb\"}\n", -1, 2,
                  "control character");
  assert_rejected(INV "{\"t\":1,\"type\":\"send\",\"msg\":\"\\x\"}\n", -1, 2, "bad escape");
  assert_rejected(INV "{\"t\":1,\"type\":\"send\",\"id\":tru}\n", -1, 2, "malformed JSON");
  assert_rejected(INV "{\"t\":1,\"type\":\"send\",\"a\":[1,]}\n", -1, 2, "malformed JSON");
  assert_rejected(INV "{\"t\":1,\"type\":\"send\",\"msg\":\"\xc3\"}\n", -1, 2, "UTF-8");
  assert_rejected(INV "{\"type\":\"send\"}\n", -1, 2, "missing field \"t\"");
  assert_rejected(INV "{\"t\":null,\"type\":\"send\"}\n", -1, 2, "\"t\" must be a finite number");
  assert_rejected(INV "{\"t\":-1e999,\"type\":\"send\"}\n", -1, 2, "finite number");
  /* An escaped "ok" is still "ok": it is not skipped, and here it closes nothing. */
  assert_rejected("{\"t\":1,\"type\":\"\\u006fk\",\"process\":\"c9\"}\n", -1, 1,
                  "no open invocation");
  char *path = tmp_path("escaped-key.jsonl");
  assert_true(g_file_set_contents(path, "{\"\\u0074\":1.5,\"type\":\"send\"}\n", -1, NULL));
  char *err = NULL;
  history *h = trace_read_history(path, &err);
  assert_null(err);
  history_free(h);
  g_free(path);
}

static void test_the_reader_survives_deep_nesting_and_binary_noise(void **state)
{
  (void)state;
  GString *deep = g_string_new("{\"t\":1,\"type\":\"x\",\"a\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  g_string_append_c(deep, '\n');
  assert_rejected(deep->str, -1, 1, "nested too deeply");
  g_string_free(deep, TRUE);
  GRand *r = g_rand_new_with_seed(7);
  for (int round = 0; round < 200; round++) {
    char buf[256];
    for (size_t i = 0; i < sizeof buf; i++)
      buf[i] = (char)g_rand_int_range(r, 0, 256);
    char *path = tmp_path("noise.jsonl");
    assert_true(g_file_set_contents(path, buf, sizeof buf, NULL));
    char *err = NULL;
    history *h = trace_read_history(path, &err);
    assert_true((h == NULL) == (err != NULL));
    history_free(h);
    g_free(err);
    g_free(path);
  }
  g_rand_free(r);
}

static void test_the_reader_skips_event_types_it_does_not_need(void **state)
{
  (void)state;
  char *path = tmp_path("skip.jsonl");
  const char *text =
      "{\"t\":0.5,\"type\":\"role\",\"node\":\"r1\",\"role\":\"primary\",\"view\":1}\n" INV
      "{\"t\":1.5,\"type\":\"send\",\"from\":\"c1\",\"to\":\"r1\",\"msg\":\"REQUEST\",\"id\":1,"
      "\"bytes\":9}\n"
      "{\"t\":1.7,\"type\":\"something-new\",\"nested\":{\"a\":[1,2]}}\n"
      "{\"t\":2,\"type\":\"ok\",\"process\":\"c1\",\"op\":\"put\",\"key\":\"k\",\"status\":\"SUCCESS\","
      "\"version\":2}\r\n";
  assert_true(g_file_set_contents(path, text, -1, NULL));
  char *err = NULL;
  history *h = trace_read_history(path, &err);
  assert_null(err);
  assert_int_equal(h->ops->len, 1);
  const hist_op *o = g_ptr_array_index(h->ops, 0);
  assert_int_equal(o->outcome, HIST_OK);
  assert_int_equal(o->trace_line_invoke, 2);
  assert_int_equal(o->trace_line_complete, 5);
  assert_true(o->t_complete == 2.0);
  assert_int_equal(o->version, 2);
  history_free(h);
  g_free(path);
}

/* Counts lines through trace_foreach and stops at the third. */
static bool stop_at_third(void *ud, const trace_line *l, char **why)
{
  (*(int *)ud)++;
  if (trace_line_no(l) == 3) {
    *why = g_strdup("stopped here");
    return false;
  }
  return true;
}

static void test_foreach_stops_when_the_callback_says_so_with_file_and_line(void **state)
{
  (void)state;
  char *path = tmp_path("foreach.jsonl");
  write_every_event(path, NULL);
  int seen = 0;
  char *err = NULL;
  assert_false(trace_foreach(path, stop_at_third, &seen, &err));
  assert_int_equal(seen, 3);
  char *want = g_strdup_printf("%s:3: stopped here", path);
  assert_string_equal(err, want);
  g_free(want);
  g_free(err);
  g_free(path);
}

static void test_an_empty_trace_is_an_empty_history(void **state)
{
  (void)state;
  char *path = tmp_path("empty.jsonl");
  trace_writer_close(trace_writer_open(path, NULL), NULL);
  char *err = NULL;
  history *h = trace_read_history(path, &err);
  assert_non_null(h);
  assert_int_equal(h->ops->len, 0);
  history_free(h);
  g_free(path);
}

/* The reader's fast decimal path gives strtod's very double for every number it takes (times as
 * the writer prints them, random digits and lengths), and leaves to strtod what it cannot read
 * exactly (exponents, more than 15 digits) or what is not a plain decimal. */
static void test_fast_decimals_read_exactly_as_strtod(void **state)
{
  (void)state;
  GRand *rand = g_rand_new_with_seed(12);
  char buf[64];
  for (int i = 0; i < 200000; i++) {
    int digits = g_rand_int_range(rand, 1, 16), point = g_rand_int_range(rand, 0, digits + 1);
    int n = 0;
    if (g_rand_boolean(rand))
      buf[n++] = '-';
    for (int d = 0; d < digits; d++) {
      if (d == point && point > 0)
        buf[n++] = '.';
      buf[n++] = (char)('0' + g_rand_int_range(rand, 0, 10));
    }
    buf[n] = '\0';
    double fast = -1;
    assert_true(trace_decimal(buf, &fast));
    double slow = g_ascii_strtod(buf, NULL);
    assert_memory_equal(&fast, &slow, sizeof fast);
    g_snprintf(buf, sizeof buf, "%.9f", g_rand_double_range(rand, 0, 4000));
    assert_true(trace_decimal(buf, &fast));
    slow = g_ascii_strtod(buf, NULL);
    assert_memory_equal(&fast, &slow, sizeof fast);
  }
  g_rand_free(rand);
  const char *not_fast[] = {"1e5", "1.5E-3", "1234567890.123456", "", "-", "3.", "1.2.3", "12x", "inf", "NaN", " 1"};
  for (size_t i = 0; i < G_N_ELEMENTS(not_fast); i++) {
    double v;
    assert_false(trace_decimal(not_fast[i], &v));
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_event_type_writes_one_parseable_object_per_line),
      cmocka_unit_test(test_fast_decimals_read_exactly_as_strtod),
      cmocka_unit_test(test_awkward_strings_read_back_exactly_and_invalid_bytes_as_latin1),
      cmocka_unit_test(test_keys_come_in_a_fixed_order_and_absent_fields_are_omitted),
      cmocka_unit_test(test_time_is_whole_nanoseconds_in_fixed_notation_with_zeros_trimmed),
      cmocka_unit_test(test_time_reads_back_as_trace_time_round_and_exactly_for_nanosecond_multiples),
      cmocka_unit_test(test_the_reader_rebuilds_the_history_that_was_written),
      cmocka_unit_test(test_writing_the_same_events_twice_gives_identical_bytes),
      cmocka_unit_test(test_opening_an_unwritable_path_fails_with_the_path_in_the_message),
      cmocka_unit_test(test_the_reader_rejects_garbage_naming_file_and_line),
      cmocka_unit_test(test_the_reader_holds_every_line_to_strict_json_even_lines_it_skips),
      cmocka_unit_test(test_the_reader_survives_deep_nesting_and_binary_noise),
      cmocka_unit_test(test_the_reader_skips_event_types_it_does_not_need),
      cmocka_unit_test(test_foreach_stops_when_the_callback_says_so_with_file_and_line),
      cmocka_unit_test(test_an_empty_trace_is_an_empty_history),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
