/* Unit tests for the view service (core/viewservice.c): 6.824's view rules one by one, seed 000's log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "support/fixture.h"

/* The view service is node 0 and stub replica i (named "ri") is node i: the stubs never answer,
 * so every heartbeat is one the test sends. Interval 5 s and dead after 5 missed intervals, as
 * seed 000: ticks at 5, 10, 15 ...; a replica is dead once its latest heartbeat is over 25 s old. */
enum { SEED = 3, VS = 0 };
#define INTERVAL 5.0

static fixture *setup(int replicas)
{
  fixture *f = fixture_new(SEED, &rs_app_kv);
  assert_int_equal(fixture_add_view_service(f, INTERVAL, 5), VS);
  for (int i = 1; i <= replicas; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", i);
    fixture_add_stub(f, name);
  }
  return f;
}

static vs_service *vs(fixture *f) { return fixture_vs(f, VS); }

/* One heartbeat, sent now (it arrives 1 ms later). `confirmed` lists backups that hold the state. */
static void beat_confirming(fixture *f, rs_node_id from, rs_service which, uint64_t view, int n,
                            const rs_node_id *confirmed)
{
  rs_msg m = {.type = RS_MSG_HEARTBEAT, .which = which, .view = view, .n_nodes = (uint32_t)n};
  for (int i = 0; i < n; i++)
    m.nodes[i] = confirmed[i];
  fixture_inject(f, from, VS, &m);
}

static void beat(fixture *f, rs_node_id from, rs_service which, uint64_t view)
{
  beat_confirming(f, from, which, view, 0, NULL);
}

/* A view as text, "2: r1 | r2 r3", so that a failed comparison shows both views. */
static const char *view_text(const vs_view *v)
{
  static char buf[512];
  int len = snprintf(buf, sizeof buf, "%llu:", (unsigned long long)v->num);
  if (v->primary != RS_NO_NODE)
    len += snprintf(buf + len, sizeof buf - (size_t)len, " r%u", v->primary);
  len += snprintf(buf + len, sizeof buf - (size_t)len, " |");
  for (uint32_t i = 0; i < v->n_backups; i++)
    len += snprintf(buf + len, sizeof buf - (size_t)len, " r%u", v->backups[i]);
  return buf;
}

#define assert_view(f, text) assert_string_equal(view_text(vs_get_view(vs(f))), (text))

static const char *msg_view_text(const rs_msg *m)
{
  vs_view v;
  assert_true(vs_view_from_msg(m, &v));
  return view_text(&v);
}

/* ---- a replica model for the longer tests ---- */

/* A stand-in replica: it heartbeats every interval, reporting the latest view it received and its
 * role in it; as primary it confirms every backup of that view when `gives_state` is set. */
typedef struct rep {
  rs_node_id id;
  bool up;          /* sends heartbeats */
  bool gives_state; /* as primary: lists every backup of its view as holding the state */
  size_t read_upto; /* send-log position up to which it has read the service's VIEWs */
  vs_view known;    /* the latest view it received (num 0: none) */
  double loss;      /* chance that a VIEW to it is lost (random test) */
  GRand *rand;      /* random test only */
} rep;

/* Reads the VIEWs delivered to `r` since it last looked, keeping the highest-numbered one. */
static void rep_read(fixture *f, rep *r)
{
  size_t end = fixture_mark(f);
  size_t i = r->read_upto;
  for (; i < end; i++) {
    const fx_sent *s = fixture_sent_nth(f, i, FX_ANY, FX_ANY, FX_ANY_MSG, 0);
    if (s->from != VS || s->to != r->id || s->type != RS_MSG_VIEW)
      continue;
    if (!s->delivered && !s->dropped)
      break; /* still on the wire: read it next time */
    if (s->dropped || (r->rand && g_rand_double(r->rand) < r->loss))
      continue;
    rs_msg m;
    fixture_decode(s, &m);
    if (m.view > r->known.num)
      vs_view_from_msg(&m, &r->known);
  }
  r->read_upto = i;
}

/* A crash and restart: everything in memory is forgotten, so the next heartbeat reports view 0. */
static void rep_restart(fixture *f, rep *r)
{
  r->known = (vs_view){.primary = RS_NO_NODE};
  r->read_upto = fixture_mark(f);
}

static void rep_beat(fixture *f, rep *r)
{
  if (!r->up)
    return;
  rep_read(f, r);
  const vs_view *v = &r->known;
  bool primary = v->num > 0 && v->primary == r->id;
  rs_service which = primary ? RS_SERVICE_PRIMARY : vs_view_has_backup(v, r->id) ? RS_SERVICE_BACKUP
                                                                                   : RS_SERVICE_NONE;
  if (primary && r->gives_state)
    beat_confirming(f, r->id, which, v->num, (int)v->n_backups, v->backups);
  else
    beat(f, r->id, which, v->num);
}

static void reps_init(rep *reps, int n)
{
  for (int i = 0; i < n; i++)
    reps[i] = (rep){.id = (rs_node_id)(i + 1), .up = true, .gives_state = true,
                    .known = {.primary = RS_NO_NODE}};
}

/* `k` intervals: every live replica heartbeats, then the clock runs one interval (its tick included). */
static void intervals(fixture *f, rep *reps, int n, int k)
{
  for (int step = 0; step < k; step++) {
    for (int i = 0; i < n; i++)
      rep_beat(f, &reps[i]);
    fixture_run_until(f, fixture_now(f) + INTERVAL);
  }
}

/* r1 primary and r2 its confirmed backup in view 2, acknowledged; the clock at 20 s. With
 * heartbeats at 0, 5, 10, 15: view 1 at 0.001, acked at 5.001, view 2 at the tick at 10, acked
 * (with r2 confirmed) at 15.001. */
static fixture *primary_and_confirmed_backup(rep *reps, int n)
{
  fixture *f = setup(n);
  reps_init(reps, n);
  for (int i = 2; i < n; i++)
    reps[i].up = false;
  intervals(f, reps, n, 4);
  assert_view(f, "2: r1 | r2");
  assert_true(vs_view_acked(vs(f)));
  assert_true(vs_backup_ready(vs(f), FX_R2));
  return f;
}

/* ---- the first view ---- */

static void test_first_heartbeat_makes_its_sender_primary_of_view_1(void **state)
{
  (void)state;
  fixture *f = setup(2);
  assert_view(f, "0: |");
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 1.0); /* at once, not at the first tick */
  assert_view(f, "1: r2 |");
  assert_false(vs_view_acked(vs(f)));
  assert_int_equal(fixture_sent(f, 0, VS, FX_R2, RS_MSG_VIEW), 1); /* told once, not twice */
  rs_msg m = fixture_sent_msg(f, 0, VS, FX_R2, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "1: r2 |");
  const fx_event *e = fixture_event_nth(f, VS, RS_EV_ROLE, 0);
  assert_non_null(e);
  assert_string_equal(e->role, VS_ROLE);
  assert_int_equal(e->view, 1);
  assert_int_equal(fixture_count_events(f, VS, RS_EV_ROLE), 1);
  fixture_free(f);
}

static void test_second_server_becomes_backup_in_view_2_only_after_the_primary_acked_view_1(void **state)
{
  (void)state;
  fixture *f = setup(2);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5.5);
  assert_view(f, "1: r1 |"); /* the tick at 5 found view 1 unacknowledged */
  assert_false(vs_view_acked(vs(f)));
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  beat(f, FX_R2, RS_SERVICE_NONE, 1);
  fixture_run_until(f, 9.9);
  assert_true(vs_view_acked(vs(f)));
  assert_view(f, "1: r1 |"); /* views change on the tick */
  size_t mark = fixture_mark(f);
  fixture_run_until(f, 10.5);
  assert_view(f, "2: r1 | r2");
  assert_false(vs_view_acked(vs(f)));
  assert_false(vs_backup_ready(vs(f), FX_R2)); /* joining: the primary has not confirmed it */
  rs_msg m = fixture_sent_msg(f, mark, VS, FX_R1, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "2: r1 | r2");
  m = fixture_sent_msg(f, mark, VS, FX_R2, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "2: r1 | r2");
  fixture_free(f);
}

static void test_no_view_change_until_the_primary_acks_the_current_view(void **state)
{
  (void)state;
  fixture *f = setup(3);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  fixture_run_until(f, 10);
  assert_view(f, "2: r1 | r2");
  /* r1 keeps beating but never acknowledges view 2; r2 dies (last beat 0.001); r3 turns up. */
  for (double t = 10; t < 60; t += INTERVAL) {
    beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
    beat(f, FX_R3, RS_SERVICE_NONE, 0);
    fixture_run_until(f, t + INTERVAL);
    assert_view(f, "2: r1 | r2");
  }
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 2);
  beat(f, FX_R3, RS_SERVICE_NONE, 2);
  fixture_run_until(f, 65);
  assert_view(f, "3: r1 | r3"); /* both pending changes in one view */
  fixture_free(f);
}

/* ---- failover ---- */

static void test_dead_primary_is_replaced_by_its_confirmed_backup(void **state)
{
  (void)state;
  rep reps[2];
  fixture *f = primary_and_confirmed_backup(reps, 2);
  reps[0].up = false; /* r1's last heartbeat: 15.001 */
  intervals(f, reps, 2, 4);
  assert_view(f, "2: r1 | r2"); /* at the tick at 40, 24.999 s: not dead yet */
  intervals(f, reps, 2, 1);
  assert_view(f, "3: r2 |"); /* at 45, 29.999 s > 25 s */
  fixture_free(f);
}

static void test_dead_after_counts_missed_intervals(void **state)
{
  (void)state;
  fixture *f = fixture_new(SEED, &rs_app_kv);
  fixture_add_view_service(f, 1.0, 3); /* dead after 3 s without a heartbeat */
  fixture_add_stub(f, "r1");
  fixture_add_stub(f, "r2");
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 0.5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  beat(f, FX_R2, RS_SERVICE_NONE, 1);
  fixture_run_until(f, 1.5);
  assert_view(f, "2: r1 | r2");
  beat_confirming(f, FX_R1, RS_SERVICE_PRIMARY, 2, 1, (rs_node_id[]){FX_R2}); /* last: 1.501 */
  for (double t = 1.5; t < 4.5; t += 1) {
    beat(f, FX_R2, RS_SERVICE_BACKUP, 2);
    fixture_run_until(f, t + 1);
    assert_view(f, "2: r1 | r2"); /* ticks at 2, 3, 4: at most 2.499 s */
  }
  beat(f, FX_R2, RS_SERVICE_BACKUP, 2);
  fixture_run_until(f, 5.5);
  assert_view(f, "3: r2 |"); /* tick at 5: 3.499 s > 3 s */
  fixture_free(f);
}

static void test_restarted_primary_is_treated_as_dead(void **state)
{
  (void)state;
  rep reps[2];
  fixture *f = primary_and_confirmed_backup(reps, 2);
  rep_restart(f, &reps[0]);
  rep_beat(f, &reps[0]); /* view 0 at 20.001: it lost its memory */
  rep_beat(f, &reps[1]);
  fixture_run_until(f, 21);
  /* It hears view 2 and heartbeats it at once: still a restart, and still alive. */
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 2);
  fixture_run_until(f, 25);
  assert_view(f, "3: r2 |");
  /* The restarted replica is idle now, and joins as a backup of the new primary. */
  intervals(f, reps, 2, 3);
  assert_view(f, "4: r2 | r1");
  assert_false(vs_backup_ready(vs(f), FX_R1)); /* until r2 confirms it */
  fixture_free(f);
}

static void test_idle_server_never_becomes_primary_directly(void **state)
{
  (void)state;
  fixture *f = setup(2);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1); /* acknowledged; its last heartbeat: 5.001 */
  fixture_run_until(f, 30.5);
  assert_view(f, "1: r1 |");
  /* r2 arrives just as r1 is found dead (tick at 35): idle, it is no successor. */
  for (double t = 30.5; t < 100; t += INTERVAL) {
    beat(f, FX_R2, RS_SERVICE_NONE, 1);
    fixture_run_until(f, t + INTERVAL);
    assert_view(f, "1: r1 |");
  }
  assert_true(vs_is_stuck(vs(f)));
  fixture_free(f);
}

static void test_without_a_backup_the_service_stays_stuck_on_the_old_view(void **state)
{
  (void)state;
  fixture *f = setup(1);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1); /* last heartbeat: 5.001; dead at the tick at 35 */
  fixture_run_until(f, 34);
  assert_false(vs_is_stuck(vs(f)));
  fixture_run_until(f, 60);
  assert_view(f, "1: r1 |");
  assert_true(vs_is_stuck(vs(f)));
  assert_int_equal(fixture_count_events(f, VS, RS_EV_ROLE), 2); /* view 1, then stuck once */
  const fx_event *e = fixture_event_nth(f, VS, RS_EV_ROLE, -1);
  assert_string_equal(e->role, VS_ROLE_STUCK);
  assert_true(e->t > 34.9 && e->t < 35.1);
  /* The primary comes back: the service carries on with it. */
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  fixture_run_until(f, 65);
  assert_false(vs_is_stuck(vs(f)));
  assert_view(f, "1: r1 |");
  assert_string_equal(fixture_event_nth(f, VS, RS_EV_ROLE, -1)->role, VS_ROLE);
  fixture_free(f);
}

static void test_restarted_primary_without_a_backup_carries_on_once_it_heartbeats_its_view(void **state)
{
  (void)state;
  fixture *f = setup(2);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  fixture_run_until(f, 10);
  beat(f, FX_R1, RS_SERVICE_NONE, 0); /* restarted */
  fixture_run_until(f, 15);
  assert_view(f, "1: r1 |");
  assert_true(vs_is_stuck(vs(f)));
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1); /* it heard view 1 again: back */
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 20);
  assert_false(vs_is_stuck(vs(f)));
  assert_view(f, "2: r1 | r2"); /* acknowledged again, so the service moves on */
  fixture_free(f);
}

static void test_backup_without_the_state_is_not_promoted(void **state)
{
  (void)state;
  rep reps[2];
  fixture *f = setup(2);
  reps_init(reps, 2);
  reps[0].gives_state = false; /* r1 acknowledges its views but never confirms r2 */
  intervals(f, reps, 2, 4);
  assert_view(f, "2: r1 | r2");
  assert_true(vs_view_acked(vs(f)));
  assert_false(vs_backup_ready(vs(f), FX_R2));
  reps[0].up = false;
  intervals(f, reps, 2, 10);
  assert_view(f, "2: r1 | r2");
  assert_true(vs_is_stuck(vs(f)));
  fixture_free(f);
}

static void test_only_the_primary_confirms_a_backup_and_only_for_the_current_view(void **state)
{
  (void)state;
  fixture *f = setup(3);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  beat(f, FX_R3, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  fixture_run_until(f, 10);
  assert_view(f, "2: r1 | r2 r3");
  rs_node_id both[] = {FX_R2, FX_R3};
  beat_confirming(f, FX_R2, RS_SERVICE_BACKUP, 2, 2, both); /* a backup's word counts for nothing */
  beat_confirming(f, FX_R1, RS_SERVICE_PRIMARY, 1, 2, both); /* for an older view: neither */
  fixture_run_until(f, 11);
  assert_false(vs_backup_ready(vs(f), FX_R2));
  assert_false(vs_backup_ready(vs(f), FX_R3));
  beat_confirming(f, FX_R1, RS_SERVICE_PRIMARY, 2, 1, (rs_node_id[]){FX_R3});
  fixture_run_until(f, 12);
  assert_false(vs_backup_ready(vs(f), FX_R2));
  assert_true(vs_backup_ready(vs(f), FX_R3));
  fixture_free(f);
}

static void test_first_confirmed_backup_in_view_order_is_promoted(void **state)
{
  (void)state;
  fixture *f = setup(3);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  beat(f, FX_R3, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  fixture_run_until(f, 10);
  assert_view(f, "2: r1 | r2 r3");
  /* r1 confirms only r3 and dies; r2 is first in the list but joining. */
  beat_confirming(f, FX_R1, RS_SERVICE_PRIMARY, 2, 1, (rs_node_id[]){FX_R3});
  for (double t = 10; t < 45; t += INTERVAL) {
    beat(f, FX_R2, RS_SERVICE_BACKUP, 2);
    beat(f, FX_R3, RS_SERVICE_BACKUP, 2);
    fixture_run_until(f, t + INTERVAL);
  }
  assert_view(f, "3: r3 | r2");
  /* Confirmations were r1's word: under r3, r2 must be confirmed again. */
  assert_false(vs_backup_ready(vs(f), FX_R2));
  fixture_free(f);
}

static void test_confirmations_are_forgotten_when_the_primary_changes(void **state)
{
  (void)state;
  fixture *f = setup(3);
  beat(f, FX_R1, RS_SERVICE_NONE, 0);
  beat(f, FX_R2, RS_SERVICE_NONE, 0);
  beat(f, FX_R3, RS_SERVICE_NONE, 0);
  fixture_run_until(f, 5);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 1);
  fixture_run_until(f, 10);
  rs_node_id both[] = {FX_R2, FX_R3};
  beat_confirming(f, FX_R1, RS_SERVICE_PRIMARY, 2, 2, both); /* r1's last heartbeat: 10.001 */
  for (double t = 10; t < 40; t += INTERVAL) {
    beat(f, FX_R2, RS_SERVICE_BACKUP, 2);
    beat(f, FX_R3, RS_SERVICE_BACKUP, 2);
    fixture_run_until(f, t + INTERVAL);
  }
  assert_view(f, "3: r2 | r3");
  assert_false(vs_backup_ready(vs(f), FX_R3)); /* r1 vouched for it, r2 has not */
  /* r2 acknowledges view 3 without confirming r3, then dies: r3 does not count, so no view 4. */
  beat(f, FX_R2, RS_SERVICE_PRIMARY, 3);
  for (double t = 40; t < 90; t += INTERVAL) {
    beat(f, FX_R3, RS_SERVICE_BACKUP, 3);
    fixture_run_until(f, t + INTERVAL);
  }
  assert_view(f, "3: r2 | r3");
  assert_true(vs_is_stuck(vs(f)));
  fixture_free(f);
}

static void test_idle_server_becomes_backup_in_the_same_view_change_that_promotes_the_backup(void **state)
{
  (void)state;
  rep reps[3];
  fixture *f = primary_and_confirmed_backup(reps, 3);
  reps[0].up = false; /* last heartbeat 15.001: dead at the tick at 45 */
  intervals(f, reps, 3, 4);
  assert_view(f, "2: r1 | r2");
  reps[2].up = true; /* r3 heartbeats at 40: idle when the tick at 45 finds r1 dead */
  intervals(f, reps, 3, 1);
  assert_view(f, "3: r2 | r3");
  fixture_free(f);
}

static void test_dead_backup_is_removed_from_the_view(void **state)
{
  (void)state;
  rep reps[3];
  fixture *f = setup(3);
  reps_init(reps, 3);
  intervals(f, reps, 3, 4);
  assert_view(f, "2: r1 | r2 r3");
  assert_true(vs_backup_ready(vs(f), FX_R2));
  reps[1].up = false; /* r2's last heartbeat: 15.001 */
  intervals(f, reps, 3, 5);
  assert_view(f, "3: r1 | r3");
  assert_true(vs_backup_ready(vs(f), FX_R3)); /* same primary: its confirmation stands */
  fixture_free(f);
}

static void test_restarted_backup_leaves_the_view_and_rejoins_as_a_new_backup(void **state)
{
  (void)state;
  rep reps[2];
  fixture *f = primary_and_confirmed_backup(reps, 2);
  rep_restart(f, &reps[1]);
  intervals(f, reps, 2, 1); /* r2 reports view 0 at 20.001 */
  assert_false(vs_backup_ready(vs(f), FX_R2)); /* even though r1 still lists it */
  assert_view(f, "3: r1 |");
  intervals(f, reps, 2, 3);
  assert_view(f, "4: r1 | r2");
  fixture_free(f);
}

static void test_deposed_primary_is_told_the_new_view(void **state)
{
  (void)state;
  rep reps[2];
  fixture *f = primary_and_confirmed_backup(reps, 2);
  rep_restart(f, &reps[0]);
  size_t mark = fixture_mark(f);
  intervals(f, reps, 2, 1);
  assert_view(f, "3: r2 |");
  rs_msg m = fixture_sent_msg(f, mark, VS, FX_R1, RS_MSG_VIEW, 1); /* after the heartbeat's answer */
  assert_string_equal(msg_view_text(&m), "3: r2 |");
  /* A primary that still believes in view 2 is answered with view 3. */
  mark = fixture_mark(f);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 2);
  fixture_run_until(f, 26);
  m = fixture_sent_msg(f, mark, VS, FX_R1, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "3: r2 |");
  fixture_free(f);
}

/* ---- answers and numbering ---- */

static void test_get_view_answers_the_current_view(void **state)
{
  (void)state;
  rep reps[3];
  fixture *f = setup(3);
  rs_node_id client = fixture_add_stub(f, "c1");
  fixture_inject(f, client, VS, &(rs_msg){.type = RS_MSG_GET_VIEW, .seq = 7});
  fixture_run_until(f, 1);
  rs_msg m = fixture_sent_msg(f, 0, VS, client, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "0: |");
  assert_int_equal(m.node, RS_NO_NODE);
  assert_int_equal(m.seq, 7);
  reps_init(reps, 3);
  intervals(f, reps, 3, 4);
  fixture_inject(f, client, VS, &(rs_msg){.type = RS_MSG_GET_VIEW, .seq = 8});
  fixture_run_until(f, fixture_now(f) + 1);
  m = fixture_sent_msg(f, 0, VS, client, RS_MSG_VIEW, 1);
  assert_string_equal(msg_view_text(&m), "2: r1 | r2 r3");
  assert_int_equal(m.seq, 8);
  fixture_free(f);
}

static void test_every_heartbeat_is_answered_with_the_current_view(void **state)
{
  (void)state;
  rep reps[2];
  fixture *f = primary_and_confirmed_backup(reps, 2);
  size_t mark = fixture_mark(f);
  beat(f, FX_R2, RS_SERVICE_BACKUP, 1);
  beat(f, FX_R1, RS_SERVICE_PRIMARY, 2);
  fixture_run_until(f, 21);
  rs_msg m = fixture_sent_msg(f, mark, VS, FX_R2, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "2: r1 | r2");
  m = fixture_sent_msg(f, mark, VS, FX_R1, RS_MSG_VIEW, 0);
  assert_string_equal(msg_view_text(&m), "2: r1 | r2");
  fixture_free(f);
}

static void test_views_are_numbered_consecutively(void **state)
{
  (void)state;
  rep reps[4];
  fixture *f = setup(4);
  reps_init(reps, 4);
  reps[2].up = reps[3].up = false;
  intervals(f, reps, 4, 4);  /* 1: r1, 2: r1 | r2 */
  reps[2].up = true;
  intervals(f, reps, 4, 3);  /* 3: r1 | r2 r3 */
  reps[0].up = false;
  intervals(f, reps, 4, 7);  /* 4: r2 | r3 */
  reps[3].up = true;
  intervals(f, reps, 4, 3);  /* 5: r2 | r3 r4 */
  assert_view(f, "5: r2 | r3 r4");
  int roles = fixture_count_events(f, VS, RS_EV_ROLE);
  assert_int_equal(roles, 5);
  for (int i = 0; i < roles; i++) {
    const fx_event *e = fixture_event_nth(f, VS, RS_EV_ROLE, i);
    assert_string_equal(e->role, VS_ROLE);
  }
  /* Every VIEW the service ever sent carries a number from 1 to 5, in non-decreasing order. */
  uint64_t last = 0;
  for (int i = 0; i < fixture_sent(f, 0, VS, FX_ANY, RS_MSG_VIEW); i++) {
    rs_msg m = fixture_sent_msg(f, 0, VS, FX_ANY, RS_MSG_VIEW, i);
    assert_true(m.view == last || m.view == last + 1);
    last = m.view;
  }
  assert_int_equal(last, 5);
  fixture_free(f);
}

static void test_view_service_refuses_a_message_it_does_not_handle(void **state)
{
  (void)state;
  fixture *f = setup(1);
  fixture_inject(f, FX_R1, VS, &(rs_msg){.type = RS_MSG_REPLICATE, .index = 1});
  fixture_run_until(f, 1);
  const fx_event *e = fixture_event_nth(f, VS, RS_EV_REFUSE, 0);
  assert_non_null(e);
  assert_int_equal(e->from, FX_R1);
  assert_int_equal(e->msg_type, RS_MSG_REPLICATE);
  assert_view(f, "0: |");
  fixture_free(f);
}

/* ---- seed 000's heartbeat log ---- */

static void assert_log(fixture *f, int from, const char *const *lines, int n)
{
  assert_int_equal(fixture_log_count(f, VS), from + n);
  for (int i = 0; i < n; i++)
    assert_string_equal(fixture_log_line(f, VS, from + i), lines[i]);
}

static void test_heartbeat_log_says_alive_then_might_be_down_at_each_interval(void **state)
{
  (void)state;
  fixture *f = setup(2);
  /* As in seed 000: the primary and the backup say which they are; the primary stops after 10 s,
   * the backup after 25 s. */
  for (double t = 0; t <= 25; t += INTERVAL) {
    if (t <= 10)
      beat(f, FX_R1, RS_SERVICE_PRIMARY, 0);
    beat(f, FX_R2, RS_SERVICE_BACKUP, 0);
    fixture_run_until(f, t + INTERVAL);
  }
  fixture_run_until(f, 35);
  static const char *const want[] = {
      /* tick at 5 */
      "Primary is alive. Latest heartbeat received at 0.001",
      "Backup is alive. Latest heartbeat received at 0.001",
      /* 10 */
      "Primary is alive. Latest heartbeat received at 5.001",
      "Backup is alive. Latest heartbeat received at 5.001",
      /* 15 */
      "Primary is alive. Latest heartbeat received at 10.001",
      "Backup is alive. Latest heartbeat received at 10.001",
      /* 20: the primary missed its beat at 15 */
      "Primary might be down. Latest heartbeat received at 10.001",
      "Backup is alive. Latest heartbeat received at 15.001",
      /* 25 */
      "Primary might be down. Latest heartbeat received at 10.001",
      "Backup is alive. Latest heartbeat received at 20.001",
      /* 30 */
      "Primary might be down. Latest heartbeat received at 10.001",
      "Backup is alive. Latest heartbeat received at 25.001",
      /* 35 */
      "Primary might be down. Latest heartbeat received at 10.001",
      "Backup might be down. Latest heartbeat received at 25.001",
  };
  assert_log(f, 0, want, (int)(sizeof want / sizeof *want));
  fixture_free(f);
}

static void test_heartbeat_log_names_a_silent_member_by_its_role_in_the_view(void **state)
{
  (void)state;
  fixture *f = setup(2);
  beat(f, FX_R1, RS_SERVICE_NONE, 0); /* primary of view 1, never said so */
  beat(f, FX_R2, RS_SERVICE_NONE, 0); /* idle: no service identifier, no role: no line */
  fixture_run_until(f, 5);
  static const char *const want[] = {"Primary is alive. Latest heartbeat received at 0.001"};
  assert_log(f, 0, want, 1);
  fixture_free(f);
}

/* ---- a randomized check of the 6.824 invariants ---- */

/* Everything the service announced, checked against the heartbeats it had received:
 * consecutive numbers, a view's content never changes, and a view n+1 starts only after the
 * primary of view n acknowledged n; its primary is view n's primary or a backup of view n that
 * view n's primary listed as holding its state. Two passes over the send log. Returns whether
 * the primary ever changed. */
static bool check_view_history(fixture *f)
{
  enum { MAX_VIEWS = 256 };
  static vs_view views[MAX_VIEWS];
  static double started[MAX_VIEWS];
  static bool acked[MAX_VIEWS];
  static uint64_t vouched[MAX_VIEWS]; /* bit i: replica i listed by view n's primary */
  uint64_t top = 0;
  size_t end = fixture_mark(f);
  for (size_t i = 0; i < end; i++) {
    const fx_sent *s = fixture_sent_nth(f, i, FX_ANY, FX_ANY, FX_ANY_MSG, 0);
    if (s->from != VS || s->type != RS_MSG_VIEW)
      continue;
    rs_msg m;
    fixture_decode(s, &m);
    vs_view v;
    vs_view_from_msg(&m, &v);
    assert_true(v.num < MAX_VIEWS);
    if (v.num == 0)
      continue;
    if (v.num > top) {
      assert_int_equal(v.num, top + 1);
      top = v.num;
      views[top] = v;
      started[top] = s->sent_at;
      acked[top] = false;
      vouched[top] = 0;
      assert_false(vs_view_has_backup(&v, v.primary));
    } else {
      char a[512];
      snprintf(a, sizeof a, "%s", view_text(&v));
      assert_string_equal(a, view_text(&views[v.num]));
    }
  }
  for (size_t i = 0; i < end; i++) {
    const fx_sent *s = fixture_sent_nth(f, i, FX_ANY, FX_ANY, FX_ANY_MSG, 0);
    if (s->to != VS || s->type != RS_MSG_HEARTBEAT || !s->delivered)
      continue;
    rs_msg m;
    fixture_decode(s, &m);
    uint64_t n = m.view;
    if (n == 0 || n >= top || s->from != views[n].primary || s->at > started[n + 1])
      continue;
    acked[n] = true;
    for (uint32_t k = 0; k < m.n_nodes; k++)
      vouched[n] |= 1ull << m.nodes[k];
  }
  bool changed = false;
  for (uint64_t n = 1; n < top; n++) {
    const vs_view *old = &views[n], *next = &views[n + 1];
    bool same = next->primary == old->primary;
    bool confirmed = same || (vs_view_has_backup(old, next->primary) && (vouched[n] >> next->primary & 1));
    if (!acked[n] || !confirmed)
      fail_msg("view %llu (%s) follows view %llu without %s", (unsigned long long)n + 1, view_text(next),
               (unsigned long long)n, !acked[n] ? "its ack" : "a confirmed backup as primary");
    changed = changed || !same;
  }
  return changed;
}

/* One random run: five replicas lose heartbeats and VIEWs, crash and restart (forgetting their
 * view) or pause (keeping it), and as primary confirm a random subset of their backups. */
static bool random_run(uint64_t seed)
{
  enum { N = 5 };
  fixture *f = fixture_new(seed, &rs_app_kv);
  fixture_add_view_service(f, INTERVAL, 3);
  GRand *rand = g_rand_new_with_seed((guint32)seed);
  rep reps[N];
  int down_for[N] = {0};
  bool restart_on_return[N] = {false};
  for (int i = 0; i < N; i++) {
    char name[16];
    snprintf(name, sizeof name, "r%d", i + 1);
    fixture_add_stub(f, name);
    reps[i] = (rep){.id = (rs_node_id)(i + 1), .up = g_rand_boolean(rand), .known = {.primary = RS_NO_NODE},
                    .loss = 0.1, .rand = rand};
    fixture_set_latency(f, reps[i].id, VS, g_rand_double_range(rand, 0.001, 1.0));
    fixture_set_latency(f, VS, reps[i].id, g_rand_double_range(rand, 0.001, 1.0));
  }
  for (int step = 0; step < 120; step++) {
    for (int i = 0; i < N; i++) {
      rep *r = &reps[i];
      if (!r->up && --down_for[i] <= 0) {
        r->up = true;
        if (restart_on_return[i])
          rep_restart(f, r);
      } else if (r->up && g_rand_double(rand) < 0.03) {
        r->up = false;
        down_for[i] = g_rand_int_range(rand, 1, 12);
        restart_on_return[i] = g_rand_boolean(rand);
      }
      r->gives_state = g_rand_double(rand) < 0.7;
      if (r->up && g_rand_double(rand) < 0.15)
        continue; /* this heartbeat is lost */
      if (!r->up)
        continue;
      /* A random subset of its backups stands for "those that have the state by now". */
      rep_read(f, r);
      bool primary = r->known.num > 0 && r->known.primary == r->id;
      if (primary && r->gives_state) {
        rs_node_id some[RS_MAX_NODES];
        int n = 0;
        for (uint32_t k = 0; k < r->known.n_backups; k++)
          if (g_rand_boolean(rand))
            some[n++] = r->known.backups[k];
        beat_confirming(f, r->id, RS_SERVICE_PRIMARY, r->known.num, n, some);
      } else {
        rep_beat(f, r);
      }
    }
    fixture_run_until(f, fixture_now(f) + INTERVAL);
  }
  bool changed = check_view_history(f);
  g_rand_free(rand);
  fixture_free(f);
  return changed;
}

static void test_random_loss_and_crashes_never_pick_a_primary_outside_the_previous_view(void **state)
{
  (void)state;
  int changed = 0;
  for (uint64_t seed = 1; seed <= 150; seed++)
    changed += random_run(seed);
  assert_true(changed > 30); /* the property was put to the test, not vacuously true */
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      FX_TEST(test_first_heartbeat_makes_its_sender_primary_of_view_1),
      FX_TEST(test_second_server_becomes_backup_in_view_2_only_after_the_primary_acked_view_1),
      FX_TEST(test_no_view_change_until_the_primary_acks_the_current_view),
      FX_TEST(test_dead_primary_is_replaced_by_its_confirmed_backup),
      FX_TEST(test_dead_after_counts_missed_intervals),
      FX_TEST(test_restarted_primary_is_treated_as_dead),
      FX_TEST(test_idle_server_never_becomes_primary_directly),
      FX_TEST(test_without_a_backup_the_service_stays_stuck_on_the_old_view),
      FX_TEST(test_restarted_primary_without_a_backup_carries_on_once_it_heartbeats_its_view),
      FX_TEST(test_backup_without_the_state_is_not_promoted),
      FX_TEST(test_only_the_primary_confirms_a_backup_and_only_for_the_current_view),
      FX_TEST(test_first_confirmed_backup_in_view_order_is_promoted),
      FX_TEST(test_confirmations_are_forgotten_when_the_primary_changes),
      FX_TEST(test_idle_server_becomes_backup_in_the_same_view_change_that_promotes_the_backup),
      FX_TEST(test_dead_backup_is_removed_from_the_view),
      FX_TEST(test_restarted_backup_leaves_the_view_and_rejoins_as_a_new_backup),
      FX_TEST(test_deposed_primary_is_told_the_new_view),
      FX_TEST(test_get_view_answers_the_current_view),
      FX_TEST(test_every_heartbeat_is_answered_with_the_current_view),
      FX_TEST(test_views_are_numbered_consecutively),
      FX_TEST(test_view_service_refuses_a_message_it_does_not_handle),
      FX_TEST(test_heartbeat_log_says_alive_then_might_be_down_at_each_interval),
      FX_TEST(test_heartbeat_log_names_a_silent_member_by_its_role_in_the_view),
      FX_TEST(test_random_loss_and_crashes_never_pick_a_primary_outside_the_previous_view),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
