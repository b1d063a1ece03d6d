/* Lost writes: end states from the final lines, and the acknowledged updates they cannot contain. */
#include "analysis/anom_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- End states --------------------------------------------------------------------------- */

typedef enum end_kind { END_ABSENT = 0, END_LIVE, END_DELETED } end_kind;

/* A key's end state and, while the history is scanned, the latest completion among the
 * operations that explain it. */
typedef struct key_end {
  end_kind kind;
  const char *value;        /* live value ("" when a live final had none) */
  uint64_t version;
  unsigned holders, replicas;
  long line;                /* a final line holding the state */
  bool explained;           /* some operation explains it */
  bool explained_forever;   /* ... one that never completed (info, pending) */
  double latest_t;          /* ... the latest completion among the others */
  long latest_line;
  bool overwritten;         /* some acknowledged non-append update of the key... */
  double over_t;            /* ... and the latest invocation among them */
  long over_line;
} key_end;

static end_kind final_kind(const fact_final *x)
{
  if (x->status && strcmp(x->status, "FILE ALREADY DELETED") == 0)
    return END_DELETED;
  if (x->value_null || !x->status || strcmp(x->status, "SUCCESS") != 0)
    return END_ABSENT;
  return END_LIVE;
}

static const char *final_value(const fact_final *x)
{
  return final_kind(x) == END_LIVE ? (x->value ? x->value : "") : NULL;
}

static bool same_state(const fact_final *a, const fact_final *b)
{
  return final_kind(a) == final_kind(b) && g_strcmp0(final_value(a), final_value(b)) == 0;
}

/* pb-*: the state most replicas hold; ties to the highest version, then the earliest line.
 * Quadratic in the replicas of one key, which are a handful. */
static const fact_final *majority_state(GPtrArray *finals, unsigned *holders)
{
  const fact_final *best = NULL;
  unsigned best_n = 0;
  uint64_t best_v = 0;
  for (guint i = 0; i < finals->len; i++) {
    const fact_final *x = g_ptr_array_index(finals, i);
    unsigned n = 0;
    uint64_t v = 0;
    for (guint j = 0; j < finals->len; j++) {
      const fact_final *y = g_ptr_array_index(finals, j);
      if (same_state(x, y)) {
        n++;
        v = MAX(v, y->version);
      }
    }
    if (!best || n > best_n || (n == best_n && v > best_v)) {
      best = x;
      best_n = n;
      best_v = v;
    }
  }
  *holders = best_n;
  return best;
}

/* quorum: as a quorum read merges answers (files' newer()): a tombstone beats any live version,
 * since a deleted uuid is never live again; otherwise the newest version. */
static const fact_final *newest_state(GPtrArray *finals, unsigned *holders)
{
  const fact_final *best = NULL;
  for (guint i = 0; i < finals->len; i++) {
    const fact_final *x = g_ptr_array_index(finals, i);
    bool x_dead = final_kind(x) == END_DELETED, best_dead = best && final_kind(best) == END_DELETED;
    if (!best || (x_dead && !best_dead) || (x_dead == best_dead && x->version > best->version))
      best = x;
  }
  *holders = 0;
  for (guint i = 0; best && i < finals->len; i++)
    *holders += same_state(best, g_ptr_array_index(finals, i));
  return best;
}

/* key -> key_end for every key with final lines (the table owns the values, not the keys). */
static GHashTable *end_states(const trace_facts *f, bool quorum)
{
  GHashTable *by_key = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                             (GDestroyNotify)g_ptr_array_unref);
  /* pb-*: a replica still down at the end ("up": false) holds what it had when it went down; the
   * state is what the replicas up at the end hold (as divergence counts them), unless none is
   * (the swarm: the last live primary's writes counted lost because two dead replicas'
   * pre-crash stores outvoted it). */
  GHashTable *down = g_hash_table_new(g_str_hash, g_str_equal);
  bool any_up = false;
  for (guint i = 0; i < f->digests->len; i++) {
    const fact_digest *d = g_ptr_array_index(f->digests, i);
    if (!d->up)
      g_hash_table_add(down, d->node);
    any_up |= d->up;
  }
  for (guint i = 0; i < f->finals->len; i++) {
    fact_final *x = g_ptr_array_index(f->finals, i);
    if (!quorum && any_up && g_hash_table_contains(down, x->node))
      continue;
    GPtrArray *list = g_hash_table_lookup(by_key, x->key);
    if (!list)
      g_hash_table_insert(by_key, x->key, list = g_ptr_array_new());
    g_ptr_array_add(list, x);
  }
  GHashTable *ends = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  GHashTableIter it;
  gpointer key, val;
  g_hash_table_iter_init(&it, by_key);
  while (g_hash_table_iter_next(&it, &key, &val)) {
    GPtrArray *list = val;
    key_end *e = g_new0(key_end, 1);
    const fact_final *s = quorum ? newest_state(list, &e->holders) : majority_state(list, &e->holders);
    e->kind = final_kind(s);
    e->value = final_value(s);
    e->version = s->version;
    e->line = s->line;
    e->replicas = list->len;
    g_hash_table_insert(ends, key, e);
  }
  g_hash_table_destroy(by_key);
  g_hash_table_destroy(down);
  return ends;
}

static char *describe_end(const key_end *e)
{
  GString *s = g_string_new(NULL);
  if (e->replicas == 0) {
    g_string_append(s, "absent (no final line for this key)");
    return g_string_free(s, FALSE);
  }
  if (e->kind == END_LIVE) {
    g_string_append(s, "live ");
    anom_show_value(s, e->value);
  } else {
    g_string_append(s, e->kind == END_DELETED ? "deleted" : "absent");
  }
  if (e->version)
    g_string_append_printf(s, " v%" G_GUINT64_FORMAT, e->version);
  g_string_append_printf(s, " (%u of %u replicas)", e->holders, e->replicas);
  return g_string_free(s, FALSE);
}

/* ---- Lost writes -------------------------------------------------------------------------- */

/* Could `o` have produced the state `e`? Only operations that may have taken effect can. */
static bool explains(const hist_op *o, const key_end *e)
{
  bool may_have_run = anom_acknowledged(o) || o->outcome == HIST_INFO || o->outcome == HIST_PENDING;
  if (!may_have_run || e->kind == END_ABSENT)
    return false;
  if (e->kind == END_DELETED)
    return strcmp(o->op, "delete") == 0;
  const char *v = o->value ? o->value : "";
  if (strcmp(o->op, "append") == 0)
    return g_str_has_suffix(e->value, v);
  return (strcmp(o->op, "write") == 0 || strcmp(o->op, "put") == 0 || strcmp(o->op, "cas") == 0) &&
         strcmp(e->value, v) == 0;
}

/* The key's entry; a key without final lines gets an absent one (held by none of 0 replicas). */
static key_end *end_of(GHashTable *ends, const char *key)
{
  key_end *e = g_hash_table_lookup(ends, key);
  if (!e)
    g_hash_table_insert(ends, (gpointer)key, e = g_new0(key_end, 1));
  return e;
}

/* Notes the latest invocation among the acknowledged updates that overwrite what came before. */
static void note_overwrite(key_end *e, const hist_op *o)
{
  if (!anom_acknowledged(o) || strcmp(o->op, "append") == 0)
    return;
  if (!e->overwritten || anom_when_cmp(e->over_t, e->over_line, o->t_invoke, o->trace_line_invoke) < 0) {
    e->overwritten = true;
    e->over_t = o->t_invoke;
    e->over_line = o->trace_line_invoke;
  }
}

/* Notes, per key, the latest completion among the operations that explain its end state and the
 * latest acknowledged overwrite. */
static void note_explainers(const history *h, GHashTable *ends)
{
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!o->key || !anom_is_update(o->op))
      continue;
    key_end *e = end_of(ends, o->key);
    note_overwrite(e, o);
    if (!explains(o, e))
      continue;
    if (o->outcome != HIST_OK) {
      e->explained = e->explained_forever = true;
    } else if (!e->explained || anom_when_cmp(e->latest_t, e->latest_line, o->t_complete,
                                         o->trace_line_complete) < 0) {
      e->explained = true;
      e->latest_t = o->t_complete;
      e->latest_line = o->trace_line_complete;
    }
  }
}

/* W is lost when (a) nothing explains the end state or everything that does completed before W,
 * and (b) no acknowledged overwrite was invoked after W completed. */
static bool lost(const hist_op *w, const key_end *e)
{
  if (e->overwritten &&
      anom_when_cmp(w->t_complete, w->trace_line_complete, e->over_t, e->over_line) < 0)
    return false;
  if (!e->explained)
    return true;
  if (e->explained_forever)
    return false;
  return anom_when_cmp(e->latest_t, e->latest_line, w->t_invoke, w->trace_line_invoke) < 0;
}

static bool any_acked_update(const history *h)
{
  for (guint i = 0; i < h->ops->len; i++)
    if (anom_acked_update(g_ptr_array_index(h->ops, i)))
      return true;
  return false;
}

void anom_lost_write_clear(gpointer p)
{
  anom_lost_write *l = p;
  hist_op_clear(&l->op);
  g_free(l->end_state);
}

void anom_find_lost_writes(anomalies *a, const history *h, const trace_facts *f)
{
  if (anom_is_chat(h, f)) {
    anom_find_lost_chat(a, h, f);
    return;
  }
  a->has_lost_writes = f->finals->len > 0 || !any_acked_update(h);
  if (!a->has_lost_writes)
    return;
  GHashTable *ends = end_states(f, a->quorum_end_state);
  note_explainers(h, ends);
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    if (!anom_acked_update(o))
      continue;
    const key_end *e = g_hash_table_lookup(ends, o->key);
    if (!lost(o, e))
      continue;
    anom_lost_write l = {.end_state = describe_end(e), .end_line = e->line};
    hist_op_copy(&l.op, o);
    g_array_append_val(a->lost, l);
  }
  a->lost_writes = a->lost->len;
  g_hash_table_destroy(ends);
}

