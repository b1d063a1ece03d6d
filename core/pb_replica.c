/* Primary-backup replication (seeds 000, 001, 004): the primary orders updates, backups follow. */
#include "pb_internal.h"
#include "dedup.h"
#include "owned.h"

/* An update a backup received ahead of its turn. */
typedef struct early_update {
  rs_node_id client;
  uint64_t seq;
  uint64_t version;
  rs_op *op;
} early_update;

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

static gint cmp_index(gconstpointer a, gconstpointer b, gpointer unused)
{
  (void)unused;
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void free_early(gpointer p)
{
  early_update *e = p;
  g_free(e->op);
  g_free(e);
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
  r->early = g_tree_new_full(cmp_index, NULL, g_free, free_early);
  r->known.primary = RS_NO_NODE;
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    r->peers[i].id = r->cfg.peers[i];
  r->clients = g_array_new(FALSE, FALSE, sizeof(rs_node_id));
  return r;
}

static void free_pending(gpointer p)
{
  pending_update *u = p;
  g_free(u->res);
  g_free(u);
}

static void free_log_entry(gpointer p)
{
  log_entry *e = p;
  g_free(e->op);
  g_free(e);
}

void pb_free(pb_replica *r)
{
  if (!r)
    return;
  g_array_free(r->backups, TRUE);
  g_queue_free_full(r->pending, free_pending);
  g_queue_free_full(r->log, free_log_entry);
  g_tree_destroy(r->early);
  g_array_free(r->clients, TRUE);
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
void pb_start(pb_replica *r)
{
  if (r->cfg.failover == RS_FAILOVER_CORE_NONE || r->cfg.registry != RS_NO_NODE) {
    rs_msg m = {.type = RS_MSG_REGISTER, .node = r->cfg.self};
    rs_send(&r->host, r->cfg.registry, &m);
  }
  if (r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_failover_start(r);
}

static void on_resend_timer(pb_replica *r);

void pb_timer(pb_replica *r, int timer)
{
  if (timer == PB_TIMER_HEARTBEAT && r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_on_heartbeat_timer(r);
  else if (timer == PB_TIMER_RESEND)
    on_resend_timer(r);
}

void pb_refuse(pb_replica *r, rs_node_id from, const rs_msg *m, const char *why)
{
  rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = why};
  rs_emit(&r->host, &ev);
}

/* Changes role and the primary followed; the trace hears of a new role, or, with failover, of a
 * new view number too. */
/* A primary that steps down abandons the updates still waiting for acknowledgements (its clients
 * retry elsewhere) and stops resending its log to backups that follow someone else now. Each
 * abandoned update is in this replica's store, so its at-most-once entry becomes done: should
 * this replica lead again before a state transfer replaces its store, a retry gets the answer
 * instead of being ignored as pending for ever. */
static void abandon_pending(pb_replica *r)
{
  pending_update *u;
  while ((u = g_queue_pop_head(r->pending))) {
    if (u->update)
      rs_dedup_finish(DEDUP(r), u->client, u->seq, u->res);
    free_pending(u);
  }
  log_entry *e;
  while ((e = g_queue_pop_head(r->log)))
    free_log_entry(e);
  if (r->resend_armed) {
    r->host.timer_cancel(r->host.ctx, PB_TIMER_RESEND);
    r->resend_armed = false;
  }
}

void pb_set_role(pb_replica *r, pb_role role, rs_node_id primary)
{
  r->primary = primary;
  if (r->role == role)
    return;
  if (r->role == PB_ROLE_PRIMARY)
    abandon_pending(r);
  r->role = role;
  rs_event ev = {.type = RS_EV_ROLE, .role = pb_role_name(role), .view = r->view};
  rs_emit(&r->host, &ev);
}

static void reply_client(pb_replica *r, rs_node_id client, uint64_t seq, const rs_result *res)
{
  rs_msg m = {.type = RS_MSG_REPLY, .client = client, .seq = seq, .res = *res};
  rs_send(&r->host, client, &m);
}

/* Confirms an update to the replica that took the client's request, or to the client itself. */
static void confirm(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_result *res)
{
  if (origin == r->cfg.self) {
    reply_client(r, client, seq, res);
    return;
  }
  rs_msg m = {.type = RS_MSG_FORWARD_REPLY, .client = client, .seq = seq, .origin = origin, .res = *res};
  rs_send(&r->host, origin, &m);
}

/* Confirms a pending entry to every replica its client went through. */
static void confirm_pending(pb_replica *r, const pending_update *u)
{
  for (uint32_t i = 0; i < u->n_origins; i++)
    confirm(r, u->origins[i], u->client, u->seq, u->res);
}

static pending_update *find_pending(pb_replica *r, rs_node_id client, uint64_t seq)
{
  for (GList *l = r->pending->head; l; l = l->next) {
    pending_update *u = l->data;
    if (u->client == client && u->seq == seq)
      return u;
  }
  return NULL;
}

/* A retry of a pending update came through `origin`: it hears the answer too. When the list is
 * full the latest replaces the last one (the client waits at the latest). */
static void add_origin(pending_update *u, rs_node_id origin)
{
  for (uint32_t i = 0; i < u->n_origins; i++)
    if (u->origins[i] == origin)
      return;
  if (u->n_origins == PB_MAX_ORIGINS)
    u->n_origins--;
  u->origins[u->n_origins++] = origin;
}

static void emit_apply(pb_replica *r, const rs_op *op, const rs_result *res)
{
  rs_event ev = {.type = RS_EV_APPLY, .op = op, .res = res};
  rs_emit(&r->host, &ev);
}

/* ---- the primary's log and its resend timer ---- */

static uint64_t min_acked(const pb_replica *r)
{
  uint64_t low = UINT64_MAX;
  for (guint i = 0; i < r->backups->len; i++) {
    uint64_t a = g_array_index(r->backups, backup_state, i).acked;
    if (a < low)
      low = a;
  }
  return low;
}

/* Forgets the entries every current backup has acknowledged (all of them when none is left). */
static void trim_log(pb_replica *r)
{
  uint64_t low = min_acked(r);
  log_entry *e;
  while ((e = g_queue_peek_head(r->log)) && e->index <= low)
    free_log_entry(g_queue_pop_head(r->log));
}

/* Whether a backup still owes an acknowledgement: of a logged entry or of its STATE. */
static bool unacknowledged(const pb_replica *r)
{
  if (!g_queue_is_empty(r->log))
    return true;
  for (guint i = 0; i < r->backups->len; i++)
    if (!g_array_index(r->backups, backup_state, i).confirmed)
      return true;
  return false;
}

/* Keeps PB_TIMER_RESEND armed exactly while something is unacknowledged, so an idle cluster has
 * no timer events. Arming an armed timer would move it, so an armed one is left alone. */
static void update_resend_timer(pb_replica *r)
{
  if (r->cfg.resend < 0)
    return;
  bool want = unacknowledged(r);
  if (want && !r->resend_armed)
    r->host.timer_arm(r->host.ctx, PB_TIMER_RESEND, r->cfg.resend);
  else if (!want && r->resend_armed)
    r->host.timer_cancel(r->host.ctx, PB_TIMER_RESEND);
  r->resend_armed = want;
}

/* Whether something sent at `sent` has waited `after` seconds (timers land on the sum, which the
 * subtraction may miss by a rounding error). */
static bool waited(const pb_replica *r, double sent, double after)
{
  return rs_now(&r->host) - sent >= after - 1e-9;
}

static void send_entry(pb_replica *r, const log_entry *e, rs_node_id to)
{
  rs_msg rep = {.type = RS_MSG_REPLICATE, .client = e->client, .seq = e->seq, .index = e->index,
                .view = r->view, .op = *e->op};
  rep.res.version = e->version;
  rs_send(&r->host, to, &rep);
}

void pb_resend_states(pb_replica *r, double after)
{
  for (guint i = 0; i < r->backups->len; i++) {
    backup_state *b = &g_array_index(r->backups, backup_state, i);
    if (!b->confirmed && waited(r, b->state_sent, after))
      pb_send_state(r, b);
  }
}

/* Every `resend` seconds while something is unacknowledged: a fresh STATE to each backup that
 * has not acknowledged its STATE, and to each backup that holds the state, every logged entry
 * beyond its acknowledged index that went out at least an interval ago (younger ones may still
 * be on their way). A backup that lacks the state gets only the STATE: it covers the entries.
 * O(log length x backups) per tick. */
static void on_resend_timer(pb_replica *r)
{
  r->resend_armed = false;
  pb_resend_states(r, r->cfg.resend);
  for (GList *l = r->log->head; l; l = l->next) {
    log_entry *e = l->data;
    if (!waited(r, e->sent, r->cfg.resend))
      continue;
    for (guint i = 0; i < r->backups->len; i++) {
      const backup_state *b = &g_array_index(r->backups, backup_state, i);
      if (b->confirmed && b->acked < e->index)
        send_entry(r, e, b->id);
    }
    e->sent = rs_now(&r->host);
  }
  update_resend_timer(r);
}

/* ---- the primary's order ---- */

/* Numbers an update (or, under the read barrier, a read) the primary ran, keeps it until every
 * backup acknowledged it, sends it to every backup, then confirms now (non-blocking, or no
 * backup) or once every backup acknowledged it (blocking). */
static void order(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op,
                  const rs_result *res)
{
  bool update = rs_op_is_update(op->kind);
  uint64_t index = ++LAST_INDEX(r);
  if (update)
    emit_apply(r, op, res);
  if (r->backups->len > 0) {
    log_entry *e = g_new0(log_entry, 1);
    e->index = index;
    e->client = client;
    e->seq = seq;
    e->version = update ? res->version : 0;
    e->op = rs_op_dup(op);
    e->sent = rs_now(&r->host);
    g_queue_push_tail(r->log, e);
    for (guint i = 0; i < r->backups->len; i++)
      send_entry(r, e, g_array_index(r->backups, backup_state, i).id);
  }
  if (!r->cfg.blocking || r->backups->len == 0) {
    if (update)
      rs_dedup_finish(DEDUP(r), client, seq, res);
    confirm(r, origin, client, seq, res);
  } else {
    if (update)
      rs_dedup_begin(DEDUP(r), client, seq, res);
    pending_update *u = g_new0(pending_update, 1);
    u->index = index;
    u->origins[u->n_origins++] = origin;
    u->client = client;
    u->seq = seq;
    u->update = update;
    u->res = rs_result_dup(res);
    g_queue_push_tail(r->pending, u);
  }
  update_resend_timer(r);
}

/* The primary's write path: apply, then order it (above). A refused update (e.g. DELETED FILE
 * CANNOT BE UPDATED) changes nothing and is not sent to the backups (seed 001). */
static void primary_update(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
{
  const rs_result *done = NULL;
  pending_update *running;
  switch (rs_dedup_check(DEDUP(r), client, seq, &done)) {
  case RS_DEDUP_STALE: /* the client gave up on it long ago */
    return;
  case RS_DEDUP_PENDING: /* a retry while it runs: the confirmation goes this way too */
    if ((running = find_pending(r, client, seq)))
      add_origin(running, origin);
    return;
  case RS_DEDUP_DONE:    /* a retry of an update that ran: the same answer, not a second run */
    confirm(r, origin, client, seq, done);
    return;
  case RS_DEDUP_NEW:
    break;
  }
  rs_result res;
  r->app->ops->execute(r->app->state, op, LAST_INDEX(r) + 1, RS_APPLY_ORDERED, &res);
  if (res.status != RS_ST_SUCCESS) {
    rs_dedup_finish(DEDUP(r), client, seq, &res);
    confirm(r, origin, client, seq, &res);
    return;
  }
  order(r, origin, client, seq, op, &res);
}

/* Whether reads at the primary pass the read barrier: view-service, reads to the primary,
 * blocking (the one configuration whose primary must prove it still leads before answering). */
static bool read_barrier(const pb_replica *r)
{
  return r->cfg.failover == RS_FAILOVER_CORE_VIEW_SERVICE && r->cfg.reads_primary && r->cfg.blocking;
}

/* A read at the primary: answered at once, or through the replication path under the read
 * barrier, whatever its answer (FILE DOES NOT EXIST included). */
static void primary_read(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
{
  rs_result res;
  r->app->ops->execute(r->app->state, op, 0, RS_APPLY_ORDERED, &res);
  if (read_barrier(r))
    order(r, origin, client, seq, op, &res);
  else
    confirm(r, origin, client, seq, &res);
}

static void answer_read(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
{
  rs_result res;
  r->app->ops->execute(r->app->state, op, 0, RS_APPLY_ORDERED, &res);
  confirm(r, origin, client, seq, &res);
}

static void not_primary(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq)
{
  rs_result res = {.status = RS_ST_NOT_PRIMARY};
  confirm(r, origin, client, seq, &res);
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
    answer_read(r, r->cfg.self, from, m->seq, &m->op);
  } else if (!at_primary) {
    /* An idle replica, or a backup still waiting for the primary's state, has nothing true to
     * say: the client tries another replica. */
    not_primary(r, r->cfg.self, from, m->seq);
  } else if (r->role == PB_ROLE_PRIMARY) {
    if (update)
      primary_update(r, r->cfg.self, from, m->seq, &m->op);
    else
      primary_read(r, r->cfg.self, from, m->seq, &m->op);
  } else if (forwards(r)) {
    rs_msg fwd = {.type = RS_MSG_FORWARD, .client = from, .seq = m->seq, .origin = r->cfg.self,
                  .view = r->view, .op = m->op};
    rs_send(&r->host, r->primary, &fwd);
  } else {
    not_primary(r, r->cfg.self, from, m->seq);
  }
}

static void on_forward(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->role != PB_ROLE_PRIMARY) {
    pb_refuse(r, from, m, "not the primary");
    not_primary(r, m->origin, m->client, m->seq);
    return;
  }
  if (rs_op_is_update(m->op.kind))
    primary_update(r, m->origin, m->client, m->seq, &m->op);
  else
    primary_read(r, m->origin, m->client, m->seq, &m->op);
}

static void on_forward_reply(pb_replica *r, const rs_msg *m)
{
  reply_client(r, m->client, m->seq, &m->res);
}

static void ack(pb_replica *r)
{
  rs_msg m = {.type = RS_MSG_REPLICATE_ACK, .index = LAST_INDEX(r), .view = r->view};
  rs_send(&r->host, r->primary, &m);
}

/* Applies the primary's next update and remembers it in the at-most-once table, so that this
 * backup, if it ever becomes primary, still answers a retry of it without running it again.
 * A read (read barrier) runs without changing anything and only takes its number. */
static void backup_apply(pb_replica *r, const rs_op *op, uint64_t version, rs_node_id client, uint64_t seq)
{
  rs_result res;
  bool update = rs_op_is_update(op->kind);
  r->app->ops->execute(r->app->state, op, update ? version : 0, RS_APPLY_ORDERED, &res);
  LAST_INDEX(r)++;
  if (!update)
    return;
  emit_apply(r, op, &res);
  rs_result answer = {.status = res.status, .version = res.version};
  rs_dedup_finish(DEDUP(r), client, seq, &answer);
}

/* Applies updates strictly in the primary's order; ones that arrive early wait their turn. */
static void drain_early(pb_replica *r)
{
  for (;;) {
    uint64_t next = LAST_INDEX(r) + 1;
    early_update *e = g_tree_lookup(r->early, &next);
    if (!e)
      return;
    backup_apply(r, e->op, e->version, e->client, e->seq);
    g_tree_remove(r->early, &next);
  }
}

/* An update from the primary. A backup accepts replication only from the node it believes is the
 * primary (seed 001's check) and says so when it refuses. */
static void on_replicate(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER)
    pb_peer_follow_newer(r, from, m->view);
  if (r->role != PB_ROLE_BACKUP || from != r->primary) {
    pb_refuse(r, from, m, r->role == PB_ROLE_PRIMARY ? "I am the primary" : "not from the primary");
    return;
  }
  if (r->installed && m->index == LAST_INDEX(r) + 1) {
    backup_apply(r, &m->op, m->res.version, m->client, m->seq);
    drain_early(r);
  } else if (m->index > LAST_INDEX(r) && !g_tree_lookup(r->early, &m->index)) {
    /* Ahead of its turn, or before this backup has the primary's state: it waits. */
    early_update *e = g_new0(early_update, 1);
    e->client = m->client;
    e->seq = m->seq;
    e->version = m->res.version;
    e->op = rs_op_dup(&m->op);
    uint64_t *key = g_new(uint64_t, 1);
    *key = m->index;
    g_tree_insert(r->early, key, e);
    return;
  }
  if (r->installed)
    ack(r);
}

/* Forgets buffered updates the installed state already contains. */
static gboolean collect_old(gpointer key, gpointer value, gpointer data)
{
  (void)value;
  void **args = data;
  if (*(uint64_t *)key > *(uint64_t *)args[0])
    return TRUE;
  g_ptr_array_add(args[1], key);
  return FALSE;
}

static void forget_early_up_to(pb_replica *r, uint64_t index)
{
  GPtrArray *old = g_ptr_array_new();
  void *args[2] = {&index, old};
  g_tree_foreach(r->early, collect_old, args);
  for (guint i = 0; i < old->len; i++)
    g_tree_remove(r->early, g_ptr_array_index(old, i));
  g_ptr_array_free(old, TRUE);
}

/* Forgets every buffered update: they came from a primary this replica no longer follows. */
void pb_forget_early(pb_replica *r)
{
  forget_early_up_to(r, UINT64_MAX);
}

/* The join protocol's second half: a backup installs the primary's whole store (application,
 * update index, at-most-once table), applies what arrived meanwhile, and acknowledges. A STATE
 * (resent, duplicated or late) no newer than what this backup already holds from the same
 * primary is only acknowledged: installing it would roll the backup back, or, at the same
 * index, replace at-most-once entries the primary's snapshot leaves out (pending updates). */
static void on_state(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER)
    pb_peer_follow_newer(r, from, m->view);
  if (r->role != PB_ROLE_BACKUP || from != r->primary) {
    pb_refuse(r, from, m, "state not from the primary");
    return;
  }
  bool stale = r->installed && m->index <= LAST_INDEX(r);
  if (!stale && !rs_store_restore(r->store, (const uint8_t *)m->blob.ptr, m->blob.len)) {
    pb_refuse(r, from, m, "malformed state");
    return;
  }
  r->installed = true;
  forget_early_up_to(r, LAST_INDEX(r));
  drain_early(r);
  rs_msg reply = {.type = RS_MSG_STATE_ACK, .index = LAST_INDEX(r), .view = r->view};
  rs_send(&r->host, r->primary, &reply);
  if (r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_after_state_installed(r);
}

/* Confirms, in order, every pending update that each counted backup has reached. With no backup
 * left (they died or left the view) every pending update is confirmed. The log forgets what
 * every backup has, and the resend timer stops once nothing is owed. */
void pb_confirm_acked(pb_replica *r)
{
  uint64_t low = min_acked(r);
  pending_update *u;
  while ((u = g_queue_peek_head(r->pending)) && u->index <= low) {
    g_queue_pop_head(r->pending);
    if (u->update)
      rs_dedup_finish(DEDUP(r), u->client, u->seq, u->res);
    confirm_pending(r, u);
    free_pending(u);
  }
  trim_log(r);
  update_resend_timer(r);
}

/* Acknowledgements are cumulative: an update is confirmed once every backup reached its index. */
static void on_replicate_ack(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->role != PB_ROLE_PRIMARY) {
    pb_refuse(r, from, m, "not the primary");
    return;
  }
  backup_state *b = pb_find_backup(r, from);
  if (b && m->index > b->acked)
    b->acked = m->index;
  pb_confirm_acked(r);
}

/* A backup installed the state: from now on it holds the primary's full state (view-service:
 * the next heartbeat lists it; peer: clients hear of the new backup). */
static void on_state_ack(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  backup_state *b = r->role == PB_ROLE_PRIMARY ? pb_find_backup(r, from) : NULL;
  bool fresh = b && !b->confirmed;
  if (b)
    b->confirmed = true;
  on_replicate_ack(r, from, m);
  if (fresh && r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_after_backup_confirmed(r);
}

/* The registry names the primary. Under `none` that is the role; under `peer` only the first
 * one (epoch 1) of a replica that has heard no primary yet; otherwise the registry is only a
 * directory. */
static void on_register_reply(pb_replica *r, const rs_msg *m)
{
  if (r->cfg.failover == RS_FAILOVER_CORE_VIEW_SERVICE || r->cfg.failover == RS_FAILOVER_CORE_ORDERED)
    return;
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER) {
    if (r->view > 0 || m->node == RS_NO_NODE)
      return;
    r->view = 1;
  }
  pb_set_role(r, m->node == r->cfg.self ? PB_ROLE_PRIMARY : PB_ROLE_BACKUP, m->node);
  r->installed = r->role == PB_ROLE_PRIMARY;
}

backup_state *pb_find_backup(pb_replica *r, rs_node_id id)
{
  for (guint i = 0; i < r->backups->len; i++)
    if (g_array_index(r->backups, backup_state, i).id == id)
      return &g_array_index(r->backups, backup_state, i);
  return NULL;
}

/* Sends `b` the whole store as of now; it counts as a backup from then on, and holds the state
 * once it acknowledges. */
void pb_send_state(pb_replica *r, backup_state *b)
{
  b->confirmed = false;
  b->state_sent = rs_now(&r->host);
  GByteArray *snapshot = g_byte_array_new();
  rs_store_snapshot(r->store, snapshot);
  rs_msg state = {.type = RS_MSG_STATE, .index = LAST_INDEX(r), .view = r->view,
                  .blob = {(const char *)snapshot->data, snapshot->len}};
  rs_send(&r->host, b->id, &state);
  g_byte_array_free(snapshot, TRUE);
  update_resend_timer(r);
}

/* The join protocol's first half: the primary counts `node` as a backup from now (a blocking
 * primary waits for its acknowledgement of every later update) and sends it the whole store. */
void pb_join_backup(pb_replica *r, rs_node_id node)
{
  if (node == r->cfg.self)
    return;
  backup_state *known = pb_find_backup(r, node);
  if (!known) {
    backup_state b = {.id = node};
    g_array_append_val(r->backups, b);
    known = &g_array_index(r->backups, backup_state, r->backups->len - 1);
  }
  known->acked = LAST_INDEX(r);
  pb_send_state(r, known);
}

/* A backup stops counting (dead, or out of the view): a blocking primary stops waiting for it. */
void pb_drop_backup(pb_replica *r, rs_node_id node)
{
  for (guint i = 0; i < r->backups->len; i++)
    if (g_array_index(r->backups, backup_state, i).id == node) {
      g_array_remove_index(r->backups, i);
      break;
    }
  pb_confirm_acked(r);
}

/* A primary that stops being primary forgets its backups and the updates it had not confirmed:
 * their clients time out (the outcome is unknown: they may have reached a backup). */
void pb_forget_primary_work(pb_replica *r)
{
  g_array_set_size(r->backups, 0);
  pending_update *u;
  while ((u = g_queue_pop_head(r->pending)))
    free_pending(u);
  trim_log(r);
  update_resend_timer(r);
}

bool pb_answers_updates(const pb_replica *r) { return r->role == PB_ROLE_PRIMARY; }

/* The registry announces a backup (a new one, or one that restarted) and the primary runs the
 * join protocol. Under view-service and ordered the primary comes from elsewhere, so the
 * announcement is only acknowledged (the registry waits for that before answering clients). */
static void on_new_replica(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (from != r->cfg.registry) {
    pb_refuse(r, from, m, "not from the registry");
    return;
  }
  bool joins = r->cfg.failover == RS_FAILOVER_CORE_NONE ||
               (r->cfg.failover == RS_FAILOVER_CORE_PEER && r->role == PB_ROLE_PRIMARY);
  if (joins)
    pb_join_backup(r, m->node);
  rs_msg reply = {.type = RS_MSG_NEW_REPLICA_ACK, .node = m->node};
  rs_send(&r->host, r->cfg.registry, &reply);
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
    on_replicate(r, from, m);
    break;
  case RS_MSG_REPLICATE_ACK:
    on_replicate_ack(r, from, m);
    break;
  case RS_MSG_STATE_ACK:
    on_state_ack(r, from, m);
    break;
  case RS_MSG_STATE:
    on_state(r, from, m);
    break;
  case RS_MSG_REGISTER_REPLY:
    on_register_reply(r, m);
    break;
  case RS_MSG_NEW_REPLICA:
    on_new_replica(r, from, m);
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
