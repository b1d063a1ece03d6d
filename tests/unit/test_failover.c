/* Unit tests for failover (core/pb_failover.c, core/client.c): view-service, peer and ordered. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 11 };
#define BLOCKING true
#define NONBLOCKING false

/* Registry 0, r1..rn, and (view-service) the service as node n + 1. Heartbeat 1 s. */
static fixture *cluster(rs_failover_core how, int n, bool blocking, uint32_t dead_after, const rs_app_ops *app)
{
  fixture *f = fixture_new(SEED, app);
  fx_failover fo = {.failover = how, .heartbeat = 1.0, .dead_after = dead_after};
  fixture_failover_cluster(f, n, blocking, &fo);
  return f;
}

static uint64_t digest(fixture *f, rs_node_id r)
{
  rs_app *app = fixture_app(f, r);
  return app->ops->digest(app->state);
}

static pb_role role(fixture *f, rs_node_id r) { return pb_get_role(fixture_pb(f, r)); }

/* A request as a client would send it, from a stub that never answers; returns the mark. */
static size_t request(fixture *f, rs_node_id from, rs_node_id to, uint64_t seq, rs_op op)
{
  size_t mark = fixture_mark(f);
  rs_msg m = {.type = RS_MSG_REQUEST, .client = from, .seq = seq, .op = op};
  fixture_inject(f, from, to, &m);
  return mark;
}

/* The status of the REPLY `from` sent to `to` since `mark`, or RS_ST_NONE if there is none. */
static rs_status reply_status(fixture *f, size_t mark, rs_node_id from, rs_node_id to)
{
  const fx_sent *s = fixture_sent_nth(f, mark, from, to, RS_MSG_REPLY, 0);
  if (!s)
    return RS_ST_NONE;
  rs_msg m;
  fixture_decode(s, &m);
  return (rs_status)m.res.status;
}

/* The latest message of a type from one node to another since `mark`. */
static rs_msg last_sent(fixture *f, size_t mark, rs_node_id from, rs_node_id to, int type)
{
  int n = fixture_sent(f, mark, from, to, type);
  assert_true(n > 0);
  return fixture_sent_msg(f, mark, from, to, type, n - 1);
}

static bool lists(const rs_msg *m, rs_node_id node)
{
  for (uint32_t i = 0; i < m->n_nodes; i++)
    if (m->nodes[i] == node)
      return true;
  return false;
}

/* ======== view-service ======== */

enum { VS = 4 }; /* with three replicas */

/* View 2 = r1 | r2 r3, both backups confirmed; the clock at 3.5 s. */
static fixture *vs_cluster(bool blocking)
{
  fixture *f = cluster(RS_FAILOVER_CORE_VIEW_SERVICE, 3, blocking, 3, &rs_app_kv);
  fixture_run_until(f, 3.5);
  assert_int_equal(vs_get_view(fixture_vs(f, VS))->num, 2);
  assert_int_equal(role(f, FX_R1), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R2), PB_ROLE_BACKUP);
  assert_int_equal(role(f, FX_R3), PB_ROLE_BACKUP);
  return f;
}

static void test_vs_replicas_heartbeat_their_role_view_and_confirmed_backups(void **state)
{
  (void)state;
  fixture *f = vs_cluster(BLOCKING);
  rs_msg p = last_sent(f, 0, FX_R1, VS, RS_MSG_HEARTBEAT);
  assert_int_equal(p.which, RS_SERVICE_PRIMARY);
  assert_int_equal(p.view, 2);
  assert_int_equal(p.n_nodes, 2);
  assert_true(lists(&p, FX_R2) && lists(&p, FX_R3));
  rs_msg b = last_sent(f, 0, FX_R2, VS, RS_MSG_HEARTBEAT);
  assert_int_equal(b.which, RS_SERVICE_BACKUP);
  assert_int_equal(b.view, 2);
  assert_int_equal(b.n_nodes, 0);
  /* The very first heartbeat, before any view: no role, view 0. */
  rs_msg first = fixture_sent_msg(f, 0, FX_R3, VS, RS_MSG_HEARTBEAT, 0);
  assert_int_equal(first.which, RS_SERVICE_NONE);
  assert_int_equal(first.view, 0);
  assert_true(vs_backup_ready(fixture_vs(f, VS), FX_R2));
  assert_true(fixture_timer_armed(f, FX_R2, PB_TIMER_HEARTBEAT));
  fixture_free(f);
}

static void test_vs_primary_confirms_a_backup_only_after_its_state_ack(void **state)
{
  (void)state;
  fixture *f = cluster(RS_FAILOVER_CORE_VIEW_SERVICE, 3, BLOCKING, 3, &rs_app_kv);
  fixture_hold(f, FX_R2, FX_R1); /* r2's STATE_ACK does not come back */
  fixture_run_until(f, 3.5);
  assert_int_equal(fixture_sent(f, 0, FX_R1, FX_R2, RS_MSG_STATE), 1);
  assert_false(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R3));
  rs_msg p = last_sent(f, 0, FX_R1, VS, RS_MSG_HEARTBEAT);
  assert_false(lists(&p, FX_R2));
  assert_true(lists(&p, FX_R3));
  assert_false(vs_backup_ready(fixture_vs(f, VS), FX_R2));

  fixture_release(f, FX_R2, FX_R1);
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 5.5);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  p = last_sent(f, mark, FX_R1, VS, RS_MSG_HEARTBEAT);
  assert_true(lists(&p, FX_R2));
  assert_true(vs_backup_ready(fixture_vs(f, VS), FX_R2));
  fixture_free(f);
}

static void test_vs_primary_named_out_of_a_newer_view_stops_serving(void **state)
{
  (void)state;
  fixture *f = vs_cluster(NONBLOCKING);
  rs_node_id c = fixture_add_stub(f, "c1");
  rs_msg v = {.type = RS_MSG_VIEW, .view = 9, .node = FX_R2, .n_nodes = 1, .nodes = {FX_R3}};
  fixture_inject(f, VS, FX_R1, &v);
  fixture_run_until(f, 3.6);
  assert_int_equal(role(f, FX_R1), PB_ROLE_IDLE);
  assert_int_equal(pb_get_view(fixture_pb(f, FX_R1)), 9);
  const fx_event *e = fixture_event_nth(f, FX_R1, RS_EV_ROLE, -1);
  assert_string_equal(e->role, "idle");
  assert_int_equal(e->view, 9);
  /* r1 hands the update to r2, which (still in view 2, a backup) refuses it. */
  size_t mark = request(f, c, FX_R1, 1, fx_put("k", "v"));
  fixture_run_until(f, 3.7);
  assert_int_equal(reply_status(f, mark, FX_R1, c), RS_ST_NOT_PRIMARY);
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 0);
  fixture_free(f);
}

static void test_vs_blocking_primary_stops_waiting_for_a_backup_removed_from_the_view(void **state)
{
  (void)state;
  fixture *f = vs_cluster(BLOCKING);
  rs_node_id c = fixture_add_stub(f, "c1");
  fixture_crash(f, FX_R3);
  size_t mark = request(f, c, FX_R1, 1, fx_put("k", "v"));
  fixture_run_until(f, 6.5);
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 1);
  assert_int_equal(reply_status(f, mark, FX_R1, c), RS_ST_NONE); /* r3 never acknowledges */
  fixture_run_until(f, 9.0);
  assert_int_equal(vs_get_view(fixture_vs(f, VS))->num, 3);
  assert_int_equal(pb_backup_count(fixture_pb(f, FX_R1)), 1);
  assert_int_equal(reply_status(f, mark, FX_R1, c), RS_ST_SUCCESS);
  const fx_sent *reply = fixture_sent_nth(f, mark, FX_R1, c, RS_MSG_REPLY, 0);
  const fx_sent *view3 = fixture_sent_nth(f, mark, VS, FX_R1, RS_MSG_VIEW, 0);
  assert_true(view3->serial < reply->serial);
  fixture_free(f);
}

static void test_vs_client_asks_the_service_and_follows_the_new_primary(void **state)
{
  (void)state;
  fixture *f = vs_cluster(BLOCKING);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until(f, 3.6);
  assert_int_equal(fixture_sent(f, 0, c, VS, RS_MSG_GET_VIEW), 1);
  assert_int_equal(rs_client_primary(fixture_client(f, c)), FX_R1);
  fixture_submit(f, c, fx_put("k", "1"), RS_NO_NODE);
  fixture_run_until(f, 3.7);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R1);

  fixture_crash(f, FX_R1);
  fixture_run_until(f, 8.0);
  assert_int_equal(vs_get_view(fixture_vs(f, VS))->primary, FX_R2);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_put("k", "2"), RS_NO_NODE);
  fixture_run_until(f, 10.0);
  done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R2);
  assert_int_equal(fixture_sent(f, mark, c, FX_R1, RS_MSG_REQUEST), 1); /* the stale primary first */
  assert_int_equal(fixture_sent(f, mark, c, VS, RS_MSG_GET_VIEW), 1);    /* then the service */
  assert_int_equal(rs_client_primary(fixture_client(f, c)), FX_R2);
  fixture_free(f);
}

static void test_vs_stale_primary_cut_off_from_the_service_serves_until_it_hears_the_new_view(void **state)
{
  (void)state;
  fixture *f = vs_cluster(NONBLOCKING);
  rs_node_id c = fixture_add_stub(f, "c1");
  fixture_cut(f, FX_R1, VS);
  fixture_run_until(f, 8.5);
  assert_int_equal(vs_get_view(fixture_vs(f, VS))->primary, FX_R2);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R1), PB_ROLE_PRIMARY); /* it has not heard */

  /* The hazard: r1 still confirms updates, which the new primary and its backup refuse. */
  size_t mark = request(f, c, FX_R1, 1, fx_put("k", "lost"));
  fixture_run_until(f, 8.6);
  assert_int_equal(reply_status(f, mark, FX_R1, c), RS_ST_SUCCESS);
  assert_int_equal(fixture_event_nth(f, FX_R2, RS_EV_REFUSE, -1)->msg_type, RS_MSG_REPLICATE);

  fixture_heal(f, FX_R1, VS);
  fixture_run_until(f, 10.0);
  assert_int_not_equal(role(f, FX_R1), PB_ROLE_PRIMARY);
  mark = request(f, c, FX_R1, 2, fx_put("k", "later"));
  fixture_run_until(f, 10.1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_FORWARD), 1);
  assert_int_equal(reply_status(f, mark, FX_R1, c), RS_ST_SUCCESS);
  /* r1 took r2's state as its backup: the update it confirmed alone is gone. */
  assert_int_equal(digest(f, FX_R1), digest(f, FX_R2));
  const fx_event *last = fixture_event_nth(f, FX_R2, RS_EV_APPLY, -1);
  assert_string_equal(last->op_value, "later");
  fixture_free(f);
}

static void test_vs_restarted_backup_gets_the_state_again(void **state)
{
  (void)state;
  fixture *f = vs_cluster(BLOCKING);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until(f, 3.6);
  fixture_crash(f, FX_R3);
  fixture_run_until(f, 8.0); /* r3 left the view */
  fixture_submit(f, c, fx_put("k", "1"), RS_NO_NODE);
  fixture_run_until(f, 8.5);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  size_t mark = fixture_mark(f);
  fixture_restart(f, FX_R3);
  fixture_run_until(f, 14.0);
  assert_true(fixture_sent(f, mark, FX_R1, FX_R3, RS_MSG_STATE) >= 1);
  assert_int_equal(role(f, FX_R3), PB_ROLE_BACKUP);
  assert_true(vs_backup_ready(fixture_vs(f, VS), FX_R3));
  assert_int_equal(digest(f, FX_R3), digest(f, FX_R1));
  fixture_free(f);
}

/* ======== peer (seed 002) ======== */

/* r1 primary and r2 its backup (registry order), epoch 1; the clock at 2.5 s. */
static fixture *peer_cluster(bool blocking, const rs_app_ops *app)
{
  fixture *f = cluster(RS_FAILOVER_CORE_PEER, 2, blocking, 5, app);
  fixture_run_until(f, 2.5);
  assert_int_equal(role(f, FX_R1), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R2), PB_ROLE_BACKUP);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  rs_msg beat = last_sent(f, 0, FX_R2, FX_R1, RS_MSG_PEER_HEARTBEAT);
  assert_int_equal(beat.view, 1);
  assert_int_equal(beat.node, FX_R1);
  assert_int_equal(beat.which, RS_SERVICE_BACKUP);
  return f;
}

static void test_peer_backup_promotes_itself_after_dead_after_missed_beats_not_before(void **state)
{
  (void)state;
  fixture *f = peer_cluster(BLOCKING, &rs_app_kv);
  fixture_crash(f, FX_R1); /* its last beat arrived at 2.001; r2 ticks at 3, 4, 5, 6, 7 */
  fixture_run_until(f, 6.99);
  assert_int_equal(role(f, FX_R2), PB_ROLE_BACKUP);
  fixture_run_until(f, 7.0);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  assert_int_equal(pb_get_view(fixture_pb(f, FX_R2)), 2);
  const fx_event *e = fixture_event_nth(f, FX_R2, RS_EV_ROLE, -1);
  assert_string_equal(e->role, "primary");
  assert_int_equal(e->view, 2);
  fixture_free(f);
}

static void test_peer_primary_restarts_a_dead_backup_which_rejoins_with_the_state(void **state)
{
  (void)state;
  fixture *f = peer_cluster(BLOCKING, &rs_app_kv);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until(f, 2.6);
  fixture_submit(f, c, fx_put("k", "1"), FX_R1);
  fixture_run_until(f, 2.7);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_crash(f, FX_R2);
  fixture_run_until(f, 6.99);
  assert_int_equal(fixture_restarts_asked(f, FX_R2, NULL), 0);
  fixture_run_until(f, 7.5);
  double delay = 0;
  assert_int_equal(fixture_restarts_asked(f, FX_R2, &delay), 1);
  assert_true(delay == RS_PEER_DEFAULT_RESTART_DELAY);
  assert_int_equal(pb_backup_count(fixture_pb(f, FX_R1)), 0);
  rs_msg alone = last_sent(f, 0, FX_R1, c, RS_MSG_VIEW);
  assert_int_equal(alone.node, FX_R1);
  assert_int_equal(alone.n_nodes, 0);

  /* Blocking, yet alone: the primary confirms at once while the backup restarts. */
  fixture_submit(f, c, fx_put("k", "2"), FX_R1);
  fixture_run_until(f, 8.0);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);

  size_t mark = fixture_mark(f);
  fixture_run_until(f, 38.0); /* rebooted at 7 + 30 */
  assert_true(fixture_sent(f, mark, FX_R1, FX_R2, RS_MSG_STATE) >= 1);
  assert_int_equal(role(f, FX_R2), PB_ROLE_BACKUP);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  assert_int_equal(digest(f, FX_R2), digest(f, FX_R1));
  rs_msg both = last_sent(f, mark, FX_R1, c, RS_MSG_VIEW);
  assert_int_equal(both.n_nodes, 1);
  assert_int_equal(both.nodes[0], FX_R2);
  fixture_free(f);
}

/* Both replicas down, only r1 restarted: it waits to hear r2 before the freshest store leads, so
 * it asks the host to restart r2 once r2 has been silent for dead_after beats; r2 boots from its
 * store and the acknowledged write is there (the swarm: seed 2 case 1916, r1 had restarted r2 and
 * crashed before r2 booted, and came back to wait for ever). */
static void test_peer_recovering_replica_restarts_a_peer_that_stays_down(void **state)
{
  (void)state;
  fixture *f = peer_cluster(BLOCKING, &rs_app_kv);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_submit(f, c, fx_put("k", "1"), FX_R1);
  fixture_run_until(f, 2.7);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_crash(f, FX_R2);
  fixture_crash(f, FX_R1);
  fixture_mark_restarted(f, FX_R1);
  fixture_mark_restarted(f, FX_R2);
  fixture_restart(f, FX_R1);
  fixture_run_until(f, 2.7 + 4.99);
  assert_int_equal(fixture_restarts_asked(f, FX_R2, NULL), 0);
  fixture_run_until(f, 2.7 + 6.5);
  double delay = 0;
  assert_int_equal(fixture_restarts_asked(f, FX_R2, &delay), 1);
  assert_true(delay == RS_PEER_DEFAULT_RESTART_DELAY);
  fixture_run_until(f, 30.0);
  assert_int_equal(fixture_restarts_asked(f, FX_R2, NULL), 1); /* once, until heard again */
  fixture_run_until(f, 45.0); /* r2 boots about 30 s after it was asked */
  assert_true(role(f, FX_R1) == PB_ROLE_PRIMARY || role(f, FX_R2) == PB_ROLE_PRIMARY);
  assert_int_equal(digest(f, FX_R2), digest(f, FX_R1));
  rs_node_id primary = role(f, FX_R1) == PB_ROLE_PRIMARY ? FX_R1 : FX_R2;
  fixture_submit(f, c, fx_get("k"), primary);
  fixture_run_until(f, 46.0);
  const fx_event *got = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(got, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(got->value, "1");
  fixture_free(f);
}

static void test_peer_partition_gives_two_primaries_until_it_heals(void **state)
{
  (void)state;
  fixture *f = peer_cluster(NONBLOCKING, &rs_app_kv);
  rs_node_id c = fixture_add_stub(f, "c1");
  fixture_cut(f, FX_R1, FX_R2);
  fixture_run_until(f, 7.5);
  assert_int_equal(role(f, FX_R1), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  size_t m1 = request(f, c, FX_R1, 1, fx_put("k", "left"));
  size_t m2 = request(f, c, FX_R2, 2, fx_put("k", "right"));
  fixture_run_until(f, 7.6);
  assert_int_equal(reply_status(f, m1, FX_R1, c), RS_ST_SUCCESS);
  assert_int_equal(reply_status(f, m2, FX_R2, c), RS_ST_SUCCESS);
  assert_int_not_equal(digest(f, FX_R1), digest(f, FX_R2));

  /* Healed: the higher epoch (r2's) wins, and r1 takes r2's state. */
  fixture_heal(f, FX_R1, FX_R2);
  fixture_run_until(f, 10.0);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R1), PB_ROLE_BACKUP);
  assert_int_equal(pb_get_primary(fixture_pb(f, FX_R1)), FX_R2);
  assert_int_equal(digest(f, FX_R1), digest(f, FX_R2));
  fixture_free(f);
}

/* The primary applies an append and replicates it, its reply is lost and it dies; the client's
 * retry reaches the promoted backup, which answers from the at-most-once table. */
static void test_peer_retry_after_failover_is_applied_at_most_once(void **state)
{
  (void)state;
  fixture *f = peer_cluster(BLOCKING, &rs_app_kv);
  rs_node_id c = fixture_add_client(f, "c1", 3.0, 5);
  fixture_run_until(f, 2.6);
  fixture_hold(f, FX_R1, c);
  fixture_submit(f, c, fx_append("k", "x"), FX_R1);
  fixture_run_until(f, 2.7);
  assert_int_equal(fixture_drop(f, FX_R1, c, RS_MSG_REPLY), 1);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  fixture_crash(f, FX_R1);
  fixture_run_until(f, 20.0);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R2);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 1);
  fixture_submit(f, c, fx_get("k"), FX_R2);
  fixture_run_until(f, 20.1);
  assert_string_equal(fixture_event_nth(f, c, RS_EV_COMPLETE, -1)->value, "x");
  fixture_free(f);
}

/* Delivers `m` as if `from` sent it, now, past any hold on that link. */
static void deliver_as(fixture *f, rs_node_id from, rs_node_id to, const rs_msg *m)
{
  fixture_inject(f, from, to, m);
  assert_true(fixture_deliver_nth(f, from, to, m->type, fixture_queued(f, from, to, m->type) - 1));
}

/* r2 follows r1 into epoch 3 and waits for its STATE; a REPLICATE r1 sent in epoch 1 arrives
 * meanwhile. It is from a reign that is over (r1 may have installed another leader's state since,
 * so the epoch-3 stream does not continue it): refused, not buffered to be applied on top of the
 * epoch-3 STATE (the swarm: six replicas under peer, a backup ended holding a message its primary
 * no longer had). */
static void test_peer_backup_refuses_replication_from_its_primarys_earlier_epoch(void **state)
{
  (void)state;
  fixture *f = peer_cluster(BLOCKING, &rs_app_kv);
  rs_msg first_state = fixture_sent_msg(f, 0, FX_R1, FX_R2, RS_MSG_STATE, 0);
  assert_int_equal(first_state.index, 0);
  fixture_hold(f, FX_R1, FX_R2); /* only what the test sends as r1 reaches r2 */
  rs_msg beat = {.type = RS_MSG_PEER_HEARTBEAT, .view = 3, .node = FX_R1, .which = RS_SERVICE_PRIMARY, .seq = 1};
  deliver_as(f, FX_R1, FX_R2, &beat);
  assert_int_equal(pb_get_view(fixture_pb(f, FX_R2)), 3);
  assert_int_equal(pb_get_primary(fixture_pb(f, FX_R2)), FX_R1);

  rs_msg old = {.type = RS_MSG_REPLICATE, .view = 1, .index = 1, .client = 99, .seq = 1, .op = fx_put("k", "old")};
  old.res.version = 1;
  deliver_as(f, FX_R1, FX_R2, &old);
  const fx_event *refused = fixture_event_nth(f, FX_R2, RS_EV_REFUSE, -1);
  assert_non_null(refused);
  assert_string_equal(refused->why, "from an earlier epoch");

  rs_msg now = first_state;
  now.view = 3;
  deliver_as(f, FX_R1, FX_R2, &now);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 0);
  assert_int_equal(digest(f, FX_R2), digest(f, FX_R1));
  fixture_free(f);
}

/* A blocking primary counts only acknowledgements of its current epoch: one a backup sent in an
 * earlier reign (here view 0, before it followed anybody) names an index of a stream this
 * primary may have replaced since. */
static void test_peer_primary_ignores_acknowledgements_of_an_earlier_epoch(void **state)
{
  (void)state;
  fixture *f = peer_cluster(BLOCKING, &rs_app_kv);
  rs_node_id c = fixture_add_client(f, "c1", 3.0, 1);
  fixture_hold(f, FX_R2, FX_R1);
  fixture_submit(f, c, fx_put("k", "v"), FX_R1);
  fixture_run_until(f, 2.6);
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 0);
  rs_msg stale = {.type = RS_MSG_REPLICATE_ACK, .index = 1, .view = 0};
  deliver_as(f, FX_R2, FX_R1, &stale);
  fixture_run_until(f, 2.7);
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 0);
  assert_string_equal(fixture_event_nth(f, FX_R1, RS_EV_REFUSE, -1)->why, "acknowledges an earlier epoch");
  fixture_release(f, FX_R2, FX_R1);
  fixture_run_until(f, 2.8);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_free(f);
}

/* ======== ordered (seed 003) ======== */

static fixture *ordered_cluster(bool blocking)
{
  fixture *f = cluster(RS_FAILOVER_CORE_ORDERED, 3, blocking, 3, &rs_app_kv);
  fixture_run_until(f, 0.5);
  return f;
}

static void test_ordered_first_live_replica_leads_and_the_others_follow_it(void **state)
{
  (void)state;
  fixture *f = ordered_cluster(BLOCKING);
  assert_int_equal(role(f, FX_R1), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R2), PB_ROLE_BACKUP);
  assert_int_equal(role(f, FX_R3), PB_ROLE_BACKUP);
  assert_int_equal(pb_get_primary(fixture_pb(f, FX_R3)), FX_R1);
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R2));
  assert_true(pb_backup_confirmed(fixture_pb(f, FX_R1), FX_R3));
  rs_node_id c = fixture_add_stub(f, "c1");
  size_t mark = request(f, c, FX_R2, 1, fx_put("k", "v"));
  fixture_run_until(f, 0.6);
  assert_int_equal(reply_status(f, mark, FX_R2, c), RS_ST_NOT_PRIMARY); /* no forwarding */
  fixture_free(f);
}

static void test_ordered_after_two_crashes_the_third_leads_and_clients_walk_down_the_list(void **state)
{
  (void)state;
  fixture *f = ordered_cluster(BLOCKING);
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 3);
  fixture_run_until(f, 0.6);
  fixture_submit(f, c, fx_put("k", "1"), RS_NO_NODE);
  fixture_run_until(f, 0.7);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);

  fixture_crash(f, FX_R1);
  fixture_crash(f, FX_R2); /* no beat from either after 0.7: r3 ticks at 1, 2, 3 */
  fixture_run_until(f, 2.99);
  assert_int_equal(role(f, FX_R3), PB_ROLE_BACKUP);
  fixture_run_until(f, 3.5);
  assert_int_equal(role(f, FX_R3), PB_ROLE_PRIMARY);

  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_append("k", "2"), RS_NO_NODE);
  fixture_run_until(f, 6.0);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R3);
  const fx_sent *a = fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 0);
  const fx_sent *b = fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 1);
  const fx_sent *d = fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 2);
  assert_int_equal(a->to, FX_R1);
  assert_int_equal(b->to, FX_R2);
  assert_int_equal(d->to, FX_R3);
  fixture_submit(f, c, fx_get("k"), FX_R3);
  fixture_run_until(f, 6.1);
  assert_string_equal(fixture_event_nth(f, c, RS_EV_COMPLETE, -1)->value, "12");
  fixture_free(f);
}

static void test_ordered_returning_replica_gets_the_state_and_leads_again(void **state)
{
  (void)state;
  fixture *f = ordered_cluster(BLOCKING);
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 3);
  fixture_run_until(f, 0.6);
  fixture_crash(f, FX_R1);
  fixture_run_until(f, 4.5);
  assert_int_equal(role(f, FX_R2), PB_ROLE_PRIMARY);
  fixture_submit(f, c, fx_put("k", "while-away"), FX_R2);
  fixture_run_until(f, 4.6);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_OK, RS_ST_SUCCESS);

  size_t mark = fixture_mark(f);
  fixture_restart(f, FX_R1);
  fixture_run_until(f, 6.0);
  assert_true(fixture_sent(f, mark, FX_R2, FX_R1, RS_MSG_STATE) >= 1);
  assert_int_equal(role(f, FX_R1), PB_ROLE_PRIMARY);
  assert_int_equal(role(f, FX_R2), PB_ROLE_BACKUP);
  assert_int_equal(pb_get_primary(fixture_pb(f, FX_R3)), FX_R1);
  assert_int_equal(digest(f, FX_R1), digest(f, FX_R2));
  assert_int_equal(digest(f, FX_R3), digest(f, FX_R2));
  fixture_submit(f, c, fx_get("k"), FX_R1);
  fixture_run_until(f, 6.1);
  assert_string_equal(fixture_event_nth(f, c, RS_EV_COMPLETE, -1)->value, "while-away");
  fixture_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_vs_replicas_heartbeat_their_role_view_and_confirmed_backups),
      FX_TEST(test_vs_primary_confirms_a_backup_only_after_its_state_ack),
      FX_TEST(test_vs_primary_named_out_of_a_newer_view_stops_serving),
      FX_TEST(test_vs_blocking_primary_stops_waiting_for_a_backup_removed_from_the_view),
      FX_TEST(test_vs_client_asks_the_service_and_follows_the_new_primary),
      FX_TEST(test_vs_stale_primary_cut_off_from_the_service_serves_until_it_hears_the_new_view),
      FX_TEST(test_vs_restarted_backup_gets_the_state_again),
      FX_TEST(test_peer_backup_promotes_itself_after_dead_after_missed_beats_not_before),
      FX_TEST(test_peer_primary_restarts_a_dead_backup_which_rejoins_with_the_state),
      FX_TEST(test_peer_recovering_replica_restarts_a_peer_that_stays_down),
      FX_TEST(test_peer_partition_gives_two_primaries_until_it_heals),
      FX_TEST(test_peer_retry_after_failover_is_applied_at_most_once),
      FX_TEST(test_peer_backup_refuses_replication_from_its_primarys_earlier_epoch),
      FX_TEST(test_peer_primary_ignores_acknowledgements_of_an_earlier_epoch),
      FX_TEST(test_ordered_first_live_replica_leads_and_the_others_follow_it),
      FX_TEST(test_ordered_after_two_crashes_the_third_leads_and_clients_walk_down_the_list),
      FX_TEST(test_ordered_returning_replica_gets_the_state_and_leads_again),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
