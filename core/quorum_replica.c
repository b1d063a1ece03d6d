/* The replica side of quorum replication: no primary, each replica decides alone by version. */
#include "quorum_replica.h"
#include "dedup.h"
#include "gate.h"
#include "node.h"

#include <glib.h>

struct quorum_replica {
  rs_node_id self;
  rs_node_id registry;
  double heartbeat; /* seconds between HEARTBEATs to the registry */
  rs_host host;
  rs_store *store;
  rs_app *app;
  rs_gate gate;     /* answers leave once what they answer is durable */
  uint8_t join;     /* rs_quorum_join: where its join stands */
  double join_delay;
  uint32_t read_quorum;
  uint64_t round;   /* joining: the read quorum asked for now (its GET_REPLICAS seq) */
  uint32_t n_asked, n_merged;
  rs_node_id asked[RS_MAX_NODES];
  uint64_t merged;  /* bit i: asked[i]'s state is merged */
};

quorum_replica *quorum_replica_new(const quorum_config *cfg, const rs_host *host, rs_store *store)
{
  quorum_replica *q = g_new0(quorum_replica, 1);
  q->self = cfg->self;
  q->registry = cfg->registry;
  q->heartbeat = cfg->heartbeat > 0 ? cfg->heartbeat : QUORUM_DEFAULT_HEARTBEAT;
  q->join = cfg->joining ? RS_QUORUM_JOINING : RS_QUORUM_MEMBER;
  q->join_delay = cfg->join_delay > 0 ? cfg->join_delay : 5.0;
  q->read_quorum = cfg->read_quorum ? cfg->read_quorum : 1;
  q->host = *host;
  q->store = store;
  q->app = store->app;
  rs_gate_init(&q->gate, &q->host);
  return q;
}

void quorum_replica_free(quorum_replica *q)
{
  if (!q)
    return;
  rs_gate_clear(&q->gate);
  g_free(q);
}

/* REGISTER once at start: the registry answers it and counts the replica live from now on. A
 * joining replica says so, and starts catching up after join_delay. */
void quorum_replica_start(quorum_replica *q)
{
  rs_msg m = {.type = RS_MSG_REGISTER, .node = q->self, .which = q->join};
  rs_send(&q->host, q->registry, &m);
  q->host.timer_arm(q->host.ctx, QUORUM_TIMER_HEARTBEAT, q->heartbeat);
  if (q->join == RS_QUORUM_JOINING)
    q->host.timer_arm(q->host.ctx, QUORUM_TIMER_JOIN, q->join_delay);
}

/* A joining replica asks for a read quorum of the members; asked again every join_delay until it
 * has merged enough states (a member may be down, or messages lost). */
static void ask_read_quorum(quorum_replica *q)
{
  q->round++;
  q->n_asked = q->n_merged = 0;
  q->merged = 0;
  rs_msg m = {.type = RS_MSG_GET_REPLICAS, .which = RS_WHICH_READ, .seq = q->round};
  rs_send(&q->host, q->registry, &m);
  q->host.timer_arm(q->host.ctx, QUORUM_TIMER_JOIN, q->join_delay);
}

/* Keeps the replica live at the registry (a HEARTBEAT is one small unanswered message that also
 * says where its join stands); a joining replica's other timer starts a round of catching up. */
void quorum_replica_timer(quorum_replica *q, int timer)
{
  if (timer == QUORUM_TIMER_JOIN && q->join == RS_QUORUM_JOINING) {
    ask_read_quorum(q);
    return;
  }
  if (timer != QUORUM_TIMER_HEARTBEAT)
    return;
  rs_msg m = {.type = RS_MSG_HEARTBEAT, .which = q->join, .node = q->self};
  rs_send(&q->host, q->registry, &m);
  q->host.timer_arm(q->host.ctx, QUORUM_TIMER_HEARTBEAT, q->heartbeat);
}

static void on_replicas(quorum_replica *q, const rs_msg *m)
{
  if (q->join != RS_QUORUM_JOINING || m->seq != q->round || q->n_asked)
    return;
  for (uint32_t i = 0; i < m->n_nodes && q->n_asked < RS_MAX_NODES; i++) {
    if (m->nodes[i] == q->self)
      continue;
    q->asked[q->n_asked++] = m->nodes[i];
    rs_msg ask = {.type = RS_MSG_STATE_REQUEST, .seq = q->round};
    rs_send(&q->host, m->nodes[i], &ask);
  }
}

/* A member's state, for a joining replica: replays it under the quorum rule (newest wins). */
static void merge_one(void *arg, const rs_op *op, uint64_t version)
{
  quorum_replica *q = arg;
  rs_result res;
  q->app->ops->execute(q->app->state, op, version, RS_APPLY_QUORUM, &res);
}

static void on_state(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  if (q->join != RS_QUORUM_JOINING || m->seq != q->round)
    return;
  uint32_t i = 0;
  while (i < q->n_asked && (q->asked[i] != from || (q->merged >> i) & 1u))
    i++;
  if (i == q->n_asked)
    return;
  if (!q->app->ops->replay((const uint8_t *)m->blob.ptr, m->blob.len, merge_one, q)) {
    rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = "malformed state"};
    rs_emit(&q->host, &ev);
    return;
  }
  q->merged |= 1ull << i;
  if (++q->n_merged < q->read_quorum)
    return;
  rs_persist rec = {.kind = RS_PERSIST_STATE, .store = q->store};
  rs_gate_persist(&q->gate, &rec);
  q->join = RS_QUORUM_CAUGHT_UP;
  q->host.timer_cancel(q->host.ctx, QUORUM_TIMER_JOIN);
  rs_msg done = {.type = RS_MSG_REGISTER, .node = q->self, .which = q->join};
  rs_gate_send(&q->gate, q->registry, &done);
}

/* A joining replica's request: this replica's application state as it is now. */
static void on_state_request(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  GByteArray *snapshot = g_byte_array_new();
  q->app->ops->snapshot(q->app->state, snapshot);
  rs_msg state = {.type = RS_MSG_STATE, .seq = m->seq, .blob = {(const char *)snapshot->data, snapshot->len}};
  rs_gate_send(&q->gate, from, &state);
  g_byte_array_free(snapshot, TRUE);
}

/* Runs one operation the coordinator sent; writes carry the version the coordinator chose. */
/* Runs one operation the coordinator sent; writes carry the version the coordinator chose. An
 * update a coordinator sends again (its answer was lost) is answered from the at-most-once table,
 * not run twice: a second delete would answer FILE ALREADY DELETED to the one delete there was. */
static void on_quorum_request(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  rs_result res;
  bool update = rs_op_is_update(m->op.kind);
  const rs_result *done = NULL;
  rs_dedup_state seen = update ? rs_dedup_check(q->store->dedup, m->client, m->seq, &done) : RS_DEDUP_NEW;
  if (seen == RS_DEDUP_STALE)
    return; /* the coordinator has moved on */
  if (seen == RS_DEDUP_DONE) {
    rs_msg again = {.type = RS_MSG_QUORUM_REPLY, .client = m->client, .seq = m->seq, .index = m->index, .res = *done};
    rs_gate_send(&q->gate, from, &again);
    return;
  }
  q->app->ops->execute(q->app->state, &m->op, m->res.version, RS_APPLY_QUORUM, &res);
  if (update) {
    rs_dedup_finish(q->store->dedup, m->client, m->seq, &res);
    if (res.status == RS_ST_SUCCESS) {
      rs_event ev = {.type = RS_EV_APPLY, .op = &m->op, .res = &res};
      rs_emit(&q->host, &ev);
    }
    rs_persist rec = {.kind = RS_PERSIST_OP, .store = q->store, .op = &m->op, .res = &res,
                      .index = q->store->last_index, .client = m->client, .seq = m->seq};
    rs_gate_persist(&q->gate, &rec);
  }
  rs_msg reply = {.type = RS_MSG_QUORUM_REPLY, .client = m->client, .seq = m->seq, .index = m->index, .res = res};
  rs_gate_send(&q->gate, from, &reply);
}

/* A coordinator's first round for an update: would it succeed here, and which version of its
 * key is here now? Nothing changes. */
static void on_quorum_check(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  rs_result res;
  q->app->ops->execute(q->app->state, &m->op, 0, RS_APPLY_QUORUM_CHECK, &res);
  rs_msg reply = {.type = RS_MSG_QUORUM_REPLY, .client = m->client, .seq = m->seq, .index = m->index, .res = res};
  rs_gate_send(&q->gate, from, &reply);
}

void quorum_replica_handle(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  switch (m->type) {
  case RS_MSG_QUORUM_REQUEST:
    on_quorum_request(q, from, m);
    break;
  case RS_MSG_QUORUM_CHECK:
    on_quorum_check(q, from, m);
    break;
  case RS_MSG_REPLICAS:
    on_replicas(q, m);
    break;
  case RS_MSG_STATE:
    on_state(q, from, m);
    break;
  case RS_MSG_STATE_REQUEST:
    on_state_request(q, from, m);
    break;
  case RS_MSG_REGISTER_REPLY: {
    rs_event ev = {.type = RS_EV_ROLE, .role = "replica", .view = 0};
    rs_emit(&q->host, &ev);
    break;
  }
  default: {
    rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = "unexpected message"};
    rs_emit(&q->host, &ev);
  }
  }
}

static void node_start(void *impl) { quorum_replica_start(impl); }
static void node_handle(void *impl, rs_node_id from, const rs_msg *m) { quorum_replica_handle(impl, from, m); }
static void node_timer(void *impl, int timer) { quorum_replica_timer(impl, timer); }
static void node_durable(void *impl, uint64_t upto) { rs_gate_durable(&((quorum_replica *)impl)->gate, upto); }
static bool node_busy(const void *impl)
{
  const quorum_replica *q = impl;
  return rs_gate_waiting(&q->gate) || q->join == RS_QUORUM_JOINING;
}
static void node_free(void *impl) { quorum_replica_free(impl); }

const rs_node_ops quorum_node_ops = {.kind = "quorum-replica", .start = node_start, .handle = node_handle,
                                     .timer = node_timer, .durable = node_durable, .busy = node_busy,
                                     .free = node_free};
