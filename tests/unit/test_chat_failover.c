/* Unit tests for chat over ordered failover (seed 003), driven on the in-memory fixture: the
 * leader's stamp reaches every replica, a fetch survives a failover, a list stays at the leader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/apps/chat.h"
#include "support/fixture.h"

enum { SEED = 3 };

static fixture *chat_cluster(void)
{
  fixture *f = fixture_new(SEED, &rs_app_chat);
  fx_failover fo = {.failover = RS_FAILOVER_CORE_ORDERED, .heartbeat = 1.0, .dead_after = 3, .reads_primary = true};
  fixture_failover_cluster(f, 3, true, &fo);
  fixture_run_until(f, 0.5);
  return f;
}

static uint64_t digest(fixture *f, rs_node_id r)
{
  rs_app *app = fixture_app(f, r);
  return app->ops->digest(app->state);
}

static const fx_event *run_op(fixture *f, rs_node_id c, rs_op op)
{
  fixture_submit(f, c, op, RS_NO_NODE);
  fixture_run_until(f, fixture_now(f) + 6.0);
  return fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
}

static rs_op reg(const char *user)
{
  return (rs_op){.kind = RS_OP_REGISTER, .key = rs_bytes_str(user), .value = rs_bytes_str("pw")};
}

static rs_op send_to(const char *to, const char *text)
{
  return (rs_op){.kind = RS_OP_SEND, .key = rs_bytes_str(to), .name = rs_bytes_str("alice"),
                 .value = rs_bytes_str(text)};
}

static rs_op fetch(const char *user)
{
  return (rs_op){.kind = RS_OP_FETCH, .key = rs_bytes_str(user)};
}

/* The leader stamps a send with its wall clock before replicating it: every replica stores the
 * same uuid and timestamp (their digests agree), and the answer carries both. */
static void test_every_replica_stores_the_leaders_stamp(void **state)
{
  (void)state;
  fixture *f = chat_cluster();
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 6);
  fixture_run_until(f, 0.6);
  fixture_assert_outcome(run_op(f, c, reg("bob")), RS_OUT_OK, RS_ST_SUCCESS);
  double before = fixture_now(f);
  const fx_event *e = run_op(f, c, send_to("bob", "hi"));
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  char **parts = g_strsplit(e->value, " ", 2);
  assert_int_equal(strlen(parts[0]), 36);
  assert_true(g_ascii_strtod(parts[1], NULL) >= before);
  for (rs_node_id r = FX_R1; r <= FX_R3; r++) {
    rs_chat_message m;
    assert_true(rs_chat_newest(fixture_app(f, r)->state, rs_bytes_str("bob"), &m));
    assert_true(rs_bytes_eq_str(m.id, parts[0]));
    assert_true(rs_bytes_eq_str(m.timestamp, parts[1]));
  }
  assert_int_equal(digest(f, FX_R1), digest(f, FX_R2));
  assert_int_equal(digest(f, FX_R1), digest(f, FX_R3));
  g_strfreev(parts);
  fixture_free(f);
}

/* Messages sent while the leader changes twice are all fetched, oldest first, from the last
 * replica standing; a second fetch finds nothing. */
static void test_fetch_after_two_crashes_gets_every_message(void **state)
{
  (void)state;
  fixture *f = chat_cluster();
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 8);
  fixture_run_until(f, 0.6);
  run_op(f, c, reg("bob"));
  run_op(f, c, send_to("bob", "one"));
  fixture_crash(f, FX_R1);
  fixture_run_until(f, fixture_now(f) + 5.0); /* r2 takes over after 3 missed beats */
  fixture_assert_outcome(run_op(f, c, send_to("bob", "two")), RS_OUT_OK, RS_ST_SUCCESS);
  fixture_crash(f, FX_R2);
  fixture_run_until(f, fixture_now(f) + 5.0);
  fixture_assert_outcome(run_op(f, c, send_to("bob", "three")), RS_OUT_OK, RS_ST_SUCCESS);
  const fx_event *e = run_op(f, c, fetch("bob"));
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(e->replica, FX_R3);
  assert_string_equal(e->value, "one|two|three");
  e = run_op(f, c, fetch("bob"));
  assert_string_equal(e->value, "");
  fixture_free(f);
}

/* A fetch that ran everywhere but whose answer was lost with its leader: the retry at the next
 * leader answers the same texts (they were taken out of the queue; the at-most-once table of a
 * backup keeps a fetch's answer whole), and they are not fetched a second time. */
static void test_a_retried_fetch_gets_its_texts_from_the_next_leader(void **state)
{
  (void)state;
  fixture *f = chat_cluster();
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 20);
  fixture_run_until(f, 0.6);
  run_op(f, c, reg("bob"));
  run_op(f, c, send_to("bob", "one"));
  fixture_hold(f, FX_R1, c); /* r1's reply never leaves */
  fixture_submit(f, c, fetch("bob"), RS_NO_NODE);
  fixture_run_until(f, fixture_now(f) + 0.1);
  assert_int_equal(fixture_count_events(f, FX_R2, RS_EV_APPLY), 3); /* register, send, fetch */
  fixture_crash(f, FX_R1);
  fixture_run_until(f, fixture_now(f) + 10.0);
  const fx_event *e = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(e->op_kind, RS_OP_FETCH);
  assert_int_equal(e->replica, FX_R2);
  assert_non_null(e->value);
  assert_string_equal(e->value, "one");
  assert_string_equal(run_op(f, c, fetch("bob"))->value, "");
  fixture_free(f);
}

/* A list is a pure read: the leader answers it without a word to the replicas. */
static void test_list_is_answered_by_the_leader_alone(void **state)
{
  (void)state;
  fixture *f = chat_cluster();
  rs_node_id c = fixture_add_client(f, "c1", 0.5, 3);
  fixture_run_until(f, 0.6);
  run_op(f, c, reg("bob"));
  run_op(f, c, reg("alice"));
  size_t mark = fixture_mark(f);
  const fx_event *e = run_op(f, c, (rs_op){.kind = RS_OP_LIST, .key = rs_bytes_str(RS_CHAT_ACCOUNTS)});
  fixture_assert_outcome(e, RS_OUT_OK, RS_ST_SUCCESS);
  assert_string_equal(e->value, "alice|bob");
  assert_int_equal(e->replica, FX_R1);
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_REPLICATE), 0);
  fixture_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_every_replica_stores_the_leaders_stamp),
      FX_TEST(test_fetch_after_two_crashes_gets_every_message),
      FX_TEST(test_a_retried_fetch_gets_its_texts_from_the_next_leader),
      FX_TEST(test_list_is_answered_by_the_leader_alone),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
