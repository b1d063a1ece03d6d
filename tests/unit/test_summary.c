/* Unit tests for the run summary: summary.json's fields, order and stability; the printed report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/summary.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

static void op_done(history *h, const char *process, const char *op, double t0, double t1,
                    hist_outcome outcome, const char *status)
{
  history_invoke(h, process, op, "k", NULL, "v", NULL, t0, 0);
  history_complete(h, process, outcome, status, NULL, false, 0, "r1", t1, 0);
}

/* A summary of a small run with every optional field set. */
static summary *full_summary(void)
{
  history *h = history_new();
  op_done(h, "c1", "write", 0.0, 0.004, HIST_OK, "SUCCESS");
  op_done(h, "c1", "read", 1.0, 1.002, HIST_OK, "FILE DOES NOT EXIST");
  op_done(h, "c2", "write", 1.5, 3.5, HIST_INFO, "TIMEOUT");
  op_done(h, "c2", "delete", 4.0, 4.001, HIST_FAIL, "NOT PRIMARY");
  summary *s = summary_new("pb-blocking-primary-crash", "pb-blocking", 7);
  summary_set_stats(s, stats_compute(h));
  history_free(h);
  s->sim_time = 120.0;
  s->wall_seconds = 0.25;
  s->messages_sent = 1234;
  s->messages_dropped = 5;
  s->has_linearizable = true;
  s->linearizable = SUMMARY_FALSE;
  s->has_lost_writes = true;
  s->lost_writes = 2;
  s->has_stale_reads = true;
  s->stale_reads = 0;
  s->has_diverged = true;
  s->diverged = 1;
  s->has_failover_time = true;
  s->failover_time = 5.125;
  summary_expect(s, "linearizable", "true", "false", false, 30);
  summary_expect(s, "diverged", "1", "1", true, 30);
  summary_expect(s, "alice step 2", "SUCCESS", NULL, false, 0);
  return s;
}

static JsonObject *parse(JsonParser *p, const char *text)
{
  GError *e = NULL;
  if (!json_parser_load_from_data(p, text, -1, &e))
    fail_msg("summary.json does not parse: %s", e->message);
  return json_node_get_object(json_parser_get_root(p));
}

static void test_fields_that_were_not_measured_are_absent_not_zero(void **state)
{
  (void)state;
  summary *s = summary_new("quiet", "quorum", 3);
  char *text = summary_to_json(s);
  JsonParser *p = json_parser_new();
  JsonObject *o = parse(p, text);
  const char *absent[] = {"linearizable", "lost_writes", "stale_reads", "diverged",
                          "failover_time", "availability", "wall_seconds", "wall"};
  for (size_t i = 0; i < G_N_ELEMENTS(absent); i++)
    if (json_object_has_member(o, absent[i]))
      fail_msg("\"%s\" present in %s", absent[i], text);
  const char *present[] = {"seed", "ops", "ok", "fail", "info", "latency", "throughput",
                           "expectations"};
  for (size_t i = 0; i < G_N_ELEMENTS(present); i++)
    assert_true(json_object_has_member(o, present[i]));
  assert_int_equal(json_object_get_int_member(o, "ops"), 0);
  assert_int_equal(json_array_get_length(json_object_get_array_member(o, "expectations")), 0);
  g_object_unref(p);
  g_free(text);
  summary_free(s);
}

static void test_measured_fields_appear_with_their_values(void **state)
{
  (void)state;
  summary *s = full_summary();
  char *text = summary_to_json(s);
  JsonParser *p = json_parser_new();
  JsonObject *o = parse(p, text);
  assert_string_equal(json_object_get_string_member(o, "scenario"), "pb-blocking-primary-crash");
  assert_int_equal(json_object_get_int_member(o, "seed"), 7);
  assert_int_equal(json_object_get_int_member(o, "ops"), 4);
  assert_int_equal(json_object_get_int_member(o, "ok"), 2);
  assert_int_equal(json_object_get_int_member(o, "fail"), 1);
  assert_int_equal(json_object_get_int_member(o, "info"), 1);
  assert_false(json_object_get_boolean_member(o, "linearizable"));
  assert_int_equal(json_object_get_int_member(o, "lost_writes"), 2);
  assert_int_equal(json_object_get_int_member(o, "stale_reads"), 0);
  assert_int_equal(json_object_get_int_member(o, "diverged"), 1);
  assert_true(json_object_get_double_member(o, "failover_time") == 5.125);
  assert_true(json_object_get_double_member(o, "availability") == 0.5);
  JsonObject *lat = json_object_get_object_member(o, "latency");
  JsonObject *w = json_object_get_object_member(lat, "write");
  assert_int_equal(json_object_get_int_member(w, "count"), 1);
  assert_true(json_object_get_double_member(w, "p99") == 0.004);
  assert_true(json_object_get_double_member(w, "max") == 0.004);
  JsonObject *del = json_object_get_object_member(lat, "delete");
  assert_int_equal(json_object_get_int_member(del, "count"), 0);
  assert_false(json_object_has_member(del, "p50"));
  JsonObject *out = json_object_get_object_member(json_object_get_object_member(o, "outcomes"), "write");
  assert_int_equal(json_object_get_int_member(out, "info"), 1);
  JsonObject *st = json_object_get_object_member(out, "statuses");
  assert_int_equal(json_object_get_int_member(st, "TIMEOUT"), 1);
  JsonArray *ex = json_object_get_array_member(o, "expectations");
  assert_int_equal(json_array_get_length(ex), 3);
  JsonObject *e0 = json_array_get_object_element(ex, 0);
  assert_string_equal(json_object_get_string_member(e0, "name"), "linearizable");
  assert_false(json_object_get_boolean_member(e0, "held"));
  assert_int_equal(json_object_get_int_member(e0, "line"), 30);
  JsonObject *e2 = json_array_get_object_element(ex, 2);
  assert_true(json_object_get_null_member(e2, "actual"));
  assert_false(json_object_has_member(e2, "line"));
  g_object_unref(p);
  g_free(text);
  summary_free(s);
}

/* Seed 003's extra credit: each joined replica's catch-up time, null when it never caught up,
 * and no key at all without a join. */
static void test_joins_appear_as_join_catch_up_s(void **state)
{
  (void)state;
  summary *s = summary_new("join", "pb-blocking", 1);
  char *text = summary_to_json(s);
  assert_null(strstr(text, "join_catch_up_s"));
  g_free(text);
  summary_add_join(s, "r4", true, 0.25);
  summary_add_join(s, "r5", false, 0);
  text = summary_to_json(s);
  JsonParser *p = json_parser_new();
  JsonObject *o = parse(p, text);
  JsonObject *j = json_object_get_object_member(o, "join_catch_up_s");
  assert_true(json_object_get_double_member(j, "r4") == 0.25);
  assert_true(json_object_get_null_member(j, "r5"));
  g_object_unref(p);
  g_free(text);
  summary_free(s);
}

static void test_top_level_keys_come_in_a_fixed_order(void **state)
{
  (void)state;
  summary *s = full_summary();
  s->has_availability = true;
  char *text = summary_to_json(s);
  const char *order[] = {"scenario", "protocol",     "seed",     "simulated_time", "ops",
                         "ok",       "fail",         "info",     "pending",        "throughput",
                         "availability", "latency",  "outcomes", "messages",       "linearizable",
                         "lost_writes",  "stale_reads", "diverged", "failover_time", "expectations"};
  const char *last = text;
  for (size_t i = 0; i < G_N_ELEMENTS(order); i++) {
    char *key = g_strdup_printf("\n  \"%s\": ", order[i]);
    const char *at = strstr(text, key);
    if (!at || at < last)
      fail_msg("key \"%s\" missing or out of order in\n%s", order[i], text);
    last = at;
    g_free(key);
  }
  assert_true(g_str_has_prefix(text, "{\n  \"scenario\": "));
  assert_true(g_str_has_suffix(text, "\n}\n"));
  g_free(text);
  summary_free(s);
}

static void test_the_json_of_a_small_summary_is_exactly_this(void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "put", 1.0, 1.25, HIST_OK, "SUCCESS");
  summary *s = summary_new("tiny", "pb-nonblocking", 42);
  summary_set_stats(s, stats_compute(h));
  s->sim_time = 2.5;
  s->wall_seconds = 99;
  s->has_linearizable = true;
  s->linearizable = SUMMARY_UNKNOWN;
  summary_expect(s, "lost-writes", "0", "0", true, 3);
  char *text = summary_to_json(s);
  assert_string_equal(text,
                      "{\n"
                      "  \"scenario\": \"tiny\",\n"
                      "  \"protocol\": \"pb-nonblocking\",\n"
                      "  \"seed\": 42,\n"
                      "  \"simulated_time\": 2.5,\n"
                      "  \"ops\": 1,\n"
                      "  \"ok\": 1,\n"
                      "  \"fail\": 0,\n"
                      "  \"info\": 0,\n"
                      "  \"pending\": 0,\n"
                      "  \"throughput\": 4,\n"
                      "  \"availability\": 1,\n"
                      "  \"latency\": {\n"
                      "    \"put\": {\n"
                      "      \"count\": 1,\n"
                      "      \"p50\": 0.25,\n"
                      "      \"p90\": 0.25,\n"
                      "      \"p99\": 0.25,\n"
                      "      \"mean\": 0.25,\n"
                      "      \"max\": 0.25\n"
                      "    }\n"
                      "  },\n"
                      "  \"outcomes\": {\n"
                      "    \"put\": {\n"
                      "      \"count\": 1,\n"
                      "      \"ok\": 1,\n"
                      "      \"fail\": 0,\n"
                      "      \"info\": 0,\n"
                      "      \"pending\": 0,\n"
                      "      \"statuses\": {\n"
                      "        \"SUCCESS\": 1\n"
                      "      }\n"
                      "    }\n"
                      "  },\n"
                      "  \"messages\": {\n"
                      "    \"sent\": 0,\n"
                      "    \"dropped\": 0\n"
                      "  },\n"
                      "  \"linearizable\": \"unknown\",\n"
                      "  \"expectations\": [\n"
                      "    {\n"
                      "      \"name\": \"lost-writes\",\n"
                      "      \"expected\": \"0\",\n"
                      "      \"actual\": \"0\",\n"
                      "      \"held\": true,\n"
                      "      \"line\": 3\n"
                      "    }\n"
                      "  ]\n"
                      "}\n");
  g_free(text);
  summary_free(s);
  history_free(h);
}

static void test_the_file_is_byte_identical_across_two_writes_and_never_holds_wall_time(
    void **state)
{
  (void)state;
  char *dir = g_dir_make_tmp("rs_test_summary_XXXXXX", NULL);
  char *a = g_build_filename(dir, "a.json", NULL), *b = g_build_filename(dir, "b.json", NULL);
  summary *s1 = full_summary(), *s2 = full_summary();
  s2->wall_seconds = 1234.5;
  char *err = NULL;
  assert_true(summary_write_json(s1, a, &err));
  assert_true(summary_write_json(s2, b, &err));
  char *ta, *tb;
  assert_true(g_file_get_contents(a, &ta, NULL, NULL));
  assert_true(g_file_get_contents(b, &tb, NULL, NULL));
  assert_string_equal(ta, tb);
  assert_null(strstr(ta, "1234.5"));
  assert_null(strstr(ta, "wall"));
  g_free(ta);
  g_free(tb);
  summary_free(s1);
  summary_free(s2);
  g_unlink(a);
  g_unlink(b);
  g_rmdir(dir);
  g_free(a);
  g_free(b);
  g_free(dir);
}

static void test_writing_to_a_bad_path_fails_with_the_path_in_the_message(void **state)
{
  (void)state;
  summary *s = summary_new("x", "quorum", 1);
  char *err = NULL;
  assert_false(summary_write_json(s, "/nonexistent-dir/summary.json", &err));
  assert_true(g_str_has_prefix(err, "/nonexistent-dir/summary.json: "));
  g_free(err);
  summary_free(s);
}

static char *printed(const summary *s)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  summary_print(s, f);
  fclose(f);
  return buf;
}

static void assert_within_80_columns_without_trailing_space(const char *text)
{
  char **lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    if (g_utf8_strlen(*l, -1) > 80)
      fail_msg("line wider than 80 columns: %s", *l);
    if (g_str_has_suffix(*l, " "))
      fail_msg("trailing space: \"%s\"", *l);
  }
  g_strfreev(lines);
}

static void test_the_printed_summary_marks_expectations_and_fits_80_columns(void **state)
{
  (void)state;
  summary *s = full_summary();
  g_free(s->scenario);
  s->scenario = g_strnfill(120, 'n');
  summary_expect(s, "a very long expectation name that goes on and on",
                 "FILE WITH THE SAME NAME ALREADY EXISTS", "DELETED FILE CANNOT BE UPDATED", false,
                 1234);
  char *text = printed(s);
  assert_within_80_columns_without_trailing_space(text);
  assert_non_null(strstr(text, "protocol pb-blocking   seed 7"));
  assert_non_null(strstr(text, "  FAILED  linearizable: expected true, got false (line 30)"));
  assert_non_null(strstr(text, "  HELD    diverged: expected 1, got 1 (line 30)"));
  assert_non_null(strstr(text, "  FAILED  alice step 2: expected SUCCESS, got nothing"));
  assert_non_null(strstr(text, "1 held, 3 failed"));
  assert_non_null(strstr(text, "TIMEOUT 1"));
  assert_non_null(strstr(text, "linearizable: false"));
  assert_non_null(strstr(text, "failover: 5.125 s"));
  assert_non_null(strstr(text, "0.250 s wall (480.0x real time)"));
  assert_non_null(strstr(text, "1234 sent, 5 dropped"));
  assert_non_null(strstr(text, "p99"));
  assert_non_null(strstr(text, "4.000"));
  g_free(text);
  summary_free(s);
}

static void test_the_printed_summary_leaves_out_what_was_not_measured(void **state)
{
  (void)state;
  summary *s = summary_new("quiet", "quorum", 3);
  char *text = printed(s);
  assert_within_80_columns_without_trailing_space(text);
  assert_null(strstr(text, "Consistency"));
  assert_null(strstr(text, "linearizable"));
  assert_null(strstr(text, "Expectations"));
  assert_null(strstr(text, "Latency"));
  g_free(text);
  summary_free(s);
}

static void test_all_held_is_true_only_when_no_expectation_failed(void **state)
{
  (void)state;
  summary *s = summary_new("x", "quorum", 1);
  assert_true(summary_all_held(s));
  summary_expect(s, "diverged", "0", "0", true, 1);
  assert_true(summary_all_held(s));
  summary_expect(s, "lost-writes", "0", "3", false, 1);
  assert_false(summary_all_held(s));
  summary_free(s);
  assert_string_equal(summary_verdict_name(SUMMARY_TRUE), "true");
  assert_string_equal(summary_verdict_name(SUMMARY_FALSE), "false");
  assert_string_equal(summary_verdict_name(SUMMARY_UNKNOWN), "unknown");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fields_that_were_not_measured_are_absent_not_zero),
      cmocka_unit_test(test_measured_fields_appear_with_their_values),
      cmocka_unit_test(test_joins_appear_as_join_catch_up_s),
      cmocka_unit_test(test_top_level_keys_come_in_a_fixed_order),
      cmocka_unit_test(test_the_json_of_a_small_summary_is_exactly_this),
      cmocka_unit_test(test_the_file_is_byte_identical_across_two_writes_and_never_holds_wall_time),
      cmocka_unit_test(test_writing_to_a_bad_path_fails_with_the_path_in_the_message),
      cmocka_unit_test(test_the_printed_summary_marks_expectations_and_fits_80_columns),
      cmocka_unit_test(test_the_printed_summary_leaves_out_what_was_not_measured),
      cmocka_unit_test(test_all_held_is_true_only_when_no_expectation_failed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
