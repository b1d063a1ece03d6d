/* The backup's side of replication: updates applied strictly in the primary's order, early
 * arrivals buffered, the primary's whole state installed on a state transfer. */
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

gint pb_cmp_index(gconstpointer a, gconstpointer b, gpointer unused)
{
  (void)unused;
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void pb_free_early(gpointer p)
{
  early_update *e = p;
  g_free(e->op);
  g_free(e);
}

/* Acknowledges everything applied so far, once it is durable here. */
static void ack(pb_replica *r)
{
  rs_msg m = {.type = RS_MSG_REPLICATE_ACK, .index = LAST_INDEX(r), .view = r->view};
  rs_gate_send(&r->gate, r->primary, &m);
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
  if (update) {
    pb_emit_apply(r, op, &res);
    rs_result answer = {.status = res.status, .version = res.version};
    /* A retried fetch or send must get its texts (or uuid) again from whoever leads by then:
     * they are the update's outcome, not a read of a value the client could repeat. */
    if (op->kind == RS_OP_FETCH || op->kind == RS_OP_SEND)
      answer.value = res.value;
    rs_dedup_finish(DEDUP(r), client, seq, &answer);
  }
  pb_persist_op(r, op, &res, client, seq);
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
 * primary (seed 001's check), and only of that primary's current epoch, and says so when it
 * refuses. */
void pb_on_replicate(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER)
    pb_peer_follow_newer(r, from, m->view);
  if (r->role != PB_ROLE_BACKUP || from != r->primary) {
    pb_refuse(r, from, m, r->role == PB_ROLE_PRIMARY ? "I am the primary" : "not from the primary");
    return;
  }
  if (pb_from_old_epoch(r, m)) {
    pb_refuse(r, from, m, "from an earlier epoch");
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
void pb_on_state(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->cfg.failover == RS_FAILOVER_CORE_PEER)
    pb_peer_follow_newer(r, from, m->view);
  if (r->role != PB_ROLE_BACKUP || from != r->primary) {
    pb_refuse(r, from, m, "state not from the primary");
    return;
  }
  if (pb_from_old_epoch(r, m)) {
    pb_refuse(r, from, m, "state from an earlier epoch");
    return;
  }
  bool stale = r->installed && m->index <= LAST_INDEX(r);
  if (!stale && !rs_store_restore(r->store, (const uint8_t *)m->blob.ptr, m->blob.len)) {
    pb_refuse(r, from, m, "malformed state");
    return;
  }
  if (!stale) {
    rs_persist rec = {.kind = RS_PERSIST_STATE, .store = r->store};
    rs_gate_persist(&r->gate, &rec);
  }
  r->installed = true;
  forget_early_up_to(r, LAST_INDEX(r));
  drain_early(r);
  rs_msg reply = {.type = RS_MSG_STATE_ACK, .index = LAST_INDEX(r), .view = r->view};
  rs_gate_send(&r->gate, r->primary, &reply);
  if (r->cfg.failover != RS_FAILOVER_CORE_NONE)
    pb_after_state_installed(r);
}
