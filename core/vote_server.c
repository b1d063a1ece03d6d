/* Seed 002's vote server (see vote_server.h): a pb replica with the poll's ballots on top. It
 * sees what the replica does through a host of its own that passes everything on. */
#include "vote_server.h"

#include "apps/votes.h"
#include "node.h"
#include "pb_internal.h"

#include <stdio.h>
#include <string.h>

/* An internal operation (open, close) under way: its request number and ballot. */
typedef struct internal_op {
  uint64_t req;
  uint8_t kind;
  uint64_t ballot;
} internal_op;

struct vote_server {
  vote_server_config cfg;
  rs_host outer;          /* the real host */
  rs_host inner;          /* the replica's: passes everything to `outer`, watching */
  pb_replica *pb;
  bool stopped;           /* the run's duration is over: no new ballot */
  uint64_t counter;       /* internal request numbers (with the epoch: never reused) */
  GArray *internal;       /* internal_op under way */
  GHashTable *seen_at;    /* ballot seq -> double*: when this server first knew it open */
  GHashTable *closing;    /* ballot seq: a close under way */
  bool was_primary;
  bool promoted;          /* became primary during the replica's handling: take over after it */
  uint32_t told_backups;  /* the backups the latest VIEW named (join log) */
  rs_node_id told_backup;
  bool told;
  char key[24], name[24];
};

static bool is_primary(const vote_server *s) { return pb_get_role(s->pb) == PB_ROLE_PRIMARY; }

static const char *peer_name(const vote_server *s, rs_node_id id)
{
  for (uint32_t i = 0; i < s->cfg.pb.n_peers; i++)
    if (s->cfg.pb.peers[i] == id && s->cfg.peer_names[i])
      return s->cfg.peer_names[i];
  return "?";
}

static void log_line(vote_server *s, const char *text)
{
  rs_event ev = {.type = RS_EV_LOG, .text = text};
  s->outer.event(s->outer.ctx, &ev);
}

/* Runs an internal op through the replica's own write path, as a client that is itself. */
static void submit(vote_server *s, uint8_t kind, uint64_t ballot)
{
  uint64_t req = (pb_get_view(s->pb) << 32) | ++s->counter;
  g_snprintf(s->key, sizeof s->key, "%" G_GUINT64_FORMAT, ballot);
  g_snprintf(s->name, sizeof s->name, "%u", s->cfg.pb.self);
  rs_op op = {.kind = kind, .key = rs_bytes_str(s->key),
              .name = kind == RS_OP_OPEN ? rs_bytes_str(s->name) : RS_BYTES_NULL};
  internal_op io = {req, kind, ballot};
  g_array_append_val(s->internal, io);
  pb_primary_update(s->pb, s->cfg.pb.self, s->cfg.pb.self, req, &op);
}

static void send_all_voters(vote_server *s, const rs_msg *m)
{
  for (uint32_t i = 0; i < s->cfg.poll.n_voters; i++)
    rs_send(&s->outer, s->cfg.poll.voters[i], m);
}

static void send_result(vote_server *s, const votes_ballot *b)
{
  char value[32];
  g_snprintf(value, sizeof value, "%u %u", b->yes, b->no);
  rs_msg m = {.type = RS_MSG_RESULT, .seq = b->seq, .origin = b->opener, .view = pb_get_view(s->pb)};
  m.res.status = RS_ST_SUCCESS;
  m.res.value = rs_bytes_str(value);
  send_all_voters(s, &m);
}

static double *seen_at(vote_server *s, uint64_t seq)
{
  double *t = g_hash_table_lookup(s->seen_at, &seq);
  if (!t) {
    uint64_t *k = g_new(uint64_t, 1);
    *k = seq;
    t = g_new(double, 1);
    *t = rs_now(&s->outer);
    g_hash_table_insert(s->seen_at, k, t);
  }
  return t;
}

/* Whether this primary's open of ballot `seq` is still under way (not yet announced). */
static bool opening(const vote_server *s, uint64_t seq)
{
  for (guint i = 0; i < s->internal->len; i++) {
    const internal_op *io = &g_array_index(s->internal, internal_op, i);
    if (io->kind == RS_OP_OPEN && io->ballot == seq)
      return true;
  }
  return false;
}

/* The primary closes every open ballot that every voter voted on or whose deadline passed (a
 * ballot not announced yet has no deadline running). */
static void close_due(vote_server *s)
{
  if (!is_primary(s))
    return;
  GPtrArray *all = votes_ballots(s->pb->app->state);
  double now = rs_now(&s->outer);
  GArray *due = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  for (guint i = 0; i < all->len; i++) {
    const votes_ballot *b = all->pdata[i];
    if (b->closed || g_hash_table_contains(s->closing, &b->seq) || opening(s, b->seq))
      continue;
    double opened = *seen_at(s, b->seq);
    if (b->voters->len >= s->cfg.poll.n_voters || now + 1e-9 >= opened + s->cfg.poll.deadline)
      g_array_append_val(due, b->seq);
  }
  for (guint i = 0; i < due->len; i++) {
    uint64_t *k = g_new(uint64_t, 1);
    *k = g_array_index(due, uint64_t, i);
    g_hash_table_add(s->closing, k);
    submit(s, RS_OP_CLOSE, *k);
  }
  g_array_free(due, TRUE);
}

/* BALLOT to every voter; the id is (seq, opener), whoever announces it. */
static void announce(vote_server *s, const votes_ballot *b)
{
  rs_msg m = {.type = RS_MSG_BALLOT, .seq = b->seq, .origin = b->opener, .view = pb_get_view(s->pb)};
  send_all_voters(s, &m);
}

/* Runs the open through the replica; BALLOT goes out once it is confirmed (on_internal_reply).
 * Announced before, a ballot the backup never got dies with a failover while voters vote on it,
 * and the new primary opens another under the same number: the swarm (seed 2, pb-blocking under
 * loss) had voters vote on both, the first vote counted in the second ballot and the second,
 * acknowledged, dropped as a repeat. */
static void open_ballot(vote_server *s)
{
  uint64_t seq = votes_last_seq(s->pb->app->state) + 1;
  if (s->stopped || !is_primary(s) || seq > s->cfg.poll.ballots)
    return;
  submit(s, RS_OP_OPEN, seq);
}

/* A promoted backup: every closed ballot's result again, and every open ballot announced again
 * (its predecessor may have failed before announcing one); the open ones close from now on. */
static void take_over(vote_server *s)
{
  GPtrArray *all = votes_ballots(s->pb->app->state);
  GPtrArray *closed = g_ptr_array_new(), *open = g_ptr_array_new();
  for (guint i = 0; i < all->len; i++)
    g_ptr_array_add(((const votes_ballot *)all->pdata[i])->closed ? closed : open, all->pdata[i]);
  for (guint i = 0; i < closed->len; i++)
    send_result(s, closed->pdata[i]);
  for (guint i = 0; i < open->len; i++)
    announce(s, open->pdata[i]);
  g_ptr_array_free(closed, TRUE);
  g_ptr_array_free(open, TRUE);
  close_due(s);
}

/* A confirmation of an internal op (the replica answering its own request). */
static void on_internal_reply(vote_server *s, const rs_msg *m)
{
  for (guint i = 0; i < s->internal->len; i++) {
    internal_op io = g_array_index(s->internal, internal_op, i);
    if (io.req != m->seq)
      continue;
    g_array_remove_index(s->internal, i);
    const votes_ballot *opened = io.kind == RS_OP_OPEN ? votes_find(s->pb->app->state, io.ballot) : NULL;
    if (opened && !opened->closed && is_primary(s)) {
      /* The deadline runs from the announcement: voters cannot vote before. */
      g_hash_table_remove(s->seen_at, &io.ballot);
      seen_at(s, io.ballot);
      announce(s, opened);
    }
    if (io.kind == RS_OP_CLOSE) {
      g_hash_table_remove(s->closing, &io.ballot);
      const votes_ballot *b = votes_find(s->pb->app->state, io.ballot);
      if (b && b->closed && is_primary(s))
        send_result(s, b);
    }
    return;
  }
}

/* The join protocol as seed 002 names it, from the VIEWs the replica sends its clients. */
static void note_view(vote_server *s, const rs_msg *m)
{
  rs_node_id backup = m->n_nodes ? m->nodes[0] : RS_NO_NODE;
  if (s->told && s->told_backups == m->n_nodes && s->told_backup == backup)
    return;
  bool first = !s->told;
  s->told = true;
  s->told_backups = m->n_nodes;
  s->told_backup = backup;
  char line[160];
  const char *me = peer_name(s, s->cfg.pb.self);
  double at = rs_wall(&s->outer);
  if (m->n_nodes == 0)
    g_snprintf(line, sizeof line, "ONLY PRIMARY %s COLLECTS VOTES (at %.3f s)", me, at);
  else if (!first)
    g_snprintf(line, sizeof line, "NEW BACKUP %s JOINED: VOTES GO TO %s AND %s (at %.3f s)", peer_name(s, backup),
               me, peer_name(s, backup), at);
  else
    return;
  log_line(s, line);
}

/* ---- the replica's host: everything passes through ---- */

static void in_send(void *ctx, rs_node_id to, const rs_msg *m)
{
  vote_server *s = ctx;
  if (to == s->cfg.pb.self && m->type == RS_MSG_REPLY) {
    on_internal_reply(s, m);
    return;
  }
  if (m->type == RS_MSG_VIEW && is_primary(s) && m->node == s->cfg.pb.self)
    note_view(s, m);
  rs_send(&s->outer, to, m);
}

static void in_event(void *ctx, const rs_event *ev)
{
  vote_server *s = ctx;
  if (ev->type == RS_EV_APPLY) {
    /* The server's log holds the results it fixed (voters' format) and the join lines, not
     * every open and vote. */
    if (ev->op->kind == RS_OP_CLOSE && ev->res && ev->res->value.ptr) {
      char line[64];
      g_snprintf(line, sizeof line, "%.*s %.*s", (int)ev->op->key.len, ev->op->key.ptr, (int)ev->res->value.len,
                 ev->res->value.ptr);
      log_line(s, line);
    }
    return;
  }
  s->outer.event(s->outer.ctx, ev);
  if (ev->type == RS_EV_ROLE) {
    bool now = is_primary(s);
    if (now && !s->was_primary)
      s->promoted = true; /* the replica is mid-promotion: act once it is done */
    if (!now) {
      g_hash_table_remove_all(s->closing);
      g_array_set_size(s->internal, 0);
    }
    s->was_primary = now;
  }
}

static void in_timer_arm(void *ctx, int timer, double delay)
{
  vote_server *s = ctx;
  s->outer.timer_arm(s->outer.ctx, timer, delay);
}
static void in_timer_cancel(void *ctx, int timer)
{
  vote_server *s = ctx;
  s->outer.timer_cancel(s->outer.ctx, timer);
}
static double in_now(void *ctx) { return rs_now(&((vote_server *)ctx)->outer); }
static double in_wall(void *ctx) { return rs_wall(&((vote_server *)ctx)->outer); }
static uint64_t in_random(void *ctx)
{
  vote_server *s = ctx;
  return s->outer.random(s->outer.ctx);
}
static bool in_persist(void *ctx, const rs_persist *rec)
{
  vote_server *s = ctx;
  return s->outer.persist ? s->outer.persist(s->outer.ctx, rec) : true;
}
static void in_restart(void *ctx, rs_node_id node, double delay)
{
  vote_server *s = ctx;
  if (s->outer.restart_node)
    s->outer.restart_node(s->outer.ctx, node, delay);
}

/* Ticks often enough that a deadline is met within a tenth of it. */
static double tick_period(const vote_server *s)
{
  double p = s->cfg.poll.deadline / 10;
  return p < 0.01 ? 0.01 : p > 1 ? 1 : p;
}

vote_server *vote_server_new(const vote_server_config *cfg, const rs_host *host, rs_store *store)
{
  vote_server *s = g_new0(vote_server, 1);
  s->cfg = *cfg;
  if (s->cfg.poll.every <= 0)
    s->cfg.poll.every = 1;
  if (s->cfg.poll.deadline <= 0)
    s->cfg.poll.deadline = 3;
  s->outer = *host;
  s->inner = (rs_host){.ctx = s, .send = in_send, .timer_arm = in_timer_arm, .timer_cancel = in_timer_cancel,
                       .now = in_now, .wall = in_wall, .random = in_random, .event = in_event,
                       .persist = host->persist ? in_persist : NULL,
                       .restart_node = host->restart_node ? in_restart : NULL};
  s->internal = g_array_new(FALSE, FALSE, sizeof(internal_op));
  s->seen_at = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
  s->closing = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  s->pb = pb_new(&s->cfg.pb, &s->inner, store);
  return s;
}

void vote_server_free(vote_server *s)
{
  if (!s)
    return;
  pb_free(s->pb);
  g_array_free(s->internal, TRUE);
  g_hash_table_destroy(s->seen_at);
  g_hash_table_destroy(s->closing);
  g_free(s);
}

pb_replica *vote_server_replica(const vote_server *s) { return s->pb; }

static void after_replica(vote_server *s);

static void node_start(void *impl)
{
  vote_server *s = impl;
  /* Every voter hears of each change of backups (VIEW), whether or not it has voted yet. */
  for (uint32_t i = 0; i < s->cfg.poll.n_voters; i++)
    pb_note_client(s->pb, s->cfg.poll.voters[i]);
  pb_start(s->pb);
  after_replica(s);
  s->outer.timer_arm(s->outer.ctx, VOTE_TIMER_OPEN, s->cfg.poll.every);
  s->outer.timer_arm(s->outer.ctx, VOTE_TIMER_TICK, tick_period(s));
}

/* After the replica handled something: a promotion it made is complete now. */
static void after_replica(vote_server *s)
{
  if (s->promoted && is_primary(s)) {
    s->promoted = false;
    take_over(s);
  }
  s->promoted = false;
}

static void node_handle(void *impl, rs_node_id from, const rs_msg *m)
{
  vote_server *s = impl;
  pb_handle(s->pb, from, m);
  after_replica(s);
  if (is_primary(s) && m->type == RS_MSG_REQUEST && m->op.kind == RS_OP_VOTE)
    close_due(s); /* the last voter's vote closes the ballot at once */
}

static void node_timer(void *impl, int timer)
{
  vote_server *s = impl;
  if (timer == VOTE_TIMER_OPEN) {
    open_ballot(s);
    if (!s->stopped)
      s->outer.timer_arm(s->outer.ctx, VOTE_TIMER_OPEN, s->cfg.poll.every);
  } else if (timer == VOTE_TIMER_TICK) {
    /* Every ballot's age counts from when this server first knew it (a backup: its replica). */
    GPtrArray *all = votes_ballots(s->pb->app->state);
    for (guint i = 0; i < all->len; i++)
      seen_at(s, ((const votes_ballot *)all->pdata[i])->seq);
    close_due(s);
    s->outer.timer_arm(s->outer.ctx, VOTE_TIMER_TICK, tick_period(s));
  } else {
    pb_timer(s->pb, timer);
    after_replica(s);
  }
}

static void node_durable(void *impl, uint64_t upto) { rs_gate_durable(&((vote_server *)impl)->pb->gate, upto); }
static void node_stop(void *impl) { ((vote_server *)impl)->stopped = true; }

/* Busy while the replica is, or (primary) a ballot is open or its result not yet confirmed. */
static bool node_busy(const void *impl)
{
  const vote_server *s = impl;
  if (pb_busy(s->pb))
    return true;
  if (!is_primary(s))
    return false;
  if (s->internal->len > 0)
    return true;
  GPtrArray *all = votes_ballots(s->pb->app->state);
  for (guint i = 0; i < all->len; i++)
    if (!((const votes_ballot *)all->pdata[i])->closed)
      return true;
  return false;
}

static bool node_current(const void *impl) { return pb_current(((const vote_server *)impl)->pb); }
static void node_free(void *impl) { vote_server_free(impl); }

const rs_node_ops vote_server_node_ops = {.kind = "vote-server", .start = node_start, .handle = node_handle,
                                          .timer = node_timer, .durable = node_durable, .stop = node_stop,
                                          .busy = node_busy, .current = node_current, .free = node_free};
