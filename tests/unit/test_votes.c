/* Unit tests for seed 002's poll: the votes app's ballot logic (core/apps/votes.c) and the voter
 * (core/voter.c) against a tiny recording host. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/apps/votes.h"
#include "core/voter.h"

/* ---- the votes app ---- */

static rs_result run(void *s, uint8_t kind, const char *key, const char *name, const char *value,
                     const char *expected)
{
  rs_op op = {.kind = kind, .key = rs_bytes_str(key), .name = name ? rs_bytes_str(name) : RS_BYTES_NULL,
              .value = value ? rs_bytes_str(value) : RS_BYTES_NULL,
              .expected = expected ? rs_bytes_str(expected) : RS_BYTES_NULL};
  rs_result r;
  memset(&r, 0xab, sizeof r); /* execute must set every field */
  rs_app_votes.execute(s, &op, 1, RS_APPLY_ORDERED, &r);
  return r;
}

static void assert_value(rs_result r, const char *want)
{
  assert_non_null(r.value.ptr);
  assert_int_equal(r.value.len, strlen(want));
  assert_memory_equal(r.value.ptr, want, r.value.len);
}

static void test_ballot_counts_each_voter_once(void **unused)
{
  (void)unused;
  void *s = rs_app_votes.create();
  assert_int_equal(run(s, RS_OP_OPEN, "1", "1", NULL, NULL).status, RS_ST_SUCCESS);
  assert_int_equal(run(s, RS_OP_VOTE, "1", "7", "yes", "1").status, RS_ST_SUCCESS);
  assert_int_equal(run(s, RS_OP_VOTE, "1", "8", "no", "1").status, RS_ST_SUCCESS);
  assert_int_equal(run(s, RS_OP_VOTE, "1", "7", "no", "1").status, RS_ST_SUCCESS); /* counted once */
  assert_null(run(s, RS_OP_RESULT, "1", NULL, NULL, NULL).value.ptr);           /* open: no result */
  rs_result closed = run(s, RS_OP_CLOSE, "1", NULL, NULL, NULL);
  assert_int_equal(closed.status, RS_ST_SUCCESS);
  assert_value(closed, "1 1");
  assert_int_equal(run(s, RS_OP_VOTE, "1", "9", "yes", "1").status, RS_ST_BALLOT_CLOSED);
  assert_value(run(s, RS_OP_RESULT, "1", NULL, NULL, NULL), "1 1");
  const votes_ballot *b = votes_find(s, 1);
  assert_non_null(b);
  assert_int_equal(b->opener, 1);
  assert_true(b->closed);
  assert_int_equal(b->voters->len, 2);
  rs_app_votes.destroy(s);
}

/* A vote for a ballot whose OPEN died with its primary opens it, under the opener it names. */
static void test_vote_opens_unknown_ballot(void **unused)
{
  (void)unused;
  void *s = rs_app_votes.create();
  assert_int_equal(run(s, RS_OP_VOTE, "4", "3", "no", "2").status, RS_ST_SUCCESS);
  const votes_ballot *b = votes_find(s, 4);
  assert_non_null(b);
  assert_int_equal(b->opener, 2);
  assert_int_equal(b->no, 1);
  assert_int_equal(votes_last_seq(s), 4);
  assert_int_equal(run(s, RS_OP_VOTE, "x", "3", "no", "2").status, RS_ST_BAD_REQUEST);
  assert_int_equal(run(s, RS_OP_VOTE, "5", "3", "maybe", "2").status, RS_ST_BAD_REQUEST);
  rs_app_votes.destroy(s);
}

static void test_snapshot_restore_digest(void **unused)
{
  (void)unused;
  void *a = rs_app_votes.create(), *b = rs_app_votes.create();
  run(a, RS_OP_OPEN, "1", "1", NULL, NULL);
  run(a, RS_OP_VOTE, "1", "5", "yes", "1");
  run(a, RS_OP_VOTE, "1", "3", "no", "1");
  run(a, RS_OP_CLOSE, "1", NULL, NULL, NULL);
  run(a, RS_OP_OPEN, "2", "1", NULL, NULL);
  GByteArray *snap = g_byte_array_new();
  rs_app_votes.snapshot(a, snap);
  assert_true(rs_app_votes.restore(b, snap->data, snap->len));
  assert_int_equal(rs_app_votes.digest(a), rs_app_votes.digest(b));
  assert_value(run(b, RS_OP_RESULT, "1", NULL, NULL, NULL), "1 1");
  /* A different state, a different digest; a malformed snapshot is refused and changes nothing. */
  run(b, RS_OP_VOTE, "2", "5", "yes", "1");
  assert_int_not_equal(rs_app_votes.digest(a), rs_app_votes.digest(b));
  uint64_t before = rs_app_votes.digest(b);
  assert_false(rs_app_votes.restore(b, snap->data, snap->len - 1));
  assert_int_equal(rs_app_votes.digest(b), before);
  g_byte_array_free(snap, TRUE);
  rs_app_votes.destroy(a);
  rs_app_votes.destroy(b);
}

/* Real mode's store keeps one update per ballot (entry) and rebuilds a state from them (replay):
 * the state comes back exactly, and a ballot written whole that does not add up is refused. */
static void replay_into(void *arg, const rs_op *op, uint64_t version)
{
  rs_result r;
  rs_app_votes.execute(arg, op, version, RS_APPLY_QUORUM, &r);
  assert_int_equal(r.status, RS_ST_SUCCESS);
}

static void test_whole_ballots_rebuild_the_state(void **unused)
{
  (void)unused;
  void *s = rs_app_votes.create();
  run(s, RS_OP_OPEN, "1", "2", NULL, NULL);
  run(s, RS_OP_VOTE, "1", "7", "yes", "2");
  run(s, RS_OP_VOTE, "1", "5", "no", "2");
  run(s, RS_OP_CLOSE, "1", NULL, NULL, NULL);
  run(s, RS_OP_OPEN, "2", "3", NULL, NULL);
  GByteArray *snap = g_byte_array_new();
  rs_app_votes.snapshot(s, snap);
  void *fresh = rs_app_votes.create();
  assert_true(rs_app_votes.replay(snap->data, snap->len, replay_into, fresh));
  assert_int_equal(rs_app_votes.digest(fresh), rs_app_votes.digest(s));
  rs_op whole;
  uint64_t version = 1;
  assert_true(rs_app_votes.entry(s, rs_bytes_str("1"), &whole, &version));
  assert_int_equal(whole.kind, RS_OP_OPEN);
  assert_int_equal(version, 0);
  assert_int_equal(whole.value.len, strlen("1 1 1 5,7"));
  assert_memory_equal(whole.value.ptr, "1 1 1 5,7", whole.value.len);
  assert_true(rs_app_votes.entry(s, rs_bytes_str("2"), &whole, &version));
  assert_memory_equal(whole.value.ptr, "0 0 0", whole.value.len);
  assert_false(rs_app_votes.entry(s, rs_bytes_str("9"), &whole, &version));
  const char *bad[] = {"1 2 1 5,7", "1 1 1 7,5", "2 0 0", "0 0 0 ", "0 1 0 x", "0 1", "1 1 1 5,,7"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    assert_int_equal(run(fresh, RS_OP_OPEN, "3", "1", bad[i], NULL).status, RS_ST_BAD_REQUEST);
  assert_false(rs_app_votes.entry(fresh, rs_bytes_str("3"), &whole, &version));
  g_byte_array_free(snap, TRUE);
  rs_app_votes.destroy(s);
  rs_app_votes.destroy(fresh);
}

/* ---- the voter, against a recording host ---- */

typedef struct rec_host {
  GPtrArray *sent;   /* rec_msg* */
  GPtrArray *lines;  /* char*: RS_EV_LOG lines */
  GPtrArray *ops;    /* char*: "invoke vote 3", "ok result 3 12 8", ... */
  bool armed[4];
  uint64_t draw;
} rec_host;

typedef struct rec_msg {
  rs_node_id to;
  rs_msg m; /* scalar fields only */
  char op_value[8];
} rec_msg;

static void rh_send(void *ctx, rs_node_id to, const rs_msg *m)
{
  rec_host *h = ctx;
  rec_msg *r = g_new0(rec_msg, 1);
  r->to = to;
  r->m = *m;
  r->m.op = (rs_op){.kind = m->op.kind};
  if (m->op.value.ptr)
    g_snprintf(r->op_value, sizeof r->op_value, "%.*s", (int)m->op.value.len, m->op.value.ptr);
  g_ptr_array_add(h->sent, r);
}
static void rh_arm(void *ctx, int timer, double delay)
{
  (void)delay;
  ((rec_host *)ctx)->armed[timer & 3] = true;
}
static void rh_cancel(void *ctx, int timer) { ((rec_host *)ctx)->armed[timer & 3] = false; }
static double rh_now(void *ctx)
{
  (void)ctx;
  return 0;
}
static uint64_t rh_random(void *ctx) { return ((rec_host *)ctx)->draw; }
static void rh_event(void *ctx, const rs_event *ev)
{
  rec_host *h = ctx;
  if (ev->type == RS_EV_LOG)
    g_ptr_array_add(h->lines, g_strdup(ev->text));
  else if (ev->type == RS_EV_INVOKE || ev->type == RS_EV_COMPLETE)
    g_ptr_array_add(h->ops, g_strdup_printf("%s%s %s %.*s%s%.*s", ev->type == RS_EV_INVOKE ? "invoke" : "done",
                                            ev->lane ? ":results" : "", rs_op_name(ev->op->kind),
                                            (int)ev->op->key.len, ev->op->key.ptr, ev->res && ev->res->value.ptr ? " " : "",
                                            ev->res && ev->res->value.ptr ? (int)ev->res->value.len : 0,
                                            ev->res && ev->res->value.ptr ? ev->res->value.ptr : ""));
}

static rec_host *rec_new(void)
{
  rec_host *h = g_new0(rec_host, 1);
  h->sent = g_ptr_array_new_with_free_func(g_free);
  h->lines = g_ptr_array_new_with_free_func(g_free);
  h->ops = g_ptr_array_new_with_free_func(g_free);
  return h;
}

static void rec_free(rec_host *h)
{
  g_ptr_array_free(h->sent, TRUE);
  g_ptr_array_free(h->lines, TRUE);
  g_ptr_array_free(h->ops, TRUE);
  g_free(h);
}

static rs_voter *voter_on(rec_host *h)
{
  rs_host host = {.ctx = h, .send = rh_send, .timer_arm = rh_arm, .timer_cancel = rh_cancel, .now = rh_now,
                  .random = rh_random, .event = rh_event};
  rs_voter_config cfg = {.self = 10, .yes = 0.5, .timeout = 1, .attempts = 2, .gap_wait = 5, .n_servers = 2,
                         .servers = {1, 2}};
  return rs_voter_new(&cfg, &host);
}

static void ballot(rs_voter *v, rs_node_id from, uint64_t seq, rs_node_id opener)
{
  rs_msg m = {.type = RS_MSG_BALLOT, .seq = seq, .origin = opener};
  rs_voter_handle(v, from, &m);
}

static void result(rs_voter *v, uint64_t seq, rs_node_id opener, const char *counts)
{
  rs_msg m = {.type = RS_MSG_RESULT, .seq = seq, .origin = opener};
  m.res.status = RS_ST_SUCCESS;
  m.res.value = rs_bytes_str(counts);
  rs_voter_handle(v, opener, &m);
}

static void reply(rs_voter *v, rs_node_id from, uint64_t seq, uint8_t status)
{
  rs_msg m = {.type = RS_MSG_REPLY, .client = 10, .seq = seq};
  m.res.status = status;
  rs_voter_handle(v, from, &m);
}

static const char *line(rec_host *h, guint i) { return g_ptr_array_index(h->lines, i); }

/* A vote goes to both servers with one request id, one at a time; NOT PRIMARY is no answer. */
static void test_voter_votes_to_both_one_at_a_time(void **unused)
{
  (void)unused;
  rec_host *h = rec_new();
  h->draw = 0; /* 0 < 0.5: yes */
  rs_voter *v = voter_on(h);
  ballot(v, 1, 1, 1);
  ballot(v, 1, 1, 1); /* the same ballot id again: no second vote */
  ballot(v, 1, 2, 1);
  assert_int_equal(h->sent->len, 2);
  const rec_msg *a = g_ptr_array_index(h->sent, 0), *b = g_ptr_array_index(h->sent, 1);
  assert_int_equal(a->to, 1);
  assert_int_equal(b->to, 2);
  assert_int_equal(a->m.type, RS_MSG_REQUEST);
  assert_int_equal(a->m.seq, b->m.seq);
  assert_int_equal(a->m.op.kind, RS_OP_VOTE);
  assert_string_equal(a->op_value, "yes");
  reply(v, 2, a->m.seq, RS_ST_NOT_PRIMARY);
  assert_int_equal(h->sent->len, 2); /* still waiting */
  assert_true(rs_voter_busy(v));
  reply(v, 1, a->m.seq, RS_ST_SUCCESS);
  assert_int_equal(h->sent->len, 4); /* ballot 2's vote now */
  reply(v, 2, a->m.seq, RS_ST_SUCCESS); /* the other copy of the first answer: ignored */
  assert_int_equal(h->sent->len, 4);
  reply(v, 1, a->m.seq + 1, RS_ST_BALLOT_CLOSED);
  assert_false(rs_voter_busy(v));
  assert_string_equal(g_ptr_array_index(h->ops, 0), "invoke vote 1");
  rs_voter_free(v);
  rec_free(h);
}

/* VIEW decides where votes go: the primary alone while its backup restarts, both once joined. */
static void test_voter_follows_views(void **unused)
{
  (void)unused;
  rec_host *h = rec_new();
  rs_voter *v = voter_on(h);
  rs_msg alone = {.type = RS_MSG_VIEW, .view = 1, .node = 1};
  rs_voter_handle(v, 1, &alone);
  ballot(v, 1, 1, 1);
  assert_int_equal(h->sent->len, 1);
  reply(v, 1, ((rec_msg *)g_ptr_array_index(h->sent, 0))->m.seq, RS_ST_SUCCESS);
  rs_msg both = {.type = RS_MSG_VIEW, .view = 1, .node = 1, .n_nodes = 1, .nodes = {3}};
  rs_voter_handle(v, 1, &both);
  rs_msg old = {.type = RS_MSG_VIEW, .view = 0, .node = 2};
  rs_voter_handle(v, 2, &old); /* an older epoch changes nothing */
  ballot(v, 1, 2, 1);
  assert_int_equal(h->sent->len, 3);
  assert_int_equal(((rec_msg *)g_ptr_array_index(h->sent, 1))->to, 1);
  assert_int_equal(((rec_msg *)g_ptr_array_index(h->sent, 2))->to, 3);
  rs_voter_free(v);
  rec_free(h);
}

/* One line per ballot, in ballot order; duplicates (same id) dropped; a gap waits, then is left. */
static void test_voter_logs_once_in_order(void **unused)
{
  (void)unused;
  rec_host *h = rec_new();
  rs_voter *v = voter_on(h);
  result(v, 2, 1, "3 4");
  assert_int_equal(h->lines->len, 0); /* waits for ballot 1 */
  assert_true(h->armed[VOTER_TIMER_GAP]);
  result(v, 1, 1, "5 2");
  result(v, 1, 1, "5 2"); /* a promoted backup resends it: dropped */
  result(v, 2, 1, "3 4");
  assert_int_equal(h->lines->len, 2);
  assert_string_equal(line(h, 0), "1 5 2");
  assert_string_equal(line(h, 1), "2 3 4");
  assert_string_equal(g_ptr_array_index(h->ops, 0), "invoke:results result 1");
  assert_string_equal(g_ptr_array_index(h->ops, 1), "done:results result 1 5 2");
  /* Ballot 3's result never comes: 4 waits, then is logged with the gap left. */
  result(v, 4, 2, "1 1");
  assert_int_equal(h->lines->len, 2);
  rs_voter_timer(v, VOTER_TIMER_GAP);
  assert_int_equal(h->lines->len, 3);
  assert_string_equal(line(h, 2), "4 1 1");
  assert_int_equal(rs_voter_next(v), 5);
  /* Split brain: another primary's result for ballot 2 (another id) is logged too. */
  result(v, 2, 2, "0 7");
  assert_int_equal(h->lines->len, 4);
  assert_string_equal(line(h, 3), "2 0 7");
  assert_int_equal(rs_voter_logged(v), 4);
  rs_voter_free(v);
  rec_free(h);
}

/* Two gaps: once the first is left, the results behind the second wait their own gap_wait and
 * are logged then (not held for ever). */
static void test_voter_leaves_a_second_gap_too(void **unused)
{
  (void)unused;
  rec_host *h = rec_new();
  rs_voter *v = voter_on(h);
  result(v, 2, 1, "1 0"); /* 1 missing */
  result(v, 4, 1, "2 0"); /* 3 missing */
  h->armed[VOTER_TIMER_GAP] = false; /* it fires */
  rs_voter_timer(v, VOTER_TIMER_GAP);
  assert_int_equal(h->lines->len, 1);
  assert_string_equal(line(h, 0), "2 1 0");
  assert_true(h->armed[VOTER_TIMER_GAP]); /* 4 waits for 3 */
  rs_voter_timer(v, VOTER_TIMER_GAP);
  assert_int_equal(h->lines->len, 2);
  assert_string_equal(line(h, 1), "4 2 0");
  assert_false(rs_voter_busy(v));
  rs_voter_free(v);
  rec_free(h);
}

/* A vote nobody answers is sent again on the timer, then ends as unknown (info). */
static void test_voter_gives_up_as_info(void **unused)
{
  (void)unused;
  rec_host *h = rec_new();
  h->draw = 999999; /* not below 500000: no */
  rs_voter *v = voter_on(h);
  ballot(v, 2, 1, 1); /* asked by 2, which is in the list already */
  assert_int_equal(h->sent->len, 2);
  assert_string_equal(((rec_msg *)g_ptr_array_index(h->sent, 0))->op_value, "no");
  rs_voter_timer(v, VOTER_TIMER_RETRY);
  assert_int_equal(h->sent->len, 4);
  rs_voter_timer(v, VOTER_TIMER_RETRY); /* attempts = 2: done */
  assert_false(rs_voter_busy(v));
  assert_string_equal(g_ptr_array_index(h->ops, 1), "done vote 1");
  rs_voter_free(v);
  rec_free(h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ballot_counts_each_voter_once),
      cmocka_unit_test(test_vote_opens_unknown_ballot),
      cmocka_unit_test(test_snapshot_restore_digest),
      cmocka_unit_test(test_whole_ballots_rebuild_the_state),
      cmocka_unit_test(test_voter_votes_to_both_one_at_a_time),
      cmocka_unit_test(test_voter_follows_views),
      cmocka_unit_test(test_voter_logs_once_in_order),
      cmocka_unit_test(test_voter_leaves_a_second_gap_too),
      cmocka_unit_test(test_voter_gives_up_as_info),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
