/* Primary-backup replication (seeds 000, 001, 004): the primary orders updates, backups follow. */
#include "pb_replica.h"
#include "dedup.h"
#include "owned.h"

#include <glib.h>

/* An update the primary applied and is waiting to confirm (blocking mode). */
typedef struct pending_update {
  uint64_t index;
  rs_node_id origin; /* replica that received the client's request */
  rs_node_id client;
  uint64_t seq;
  rs_result *res;
} pending_update;

/* A backup as the primary sees it. */
typedef struct backup_state {
  rs_node_id id;
  uint64_t acked; /* every update up to this index is applied there */
} backup_state;

/* An update a backup received ahead of its turn. */
typedef struct early_update {
  rs_node_id client;
  uint64_t seq;
  uint64_t version;
  rs_op *op;
} early_update;

struct pb_replica {
  pb_config cfg;
  rs_host host;
  rs_store *store;       /* survives crashes: app, last update index, at-most-once table */
  rs_app *app;
  pb_role role;
  rs_node_id primary;
  uint64_t view;
  bool installed;        /* backup: has the primary's state (a transfer or an initial empty one) */
  GArray *backups;       /* backup_state, in the order the registry announced them */
  GQueue *pending;       /* pending_update*, by index (blocking primary) */
  GTree *early;          /* index -> early_update* (backup) */
};

/* The store's fields under the names the protocol uses. */
#define LAST_INDEX(r) ((r)->store->last_index)
#define DEDUP(r) ((r)->store->dedup)

const char *pb_role_name(pb_role role)
{
  switch (role) {
  case PB_ROLE_PRIMARY:
    return "primary";
  case PB_ROLE_BACKUP:
    return "backup";
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

pb_replica *pb_new(const pb_config *cfg, const rs_host *host, rs_store *store)
{
  pb_replica *r = g_new0(pb_replica, 1);
  r->cfg = *cfg;
  r->host = *host;
  r->store = store;
  r->app = store->app;
  r->primary = RS_NO_NODE;
  r->backups = g_array_new(FALSE, FALSE, sizeof(backup_state));
  r->pending = g_queue_new();
  r->early = g_tree_new_full(cmp_index, NULL, g_free, free_early);
  return r;
}

static void free_pending(gpointer p)
{
  pending_update *u = p;
  g_free(u->res);
  g_free(u);
}

void pb_free(pb_replica *r)
{
  if (!r)
    return;
  g_array_free(r->backups, TRUE);
  g_queue_free_full(r->pending, free_pending);
  g_tree_destroy(r->early);
  g_free(r);
}

pb_role pb_get_role(const pb_replica *r) { return r->role; }
rs_node_id pb_get_primary(const pb_replica *r) { return r->primary; }
uint64_t pb_applied_index(const pb_replica *r) { return LAST_INDEX(r); }

void pb_start(pb_replica *r)
{
  rs_msg m = {.type = RS_MSG_REGISTER, .node = r->cfg.self};
  rs_send(&r->host, r->cfg.registry, &m);
}

static void refuse(pb_replica *r, rs_node_id from, const rs_msg *m, const char *why)
{
  rs_event ev = {.type = RS_EV_REFUSE, .from = from, .msg_type = m->type, .why = why};
  rs_emit(&r->host, &ev);
}

static void set_role(pb_replica *r, pb_role role, rs_node_id primary)
{
  r->primary = primary;
  if (r->role == role)
    return;
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

static void emit_apply(pb_replica *r, const rs_op *op, const rs_result *res)
{
  rs_event ev = {.type = RS_EV_APPLY, .op = op, .res = res};
  rs_emit(&r->host, &ev);
}

/* The primary's write path: apply, number the update, send it to every backup in order, then
 * confirm now (non-blocking) or once every backup acknowledged it (blocking). A refused update
 * (e.g. DELETED FILE CANNOT BE UPDATED) changes nothing and is not sent to the backups (seed 001). */
static void primary_update(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op)
{
  const rs_result *done = NULL;
  switch (rs_dedup_check(DEDUP(r), client, seq, &done)) {
  case RS_DEDUP_STALE:   /* the client gave up on it long ago */
  case RS_DEDUP_PENDING: /* the first attempt's confirmation will answer the client */
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
  uint64_t index = ++LAST_INDEX(r);
  emit_apply(r, op, &res);
  rs_msg rep = {.type = RS_MSG_REPLICATE, .client = client, .seq = seq, .index = index,
                .view = r->view, .op = *op};
  rep.res.version = res.version;
  for (guint i = 0; i < r->backups->len; i++)
    rs_send(&r->host, g_array_index(r->backups, backup_state, i).id, &rep);
  if (!r->cfg.blocking || r->backups->len == 0) {
    rs_dedup_finish(DEDUP(r), client, seq, &res);
    confirm(r, origin, client, seq, &res);
    return;
  }
  rs_dedup_begin(DEDUP(r), client, seq);
  pending_update *u = g_new0(pending_update, 1);
  u->index = index;
  u->origin = origin;
  u->client = client;
  u->seq = seq;
  u->res = rs_result_dup(&res);
  g_queue_push_tail(r->pending, u);
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

/* A client's request. Reads are answered here (seed 004) unless reads go to the primary; updates
 * run at the primary, forwarded there when this replica is a backup. */
static void on_request(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  bool update = rs_op_is_update(m->op.kind);
  bool at_primary = update || r->cfg.reads_primary;
  if (!at_primary) {
    answer_read(r, r->cfg.self, from, m->seq, &m->op);
  } else if (r->role == PB_ROLE_PRIMARY) {
    if (update)
      primary_update(r, r->cfg.self, from, m->seq, &m->op);
    else
      answer_read(r, r->cfg.self, from, m->seq, &m->op);
  } else if (r->primary != RS_NO_NODE) {
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
    refuse(r, from, m, "not the primary");
    not_primary(r, m->origin, m->client, m->seq);
    return;
  }
  if (rs_op_is_update(m->op.kind))
    primary_update(r, m->origin, m->client, m->seq, &m->op);
  else
    answer_read(r, m->origin, m->client, m->seq, &m->op);
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
 * backup, if it ever becomes primary, still answers a retry of it without running it again. */
static void backup_apply(pb_replica *r, const rs_op *op, uint64_t version, rs_node_id client, uint64_t seq)
{
  rs_result res;
  r->app->ops->execute(r->app->state, op, version, RS_APPLY_ORDERED, &res);
  LAST_INDEX(r)++;
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
  if (r->role != PB_ROLE_BACKUP || from != r->primary) {
    refuse(r, from, m, r->role == PB_ROLE_PRIMARY ? "I am the primary" : "not from the primary");
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

/* The join protocol's second half: a backup installs the primary's whole store (application,
 * update index, at-most-once table), applies what arrived meanwhile, and acknowledges. */
static void on_state(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->role != PB_ROLE_BACKUP || from != r->primary) {
    refuse(r, from, m, "state not from the primary");
    return;
  }
  if (!rs_store_restore(r->store, (const uint8_t *)m->blob.ptr, m->blob.len)) {
    refuse(r, from, m, "malformed state");
    return;
  }
  r->installed = true;
  forget_early_up_to(r, LAST_INDEX(r));
  drain_early(r);
  rs_msg reply = {.type = RS_MSG_STATE_ACK, .index = LAST_INDEX(r), .view = r->view};
  rs_send(&r->host, r->primary, &reply);
}

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

/* Acknowledgements are cumulative: an update is confirmed once every backup reached its index. */
static void on_replicate_ack(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (r->role != PB_ROLE_PRIMARY) {
    refuse(r, from, m, "not the primary");
    return;
  }
  for (guint i = 0; i < r->backups->len; i++) {
    backup_state *b = &g_array_index(r->backups, backup_state, i);
    if (b->id == from && m->index > b->acked)
      b->acked = m->index;
  }
  uint64_t low = min_acked(r);
  pending_update *u;
  while ((u = g_queue_peek_head(r->pending)) && u->index <= low) {
    g_queue_pop_head(r->pending);
    rs_dedup_finish(DEDUP(r), u->client, u->seq, u->res);
    confirm(r, u->origin, u->client, u->seq, u->res);
    free_pending(u);
  }
}

static void on_register_reply(pb_replica *r, const rs_msg *m)
{
  set_role(r, m->node == r->cfg.self ? PB_ROLE_PRIMARY : PB_ROLE_BACKUP, m->node);
  r->installed = r->role == PB_ROLE_PRIMARY;
}

/* The registry announces a backup (a new one, or one that restarted). The join protocol: the
 * primary sends it the whole store as of now and counts it from then on; a blocking primary
 * waits for its acknowledgement of every later update. */
static void on_new_replica(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (from != r->cfg.registry) {
    refuse(r, from, m, "not from the registry");
    return;
  }
  if (m->node != r->cfg.self) {
    backup_state *known = NULL;
    for (guint i = 0; i < r->backups->len; i++)
      if (g_array_index(r->backups, backup_state, i).id == m->node)
        known = &g_array_index(r->backups, backup_state, i);
    if (!known) {
      backup_state b = {.id = m->node};
      g_array_append_val(r->backups, b);
      known = &g_array_index(r->backups, backup_state, r->backups->len - 1);
    }
    known->acked = LAST_INDEX(r);
    GByteArray *snapshot = g_byte_array_new();
    rs_store_snapshot(r->store, snapshot);
    rs_msg state = {.type = RS_MSG_STATE, .index = LAST_INDEX(r), .view = r->view,
                    .blob = {(const char *)snapshot->data, snapshot->len}};
    rs_send(&r->host, m->node, &state);
    g_byte_array_free(snapshot, TRUE);
  }
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
  case RS_MSG_STATE_ACK:
    on_replicate_ack(r, from, m);
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
  default:
    refuse(r, from, m, "unexpected message");
  }
}
