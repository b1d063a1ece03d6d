/* Unit tests for primary-backup under message loss and duplication (core/pb_replica.c): the
 * primary's resend log and timer, STATE resends, harmless duplicates, retries whose answer was
 * lost, and the view-service read barrier. Every cluster here resends (fixture_set_resend). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 23 };
#define BLOCKING true
#define NONBLOCKING false

/* ---- helpers ---- */

static uint64_t digest(fixture *f, rs_node_id r)
{
  rs_app *app = fixture_app(f, r);
  return app->ops->digest(app->state);
}

/* Three replicas (r1 primary) that resend every 0.2 s (the default), and a client "c1" with a
 * one-second timeout, all quiet. */
static fixture *resending_cluster(bool blocking, rs_node_id *client)
{
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_set_resend(f, 0);
  fixture_pb_cluster(f, 3, blocking, false);
  *client = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R1)), PB_ROLE_PRIMARY);
  assert_true(rs_client_ready(fixture_client(f, *client)));
  return f;
}

static void run_for(fixture *f, double seconds) { fixture_run_until(f, fixture_now(f) + seconds); }

static void assert_in_sync(fixture *f)
{
  for (rs_node_id r = FX_R2; r <= FX_R3; r++) {
    assert_int_equal(pb_applied_index(fixture_pb(f, r)), pb_applied_index(fixture_pb(f, FX_R1)));
    assert_int_equal(digest(f, r), digest(f, FX_R1));
  }
}

static void assert_quiet(fixture *f)
{
  for (rs_node_id r = FX_R1; r <= FX_R3; r++)
    assert_false(fixture_timer_armed(f, r, PB_TIMER_RESEND));
}

/* The value of `key` as replica `r` answers a get (reads are answered where they are asked). */
static const char *value_at(fixture *f, rs_node_id client, const char *key, rs_node_id r)
{
  const fx_event *got = fixture_run_op(f, client, fx_get(key), r);
  fixture_assert_outcome(got, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(got->replica, r);
  return got->value;
}

/* ---- lost and repeated replication ---- */

static void test_idle_cluster_arms_no_resend_timer_and_sends_each_update_once(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = resending_cluster(BLOCKING, &c);
  assert_quiet(f);
  size_t mark = fixture_mark(f);
  fixture_assert_outcome(fixture_run_op(f, c, fx_put("k", "v"), FX_R1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_REPLICATE), 1);
  assert_quiet(f);
  assert_false(fixture_step(f)); /* nothing left to happen */
  fixture_free(f);
}

static void test_dropped_replicate_is_resent_and_the_backup_catches_up(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = resending_cluster(NONBLOCKING, &c);
  fixture_hold(f, FX_R1, FX_R2);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_put("a", "1"), FX_R1);
  run_for(f, 0.05);
  assert_true(fixture_timer_armed(f, FX_R1, PB_TIMER_RESEND));
  assert_int_equal(fixture_drop(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  fixture_submit(f, c, fx_put("b", "2"), FX_R1);
  run_for(f, 0.05);
  fixture_release(f, FX_R1, FX_R2);

  /* Update 2 arrives first: r2 buffers it and acknowledges nothing. */
  size_t early = fixture_mark(f);
  run_for(f, 0.01);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 0);
  assert_int_equal(fixture_sent(f, early, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 0);

  fixture_run_until_idle(f);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 2);
  assert_string_equal(fixture_event_nth(f, FX_R2, RS_EV_APPLY, 0)->key, "a");
  assert_string_equal(fixture_event_nth(f, FX_R2, RS_EV_APPLY, 1)->key, "b");
  assert_int_equal(fixture_sent_msg(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE, 2).index, 1); /* resent */
  assert_int_equal(fixture_count_events(f, FX_R3, RS_EV_APPLY), 2);
  assert_in_sync(f);
  assert_quiet(f);
  fixture_free(f);
}

static void test_blocking_primary_confirms_after_the_resend(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = resending_cluster(BLOCKING, &c);
  fixture_hold(f, FX_R1, FX_R2);
  size_t mark = fixture_mark(f);
  double t0 = fixture_now(f);
  fixture_submit(f, c, fx_append("k", "x"), FX_R1);
  run_for(f, 0.05);
  assert_int_equal(fixture_drop(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until(f, t0 + 0.19);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 0); /* r2 never acknowledged */

  fixture_run_until_idle(f);
  const fx_sent *reply = fixture_sent_nth(f, mark, FX_R1, c, RS_MSG_REPLY, 0);
  assert_non_null(reply);
  assert_true(reply->sent_at >= t0 + 0.2);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE), 2);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_REPLICATE), 1); /* r3 had it */
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  assert_in_sync(f);
  assert_quiet(f);
  fixture_free(f);
}

static void test_lost_replicate_ack_is_covered_by_the_resend_and_a_second_ack(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = resending_cluster(BLOCKING, &c);
  fixture_hold(f, FX_R2, FX_R1);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_append("k", "x"), FX_R1);
  run_for(f, 0.05);
  assert_int_equal(fixture_drop(f, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 1);
  fixture_release(f, FX_R2, FX_R1);
  fixture_run_until_idle(f);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE), 2);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 2);
  assert_int_equal(fixture_sent_msg(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK, 1).index, 1);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  assert_string_equal(value_at(f, c, "k", FX_R2), "x");
  fixture_free(f);
}

static void test_duplicated_replicate_is_applied_once_and_acknowledged_again(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = resending_cluster(BLOCKING, &c);
  fixture_hold(f, FX_R1, FX_R2);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_append("k", "x"), FX_R1);
  run_for(f, 0.01);
  assert_int_equal(fixture_duplicate(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 2);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 2);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE), 1); /* nothing resent */
  assert_in_sync(f);
  assert_string_equal(value_at(f, c, "k", FX_R2), "x");
  fixture_free(f);
}

/* ---- lost and repeated state transfers ---- */

/* A cluster whose r1 -> r2 link is held from the start, run until r1 has queued r2's STATE. */
static fixture *cluster_with_state_held(bool blocking)
{
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_set_resend(f, 0);
  fixture_hold(f, FX_R1, FX_R2);
  fixture_pb_cluster(f, 3, blocking, false);
  fixture_run_until(f, 0.05);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R2, RS_MSG_STATE), 1);
  return f;
}

static void test_dropped_state_is_resent_and_the_backup_is_installed(void **state)
{
  (void)state;
  fixture *f = cluster_with_state_held(BLOCKING);
  assert_int_equal(fixture_drop(f, FX_R1, FX_R2, RS_MSG_STATE), 1);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until(f, 0.15);
  assert_false(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, 0, FX_R1, FX_R2, RS_MSG_STATE), 2);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R3));
  assert_quiet(f);

  /* r2 now takes part: a blocking write through it completes. */
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  const fx_event *done = fixture_run_op(f, c, fx_append("k", "x"), FX_R2);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  assert_in_sync(f);
  fixture_free(f);
}

static void test_duplicated_state_is_only_acknowledged_again(void **state)
{
  (void)state;
  fixture *f = cluster_with_state_held(BLOCKING);
  assert_int_equal(fixture_duplicate(f, FX_R1, FX_R2, RS_MSG_STATE), 1);
  size_t mark = fixture_mark(f);
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_STATE));
  uint64_t installed = digest(f, FX_R2);
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_STATE));
  assert_int_equal(digest(f, FX_R2), installed);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_STATE_ACK), 2);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_REFUSE), 0);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  assert_int_equal(fixture_sent(f, 0, FX_R1, FX_R2, RS_MSG_STATE), 1); /* no resend needed */
  assert_in_sync(f);
  fixture_free(f);
}

static void test_state_older_than_the_backup_does_not_roll_it_back(void **state)
{
  (void)state;
  fixture *f = cluster_with_state_held(BLOCKING);
  assert_int_equal(fixture_duplicate(f, FX_R1, FX_R2, RS_MSG_STATE), 1); /* a late copy, index 0 */
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_STATE));
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until(f, 0.1);
  fixture_submit(f, c, fx_append("k", "x"), FX_R1);
  fixture_run_until(f, 0.12);
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_REPLICATE));
  fixture_run_until(f, 0.14);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(pb_applied_index(fixture_pb(f, FX_R2)), 1);
  uint64_t before = digest(f, FX_R2);

  size_t mark = fixture_mark(f);
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_STATE)); /* the copy of index 0 */
  assert_int_equal(pb_applied_index(fixture_pb(f, FX_R2)), 1);
  assert_int_equal(digest(f, FX_R2), before);
  assert_int_equal(fixture_sent_msg(f, mark, FX_R2, FX_R1, RS_MSG_STATE_ACK, 0).index, 1);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);
  assert_string_equal(value_at(f, c, "k", FX_R2), "x");
  assert_in_sync(f);
  fixture_free(f);
}

/* ---- lost answers and the client's retry ---- */

/* A client with a half-second timeout sends an append to r2 (forwarded to r1), with r1 -> r2 held. */
static fixture *append_through_r2(rs_node_id *client, size_t *mark)
{
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_set_resend(f, 0);
  fixture_pb_cluster(f, 3, BLOCKING, false);
  *client = fixture_add_client(f, "c1", 0.5, 3);
  fixture_run_until_idle(f);
  fixture_hold(f, FX_R1, FX_R2);
  *mark = fixture_mark(f);
  fixture_submit(f, *client, fx_append("k", "x"), FX_R2);
  return f;
}

static void assert_applied_once_everywhere(fixture *f, rs_node_id c)
{
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), 1);
    assert_string_equal(value_at(f, c, "k", r), "x");
  }
}

static void test_lost_forward_reply_retry_through_another_replica_gets_the_stored_answer(void **state)
{
  (void)state;
  rs_node_id c;
  size_t mark;
  fixture *f = append_through_r2(&c, &mark);
  run_for(f, 0.05);
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_REPLICATE));
  run_for(f, 0.05); /* r2's ack reaches r1, which confirms to r2 (held) */
  assert_int_equal(fixture_drop(f, FX_R1, FX_R2, RS_MSG_FORWARD_REPLY), 1);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);

  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R3);
  assert_int_equal(fixture_sent_msg(f, mark, FX_R3, FX_R1, RS_MSG_FORWARD, 0).seq, 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_FORWARD_REPLY), 1);
  assert_applied_once_everywhere(f, c);
  fixture_free(f);
}

static void test_retry_while_the_update_is_pending_gets_the_answer_when_it_completes(void **state)
{
  (void)state;
  rs_node_id c;
  size_t mark;
  fixture *f = append_through_r2(&c, &mark);
  run_for(f, 0.6); /* the client timed out and retried through r3; r2 has not acknowledged */
  assert_int_equal(fixture_sent(f, mark, FX_R3, FX_R1, RS_MSG_FORWARD), 1);
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 0);
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 1);

  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_REPLICATE));
  run_for(f, 0.05); /* well before the client's next timeout */
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R3);
  /* Both ways the client came get the confirmation; the one to r2 is lost. */
  assert_int_equal(fixture_drop(f, FX_R1, FX_R2, RS_MSG_FORWARD_REPLY), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_FORWARD_REPLY), 1);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 1);
  assert_applied_once_everywhere(f, c);
  fixture_free(f);
}

/* ---- a whole run with random loss and duplication ---- */

static bool token_once(const char *haystack, const char *token)
{
  const char *at = strstr(haystack, token);
  return at && !strstr(at + 1, token);
}

/* Three clients each append 30 distinct tokens to one key through random replicas while 10% of
 * messages are lost and 10% repeated. Every append must be acknowledged, applied exactly once
 * at every replica, and read back once and in its client's order; replicas end identical. */
static void run_appends_under_loss_and_duplication(bool blocking)
{
  enum { CLIENTS = 3, APPENDS = 30 };
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_set_resend(f, 0);
  fixture_pb_cluster(f, 3, blocking, false);
  rs_node_id c[CLIENTS];
  for (int i = 0; i < CLIENTS; i++) {
    char name[8];
    g_snprintf(name, sizeof name, "c%d", i + 1);
    c[i] = fixture_add_client(f, name, 0.5, 40);
  }
  fixture_run_until_idle(f);
  fixture_set_faults(f, 0.10, 0.10);
  size_t start = fixture_mark(f);

  char tokens[CLIENTS][APPENDS][16];
  for (long steps = 0;; steps++) {
    assert_true(steps < 1000000);
    bool all_done = true;
    for (int i = 0; i < CLIENTS; i++) {
      int n = fixture_count_events(f, c[i], RS_EV_COMPLETE);
      if (n < APPENDS && !rs_client_busy(fixture_client(f, c[i]))) {
        g_snprintf(tokens[i][n], sizeof tokens[i][n], "c%d-%02d;", i + 1, n);
        fixture_submit(f, c[i], fx_append("log", tokens[i][n]), RS_NO_NODE);
      }
      all_done = all_done && n == APPENDS;
    }
    if (all_done)
      break;
    assert_true(fixture_step(f));
  }
  fixture_set_faults(f, 0, 0);
  int lost = 0;
  const fx_sent *s;
  for (int i = 0; (s = fixture_sent_nth(f, start, FX_ANY, FX_ANY, FX_ANY_MSG, i)); i++)
    lost += s->dropped;
  assert_true(lost > 20); /* the run did lose messages */
  fixture_run_until_idle(f);

  for (int i = 0; i < CLIENTS; i++)
    for (int k = 0; k < APPENDS; k++)
      fixture_assert_outcome(fixture_event_nth(f, c[i], RS_EV_COMPLETE, k), RS_OUT_OK, RS_ST_SUCCESS);
  assert_in_sync(f);
  assert_quiet(f);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), CLIENTS * APPENDS);
    char *value = g_strdup(value_at(f, c[0], "log", r));
    size_t expected_len = 0;
    for (int i = 0; i < CLIENTS; i++) {
      const char *prev = value;
      for (int k = 0; k < APPENDS; k++) {
        if (!token_once(value, tokens[i][k]))
          fail_msg("replica r%u: token %s is not in the value exactly once", r, tokens[i][k]);
        const char *at = strstr(value, tokens[i][k]);
        assert_true(at >= prev); /* a client's appends land in its order */
        prev = at;
        expected_len += strlen(tokens[i][k]);
      }
    }
    assert_int_equal(strlen(value), expected_len);
    g_free(value);
  }
  fixture_free(f);
}

static void test_blocking_appends_under_10pct_loss_and_duplication_apply_once_and_replicas_agree(void **state)
{
  (void)state;
  run_appends_under_loss_and_duplication(BLOCKING);
}

static void test_nonblocking_appends_under_10pct_loss_and_duplication_apply_once_and_replicas_agree(void **state)
{
  (void)state;
  run_appends_under_loss_and_duplication(NONBLOCKING);
}

/* ---- the view-service read barrier (reads = primary, blocking) ---- */

enum { VS = 4 }; /* with three replicas */

/* View 2 = r1 | r2 r3 with reads at the primary; the clock at 3.5 s. */
static fixture *vs_reads_primary_cluster(bool blocking)
{
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_set_resend(f, 0);
  fx_failover fo = {.failover = RS_FAILOVER_CORE_VIEW_SERVICE, .heartbeat = 1.0, .dead_after = 3,
                    .reads_primary = true};
  fixture_failover_cluster(f, 3, blocking, &fo);
  fixture_run_until(f, 3.5);
  assert_int_equal(vs_get_view(fixture_vs(f, VS))->num, 2);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R1)), PB_ROLE_PRIMARY);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R3));
  return f;
}

/* A request as a client would send it, from a stub that never answers; returns the mark. */
static size_t request(fixture *f, rs_node_id from, rs_node_id to, uint64_t seq, rs_op op)
{
  size_t mark = fixture_mark(f);
  rs_msg m = {.type = RS_MSG_REQUEST, .client = from, .seq = seq, .op = op};
  fixture_inject(f, from, to, &m);
  return mark;
}

static const fx_sent *reply_to(fixture *f, size_t mark, rs_node_id from, rs_node_id to, rs_msg *out)
{
  const fx_sent *s = fixture_sent_nth(f, mark, from, to, RS_MSG_REPLY, 0);
  if (s)
    fixture_decode(s, out);
  return s;
}

static void test_vs_read_barrier_primary_answers_a_read_once_every_backup_acknowledged_it(void **state)
{
  (void)state;
  fixture *f = vs_reads_primary_cluster(BLOCKING);
  rs_node_id c = fixture_add_stub(f, "c1");
  request(f, c, FX_R1, 1, fx_write("u1", "F1", "hello"));
  fixture_run_until(f, 3.6);
  uint64_t index = pb_applied_index(fixture_pb(f, FX_R1));

  fixture_hold(f, FX_R2, FX_R1);
  fixture_hold(f, FX_R3, FX_R1);
  size_t mark = request(f, c, FX_R1, 2, fx_read("u1"));
  fixture_run_until(f, 3.65);
  rs_msg rep = fixture_sent_msg(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE, 0);
  assert_int_equal(rep.op.kind, RS_OP_READ);
  assert_int_equal(rep.index, index + 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_REPLICATE), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 0);

  fixture_release(f, FX_R2, FX_R1);
  fixture_run_until(f, 3.7);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 0); /* r3 has not acked */
  fixture_release(f, FX_R3, FX_R1);
  fixture_run_until(f, 3.75);
  rs_msg answer;
  assert_non_null(reply_to(f, mark, FX_R1, c, &answer));
  assert_int_equal(answer.res.status, RS_ST_SUCCESS);
  assert_true(rs_bytes_eq_str(answer.res.value, "hello"));
  /* The read took a number everywhere but changed nothing and fed no write log. */
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), 1);
    assert_int_equal(pb_applied_index(fixture_pb(f, r)), index + 1);
  }
  assert_in_sync(f);

  /* A read of a file that does not exist goes the same way. */
  mark = request(f, c, FX_R1, 3, fx_read("u9"));
  fixture_run_until(f, 3.8);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  assert_non_null(reply_to(f, mark, FX_R1, c, &answer));
  assert_int_equal(answer.res.status, RS_ST_FILE_DOES_NOT_EXIST);
  assert_true(fixture_sent_nth(f, mark, FX_R3, FX_R1, RS_MSG_REPLICATE_ACK, 0)->serial <
              fixture_sent_nth(f, mark, FX_R1, c, RS_MSG_REPLY, 0)->serial);
  fixture_free(f);
}

static void test_vs_stale_primary_cut_off_from_the_service_answers_no_read_after_the_new_view(void **state)
{
  (void)state;
  fixture *f = vs_reads_primary_cluster(BLOCKING);
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 3);
  rs_node_id stub = fixture_add_stub(f, "c2");
  fixture_run_until(f, 3.6);
  assert_int_equal(rs_client_primary(fixture_client(f, c)), FX_R1);
  fixture_submit(f, c, fx_write("u1", "F1", "hello"), RS_NO_NODE);
  fixture_run_until(f, 3.7);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);

  fixture_cut(f, FX_R1, VS);
  fixture_run_until(f, 8.5);
  assert_int_equal(vs_get_view(fixture_vs(f, VS))->primary, FX_R2);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R2)), PB_ROLE_PRIMARY);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R1)), PB_ROLE_PRIMARY); /* it has not heard */

  /* r1 still takes reads, but its backups now follow r2 and refuse to acknowledge them. */
  size_t mark = request(f, stub, FX_R1, 1, fx_read("u1"));
  fixture_run_until(f, 9.5);
  assert_true(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE) >= 2); /* resent, in vain */
  assert_int_equal(fixture_sent(f, mark, FX_R1, stub, RS_MSG_REPLY), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R3, FX_R1, RS_MSG_REPLICATE_ACK), 0);
  assert_int_equal(fixture_event_nth(f, FX_R3, RS_EV_REFUSE, -1)->msg_type, RS_MSG_REPLICATE);

  /* The client tries the primary it knows, times out, asks the service and reads at r2. */
  mark = fixture_mark(f);
  fixture_submit(f, c, fx_read("u1"), RS_NO_NODE);
  fixture_run_until(f, 11.0);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(done->value, "hello");
  assert_int_equal(done->replica, FX_R2);
  assert_int_equal(fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 0)->to, FX_R1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R3, RS_MSG_REPLICATE), 1); /* r2's own barrier */
  fixture_free(f);
}

static void test_vs_nonblocking_primary_answers_reads_at_once_without_replicating_them(void **state)
{
  (void)state;
  fixture *f = vs_reads_primary_cluster(NONBLOCKING);
  rs_node_id c = fixture_add_stub(f, "c1");
  size_t mark = request(f, c, FX_R1, 1, fx_read("u1"));
  fixture_run_until(f, 3.6);
  rs_msg answer;
  assert_non_null(reply_to(f, mark, FX_R1, c, &answer));
  assert_int_equal(answer.res.status, RS_ST_FILE_DOES_NOT_EXIST);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_REPLICATE), 0);
  assert_int_equal(pb_applied_index(fixture_pb(f, FX_R1)), 0);
  fixture_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_idle_cluster_arms_no_resend_timer_and_sends_each_update_once),
      FX_TEST(test_dropped_replicate_is_resent_and_the_backup_catches_up),
      FX_TEST(test_blocking_primary_confirms_after_the_resend),
      FX_TEST(test_lost_replicate_ack_is_covered_by_the_resend_and_a_second_ack),
      FX_TEST(test_duplicated_replicate_is_applied_once_and_acknowledged_again),
      FX_TEST(test_dropped_state_is_resent_and_the_backup_is_installed),
      FX_TEST(test_duplicated_state_is_only_acknowledged_again),
      FX_TEST(test_state_older_than_the_backup_does_not_roll_it_back),
      FX_TEST(test_lost_forward_reply_retry_through_another_replica_gets_the_stored_answer),
      FX_TEST(test_retry_while_the_update_is_pending_gets_the_answer_when_it_completes),
      FX_TEST(test_blocking_appends_under_10pct_loss_and_duplication_apply_once_and_replicas_agree),
      FX_TEST(test_nonblocking_appends_under_10pct_loss_and_duplication_apply_once_and_replicas_agree),
      FX_TEST(test_vs_read_barrier_primary_answers_a_read_once_every_backup_acknowledged_it),
      FX_TEST(test_vs_stale_primary_cut_off_from_the_service_answers_no_read_after_the_new_view),
      FX_TEST(test_vs_nonblocking_primary_answers_reads_at_once_without_replicating_them),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
