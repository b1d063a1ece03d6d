/* The join protocol: the primary counts a new or restarted backup and sends it its whole store;
 * under `none` the registry names the primary and announces backups. */
#include "pb_internal.h"
#include "dedup.h"
#include "owned.h"

/* The registry names the primary. Under `none` that is the role; under `peer` only the first
 * one (epoch 1) of a replica that has heard no primary yet; otherwise the registry is only a
 * directory. */
void pb_on_register_reply(pb_replica *r, const rs_msg *m)
{
  if (!r->registered) {
    r->registered = true;
    r->host.timer_cancel(r->host.ctx, PB_TIMER_REGISTER);
  }
  if (r->cfg.failover == RS_FAILOVER_CORE_VIEW_SERVICE || r->cfg.failover == RS_FAILOVER_CORE_ORDERED)
    return;
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER) {
    if (r->view > 0 || m->node == RS_NO_NODE || r->recovering)
      return;
    r->view = 1;
  }
  pb_set_role(r, m->node == r->cfg.self ? PB_ROLE_PRIMARY : PB_ROLE_BACKUP, m->node);
  r->installed = r->role == PB_ROLE_PRIMARY;
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER)
    pb_peer_registered(r);
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
  pb_update_resend_timer(r);
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

bool pb_answers_updates(const pb_replica *r) { return r->role == PB_ROLE_PRIMARY; }

/* The registry announces a backup (a new one, or one that restarted) and the primary runs the
 * join protocol. Under view-service and ordered the primary comes from elsewhere, so the
 * announcement is only acknowledged (the registry waits for that before answering clients). */
void pb_on_new_replica(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (from != r->cfg.registry) {
    pb_refuse(r, from, m, "not from the registry");
    return;
  }
  bool none = r->cfg.failover == RS_FAILOVER_CORE_NONE;
  if (none && r->role != PB_ROLE_PRIMARY)
    return; /* the registry's answer naming this replica primary is still on its way (or lost):
             * the registry announces again until acknowledged */
  bool joins = none || (r->cfg.failover == RS_FAILOVER_CORE_PEER && r->role == PB_ROLE_PRIMARY);
  backup_state *known = pb_find_backup(r, m->node);
  /* The same life announced again (the acknowledgement was lost, or the message duplicated)
   * changes nothing; a new life (a restart) lost its state and joins again. */
  bool again = known && m->seq && known->nonce == m->seq;
  if (joins && !again) {
    pb_join_backup(r, m->node);
    backup_state *b = pb_find_backup(r, m->node);
    if (b)
      b->nonce = m->seq;
  }
  rs_msg reply = {.type = RS_MSG_NEW_REPLICA_ACK, .node = m->node, .seq = m->seq};
  rs_send(&r->host, r->cfg.registry, &reply);
}
