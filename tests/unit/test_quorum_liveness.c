/* Unit tests for quorum replication under crashes: quorum replicas heartbeat the registry
 * (core/quorum_replica.c), the registry hands out only replicas it heard from lately
 * (core/registry.c), and with too few live replicas an operation fails at once with NO QUORUM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 4 };

/* The fixture's defaults: replicas beat every second, the registry waits 3 beats. */
#define HEARTBEAT RS_REGISTRY_DEFAULT_HEARTBEAT
#define DEAD_WINDOW (RS_REGISTRY_DEFAULT_DEAD_AFTER * RS_REGISTRY_DEFAULT_HEARTBEAT)
#define CLIENT_TIMEOUT 1.0
/* Client -> registry -> client: two hops of the fixture's default latency, and then some. */
#define FAST 0.01

/* A quorum cluster of n replicas and one client "c1", all quiet. */
static fixture *quorum_cluster(uint64_t seed, int n, int nr, int nw, rs_node_id *client)
{
  fixture *f = fixture_new(seed, &rs_app_files);
  fixture_quorum_cluster(f, n, nr, nw);
  *client = fixture_add_client(f, "c1", CLIENT_TIMEOUT, 3);
  fixture_run_until_idle(f);
  assert_true(rs_client_ready(fixture_client(f, *client)));
  return f;
}

/* Crashes each replica in `down` (0-terminated) and lets the registry notice. */
static void crash_and_wait(fixture *f, const rs_node_id *down)
{
  for (; *down; down++)
    fixture_crash(f, *down);
  fixture_run_until(f, fixture_now(f) + DEAD_WINDOW + 2 * HEARTBEAT);
}

/* The replicas in a REPLICAS answer as a bit set of ids. */
static uint32_t pick_set(const rs_msg *m)
{
  uint32_t set = 0;
  for (uint32_t i = 0; i < m->n_nodes; i++)
    set |= 1u << m->nodes[i];
  return set;
}

/* Has `asker` (a stub) ask the registry for one list of each kind in `kinds`, and returns the
 * registry's answers in order in `out` (decoded; their slices live as long as the fixture). */
static void ask(fixture *f, rs_node_id asker, const rs_which *kinds, int n, rs_msg *out)
{
  size_t mark = fixture_mark(f);
  for (int i = 0; i < n; i++) {
    rs_msg m = {.type = RS_MSG_GET_REPLICAS, .seq = (uint64_t)i + 1, .which = (uint8_t)kinds[i]};
    fixture_inject(f, asker, FX_REGISTRY, &m);
  }
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, mark, FX_REGISTRY, asker, RS_MSG_REPLICAS), n);
  for (int i = 0; i < n; i++) {
    out[i] = fixture_sent_msg(f, mark, FX_REGISTRY, asker, RS_MSG_REPLICAS, i);
    assert_int_equal(out[i].seq, (uint64_t)i + 1);
  }
}

/* Asks for n lists alternately READ and WRITE. */
static void ask_alternately(fixture *f, rs_node_id asker, int n, rs_msg *out)
{
  rs_which kinds[64];
  assert_true(n <= 64);
  for (int i = 0; i < n; i++)
    kinds[i] = i % 2 ? RS_WHICH_WRITE : RS_WHICH_READ;
  ask(f, asker, kinds, n, out);
}

/* Runs `op` from client c and checks it ended at once (no timeout) with FAIL NO QUORUM, having
 * asked no replica. */
static void assert_fails_fast_with_no_quorum(fixture *f, rs_node_id c, rs_op op)
{
  size_t mark = fixture_mark(f);
  double start = fixture_now(f);
  const fx_event *e = fixture_run_op(f, c, op, RS_NO_NODE);
  fixture_assert_outcome(e, RS_OUT_FAIL, RS_ST_NO_QUORUM);
  assert_true(e->t - start < FAST);
  assert_int_equal(fixture_sent(f, mark, c, FX_REGISTRY, RS_MSG_GET_REPLICAS), 1);
  assert_int_equal(fixture_sent_msg(f, mark, FX_REGISTRY, c, RS_MSG_REPLICAS, 0).n_nodes, 0);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 0);
}

static void assert_succeeds(fixture *f, rs_node_id c, rs_op op)
{
  double start = fixture_now(f);
  const fx_event *e = fixture_run_op(f, c, op, RS_NO_NODE);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_true(e->t - start < FAST);
}

/* ---- heartbeats ---- */

static void test_replica_heartbeats_the_registry_every_period_without_an_answer(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 3, 2, 2, &c);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++)
    assert_true(fixture_timer_armed(f, r, QUORUM_TIMER_HEARTBEAT));
  fixture_run_until(f, 5.5);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    assert_int_equal(fixture_sent(f, 0, r, FX_REGISTRY, RS_MSG_REGISTER), 1);
    assert_int_equal(fixture_sent(f, 0, r, FX_REGISTRY, RS_MSG_HEARTBEAT), 5); /* at 1, 2, 3, 4, 5 s */
    const fx_sent *first = fixture_sent_nth(f, 0, r, FX_REGISTRY, RS_MSG_HEARTBEAT, 0);
    const fx_sent *last = fixture_sent_nth(f, 0, r, FX_REGISTRY, RS_MSG_HEARTBEAT, 4);
    assert_true(first->sent_at >= HEARTBEAT && first->sent_at < HEARTBEAT + FAST);
    assert_true(last->sent_at - first->sent_at > 4 * HEARTBEAT - FAST);
    rs_msg m = fixture_sent_msg(f, 0, r, FX_REGISTRY, RS_MSG_HEARTBEAT, 0);
    assert_int_equal(m.node, r);
    assert_int_equal(fixture_sent(f, 0, FX_REGISTRY, r, FX_ANY_MSG), 1); /* the REGISTER_REPLY only */
  }
  assert_int_equal(fixture_count_events(f, FX_REGISTRY, RS_EV_REFUSE), 0);
  fixture_free(f);
}

/* Primary-backup is untouched: its registry still refuses a HEARTBEAT. */
static void test_primary_backup_registry_still_refuses_a_heartbeat(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  fixture_run_until_idle(f);
  rs_msg hb = {.type = RS_MSG_HEARTBEAT, .node = FX_R2};
  fixture_inject(f, FX_R2, FX_REGISTRY, &hb);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_count_events(f, FX_REGISTRY, RS_EV_REFUSE), 1);
  assert_int_equal(fixture_event_nth(f, FX_REGISTRY, RS_EV_REFUSE, 0)->msg_type, RS_MSG_HEARTBEAT);
  fixture_free(f);
}

/* ---- only live replicas are handed out ---- */

static void test_registry_hands_out_only_live_replicas_but_lists_them_all(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 3, 3, &c);
  rs_node_id asker = fixture_add_stub(f, "asker");
  const rs_node_id down[] = {FX_R2, 0};
  crash_and_wait(f, down);
  rs_msg answers[40];
  ask_alternately(f, asker, 40, answers);
  uint32_t seen = 0;
  for (int i = 0; i < 40; i++) {
    assert_int_equal(answers[i].n_nodes, 3);
    assert_false(pick_set(&answers[i]) & (1u << FX_R2));
    seen |= pick_set(&answers[i]);
  }
  /* Every live replica turns up sooner or later. */
  assert_int_equal(seen, (1u << FX_R1) | (1u << FX_R3) | (1u << FX_R4) | (1u << FX_R5));

  const rs_which all[] = {RS_WHICH_ALL};
  rs_msg listed;
  ask(f, asker, all, 1, &listed);
  assert_int_equal(listed.n_nodes, 5);
  for (uint32_t i = 0; i < 5; i++)
    assert_int_equal(listed.nodes[i], FX_R1 + i);
  fixture_free(f);
}

/* Nr = N: a read list is all or nothing, which shows the exact moment a replica turns dead. A
 * replica cut off from the registry is live while it was heard within dead_after x heartbeat. */
static void test_replica_is_dead_once_silent_for_dead_after_heartbeats(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 5, 3, &c);
  rs_node_id asker = fixture_add_stub(f, "asker");
  fixture_run_until(f, 10.5);
  fixture_cut(f, FX_R4, FX_REGISTRY);
  int beats = fixture_sent(f, 0, FX_R4, FX_REGISTRY, RS_MSG_HEARTBEAT);
  double last = fixture_sent_nth(f, 0, FX_R4, FX_REGISTRY, RS_MSG_HEARTBEAT, beats - 1)->at; /* heard */
  assert_true(last > 10.0 && last < 10.5);
  const rs_which read[] = {RS_WHICH_READ};
  rs_msg m;

  fixture_run_until(f, last + DEAD_WINDOW - 0.1);
  ask(f, asker, read, 1, &m);
  assert_int_equal(m.n_nodes, 5);

  fixture_run_until(f, last + DEAD_WINDOW + 0.1);
  ask(f, asker, read, 1, &m);
  assert_int_equal(m.n_nodes, 0);

  /* Healed: its next heartbeat makes it live again. */
  fixture_heal(f, FX_R4, FX_REGISTRY);
  fixture_run_until(f, fixture_now(f) + HEARTBEAT + FAST);
  ask(f, asker, read, 1, &m);
  assert_int_equal(m.n_nodes, 5);
  fixture_free(f);
}

/* ---- operations under crashes ---- */

static void test_one_of_five_down_operations_succeed_and_never_ask_the_dead_one(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 3, 3, &c);
  const rs_node_id down[] = {FX_R3, 0};
  crash_and_wait(f, down);
  size_t mark = fixture_mark(f);
  for (int i = 0; i < 15; i++) {
    char content[16];
    g_snprintf(content, sizeof content, "v%d", i);
    assert_succeeds(f, c, fx_write("u1", "F1", content));
    const fx_event *r = fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
    fixture_assert_outcome(r, RS_OUT_OK, RS_ST_SUCCESS);
    assert_string_equal(r->value, content);
  }
  /* 15 writes (a check, then the write, to each of 3) and 15 reads (3 each). */
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_CHECK), 15 * 3);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 15 * 3 + 15 * 3);
  assert_int_equal(fixture_sent(f, mark, c, FX_R3, FX_ANY_MSG), 0);
  assert_int_equal(fixture_sent(f, mark, FX_ANY, FX_R3, FX_ANY_MSG), 0);
  fixture_free(f);
}

/* N - max(Nr, Nw) = 2 may be down; with 3 down neither reads nor writes can gather a quorum. */
static void test_three_of_five_down_reads_and_writes_fail_fast_with_no_quorum(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 3, 3, &c);
  assert_succeeds(f, c, fx_write("u1", "F1", "before"));
  const rs_node_id down[] = {FX_R1, FX_R2, FX_R5, 0};
  crash_and_wait(f, down);
  assert_fails_fast_with_no_quorum(f, c, fx_write("u1", "F1", "after"));
  assert_fails_fast_with_no_quorum(f, c, fx_read("u1"));
  assert_fails_fast_with_no_quorum(f, c, fx_delete("u1"));
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 4);
  fixture_free(f);
}

static void test_nw4_nr2_one_down_writes_still_succeed(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 2, 4, &c);
  const rs_node_id down[] = {FX_R2, 0};
  crash_and_wait(f, down);
  size_t mark = fixture_mark(f);
  assert_succeeds(f, c, fx_write("u1", "F1", "hello"));
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_CHECK), 4); /* check, then write */
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 4);
  assert_int_equal(fixture_sent(f, mark, c, FX_R2, RS_MSG_QUORUM_REQUEST), 0);
  const fx_event *r = fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
  fixture_assert_outcome(r, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(r->value, "hello");
  fixture_free(f);
}

static void test_nw4_nr2_two_down_writes_fail_with_no_quorum_and_reads_succeed(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 2, 4, &c);
  assert_succeeds(f, c, fx_write("u1", "F1", "hello"));
  const rs_node_id down[] = {FX_R1, FX_R4, 0};
  crash_and_wait(f, down);
  assert_fails_fast_with_no_quorum(f, c, fx_write("u1", "F1", "again"));
  assert_fails_fast_with_no_quorum(f, c, fx_delete("u1"));
  for (int i = 0; i < 6; i++) {
    size_t mark = fixture_mark(f);
    double start = fixture_now(f);
    const fx_event *r = fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
    fixture_assert_outcome(r, RS_OUT_OK, RS_ST_SUCCESS);
    assert_true(r->t - start < FAST);
    /* The write reached all replicas but one, so at least two of the three survivors: any two
     * of them include one that has it. */
    assert_string_equal(r->value, "hello");
    assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_QUORUM_REQUEST), 2);
    assert_int_equal(fixture_sent(f, mark, c, FX_R1, FX_ANY_MSG) + fixture_sent(f, mark, c, FX_R4, FX_ANY_MSG), 0);
  }
  fixture_free(f);
}

/* ---- restarts ---- */

static void test_restarted_replica_is_handed_out_again(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = quorum_cluster(SEED, 5, 2, 4, &c);
  rs_node_id asker = fixture_add_stub(f, "asker");
  const rs_node_id down[] = {FX_R3, FX_R5, 0};
  crash_and_wait(f, down);
  assert_fails_fast_with_no_quorum(f, c, fx_write("u1", "F1", "x"));
  assert_false(fixture_timer_armed(f, FX_R3, QUORUM_TIMER_HEARTBEAT));

  size_t mark = fixture_mark(f);
  fixture_restart(f, FX_R3);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, mark, FX_R3, FX_REGISTRY, RS_MSG_REGISTER), 1);
  assert_int_equal(fixture_sent(f, mark, FX_REGISTRY, FX_R3, RS_MSG_REGISTER_REPLY), 1);
  assert_true(fixture_timer_armed(f, FX_R3, QUORUM_TIMER_HEARTBEAT));

  /* Back at once, and it stays live on its heartbeats. */
  assert_succeeds(f, c, fx_write("u1", "F1", "back"));
  fixture_run_until(f, fixture_now(f) + 2 * DEAD_WINDOW);
  rs_msg answers[20];
  ask_alternately(f, asker, 20, answers);
  uint32_t seen = 0;
  for (int i = 0; i < 20; i++) {
    if (answers[i].which == RS_WHICH_WRITE)
      assert_int_equal(pick_set(&answers[i]), (1u << FX_R1) | (1u << FX_R2) | (1u << FX_R3) | (1u << FX_R4));
    assert_false(pick_set(&answers[i]) & (1u << FX_R5));
    seen |= pick_set(&answers[i]);
  }
  assert_true(seen & (1u << FX_R3));
  assert_succeeds(f, c, fx_write("u1", "F1", "later"));
  fixture_free(f);
}

/* ---- determinism ---- */

/* Five replicas (Nr 2, Nw 4), r4 down, then 30 lists; their picks as bit sets in `out`. */
static void picks_with_one_down(uint64_t seed, uint32_t *out, int n)
{
  rs_node_id c;
  fixture *f = quorum_cluster(seed, 5, 2, 4, &c);
  rs_node_id asker = fixture_add_stub(f, "asker");
  const rs_node_id down[] = {FX_R4, 0};
  crash_and_wait(f, down);
  rs_msg answers[30];
  assert_true(n <= 30);
  ask_alternately(f, asker, n, answers);
  for (int i = 0; i < n; i++) {
    assert_int_equal(answers[i].n_nodes, i % 2 ? 4 : 2);
    out[i] = 0;
    for (uint32_t k = 0; k < answers[i].n_nodes; k++)
      out[i] = out[i] * 8 + answers[i].nodes[k]; /* the order of the picks counts too */
  }
  fixture_free(f);
}

static void test_same_seed_same_picks_under_crashes(void **state)
{
  (void)state;
  uint32_t a[30], b[30], other[30];
  picks_with_one_down(SEED, a, 30);
  picks_with_one_down(SEED, b, 30);
  picks_with_one_down(SEED + 1, other, 30);
  assert_memory_equal(a, b, sizeof a);
  assert_memory_not_equal(a, other, sizeof a);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_replica_heartbeats_the_registry_every_period_without_an_answer),
      FX_TEST(test_primary_backup_registry_still_refuses_a_heartbeat),
      FX_TEST(test_registry_hands_out_only_live_replicas_but_lists_them_all),
      FX_TEST(test_replica_is_dead_once_silent_for_dead_after_heartbeats),
      FX_TEST(test_one_of_five_down_operations_succeed_and_never_ask_the_dead_one),
      FX_TEST(test_three_of_five_down_reads_and_writes_fail_fast_with_no_quorum),
      FX_TEST(test_nw4_nr2_one_down_writes_still_succeed),
      FX_TEST(test_nw4_nr2_two_down_writes_fail_with_no_quorum_and_reads_succeed),
      FX_TEST(test_restarted_replica_is_handed_out_again),
      FX_TEST(test_same_seed_same_picks_under_crashes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
