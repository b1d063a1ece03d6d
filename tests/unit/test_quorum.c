/* Unit tests for quorum replication: the quorum replica (core/quorum_replica.c) and the client
 * as coordinator (core/client.c), with the registry handing out Nr / Nw replicas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 4 };

/* A quorum cluster of n replicas and one client "c1", all quiet. */
static fixture *quorum_cluster(int n, int nr, int nw, rs_node_id *client)
{
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_quorum_cluster(f, n, nr, nw);
  *client = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  assert_true(rs_client_ready(fixture_client(f, *client)));
  return f;
}

/* Puts a file straight into one replica's store, at a chosen version. */
static void seed_file(fixture *f, rs_node_id r, const char *uuid, const char *content, uint64_t version)
{
  rs_app *app = fixture_app(f, r);
  rs_op op = fx_write(uuid, "F1", content);
  rs_result res;
  app->ops->execute(app->state, &op, version, RS_APPLY_QUORUM, &res);
  assert_int_equal(res.status, RS_ST_SUCCESS);
}

static void seed_tombstone(fixture *f, rs_node_id r, const char *uuid, uint64_t version)
{
  rs_app *app = fixture_app(f, r);
  rs_op op = fx_delete(uuid);
  rs_result res;
  app->ops->execute(app->state, &op, version, RS_APPLY_QUORUM, &res);
  assert_int_equal(res.status, RS_ST_SUCCESS);
}

/* Holds every replica's answers to the client (the registry's still get through). */
static void hold_replies(fixture *f, int n, rs_node_id client)
{
  for (rs_node_id r = FX_R1; r <= (rs_node_id)n; r++)
    fixture_hold(f, r, client);
}

/* Submits `op`, lets it reach its quorum, then hands the client the replicas' answers in
 * `order`; the operation must complete with the last one and not before. */
static const fx_event *answer_in_order(fixture *f, rs_node_id c, rs_op op, const rs_node_id *order, int n)
{
  fixture_submit(f, c, op, RS_NO_NODE);
  fixture_run_until(f, fixture_now(f) + 0.1);
  for (int i = 0; i < n; i++) {
    assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 0);
    assert_true(fixture_deliver_one(f, order[i], c, RS_MSG_QUORUM_REPLY));
  }
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 1);
  return fixture_event_nth(f, c, RS_EV_COMPLETE, 0);
}

/* ---- reads keep the latest ---- */

/* r2 holds the new version of u1, r1 and r3 an old one; Nr = N so the read asks all three. */
static const fx_event *read_old_and_new(fixture **out, const rs_node_id order[3])
{
  rs_node_id c;
  fixture *f = quorum_cluster(3, 3, 2, &c);
  seed_file(f, FX_R1, "u1", "old", 5);
  seed_file(f, FX_R2, "u1", "new", 9);
  seed_file(f, FX_R3, "u1", "old", 5);
  hold_replies(f, 3, c);
  *out = f;
  return answer_in_order(f, c, fx_read("u1"), order, 3);
}

static void test_read_keeps_the_latest_version_when_it_arrives_last(void **state)
{
  (void)state;
  fixture *f;
  const rs_node_id order[] = {FX_R1, FX_R3, FX_R2};
  const fx_event *e = read_old_and_new(&f, order);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(e->value, "new");
  assert_int_equal(e->version, 9);
  assert_int_equal(e->replica, FX_R2);
  fixture_free(f);
}

static void test_read_keeps_the_latest_version_when_it_arrives_first(void **state)
{
  (void)state;
  fixture *f;
  const rs_node_id order[] = {FX_R2, FX_R1, FX_R3};
  const fx_event *e = read_old_and_new(&f, order);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(e->value, "new");
  assert_int_equal(e->version, 9);
  assert_int_equal(e->replica, FX_R2);
  fixture_free(f);
}

/* r2 deleted u1 (version 7) after r1 and r3 last saw it live (version 5). */
static void read_tombstone_and_live(const rs_node_id order[3])
{
  rs_node_id c;
  fixture *f = quorum_cluster(3, 3, 2, &c);
  seed_file(f, FX_R1, "u1", "live", 5);
  seed_tombstone(f, FX_R2, "u1", 7);
  seed_file(f, FX_R3, "u1", "live", 5);
  hold_replies(f, 3, c);
  const fx_event *e = answer_in_order(f, c, fx_read("u1"), order, 3);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_FILE_ALREADY_DELETED);
  assert_null(e->value);
  assert_int_equal(e->replica, FX_R2);
  fixture_free(f);
}

static void test_tombstone_wins_over_an_older_live_version_arriving_after_it(void **state)
{
  (void)state;
  const rs_node_id order[] = {FX_R2, FX_R1, FX_R3};
  read_tombstone_and_live(order);
}

static void test_tombstone_wins_over_an_older_live_version_arriving_before_it(void **state)
{
  (void)state;
  const rs_node_id order[] = {FX_R1, FX_R3, FX_R2};
  read_tombstone_and_live(order);
}

/* ---- writes go to the registry's Nw ---- */

static void test_write_goes_to_exactly_the_nw_replicas_the_registry_picked(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(5, 3, 3, &c);
  hold_replies(f, 5, c);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_write("u1", "F1", "hello"), RS_NO_NODE);
  fixture_run_until(f, fixture_now(f) + 0.1);

  assert_int_equal(fixture_sent_msg(f, mark, c, FX_REGISTRY, RS_MSG_GET_REPLICAS, 0).which, RS_WHICH_WRITE);
  rs_msg picked = fixture_sent_msg(f, mark, FX_REGISTRY, c, RS_MSG_REPLICAS, 0);
  assert_int_equal(picked.n_nodes, 3);
  /* First the check (would it succeed, which version is there?) to each member, which changes
   * nothing; the write once all answered. */
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_CHECK), 3);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 0);
  assert_int_equal(fixture_sent_msg(f, mark, c, FX_ANY, RS_MSG_QUORUM_CHECK, 0).op.kind, RS_OP_WRITE);
  for (uint32_t i = 0; i < picked.n_nodes; i++)
    assert_true(fixture_deliver_one(f, picked.nodes[i], c, RS_MSG_QUORUM_REPLY));
  for (rs_node_id r = FX_R1; r <= FX_R5; r++)
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), 0);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 3);
  uint64_t version = fixture_sent_msg(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST, 0).res.version;
  assert_true(version > 0);
  uint32_t in_quorum = 0;
  for (uint32_t i = 0; i < picked.n_nodes; i++) {
    rs_msg req = fixture_sent_msg(f, mark, c, picked.nodes[i], RS_MSG_QUORUM_REQUEST, 0);
    assert_int_equal(req.op.kind, RS_OP_WRITE);
    assert_int_equal(req.res.version, version);
    in_quorum |= 1u << picked.nodes[i];
  }
  fixture_run_until(f, fixture_now(f) + 0.1);
  for (rs_node_id r = FX_R1; r <= FX_R5; r++) {
    bool picked_r = (in_quorum >> r) & 1u;
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), picked_r ? 1 : 0);
    assert_int_equal(fixture_queued(f, r, c, RS_MSG_QUORUM_REPLY), picked_r ? 1 : 0);
  }
  fixture_free(f);
}

static void test_write_completes_only_after_every_picked_replica_answered(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(5, 3, 3, &c);
  hold_replies(f, 5, c);
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_write("u1", "F1", "hello"), RS_NO_NODE);
  fixture_run_until(f, fixture_now(f) + 0.1);
  rs_msg picked = fixture_sent_msg(f, mark, FX_REGISTRY, c, RS_MSG_REPLICAS, 0);
  for (uint32_t i = 0; i < picked.n_nodes; i++) /* the version query */
    assert_true(fixture_deliver_one(f, picked.nodes[i], c, RS_MSG_QUORUM_REPLY));
  fixture_run_until(f, fixture_now(f) + 0.1);
  for (uint32_t i = 0; i < picked.n_nodes; i++) {
    assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 0);
    assert_true(fixture_deliver_one(f, picked.nodes[i], c, RS_MSG_QUORUM_REPLY));
  }
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, 0), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_free(f);
}

static void test_read_asks_exactly_nr_replicas(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(5, 2, 4, &c);
  size_t mark = fixture_mark(f);
  fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
  assert_int_equal(fixture_sent_msg(f, mark, c, FX_REGISTRY, RS_MSG_GET_REPLICAS, 0).which, RS_WHICH_READ);
  assert_int_equal(fixture_sent_msg(f, mark, FX_REGISTRY, c, RS_MSG_REPLICAS, 0).n_nodes, 2);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 2);
  assert_int_equal(fixture_sent(f, mark, FX_ANY, c, RS_MSG_QUORUM_REPLY), 2);
  fixture_free(f);
}

static void test_write_refused_by_one_member_reports_the_refusal(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(3, 1, 3, &c);
  seed_tombstone(f, FX_R2, "u1", 3);
  const fx_event *e = fixture_run_op(f, c, fx_write("u1", "F1", "again"), RS_NO_NODE);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_DELETED_FILE_CANNOT_BE_UPDATED);
  assert_int_equal(e->replica, FX_R2);
  fixture_free(f);
}

/* With Nr + Nw > N every read quorum meets the last write quorum, whichever the registry picks. */
static void test_read_after_write_sees_the_write_whichever_quorums_are_picked(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(5, 2, 4, &c);
  uint64_t last_version = 0;
  for (int i = 0; i < 12; i++) {
    char content[16];
    g_snprintf(content, sizeof content, "v%d", i);
    const fx_event *w = fixture_run_op(f, c, fx_write("u1", "F1", content), RS_NO_NODE);
    fixture_assert_outcome(w, RS_OUT_OK, RS_ST_SUCCESS);
    assert_true(w->version > last_version);
    last_version = w->version;
    const fx_event *r = fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
    fixture_assert_outcome(r, RS_OUT_OK, RS_ST_SUCCESS);
    assert_string_equal(r->value, content);
    assert_int_equal(r->version, last_version);
  }
  fixture_free(f);
}


/* No clock orders writes (DESIGN.md): a write takes a version one above the newest its quorum
 * holds, so a write that starts after another ended always has the higher version, whoever the
 * writers are and whatever their clocks say. */
static void test_write_version_is_one_above_the_newest_its_quorum_holds(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(3, 2, 2, &c);
  rs_node_id d = fixture_add_client(f, "c2", 1.0, 3);
  fixture_run_until_idle(f);
  const fx_event *w1 = fixture_run_op(f, d, fx_write("u1", "F1", "a"), RS_NO_NODE);
  const fx_event *w2 = fixture_run_op(f, c, fx_write("u1", "F1", "b"), RS_NO_NODE);
  fixture_assert_outcome(w2, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(w1->version >> RS_VERSION_WRITER_BITS, 1);
  assert_int_equal(w2->version >> RS_VERSION_WRITER_BITS, 2);
  assert_int_equal(w2->version & ((1u << RS_VERSION_WRITER_BITS) - 1), c);
  fixture_free(f);
}


/* Read-repair (ABD): once a read returns a version, it is on a write quorum, so no later read
 * returns anything older. A partial write (the newest version on one replica only) seen by a read
 * is written back to the members that lag before the read answers. */
static void test_read_repair_writes_what_it_returns_back_before_answering(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_quorum_cluster(f, 3, 2, 2);
  fixture_set_read_repair(f, true);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  seed_file(f, FX_R1, "u1", "old", 3 << RS_VERSION_WRITER_BITS);
  seed_file(f, FX_R2, "u1", "old", 3 << RS_VERSION_WRITER_BITS);
  seed_file(f, FX_R3, "u1", "old", 3 << RS_VERSION_WRITER_BITS);
  seed_file(f, FX_R1, "u1", "new", 5 << RS_VERSION_WRITER_BITS); /* a write that reached r1 alone */
  bool seen = false;
  for (int i = 0; i < 12; i++) {
    size_t mark = fixture_mark(f);
    const fx_event *r = fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
    fixture_assert_outcome(r, RS_OUT_OK, RS_ST_SUCCESS);
    if (!seen && strcmp(r->value, "new") == 0) {
      seen = true;
      /* Before answering it wrote "new" back, at its version, to the member of its quorum that
       * lagged: a write quorum holds it now. */
      const fx_sent *wb = NULL;
      for (rs_node_id m = FX_R2; m <= FX_R3 && !wb; m++)
        wb = fixture_sent_nth(f, mark, c, m, RS_MSG_QUORUM_REQUEST, 1);
      assert_non_null(wb);
      rs_msg msg;
      fixture_decode(wb, &msg);
      assert_int_equal(msg.op.kind, RS_OP_WRITE);
      assert_int_equal(msg.res.version, 5 << RS_VERSION_WRITER_BITS);
      assert_true(wb->at <= r->t);
    }
    if (seen)
      assert_string_equal(r->value, "new"); /* never older again */
  }
  assert_true(seen);
  fixture_free(f);
}


/* Seed 004's quorum, sequentially: a write that one member would refuse (it still holds the
 * name under another uuid) is refused, and no member applies it: a refused update changes
 * nothing anywhere (the swarm found the acknowledged earlier write overwritten on the others). */
static void test_write_one_member_would_refuse_is_applied_nowhere(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(3, 2, 3, &c);
  seed_file(f, FX_R2, "other", "x", 1); /* r2 alone still has a live file named F1 */
  size_t mark = fixture_mark(f);
  const fx_event *e = fixture_run_op(f, c, fx_write("u1", "F1", "v9"), RS_NO_NODE);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_FILE_SAME_NAME_EXISTS);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 0);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++)
    assert_int_equal(fixture_count_events(f, r, RS_EV_APPLY), 0);
  fixture_free(f);
}

/* A write the coordinator sends again, its first answer lost, is answered from the at-most-once
 * table: a delete that ran once answers SUCCESS, not FILE ALREADY DELETED. */
static void test_resent_update_is_answered_from_the_at_most_once_table(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(3, 2, 2, &c);
  fixture_hold(f, FX_ANY, c);
  fixture_submit(f, c, fx_delete("u7"), FX_R1);
  fixture_run_until(f, fixture_now(f) + 0.1);
  assert_true(fixture_deliver_one(f, FX_R1, c, RS_MSG_QUORUM_REPLY)); /* the check's answer */
  fixture_run_until(f, fixture_now(f) + 0.1);
  assert_int_equal(fixture_drop(f, FX_R1, c, RS_MSG_QUORUM_REPLY), 1); /* the delete's answer is lost */
  fixture_release(f, FX_ANY, c);
  fixture_run_until_idle(f); /* the attempt times out; the retry writes the same version again */
  const fx_event *e = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 1);
  fixture_free(f);
}

/* ---- pinned steps ---- */

static void test_step_pinned_to_one_replica_talks_to_that_replica_alone(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(3, 2, 2, &c);
  size_t mark = fixture_mark(f);
  const fx_event *w = fixture_run_op(f, c, fx_write("u1", "F1", "hello"), FX_R2);
  fixture_assert_outcome(w, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(w->replica, FX_R2);
  assert_int_equal(fixture_sent(f, mark, c, FX_REGISTRY, FX_ANY_MSG), 0);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_CHECK), 1); /* its version, then the write */
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 1);
  assert_int_equal(fixture_sent(f, mark, c, FX_R2, RS_MSG_QUORUM_REQUEST), 1);
  assert_int_equal(fixture_count_events(f, FX_ANY, RS_EV_APPLY), 1);

  /* Seed 004's read-from-every-replica script: only r2 has the file. */
  fixture_assert_outcome(fixture_run_op(f, c, fx_read("u1"), FX_R1), RS_OUT_OK, RS_ST_FILE_DOES_NOT_EXIST);
  fixture_assert_outcome(fixture_run_op(f, c, fx_read("u1"), FX_R2), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_assert_outcome(fixture_run_op(f, c, fx_read("u1"), FX_R3), RS_OUT_OK, RS_ST_FILE_DOES_NOT_EXIST);
  assert_int_equal(fixture_sent(f, mark, c, FX_REGISTRY, FX_ANY_MSG), 0);
  fixture_free(f);
}

/* ---- parameters ---- */

static void test_quorum_parameters_follow_seed_004s_rule(void **state)
{
  (void)state;
  const char *why = NULL;
  assert_true(rs_quorum_valid(3, 2, 2, &why));
  assert_true(rs_quorum_valid(3, 1, 3, &why));
  assert_true(rs_quorum_valid(5, 2, 4, &why));
  why = NULL;
  assert_false(rs_quorum_valid(3, 1, 2, &why)); /* a read can miss the last write */
  assert_non_null(why);
  why = NULL;
  assert_false(rs_quorum_valid(3, 3, 1, &why)); /* two writes can miss each other */
  assert_non_null(why);
  why = NULL;
  assert_false(rs_quorum_valid(3, 2, 5, &why)); /* more than N */
  assert_non_null(why);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_read_keeps_the_latest_version_when_it_arrives_last),
      FX_TEST(test_read_keeps_the_latest_version_when_it_arrives_first),
      FX_TEST(test_tombstone_wins_over_an_older_live_version_arriving_after_it),
      FX_TEST(test_tombstone_wins_over_an_older_live_version_arriving_before_it),
      FX_TEST(test_write_goes_to_exactly_the_nw_replicas_the_registry_picked),
      FX_TEST(test_write_completes_only_after_every_picked_replica_answered),
      FX_TEST(test_read_asks_exactly_nr_replicas),
      FX_TEST(test_write_refused_by_one_member_reports_the_refusal),
      FX_TEST(test_read_after_write_sees_the_write_whichever_quorums_are_picked),
      FX_TEST(test_write_version_is_one_above_the_newest_its_quorum_holds),
      FX_TEST(test_write_one_member_would_refuse_is_applied_nowhere),
      FX_TEST(test_resent_update_is_answered_from_the_at_most_once_table),
      FX_TEST(test_read_repair_writes_what_it_returns_back_before_answering),
      FX_TEST(test_step_pinned_to_one_replica_talks_to_that_replica_alone),
      FX_TEST(test_quorum_parameters_follow_seed_004s_rule),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
