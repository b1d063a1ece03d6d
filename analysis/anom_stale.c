/* Stale reads: a read answering an older version than an update acknowledged before it began. */
#include "analysis/anom_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Stale reads -------------------------------------------------------------------------- */

/* A read beginning or an update acknowledged, on the sweep line. */
typedef struct read_event {
  double t;
  long line;
  int kind; /* 0: a read is invoked, 1: an update is acknowledged (a tie puts the read first) */
  const hist_op *op;
} read_event;

static int cmp_read_event(const void *pa, const void *pb)
{
  const read_event *a = pa, *b = pb;
  if (a->t != b->t)
    return a->t < b->t ? -1 : 1;
  if (a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->kind != b->kind)
    return a->kind - b->kind;
  return (a->op->index > b->op->index) - (a->op->index < b->op->index);
}

static GArray *read_events(const history *h)
{
  GArray *ev = g_array_new(FALSE, FALSE, sizeof(read_event));
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!o->key)
      continue;
    if (anom_is_read(o->op) && o->outcome == HIST_OK) {
      read_event e = {o->t_invoke, o->trace_line_invoke, 0, o};
      g_array_append_val(ev, e);
    } else if (anom_acked_update(o) && o->version > 0) {
      read_event e = {o->t_complete, o->trace_line_complete, 1, o};
      g_array_append_val(ev, e);
    }
  }
  g_array_sort(ev, cmp_read_event);
  return ev;
}

void anom_stale_read_clear(gpointer p)
{
  anom_stale_read *s = p;
  hist_op_clear(&s->op);
  hist_op_clear(&s->newer);
}

/* One sweep in time order, keeping per key the acknowledged update with the highest version. */
static gint cmp_stale_by_index(gconstpointer pa, gconstpointer pb)
{
  const anom_stale_read *x = pa, *y = pb;
  return (x->op.index > y->op.index) - (x->op.index < y->op.index);
}

void anom_find_stale_reads(anomalies *a, const history *h)
{
  GArray *ev = read_events(h);
  GHashTable *newest = g_hash_table_new(g_str_hash, g_str_equal); /* key -> const hist_op* */
  for (guint i = 0; i < ev->len; i++) {
    const read_event *e = &g_array_index(ev, read_event, i);
    const hist_op *best = g_hash_table_lookup(newest, e->op->key);
    if (e->kind == 1) {
      if (!best || e->op->version > best->version)
        g_hash_table_insert(newest, e->op->key, (gpointer)e->op);
    } else if (best && e->op->version < best->version) {
      anom_stale_read s;
      hist_op_copy(&s.op, e->op);
      hist_op_copy(&s.newer, best);
      g_array_append_val(a->stale, s);
    }
  }
  g_hash_table_destroy(newest);
  g_array_free(ev, TRUE);
  a->stale_reads = a->stale->len;
  g_array_sort(a->stale, cmp_stale_by_index);
}


