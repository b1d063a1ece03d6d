/* Unit tests for seed 002's vote server (core/vote_server.c) on the in-memory fixture: two
 * servers over the peer failover design and three real voters, one clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/apps/votes.h"
#include "support/fixture.h"

enum { V1 = 3, N_VOTERS = 3 };

/* Registry 0, servers r1 (1) and r2 (2), voters v1..v3 (3..5). */
static fixture *poll_cluster(bool blocking, uint64_t ballots, double deadline)
{
  fixture *f = fixture_new(7, &rs_app_votes);
  fixture_add_registry(f, false, 2, 0, 0);
  vote_server_config cfg = {.pb = {.registry = FX_REGISTRY, .blocking = blocking, .failover = RS_FAILOVER_CORE_PEER,
                                   .heartbeat = 1, .dead_after = 5, .restart_delay = 30, .resend = -1,
                                   .n_peers = 2, .peers = {FX_R1, FX_R2}},
                            .poll = {.n_voters = N_VOTERS, .voters = {V1, V1 + 1, V1 + 2}, .ballots = ballots,
                                     .every = 1, .deadline = deadline},
                            .peer_names = {"r1", "r2"}};
  assert_int_equal(fixture_add_vote_server(f, &cfg), FX_R1);
  assert_int_equal(fixture_add_vote_server(f, &cfg), FX_R2);
  rs_voter_config v = {.yes = 0.5, .timeout = 1, .attempts = 20, .gap_wait = 12, .n_servers = 2,
                       .servers = {FX_R1, FX_R2}};
  for (int i = 0; i < N_VOTERS; i++) {
    char name[8];
    g_snprintf(name, sizeof name, "v%d", i + 1);
    assert_int_equal(fixture_add_voter(f, name, &v), V1 + i);
  }
  fixture_start_pb(f, FX_R1);
  fixture_start_pb(f, FX_R2);
  return f;
}

/* Every voter's log: one "<ballot> <yes> <no>" line per ballot, in order, with all votes. */
static void assert_logs(fixture *f, int ballots)
{
  for (int v = 0; v < N_VOTERS; v++) {
    assert_int_equal(fixture_log_count(f, V1 + v), ballots);
    for (int b = 0; b < ballots; b++) {
      unsigned seq, yes, no;
      assert_int_equal(sscanf(fixture_log_line(f, V1 + v, b), "%u %u %u", &seq, &yes, &no), 3);
      assert_int_equal(seq, b + 1);
      assert_int_equal(yes + no, N_VOTERS);
      assert_string_equal(fixture_log_line(f, V1 + v, b), fixture_log_line(f, V1, b));
    }
  }
}

/* The primary opens a ballot every second and closes it as soon as every voter voted; only the
 * primary sends results; the backup holds every ballot and vote. */
static void test_primary_runs_the_poll(void **unused)
{
  (void)unused;
  fixture *f = poll_cluster(true, 3, 3);
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 3.5);
  assert_int_equal(fixture_sent(f, mark, FX_R1, V1, RS_MSG_BALLOT), 3);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_ANY, RS_MSG_BALLOT), 0);
  assert_int_equal(fixture_sent(f, mark, FX_R2, FX_ANY, RS_MSG_RESULT), 0);
  /* A vote goes to both servers. */
  assert_int_equal(fixture_sent(f, mark, V1, FX_R1, RS_MSG_REQUEST), 3);
  assert_int_equal(fixture_sent(f, mark, V1, FX_R2, RS_MSG_REQUEST), 3);
  assert_logs(f, 3);
  const votes_ballot *b = votes_find(fixture_app(f, FX_R2)->state, 3);
  assert_non_null(b);
  assert_true(b->closed);
  assert_int_equal(b->yes + b->no, N_VOTERS);
  fixture_free(f);
}

/* No vote comes: the ballot closes at its deadline, 0 0. */
static void test_deadline_closes_a_ballot(void **unused)
{
  (void)unused;
  fixture *f = poll_cluster(false, 1, 2);
  for (int v = 0; v < N_VOTERS; v++)
    fixture_hold(f, V1 + v, FX_ANY);
  fixture_run_until(f, 2.5);
  assert_int_equal(fixture_log_count(f, V1), 0);
  fixture_run_until(f, 3.5);
  assert_int_equal(fixture_log_count(f, V1), 1);
  assert_string_equal(fixture_log_line(f, V1, 0), "1 0 0");
  fixture_free(f);
}

/* The primary closes ballot 1 but its results never leave it before it crashes: the backup
 * promotes itself and sends them; the old primary's copies, delivered late, are dropped as
 * duplicates. One line per ballot in every log. */
static void test_promoted_backup_sends_waiting_results(void **unused)
{
  (void)unused;
  fixture *f = poll_cluster(true, 3, 3);
  /* Ballot 2 opens at 2 s; r2 has it 1 ms later and r1 hears so 1 ms after that, announces it,
   * and its BALLOT reaches the voters at 2.003 s: from then on nothing r1 sends reaches a voter. */
  fixture_run_until(f, 2.0035);
  for (int v = 0; v < N_VOTERS; v++)
    fixture_hold(f, FX_R1, V1 + v);
  fixture_run_until(f, 2.5); /* ballot 2 closed at r1 (and r2 has it); its RESULT is held */
  assert_int_equal(fixture_log_count(f, V1), 1);
  assert_true(votes_find(fixture_app(f, FX_R2)->state, 2)->closed);
  fixture_crash(f, FX_R1);
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 12);
  assert_true(fixture_sent(f, mark, FX_R2, V1, RS_MSG_RESULT) >= 1);
  for (int v = 0; v < N_VOTERS; v++)
    fixture_release(f, FX_R1, V1 + v);
  fixture_run_until(f, 20);
  assert_logs(f, 3);
  fixture_free(f);
}

/* The backup dies: the primary logs that it alone collects votes, and once the restarted backup
 * holds its state, that votes go to both again; voters follow. */
static void test_join_protocol_is_logged(void **unused)
{
  (void)unused;
  fixture *f = poll_cluster(true, 60, 3);
  fixture_run_until(f, 2);
  fixture_crash(f, FX_R2);
  fixture_run_until(f, 10);
  assert_int_equal(fixture_restarts_asked(f, FX_R2, NULL), 1);
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 12);
  assert_int_equal(fixture_sent(f, mark, V1, FX_R2, RS_MSG_REQUEST), 0); /* only r1 collects */
  fixture_run_until(f, 45);
  bool alone = false, joined = false;
  for (int i = 0; i < fixture_log_count(f, FX_R1); i++) {
    const char *l = fixture_log_line(f, FX_R1, i);
    alone |= g_str_has_prefix(l, "ONLY PRIMARY r1 COLLECTS VOTES");
    joined |= g_str_has_prefix(l, "NEW BACKUP r2 JOINED: VOTES GO TO r1 AND r2");
  }
  assert_true(alone);
  assert_true(joined);
  mark = fixture_mark(f);
  fixture_run_until(f, 47);
  assert_true(fixture_sent(f, mark, V1, FX_R2, RS_MSG_REQUEST) > 0); /* both again */
  fixture_free(f);
}

/* Blocking: a ballot is announced only once the backup holds its open. Announced before, a
 * failover could lose it while voters vote on it, and the new primary would open another ballot
 * under the same number (the swarm: seed 2, pb-blocking under loss, cases 736 and 1012). */
static void test_ballot_announced_once_the_backup_has_it(void **unused)
{
  (void)unused;
  fixture *f = poll_cluster(true, 3, 3);
  fixture_run_until(f, 0.9);
  fixture_hold(f, FX_R1, FX_R2);
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 1.5); /* ballot 1 opened at r1 at 1 s; its REPLICATE is held */
  assert_non_null(votes_find(fixture_app(f, FX_R1)->state, 1));
  assert_null(votes_find(fixture_app(f, FX_R2)->state, 1));
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_BALLOT), 0);
  fixture_release(f, FX_R1, FX_R2);
  fixture_run_until(f, 1.6);
  assert_int_equal(fixture_sent(f, mark, FX_R1, V1, RS_MSG_BALLOT), 1);
  fixture_run_until(f, 8);
  assert_logs(f, 3);
  fixture_free(f);
}

/* r1 opens ballot 1 and r2 holds it, but r1 crashes before it hears so and announces it: the
 * promoted r2 announces it, the voters vote, and every log has the ballot with every vote. */
static void test_promoted_backup_announces_open_ballots(void **unused)
{
  (void)unused;
  fixture *f = poll_cluster(true, 1, 20);
  fixture_run_until(f, 0.9);
  fixture_hold(f, FX_R2, FX_R1);
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 1.5);
  assert_non_null(votes_find(fixture_app(f, FX_R2)->state, 1));
  assert_int_equal(fixture_sent(f, mark, FX_R1, FX_ANY, RS_MSG_BALLOT), 0);
  fixture_crash(f, FX_R1);
  fixture_run_until(f, 12);
  assert_int_equal(fixture_sent(f, mark, FX_R2, V1, RS_MSG_BALLOT), 1);
  assert_logs(f, 1);
  fixture_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_primary_runs_the_poll),
      cmocka_unit_test(test_deadline_closes_a_ballot),
      cmocka_unit_test(test_promoted_backup_sends_waiting_results),
      cmocka_unit_test(test_join_protocol_is_logged),
      cmocka_unit_test(test_ballot_announced_once_the_backup_has_it),
      cmocka_unit_test(test_promoted_backup_announces_open_ballots),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
