/* The primary's side of replication: it runs updates, numbers them, and confirms them to
 * clients at once (non-blocking) or once every backup acknowledged them (blocking). */
#include "pb_internal.h"
#include "dedup.h"
#include "owned.h"

void pb_free_pending(gpointer p)
{
  pending_update *u = p;
  g_free(u->res);
  g_free(u);
}

/* Every answer goes through the gate: it leaves once the store change it reports is durable. */
void pb_reply_client(pb_replica *r, rs_node_id client, uint64_t seq, const rs_result *res)
{
  rs_msg m = {.type = RS_MSG_REPLY, .client = client, .seq = seq, .res = *res};
  rs_gate_send(&r->gate, client, &m);
}

void pb_persist_op(pb_replica *r, const rs_op *op, const rs_result *res, rs_node_id client, uint64_t seq)
{
  rs_persist rec = {.kind = RS_PERSIST_OP, .store = r->store, .op = op, .res = res, .index = LAST_INDEX(r),
                    .client = client, .seq = seq};
  rs_gate_persist(&r->gate, &rec);
}

/* Confirms an update to the replica that took the client's request, or to the client itself. */
static void confirm(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_result *res)
{
  if (origin == r->cfg.self) {
    pb_reply_client(r, client, seq, res);
    return;
  }
  rs_msg m = {.type = RS_MSG_FORWARD_REPLY, .client = client, .seq = seq, .origin = origin, .res = *res};
  rs_gate_send(&r->gate, origin, &m);
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

void pb_emit_apply(pb_replica *r, const rs_op *op, const rs_result *res)
{
  rs_event ev = {.type = RS_EV_APPLY, .op = op, .res = res};
  rs_emit(&r->host, &ev);
}

/* ---- the primary's order ---- */

/* Whether every update this primary ran is acknowledged by every backup it counts: then nothing
 * in its state can vanish in a failover. A non-blocking primary never waits (it promises less). */
static bool committed(const pb_replica *r)
{
  return !r->cfg.blocking || r->backups->len == 0 || pb_min_acked(r) >= LAST_INDEX(r);
}

static void add_pending(pb_replica *r, uint64_t index, rs_node_id origin, rs_node_id client, uint64_t seq,
                        bool update, const rs_result *res)
{
  pending_update *u = g_new0(pending_update, 1);
  u->index = index;
  u->origins[u->n_origins++] = origin;
  u->client = client;
  u->seq = seq;
  u->update = update;
  u->res = rs_result_dup(res);
  g_queue_push_tail(r->pending, u);
}

/* An answer computed from the primary's state (a refusal, a read, a retry's stored answer) waits
 * until every update that state holds is committed: an answer must never depend on an update a
 * failover could still undo (a CAS MISMATCH computed from an append that then vanished). It
 * waits in the pending queue behind the last update run so far. */
static void confirm_when_committed(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq,
                                   const rs_result *res)
{
  if (committed(r))
    confirm(r, origin, client, seq, res);
  else
    add_pending(r, LAST_INDEX(r), origin, client, seq, false, res);
}

/* Numbers an update (or, under the read barrier, a read) the primary ran, keeps it until every
 * backup acknowledged it, sends it to every backup, then confirms now (non-blocking, or no
 * backup) or once every backup acknowledged it (blocking). */
static void order(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op,
                  const rs_result *res)
{
  bool update = rs_op_is_update(op->kind);
  uint64_t index = ++LAST_INDEX(r);
  if (update) {
    pb_emit_apply(r, op, res);
    rs_dedup_begin(DEDUP(r), client, seq, res);
  }
  pb_persist_op(r, op, res, client, seq);
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
      pb_send_entry(r, e, g_array_index(r->backups, backup_state, i).id);
  }
  if (committed(r)) {
    if (update)
      rs_dedup_finish(DEDUP(r), client, seq, res);
    confirm(r, origin, client, seq, res);
  } else {
    add_pending(r, index, origin, client, seq, update, res);
  }
  pb_update_resend_timer(r);
}

/* The primary's write path: apply, then order it (above). A refused update (e.g. DELETED FILE
 * CANNOT BE UPDATED) changes nothing and is not sent to the backups (seed 001). */
void pb_primary_update(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
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
    confirm_when_committed(r, origin, client, seq, done);
    return;
  case RS_DEDUP_NEW:
    break;
  }
  /* What only the primary decides (chat: the send's timestamp) goes into the update itself. */
  rs_op stamped;
  GString *stamp = NULL;
  if (r->app->ops->stamp) {
    stamp = g_string_new(NULL);
    if (r->app->ops->stamp(op, rs_wall(&r->host), stamp, &stamped))
      op = &stamped;
  }
  rs_result res;
  r->app->ops->execute(r->app->state, op, LAST_INDEX(r) + 1, RS_APPLY_ORDERED, &res);
  if (res.status != RS_ST_SUCCESS) {
    rs_dedup_finish(DEDUP(r), client, seq, &res);
    pb_persist_op(r, op, &res, client, seq);
    confirm_when_committed(r, origin, client, seq, &res);
  } else {
    order(r, origin, client, seq, op, &res);
  }
  if (stamp)
    g_string_free(stamp, TRUE);
}

/* Whether reads at the primary pass the read barrier: view-service, reads to the primary,
 * blocking (the one configuration whose primary must prove it still leads before answering). */
static bool read_barrier(const pb_replica *r)
{
  return r->cfg.failover == RS_FAILOVER_CORE_VIEW_SERVICE && r->cfg.reads_primary && r->cfg.blocking;
}

/* A read at the primary: answered at once, or through the replication path under the read
 * barrier, whatever its answer (FILE DOES NOT EXIST included). */
void pb_primary_read(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
{
  rs_result res;
  r->app->ops->execute(r->app->state, op, 0, RS_APPLY_ORDERED, &res);
  if (read_barrier(r))
    order(r, origin, client, seq, op, &res);
  else
    confirm_when_committed(r, origin, client, seq, &res);
}

/* A read answered by the replica asked (seed 004). At the primary it waits for what it saw to be
 * committed, as every answer there does. */
void pb_answer_read(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
{
  rs_result res;
  r->app->ops->execute(r->app->state, op, 0, RS_APPLY_ORDERED, &res);
  if (r->role == PB_ROLE_PRIMARY)
    confirm_when_committed(r, origin, client, seq, &res);
  else
    confirm(r, origin, client, seq, &res);
}

void pb_not_primary(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq)
{
  rs_result res = {.status = RS_ST_NOT_PRIMARY};
  confirm(r, origin, client, seq, &res);
}

/* Confirms, in order, every pending update that each counted backup has reached. With no backup
 * left (they died or left the view) every pending update is confirmed. The log forgets what
 * every backup has, and the resend timer stops once nothing is owed. */
void pb_confirm_acked(pb_replica *r)
{
  uint64_t low = pb_min_acked(r);
  pending_update *u;
  while ((u = g_queue_peek_head(r->pending)) && u->index <= low) {
    g_queue_pop_head(r->pending);
    if (u->update)
      rs_dedup_finish(DEDUP(r), u->client, u->seq, u->res);
    confirm_pending(r, u);
    pb_free_pending(u);
  }
  pb_trim_log(r);
  pb_update_resend_timer(r);
}

/* Acknowledgements are cumulative: an update is confirmed once every backup reached its index. */
void pb_on_replicate_ack(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->role != PB_ROLE_PRIMARY) {
    pb_refuse(r, from, m, "not the primary");
    return;
  }
  if (pb_from_old_epoch(r, m)) {
    pb_refuse(r, from, m, "acknowledges an earlier epoch");
    return;
  }
  backup_state *b = pb_find_backup(r, from);
  if (b && m->index > b->acked)
    b->acked = m->index;
  pb_confirm_acked(r);
}

/* A backup installed the state: from now on it holds the primary's full state (view-service:
 * the next heartbeat lists it; peer: clients hear of the new backup). */
void pb_on_state_ack(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  /* An acknowledgement of a STATE this replica sent in an earlier reign says nothing of its
   * current one: the backup may hold a store this primary has since replaced. */
  backup_state *b = r->role == PB_ROLE_PRIMARY && !pb_from_old_epoch(r, m) ? pb_find_backup(r, from) : NULL;
  bool fresh = b && !b->confirmed;
  if (b)
    b->confirmed = true;
  pb_on_replicate_ack(r, from, m);
  if (fresh && r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_after_backup_confirmed(r);
}

/* A primary that steps down abandons the updates still waiting for acknowledgements (its clients
 * retry elsewhere) and stops resending its log to backups that follow someone else now. Each
 * abandoned update is in this replica's store, so its at-most-once entry becomes done: should
 * this replica lead again before a state transfer replaces its store, a retry gets the answer
 * instead of being ignored as pending for ever. */
void pb_abandon_pending(pb_replica *r)
{
  pending_update *u;
  while ((u = g_queue_pop_head(r->pending))) {
    if (u->update)
      rs_dedup_finish(DEDUP(r), u->client, u->seq, u->res);
    pb_free_pending(u);
  }
  log_entry *e;
  while ((e = g_queue_pop_head(r->log)))
    pb_free_log_entry(e);
  if (r->resend_armed) {
    r->host.timer_cancel(r->host.ctx, PB_TIMER_RESEND);
    r->resend_armed = false;
  }
}

/* A primary that stops being primary forgets its backups and the updates it had not confirmed:
 * their clients time out (the outcome is unknown: they may have reached a backup). */
void pb_forget_primary_work(pb_replica *r)
{
  g_array_set_size(r->backups, 0);
  pending_update *u;
  while ((u = g_queue_pop_head(r->pending)))
    pb_free_pending(u);
  pb_trim_log(r);
  pb_update_resend_timer(r);
}
