/* The replica side of quorum replication: no primary, each replica decides alone by version. */
#include "quorum_replica.h"
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
};

quorum_replica *quorum_replica_new(const quorum_config *cfg, const rs_host *host, rs_store *store)
{
  quorum_replica *q = g_new0(quorum_replica, 1);
  q->self = cfg->self;
  q->registry = cfg->registry;
  q->heartbeat = cfg->heartbeat > 0 ? cfg->heartbeat : QUORUM_DEFAULT_HEARTBEAT;
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

/* REGISTER once at start: the registry answers it and counts the replica live from now on. */
void quorum_replica_start(quorum_replica *q)
{
  rs_msg m = {.type = RS_MSG_REGISTER, .node = q->self};
  rs_send(&q->host, q->registry, &m);
  q->host.timer_arm(q->host.ctx, QUORUM_TIMER_HEARTBEAT, q->heartbeat);
}

/* Keeps the replica live at the registry; a HEARTBEAT is one small unanswered message. */
void quorum_replica_timer(quorum_replica *q, int timer)
{
  if (timer != QUORUM_TIMER_HEARTBEAT)
    return;
  rs_msg m = {.type = RS_MSG_HEARTBEAT, .which = RS_SERVICE_NONE, .node = q->self};
  rs_send(&q->host, q->registry, &m);
  q->host.timer_arm(q->host.ctx, QUORUM_TIMER_HEARTBEAT, q->heartbeat);
}

/* Runs one operation the coordinator sent; writes carry the version the coordinator chose. */
static void on_quorum_request(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  rs_result res;
  q->app->ops->execute(q->app->state, &m->op, m->res.version, RS_APPLY_QUORUM, &res);
  if (rs_op_is_update(m->op.kind)) {
    if (res.status == RS_ST_SUCCESS) {
      rs_event ev = {.type = RS_EV_APPLY, .op = &m->op, .res = &res};
      rs_emit(&q->host, &ev);
    }
    rs_persist rec = {.kind = RS_PERSIST_OP, .store = q->store, .op = &m->op, .res = &res,
                      .index = q->store->last_index, .client = m->client, .seq = m->seq};
    rs_gate_persist(&q->gate, &rec);
  }
  rs_msg reply = {.type = RS_MSG_QUORUM_REPLY, .client = m->client, .seq = m->seq, .res = res};
  rs_gate_send(&q->gate, from, &reply);
}

void quorum_replica_handle(quorum_replica *q, rs_node_id from, const rs_msg *m)
{
  switch (m->type) {
  case RS_MSG_QUORUM_REQUEST:
    on_quorum_request(q, from, m);
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
static bool node_busy(const void *impl) { return rs_gate_waiting(&((const quorum_replica *)impl)->gate); }
static void node_free(void *impl) { quorum_replica_free(impl); }

const rs_node_ops quorum_node_ops = {.kind = "quorum-replica", .start = node_start, .handle = node_handle,
                                     .timer = node_timer, .durable = node_durable, .busy = node_busy,
                                     .free = node_free};
