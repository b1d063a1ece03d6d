/* Unit tests of the EDN reader and of EDN histories: values, bounds, errors with their line, and
 * each history shape (replsim's, Jepsen's, MIT 6.824's) read into the checker's history. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/check_input.h"
#include "analysis/edn_read.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

/* Reads `text`'s first value; fails the test on an error. */
static edn_value *read1(const char *text)
{
  edn_reader *r = edn_reader_new(text, strlen(text));
  edn_value *v = NULL;
  char *err = NULL;
  if (!edn_next(r, &v, &err))
    fail_msg("\"%s\" does not read: %s", g_strescape(text, NULL), err ? err : "(end)");
  edn_reader_free(r);
  return v;
}

static void assert_prints(const char *text, const char *want)
{
  edn_value *v = read1(text);
  char *got = edn_print(v);
  if (strcmp(got, want) != 0)
    fail_msg("\"%s\" printed as %s, want %s", text, got, want);
  g_free(got);
  edn_value_free(v);
}

/* `text` is refused with an error starting "LINE: " and holding `what`. */
static void assert_refused(const char *text, long line, const char *what)
{
  edn_reader *r = edn_reader_new(text, strlen(text));
  edn_value *v = NULL;
  char *err = NULL;
  while (edn_next(r, &v, &err))
    edn_value_free(v);
  if (!err)
    fail_msg("\"%s\" was accepted", text);
  char *prefix = g_strdup_printf("%ld: ", line);
  if (!g_str_has_prefix(err, prefix) || !strstr(err, what))
    fail_msg("\"%s\": got \"%s\", want line %ld and \"%s\"", text, err, line, what);
  g_free(prefix);
  g_free(err);
  edn_reader_free(r);
}

static void test_scalars_collections_and_comments_read_as_written(void **state)
{
  (void)state;
  assert_prints("nil", "nil");
  assert_prints("  true ,", "true");
  assert_prints("-42", "-42");
  assert_prints("+7N", "7");
  assert_prints("12345678901234567890123", "12345678901234567890123");
  assert_prints("2.5", "2.5");
  assert_prints(":invoke", ":invoke");
  assert_prints(":replsim/model", ":replsim/model");
  assert_prints("\"a \\\"q\\\" \\n \\u00e9\"", "\"a \\\"q\\\" \\n \xc3\xa9\"");
  assert_prints("[1 [2 3] (4) #{5}]", "[1 [2 3] (4) #{5}]");
  assert_prints("{:type :ok, :value [\"k\" nil]}", "{:type :ok :value [\"k\" nil]}");
  assert_prints("; a comment\n #_ :gone [\\a \\newline]", "[\\a \\\n]");
  assert_prints("#inst \"2020-01-01\"", "#inst \"2020-01-01\"");
  edn_value *big = read1("99999999999999999999");
  assert_true(big->kind == EDN_INT && big->big);
  edn_value_free(big);
  edn_value *m = read1("{:process 3, :f :read}");
  assert_int_equal(edn_map_get(m, "process")->i, 3);
  assert_string_equal(edn_map_get(m, "f")->text, "read");
  assert_null(edn_map_get(m, "time"));
  edn_value_free(m);
}

static void test_malformed_edn_is_refused_with_its_line(void **state)
{
  (void)state;
  assert_refused("{:a 1}\n{:b", 2, "unclosed");
  assert_refused("[1 2)", 1, "unexpected ')'");
  assert_refused("\n\n\"abc", 3, "unterminated string");
  assert_refused("{:a}", 1, "key and no value");
  assert_refused("\"\\q\"", 1, "bad escape");
  assert_refused("\"\\u12\"", 1, "\\u escape");
  assert_refused("\"\\u0000\"", 1, "not a character");
  assert_refused("::a", 1, "bad keyword");
  assert_refused("1.2.3", 1, "bad number");
  assert_refused("#1 x", 1, "bad tag");
  assert_refused("\\", 1, "lone backslash");
  assert_refused("\"\xff\"", 1, "UTF-8");
  GString *deep = g_string_new(NULL);
  for (int i = 0; i < 100000; i++)
    g_string_append_c(deep, '[');
  assert_refused(deep->str, 1, "nested too deeply");
  g_string_free(deep, TRUE);
}

static void test_random_bytes_never_crash_and_what_reads_prints_back(void **state)
{
  (void)state;
  GRand *g = g_rand_new_with_seed(11);
  static const char alphabet[] = "{}[]()#_:;\"\\ ,\n0123456789.-+Naefilnrstu/\x80\xc3\xa9";
  for (int round = 0; round < 3000; round++) {
    char buf[64];
    size_t n = (size_t)g_rand_int_range(g, 0, sizeof buf);
    for (size_t i = 0; i < n; i++)
      buf[i] = alphabet[g_rand_int_range(g, 0, sizeof alphabet - 1)];
    edn_reader *r = edn_reader_new(buf, n);
    edn_value *v;
    char *err = NULL;
    while (edn_next(r, &v, &err)) {
      char *text = edn_print(v);
      edn_value *w = read1(text);
      char *text2 = edn_print(w);
      assert_string_equal(text, text2);
      g_free(text);
      g_free(text2);
      edn_value_free(w);
      edn_value_free(v);
    }
    g_free(err);
    edn_reader_free(r);
  }
  g_rand_free(g);
}

/* Writes `text` to a temporary file and reads it as `replsim check` would. */
static bool read_history(const char *text, check_input *in, char **err)
{
  char *path = NULL;
  int fd = g_file_open_tmp("rs_edn_XXXXXX.edn", &path, NULL);
  assert_true(fd >= 0);
  close(fd);
  assert_true(g_file_set_contents(path, text, -1, NULL));
  bool ok = check_input_read(path, in, err);
  g_unlink(path);
  g_free(path);
  return ok;
}

static const hist_op *op_at(const check_input *in, guint i)
{
  return g_ptr_array_index(in->history->ops, i);
}

static void test_jepsen_register_without_time_is_in_real_time_order(void **state)
{
  (void)state;
  check_input in;
  char *err = NULL;
  assert_true(read_history("{:process 0, :type :invoke, :f :write, :value 3}\n"
                           "{:process 1, :type :invoke, :f :read, :value nil}\n"
                           "{:process 0, :type :ok, :f :write, :value 3}\n"
                           "{:process 1, :type :ok, :f :read, :value 3}\n"
                           "{:process :nemesis, :type :info, :f :start, :value nil}\n"
                           "{:process 2, :type :invoke, :f :cas, :value [1 2]}\n"
                           "{:process 2, :type :fail, :f :cas, :value [1 2]}\n",
                           &in, &err));
  assert_null(err);
  assert_string_equal(in.format, "Jepsen EDN, one register");
  assert_string_equal(in.model, "kv");
  assert_int_equal(in.history->ops->len, 3);
  const hist_op *w = op_at(&in, 0), *r = op_at(&in, 1), *c = op_at(&in, 2);
  assert_string_equal(w->op, "put");
  assert_string_equal(w->key, "register");
  assert_string_equal(w->value, "3");
  assert_true(w->t_invoke == 0 && w->t_complete == 2);
  assert_string_equal(r->op, "get");
  assert_string_equal(r->value, "3");
  assert_string_equal(c->status, "CAS MISMATCH"); /* a failed cas answered: its compare failed */
  assert_int_equal(c->outcome, HIST_OK);
  assert_string_equal(c->expected, "1");
  assert_int_equal(in.notes->len, 2); /* no :time, and the nemesis left out */
  check_input_clear(&in);
}

static void test_lin_kv_keys_and_replsim_history_edn(void **state)
{
  (void)state;
  check_input in;
  char *err = NULL;
  assert_true(read_history("[{:process 0, :type :invoke, :f :cas, :value [\"k\" [1 2]], :time 1000}\n"
                           " {:process 0, :type :ok, :f :cas, :value [\"k\" [1 2]], :time 3000}]",
                           &in, &err));
  assert_string_equal(in.format, "Jepsen EDN, independent keys ([k v])");
  assert_string_equal(op_at(&in, 0)->key, "k");
  assert_string_equal(op_at(&in, 0)->expected, "1");
  assert_string_equal(op_at(&in, 0)->value, "2");
  assert_true(op_at(&in, 0)->t_complete == 3e-6);
  check_input_clear(&in);
  assert_true(read_history("{:type :invoke, :f :read, :value [\"u1\" nil], :process 0, :time 5, :index 0, "
                           ":node \"c1\", :replsim/model \"files-quorum\"}\n"
                           "{:type :ok, :f :read, :value [\"u1\" nil], :process 0, :time 9, :index 1, "
                           ":node \"c1\", :status \"FILE DOES NOT EXIST\"}\n",
                           &in, &err));
  assert_string_equal(in.format, "replsim history.edn");
  assert_string_equal(in.model, "files-quorum");
  assert_string_equal(op_at(&in, 0)->process, "c1");
  assert_string_equal(op_at(&in, 0)->status, "FILE DOES NOT EXIST");
  check_input_clear(&in);
}

static void test_bad_histories_name_their_line(void **state)
{
  (void)state;
  static const char *const bad[][2] = {
      {"{:process 0, :type :ok, :f :read, :value 1}\n", ":1: :ok for process 0 with no open"},
      {"{:process 0, :type :invoke, :f :read}\n{:process 0, :type :invoke, :f :read}\n",
       ":2: process 0 invokes again"},
      {"{:process 0, :type :begin, :f :read}\n", ":1: :type must be"},
      {"{:type :invoke, :f :read}\n", ":1: missing :process"},
      {"{:process 0, :type :invoke, :f :write, :value 1, :time 5}\n"
       "{:process 0, :type :ok, :f :write, :value 1}\n", ":2: :time on some"},
      {"{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :ok, :f :read}\n",
       ":2: :ok :read does not match"},
      {"[1 2", ":1: unclosed"},
      {"{:process 0, :type :invoke, :f :cas, :value 3}\n", ":1: a cas :value must be"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    check_input in;
    char *err = NULL;
    if (read_history(bad[i][0], &in, &err))
      fail_msg("accepted: %s", bad[i][0]);
    if (!strstr(err, bad[i][1]))
      fail_msg("for %s: got \"%s\", want \"%s\"", bad[i][0], err, bad[i][1]);
    g_free(err);
    check_input_clear(&in);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scalars_collections_and_comments_read_as_written),
      cmocka_unit_test(test_malformed_edn_is_refused_with_its_line),
      cmocka_unit_test(test_random_bytes_never_crash_and_what_reads_prints_back),
      cmocka_unit_test(test_jepsen_register_without_time_is_in_real_time_order),
      cmocka_unit_test(test_lin_kv_keys_and_replsim_history_edn),
      cmocka_unit_test(test_bad_histories_name_their_line),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
