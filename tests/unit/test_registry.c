/* Unit tests for the registry (core/registry.c): who is primary, who is told, when clients hear. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 4 };

/* ---- primary-backup ---- */

static void test_first_replica_to_register_becomes_primary(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  /* r3 is the closest to the registry, so its REGISTER arrives first. */
  fixture_set_latency(f, FX_R1, FX_REGISTRY, 0.005);
  fixture_set_latency(f, FX_R2, FX_REGISTRY, 0.003);
  fixture_set_latency(f, FX_R3, FX_REGISTRY, 0.001);
  fixture_pb_cluster(f, 3, true, false);
  fixture_run_until_idle(f);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R3)), PB_ROLE_PRIMARY);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R1)), PB_ROLE_BACKUP);
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R2)), PB_ROLE_BACKUP);
  assert_string_equal(fixture_event_nth(f, FX_R3, RS_EV_ROLE, -1)->role, "primary");
  assert_string_equal(fixture_event_nth(f, FX_R1, RS_EV_ROLE, -1)->role, "backup");
  fixture_free(f);
}

static void test_every_replica_is_told_who_the_primary_is(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  fixture_run_until_idle(f);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, r, RS_MSG_REGISTER_REPLY), 1);
    assert_int_equal(fixture_sent_msg(f, 0, FX_REGISTRY, r, RS_MSG_REGISTER_REPLY, 0).node, FX_R1);
    assert_int_equal(pb_get_primary(fixture_pb(f, r)), FX_R1);
  }
  fixture_free(f);
}

static void test_primary_is_told_of_each_new_replica_and_acknowledges_it(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, FX_ANY, RS_MSG_NEW_REPLICA), 2);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, FX_R1, RS_MSG_NEW_REPLICA), 2);
  assert_int_equal(fixture_sent_msg(f, 0, FX_REGISTRY, FX_R1, RS_MSG_NEW_REPLICA, 0).node, FX_R2);
  assert_int_equal(fixture_sent_msg(f, 0, FX_REGISTRY, FX_R1, RS_MSG_NEW_REPLICA, 1).node, FX_R3);
  assert_int_equal(fixture_sent_msg(f, 0, FX_R1, FX_REGISTRY, RS_MSG_NEW_REPLICA_ACK, 0).node, FX_R2);
  assert_int_equal(fixture_sent_msg(f, 0, FX_R1, FX_REGISTRY, RS_MSG_NEW_REPLICA_ACK, 1).node, FX_R3);
  fixture_free(f);
}

/* Registry, three replicas and a client whose messages to the registry are all held. */
static fixture *cluster_with_everything_held_at_the_registry(rs_node_id *client)
{
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  *client = fixture_add_client(f, "c1", 1.0, 3);
  fixture_hold(f, FX_ANY, FX_REGISTRY);
  fixture_run_until_idle(f);
  return f;
}

static void test_client_is_answered_only_once_every_replica_registered(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = cluster_with_everything_held_at_the_registry(&c);
  assert_true(fixture_deliver_one(f, c, FX_REGISTRY, RS_MSG_GET_REPLICAS));
  assert_true(fixture_deliver_one(f, FX_R1, FX_REGISTRY, RS_MSG_REGISTER));
  assert_true(fixture_deliver_one(f, FX_R2, FX_REGISTRY, RS_MSG_REGISTER));
  fixture_run_until_idle(f);
  assert_true(fixture_deliver_one(f, FX_R1, FX_REGISTRY, RS_MSG_NEW_REPLICA_ACK));
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS), 0);
  assert_false(rs_client_ready(fixture_client(f, c)));
  fixture_release(f, FX_ANY, FX_REGISTRY);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS), 1);
  assert_true(rs_client_ready(fixture_client(f, c)));
  fixture_free(f);
}

static void test_client_is_answered_only_once_the_primary_acknowledged_every_backup(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = cluster_with_everything_held_at_the_registry(&c);
  assert_true(fixture_deliver_one(f, FX_R1, FX_REGISTRY, RS_MSG_REGISTER));
  fixture_release(f, FX_ANY, FX_REGISTRY);
  fixture_hold(f, FX_R1, FX_REGISTRY); /* from now on: the primary's acknowledgements */
  fixture_run_until_idle(f);
  assert_int_equal(fixture_queued(f, FX_R1, FX_REGISTRY, RS_MSG_NEW_REPLICA_ACK), 2);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS), 0);
  fixture_deliver_one(f, FX_R1, FX_REGISTRY, RS_MSG_NEW_REPLICA_ACK);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS), 0);
  fixture_deliver_one(f, FX_R1, FX_REGISTRY, RS_MSG_NEW_REPLICA_ACK);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS), 1);
  rs_msg m = fixture_sent_msg(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS, 0);
  assert_int_equal(m.n_nodes, 3);
  assert_int_equal(m.nodes[0], FX_R1);
  assert_int_equal(m.nodes[1], FX_R2);
  assert_int_equal(m.nodes[2], FX_R3);
  assert_int_equal(m.node, FX_R1);
  fixture_free(f);
}

static void test_client_asking_a_ready_cluster_is_answered_at_once(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  fixture_run_until_idle(f);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS), 1);
  assert_true(rs_client_ready(fixture_client(f, c)));
  fixture_free(f);
}

static void test_replica_registering_again_keeps_its_place(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  fixture_run_until_idle(f);
  size_t mark = fixture_mark(f);
  rs_msg reg = {.type = RS_MSG_REGISTER, .node = FX_R2};
  fixture_inject(f, FX_R2, FX_REGISTRY, &reg);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent_msg(f, mark, FX_REGISTRY, FX_R2, RS_MSG_REGISTER_REPLY, 0).node, FX_R1);
  assert_int_equal(fixture_sent_msg(f, mark, FX_REGISTRY, c, RS_MSG_REPLICAS, 0).n_nodes, 3);
  fixture_free(f);
}

static void test_registry_refuses_a_message_it_does_not_handle(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 1, true, false);
  rs_msg m = {.type = RS_MSG_REPLICATE, .index = 1};
  fixture_inject(f, FX_R1, FX_REGISTRY, &m);
  fixture_run_until_idle(f);
  const fx_event *e = fixture_event_nth(f, FX_REGISTRY, RS_EV_REFUSE, 0);
  assert_non_null(e);
  assert_int_equal(e->from, FX_R1);
  assert_int_equal(e->msg_type, RS_MSG_REPLICATE);
  assert_non_null(e->why);
  fixture_free(f);
}

/* ---- quorum ---- */

static void test_quorum_registry_names_no_primary(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_quorum_cluster(f, 3, 2, 2);
  rs_node_id c = fixture_add_client(f, "c1", 1.0, 3);
  fixture_run_until_idle(f);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_sent_msg(f, 0, FX_REGISTRY, r, RS_MSG_REGISTER_REPLY, 0).node, RS_NO_NODE);
    assert_string_equal(fixture_event_nth(f, r, RS_EV_ROLE, 0)->role, "replica");
  }
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, FX_ANY, RS_MSG_NEW_REPLICA), 0);
  assert_int_equal(fixture_sent_msg(f, 0, FX_REGISTRY, c, RS_MSG_REPLICAS, 0).n_nodes, 3);
  fixture_free(f);
}

/* A quorum cluster of 5 (Nr 2, Nw 4) and a stub that asks the registry `n` times of each kind;
 * the stub's answers stay in the send log. */
static fixture *ask_for_quorums(uint64_t seed, int n, rs_node_id *asker)
{
  fixture *f = fixture_new(seed, &rs_app_files);
  fixture_quorum_cluster(f, 5, 2, 4);
  *asker = fixture_add_stub(f, "asker");
  fixture_run_until_idle(f);
  for (int i = 0; i < 2 * n; i++) {
    rs_msg m = {.type = RS_MSG_GET_REPLICAS, .seq = (uint64_t)i + 1,
                .which = i % 2 ? RS_WHICH_WRITE : RS_WHICH_READ};
    fixture_inject(f, *asker, FX_REGISTRY, &m);
  }
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, *asker, RS_MSG_REPLICAS), 2 * n);
  return f;
}

/* The picks of answer i as a bit set of replica ids. */
static uint32_t pick_set(const rs_msg *m)
{
  uint32_t set = 0;
  for (uint32_t k = 0; k < m->n_nodes; k++)
    set |= 1u << m->nodes[k];
  return set;
}

static void test_quorum_registry_hands_out_nr_or_nw_distinct_replicas(void **state)
{
  (void)state;
  rs_node_id asker;
  fixture *f = ask_for_quorums(SEED, 20, &asker);
  for (int i = 0; i < 40; i++) {
    rs_msg m = fixture_sent_msg(f, 0, FX_REGISTRY, asker, RS_MSG_REPLICAS, i);
    assert_int_equal(m.seq, (uint64_t)i + 1);
    assert_int_equal(m.which, i % 2 ? RS_WHICH_WRITE : RS_WHICH_READ);
    assert_int_equal(m.n_nodes, i % 2 ? 4 : 2);
    for (uint32_t k = 0; k < m.n_nodes; k++)
      assert_in_range(m.nodes[k], FX_R1, FX_R5);
    assert_int_equal(__builtin_popcount(pick_set(&m)), m.n_nodes); /* distinct */
  }
  fixture_free(f);
}

static void test_quorum_registry_picks_differ_across_requests(void **state)
{
  (void)state;
  rs_node_id asker;
  fixture *f = ask_for_quorums(SEED, 20, &asker);
  uint32_t first = pick_set(&(rs_msg){0});
  int different = 0;
  for (int i = 0; i < 40; i += 2) {
    rs_msg m = fixture_sent_msg(f, 0, FX_REGISTRY, asker, RS_MSG_REPLICAS, i);
    if (i == 0)
      first = pick_set(&m);
    different += pick_set(&m) != first;
  }
  assert_true(different > 0);
  fixture_free(f);
}

/* Every answer's picks, in order, as one comparable string. */
static char *picks_for_seed(uint64_t seed)
{
  rs_node_id asker;
  fixture *f = ask_for_quorums(seed, 10, &asker);
  GString *s = g_string_new(NULL);
  for (int i = 0; i < 20; i++) {
    rs_msg m = fixture_sent_msg(f, 0, FX_REGISTRY, asker, RS_MSG_REPLICAS, i);
    for (uint32_t k = 0; k < m.n_nodes; k++)
      g_string_append_printf(s, "%u ", m.nodes[k]);
    g_string_append(s, "| ");
  }
  fixture_free(f);
  return g_string_free(s, FALSE);
}

static void test_quorum_registry_picks_are_the_same_for_the_same_seed(void **state)
{
  (void)state;
  char *a = picks_for_seed(7), *b = picks_for_seed(7), *c = picks_for_seed(8);
  assert_string_equal(a, b);
  assert_string_not_equal(a, c);
  g_free(a);
  g_free(b);
  g_free(c);
}

/* ---- quorum parameters ---- */

static void assert_quorum_rejected(uint32_t n, uint32_t nr, uint32_t nw, const char *reason_mentions)
{
  const char *why = NULL;
  assert_false(rs_quorum_valid(n, nr, nw, &why));
  assert_non_null(why);
  assert_non_null(strstr(why, reason_mentions));
}

/* A registry that restarted forgets the joiners it admitted (N = the scenario's 1 again); an
 * admitted joiner's next heartbeat (caught up) makes it a member, and the quorums grow for two
 * members: Nw = 2 (the swarm, seed 2 case 782: they stayed at one of two, and puts and reads
 * missed each other for the rest of the run). */
static void test_quorum_registry_sizes_quorums_for_every_member_it_knows(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_quorum_cluster(f, 1, 1, 1);
  rs_node_id joiner = fixture_add_stub(f, "j1");
  rs_node_id asker = fixture_add_stub(f, "asker");
  fixture_run_until_idle(f);
  rs_msg beat = {.type = RS_MSG_HEARTBEAT, .which = RS_QUORUM_CAUGHT_UP, .node = joiner};
  fixture_inject(f, joiner, FX_REGISTRY, &beat);
  rs_msg ask = {.type = RS_MSG_GET_REPLICAS, .seq = 1, .which = RS_WHICH_WRITE};
  fixture_inject(f, asker, FX_REGISTRY, &ask);
  fixture_run_until_idle(f);
  rs_msg w = fixture_sent_msg(f, 0, FX_REGISTRY, asker, RS_MSG_REPLICAS, 0);
  assert_int_equal(w.n_nodes, 2);
  assert_int_equal(w.index, 2); /* Nw, for a read-repair coordinator */
  assert_int_equal(pick_set(&w), (1u << FX_R1) | (1u << joiner));
  fixture_free(f);
}

static void test_quorum_valid_accepts_overlapping_quorums(void **state)
{
  (void)state;
  const char *why = NULL;
  assert_true(rs_quorum_valid(3, 2, 2, &why));
  assert_true(rs_quorum_valid(5, 3, 3, &why));
  assert_true(rs_quorum_valid(5, 1, 5, &why));
  assert_true(rs_quorum_valid(4, 2, 3, &why));
  assert_true(rs_quorum_valid(1, 1, 1, &why));
}

static void test_quorum_valid_rejects_reads_that_can_miss_a_write(void **state)
{
  (void)state;
  assert_quorum_rejected(5, 2, 3, "Nr + Nw");
  assert_quorum_rejected(4, 2, 2, "Nr + Nw");
  assert_quorum_rejected(5, 1, 3, "Nr + Nw");
}

static void test_quorum_valid_rejects_write_quorums_that_can_miss_each_other(void **state)
{
  (void)state;
  assert_quorum_rejected(4, 3, 2, "N/2");
  assert_quorum_rejected(6, 5, 3, "N/2");
}

static void test_quorum_valid_rejects_zero_and_more_than_n(void **state)
{
  (void)state;
  assert_quorum_rejected(3, 0, 3, "between 1 and N");
  assert_quorum_rejected(3, 3, 0, "between 1 and N");
  assert_quorum_rejected(3, 4, 2, "between 1 and N");
  assert_quorum_rejected(3, 2, 4, "between 1 and N");
  assert_quorum_rejected(0, 1, 1, "between 1 and N");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_first_replica_to_register_becomes_primary),
      FX_TEST(test_every_replica_is_told_who_the_primary_is),
      FX_TEST(test_primary_is_told_of_each_new_replica_and_acknowledges_it),
      FX_TEST(test_client_is_answered_only_once_every_replica_registered),
      FX_TEST(test_client_is_answered_only_once_the_primary_acknowledged_every_backup),
      FX_TEST(test_client_asking_a_ready_cluster_is_answered_at_once),
      FX_TEST(test_replica_registering_again_keeps_its_place),
      FX_TEST(test_registry_refuses_a_message_it_does_not_handle),
      FX_TEST(test_quorum_registry_names_no_primary),
      FX_TEST(test_quorum_registry_hands_out_nr_or_nw_distinct_replicas),
      FX_TEST(test_quorum_registry_picks_differ_across_requests),
      FX_TEST(test_quorum_registry_picks_are_the_same_for_the_same_seed),
      FX_TEST(test_quorum_registry_sizes_quorums_for_every_member_it_knows),
      FX_TEST(test_quorum_valid_accepts_overlapping_quorums),
      FX_TEST(test_quorum_valid_rejects_reads_that_can_miss_a_write),
      FX_TEST(test_quorum_valid_rejects_write_quorums_that_can_miss_each_other),
      FX_TEST(test_quorum_valid_rejects_zero_and_more_than_n),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
