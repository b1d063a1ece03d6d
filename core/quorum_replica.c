/* The replica side of quorum replication: no primary, each replica decides alone by version. */
#include "quorum_replica.h"

#include <glib.h>

struct quorum_replica {
  rs_node_id self;
  rs_node_id registry;
  double heartbeat; /* seconds between HEARTBEATs to the registry */
  rs_host host;
  rs_app *app;
};

quorum_replica *quorum_replica_new(rs_node_id self, rs_node_id registry, double heartbeat, const rs_host *host,
                                   rs_store *store)
{
  quorum_replica *q = g_new0(quorum_replica, 1);
  q->self = self;
  q->registry = registry;
  q->heartbeat = heartbeat > 0 ? heartbeat : QUORUM_DEFAULT_HEARTBEAT;
  q->host = *host;
  q->app = store->app;
  return q;
}

void quorum_replica_free(quorum_replica *q)
{
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
  if (rs_op_is_update(m->op.kind) && res.status == RS_ST_SUCCESS) {
    rs_event ev = {.type = RS_EV_APPLY, .op = &m->op, .res = &res};
    rs_emit(&q->host, &ev);
  }
  rs_msg reply = {.type = RS_MSG_QUORUM_REPLY, .client = m->client, .seq = m->seq, .res = res};
  rs_send(&q->host, from, &reply);
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
