/* Unit tests for the client (core/client.c) and the driver that runs it (core/driver.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture.h"

enum { SEED = 4 };
#define TIMEOUT 1.0
#define EPS 1e-9

/* Three blocking replicas (r1 primary) and a client "c1" with `attempts` attempts, all quiet. */
static fixture *ready_cluster(int attempts, rs_node_id *client)
{
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  *client = fixture_add_client(f, "c1", TIMEOUT, attempts);
  fixture_run_until_idle(f);
  assert_true(rs_client_ready(fixture_client(f, *client)));
  return f;
}

/* Three non-blocking replicas where r2 and r3 never hear from the registry, so they do not know
 * the primary and answer NOT PRIMARY to updates (non-blocking: r1 does not wait for their acks). */
static fixture *cluster_with_lost_backups(int attempts, rs_node_id *client)
{
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_hold(f, FX_REGISTRY, FX_R2);
  fixture_hold(f, FX_REGISTRY, FX_R3);
  fixture_pb_cluster(f, 3, false, false);
  *client = fixture_add_client(f, "c1", TIMEOUT, attempts);
  fixture_run_until_idle(f);
  assert_true(rs_client_ready(fixture_client(f, *client)));
  assert_int_equal(pb_get_role(fixture_pb(f, FX_R2)), PB_ROLE_JOINING);
  return f;
}

/* ---- requests ---- */

static void test_requests_carry_the_client_id_and_an_increasing_seq(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(3, &c);
  size_t mark = fixture_mark(f);
  fixture_run_op(f, c, fx_write("u1", "F1", "a"), RS_NO_NODE);
  fixture_run_op(f, c, fx_read("u1"), RS_NO_NODE);
  fixture_run_op(f, c, fx_delete("u1"), RS_NO_NODE);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_REQUEST), 3);
  for (int i = 0; i < 3; i++) {
    rs_msg m = fixture_sent_msg(f, mark, c, FX_ANY, RS_MSG_REQUEST, i);
    assert_int_equal(m.client, c);
    assert_int_equal(m.seq, (uint64_t)i + 1);
  }
  assert_int_equal(fixture_count_events(f, c, RS_EV_INVOKE), 3);
  fixture_free(f);
}

/* ---- timeouts ---- */

static void test_timeout_retries_the_same_seq_at_the_next_replica(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(3, &c);
  fixture_hold(f, c, FX_R1);
  size_t mark = fixture_mark(f);
  double t0 = fixture_now(f);
  fixture_submit(f, c, fx_write("u1", "F1", "a"), FX_R1);
  fixture_run_until(f, t0 + TIMEOUT - 0.01);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_REQUEST), 1);

  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_REQUEST), 2);
  const fx_sent *retry = fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 1);
  assert_int_equal(retry->to, FX_R2);
  assert_float_equal(retry->sent_at, t0 + TIMEOUT, EPS);
  rs_msg m = fixture_sent_msg(f, mark, c, FX_R2, RS_MSG_REQUEST, 0);
  assert_int_equal(m.seq, 1);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R2);
  fixture_free(f);
}

static void test_after_every_attempt_times_out_the_outcome_is_info(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(3, &c);
  fixture_hold(f, c, FX_ANY);
  size_t mark = fixture_mark(f);
  double t0 = fixture_now(f);
  fixture_submit(f, c, fx_write("u1", "F1", "a"), FX_R1);
  fixture_run_until_idle(f);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_REQUEST), 3);
  for (int i = 0; i < 3; i++) {
    const fx_sent *s = fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, i);
    assert_int_equal(s->to, FX_R1 + (rs_node_id)i);
    rs_msg m;
    fixture_decode(s, &m);
    assert_int_equal(m.seq, 1);
  }
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_INFO, RS_ST_TIMEOUT);
  assert_int_equal(done->replica, RS_NO_NODE);
  assert_float_equal(done->t, t0 + 3 * TIMEOUT, EPS);
  assert_false(rs_client_busy(fixture_client(f, c)));
  assert_false(fixture_timer_armed(f, c, RS_CLIENT_TIMER_ATTEMPT));
  fixture_free(f);
}

static void test_late_reply_for_an_older_seq_is_ignored(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = ready_cluster(3, &c);
  fixture_run_op(f, c, fx_write("u1", "F1", "hello"), FX_R1);
  fixture_hold(f, FX_R1, c);
  /* seq 2: r1's answer is held, so the read times out and r2 answers it. */
  fixture_assert_outcome(fixture_run_op(f, c, fx_read("u1"), FX_R1), RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(fixture_queued(f, FX_R1, c, RS_MSG_REPLY), 1);
  /* seq 3 waits at r3; then r1's late SUCCESS for seq 2 arrives. */
  fixture_hold(f, FX_R3, c);
  fixture_submit(f, c, fx_read("u2"), FX_R3);
  fixture_run_until(f, fixture_now(f) + 0.1);
  assert_true(fixture_deliver_one(f, FX_R1, c, RS_MSG_REPLY));
  assert_true(rs_client_busy(fixture_client(f, c)));
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 2);
  fixture_release(f, FX_R3, c);
  fixture_run_until_idle(f);
  const fx_event *done = fixture_event_nth(f, c, RS_EV_COMPLETE, -1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_FILE_DOES_NOT_EXIST);
  assert_int_equal(done->replica, FX_R3);
  fixture_free(f);
}

/* ---- refusals ---- */

static void test_not_primary_answer_leads_to_a_retry_at_the_next_replica(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = cluster_with_lost_backups(3, &c);
  size_t mark = fixture_mark(f);
  const fx_event *done = fixture_run_op(f, c, fx_write("u1", "F1", "a"), FX_R2);
  assert_int_equal(fixture_sent_msg(f, mark, FX_R2, c, RS_MSG_REPLY, 0).res.status, RS_ST_NOT_PRIMARY);
  assert_int_equal(fixture_sent_msg(f, mark, FX_R3, c, RS_MSG_REPLY, 0).res.status, RS_ST_NOT_PRIMARY);
  assert_int_equal(fixture_sent_msg(f, mark, c, FX_R1, RS_MSG_REQUEST, 0).seq, 1);
  fixture_assert_outcome(done, RS_OUT_OK, RS_ST_SUCCESS);
  assert_int_equal(done->replica, FX_R1);
  fixture_free(f);
}

static void test_not_primary_answers_on_every_attempt_fail_the_operation(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = cluster_with_lost_backups(2, &c);
  size_t mark = fixture_mark(f);
  double t0 = fixture_now(f);
  const fx_event *done = fixture_run_op(f, c, fx_write("u1", "F1", "a"), FX_R2);
  fixture_assert_outcome(done, RS_OUT_FAIL, RS_ST_NOT_PRIMARY);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, RS_MSG_REQUEST), 2);
  assert_int_equal(fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 0)->to, FX_R2);
  assert_int_equal(fixture_sent_nth(f, mark, c, FX_ANY, RS_MSG_REQUEST, 1)->to, FX_R3);
  assert_true(done->t - t0 < TIMEOUT); /* refusals, not timeouts */
  assert_int_equal(fixture_count_events(f, FX_ANY, RS_EV_APPLY), 0);
  fixture_free(f);
}

/* Attempt 1 reaches the primary, which applies the write, but its answer is lost; attempt 2 is
 * refused. The write may have happened (it did), so the outcome must be info, not fail:
 * DESIGN.md's fail means "definitely not executed". */
static void test_giving_up_after_a_timeout_is_info_even_if_the_last_attempt_was_refused(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = cluster_with_lost_backups(2, &c);
  fixture_hold(f, FX_R1, c);
  const fx_event *done = fixture_run_op(f, c, fx_write("u1", "F1", "a"), FX_R1);
  assert_int_equal(fixture_count_events(f, FX_R1, RS_EV_APPLY), 1);
  fixture_assert_outcome(done, RS_OUT_INFO, RS_ST_TIMEOUT);
  fixture_free(f);
}

static void test_client_of_an_empty_cluster_fails_at_once(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 0, true, false);
  rs_node_id c = fixture_add_client(f, "c1", TIMEOUT, 3);
  fixture_run_until_idle(f);
  assert_true(rs_client_ready(fixture_client(f, c)));
  size_t mark = fixture_mark(f);
  fixture_submit(f, c, fx_write("u1", "F1", "a"), RS_NO_NODE);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, -1), RS_OUT_FAIL, RS_ST_NOT_PRIMARY);
  assert_int_equal(fixture_sent(f, mark, c, FX_ANY, FX_ANY_MSG), 0);
  fixture_free(f);
}

/* ---- the driver ---- */

/* A cluster and one workload client "w1" running `w`. */
static fixture *run_workload(const rs_workload_config *w, rs_node_id *client)
{
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_pb_cluster(f, 3, true, false);
  rs_driver_config d = {.name = "w1", .workload = w};
  *client = fixture_add_driven_client(f, "w1", TIMEOUT, 3, &d);
  fixture_run_until_idle(f);
  return f;
}

static const rs_workload_config seven_ops = {
    .ops = 7, .keys = 2, .value_size = 8, .mix = {[RS_OP_PUT] = 1, [RS_OP_GET] = 1, [RS_OP_APPEND] = 1}};

static void test_driver_runs_exactly_the_configured_number_of_ops(void **state)
{
  (void)state;
  rs_node_id c;
  fixture *f = run_workload(&seven_ops, &c);
  assert_true(rs_driver_finished(fixture_driver(f, c)));
  assert_int_equal(fixture_count_events(f, c, RS_EV_FINISHED), 1);
  assert_int_equal(fixture_count_events(f, c, RS_EV_INVOKE), 7);
  assert_int_equal(fixture_count_events(f, c, RS_EV_COMPLETE), 7);
  assert_int_equal(fixture_sent(f, 0, c, FX_ANY, RS_MSG_REQUEST), 7);
  fixture_free(f);
}

static void test_driver_waits_think_time_between_an_answer_and_the_next_request(void **state)
{
  (void)state;
  rs_workload_config w = seven_ops;
  w.think = 0.25;
  rs_node_id c;
  fixture *f = run_workload(&w, &c);
  assert_int_equal(fixture_count_events(f, c, RS_EV_INVOKE), 7);
  for (int i = 1; i < 7; i++) {
    double answered = fixture_event_nth(f, c, RS_EV_COMPLETE, i - 1)->t;
    assert_float_equal(fixture_event_nth(f, c, RS_EV_INVOKE, i)->t, answered + 0.25, EPS);
  }
  /* No think time after the last answer: the driver is done there. */
  assert_float_equal(fixture_now(f), fixture_event_nth(f, c, RS_EV_COMPLETE, 6)->t, EPS);
  fixture_free(f);
}

static void test_driver_runs_script_steps_in_order_not_before_their_at(void **state)
{
  (void)state;
  const rs_script_step steps[] = {
      {.op = fx_write("u1", "F1", "a"), .replica = RS_NO_NODE, .at = 0.0},
      {.op = fx_read("u1"), .replica = FX_R2, .at = 2.0},
      {.op = fx_delete("u1"), .replica = RS_NO_NODE, .at = 1.0}, /* already due when its turn comes */
      {.op = fx_read("u1"), .replica = FX_R3, .at = 5.0},
  };
  fixture *f = fixture_new(SEED, &rs_app_files);
  fixture_pb_cluster(f, 3, true, false);
  rs_driver_config d = {.name = "alice", .steps = steps, .n_steps = 4};
  rs_node_id c = fixture_add_driven_client(f, "alice", TIMEOUT, 3, &d);
  fixture_run_until_idle(f);

  assert_true(rs_driver_finished(fixture_driver(f, c)));
  assert_int_equal(fixture_count_events(f, c, RS_EV_STEP), 4);
  for (int i = 0; i < 4; i++) {
    assert_ptr_equal(fixture_event_nth(f, c, RS_EV_STEP, i)->step, &steps[i]);
    assert_int_equal(fixture_event_nth(f, c, RS_EV_INVOKE, i)->op_kind, steps[i].op.kind);
  }
  assert_true(fixture_event_nth(f, c, RS_EV_INVOKE, 0)->t < 0.1);
  assert_float_equal(fixture_event_nth(f, c, RS_EV_INVOKE, 1)->t, 2.0, EPS);
  assert_float_equal(fixture_event_nth(f, c, RS_EV_INVOKE, 2)->t, fixture_event_nth(f, c, RS_EV_COMPLETE, 1)->t, EPS);
  assert_float_equal(fixture_event_nth(f, c, RS_EV_INVOKE, 3)->t, 5.0, EPS);
  fixture_assert_outcome(fixture_event_nth(f, c, RS_EV_COMPLETE, 3), RS_OUT_OK, RS_ST_FILE_ALREADY_DELETED);
  fixture_free(f);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_requests_carry_the_client_id_and_an_increasing_seq),
      FX_TEST(test_timeout_retries_the_same_seq_at_the_next_replica),
      FX_TEST(test_after_every_attempt_times_out_the_outcome_is_info),
      FX_TEST(test_late_reply_for_an_older_seq_is_ignored),
      FX_TEST(test_not_primary_answer_leads_to_a_retry_at_the_next_replica),
      FX_TEST(test_not_primary_answers_on_every_attempt_fail_the_operation),
      FX_TEST(test_giving_up_after_a_timeout_is_info_even_if_the_last_attempt_was_refused),
      FX_TEST(test_client_of_an_empty_cluster_fails_at_once),
      FX_TEST(test_driver_runs_exactly_the_configured_number_of_ops),
      FX_TEST(test_driver_waits_think_time_between_an_answer_and_the_next_request),
      FX_TEST(test_driver_runs_script_steps_in_order_not_before_their_at),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
