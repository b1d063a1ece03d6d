/* Unit tests of the anomalies: lost writes, stale reads, divergence, fault windows, failover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analysis/anomalies.h"
#include "analysis/summary.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* ---- Building histories and evidence by hand ---------------------------------------------- */

/* One operation from t0 to t1 with no trace lines (ties in time are then undecided). */
static void op(history *h, const char *proc, const char *name, const char *key, const char *value,
               hist_outcome outcome, const char *status, uint64_t version, double t0, double t1)
{
  history_invoke(h, proc, name, key, NULL, value, NULL, t0, 0);
  if (outcome != HIST_PENDING)
    history_complete(h, proc, outcome, status, NULL, false, version, "r1", t1, 0);
}

/* A read from t0 to t1 that answered `value` (NULL: nothing, as FILE DOES NOT EXIST). */
static void read_op(history *h, const char *proc, const char *key, const char *status,
                    const char *value, uint64_t version, double t0, double t1)
{
  history_invoke(h, proc, "read", key, NULL, NULL, NULL, t0, 0);
  history_complete(h, proc, HIST_OK, status, value, false, version, "r1", t1, 0);
}

static void write_ok(history *h, const char *proc, const char *key, const char *value,
                     uint64_t version, double t0, double t1)
{
  op(h, proc, "write", key, value, HIST_OK, "SUCCESS", version, t0, t1);
}

/* Three replicas holding the same live value. */
static void finals_all(trace_facts *f, const char *key, const char *value, uint64_t version)
{
  const char *nodes[] = {"r1", "r2", "r3"};
  for (int i = 0; i < 3; i++)
    trace_facts_add_final(f, nodes[i], key, "F", value, false, "SUCCESS", version, 100 + i);
}

static trace_facts *facts(const char *protocol)
{
  trace_facts *f = trace_facts_new();
  f->has_run = true;
  f->protocol = g_strdup(protocol);
  f->app = g_strdup("files");
  return f;
}

static const anom_lost_write *lost_at(const anomalies *a, guint i)
{
  assert_true(i < a->lost->len);
  return &g_array_index(a->lost, anom_lost_write, i);
}

/* Computes, prints the report (to exercise it) and returns the findings. */
static anomalies *compute(const history *h, const trace_facts *f)
{
  anomalies *a = anomalies_compute(h, f);
  FILE *null = fopen("/dev/null", "w");
  anomalies_print(a, 20, null);
  fclose(null);
  return a;
}

/* ---- Lost writes -------------------------------------------------------------------------- */

static void test_a_write_missing_from_every_replica_is_lost(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  write_ok(h, "c2", "k", "b", 2, 2, 3); /* strictly after "a": the end state must be "b" */
  trace_facts *f = facts("pb-nonblocking");
  finals_all(f, "k", "a", 1);
  anomalies *a = compute(h, f);
  assert_true(a->has_lost_writes);
  assert_int_equal(a->lost_writes, 1); /* "a" was overwritten by "b"; only "b" is missing */
  const anom_lost_write *l = lost_at(a, 0);
  assert_string_equal(l->op.value, "b");
  assert_string_equal(l->op.process, "c2");
  assert_string_equal(l->op.key, "k");
  assert_int_equal(l->end_line, 100);
  assert_non_null(strstr(l->end_state, "\"a\""));
  assert_non_null(strstr(l->end_state, "3 of 3"));
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_a_write_overwritten_by_a_later_one_is_not_lost(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  write_ok(h, "c2", "k", "b", 2, 2, 3);
  trace_facts *f = facts("pb-blocking");
  finals_all(f, "k", "b", 2);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_of_two_concurrent_writes_either_may_win(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 2);
  write_ok(h, "c2", "k", "b", 2, 1, 3);
  trace_facts *f = facts("pb-blocking");
  finals_all(f, "k", "a", 1);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_an_info_write_may_explain_the_end_state(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  op(h, "c2", "write", "k", "b", HIST_INFO, "TIMEOUT", 0, 2, 3);
  trace_facts *f = facts("pb-blocking");
  finals_all(f, "k", "b", 2);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(f);
  /* A value nobody may have written explains nothing: the acknowledged write is lost. */
  f = facts("pb-blocking");
  finals_all(f, "k", "zzz", 9);
  a = compute(h, f);
  assert_int_equal(a->lost_writes, 1);
  assert_string_equal(lost_at(a, 0)->op.value, "a");
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_an_absent_end_state_loses_the_last_write_of_each_key(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  write_ok(h, "c1", "gone", "x", 2, 2, 3); /* a key with no final line at all */
  op(h, "c1", "write", "k", "failed", HIST_FAIL, "NO PRIMARY", 0, 4, 5);
  trace_facts *f = facts("pb-blocking");
  const char *nodes[] = {"r1", "r2", "r3"};
  for (int i = 0; i < 3; i++)
    trace_facts_add_final(f, nodes[i], "k", NULL, NULL, false, "FILE DOES NOT EXIST", 0, 50 + i);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 2);
  assert_string_equal(lost_at(a, 0)->op.key, "k");
  assert_string_equal(lost_at(a, 1)->op.key, "gone");
  assert_non_null(strstr(lost_at(a, 1)->end_state, "no final line"));
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_without_final_lines_lost_writes_are_not_computed(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  trace_facts *f = facts("pb-blocking");
  anomalies *a = compute(h, f);
  assert_false(a->has_lost_writes);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_a_deleted_file_keeps_its_delete(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  op(h, "c1", "delete", "k", NULL, HIST_OK, "SUCCESS", 2, 2, 3);
  op(h, "c2", "write", "k", "late", HIST_OK, "DELETED FILE CANNOT BE UPDATED", 2, 4, 5);
  trace_facts *f = facts("pb-blocking");
  const char *nodes[] = {"r1", "r2", "r3"};
  for (int i = 0; i < 3; i++)
    trace_facts_add_final(f, nodes[i], "k", NULL, NULL, false, "FILE ALREADY DELETED", 2, 60 + i);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(f);
  /* The file came back: the acknowledged delete is lost, the write it overwrote is not. */
  f = facts("pb-blocking");
  finals_all(f, "k", "a", 1);
  a = compute(h, f);
  assert_int_equal(a->lost_writes, 1);
  assert_string_equal(lost_at(a, 0)->op.op, "delete");
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_pb_takes_the_majority_and_quorum_the_newest(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  write_ok(h, "c1", "k", "b", 2, 2, 3);
  trace_facts *pb = facts("pb-blocking"), *q = facts("quorum");
  trace_facts *both[] = {pb, q};
  for (int i = 0; i < 2; i++) {
    trace_facts_add_final(both[i], "r1", "k", "F", "a", false, "SUCCESS", 1, 10);
    trace_facts_add_final(both[i], "r2", "k", "F", "a", false, "SUCCESS", 1, 11);
    trace_facts_add_final(both[i], "r3", "k", "F", "b", false, "SUCCESS", 2, 12);
  }
  anomalies *a = compute(h, pb);
  assert_int_equal(a->lost_writes, 1);
  assert_false(a->quorum_end_state);
  assert_string_equal(lost_at(a, 0)->op.value, "b");
  anomalies_free(a);
  a = compute(h, q);
  assert_true(a->quorum_end_state);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(pb);
  trace_facts_free(q);
  history_free(h);
}

static void test_quorum_a_tombstone_wins_a_version_tie(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 5, 0, 1);
  op(h, "c2", "delete", "k", NULL, HIST_OK, "SUCCESS", 5, 2, 3);
  trace_facts *f = facts("quorum");
  trace_facts_add_final(f, "r1", "k", "F", "a", false, "SUCCESS", 5, 10);
  trace_facts_add_final(f, "r2", "k", NULL, NULL, false, "FILE ALREADY DELETED", 5, 11);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 0); /* deleted wins; with "a" winning the delete would be lost */
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_kv_appends_survive_inside_the_value(void **state)
{
  (void)state;
  history *h = history_new();
  op(h, "c1", "put", "k", "x", HIST_OK, "SUCCESS", 1, 0, 1);
  op(h, "c1", "append", "k", "y", HIST_OK, "SUCCESS", 2, 2, 3);
  trace_facts *f = facts("pb-blocking");
  finals_all(f, "k", "xy", 2);
  anomalies *a = compute(h, f);
  assert_int_equal(a->lost_writes, 0);
  anomalies_free(a);
  trace_facts_free(f);
  f = facts("pb-blocking");
  finals_all(f, "k", "x", 1);
  a = compute(h, f);
  assert_int_equal(a->lost_writes, 1);
  assert_string_equal(lost_at(a, 0)->op.op, "append");
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

/* ---- Stale reads -------------------------------------------------------------------------- */

static void test_a_read_older_than_an_acknowledged_write_is_stale(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  write_ok(h, "c1", "k", "b", 2, 2, 3);
  read_op(h, "c2", "k", "SUCCESS", "a", 1, 4, 5);
  trace_facts *f = facts("pb-nonblocking");
  anomalies *a = compute(h, f);
  assert_int_equal(a->stale_reads, 1);
  const anom_stale_read *s = &g_array_index(a->stale, anom_stale_read, 0);
  assert_string_equal(s->op.process, "c2");
  assert_int_equal(s->op.version, 1);
  assert_int_equal(s->newer.version, 2);
  assert_string_equal(s->newer.value, "b");
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_a_read_concurrent_with_a_write_is_not_stale(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 0, 1);
  write_ok(h, "c1", "k", "b", 2, 2, 4);
  read_op(h, "c2", "k", "SUCCESS", "a", 1, 3, 5);       /* began before "b" was acknowledged */
  read_op(h, "c3", "k", "SUCCESS", "a", 1, 4, 6);       /* began at the same instant: undecided */
  read_op(h, "c4", "other", "SUCCESS", "z", 0, 10, 11); /* another key knows nothing of "b" */
  trace_facts *f = facts("pb-nonblocking");
  anomalies *a = compute(h, f);
  assert_int_equal(a->stale_reads, 0);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_trace_lines_break_ties_in_time(void **state)
{
  (void)state;
  history *h = history_new();
  history_invoke(h, "c1", "write", "k", "F", "a", NULL, 0, 1);
  history_complete(h, "c1", HIST_OK, "SUCCESS", NULL, false, 3, "r1", 1, 2);
  history_invoke(h, "c2", "read", "k", NULL, NULL, NULL, 1, 3); /* same instant, a later line */
  history_complete(h, "c2", HIST_OK, "SUCCESS", "old", false, 2, "r2", 2, 4);
  trace_facts *f = facts("pb-nonblocking");
  anomalies *a = compute(h, f);
  assert_int_equal(a->stale_reads, 1);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_a_missing_file_reads_as_version_zero(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 7, 0, 1);
  read_op(h, "c2", "k", "FILE DOES NOT EXIST", NULL, 0, 2, 3);
  op(h, "c1", "delete", "k", NULL, HIST_OK, "SUCCESS", 8, 4, 5);
  read_op(h, "c2", "k", "FILE ALREADY DELETED", NULL, 8, 6, 7); /* the tombstone's version: fresh */
  trace_facts *f = facts("pb-nonblocking");
  anomalies *a = compute(h, f);
  assert_int_equal(a->stale_reads, 1);
  assert_string_equal(g_array_index(a->stale, anom_stale_read, 0).op.status, "FILE DOES NOT EXIST");
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

/* ---- Divergence, fault windows, failover --------------------------------------------------- */

static void test_diverged_counts_replicas_off_the_most_common_digest(void **state)
{
  (void)state;
  history *h = history_new();
  trace_facts *f = facts("pb-blocking");
  anomalies *a = compute(h, f);
  assert_false(a->has_diverged);
  anomalies_free(a);
  trace_facts_add_digest(f, "r1", "aa", true, 0);
  trace_facts_add_digest(f, "r2", "bb", true, 0);
  trace_facts_add_digest(f, "r3", "aa", true, 0);
  a = compute(h, f);
  assert_true(a->has_diverged);
  assert_int_equal(a->diverged, 1);
  assert_int_equal(a->replicas, 3);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static const anom_window *window_at(const anomalies *a, guint i)
{
  assert_true(i < a->windows->len);
  return &g_array_index(a->windows, anom_window, i);
}

static void test_availability_is_counted_inside_each_fault_window(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 5, 6);
  write_ok(h, "c1", "k", "b", 2, 12, 13);
  op(h, "c2", "write", "k", "c", HIST_INFO, "TIMEOUT", 0, 14, 16);
  op(h, "c3", "write", "k", "d", HIST_FAIL, "NO PRIMARY", 0, 16, 17);
  write_ok(h, "c1", "k", "e", 3, 25, 26);
  op(h, "c3", "write", "k", "f", HIST_PENDING, NULL, 0, 30, 0);
  trace_facts *f = facts("pb-blocking");
  const char *r1[] = {"node", "r1", NULL}, *r9[] = {"node", "r9", NULL};
  const char *cut[] = {"groups", "r1 | r2 r3", "from", "r1", NULL};
  const char *boot[] = {"node", "r1", "boot", "5", NULL};
  trace_facts_add_fault(f, 10, "crash", true, r1, 20);
  trace_facts_add_fault(f, 15, "partition", true, cut, 21);
  trace_facts_add_fault(f, 20, "crash", false, r1, 22);
  trace_facts_add_fault(f, 22, "crash", false, r9, 23);     /* ends nothing: ignored */
  trace_facts_add_fault(f, 20, "restart", true, boot, 24);
  trace_facts_add_fault(f, 25, "restart", false, r1, 25);   /* closes node=r1 boot=5 */
  anomalies *a = compute(h, f);
  assert_int_equal(a->windows->len, 3);
  const anom_window *w = window_at(a, 0);
  assert_string_equal(w->fault, "crash");
  assert_string_equal(w->target, "r1");
  assert_true(w->start == 10 && w->end == 20 && !w->open_ended);
  assert_int_equal(w->ops, 3); /* invoked at 12, 14, 16 */
  assert_int_equal(w->ok, 1);
  assert_int_equal(w->completed, 3);
  assert_true(w->has_availability && w->availability > 0.33 && w->availability < 0.34);
  w = window_at(a, 2);
  assert_string_equal(w->target, "node=r1 boot=5");
  assert_true(w->start == 20 && w->end == 25 && !w->open_ended);
  assert_int_equal(w->ops, 1); /* invoked at 25 */
  w = window_at(a, 1);
  assert_string_equal(w->target, "groups=r1 | r2 r3 from=r1");
  assert_true(w->open_ended);
  assert_true(w->end == 30); /* the end of the run: the last instant anything happened */
  assert_int_equal(w->ops, 3); /* invoked at 16, 25, 30 */
  assert_int_equal(w->ok, 1);
  assert_int_equal(w->completed, 2);
  assert_true(w->availability == 0.5);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

static void test_failover_runs_from_a_primary_crash_to_the_next_acknowledged_update(void **state)
{
  (void)state;
  history *h = history_new();
  write_ok(h, "c1", "k", "a", 1, 1, 2);
  read_op(h, "c2", "k", "SUCCESS", "a", 1, 11, 12);       /* a read does not count */
  op(h, "c1", "write", "k", "x", HIST_OK, "NOT PRIMARY", 0, 11, 12.5); /* nor a refusal */
  write_ok(h, "c1", "k", "b", 2, 12.5, 13.5);
  trace_facts *f = facts("pb-blocking");
  trace_facts_add_role(f, 0, "r1", "primary", 0, 1);
  trace_facts_add_role(f, 0, "r2", "backup", 0, 2);
  const char *r1[] = {"node", "r1", NULL}, *r2[] = {"node", "r2", NULL};
  trace_facts_add_fault(f, 5, "crash", true, r2, 3);  /* a backup: no failover */
  trace_facts_add_fault(f, 10, "crash", true, r1, 4);
  trace_facts_add_role(f, 12, "r2", "primary", 1, 5);
  trace_facts_add_fault(f, 30, "crash", true, r2, 6); /* nothing acknowledged after it */
  anomalies *a = compute(h, f);
  assert_int_equal(a->failovers->len, 2);
  const anom_failover *x = &g_array_index(a->failovers, anom_failover, 0);
  assert_string_equal(x->node, "r1");
  assert_true(x->has_time && x->time == 3.5);
  assert_string_equal(x->first_ack.value, "b");
  x = &g_array_index(a->failovers, anom_failover, 1);
  assert_string_equal(x->node, "r2");
  assert_false(x->has_time);
  assert_true(a->has_failover_time && a->failover_time == 3.5);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

/* ---- Reading the evidence from a trace ---------------------------------------------------- */

static char *write_temp(const char *text)
{
  char *path = NULL;
  int fd = g_file_open_tmp("anom-XXXXXX.jsonl", &path, NULL);
  assert_true(fd >= 0);
  close(fd);
  assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void test_facts_are_read_from_a_trace(void **state)
{
  (void)state;
  char *path = write_temp(
      "{\"t\":0.0,\"type\":\"run\",\"scenario\":\"s\",\"protocol\":\"quorum\",\"app\":\"files\","
      "\"failover\":\"none\",\"seed\":4}\n"
      "{\"t\":0.5,\"type\":\"role\",\"node\":\"r1\",\"role\":\"primary\",\"view\":1}\n"
      "{\"t\":1.0,\"type\":\"send\",\"from\":\"c1\",\"to\":\"r1\",\"msg\":\"X\",\"id\":1,\"bytes\":3}\n"
      "{\"t\":2.0,\"type\":\"fault\",\"fault\":\"delay\",\"phase\":\"start\",\"link\":\"l1\","
      "\"latency\":0.08}\n"
      "{\"t\":3.0,\"type\":\"final\",\"node\":\"r1\",\"key\":\"k\",\"value\":null,"
      "\"status\":\"SUCCESS\"}\n"
      "{\"t\":3.0,\"type\":\"digest\",\"node\":\"r1\",\"digest\":\"ab\"}\n");
  char *err = NULL;
  trace_facts *f = trace_facts_read(path, &err);
  assert_non_null(f);
  assert_true(f->has_run);
  assert_string_equal(f->scenario, "s");
  assert_int_equal(f->seed, 4);
  assert_string_equal(trace_facts_model(f), "files-quorum");
  assert_int_equal(f->roles->len, 1);
  assert_int_equal(f->faults->len, 1);
  const fact_fault *x = g_ptr_array_index(f->faults, 0);
  assert_string_equal(x->target, "link=l1 latency=0.08");
  assert_null(x->node);
  assert_int_equal(x->line_start, 4);
  const fact_final *fin = g_ptr_array_index(f->finals, 0);
  assert_true(fin->value_null);
  assert_int_equal(fin->line, 5);
  assert_int_equal(f->digests->len, 1);
  assert_true(f->end_time == 3.0);
  trace_facts_free(f);
  g_unlink(path);
  g_free(path);
}

static void test_a_malformed_fact_is_rejected_with_its_line(void **state)
{
  (void)state;
  char *path = write_temp("{\"t\":0.0,\"type\":\"run\",\"protocol\":\"pb-blocking\",\"app\":\"kv\"}\n"
                          "{\"t\":1.0,\"type\":\"fault\",\"fault\":\"crash\",\"phase\":\"middle\"}\n");
  char *err = NULL;
  assert_null(trace_facts_read(path, &err));
  char *want = g_strdup_printf("%s:2: ", path);
  assert_true(g_str_has_prefix(err, want));
  assert_non_null(strstr(err, "phase"));
  g_free(want);
  g_free(err);
  g_unlink(path);
  g_free(path);
}

/* ---- Into the summary ----------------------------------------------------------------------- */

/* Fault windows reach summary.json under "fault_windows" and the printed summary within 80
 * columns; a window where nothing completed has no availability rather than 0. */
static void test_windows_reach_the_summary(void **state)
{
  (void)state;
  summary *s = summary_new("faults", "pb-blocking", 1);
  char *text = summary_to_json(s);
  assert_null(strstr(text, "fault_windows")); /* not computed: left out */
  g_free(text);
  summary_add_window(s, "crash", "r1", 30, 35, 120, 80, true, 80.0 / 110, false);
  summary_add_window(s, "partition", "groups=r1 r2 r3 r4 r5 | registry view-service c1 c2", 40,
                     12345.5, 3, 0, false, 0, false);
  summary_add_window(s, "restart-failed", "node=r2 by=r1 why=unreachable", 50, 50, 0, 0, false, 0,
                     true);
  text = summary_to_json(s);
  assert_non_null(strstr(text, "\"fault_windows\": [\n    {\n      \"fault\": \"crash\",\n"
                                "      \"target\": \"r1\",\n      \"start\": 30,\n"
                                "      \"end\": 35,\n      \"ops\": 120,\n      \"ok\": 80,\n"
                                "      \"availability\": 0.727272727\n    },"));
  assert_non_null(strstr(text, "\"ops\": 3,\n      \"ok\": 0\n    }"));
  g_free(text);
  char *buf = NULL;
  size_t len = 0;
  FILE *out = open_memstream(&buf, &len);
  summary_print(s, out);
  fclose(out);
  assert_non_null(strstr(buf, "Fault windows"));
  assert_non_null(strstr(buf, "72.73%"));
  /* A long label is never cut: every word of it is printed. */
  assert_non_null(strstr(buf, "view-service c1 c2"));
  assert_non_null(strstr(buf, "50.000 event"));
  char **lines = g_strsplit(buf, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_utf8_strlen(*l, -1) > 80)
      fail_msg("line wider than 80 columns: %s", *l);
  g_strfreev(lines);
  free(buf);
  summary_free(s);
}

/* ---- Scale -------------------------------------------------------------------------------- */

/* 200,000 operations over 50 keys, each key written by one client after another: nothing is
 * lost or stale, and the whole computation stays O(n log n). */
static void test_a_large_history_is_quick(void **state)
{
  (void)state;
  history *h = history_new();
  trace_facts *f = facts("pb-blocking");
  char key[16], value[32];
  uint64_t version = 0;
  for (int i = 0; i < 100000; i++) {
    g_snprintf(key, sizeof key, "k%d", i % 50);
    g_snprintf(value, sizeof value, "v%d", i);
    write_ok(h, "c1", key, value, ++version, i * 2.0, i * 2.0 + 1);
    read_op(h, "c2", key, "SUCCESS", value, version, i * 2.0 + 1.5, i * 2.0 + 1.7);
    if (i >= 100000 - 50)
      finals_all(f, key, value, version);
  }
  const char *r1[] = {"node", "r1", NULL};
  trace_facts_add_fault(f, 1000, "crash", true, r1, 0);
  gint64 t0 = g_get_monotonic_time();
  anomalies *a = anomalies_compute(h, f);
  double secs = (double)(g_get_monotonic_time() - t0) / 1e6;
  assert_int_equal(a->lost_writes, 0);
  assert_int_equal(a->stale_reads, 0);
  assert_int_equal(window_at(a, 0)->ops, 200000 - 1000); /* all from i = 500 on */
  assert_true(secs < 10.0);
  anomalies_free(a);
  trace_facts_free(f);
  history_free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_write_missing_from_every_replica_is_lost),
      cmocka_unit_test(test_a_write_overwritten_by_a_later_one_is_not_lost),
      cmocka_unit_test(test_of_two_concurrent_writes_either_may_win),
      cmocka_unit_test(test_an_info_write_may_explain_the_end_state),
      cmocka_unit_test(test_an_absent_end_state_loses_the_last_write_of_each_key),
      cmocka_unit_test(test_without_final_lines_lost_writes_are_not_computed),
      cmocka_unit_test(test_a_deleted_file_keeps_its_delete),
      cmocka_unit_test(test_pb_takes_the_majority_and_quorum_the_newest),
      cmocka_unit_test(test_quorum_a_tombstone_wins_a_version_tie),
      cmocka_unit_test(test_kv_appends_survive_inside_the_value),
      cmocka_unit_test(test_a_read_older_than_an_acknowledged_write_is_stale),
      cmocka_unit_test(test_a_read_concurrent_with_a_write_is_not_stale),
      cmocka_unit_test(test_trace_lines_break_ties_in_time),
      cmocka_unit_test(test_a_missing_file_reads_as_version_zero),
      cmocka_unit_test(test_diverged_counts_replicas_off_the_most_common_digest),
      cmocka_unit_test(test_availability_is_counted_inside_each_fault_window),
      cmocka_unit_test(test_failover_runs_from_a_primary_crash_to_the_next_acknowledged_update),
      cmocka_unit_test(test_facts_are_read_from_a_trace),
      cmocka_unit_test(test_a_malformed_fact_is_rejected_with_its_line),
      cmocka_unit_test(test_windows_reach_the_summary),
      cmocka_unit_test(test_a_large_history_is_quick),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
