/* Unit tests for primary-backup replication (core/pb_replica.c), blocking and non-blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 4 };
#define BLOCKING true
#define NONBLOCKING false

/* Three replicas (r1 is the primary) and one client "c1" that knows them, all quiet. */
static fixture *ready_cluster(bool blocking, bool reads_primary, const rs_app_ops *app, rs_node_id *client)
{
  fixture *f = fixture_new(SEED, app);
  fixture_pb_cluster(f, 3, blocking, reads_primary);
  *client = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R1)), PB_ROLE_PRIMARY);
  assert_true(rs_client_ready(fixture_client(f, *client)));
  return f;
}

static uint64_t digest(fixture *f, rs_node_id r)
{
  rs_app *app = fixture_app(f, r);
  return app->ops->digest(app->state);
}

/* ---- the write path ---- */

/* Persist before acknowledge (etcd's raft): a backup acknowledges an update, and a primary
 * answers it, only once the host said the store change is durable. */
static void test_update_is_acknowledged_only_once_its_store_change_is_durable(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_kv, &c);
  fixture_hold_disk(f, FX_R2);
  fixture_hold_disk(f, FX_R1);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_put("k", "v"), FX_R1);
  fixture_run_until(f, fixture_now(f) + 0.5);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R3, FX_R1, RS_MSG_REPLICATE_ACK), 1);
  fixture_release_disk(f, FX_R2);
  fixture_run_until(f, fixture_now(f) + 0.5);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 0); /* the primary's own disk */
  fixture_release_disk(f, FX_R1);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 1);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_free(f);
}

/* Issue 12: an answer computed from the primary's state must not depend on an update a failover
 * could still undo. An append waits for its backups; a cas that the append makes fail, and a read
 * that would see it, are answered only once the append is committed. */
static void test_blocking_primary_answers_nothing_that_depends_on_an_uncommitted_update(void **state)
{
  (void)state;
  rs_node_id c1;
  fixture *f = ready_cluster(BLOCKING, true, &rs_app_kv, &c1);
  rs_node_id c2 = fixture_add_client(f, "c2", 1.0, 3);
  rs_node_id c3 = fixture_add_client(f, "c3", 1.0, 3);
  fixture_run_op(f, c1, fx_put("k", "a"), FX_R1);
  fixture_hold(f, FX_R1, FX_R2); /* the append reaches r3 but not r2 */
  size_t mark = fixture_mark(f);
  fixture_submit(f, c1, fx_append("k", "b"), FX_R1);
  fixture_run_until(f, 0.1 + fixture_now(f));
  rs_op cas = {.kind = RS_OP_CAS, .key = rs_bytes_str("k"), .expected = rs_bytes_str("a"), .value = rs_bytes_str("c")};
  fixture_submit(f, c2, cas, FX_R1);
  fixture_submit(f, c3, fx_get("k"), FX_R1);
  fixture_run_until(f, 0.2 + fixture_now(f));
  assert_int_equal(fixture_sent(f, mark, FX_R1, c2, RS_MSG_REPLY), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c3, RS_MSG_REPLY), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c1, RS_MSG_REPLY), 0);

  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);
  fixture_assert_outcome(fixture_event_nth(f, c1, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_assert_outcome(fixture_event_nth(f, c2, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_CAS_MISMATCH);
  const fx_event *got = fixture_event_nth(f, c3, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(got, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(got->value, "ab");
  /* The cas answer left only after the append's acknowledgements came back. */
  assert_true(fixture_event_nth(f, c2, RS_EV_COMPLETE, -1)->t >= fixture_event_nth(f, c1, RS_EV_COMPLETE, -1)->t);
  fixture_free(f);
}

static void test_blocking_primary_waits_for_every_ack(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c);
  fixture_hold(f, FX_ANY, FX_ANY);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_write("u1", "F1", "hello"), FX_R1);

  assert_true(fixture_deliver_one(f, c, FX_R1, RS_MSG_REQUEST));
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_REPLICATE), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, FX_ANY_MSG), 0);

  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_REPLICATE));
  assert_true(fixture_deliver_one(f, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK));
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, FX_ANY_MSG), 0);

  assert_true(fixture_deliver_one(f, FX_R1, FX_R3, RS_MSG_REPLICATE));
  assert_true(fixture_deliver_one(f, FX_R3, FX_R1, RS_MSG_REPLICATE_ACK));
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 1);
  rs_msg reply = fixture_sent_msg(f, mark, FX_R1, c, RS_MSG_REPLY, 0);
  assert_int_equal(reply.res.status, RS_ST_SUCCESS);
  assert_int_equal(reply.client, c);
  assert_int_equal(reply.seq, 1);

  assert_true(fixture_deliver_one(f, FX_R1, c, RS_MSG_REPLY));
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_free(f);
}

static void test_nonblocking_primary_confirms_before_backups_ack(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(NONBLOCKING, false, &rs_app_files, &c);
  fixture_hold(f, FX_ANY, FX_ANY);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_write("u1", "F1", "hello"), FX_R1);

  assert_true(fixture_deliver_one(f, c, FX_R1, RS_MSG_REQUEST));
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, RS_MSG_REPLY), 1);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 1);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R3, RS_MSG_REPLICATE), 1);

  assert_true(fixture_deliver_one(f, FX_R1, c, RS_MSG_REPLY));
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 0);
  assert_int_equal(fixture_count_events(f, FX_R3, RS_EV_APPLY), 0);

  fixture_release(f, FX_ANY, FX_ANY);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  assert_int_equal(fixture_count_events(f, FX_R3, RS_EV_APPLY), 1);
  fixture_free(f);
}

static void test_write_sent_to_a_backup_is_forwarded_and_answered_through_that_backup(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c);
  size_t mark = fixture_mark(f);
  const fx_event *done = fixture_run_op(f, c, fx_write("u1", "F1", "hello"), FX_R2);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R2);

  rs_msg fwd = fixture_sent_msg(f, mark, FX_R2, FX_R1, RS_MSG_FORWARD, 0);
  assert_int_equal(fwd.origin, FX_R2);
  assert_int_equal(fwd.client, c);
  assert_int_equal(fwd.seq, 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_FORWARD_REPLY), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R2, c, RS_MSG_REPLY), 1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, c, FX_ANY_MSG), 0);
  /* Blocking: the primary confirms to r2 only after both backups acknowledged. */
  uint64_t confirmed = fixture_sent_nth(f, mark, FX_R1, FX_R2, RS_MSG_FORWARD_REPLY, 0)->serial;
  assert_true(fixture_sent_nth(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK, 0)->serial < confirmed);
  assert_true(fixture_sent_nth(f, mark, FX_R3, FX_R1, RS_MSG_REPLICATE_ACK, 0)->serial < confirmed);
  fixture_free(f);
}

/* ---- order ---- */

static void assert_applied_keys(fixture *f, rs_node_id r, const char *const *keys, int n)
{
  assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), n);
  for (int i = 0; i < n; i++)
    assert_string_equal(fixture_event_nth(f, r, RS_EV_APPLY, i)->key, keys[i]);
}

static void test_updates_reach_backups_in_primary_order_when_delivered_out_of_order(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(NONBLOCKING, false, &rs_app_files, &c);
  fixture_hold(f, FX_R1, FX_R2);
  const char *const keys[] = {"u1", "u2", "u3"};
  for (int i = 0; i < 3; i++)
    fixture_run_op(f, c, fx_write(keys[i], keys[i], "x"), FX_R1);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 3);
  size_t mark = fixture_mark(f);

  assert_true(fixture_deliver_nth(f, FX_R1, FX_R2, RS_MSG_REPLICATE, 2));
  assert_true(fixture_deliver_nth(f, FX_R1, FX_R2, RS_MSG_REPLICATE, 1));
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 0);

  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_REPLICATE));
  assert_applied_keys(f, FX_R2, keys, 3);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK), 1);
  assert_int_equal(fixture_sent_msg(f, mark, FX_R2, FX_R1, RS_MSG_REPLICATE_ACK, 0).index, 3);
  assert_int_equal(pb_applied_index(fixture_pb(f, FX_R2)), 3);
  assert_int_equal(digest(f, FX_R2), digest(f, FX_R1));
  fixture_free(f);
}

static void test_blocking_primary_confirms_in_order_once_a_cumulative_ack_arrives(void **state)
{
  (void)state;
  rs_node_id c1;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c1);
  rs_node_id c2 = fixture_add_client(f, "c2", 1.0, 3);
  fixture_run_until_idle(f);
  fixture_hold(f, FX_R1, FX_R2);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c1, fx_write("u1", "F1", "a"), FX_R1);
  fixture_submit(f, c2, fx_write("u2", "F2", "b"), FX_R1);
  fixture_run_until(f, 0.5);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 2);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_REPLY), 0);

  assert_true(fixture_deliver_nth(f, FX_R1, FX_R2, RS_MSG_REPLICATE, 1));
  fixture_run_until(f, 0.6);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_REPLY), 0);

  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_REPLICATE));
  fixture_run_until(f, 0.7);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_REPLY), 2);
  assert_int_equal(fixture_sent_nth(f, mark, FX_R1, FX_ANY, RS_MSG_REPLY, 0)->to, c1);
  assert_int_equal(fixture_sent_nth(f, mark, FX_R1, FX_ANY, RS_MSG_REPLY, 1)->to, c2);
  fixture_assert_outcome(fixture_event_nth(f, c1, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_assert_outcome(fixture_event_nth(f, c2, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_free(f);
}

/* ---- refusals ---- */

static void test_backup_refuses_replicate_from_a_node_that_is_not_its_primary(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c);
  uint64_t before = digest(f, FX_R2);
  size_t mark = fixture_mark(f);
  rs_msg m = {.type = RS_MSG_REPLICATE, .index = 1, .op = fx_write("u1", "F1", "forged")};
  m.res.version = 1;
  fixture_inject(f, FX_R3, FX_R2, &m);
  fixture_run_until_idle(f);

  const fx_event *e = fixture_event_nth(f, FX_R2, RS_EV_REFUSE, 0);
  assert_non_null(e);
  assert_int_equal(e->from, FX_R3);
  assert_int_equal(e->msg_type, RS_MSG_REPLICATE);
  assert_string_equal(e->why, "not from the primary");
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 0);
  assert_int_equal(pb_applied_index(fixture_pb(f, FX_R2)), 0);
  assert_int_equal(digest(f, FX_R2), before);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_ANY, FX_ANY_MSG), 0);
  fixture_free(f);
}

static void test_primary_refuses_replicate_and_says_it_is_the_primary(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c);
  rs_msg m = {.type = RS_MSG_REPLICATE, .index = 1, .op = fx_write("u1", "F1", "forged")};
  fixture_inject(f, FX_R2, FX_R1, &m);
  fixture_run_until_idle(f);
  const fx_event *e = fixture_event_nth(f, FX_R1, RS_EV_REFUSE, 0);
  assert_non_null(e);
  assert_string_equal(e->why, "I am the primary");
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 0);
  fixture_free(f);
}

static void test_refused_update_is_not_replicated(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c);
  fixture_run_op(f, c, fx_write("u1", "F1", "a"), FX_R1);
  fixture_run_op(f, c, fx_delete("u1"), FX_R1);
  fixture_run_op(f, c, fx_write("u2", "F2", "b"), FX_R1);
  size_t mark = fixture_mark(f);
  fixture_assert_outcome(fixture_run_op(f, c, fx_write("u1", "F1", "again"), FX_R1), RS_OUT_OK,
                         RS_ST_DELETED_FILE_CANNOT_BE_UPDATED);
  fixture_assert_outcome(fixture_run_op(f, c, fx_write("u3", "F2", "clash"), FX_R1), RS_OUT_OK,
                         RS_ST_FILE_SAME_NAME_EXISTS);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_REPLICATE), 0);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), 3);
    assert_int_equal(pb_applied_index(fixture_pb(f, r)), 3);
  }
  fixture_free(f);
}

/* ---- reads ---- */

static void test_backup_answers_a_read_itself(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_files, &c);
  fixture_run_op(f, c, fx_write("u1", "F1", "hello"), FX_R1);
  size_t mark = fixture_mark(f);
  const fx_event *done = fixture_run_op(f, c, fx_read("u1"), FX_R2);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(done->value, "hello");
  assert_int_equal(done->replica, FX_R2);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_ANY, FX_ANY_MSG), 1); /* only the REPLY */
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, FX_ANY_MSG), 0);
  fixture_free(f);
}

static void test_nonblocking_backup_read_can_be_stale(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(NONBLOCKING, false, &rs_app_files, &c);
  fixture_hold(f, FX_R1, FX_R2);
  fixture_assert_outcome(fixture_run_op(f, c, fx_write("u1", "F1", "hello"), FX_R1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_assert_outcome(fixture_run_op(f, c, fx_read("u1"), FX_R2), RS_OUT_OK, RS_ST_FILE_DOES_NOT_EXIST);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until_idle(f);
  const fx_event *fresh = fixture_run_op(f, c, fx_read("u1"), FX_R2);
  fixture_assert_outcome(fresh, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(fresh->value, "hello");
  fixture_free(f);
}

static void test_reads_primary_sends_a_backup_read_to_the_primary(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(NONBLOCKING, true, &rs_app_files, &c);
  fixture_hold(f, FX_R1, FX_R2); /* r2 never hears of the write */
  fixture_run_op(f, c, fx_write("u1", "F1", "hello"), FX_R1);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_read("u1"), FX_R2);
  fixture_run_until(f, 0.5);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_FORWARD), 1);
  assert_true(fixture_deliver_one(f, FX_R1, FX_R2, RS_MSG_FORWARD_REPLY));
  fixture_run_until(f, 0.6);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(done->value, "hello");
  assert_int_equal(done->replica, FX_R2);
  assert_int_equal(fixture_queued(f, FX_R1, FX_R2, RS_MSG_REPLICATE), 1); /* r2 itself is behind */
  fixture_free(f);
}

/* ---- at most once ---- */

/* The primary applies an append, its REPLY is lost, and the client retries the same (client, seq)
 * at r2, which forwards it to the primary. DESIGN.md: replicas remember the last answer per
 * client, so a retried request is applied at most once. */
static void test_retried_update_is_applied_at_most_once(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(BLOCKING, false, &rs_app_kv, &c);
  fixture_hold(f, FX_R1, c);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_append("k", "x"), FX_R1);
  fixture_run_until(f, 0.5);
  assert_int_equal(fixture_drop(f, FX_R1, c, RS_MSG_REPLY), 1);
  fixture_release(f, FX_R1, c);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent_msg(f, mark, c, FX_R2, RS_MSG_REQUEST, 0).seq, 1);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 1);
  const fx_event *got = fixture_run_op(f, c, fx_get("k"), FX_R1);
  assert_string_equal(got->value, "x");
  fixture_free(f);
}

/* ---- whole runs ---- */

/* Three driven clients run a random workload against a cluster whose links have varied,
 * seeded latencies; at quiescence every replica must hold the same state. */
static void run_random_workload(bool blocking, const rs_app_ops *app, const rs_workload_config *w)
{
  fixture *f = fixture_new(SEED, app);
  GRand *rand = g_rand_new_with_seed(SEED);
  for (rs_node_id a = 0; a < 7; a++)
    for (rs_node_id b = 0; b < 7; b++)
      fixture_set_latency(f, a, b, g_rand_double_range(rand, 0.0005, 0.005));
  g_rand_free(rand);
  fixture_pb_cluster(f, 3, blocking, false);
  const char *names[] = {"c1", "c2", "c3"};
  rs_node_id clients[3];
  for (int i = 0; i < 3; i++) {
    rs_driver_config d = {.name = names[i], .workload = w};
    clients[i] = fixture_add_driven_client(f, names[i], 5.0, 3, &d);
  }
  fixture_run_until_idle(f);
  for (int i = 0; i < 3; i++) {
    assert_true(rs_driver_finished(fixture_driver(f, clients[i])));
    assert_int_equal(fixture_count_events(f, clients[i], RS_EV_COMPLETE), w->ops);
    for (long k = 0; k < w->ops; k++)
      assert_int_equal(fixture_event_nth(f, clients[i], RS_EV_COMPLETE, (int)k)->outcome, RS_OUT_OK);
  }
  assert_true(pb_applied_index(fixture_pb(f, FX_R1)) > 50); /* mostly live updates, not refusals */
  for (rs_node_id r = FX_R2; r <= FX_R3; r++) {
    assert_int_equal(pb_applied_index(fixture_pb(f, r)), pb_applied_index(fixture_pb(f, FX_R1)));
    assert_int_equal(digest(f, r), digest(f, FX_R1));
  }
  fixture_free(f);
}

static const rs_workload_config files_workload = {
    .ops = 60, .think = 0.002, .keys = 12, .value_size = 24, .files = true,
    .mix = {[RS_OP_WRITE] = 60, [RS_OP_READ] = 35, [RS_OP_DELETE] = 5}};

static const rs_workload_config kv_workload = {
    .ops = 60, .think = 0.002, .keys = 3, .value_size = 8,
    .mix = {[RS_OP_PUT] = 30, [RS_OP_GET] = 30, [RS_OP_APPEND] = 25, [RS_OP_CAS] = 15}};

static void test_blocking_replicas_agree_after_random_files_workload(void **state)
{
  (void)state;
  run_random_workload(BLOCKING, &rs_app_files, &files_workload);
}

static void test_nonblocking_replicas_agree_after_random_files_workload(void **state)
{
  (void)state;
  run_random_workload(NONBLOCKING, &rs_app_files, &files_workload);
}

static void test_blocking_replicas_agree_after_random_kv_workload(void **state)
{
  (void)state;
  run_random_workload(BLOCKING, &rs_app_kv, &kv_workload);
}

static void test_nonblocking_replicas_agree_after_random_kv_workload(void **state)
{
  (void)state;
  run_random_workload(NONBLOCKING, &rs_app_kv, &kv_workload);
}

/* ---- seed 004, end to end ---- */

typedef struct script_log {
  int steps;
  GString *mismatches;
} script_log;

/* Checks each scripted step against its expectation, as the simulator's scripted clients do,
 * from the RS_EV_STEP events the client reported. */
static void check_steps(fixture *f, rs_node_id client, script_log *log)
{
  for (int i = 0; i < fixture_count_events(f, client, RS_EV_STEP); i++) {
    const fx_event *e = fixture_event_nth(f, client, RS_EV_STEP, i);
    const rs_script_step *step = e->step;
    log->steps++;
    bool value_ok = !step->expect_value || (e->value && strcmp(e->value, step->expect_value) == 0);
    if (e->outcome != RS_OUT_OK || e->status != step->expect || !value_ok)
      g_string_append_printf(log->mismatches, "step %d: expected %s, got %s %s\n", step->line,
                             rs_status_name((rs_status)step->expect), rs_outcome_name((rs_outcome)e->outcome),
                             rs_status_name((rs_status)e->status));
  }
}

#define STEP(op_, replica_, expect_, value_) \
  {.op = (op_), .replica = (replica_), .expect = (expect_), .expect_value = (value_), .line = __LINE__}

/* Every outcome seed 004 names, through a registry, three replicas and a scripted client. */
static void run_seed_004_script(bool blocking)
{
  const rs_script_step steps[] = {
      STEP(fx_write("u1", "F1", "M. Schumacher"), FX_R1, RS_ST_SUCCESS, NULL),
      STEP(fx_read("u1"), FX_R2, RS_ST_SUCCESS, "M. Schumacher"),
      STEP(fx_read("u1"), FX_R3, RS_ST_SUCCESS, "M. Schumacher"),
      STEP(fx_read("u2"), RS_NO_NODE, RS_ST_FILE_DOES_NOT_EXIST, NULL),
      STEP(fx_write("u2", "F1", "L. Hamilton"), FX_R2, RS_ST_FILE_SAME_NAME_EXISTS, NULL),
      STEP(fx_write("u1", "F1", "S. Vettel"), FX_R3, RS_ST_SUCCESS, NULL),
      STEP(fx_read("u1"), FX_R1, RS_ST_SUCCESS, "S. Vettel"),
      STEP(fx_delete("u1"), FX_R2, RS_ST_SUCCESS, NULL),
      STEP(fx_read("u1"), FX_R3, RS_ST_FILE_ALREADY_DELETED, NULL),
      STEP(fx_delete("u1"), FX_R1, RS_ST_FILE_ALREADY_DELETED, NULL),
      STEP(fx_write("u1", "F9", "A. Senna"), FX_R2, RS_ST_DELETED_FILE_CANNOT_BE_UPDATED, NULL),
      STEP(fx_delete("u3"), FX_R3, RS_ST_FILE_DOES_NOT_EXIST, NULL),
      STEP(fx_write("u2", "F1", "L. Hamilton"), RS_NO_NODE, RS_ST_SUCCESS, NULL),
      STEP(fx_read("u2"), FX_R2, RS_ST_SUCCESS, "L. Hamilton"),
  };
  script_log log = {.mismatches = g_string_new(NULL)};
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, blocking, false);
  rs_driver_config d = {.name = "alice", .steps = steps, .n_steps = G_N_ELEMENTS(steps)};
  rs_node_id alice = fixture_add_driven_client(f, "alice", 1.0, 3, &d);
  fixture_run_until_idle(f);
  check_steps(f, alice, &log);
  assert_true(rs_driver_finished(fixture_driver(f, alice)));
  assert_int_equal(log.steps, G_N_ELEMENTS(steps));
  char report[2048];
  g_strlcpy(report, log.mismatches->str, sizeof report);
  g_string_free(log.mismatches, TRUE);
  if (*report)
    fail_msg("%s", report);
  for (rs_node_id r = FX_R2; r <= FX_R3; r++)
    assert_int_equal(digest(f, r), digest(f, FX_R1));
  fixture_free(f);
}

static void test_seed_004_outcomes_through_a_blocking_cluster(void **state)
{
  (void)state;
  run_seed_004_script(BLOCKING);
}

static void test_seed_004_outcomes_through_a_nonblocking_cluster(void **state)
{
  (void)state;
  run_seed_004_script(NONBLOCKING);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_blocking_primary_waits_for_every_ack),
      FX_TEST(test_update_is_acknowledged_only_once_its_store_change_is_durable),
      FX_TEST(test_blocking_primary_answers_nothing_that_depends_on_an_uncommitted_update),
      FX_TEST(test_nonblocking_primary_confirms_before_backups_ack),
      FX_TEST(test_write_sent_to_a_backup_is_forwarded_and_answered_through_that_backup),
      FX_TEST(test_updates_reach_backups_in_primary_order_when_delivered_out_of_order),
      FX_TEST(test_blocking_primary_confirms_in_order_once_a_cumulative_ack_arrives),
      FX_TEST(test_backup_refuses_replicate_from_a_node_that_is_not_its_primary),
      FX_TEST(test_primary_refuses_replicate_and_says_it_is_the_primary),
      FX_TEST(test_refused_update_is_not_replicated),
      FX_TEST(test_backup_answers_a_read_itself),
      FX_TEST(test_nonblocking_backup_read_can_be_stale),
      FX_TEST(test_reads_primary_sends_a_backup_read_to_the_primary),
      FX_TEST(test_retried_update_is_applied_at_most_once),
      FX_TEST(test_blocking_replicas_agree_after_random_files_workload),
      FX_TEST(test_nonblocking_replicas_agree_after_random_files_workload),
      FX_TEST(test_blocking_replicas_agree_after_random_kv_workload),
      FX_TEST(test_nonblocking_replicas_agree_after_random_kv_workload),
      FX_TEST(test_seed_004_outcomes_through_a_blocking_cluster),
      FX_TEST(test_seed_004_outcomes_through_a_nonblocking_cluster),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
