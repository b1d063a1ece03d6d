/* A primary-backup replica (seeds 000, 001, 004): one code for primary and backup, its life,
 * and where each message goes. Replication lives in pb_primary.c and pb_backup.c, resending in
 * pb_resend.c, the join protocol in pb_join.c, failure handling in pb_failover.c. */
#include "pb_internal.h"
#include "node.h"

const char *pb_role_name(pb_role role)
{
  switch (role) {
  case PB_ROLE_PRIMARY:
    return "primary";
  case PB_ROLE_BACKUP:
    return "backup";
  case PB_ROLE_IDLE:
    return "idle";
  default:
    return "joining";
  }
}

/* Fills in the failover defaults: a config that names only `failover` still works. */
static void apply_defaults(pb_config *cfg)
{
  if (cfg->heartbeat <= 0)
    cfg->heartbeat = cfg->failover == RS_FAILOVER_CORE_VIEW_SERVICE ? VS_DEFAULT_INTERVAL : RS_PEER_DEFAULT_INTERVAL;
  if (cfg->dead_after == 0)
    cfg->dead_after = RS_PEER_DEFAULT_DEAD_AFTER;
  if (cfg->restart_delay <= 0)
    cfg->restart_delay = RS_PEER_DEFAULT_RESTART_DELAY;
  if (cfg->n_peers > RS_MAX_NODES)
    cfg->n_peers = RS_MAX_NODES;
  if (cfg->resend == 0)
    cfg->resend = PB_DEFAULT_RESEND;
}

pb_replica *pb_new(const pb_config *cfg, const rs_host *host, rs_store *store)
{
  pb_replica *r = g_new0(pb_replica, 1);
  r->cfg = *cfg;
  apply_defaults(&r->cfg);
  r->host = *host;
  r->store = store;
  r->app = store->app;
  r->primary = RS_NO_NODE;
  r->backups = g_array_new(FALSE, FALSE, sizeof(backup_state));
  r->pending = g_queue_new();
  r->log = g_queue_new();
  r->early = g_tree_new_full(pb_cmp_index, NULL, g_free, pb_free_early);
  r->known.primary = RS_NO_NODE;
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    r->peers[i].id = r->cfg.peers[i];
  r->clients = g_array_new(FALSE, FALSE, sizeof(rs_node_id));
  rs_gate_init(&r->gate, &r->host);
  r->nonce = r->host.random(r->host.ctx) | 1; /* never 0: 0 means unknown */
  return r;
}

void pb_free(pb_replica *r)
{
  if (!r)
    return;
  g_array_free(r->backups, TRUE);
  g_queue_free_full(r->pending, pb_free_pending);
  g_queue_free_full(r->log, pb_free_log_entry);
  g_tree_destroy(r->early);
  g_array_free(r->clients, TRUE);
  rs_gate_clear(&r->gate);
  g_free(r);
}

pb_role pb_get_role(const pb_replica *r) { return r->role; }
rs_node_id pb_get_primary(const pb_replica *r) { return r->primary; }
uint64_t pb_get_view(const pb_replica *r) { return r->view; }
uint64_t pb_applied_index(const pb_replica *r) { return LAST_INDEX(r); }
uint32_t pb_backup_count(const pb_replica *r) { return r->backups->len; }

bool pb_backup_confirmed(const pb_replica *r, rs_node_id node)
{
  const backup_state *b = pb_find_backup((pb_replica *)r, node);
  return b && b->confirmed;
}

/* Registers with the registry (the clients' directory; under `none` and `peer` it also names the
 * first primary) and, with failover, starts heartbeating. */
/* REGISTER carries this life's nonce, so the registry tells a retry (same nonce: the answer was
 * lost) from a restart (a new one: the replica forgot everything). Sent again until answered. */
static void send_register(pb_replica *r)
{
  rs_msg m = {.type = RS_MSG_REGISTER, .node = r->cfg.self, .seq = r->nonce};
  rs_send(&r->host, r->cfg.registry, &m);
  if (r->cfg.resend > 0)
    r->host.timer_arm(r->host.ctx, PB_TIMER_REGISTER, r->cfg.resend);
}

void pb_start(pb_replica *r)
{
  if (r->cfg.registry != RS_NO_NODE)
    send_register(r);
  if (r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_failover_start(r);
}

void pb_timer(pb_replica *r, int timer)
{
  if (timer == PB_TIMER_HEARTBEAT && r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_on_heartbeat_timer(r);
  else if (timer == PB_TIMER_RESEND)
    pb_on_resend_timer(r);
  else if (timer == PB_TIMER_REGISTER && !r->registered)
    send_register(r);
}

/* The trace hears why a message was not accepted (seed 001: replication from a non-primary). */
void pb_refuse(pb_replica *r, rs_node_id from, const rs_msg *m, const char *why)
{
  rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = why};
  rs_emit(&r->host, &ev);
}

/* Peer and ordered number each reign of a primary with an epoch, and replication traffic carries
 * the sender's. A message of an epoch older than this replica's is from a reign that is over, even
 * from the same node: between the two it may have followed another leader and installed its
 * state, so its old stream does not continue its new one (the swarm: a backup following r4 in
 * epoch 8 buffered r4's epoch-6 REPLICATE while it waited for the epoch-8 STATE, applied it on
 * top, and ended holding a message r4 no longer had). Under view-service a view number is not a
 * reign: the same primary's stream runs on across views. */
bool pb_from_old_epoch(const pb_replica *r, const rs_msg *m)
{
  bool epochs = r->cfg.failover == RS_FAILOVER_CORE_PEER || r->cfg.failover == RS_FAILOVER_CORE_ORDERED;
  return epochs && m->view < r->view;
}

/* Changes role and the primary followed; the trace hears of a new role. A primary that steps
 * down abandons what it had not confirmed. */
void pb_set_role(pb_replica *r, pb_role role, rs_node_id primary)
{
  r->primary = primary;
  if (r->role == role)
    return;
  if (r->role == PB_ROLE_PRIMARY)
    pb_abandon_pending(r);
  r->role = role;
  rs_event ev = {.type = RS_EV_ROLE, .role = pb_role_name(role), .view = r->view};
  rs_emit(&r->host, &ev);
}

/* Whether this replica passes a primary's work on to the primary it knows. Under `ordered` a
 * replica that does not lead refuses instead (seed 003: "returns an error"), so that clients walk
 * down the list. */
static bool forwards(const pb_replica *r)
{
  return r->primary != RS_NO_NODE && r->primary != r->cfg.self && r->cfg.failover != RS_FAILOVER_CORE_ORDERED;
}

/* A client's request. Reads are answered here (seed 004) unless reads go to the primary; updates
 * run at the primary, forwarded there when this replica is a backup. */
static void on_request(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  pb_note_client(r, from);
  bool update = rs_op_is_update(m->op.kind);
  bool at_primary = update || r->cfg.reads_primary;
  bool has_state = r->role == PB_ROLE_PRIMARY || (r->role == PB_ROLE_BACKUP && r->installed);
  if (!at_primary && has_state) {
    pb_answer_read(r, r->cfg.self, from, m->seq, &m->op);
  } else if (!at_primary) {
    /* An idle replica, or a backup still waiting for the primary's state, has nothing true to
     * say: the client tries another replica. */
    pb_not_primary(r, r->cfg.self, from, m->seq);
  } else if (r->role == PB_ROLE_PRIMARY) {
    if (update)
      pb_primary_update(r, r->cfg.self, from, m->seq, &m->op);
    else
      pb_primary_read(r, r->cfg.self, from, m->seq, &m->op);
  } else if (forwards(r)) {
    rs_msg fwd = {.type = RS_MSG_FORWARD, .client = from, .seq = m->seq, .origin = r->cfg.self,
                  .view = r->view, .op = m->op};
    rs_send(&r->host, r->primary, &fwd);
  } else {
    pb_not_primary(r, r->cfg.self, from, m->seq);
  }
}

static void on_forward(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->role != PB_ROLE_PRIMARY) {
    pb_refuse(r, from, m, "not the primary");
    pb_not_primary(r, m->origin, m->client, m->seq);
    return;
  }
  if (rs_op_is_update(m->op.kind))
    pb_primary_update(r, m->origin, m->client, m->seq, &m->op);
  else
    pb_primary_read(r, m->origin, m->client, m->seq, &m->op);
}

static void on_forward_reply(pb_replica *r, const rs_msg *m)
{
  pb_reply_client(r, m->client, m->seq, &m->res);
}

void pb_handle(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  switch (m->type) {
  case RS_MSG_REQUEST:
    on_request(r, from, m);
    break;
  case RS_MSG_FORWARD:
    on_forward(r, from, m);
    break;
  case RS_MSG_FORWARD_REPLY:
    on_forward_reply(r, m);
    break;
  case RS_MSG_REPLICATE:
    pb_on_replicate(r, from, m);
    break;
  case RS_MSG_REPLICATE_ACK:
    pb_on_replicate_ack(r, from, m);
    break;
  case RS_MSG_STATE_ACK:
    pb_on_state_ack(r, from, m);
    break;
  case RS_MSG_STATE:
    pb_on_state(r, from, m);
    break;
  case RS_MSG_REGISTER_REPLY:
    pb_on_register_reply(r, m);
    break;
  case RS_MSG_NEW_REPLICA:
    pb_on_new_replica(r, from, m);
    break;
  case RS_MSG_VIEW:
    pb_on_view(r, from, m);
    break;
  case RS_MSG_PEER_HEARTBEAT:
    pb_on_peer_heartbeat(r, from, m);
    break;
  default:
    pb_refuse(r, from, m, "unexpected message");
  }
}

/* Busy while a client waits on this replica or a backup lacks something: pending confirmations,
 * an unacknowledged update or STATE, a state not installed yet, updates buffered ahead of their
 * turn, or an answer waiting for the disk. */
bool pb_busy(const pb_replica *r)
{
  if (rs_gate_waiting(&r->gate) || !g_queue_is_empty(r->pending) || !g_queue_is_empty(r->log))
    return true;
  if (r->role == PB_ROLE_PRIMARY)
    for (guint i = 0; i < r->backups->len; i++)
      if (!g_array_index(r->backups, backup_state, i).confirmed)
        return true;
  if (r->role == PB_ROLE_BACKUP && (!r->installed || g_tree_nnodes(r->early) > 0))
    return true;
  return false;
}

/* A primary, or a backup holding its primary's state: a replica that knows it is behind (idle,
 * joining, waiting for a state transfer) is not measured for divergence. */
bool pb_current(const pb_replica *r)
{
  return r->role == PB_ROLE_PRIMARY || (r->role == PB_ROLE_BACKUP && r->installed);
}

static void node_start(void *impl) { pb_start(impl); }
static void node_handle(void *impl, rs_node_id from, const rs_msg *m) { pb_handle(impl, from, m); }
static void node_timer(void *impl, int timer) { pb_timer(impl, timer); }
static void node_durable(void *impl, uint64_t upto) { rs_gate_durable(&((pb_replica *)impl)->gate, upto); }
static bool node_busy(const void *impl) { return pb_busy(impl); }
static bool node_current(const void *impl) { return pb_current(impl); }
static void node_free(void *impl) { pb_free(impl); }

const rs_node_ops pb_node_ops = {.kind = "pb-replica", .start = node_start, .handle = node_handle,
                                 .timer = node_timer, .durable = node_durable, .busy = node_busy,
                                 .current = node_current, .free = node_free};
