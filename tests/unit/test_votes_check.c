/* Unit tests for the checker's side of seed 002's poll: the sequential votes model
 * (analysis/lin_model.c) and the poll figures (analysis/poll_stats.c), on hand-made histories. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "analysis/linearize.h"
#include "analysis/poll_stats.h"

static void vote(history *h, const char *voter, const char *ballot, const char *yes_no, const char *status,
                 double t0, double t1)
{
  history_invoke(h, voter, "vote", ballot, NULL, yes_no, NULL, t0, 0);
  history_complete(h, voter, HIST_OK, status, NULL, false, 0, NULL, t1, 0);
}

static void result(history *h, const char *voter, const char *ballot, const char *counts, double t)
{
  char *proc = g_strdup_printf("%s:results", voter);
  history_invoke(h, proc, "result", ballot, NULL, NULL, NULL, t, 0);
  history_complete(h, proc, HIST_OK, "SUCCESS", counts, false, 0, NULL, t, 0);
  g_free(proc);
}

static lin_verdict check(history *h)
{
  char *err = NULL;
  lin_result *r = lin_check(h, "votes", NULL, &err);
  assert_non_null(r);
  lin_verdict v = r->verdict;
  lin_result_free(r);
  return v;
}

static void test_results_that_count_every_acknowledged_vote(void **unused)
{
  (void)unused;
  history *h = history_new();
  vote(h, "v1", "1", "yes", "SUCCESS", 0.0, 0.1);
  vote(h, "v2", "1", "no", "SUCCESS", 0.0, 0.2);
  result(h, "v1", "1", "1 1", 1.0);
  result(h, "v2", "1", "1 1", 1.1);
  vote(h, "v3", "1", "yes", "BALLOT CLOSED", 1.2, 1.3); /* after the close: refused */
  assert_int_equal(check(h), LIN_LINEARIZABLE);
  poll_stats p;
  assert_true(poll_stats_compute(h, &p));
  assert_int_equal(p.voters, 3);
  assert_int_equal(p.ballots, 1);
  assert_int_equal(p.logged, 2);
  assert_int_equal(p.missing, 1); /* v3 logged nothing */
  assert_int_equal(p.duplicates, 0);
  assert_int_equal(p.wrong, 0);
  history_free(h);
}

/* A result that misses an acknowledged vote, or two results that differ, cannot be placed. */
static void test_a_result_missing_a_vote_is_a_violation(void **unused)
{
  (void)unused;
  history *h = history_new();
  vote(h, "v1", "1", "yes", "SUCCESS", 0.0, 0.1);
  vote(h, "v2", "1", "no", "SUCCESS", 0.0, 0.2);
  result(h, "v1", "1", "1 0", 1.0);
  assert_int_equal(check(h), LIN_VIOLATION);
  poll_stats p;
  assert_true(poll_stats_compute(h, &p));
  assert_int_equal(p.wrong, 1);
  history_free(h);
}

static void test_two_different_results_and_a_duplicate(void **unused)
{
  (void)unused;
  history *h = history_new();
  vote(h, "v1", "1", "yes", "SUCCESS", 0.0, 0.1);
  result(h, "v1", "1", "1 0", 1.0);
  result(h, "v1", "1", "0 0", 2.0); /* split brain: another primary's ballot 1 */
  assert_int_equal(check(h), LIN_VIOLATION);
  poll_stats p;
  assert_true(poll_stats_compute(h, &p));
  assert_int_equal(p.duplicates, 1);
  assert_int_equal(p.wrong, 1);
  history_free(h);
}

static void test_not_a_poll(void **unused)
{
  (void)unused;
  history *h = history_new();
  history_invoke(h, "c1", "put", "k", NULL, "x", NULL, 0, 0);
  history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 1, NULL, 1, 0);
  poll_stats p;
  assert_false(poll_stats_compute(h, &p));
  history_free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_results_that_count_every_acknowledged_vote),
      cmocka_unit_test(test_a_result_missing_a_vote_is_a_violation),
      cmocka_unit_test(test_two_different_results_and_a_duplicate),
      cmocka_unit_test(test_not_a_poll),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
