/* Unit tests of the run's facts (trace/facts.c): the one rule that pairs a fault's start with its
 * end, events, divergence from the digests, the model a run line implies; and of the verdict
 * path's choice of model for histories from elsewhere (analysis/verdict.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/verdict.h"
#include "trace/facts.h"

#include <string.h>

static const fact_fault *fault_at(const trace_facts *f, guint i)
{
  return g_ptr_array_index(f->faults, i);
}

static void test_an_end_closes_the_oldest_open_window_whose_fields_it_names(void **state)
{
  (void)state;
  trace_facts *f = trace_facts_new();
  const char *r1[] = {"node", "r1", NULL}, *r1boot[] = {"node", "r1", "boot", "5", NULL};
  const char *r2[] = {"node", "r2", NULL};
  trace_facts_add_fault(f, 1, "pause", true, r1, 10);
  trace_facts_add_fault(f, 2, "pause", true, r1, 11);   /* a second pause of r1, overlapping */
  trace_facts_add_fault(f, 3, "restart", true, r1boot, 12);
  trace_facts_add_fault(f, 4, "pause", false, r1, 13);  /* closes the first (oldest) pause */
  trace_facts_add_fault(f, 5, "restart", false, r1, 14); /* fewer fields than its start: closes it */
  trace_facts_add_fault(f, 6, "pause", false, r2, 15);  /* closes nothing: ignored */
  trace_facts_add_fault(f, 7, "crash", true, r2, 16);   /* never ends */
  f->end_time = 9;
  trace_facts_finish(f);
  assert_int_equal(f->faults->len, 4);
  assert_true(fault_at(f, 0)->start == 1 && fault_at(f, 0)->end == 4);
  assert_int_equal(fault_at(f, 0)->line_end, 13);
  assert_true(fault_at(f, 1)->open_ended && fault_at(f, 1)->end == 9);
  assert_true(fault_at(f, 2)->end == 5 && !fault_at(f, 2)->open_ended);
  assert_string_equal(fault_at(f, 2)->label, "restart r1 boot=5");
  assert_string_equal(fault_at(f, 2)->target, "node=r1 boot=5");
  assert_true(fault_at(f, 3)->open_ended && fault_at(f, 3)->end == 9);
  assert_string_equal(fault_at(f, 3)->node, "r2");
  trace_facts_free(f);
}

static void test_joins_and_failed_restarts_are_events_not_windows(void **state)
{
  (void)state;
  trace_facts *f = trace_facts_new();
  const char *join[] = {"node", "r4", "host", "node-4", NULL};
  const char *lost[] = {"node", "r2", "by", "r1", "why", "unreachable", NULL};
  const char *cut[] = {"groups", "r1 | r2 r3", NULL};
  trace_facts_add_fault(f, 2, "join", true, join, 1);
  trace_facts_add_fault(f, 3, "restart-failed", true, lost, 2);
  trace_facts_add_fault(f, 4, "partition", true, cut, 3);
  f->end_time = 20;
  trace_facts_finish(f);
  assert_true(fault_at(f, 0)->event && fault_at(f, 0)->end == 2 && !fault_at(f, 0)->open_ended);
  assert_string_equal(fault_at(f, 0)->label, "join r4 node-4");
  assert_true(fault_at(f, 1)->event && fault_at(f, 1)->end == 3);
  assert_string_equal(fault_at(f, 1)->label, "restart-failed r2 by=r1 why=unreachable");
  assert_false(fault_at(f, 2)->event);
  assert_string_equal(fault_at(f, 2)->label, "partition r1 | r2 r3");
  assert_string_equal(fault_at(f, 2)->target, "r1 | r2 r3");
  assert_true(fault_at(f, 2)->end == 20);
  trace_facts_free(f);
}

static void test_divergence_compares_the_replicas_up_at_the_end(void **state)
{
  (void)state;
  trace_facts *f = trace_facts_new();
  uint64_t diverged, replicas;
  assert_false(trace_facts_diverged(f, &diverged, &replicas)); /* no digest: not computed */
  trace_facts_add_digest(f, "r1", "aa", true, 1);
  trace_facts_add_digest(f, "r2", "bb", true, 2);
  trace_facts_add_digest(f, "r3", "aa", true, 3);
  trace_facts_add_digest(f, "r4", "cc", false, 4); /* still down: never healed, not compared */
  assert_true(trace_facts_diverged(f, &diverged, &replicas));
  assert_int_equal(diverged, 1);
  assert_int_equal(replicas, 3);
  trace_facts_free(f);
}

static void test_the_run_line_implies_files_quorum_for_files_under_quorum_only(void **state)
{
  (void)state;
  trace_facts *f = trace_facts_new();
  assert_null(trace_facts_model(f));
  f->has_run = true;
  f->app = g_strdup("files");
  f->protocol = g_strdup("quorum");
  assert_string_equal(trace_facts_model(f), "files-quorum");
  g_free(f->protocol);
  f->protocol = g_strdup("pb-blocking");
  assert_string_equal(trace_facts_model(f), "files");
  trace_facts_free(f);
}

static history *ops(const char *const *names)
{
  history *h = history_new();
  for (int i = 0; names[i]; i++) {
    char proc[8];
    g_snprintf(proc, sizeof proc, "p%d", i);
    history_invoke(h, proc, names[i], "k", NULL, "v", NULL, i, i + 1);
  }
  return h;
}

static void test_a_history_without_run_line_gets_its_model_from_its_operations(void **state)
{
  (void)state;
  trace_facts *none = trace_facts_new();
  char *source = NULL, *err = NULL, *m;
  static const char *const files[] = {"write", "read", "delete", NULL};
  static const char *const kv[] = {"put", "get", "cas", NULL};
  static const char *const both[] = {"write", "put", NULL};
  history *h = ops(files);
  m = verdict_model(h, none, NULL, &source, &err);
  assert_string_equal(m, "files");
  assert_non_null(strstr(source, "inferred"));
  g_free(m), g_free(source);
  verdict_options forced = {.model = "kv"};
  m = verdict_model(h, none, &forced, &source, &err);
  assert_string_equal(m, "kv");
  assert_string_equal(source, "--model");
  g_free(m), g_free(source);
  verdict_options paxos = {.model = "paxos"};
  assert_null(verdict_model(h, none, &paxos, &source, &err));
  assert_non_null(strstr(err, "unknown"));
  g_free(err), err = NULL;
  history_free(h);
  h = ops(kv);
  m = verdict_model(h, none, NULL, &source, &err);
  assert_string_equal(m, "kv");
  g_free(m), g_free(source);
  history_free(h);
  h = ops(both);
  assert_null(verdict_model(h, none, NULL, &source, &err));
  assert_non_null(strstr(err, "two apps"));
  g_free(err);
  history_free(h);
  trace_facts_free(none);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_an_end_closes_the_oldest_open_window_whose_fields_it_names),
      cmocka_unit_test(test_joins_and_failed_restarts_are_events_not_windows),
      cmocka_unit_test(test_divergence_compares_the_replicas_up_at_the_end),
      cmocka_unit_test(test_the_run_line_implies_files_quorum_for_files_under_quorum_only),
      cmocka_unit_test(test_a_history_without_run_line_gets_its_model_from_its_operations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
