/* Unit tests of history.edn: EDN strings, Jepsen's op maps, process numbering, nil, order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/edn.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *edn_string(const char *s)
{
  GString *out = g_string_new(NULL);
  edn_append_string(out, s);
  return g_string_free(out, FALSE);
}

static void assert_edn_string(const char *in, const char *want)
{
  char *got = edn_string(in);
  if (strcmp(got, want) != 0)
    fail_msg("edn of \"%s\": got %s, want %s", in ? in : "(null)", got, want);
  g_free(got);
}

/* The whole history.edn as lines. */
static char **edn_lines(const history *h)
{
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_true(edn_write_history(h, NULL, f));
  fclose(f);
  char **lines = g_strsplit(buf, "\n", -1);
  free(buf);
  return lines;
}

static void test_strings_are_escaped_as_clojure_prints_them(void **state)
{
  (void)state;
  assert_edn_string("plain", "\"plain\"");
  assert_edn_string("", "\"\"");
  assert_edn_string("say \"hi\"", "\"say \\\"hi\\\"\"");
  assert_edn_string("a\\b", "\"a\\\\b\"");
  assert_edn_string("l1\nl2\r\tx", "\"l1\\nl2\\r\\tx\"");
  assert_edn_string("\b\f", "\"\\b\\f\"");
  assert_edn_string("\x01", "\"\x01\"");           /* other characters stay as they are */
  assert_edn_string("J.M. Fangio é", "\"J.M. Fangio é\""); /* UTF-8 passes through */
  assert_edn_string("a\xff" "b", "\"a\xc3\xbf" "b\"");   /* a stray byte: its Latin-1 character */
  assert_edn_string("\xc3", "\"\xc3\x83\"");              /* a truncated sequence too */
  assert_edn_string(NULL, "nil");
}

static void test_ops_become_jepsen_maps_in_trace_order(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "alice", "write", "u1", "F1", "M. \"Schumacher\"", NULL, 0.0004, 10);
  history_invoke(h, "bob", "read", "u1", NULL, NULL, NULL, 0.0005, 11);
  history_complete(h, "alice", HIST_OK, "SUCCESS", NULL, false, 1, "r2", 0.001004192, 12);
  history_complete(h, "bob", HIST_OK, "FILE DOES NOT EXIST", NULL, false, 0, "r1", 0.0012, 13);
  char **l = edn_lines(h);
  assert_string_equal(l[0], "{:type :invoke, :f :write, :value [\"u1\" \"M. \\\"Schumacher\\\"\"], "
                            ":process 0, :time 400000, :index 0, :node \"alice\", :name \"F1\"}");
  assert_string_equal(l[1], "{:type :invoke, :f :read, :value [\"u1\" nil], :process 1, "
                            ":time 500000, :index 1, :node \"bob\"}");
  assert_string_equal(l[2], "{:type :ok, :f :write, :value [\"u1\" \"M. \\\"Schumacher\\\"\"], "
                            ":process 0, :time 1004192, :index 2, :node \"alice\", :name \"F1\", "
                            ":status \"SUCCESS\", :version 1}");
  assert_string_equal(l[3], "{:type :ok, :f :read, :value [\"u1\" nil], :process 1, :time 1200000, "
                            ":index 3, :node \"bob\", :status \"FILE DOES NOT EXIST\"}");
  assert_string_equal(l[4], "");
  assert_null(l[5]);
  g_strfreev(l);
  history_free(h);
}

static void test_reads_cas_deletes_and_nil(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "get", "k", NULL, NULL, NULL, 1, 1);
  history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, true, 0, "r1", 2, 2);
  history_invoke(h, "c1", "cas", "k", NULL, "new", "old", 3, 3);
  history_complete(h, "c1", HIST_OK, "CAS MISMATCH", NULL, false, 0, "r1", 4, 4);
  history_invoke(h, "c1", "cas", "k", NULL, "first", NULL, 5, 5); /* expects the key absent */
  history_complete(h, "c1", HIST_FAIL, "NO PRIMARY", NULL, false, 0, NULL, 6, 6);
  history_invoke(h, "c1", "get", "k", NULL, NULL, NULL, 7, 7);
  history_complete(h, "c1", HIST_OK, "SUCCESS", "v", false, 3, "r1", 8, 8);
  history_invoke(h, "c1", "delete", "k", NULL, NULL, NULL, 9, 9);
  char **l = edn_lines(h);
  assert_non_null(strstr(l[0], ":type :invoke, :f :get, :value [\"k\" nil]"));
  assert_non_null(strstr(l[1], ":type :ok, :f :get, :value [\"k\" nil]"));
  assert_non_null(strstr(l[2], ":f :cas, :value [\"k\" [\"old\" \"new\"]]"));
  assert_non_null(strstr(l[3], ":status \"CAS MISMATCH\""));
  assert_non_null(strstr(l[4], ":value [\"k\" [nil \"first\"]]"));
  assert_non_null(strstr(l[5], ":type :fail, "));
  assert_non_null(strstr(l[7], ":type :ok, :f :get, :value [\"k\" \"v\"]"));
  assert_non_null(strstr(l[7], ":version 3}"));
  assert_non_null(strstr(l[8], ":type :invoke, :f :delete, :value [\"k\" nil]"));
  assert_string_equal(l[9], ""); /* the pending delete has no completion line */
  g_strfreev(l);
  history_free(h);
}

/* Process numbers follow first appearance, and a client whose operation ended :info comes back
 * as a new process, as a crashed Jepsen worker does. */
static void test_processes_are_numbered_and_renumbered_after_info(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c2", "put", "a", NULL, "1", NULL, 1, 1);
  history_invoke(h, "c1", "put", "b", NULL, "2", NULL, 2, 2);
  history_complete(h, "c2", HIST_INFO, "TIMEOUT", NULL, false, 0, NULL, 3, 3);
  history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 1, "r1", 4, 4);
  history_invoke(h, "c2", "put", "a", NULL, "3", NULL, 5, 5);
  history_invoke(h, "c1", "put", "b", NULL, "4", NULL, 6, 6);
  char **l = edn_lines(h);
  const char *want[] = {":process 0, ", ":process 1, ", ":process 0, ", ":process 1, ",
                        ":process 2, ", ":process 1, "};
  const char *node[] = {"\"c2\"", "\"c1\"", "\"c2\"", "\"c1\"", "\"c2\"", "\"c1\""};
  for (int i = 0; i < 6; i++) {
    if (!strstr(l[i], want[i]) || !strstr(l[i], node[i]))
      fail_msg("line %d: %s (want %s for %s)", i, l[i], want[i], node[i]);
    char *index = g_strdup_printf(":index %d,", i);
    assert_non_null(strstr(l[i], index));
    g_free(index);
  }
  assert_non_null(strstr(l[2], ":type :info, "));
  g_strfreev(l);
  history_free(h);
}

/* Without trace lines, one instant orders completions of earlier operations, then invocations,
 * then completions of operations invoked at that instant. */
static void test_without_lines_order_follows_time(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "put", "a", NULL, "1", NULL, 1, 0);
  history_invoke(h, "c2", "put", "a", NULL, "2", NULL, 2, 0);
  history_complete(h, "c2", HIST_OK, "SUCCESS", NULL, false, 2, "r1", 2, 0);
  history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 1, "r1", 2, 0);
  char **l = edn_lines(h);
  assert_non_null(strstr(l[0], ":type :invoke, :f :put, :value [\"a\" \"1\"]"));
  assert_non_null(strstr(l[1], ":type :ok, :f :put, :value [\"a\" \"1\"]"));
  assert_non_null(strstr(l[2], ":type :invoke, :f :put, :value [\"a\" \"2\"]"));
  assert_non_null(strstr(l[3], ":type :ok, :f :put, :value [\"a\" \"2\"]"));
  g_strfreev(l);
  history_free(h);
}

static void test_the_file_is_written_and_a_bad_path_reported(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "put", "a", NULL, "1", NULL, 1.5, 1);
  char *path = NULL;
  int fd = g_file_open_tmp("edn-XXXXXX.edn", &path, NULL);
  assert_true(fd >= 0);
  close(fd);
  char *err = NULL;
  assert_true(edn_write_history_file(h, NULL, path, &err));
  char *text = NULL;
  assert_true(g_file_get_contents(path, &text, NULL, NULL));
  assert_string_equal(text, "{:type :invoke, :f :put, :value [\"a\" \"1\"], :process 0, "
                            ":time 1500000000, :index 0, :node \"c1\"}\n");
  g_free(text);
  g_unlink(path);
  g_free(path);
  assert_false(edn_write_history_file(h, NULL, "/nonexistent-dir/history.edn", &err));
  assert_true(g_str_has_prefix(err, "/nonexistent-dir/history.edn: "));
  g_free(err);
  history_free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_strings_are_escaped_as_clojure_prints_them),
      cmocka_unit_test(test_ops_become_jepsen_maps_in_trace_order),
      cmocka_unit_test(test_reads_cas_deletes_and_nil),
      cmocka_unit_test(test_processes_are_numbered_and_renumbered_after_info),
      cmocka_unit_test(test_without_lines_order_follows_time),
      cmocka_unit_test(test_the_file_is_written_and_a_bad_path_reported),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
