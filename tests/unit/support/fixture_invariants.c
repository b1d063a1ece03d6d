/* The fixture's safety invariants, checked after every delivered message and fired timer (see
 * fixture_invariants.h). Each replica's successful updates since its last state transfer are kept
 * in the order it applied them, as what they were (client, seq, op, key, value): a backup's list
 * must be a run of its primary's list, from where the backup's state came, with nothing after
 * what the primary applied. Update numbers are not compared: a primary also numbers refusals
 * and barrier reads, which it does not replicate. */
#include "fixture_invariants.h"

#include <glib.h>
#include <string.h>

typedef struct node_log {
  GPtrArray *order;     /* char* signature, in the order applied */
  GHashTable *applied;  /* "client:seq" of every update applied since the last state transfer */
} node_log;

struct fx_invariants {
  node_log nodes[RS_MAX_NODES];
  GHashTable *primary_of_view; /* view -> node id + 1 */
  bool split_brain_allowed;
  char *violation;
};

fx_invariants *fx_inv_new(void)
{
  fx_invariants *v = g_new0(fx_invariants, 1);
  v->primary_of_view = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
  return v;
}

static void clear_log(node_log *l)
{
  if (l->order)
    g_ptr_array_set_size(l->order, 0);
  if (l->applied)
    g_hash_table_remove_all(l->applied);
}

void fx_inv_free(fx_invariants *v)
{
  if (!v)
    return;
  for (int i = 0; i < RS_MAX_NODES; i++) {
    if (v->nodes[i].order)
      g_ptr_array_free(v->nodes[i].order, TRUE);
    if (v->nodes[i].applied)
      g_hash_table_destroy(v->nodes[i].applied);
  }
  g_hash_table_destroy(v->primary_of_view);
  g_free(v->violation);
  g_free(v);
}

void fx_inv_allow_split_brain(fx_invariants *v, bool allow) { v->split_brain_allowed = allow; }

static void violate(fx_invariants *v, char *msg)
{
  if (!v->violation)
    v->violation = msg;
  else
    g_free(msg);
}

static bool is_update(uint8_t kind)
{
  return kind == RS_OP_WRITE || kind == RS_OP_DELETE || kind == RS_OP_PUT || kind == RS_OP_APPEND ||
         kind == RS_OP_CAS;
}

void fx_inv_persist(fx_invariants *v, rs_node_id node, const rs_persist *rec)
{
  if (node >= RS_MAX_NODES)
    return;
  node_log *l = &v->nodes[node];
  if (!l->order) {
    l->order = g_ptr_array_new_with_free_func(g_free);
    l->applied = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  }
  if (rec->kind == RS_PERSIST_STATE) {
    clear_log(l); /* the store was replaced whole: what it held before no longer counts */
    return;
  }
  if (rec->kind != RS_PERSIST_OP || !rec->op || !is_update(rec->op->kind) || !rec->res ||
      rec->res->status != RS_ST_SUCCESS)
    return;
  char *sig = g_strdup_printf("%u:%" G_GUINT64_FORMAT " %d %.*s=%.*s", rec->client, rec->seq, rec->op->kind,
                              (int)rec->op->key.len, rec->op->key.ptr ? (const char *)rec->op->key.ptr : "",
                              (int)rec->op->value.len, rec->op->value.ptr ? (const char *)rec->op->value.ptr : "");
  if (rec->client != RS_NO_NODE) {
    char *id = g_strdup_printf("%u:%" G_GUINT64_FORMAT, rec->client, rec->seq);
    if (g_hash_table_contains(l->applied, id)) {
      violate(v, g_strdup_printf("replica %u applied (client %u, seq %" G_GUINT64_FORMAT ") twice", node,
                                 rec->client, rec->seq));
      g_free(id);
    } else {
      g_hash_table_add(l->applied, id);
    }
  }
  g_ptr_array_add(l->order, sig);
}

void fx_inv_role(fx_invariants *v, rs_node_id node, const char *role, uint64_t view)
{
  if (!role || strcmp(role, "primary") != 0 || v->split_brain_allowed)
    return;
  gint64 key = (gint64)view;
  gpointer had = g_hash_table_lookup(v->primary_of_view, &key);
  if (had && GPOINTER_TO_UINT(had) != node + 1u) {
    violate(v, g_strdup_printf("two primaries in view %" G_GUINT64_FORMAT ": %u and %u", view,
                               GPOINTER_TO_UINT(had) - 1u, node));
    return;
  }
  gint64 *k = g_new(gint64, 1);
  *k = key;
  g_hash_table_replace(v->primary_of_view, k, GUINT_TO_POINTER(node + 1u));
}

void fx_inv_pair(fx_invariants *v, rs_node_id primary, rs_node_id backup)
{
  if (primary >= RS_MAX_NODES || backup >= RS_MAX_NODES)
    return;
  const node_log *p = &v->nodes[primary], *b = &v->nodes[backup];
  if (!b->order || !b->order->len || !p->order)
    return;
  guint start = 0;
  while (start < p->order->len && strcmp(p->order->pdata[start], b->order->pdata[0]) != 0)
    start++;
  if (start == p->order->len)
    return; /* the primary's list begins after the backup's first update (its own state transfer) */
  for (guint k = 0; k < b->order->len; k++) {
    if (start + k >= p->order->len) {
      violate(v, g_strdup_printf("backup %u applied %s, which its primary %u never applied", backup,
                                 (const char *)b->order->pdata[k], primary));
      return;
    }
    if (strcmp(p->order->pdata[start + k], b->order->pdata[k]) != 0) {
      violate(v, g_strdup_printf("backup %u's update %s is not its primary %u's %s at that place", backup,
                                 (const char *)b->order->pdata[k], primary, (const char *)p->order->pdata[start + k]));
      return;
    }
  }
}

const char *fx_inv_violation(const fx_invariants *v) { return v->violation; }
