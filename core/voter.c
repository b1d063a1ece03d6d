/* A voter of seed 002's poll (see voter.h): votes, follows the servers' views, logs results. */
#include "voter.h"

#include "node.h"

#include <stdio.h>
#include <string.h>

/* A vote to cast or under way. */
typedef struct pending_vote {
  uint64_t ballot;
  rs_node_id opener;
  rs_node_id asker; /* the server whose BALLOT it answers: it hears the vote too */
  bool yes;
} pending_vote;

/* A result waiting for an earlier ballot's. */
typedef struct held_result {
  uint64_t ballot;
  uint32_t yes, no;
} held_result;

struct rs_voter {
  rs_voter_config cfg;
  rs_host host;
  uint64_t view;               /* the newest VIEW's epoch */
  uint32_t n_servers;
  rs_node_id servers[RS_MAX_NODES];
  GHashTable *voted;           /* "seq/opener" ballot ids voted on */
  GHashTable *results;         /* "seq/opener" result ids seen */
  GQueue *queue;               /* pending_vote*: the head is under way when `in_flight` */
  bool in_flight;
  int sent;                    /* sends of the head vote */
  uint64_t req_seq;
  char voter_id[24], opener_id[24], ballot_key[24];
  uint64_t next;               /* the ballot whose result the log waits for */
  uint64_t logged;
  GArray *held;                /* held_result, ascending ballot */
};

static void apply_defaults(rs_voter_config *c)
{
  if (c->timeout <= 0)
    c->timeout = 1;
  if (c->attempts <= 0)
    c->attempts = 5;
  if (c->gap_wait <= 0)
    c->gap_wait = 10;
  if (c->n_servers > RS_MAX_NODES)
    c->n_servers = RS_MAX_NODES;
}

rs_voter *rs_voter_new(const rs_voter_config *cfg, const rs_host *host)
{
  rs_voter *v = g_new0(rs_voter, 1);
  v->cfg = *cfg;
  apply_defaults(&v->cfg);
  v->host = *host;
  v->n_servers = v->cfg.n_servers;
  memcpy(v->servers, v->cfg.servers, sizeof v->servers);
  v->voted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  v->results = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  v->queue = g_queue_new();
  v->held = g_array_new(FALSE, FALSE, sizeof(held_result));
  v->next = 1;
  g_snprintf(v->voter_id, sizeof v->voter_id, "%u", v->cfg.self);
  return v;
}

void rs_voter_free(rs_voter *v)
{
  if (!v)
    return;
  g_hash_table_destroy(v->voted);
  g_hash_table_destroy(v->results);
  g_queue_free_full(v->queue, g_free);
  g_array_free(v->held, TRUE);
  g_free(v);
}

uint64_t rs_voter_next(const rs_voter *v) { return v->next; }
uint64_t rs_voter_logged(const rs_voter *v) { return v->logged; }

static char *ballot_id(uint64_t seq, rs_node_id opener)
{
  return g_strdup_printf("%" G_GUINT64_FORMAT "/%u", seq, opener);
}

/* The head vote as an operation; its slices point into the voter. */
static rs_op vote_op(rs_voter *v, const pending_vote *p)
{
  g_snprintf(v->ballot_key, sizeof v->ballot_key, "%" G_GUINT64_FORMAT, p->ballot);
  g_snprintf(v->opener_id, sizeof v->opener_id, "%u", p->opener);
  return (rs_op){.kind = RS_OP_VOTE, .key = rs_bytes_str(v->ballot_key), .name = rs_bytes_str(v->voter_id),
                 .value = rs_bytes_str(p->yes ? "yes" : "no"), .expected = rs_bytes_str(v->opener_id)};
}

/* Sends the head vote to every server known and to the server that asked for it. */
static void send_vote(rs_voter *v)
{
  const pending_vote *p = g_queue_peek_head(v->queue);
  rs_msg m = {.type = RS_MSG_REQUEST, .client = v->cfg.self, .seq = v->req_seq, .op = vote_op(v, p)};
  bool asker_told = false;
  for (uint32_t i = 0; i < v->n_servers; i++) {
    rs_send(&v->host, v->servers[i], &m);
    asker_told |= v->servers[i] == p->asker;
  }
  if (!asker_told && p->asker != RS_NO_NODE)
    rs_send(&v->host, p->asker, &m);
  v->sent++;
  v->host.timer_arm(v->host.ctx, VOTER_TIMER_RETRY, v->cfg.timeout);
}

static void start_next_vote(rs_voter *v)
{
  if (v->in_flight || g_queue_is_empty(v->queue))
    return;
  const pending_vote *p = g_queue_peek_head(v->queue);
  v->in_flight = true;
  v->sent = 0;
  v->req_seq++;
  rs_op op = vote_op(v, p);
  rs_event ev = {.type = RS_EV_INVOKE, .op = &op};
  rs_emit(&v->host, &ev);
  send_vote(v);
}

static void finish_vote(rs_voter *v, rs_outcome outcome, const rs_result *res, rs_node_id replica)
{
  pending_vote *p = g_queue_pop_head(v->queue);
  rs_op op = vote_op(v, p);
  rs_event ev = {.type = RS_EV_COMPLETE, .outcome = outcome, .op = &op, .res = res, .replica = replica};
  rs_emit(&v->host, &ev);
  g_free(p);
  v->in_flight = false;
  v->host.timer_cancel(v->host.ctx, VOTER_TIMER_RETRY);
  start_next_vote(v);
}

static void on_ballot(rs_voter *v, rs_node_id from, const rs_msg *m)
{
  char *id = ballot_id(m->seq, m->origin);
  if (m->seq == 0 || g_hash_table_contains(v->voted, id)) {
    g_free(id);
    return;
  }
  g_hash_table_add(v->voted, id);
  pending_vote *p = g_new0(pending_vote, 1);
  p->ballot = m->seq;
  p->opener = m->origin;
  p->asker = from;
  /* Seeded: the node's own generator, from its host, so a poll replays exactly. */
  p->yes = (double)rs_random_below(&v->host, 1000000) < v->cfg.yes * 1000000.0;
  g_queue_push_tail(v->queue, p);
  start_next_vote(v);
}

static void on_reply(rs_voter *v, rs_node_id from, const rs_msg *m)
{
  if (!v->in_flight || m->seq != v->req_seq)
    return; /* the other server's copy of an answer already taken, or a stale one */
  if (m->res.status != RS_ST_SUCCESS && m->res.status != RS_ST_BALLOT_CLOSED)
    return; /* NOT PRIMARY: a backup that does not forward; the primary answers */
  finish_vote(v, RS_OUT_OK, &m->res, from);
}

static void on_view(rs_voter *v, const rs_msg *m)
{
  if (m->view < v->view || m->node == RS_NO_NODE)
    return;
  v->view = m->view;
  v->n_servers = 0;
  v->servers[v->n_servers++] = m->node;
  for (uint32_t i = 0; i < m->n_nodes && v->n_servers < RS_MAX_NODES; i++)
    if (m->nodes[i] != m->node)
      v->servers[v->n_servers++] = m->nodes[i];
}

/* Writes one log line and its history operation (invoked and answered as it is logged). */
static void log_result(rs_voter *v, uint64_t ballot, uint32_t yes, uint32_t no)
{
  char line[64], key[24], value[32];
  g_snprintf(line, sizeof line, "%" G_GUINT64_FORMAT " %u %u", ballot, yes, no);
  g_snprintf(key, sizeof key, "%" G_GUINT64_FORMAT, ballot);
  g_snprintf(value, sizeof value, "%u %u", yes, no);
  rs_event log = {.type = RS_EV_LOG, .text = line};
  rs_emit(&v->host, &log);
  rs_op op = {.kind = RS_OP_RESULT, .key = rs_bytes_str(key)};
  rs_result res = {.status = RS_ST_SUCCESS, .value = rs_bytes_str(value)};
  rs_event inv = {.type = RS_EV_INVOKE, .op = &op, .lane = 1};
  rs_emit(&v->host, &inv);
  rs_event done = {.type = RS_EV_COMPLETE, .outcome = RS_OUT_OK, .op = &op, .res = &res,
                   .replica = RS_NO_NODE, .lane = 1};
  rs_emit(&v->host, &done);
  v->logged++;
}

/* Logs every held result that is next in line. Those still held wait behind another gap: it
 * gets its own gap_wait (armed only for the first held result, the results behind a second gap
 * were never logged: the swarm, seed 2 case 736, had a voter log 10 ballots of 87). */
static void flush_held(rs_voter *v)
{
  bool logged = false;
  while (v->held->len > 0) {
    held_result *h = &g_array_index(v->held, held_result, 0);
    if (h->ballot > v->next)
      break;
    log_result(v, h->ballot, h->yes, h->no);
    logged = true;
    if (h->ballot == v->next)
      v->next++;
    g_array_remove_index(v->held, 0);
  }
  if (v->held->len == 0)
    v->host.timer_cancel(v->host.ctx, VOTER_TIMER_GAP);
  else if (logged)
    v->host.timer_arm(v->host.ctx, VOTER_TIMER_GAP, v->cfg.gap_wait);
}

static void hold(rs_voter *v, uint64_t ballot, uint32_t yes, uint32_t no)
{
  guint at = 0;
  while (at < v->held->len && g_array_index(v->held, held_result, at).ballot <= ballot)
    at++;
  held_result h = {ballot, yes, no};
  g_array_insert_val(v->held, at, h);
  if (v->held->len == 1)
    v->host.timer_arm(v->host.ctx, VOTER_TIMER_GAP, v->cfg.gap_wait);
}

static bool parse_counts(rs_bytes b, uint32_t *yes, uint32_t *no)
{
  char text[48];
  if (!b.ptr || b.len == 0 || b.len >= sizeof text)
    return false;
  memcpy(text, b.ptr, b.len);
  text[b.len] = 0;
  return sscanf(text, "%u %u", yes, no) == 2;
}

static void on_result(rs_voter *v, const rs_msg *m)
{
  uint32_t yes, no;
  if (m->seq == 0 || !parse_counts(m->res.value, &yes, &no))
    return;
  char *id = ballot_id(m->seq, m->origin);
  if (g_hash_table_contains(v->results, id)) {
    g_free(id); /* a duplicate: the same result again (a promoted backup resends) */
    return;
  }
  g_hash_table_add(v->results, id);
  if (m->seq < v->next) {
    log_result(v, m->seq, yes, no); /* another id for a ballot logged already: split brain */
    return;
  }
  hold(v, m->seq, yes, no);
  flush_held(v);
}

/* A result waited too long for an earlier ballot's: log what is held, leaving the gap. */
static void on_gap_timer(rs_voter *v)
{
  if (v->held->len == 0)
    return;
  v->next = g_array_index(v->held, held_result, 0).ballot;
  flush_held(v);
}

void rs_voter_handle(rs_voter *v, rs_node_id from, const rs_msg *m)
{
  switch (m->type) {
  case RS_MSG_BALLOT:
    on_ballot(v, from, m);
    break;
  case RS_MSG_REPLY:
    on_reply(v, from, m);
    break;
  case RS_MSG_VIEW:
    on_view(v, m);
    break;
  case RS_MSG_RESULT:
    on_result(v, m);
    break;
  default:
    break;
  }
}

void rs_voter_timer(rs_voter *v, int timer)
{
  if (timer == VOTER_TIMER_GAP) {
    on_gap_timer(v);
    return;
  }
  if (timer != VOTER_TIMER_RETRY || !v->in_flight)
    return;
  if (v->sent >= v->cfg.attempts) {
    rs_result res = {.status = RS_ST_TIMEOUT};
    finish_vote(v, RS_OUT_INFO, &res, RS_NO_NODE);
    return;
  }
  send_vote(v);
}

bool rs_voter_busy(const rs_voter *v)
{
  return v->in_flight || !g_queue_is_empty(v->queue) || v->held->len > 0;
}

static void node_start(void *impl) { (void)impl; }
static void node_handle(void *impl, rs_node_id from, const rs_msg *m) { rs_voter_handle(impl, from, m); }
static void node_timer(void *impl, int timer) { rs_voter_timer(impl, timer); }
static bool node_busy(const void *impl) { return rs_voter_busy(impl); }
static void node_free(void *impl) { rs_voter_free(impl); }

const rs_node_ops rs_voter_node_ops = {.kind = "voter", .start = node_start, .handle = node_handle,
                                       .timer = node_timer, .busy = node_busy, .free = node_free};
