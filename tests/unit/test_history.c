/* Unit tests for the client history: invocation order, open operations, completions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "trace/history.h"

static hist_op *op_at(history *h, guint i)
{
  return g_ptr_array_index(h->ops, i);
}

static void test_invocations_are_kept_in_invocation_order_with_their_index(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "write", "u1", "F1", "hello", NULL, 1.0, 3);
  history_invoke(h, "c2", "read", "u1", NULL, NULL, NULL, 1.5, 4);
  assert_int_equal(h->ops->len, 2);
  assert_int_equal(op_at(h, 0)->index, 0);
  assert_int_equal(op_at(h, 1)->index, 1);
  assert_string_equal(op_at(h, 0)->process, "c1");
  assert_string_equal(op_at(h, 0)->name, "F1");
  assert_string_equal(op_at(h, 0)->value, "hello");
  assert_null(op_at(h, 0)->expected);
  assert_string_equal(op_at(h, 1)->op, "read");
  assert_int_equal(op_at(h, 1)->trace_line_invoke, 4);
  assert_int_equal(op_at(h, 0)->outcome, HIST_PENDING);
  assert_true(op_at(h, 0)->t_complete < 0);
  assert_null(op_at(h, 0)->status);
  history_free(h);
}

static void test_completion_closes_the_open_operation_of_its_process(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "put", "k", NULL, "v1", NULL, 1.0, 1);
  history_invoke(h, "c2", "put", "k", NULL, "v2", NULL, 1.1, 2);
  hist_op *o = history_complete(h, "c2", HIST_OK, "SUCCESS", NULL, false, 7, "r2", 2.0, 3);
  assert_non_null(o);
  assert_ptr_equal(o, op_at(h, 1));
  assert_int_equal(o->outcome, HIST_OK);
  assert_string_equal(o->status, "SUCCESS");
  assert_int_equal(o->version, 7);
  assert_string_equal(o->replica, "r2");
  assert_true(o->t_complete == 2.0);
  assert_int_equal(o->trace_line_complete, 3);
  assert_null(g_hash_table_lookup(h->open, "c2"));
  assert_ptr_equal(g_hash_table_lookup(h->open, "c1"), op_at(h, 0));
  assert_int_equal(op_at(h, 0)->outcome, HIST_PENDING);
  history_free(h);
}

static void test_completion_without_an_open_invocation_returns_null(void **state)
{
  (void)state;
  history *h = history_new();
  assert_null(history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 0, NULL, 1.0, 1));
  history_invoke(h, "c1", "get", "k", NULL, NULL, NULL, 1.0, 2);
  assert_non_null(history_complete(h, "c1", HIST_INFO, "TIMEOUT", NULL, false, 0, NULL, 3.0, 3));
  assert_null(history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 0, NULL, 4.0, 4));
  assert_null(history_complete(h, NULL, HIST_OK, "SUCCESS", NULL, false, 0, NULL, 4.0, 4));
  assert_int_equal(op_at(h, 0)->outcome, HIST_INFO);
  history_free(h);
}

static void test_a_read_value_replaces_the_invocation_value_and_null_clears_it(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "get", "k", NULL, NULL, NULL, 1.0, 1);
  hist_op *got = history_complete(h, "c1", HIST_OK, "SUCCESS", "v9", false, 2, "r1", 2.0, 2);
  assert_string_equal(got->value, "v9");
  assert_false(got->value_null);
  history_invoke(h, "c1", "get", "absent", NULL, "stale", NULL, 3.0, 3);
  hist_op *none = history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, true, 0, "r1", 4.0, 4);
  assert_null(none->value);
  assert_true(none->value_null);
  history_free(h);
}

static void test_a_write_completion_without_value_keeps_the_written_value(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "cas", "k", NULL, "new", "old", 1.0, 1);
  hist_op *o = history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 3, "r1", 2.0, 2);
  assert_string_equal(o->value, "new");
  assert_string_equal(o->expected, "old");
  history_free(h);
}

static void test_invoking_while_open_leaves_the_previous_operation_pending(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "put", "k", NULL, "a", NULL, 1.0, 1);
  history_invoke(h, "c1", "put", "k", NULL, "b", NULL, 2.0, 2);
  hist_op *o = history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 1, "r1", 3.0, 3);
  assert_ptr_equal(o, op_at(h, 1));
  assert_int_equal(op_at(h, 0)->outcome, HIST_PENDING);
  assert_int_equal(g_hash_table_size(h->open), 0);
  history_free(h);
}

static void test_a_completion_name_fills_only_a_missing_name(void **state)
{
  (void)state;
  history *h = history_new();
  hist_op *r = history_invoke(h, "c1", "read", "u1", NULL, NULL, NULL, 1.0, 1);
  hist_op_set_name(r, "F1");
  assert_string_equal(r->name, "F1");
  hist_op_set_name(r, "F2");
  assert_string_equal(r->name, "F1");
  hist_op_set_name(NULL, "F3");
  history_free(h);
}

static void test_outcome_names_are_the_trace_types(void **state)
{
  (void)state;
  assert_string_equal(hist_outcome_name(HIST_PENDING), "pending");
  assert_string_equal(hist_outcome_name(HIST_OK), "ok");
  assert_string_equal(hist_outcome_name(HIST_FAIL), "fail");
  assert_string_equal(hist_outcome_name(HIST_INFO), "info");
}

static void test_freeing_null_and_empty_histories_is_harmless(void **state)
{
  (void)state;
  history_free(NULL);
  history_free(history_new());
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_invocations_are_kept_in_invocation_order_with_their_index),
      cmocka_unit_test(test_completion_closes_the_open_operation_of_its_process),
      cmocka_unit_test(test_completion_without_an_open_invocation_returns_null),
      cmocka_unit_test(test_a_read_value_replaces_the_invocation_value_and_null_clears_it),
      cmocka_unit_test(test_a_write_completion_without_value_keeps_the_written_value),
      cmocka_unit_test(test_invoking_while_open_leaves_the_previous_operation_pending),
      cmocka_unit_test(test_a_completion_name_fills_only_a_missing_name),
      cmocka_unit_test(test_outcome_names_are_the_trace_types),
      cmocka_unit_test(test_freeing_null_and_empty_histories_is_harmless),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
