/* Unit tests of the linearizability checker: hand-written histories and random generated ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "analysis/histgen.h"
#include "trace/history.h"
#include "analysis/linearize.h"

#include <glib.h>
#include <math.h>
#include <string.h>

/* ---- Building histories by hand ----------------------------------------------------------- */

static long next_line; /* trace line numbers handed out in order, as a trace would have them */

static history *fresh(void)
{
  next_line = 1;
  return history_new();
}

/* A files write also names the file after its uuid, so no two uuids share a name. */
static void call(history *h, const char *proc, const char *op, const char *key, const char *value,
                 double t)
{
  char *name = strcmp(op, "write") == 0 ? g_strdup_printf("name-%s", key) : NULL;
  history_invoke(h, proc, op, key, name, value, NULL, t, next_line++);
  g_free(name);
}

static void call_cas(history *h, const char *proc, const char *key, const char *expected,
                     const char *value, double t)
{
  history_invoke(h, proc, "cas", key, NULL, value, expected, t, next_line++);
}

static void done(history *h, const char *proc, hist_outcome outcome, const char *status,
                 const char *value, double t)
{
  assert_non_null(
      history_complete(h, proc, outcome, status, value, false, 0, "r1", t, next_line++));
}

/* A get that answered null. */
static void done_null(history *h, const char *proc, double t)
{
  assert_non_null(
      history_complete(h, proc, HIST_OK, "SUCCESS", NULL, true, 0, "r1", t, next_line++));
}

/* One operation that completes ok. */
static void op_ok(history *h, const char *proc, const char *op, const char *key, const char *arg,
                  const char *status, const char *answer, double t0, double t1)
{
  call(h, proc, op, key, arg, t0);
  done(h, proc, HIST_OK, status, answer, t1);
}

/* Checks with no time bound, prints the report (to exercise it) and frees everything. */
static lin_verdict verdict_of(history *h, const char *app)
{
  char *err = NULL;
  lin_result *r = lin_check(h, app, NULL, &err);
  assert_null(err);
  assert_non_null(r);
  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  lin_report_print(r, mem);
  fclose(mem);
  assert_true(len > 0);
  free(text);
  lin_verdict v = r->verdict;
  lin_result_free(r);
  history_free(h);
  return v;
}

/* ---- Registers: the classic examples ------------------------------------------------------ */

static void test_empty_history_is_linearizable(void **state)
{
  (void)state;
  assert_int_equal(verdict_of(fresh(), "kv"), LIN_LINEARIZABLE);
  assert_int_equal(verdict_of(fresh(), "files"), LIN_LINEARIZABLE);
}

static void test_sequential_puts_and_gets_are_linearizable(void **state)
{
  (void)state;
  history *h = fresh();
  call(h, "c1", "get", "x", NULL, 0);
  done_null(h, "c1", 1);
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 2, 3);
  op_ok(h, "c2", "get", "x", NULL, "SUCCESS", "1", 4, 5);
  op_ok(h, "c2", "put", "x", "2", "SUCCESS", NULL, 6, 7);
  op_ok(h, "c1", "get", "x", NULL, "SUCCESS", "2", 8, 9);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);
}

static void test_get_of_a_written_key_cannot_answer_null(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 0, 1);
  call(h, "c2", "get", "x", NULL, 2);
  done_null(h, "c2", 3);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);
}

static void test_read_concurrent_with_a_write_may_see_either_value(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "a", "SUCCESS", NULL, 0, 1);
  call(h, "c1", "put", "x", "b", 2);
  op_ok(h, "c2", "get", "x", NULL, "SUCCESS", "a", 3, 4);
  op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "b", 3.5, 5);
  done(h, "c1", HIST_OK, "SUCCESS", NULL, 6);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);
}

/* Knossos's and Porcupine's example: two writes overlap, and two later reads that overlap both
 * writes see them in either order. Both histories are linearizable. */
static void test_overlapping_writes_seen_in_both_orders_are_linearizable(void **state)
{
  (void)state;
  for (int order = 0; order < 2; order++) {
    history *h = fresh();
    call(h, "c1", "put", "x", "1", 0);
    call(h, "c2", "put", "x", "2", 0.5);
    op_ok(h, "c3", "get", "x", NULL, "SUCCESS", order ? "2" : "1", 1, 2);
    op_ok(h, "c4", "get", "x", NULL, "SUCCESS", order ? "1" : "2", 3, 4);
    done(h, "c1", HIST_OK, "SUCCESS", NULL, 10);
    done(h, "c2", HIST_OK, "SUCCESS", NULL, 11);
    assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);
  }
}

/* Porcupine's non-linearizable example: a read sees the new value, then a later read that does
 * not overlap it sees the old one again. */
static void test_newer_then_older_value_in_sequence_is_violation(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "0", "SUCCESS", NULL, 0, 1);
  call(h, "c1", "put", "x", "1", 2);
  op_ok(h, "c2", "get", "x", NULL, "SUCCESS", "1", 3, 4);
  op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "0", 5, 6);
  done(h, "c1", HIST_OK, "SUCCESS", NULL, 10);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);
}

/* Herlihy & Wing's register histories: B reads 0 then 1 while A writes 1 (linearizable); C then
 * reads 0 after A's write completed (not: the write's effect cannot be undone). */
static void test_herlihy_wing_register_histories(void **state)
{
  (void)state;
  for (int stale = 0; stale < 2; stale++) {
    history *h = fresh();
    op_ok(h, "A", "put", "x", "0", "SUCCESS", NULL, 0, 1);
    call(h, "A", "put", "x", "1", 2);
    op_ok(h, "B", "get", "x", NULL, "SUCCESS", "0", 3, 4);
    op_ok(h, "B", "get", "x", NULL, "SUCCESS", "1", 4.5, 5);
    done(h, "A", HIST_OK, "SUCCESS", NULL, 6);
    op_ok(h, "C", "get", "x", NULL, "SUCCESS", stale ? "0" : "1", 7, 8);
    assert_int_equal(verdict_of(h, "kv"), stale ? LIN_VIOLATION : LIN_LINEARIZABLE);
  }
}

static void test_read_of_a_value_never_written_is_violation(void **state)
{
  (void)state;
  history *h = fresh();
  call(h, "c1", "put", "x", "1", 0);
  op_ok(h, "c2", "get", "x", NULL, "SUCCESS", "7", 0.5, 1.5);
  done(h, "c1", HIST_OK, "SUCCESS", NULL, 2);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);
}

/* ---- Uncertain and failed operations ------------------------------------------------------ */

static void test_info_write_seen_later_is_linearizable(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "a", "SUCCESS", NULL, 0, 1);
  call(h, "c2", "put", "x", "b", 2);
  done(h, "c2", HIST_INFO, NULL, NULL, 3);
  op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "a", 4, 5);
  op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "b", 20, 21); /* applied long after the timeout */
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);
}

static void test_info_write_never_seen_is_linearizable(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "a", "SUCCESS", NULL, 0, 1);
  call(h, "c2", "put", "x", "b", 2);
  done(h, "c2", HIST_INFO, NULL, NULL, 3);
  for (int i = 0; i < 5; i++)
    op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "a", 4 + i, 4.5 + i);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);
}

static void test_info_write_seen_then_unseen_is_violation(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "a", "SUCCESS", NULL, 0, 1);
  call(h, "c2", "put", "x", "b", 2);
  done(h, "c2", HIST_INFO, NULL, NULL, 3);
  op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "b", 4, 5);
  op_ok(h, "c3", "get", "x", NULL, "SUCCESS", "a", 6, 7);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);
}

static void test_pending_write_may_take_effect_after_the_end(void **state)
{
  (void)state;
  history *h = fresh();
  call(h, "c1", "write", "u1", "draft", 0); /* never completes */
  op_ok(h, "c2", "read", "u1", NULL, "FILE DOES NOT EXIST", NULL, 1, 2);
  op_ok(h, "c2", "read", "u1", NULL, "SUCCESS", "draft", 3, 4);
  assert_int_equal(verdict_of(h, "files"), LIN_LINEARIZABLE);
}

static void test_failed_write_is_never_seen(void **state)
{
  (void)state;
  for (int seen = 0; seen < 2; seen++) {
    history *h = fresh();
    op_ok(h, "c1", "put", "x", "a", "SUCCESS", NULL, 0, 1);
    call(h, "c2", "put", "x", "b", 2);
    done(h, "c2", HIST_FAIL, "NOT PRIMARY", NULL, 3);
    op_ok(h, "c3", "get", "x", NULL, "SUCCESS", seen ? "b" : "a", 2.5, 5);
    assert_int_equal(verdict_of(h, "kv"), seen ? LIN_VIOLATION : LIN_LINEARIZABLE);
  }
}

/* Refusals answered as ok are handled like fail, TIMEOUT like info, info reads are ignored. */
static void test_refusals_timeouts_and_info_reads(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "a", "NOT PRIMARY", NULL, 0, 1);
  op_ok(h, "c1", "get", "x", NULL, "NO QUORUM", "junk", 2, 3);
  call(h, "c2", "get", "x", NULL, 4);
  done(h, "c2", HIST_INFO, NULL, "junk", 5);
  op_ok(h, "c1", "get", "x", NULL, "SUCCESS", NULL, 6, 7);
  op_ok(h, "c1", "put", "x", "b", "TIMEOUT", NULL, 8, 9);
  op_ok(h, "c1", "get", "x", NULL, "SUCCESS", "b", 10, 11);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);

  h = fresh();
  op_ok(h, "c1", "put", "x", "a", "NOT PRIMARY", NULL, 0, 1);
  op_ok(h, "c1", "get", "x", NULL, "SUCCESS", "a", 2, 3);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);
}

/* ---- Files: seed 004's outcomes ----------------------------------------------------------- */

static void test_files_read_after_acknowledged_delete_cannot_succeed(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "write", "u1", "text", "SUCCESS", NULL, 0, 1);
  op_ok(h, "c1", "delete", "u1", NULL, "SUCCESS", NULL, 2, 3);
  op_ok(h, "c2", "read", "u1", NULL, "SUCCESS", "text", 4, 5);
  assert_int_equal(verdict_of(h, "files"), LIN_VIOLATION);
}

static void test_files_outcomes_after_a_delete_are_fine(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "read", "u1", NULL, "FILE DOES NOT EXIST", NULL, 0, 1);
  op_ok(h, "c1", "delete", "u1", NULL, "FILE DOES NOT EXIST", NULL, 2, 3);
  op_ok(h, "c1", "write", "u1", "v1", "SUCCESS", NULL, 4, 5);
  op_ok(h, "c2", "write", "u1", "v2", "SUCCESS", NULL, 6, 7);
  op_ok(h, "c2", "read", "u1", NULL, "SUCCESS", "v2", 8, 9);
  op_ok(h, "c1", "delete", "u1", NULL, "SUCCESS", NULL, 10, 11);
  op_ok(h, "c2", "read", "u1", NULL, "FILE ALREADY DELETED", NULL, 12, 13);
  op_ok(h, "c3", "delete", "u1", NULL, "FILE ALREADY DELETED", NULL, 14, 15);
  op_ok(h, "c3", "write", "u1", "v3", "DELETED FILE CANNOT BE UPDATED", NULL, 16, 17);
  op_ok(h, "c1", "read", "u1", NULL, "FILE ALREADY DELETED", NULL, 18, 19);
  assert_int_equal(verdict_of(h, "files"), LIN_LINEARIZABLE);
}

static void test_files_write_after_acknowledged_delete_cannot_succeed(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "write", "u1", "v1", "SUCCESS", NULL, 0, 1);
  op_ok(h, "c1", "delete", "u1", NULL, "SUCCESS", NULL, 2, 3);
  op_ok(h, "c2", "write", "u1", "v2", "SUCCESS", NULL, 4, 5);
  assert_int_equal(verdict_of(h, "files"), LIN_VIOLATION);
}

static void test_files_already_deleted_on_a_file_never_deleted_is_violation(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "read", "u1", NULL, "FILE ALREADY DELETED", NULL, 0, 1);
  assert_int_equal(verdict_of(h, "files"), LIN_VIOLATION);
}

/* The approximation: SAME NAME is allowed in any state and changes nothing on its uuid. */
static void test_files_same_name_answer_changes_nothing(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "write", "u1", "a", "SUCCESS", NULL, 0, 1);
  history_invoke(h, "c2", "write", "u2", "name-u1", "b", NULL, 2, next_line++);
  done(h, "c2", HIST_OK, "FILE WITH THE SAME NAME ALREADY EXISTS", NULL, 3);
  op_ok(h, "c2", "read", "u2", NULL, "FILE DOES NOT EXIST", NULL, 4, 5);
  assert_int_equal(verdict_of(h, "files"), LIN_LINEARIZABLE);
}

/* Seed 004's quorum replicas answer SUCCESS to deleting an unknown uuid and keep a tombstone;
 * the files-quorum model says so, the files model does not. */
static void test_files_quorum_delete_of_an_unknown_uuid(void **state)
{
  (void)state;
  for (int quorum = 0; quorum < 2; quorum++) {
    history *h = fresh();
    op_ok(h, "c1", "delete", "u1", NULL, "SUCCESS", NULL, 0, 1);
    op_ok(h, "c1", "read", "u1", NULL, "FILE ALREADY DELETED", NULL, 2, 3);
    op_ok(h, "c1", "write", "u1", "x", "DELETED FILE CANNOT BE UPDATED", NULL, 4, 5);
    assert_int_equal(verdict_of(h, quorum ? "files-quorum" : "files"),
                     quorum ? LIN_LINEARIZABLE : LIN_VIOLATION);
  }
}

/* A lost write: acknowledged, then a read that starts after it shows the previous content. */
static void test_files_lost_write_is_violation(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "write", "u1", "v1", "SUCCESS", NULL, 0, 1);
  op_ok(h, "c2", "write", "u1", "v2", "SUCCESS", NULL, 2, 3);
  op_ok(h, "c3", "read", "u1", NULL, "SUCCESS", "v1", 4, 5);
  assert_int_equal(verdict_of(h, "files"), LIN_VIOLATION);
}

/* A stale read (a non-blocking backup answering before it applied an acknowledged write) is a
 * violation; the same read overlapping the write is not. */
static void test_files_stale_read(void **state)
{
  (void)state;
  for (int overlap = 0; overlap < 2; overlap++) {
    history *h = fresh();
    op_ok(h, "c1", "write", "u1", "v1", "SUCCESS", NULL, 0, 1);
    op_ok(h, "c1", "write", "u1", "v2", "SUCCESS", NULL, 2, 3);
    op_ok(h, "c2", "read", "u1", NULL, "SUCCESS", "v1", overlap ? 2.5 : 3.5, 4);
    assert_int_equal(verdict_of(h, "files"), overlap ? LIN_LINEARIZABLE : LIN_VIOLATION);
  }
}

/* ---- kv: cas and append ------------------------------------------------------------------- */

static void test_kv_cas(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 0, 1);
  call_cas(h, "c2", "x", "1", "2", 2);
  done(h, "c2", HIST_OK, "SUCCESS", NULL, 3);
  call_cas(h, "c3", "x", "1", "3", 4);
  done(h, "c3", HIST_OK, "CAS MISMATCH", NULL, 5);
  op_ok(h, "c1", "get", "x", NULL, "SUCCESS", "2", 6, 7);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);

  /* SUCCESS although the value was not the expected one. */
  h = fresh();
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 0, 1);
  call_cas(h, "c2", "x", "0", "2", 2);
  done(h, "c2", HIST_OK, "SUCCESS", NULL, 3);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);

  /* CAS MISMATCH although the value was the expected one and nothing else ran. */
  h = fresh();
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 0, 1);
  call_cas(h, "c2", "x", "1", "2", 2);
  done(h, "c2", HIST_OK, "CAS MISMATCH", NULL, 3);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);

  /* The same mismatch is fine when a concurrent put may have come first. */
  h = fresh();
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 0, 1);
  call(h, "c1", "put", "x", "9", 1.5);
  call_cas(h, "c2", "x", "1", "2", 2);
  done(h, "c2", HIST_OK, "CAS MISMATCH", NULL, 3);
  done(h, "c1", HIST_OK, "SUCCESS", NULL, 4);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);

  /* A cas on an absent key never matches a value. */
  h = fresh();
  call_cas(h, "c2", "x", "1", "2", 0);
  done(h, "c2", HIST_OK, "SUCCESS", NULL, 1);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);
}

static void test_kv_append_order(void **state)
{
  (void)state;
  for (int variant = 0; variant < 3; variant++) {
    history *h = fresh();
    op_ok(h, "c1", "append", "x", "a", "SUCCESS", NULL, 0, 1);
    op_ok(h, "c2", "append", "x", "b", "SUCCESS", NULL, variant == 2 ? 0.5 : 2, 3);
    op_ok(h, "c3", "get", "x", NULL, "SUCCESS", variant == 0 ? "ab" : "ba", 4, 5);
    assert_int_equal(verdict_of(h, "kv"), variant == 1 ? LIN_VIOLATION : LIN_LINEARIZABLE);
  }
}

/* An append that ran twice (a retry applied again) shows in a read; an info append followed by
 * its retry may legitimately show twice. */
static void test_kv_append_applied_twice(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "append", "x", "x", "SUCCESS", NULL, 0, 1);
  op_ok(h, "c2", "get", "x", NULL, "SUCCESS", "xx", 2, 3);
  assert_int_equal(verdict_of(h, "kv"), LIN_VIOLATION);

  h = fresh();
  call(h, "c1", "append", "x", "x", 0);
  done(h, "c1", HIST_INFO, NULL, NULL, 1);
  op_ok(h, "c1", "append", "x", "x", "SUCCESS", NULL, 2, 3);
  op_ok(h, "c2", "get", "x", NULL, "SUCCESS", "xx", 4, 5);
  assert_int_equal(verdict_of(h, "kv"), LIN_LINEARIZABLE);
}

/* ---- Results and reports ------------------------------------------------------------------ */

static void test_keys_are_independent_and_sorted(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "b", "1", "SUCCESS", NULL, 0, 1);
  op_ok(h, "c1", "put", "a", "1", "SUCCESS", NULL, 2, 3);
  op_ok(h, "c2", "get", "b", NULL, "SUCCESS", "2", 4, 5);
  op_ok(h, "c2", "get", "c", NULL, "SUCCESS", NULL, 6, 7);
  op_ok(h, "c2", "get", "a", NULL, "SUCCESS", "1", 8, 9);
  lin_result *r = lin_check(h, "kv", NULL, NULL);
  assert_non_null(r);
  assert_int_equal(r->verdict, LIN_VIOLATION);
  assert_int_equal(r->n_keys, 3);
  assert_string_equal(r->keys[0].key, "a");
  assert_string_equal(r->keys[1].key, "b");
  assert_string_equal(r->keys[2].key, "c");
  assert_int_equal(r->keys[0].verdict, LIN_LINEARIZABLE);
  assert_int_equal(r->keys[1].verdict, LIN_VIOLATION);
  assert_int_equal(r->keys[2].verdict, LIN_LINEARIZABLE);
  assert_ptr_equal(r->first_violation, &r->keys[1]);
  assert_int_equal(r->n_ops, 5);
  assert_int_equal(r->n_checked, 5);
  lin_result_free(r);
  history_free(h);
}

static void test_violation_names_the_op_the_state_and_the_prefix(void **state)
{
  (void)state;
  history *h = fresh();                                           /* lines */
  op_ok(h, "c1", "write", "u1", "v1", "SUCCESS", NULL, 0, 1);     /* 1-2 */
  op_ok(h, "c2", "write", "u1", "v2", "SUCCESS", NULL, 2, 3);     /* 3-4 */
  op_ok(h, "c9", "read", "u9", NULL, "FILE DOES NOT EXIST", NULL, 3, 4); /* 5-6 */
  op_ok(h, "c3", "read", "u1", NULL, "SUCCESS", "v1", 4, 5);      /* 7-8 */
  lin_result *r = lin_check(h, "files", NULL, NULL);
  assert_int_equal(r->verdict, LIN_VIOLATION);
  const lin_key_result *k = r->first_violation;
  assert_string_equal(k->key, "u1");
  const lin_violation *v = k->violation;
  assert_int_equal(v->op.index, 3);
  assert_string_equal(v->op.process, "c3");
  assert_string_equal(v->op.op, "read");
  assert_string_equal(v->op.value, "v1");
  assert_int_equal(v->op.trace_line_invoke, 7);
  assert_int_equal(v->op.trace_line_complete, 8);
  assert_string_equal(v->state, "live \"v2\"");
  assert_string_equal(v->returned, "SUCCESS \"v1\"");
  assert_string_equal(v->allowed, "SUCCESS \"v2\"");
  assert_int_equal(v->n_prefix, 2);
  assert_int_equal(v->prefix[0].index, 0);
  assert_int_equal(v->prefix[1].index, 1);
  assert_int_equal(v->n_lines, 4);
  long want[] = {3, 4, 7, 8};
  assert_memory_equal(v->lines, want, sizeof want);

  char *text = NULL;
  size_t len = 0;
  FILE *mem = open_memstream(&text, &len);
  lin_report_print(r, mem);
  fclose(mem);
  assert_non_null(strstr(text, "linearizability (files): violation"));
  assert_non_null(strstr(text, "key \"u1\": VIOLATION"));
  assert_non_null(strstr(text, "cannot place: #3 c3 read u1 -> ok SUCCESS \"v1\""));
  assert_non_null(strstr(text, "model state after the prefix: live \"v2\""));
  assert_non_null(strstr(text, "the model allowed:  SUCCESS \"v2\""));
  assert_non_null(strstr(text, "2. #1 c2 write u1"));
  assert_non_null(strstr(text, "trace lines involved: 3, 4, 7, 8"));
  assert_null(strstr(text, "u9"));
  free(text);
  lin_result_free(r);
  history_free(h);
}

static void test_bad_input_is_rejected(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "put", "x", "1", "SUCCESS", NULL, 0, 1);
  char *err = NULL;
  assert_null(lin_check(h, "votes", NULL, &err));
  assert_non_null(strstr(err, "votes"));
  g_free(err);
  err = NULL;
  assert_null(lin_check(h, "files", NULL, &err));
  assert_non_null(strstr(err, "put"));
  g_free(err);
  history_free(h);

  h = fresh();
  op_ok(h, "c1", "put", NULL, "1", "SUCCESS", NULL, 0, 1);
  err = NULL;
  assert_null(lin_check(h, "kv", NULL, &err));
  assert_non_null(strstr(err, "without a key"));
  g_free(err);
  history_free(h);
}

/* ---- Random histories from a sequential model -------------------------------------------- */

/* A random linearizable history: 4 to 8 processes on 1 to 3 keys, some ops info or fail, files
 * (with rare deletes and some SAME NAME answers) for even seeds, kv otherwise. */
static history *gen_random(uint32_t seed, const char **app)
{
  GRand *rng = g_rand_new_with_seed(seed);
  histgen_cfg c = {.files = seed % 2 == 0,
                   .clients = g_rand_int_range(rng, 4, 9),
                   .keys = g_rand_int_range(rng, 1, 4),
                   .ops = g_rand_int_range(rng, 40, 160),
                   .info_p = 0.08,
                   .fail_p = 0.05,
                   .delete_p = 1.0 / 14,
                   .same_name_p = 0.05,
                   .seed = g_rand_int(rng)};
  g_rand_free(rng);
  *app = c.files ? "files" : "kv";
  return histgen_generate(&c);
}

/* Processes really overlap: some moment has at least 4 operations in flight at once. */
static int max_in_flight(const history *h)
{
  int best = 0;
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *a = h->ops->pdata[i];
    int n = 0;
    for (guint j = 0; j < h->ops->len; j++) {
      const hist_op *b = h->ops->pdata[j];
      double end = b->t_complete < 0 ? INFINITY : b->t_complete;
      if (b->t_invoke <= a->t_invoke && end >= a->t_invoke)
        n++;
    }
    best = MAX(best, n);
  }
  return best;
}

static void test_random_linearizable_histories_pass(void **state)
{
  (void)state;
  int overlapping = 0;
  for (uint32_t seed = 1; seed <= 200; seed++) {
    const char *app;
    history *h = gen_random(seed, &app);
    overlapping += max_in_flight(h) >= 4;
    lin_result *r = lin_check(h, app, NULL, NULL);
    if (r->verdict != LIN_LINEARIZABLE) {
      print_error("seed %u (%s) was not found linearizable:\n", seed, app);
      lin_report_print(r, stderr);
    }
    assert_int_equal(r->verdict, LIN_LINEARIZABLE);
    lin_result_free(r);
    history_free(h);
  }
  assert_true(overlapping >= 190);
}

static void test_random_histories_with_a_corrupted_read_fail(void **state)
{
  (void)state;
  for (uint32_t seed = 1; seed <= 200; seed++) {
    const char *app;
    history *h = gen_random(seed, &app);
    assert_true(histgen_corrupt_read(h, seed));
    lin_result *r = lin_check(h, app, NULL, NULL);
    if (r->verdict != LIN_VIOLATION)
      print_error("seed %u (%s): the corrupted read was not caught\n", seed, app);
    assert_int_equal(r->verdict, LIN_VIOLATION);
    assert_string_equal(r->first_violation->violation->returned,
                        "SUCCESS \"" HISTGEN_NEVER_WRITTEN "\"");
    lin_result_free(r);
    history_free(h);
  }
}

/* ---- The time bound ----------------------------------------------------------------------- */

/* Many concurrent appends of distinct letters, then a read no order can explain: the search has
 * to try every order of the appends (each gives a new value), which takes forever. */
static history *hopeless(void)
{
  history *h = fresh();
  char proc[16], letter[4];
  for (int i = 0; i < 40; i++) {
    g_snprintf(proc, sizeof proc, "c%d", i);
    g_snprintf(letter, sizeof letter, "%c", 'A' + i);
    call(h, proc, "append", "x", letter, i * 0.001);
  }
  for (int i = 0; i < 40; i++) {
    g_snprintf(proc, sizeof proc, "c%d", i);
    done(h, proc, HIST_OK, "SUCCESS", NULL, 1 + i * 0.001);
  }
  op_ok(h, "r", "get", "x", NULL, "SUCCESS", "impossible", 2, 3);
  return h;
}

static void test_hopeless_history_with_a_tiny_deadline_is_unknown(void **state)
{
  (void)state;
  history *h = hopeless();
  lin_options opt = {.deadline = 0.05};
  double t0 = lin_monotonic_clock(NULL);
  lin_result *r = lin_check(h, "kv", &opt, NULL);
  double took = lin_monotonic_clock(NULL) - t0;
  assert_int_equal(r->verdict, LIN_UNKNOWN);
  assert_int_equal(r->keys[0].verdict, LIN_UNKNOWN);
  assert_null(r->first_violation);
  assert_true(took < 1.0);
  lin_result_free(r);
  history_free(h);
}

/* A clock that moves one second each time it is read. */
static double counting_clock(void *ctx)
{
  int *reads = ctx;
  return (double)(*reads)++;
}

static void test_the_deadline_reads_the_injected_clock(void **state)
{
  (void)state;
  history *h = hopeless();
  op_ok(h, "c1", "put", "y", "1", "SUCCESS", NULL, 0, 1); /* an easy key after a hopeless one */
  int reads = 0;
  lin_options opt = {.deadline = 5, .clock = counting_clock, .clock_ctx = &reads};
  lin_result *r = lin_check(h, "kv", &opt, NULL);
  assert_int_equal(r->verdict, LIN_UNKNOWN);
  assert_int_equal(r->keys[0].verdict, LIN_UNKNOWN);
  /* Keys take turns: the hopeless one's first turn ends with its slice, so the easy one is
   * still checked before the whole bound runs out. */
  assert_int_equal(r->keys[1].verdict, LIN_LINEARIZABLE);
  assert_true(reads >= 6 && reads <= 12);
  lin_result_free(r);
  history_free(h);
}

/* Early answer: a violation quick to prove on a later key is found while a hopeless key still
 * searches, and then the answer comes, the hopeless key reported "not checked". */
static void test_a_quick_violation_is_answered_without_waiting_for_a_hopeless_key(void **state)
{
  (void)state;
  history *h = hopeless(); /* key "x": 40 concurrent appends, then an impossible get */
  op_ok(h, "w", "put", "y", "1", "SUCCESS", NULL, 0, 1);
  op_ok(h, "r2", "get", "y", NULL, "SUCCESS", "2", 2, 3); /* y never held "2" */
  lin_options opt = {.deadline = 30, .early = true, .others_budget = 0.05};
  double t0 = lin_monotonic_clock(NULL);
  lin_result *r = lin_check(h, "kv", &opt, NULL);
  double took = lin_monotonic_clock(NULL) - t0;
  assert_int_equal(r->verdict, LIN_VIOLATION);
  assert_string_equal(r->first_violation->key, "y");
  assert_true(r->answered && r->answered_after < 1.0);
  assert_int_equal(r->keys[0].verdict, LIN_UNKNOWN);
  assert_true(r->keys[0].skipped);
  assert_true(took < 5.0); /* not the 30 s bound */
  lin_result_free(r);
  /* Without the early answer the hopeless key uses the bound, and is unknown, not skipped. */
  lin_options all = {.deadline = 0.3};
  r = lin_check(h, "kv", &all, NULL);
  assert_int_equal(r->verdict, LIN_VIOLATION);
  assert_int_equal(r->keys[0].verdict, LIN_UNKNOWN);
  assert_false(r->keys[0].skipped);
  lin_result_free(r);
  history_free(h);
}

/* MIT 6.824's kv (and Porcupine's model): a key never written reads as "", not as null. */
static void test_kv_initial_value_is_what_a_never_written_key_reads_as(void **state)
{
  (void)state;
  history *h = fresh();
  op_ok(h, "c1", "get", "k", NULL, "SUCCESS", "", 0, 1);
  op_ok(h, "c1", "append", "k", "x", "SUCCESS", NULL, 2, 3);
  op_ok(h, "c1", "get", "k", NULL, "SUCCESS", "x", 4, 5);
  lin_result *absent = lin_check(h, "kv", NULL, NULL);
  assert_int_equal(absent->verdict, LIN_VIOLATION); /* an absent key answers null */
  lin_options empty = {.kv_initial = ""};
  lin_result *r = lin_check(h, "kv", &empty, NULL);
  assert_int_equal(r->verdict, LIN_LINEARIZABLE);
  lin_result_free(r);
  lin_result_free(absent);
  history_free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty_history_is_linearizable),
      cmocka_unit_test(test_sequential_puts_and_gets_are_linearizable),
      cmocka_unit_test(test_get_of_a_written_key_cannot_answer_null),
      cmocka_unit_test(test_read_concurrent_with_a_write_may_see_either_value),
      cmocka_unit_test(test_overlapping_writes_seen_in_both_orders_are_linearizable),
      cmocka_unit_test(test_newer_then_older_value_in_sequence_is_violation),
      cmocka_unit_test(test_herlihy_wing_register_histories),
      cmocka_unit_test(test_read_of_a_value_never_written_is_violation),
      cmocka_unit_test(test_info_write_seen_later_is_linearizable),
      cmocka_unit_test(test_info_write_never_seen_is_linearizable),
      cmocka_unit_test(test_info_write_seen_then_unseen_is_violation),
      cmocka_unit_test(test_pending_write_may_take_effect_after_the_end),
      cmocka_unit_test(test_failed_write_is_never_seen),
      cmocka_unit_test(test_refusals_timeouts_and_info_reads),
      cmocka_unit_test(test_files_read_after_acknowledged_delete_cannot_succeed),
      cmocka_unit_test(test_files_outcomes_after_a_delete_are_fine),
      cmocka_unit_test(test_files_write_after_acknowledged_delete_cannot_succeed),
      cmocka_unit_test(test_files_already_deleted_on_a_file_never_deleted_is_violation),
      cmocka_unit_test(test_files_same_name_answer_changes_nothing),
      cmocka_unit_test(test_files_quorum_delete_of_an_unknown_uuid),
      cmocka_unit_test(test_files_lost_write_is_violation),
      cmocka_unit_test(test_files_stale_read),
      cmocka_unit_test(test_kv_cas),
      cmocka_unit_test(test_kv_append_order),
      cmocka_unit_test(test_kv_append_applied_twice),
      cmocka_unit_test(test_keys_are_independent_and_sorted),
      cmocka_unit_test(test_violation_names_the_op_the_state_and_the_prefix),
      cmocka_unit_test(test_bad_input_is_rejected),
      cmocka_unit_test(test_random_linearizable_histories_pass),
      cmocka_unit_test(test_random_histories_with_a_corrupted_read_fail),
      cmocka_unit_test(test_hopeless_history_with_a_tiny_deadline_is_unknown),
      cmocka_unit_test(test_the_deadline_reads_the_injected_clock),
      cmocka_unit_test(test_a_quick_violation_is_answered_without_waiting_for_a_hopeless_key),
      cmocka_unit_test(test_kv_initial_value_is_what_a_never_written_key_reads_as),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
