/* Unit tests for latency statistics: nearest-rank percentiles, per-type figures, throughput. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/stats.h"

#include <math.h>

/* Records one completed operation of `process` from t0 to t1. */
static void op_done(history *h, const char *process, const char *op, double t0, double t1,
                    hist_outcome outcome, const char *status)
{
  history_invoke(h, process, op, "k", NULL, "v", NULL, t0, 0);
  history_complete(h, process, outcome, status, NULL, false, 0, "r1", t1, 0);
}

static void assert_close(double got, double want)
{
  if (fabs(got - want) > 1e-12)
    fail_msg("got %.17g, want %.17g", got, want);
}

static void test_percentiles_are_nearest_rank(void **state)
{
  (void)state;
  double v[100];
  for (int i = 0; i < 100; i++)
    v[i] = i + 1;
  assert_true(stats_percentile(v, 100, 50) == 50);
  assert_true(stats_percentile(v, 100, 90) == 90);
  assert_true(stats_percentile(v, 100, 99) == 99);
  assert_true(stats_percentile(v, 100, 100) == 100);
  /* Ten values: p99 is the largest, p90 the ninth, p50 the fifth. */
  assert_true(stats_percentile(v, 10, 99) == 10);
  assert_true(stats_percentile(v, 10, 90) == 9);
  assert_true(stats_percentile(v, 10, 50) == 5);
  /* Three values: p50 is ceil(1.5) = the second. */
  assert_true(stats_percentile(v, 3, 50) == 2);
  assert_true(stats_percentile(v, 1, 50) == 1);
  assert_true(stats_percentile(v, 1, 99) == 1);
  assert_true(stats_percentile(v, 0, 50) == 0);
}

static void test_latency_figures_come_from_known_data_in_any_arrival_order(void **state)
{
  (void)state;
  history *h = history_new();
  /* Latencies 10, 20, ..., 100 ms, completed out of order. */
  int order[10] = {7, 2, 9, 0, 5, 3, 8, 1, 6, 4};
  for (int i = 0; i < 10; i++) {
    char p[8];
    g_snprintf(p, sizeof p, "c%d", i);
    double lat = (order[i] + 1) * 0.010;
    op_done(h, p, "write", i, i + lat, HIST_OK, "SUCCESS");
  }
  stats *s = stats_compute(h);
  const op_stats *w = stats_for_op(s, "write");
  assert_non_null(w);
  assert_int_equal(w->latency_count, 10);
  assert_close(w->p50, 0.050);
  assert_close(w->p90, 0.090);
  assert_close(w->p99, 0.100);
  assert_close(w->max, 0.100);
  assert_close(w->min, 0.010);
  assert_close(w->mean, 0.055);
  stats_free(s);
  history_free(h);
}

static void test_op_types_are_separated_and_reported_in_fixed_order(void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "cas", 0, 0.5, HIST_OK, "SUCCESS");
  op_done(h, "c1", "get", 1, 1.1, HIST_OK, "SUCCESS");
  op_done(h, "c1", "put", 2, 2.2, HIST_OK, "SUCCESS");
  op_done(h, "c1", "get", 3, 3.3, HIST_OK, "SUCCESS");
  op_done(h, "c1", "write", 4, 4.4, HIST_OK, "SUCCESS");
  stats *s = stats_compute(h);
  assert_int_equal(s->per_op->len, 4);
  const char *want[] = {"write", "put", "get", "cas"};
  for (int i = 0; i < 4; i++)
    assert_string_equal(((op_stats *)g_ptr_array_index(s->per_op, i))->op, want[i]);
  const op_stats *get = stats_for_op(s, "get");
  assert_int_equal(get->count, 2);
  assert_close(get->max, 0.3);
  assert_close(get->p50, 0.1);
  assert_close(stats_for_op(s, "cas")->p50, 0.5);
  assert_null(stats_for_op(s, "read"));
  assert_null(stats_for_op(s, "delete"));
  stats_free(s);
  history_free(h);
}

static void test_unknown_op_types_follow_the_known_ones_in_first_seen_order(void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "vote", 0, 1, HIST_OK, "SUCCESS");
  op_done(h, "c1", "post", 1, 2, HIST_OK, "SUCCESS");
  op_done(h, "c1", "read", 2, 3, HIST_OK, "SUCCESS");
  op_done(h, "c1", "vote", 3, 4, HIST_OK, "SUCCESS");
  stats *s = stats_compute(h);
  const char *want[] = {"read", "vote", "post"};
  assert_int_equal(s->per_op->len, 3);
  for (int i = 0; i < 3; i++)
    assert_string_equal(((op_stats *)g_ptr_array_index(s->per_op, i))->op, want[i]);
  stats_free(s);
  history_free(h);
}

static void test_latency_counts_only_operations_that_ended_ok(void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "write", 0, 0.1, HIST_OK, "SUCCESS");
  op_done(h, "c1", "write", 1, 3.0, HIST_INFO, "TIMEOUT");
  op_done(h, "c1", "write", 4, 4.01, HIST_FAIL, "NOT PRIMARY");
  op_done(h, "c1", "write", 5, 5.2, HIST_OK, "FILE WITH THE SAME NAME ALREADY EXISTS");
  stats *s = stats_compute(h);
  const op_stats *w = stats_for_op(s, "write");
  assert_int_equal(w->count, 4);
  assert_int_equal(w->ok, 2);
  assert_int_equal(w->fail, 1);
  assert_int_equal(w->info, 1);
  assert_int_equal(w->latency_count, 2);
  assert_close(w->max, 0.2);
  assert_close(w->mean, 0.15);
  stats_free(s);
  history_free(h);
}

static void test_status_breakdown_keeps_first_seen_order(void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "read", 0, 1, HIST_OK, "FILE DOES NOT EXIST");
  op_done(h, "c1", "read", 1, 2, HIST_OK, "SUCCESS");
  op_done(h, "c1", "read", 2, 3, HIST_INFO, "TIMEOUT");
  op_done(h, "c1", "read", 3, 4, HIST_OK, "SUCCESS");
  op_done(h, "c1", "read", 4, 5, HIST_FAIL, NULL);
  history_invoke(h, "c2", "read", "k", NULL, NULL, NULL, 5, 0);
  stats *s = stats_compute(h);
  const op_stats *r = stats_for_op(s, "read");
  assert_int_equal(r->statuses->len, 4);
  const char *names[] = {"FILE DOES NOT EXIST", "SUCCESS", "TIMEOUT", "(none)"};
  const uint64_t counts[] = {1, 2, 1, 1};
  for (int i = 0; i < 4; i++) {
    stats_status_count *c = &g_array_index(r->statuses, stats_status_count, i);
    assert_string_equal(c->status, names[i]);
    assert_int_equal(c->count, counts[i]);
  }
  assert_int_equal(op_stats_status_count(r, "SUCCESS"), 2);
  assert_int_equal(op_stats_status_count(r, "NO QUORUM"), 0);
  stats_free(s);
  history_free(h);
}

static void test_throughput_is_ok_ops_per_second_from_first_invocation_to_last_completion(
    void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "put", 2.0, 2.5, HIST_OK, "SUCCESS");
  op_done(h, "c2", "put", 3.0, 4.0, HIST_OK, "SUCCESS");
  op_done(h, "c1", "put", 5.0, 6.0, HIST_OK, "SUCCESS");
  op_done(h, "c2", "get", 6.0, 12.0, HIST_INFO, "TIMEOUT");
  stats *s = stats_compute(h);
  assert_close(s->first_invoke, 2.0);
  assert_close(s->last_complete, 12.0);
  assert_close(s->throughput, 3.0 / 10.0);
  assert_true(s->has_availability);
  assert_close(s->availability, 0.75);
  stats_free(s);
  history_free(h);
}

static void test_pending_operations_are_counted_but_never_completed(void **state)
{
  (void)state;
  history *h = history_new();
  op_done(h, "c1", "append", 1.0, 2.0, HIST_OK, "SUCCESS");
  history_invoke(h, "c2", "append", "k", NULL, "x", NULL, 1.5, 0);
  history_invoke(h, "c3", "get", "k", NULL, NULL, NULL, 50.0, 0);
  stats *s = stats_compute(h);
  assert_int_equal(s->ops, 3);
  assert_int_equal(s->ok, 1);
  assert_int_equal(s->pending, 2);
  assert_int_equal(stats_for_op(s, "append")->pending, 1);
  assert_int_equal(stats_for_op(s, "get")->pending, 1);
  assert_int_equal(stats_for_op(s, "get")->latency_count, 0);
  assert_int_equal(stats_for_op(s, "get")->statuses->len, 0);
  assert_close(s->last_complete, 2.0);
  assert_close(s->throughput, 1.0);
  assert_close(s->availability, 1.0);
  stats_free(s);
  history_free(h);
}

static void test_an_empty_history_has_zero_figures_and_no_availability(void **state)
{
  (void)state;
  history *h = history_new();
  stats *s = stats_compute(h);
  assert_int_equal(s->ops, 0);
  assert_int_equal(s->per_op->len, 0);
  assert_true(s->throughput == 0);
  assert_false(s->has_availability);
  stats_free(s);
  s = stats_compute(NULL);
  assert_int_equal(s->ops, 0);
  stats_free(s);
  history_free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_percentiles_are_nearest_rank),
      cmocka_unit_test(test_latency_figures_come_from_known_data_in_any_arrival_order),
      cmocka_unit_test(test_op_types_are_separated_and_reported_in_fixed_order),
      cmocka_unit_test(test_unknown_op_types_follow_the_known_ones_in_first_seen_order),
      cmocka_unit_test(test_latency_counts_only_operations_that_ended_ok),
      cmocka_unit_test(test_status_breakdown_keeps_first_seen_order),
      cmocka_unit_test(test_throughput_is_ok_ops_per_second_from_first_invocation_to_last_completion),
      cmocka_unit_test(test_pending_operations_are_counted_but_never_completed),
      cmocka_unit_test(test_an_empty_history_has_zero_figures_and_no_availability),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
