/* The swarm's generator and judge (cli/swarm_gen.c, cli/swarm_judge.c) without running anything:
 * every drawn scenario is valid and the same from the same seed, the promise table says "no
 * promise" where a design promises nothing, and a run's outcome is judged as it should be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "scenario/scenario.h"
#include "swarm.h"

/* Five hundred drawn scenarios (both modes) all pass the parser's validation: the generator only
 * draws valid scenarios, so a refusal in the swarm is a generator mistake. */
static void test_every_drawn_scenario_is_valid_and_the_same_from_the_same_seed(void **state)
{
  (void)state;
  char *dir = g_dir_make_tmp("swarm-gen-XXXXXX", NULL);
  char *file = g_build_filename(dir, "s.xml", NULL);
  for (unsigned i = 0; i < 500; i++) {
    sw_scenario *s = sw_draw(11, i, i % 2 == 0);
    sw_scenario *again = sw_draw(11, i, i % 2 == 0);
    char *xml = sw_render(s, RS_SOURCE_DIR "/platforms");
    char *xml2 = sw_render(again, RS_SOURCE_DIR "/platforms");
    assert_string_equal(xml, xml2);
    g_file_set_contents(file, xml, -1, NULL);
    char *err = NULL;
    scenario *sc = scenario_load(file, NULL, &err);
    if (!sc)
      fail_msg("case %u refused: %s\n%s", i, err, xml);
    scenario_free(sc);
    g_free(xml);
    g_free(xml2);
    sw_free(s);
    sw_free(again);
  }
  g_unlink(file);
  g_rmdir(dir);
  g_free(file);
  g_free(dir);
}

static sw_scenario *base(const char *protocol, const char *failover)
{
  sw_scenario *s = sw_draw(1, 0, true);
  for (guint i = 0; i < s->faults->len; i++)
    sw_fault_free(s->faults->pdata[i]);
  g_ptr_array_set_size(s->faults, 0);
  g_free(s->protocol);
  g_free(s->failover);
  g_free(s->reads);
  s->protocol = g_strdup(protocol);
  s->failover = g_strdup(failover);
  s->reads = g_strdup("primary");
  s->dead_after = 3;
  s->replicas = 3;
  s->read_repair = false;
  s->duration = 60;
  return s;
}

static void add_crash(sw_scenario *s, const char *node, double at, double restart)
{
  sw_fault *f = g_new0(sw_fault, 1);
  f->kind = SW_CRASH;
  f->node = g_strdup(node);
  f->at = at;
  f->until = -1;
  f->restart_at = restart;
  f->boot = 0.1;
  g_ptr_array_add(s->faults, f);
}

static void test_the_table_promises_nothing_where_a_design_does_not(void **state)
{
  (void)state;
  sw_scenario *s = base("pb-blocking", "none");
  add_crash(s, "r1", 1, 5);
  sw_promise p = sw_promise_of(s);
  assert_false(p.linearizable || p.no_lost_writes || p.no_divergence || p.liveness);
  assert_non_null(strstr(p.why, "no promise"));
  char *xml = sw_render(s, "../platforms");
  assert_null(strstr(xml, "<expect")); /* nothing to expect */
  g_free(xml);
  sw_free(s);

  s = base("pb-blocking", "peer");
  s->dead_after = 1;
  add_crash(s, "r1", 1, 5);
  p = sw_promise_of(s);
  assert_false(p.linearizable || p.no_lost_writes || p.no_divergence);
  sw_free(s);

  s = base("pb-blocking", "view-service");
  add_crash(s, "r1", 1, 5);
  p = sw_promise_of(s);
  assert_true(p.linearizable && p.no_lost_writes && p.no_divergence && p.liveness);
  xml = sw_render(s, "../platforms");
  assert_non_null(strstr(xml, "<expect linearizable=\"true\" lost-writes=\"0\" diverged=\"0\"/>"));
  g_free(xml);
  add_crash(s, "view-service", 2, 3);
  p = sw_promise_of(s);
  assert_false(p.linearizable || p.no_lost_writes);
  sw_free(s);

  s = base("quorum", "none");
  add_crash(s, "r1", 1, 5);
  p = sw_promise_of(s);
  assert_false(p.linearizable); /* seed 004's quorum */
  assert_true(p.no_lost_writes);
  s->read_repair = true;
  p = sw_promise_of(s);
  assert_true(p.linearizable && p.no_lost_writes);
  /* A join, then a crash of the registry: restarted, it forgets the joiners it admitted until
   * they beat again (seed 2 case 782). A crash before the join forgets nothing. */
  sw_fault *join = g_new0(sw_fault, 1);
  join->kind = SW_JOIN;
  join->node = g_strdup("j1");
  join->host = g_strdup("node-8");
  join->at = 3;
  join->until = join->restart_at = -1;
  g_ptr_array_add(s->faults, join);
  add_crash(s, "registry", 2, 2.5);
  p = sw_promise_of(s);
  assert_true(p.linearizable && p.no_lost_writes);
  add_crash(s, "registry", 4, 6);
  p = sw_promise_of(s);
  assert_false(p.linearizable);
  assert_true(p.no_lost_writes);
  sw_free(s);
}

/* A client timeout shorter than an attempt's path across wan.xml's 40 ms link fails every
 * operation: no liveness is promised there (seed 7 case 261, tests/repro/
 * swarm-liveness-quorum-timeout-below-the-wan.xml), and still is with a timeout above it. */
static void test_no_liveness_promise_when_no_attempt_can_succeed(void **state)
{
  (void)state;
  sw_scenario *s = base("quorum", "none");
  g_free(s->platform);
  s->platform = g_strdup("wan.xml");
  s->timeout = 0.066;
  s->retries = 3;
  add_crash(s, "r1", 1, 5);
  sw_promise p = sw_promise_of(s);
  assert_true(p.no_lost_writes);
  assert_false(p.liveness);
  s->timeout = 0.5;
  p = sw_promise_of(s);
  assert_true(p.liveness);
  g_free(s->platform);
  s->platform = g_strdup("lan.xml");
  s->timeout = 0.066;
  p = sw_promise_of(s);
  assert_true(p.liveness);
  sw_free(s);
}

/* A run folder with the given summary.json (and an empty trace and log). */
static char *fake_run(const char *summary, const char *trace)
{
  char *dir = g_dir_make_tmp("swarm-judge-XXXXXX", NULL);
  char *p = g_build_filename(dir, "summary.json", NULL);
  g_file_set_contents(p, summary, -1, NULL);
  g_free(p);
  p = g_build_filename(dir, "trace.jsonl", NULL);
  g_file_set_contents(p, trace ? trace : "", -1, NULL);
  g_free(p);
  p = g_build_filename(dir, "run.log", NULL);
  g_file_set_contents(p, "", -1, NULL);
  g_free(p);
  return dir;
}

static void drop_run(char *dir)
{
  const char *names[] = {"summary.json", "trace.jsonl", "run.log"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    char *p = g_build_filename(dir, names[i], NULL);
    g_unlink(p);
    g_free(p);
  }
  g_rmdir(dir);
  g_free(dir);
}

/* A wait status for an exit code. */
#define EXIT(code) ((code) << 8)

static sw_verdict judge(const sw_scenario *s, int status, const char *summary, const char *trace)
{
  sw_promise p = sw_promise_of(s);
  char *dir = fake_run(summary, trace);
  char *log = g_build_filename(dir, "run.log", NULL);
  sw_judgement j = sw_judge_run(s, &p, status, false, dir, log);
  g_free(log);
  drop_run(dir);
  return j.verdict;
}

static void test_the_judge_reports_each_kind_of_failure(void **state)
{
  (void)state;
  sw_scenario *s = base("pb-blocking", "view-service");
  add_crash(s, "r1", 1, 5);
  const char *good = "{\"ops\": 10, \"ok\": 10, \"linearizable\": true, \"lost_writes\": 0, \"diverged\": 0}";
  const char *trace_ok = "{\"t\":50.0,\"type\":\"ok\",\"process\":\"c1\"}\n";
  assert_int_equal(judge(s, EXIT(0), good, trace_ok), SW_PASS);
  assert_int_equal(judge(s, EXIT(0), good, ""), SW_F_LIVENESS); /* nothing succeeded after the crash */
  assert_int_equal(judge(s, EXIT(1), "{\"linearizable\": false}", trace_ok), SW_F_LINEARIZABLE);
  assert_int_equal(judge(s, EXIT(1), "{\"lost_writes\": 3}", trace_ok), SW_F_LOST_WRITES);
  assert_int_equal(judge(s, EXIT(1), "{\"diverged\": 1}", trace_ok), SW_F_DIVERGED);
  assert_int_equal(judge(s, EXIT(1), "{\"stopped\": \"livelock\"}", trace_ok), SW_F_STOPPED);
  assert_int_equal(judge(s, EXIT(1), good, trace_ok), SW_F_EXIT); /* exit 1, yet nothing broken */
  assert_int_equal(judge(s, EXIT(2), good, trace_ok), SW_F_REFUSED);
  assert_int_equal(judge(s, 6 /* SIGABRT */, good, trace_ok), SW_F_SIGNAL);
  sw_free(s);

  s = base("pb-blocking", "none");
  add_crash(s, "r1", 1, -1);
  assert_int_equal(judge(s, EXIT(0), "{\"linearizable\": false, \"lost_writes\": 4}", ""), SW_PASS); /* no promise */
  sw_free(s);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_drawn_scenario_is_valid_and_the_same_from_the_same_seed),
      cmocka_unit_test(test_the_table_promises_nothing_where_a_design_does_not),
      cmocka_unit_test(test_no_liveness_promise_when_no_attempt_can_succeed),
      cmocka_unit_test(test_the_judge_reports_each_kind_of_failure),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
