/* Faults that act on a node's life (crash, restart, pause, join, random-crashes) must follow one
 * another as they can in time, or they would silently do nothing: a restart needs an earlier
 * crash still in force, a crash needs the node up, a pause needs it up and not already paused,
 * and nothing acts on a joined node before its join. A <random-crashes> window may take any of
 * its nodes down at any moment, so no other such fault may touch those nodes inside it. */
#include "scenario_internal.h"

#include <math.h>
#include <string.h>

/* One fault on one node, as an interval: [from, to]. A crash is down from `at` to its restart
 * (or for ever), a pause from `at` to `until`, a random-crashes window from `at` to `until`. */
typedef struct tl_span {
  const sc_fault *f;
  double from, to;
} tl_span;

/* Everything that acts on one node, in file order. */
typedef struct tl_node {
  const char *id;
  GArray *life;     /* const sc_fault*: crash and restart, sorted by time before the walk */
  GArray *pauses;   /* tl_span */
  GArray *randoms;  /* tl_span: <random-crashes> windows naming this node */
  const sc_fault *join;
  GArray *downs;    /* tl_span: down intervals the crashes and restarts make */
} tl_node;

static bool is(const sc_fault *f, const char *kind)
{
  return strcmp(f->kind, kind) == 0;
}

static void tl_node_free(gpointer p)
{
  tl_node *n = p;
  g_array_unref(n->life);
  g_array_unref(n->pauses);
  g_array_unref(n->randoms);
  g_array_unref(n->downs);
  g_free(n);
}

static tl_node *node_of(GHashTable *nodes, GPtrArray *order, const char *id)
{
  tl_node *n = g_hash_table_lookup(nodes, id);
  if (n == NULL) {
    n = g_new0(tl_node, 1);
    n->id = id;
    n->life = g_array_new(FALSE, FALSE, sizeof(const sc_fault *));
    n->pauses = g_array_new(FALSE, FALSE, sizeof(tl_span));
    n->randoms = g_array_new(FALSE, FALSE, sizeof(tl_span));
    n->downs = g_array_new(FALSE, FALSE, sizeof(tl_span));
    g_hash_table_insert(nodes, (gpointer)id, n);
    g_ptr_array_add(order, n);
  }
  return n;
}

/* Time order; at one instant, file order (which is how the injector applies them). */
static gint by_time(gconstpointer a, gconstpointer b)
{
  const sc_fault *x = *(const sc_fault *const *)a, *y = *(const sc_fault *const *)b;
  if (x->at != y->at)
    return x->at < y->at ? -1 : 1;
  return x->line - y->line;
}

/* Files each fault under the nodes it acts on; the word lists are split into `words`. */
static void collect(sc_reader *r, GHashTable *nodes, GPtrArray *order, GPtrArray *words)
{
  for (guint i = 0; i < r->sc->faults->len; i++) {
    const sc_fault *f = g_ptr_array_index(r->sc->faults, i);
    if (is(f, "crash") || is(f, "restart")) {
      g_array_append_val(node_of(nodes, order, f->node)->life, f);
    } else if (is(f, "pause")) {
      tl_span s = {f, f->at, f->until >= 0 ? f->until : INFINITY};
      g_array_append_val(node_of(nodes, order, f->node)->pauses, s);
    } else if (is(f, "join")) {
      node_of(nodes, order, f->node)->join = f;
    } else if (is(f, "random-crashes")) {
      GPtrArray *ids = sv_split_words(f->nodes);
      tl_span s = {f, f->at, f->until};
      for (guint k = 0; k < ids->len; k++)
        g_array_append_val(node_of(nodes, order, ids->pdata[k])->randoms, s);
      g_ptr_array_add(words, ids);
    }
  }
}

/* Walks one node's crashes and restarts in time order, recording its down intervals. */
static bool walk_life(sc_reader *r, tl_node *n)
{
  g_array_sort(n->life, by_time);
  const sc_fault *down_since = NULL;
  for (guint i = 0; i < n->life->len; i++) {
    const sc_fault *f = g_array_index(n->life, const sc_fault *, i);
    if (n->join && f->at < n->join->at)
      return rd_fail(r, f->line, "<%s> of %s at %gs comes before its <join> at %gs (line %d)", f->kind, n->id,
                     f->at, n->join->at, n->join->line);
    if (is(f, "crash") && down_since)
      return rd_fail(r, f->line, "<crash> of %s at %gs: it is already down (crashed at %gs, line %d, and not "
                     "restarted since): crash and restart windows of one node must not overlap", n->id, f->at,
                     down_since->at, down_since->line);
    if (is(f, "restart") && down_since == NULL)
      return rd_fail(r, f->line, "<restart> of %s at %gs: it is running (no earlier <crash> of it is in "
                     "force), so the restart would do nothing", n->id, f->at);
    if (is(f, "restart") && f->at <= down_since->at)
      return rd_fail(r, f->line, "<restart> of %s at %gs must come after its <crash> (line %d), not at the "
                     "same time", n->id, f->at, down_since->line);
    if (is(f, "crash")) {
      down_since = f;
    } else {
      tl_span s = {down_since, down_since->at, f->at};
      g_array_append_val(n->downs, s);
      down_since = NULL;
    }
  }
  if (down_since) {
    tl_span s = {down_since, down_since->at, INFINITY};
    g_array_append_val(n->downs, s);
  }
  return true;
}

/* Whether two spans share an instant; `touch` says whether meeting end to start counts. */
static bool overlap(const tl_span *a, const tl_span *b, bool touch)
{
  return touch ? a->from <= b->to && b->from <= a->to : a->from < b->to && b->from < a->to;
}

/* A pause needs the node up, not paused already, and present (after its join). */
static bool check_pauses(sc_reader *r, tl_node *n)
{
  for (guint i = 0; i < n->pauses->len; i++) {
    const tl_span *p = &g_array_index(n->pauses, tl_span, i);
    if (n->join && p->from < n->join->at)
      return rd_fail(r, p->f->line, "<pause> of %s at %gs comes before its <join> at %gs (line %d)", n->id,
                     p->from, n->join->at, n->join->line);
    for (guint j = 0; j < i; j++) {
      const tl_span *q = &g_array_index(n->pauses, tl_span, j);
      if (overlap(p, q, false))
        return rd_fail(r, p->f->line, "<pause> of %s overlaps its <pause> on line %d: a paused node cannot be "
                       "paused again", n->id, q->f->line);
    }
    for (guint j = 0; j < n->downs->len; j++) {
      const tl_span *d = &g_array_index(n->downs, tl_span, j);
      if (overlap(p, d, false))
        return rd_fail(r, p->f->line, "<pause> of %s overlaps the time it is down (crashed at %gs, line %d): "
                       "a crashed node cannot be paused", n->id, d->from, d->f->line);
    }
  }
  return true;
}

/* A <random-crashes> window owns its nodes' lives: no other crash, restart, pause or window on
 * them may touch it, and none of them may join after it opens. */
static bool check_randoms(sc_reader *r, tl_node *n)
{
  for (guint i = 0; i < n->randoms->len; i++) {
    const tl_span *w = &g_array_index(n->randoms, tl_span, i);
    int line = w->f->line;
    if (n->join && w->from < n->join->at)
      return rd_fail(r, line, "<random-crashes> may crash %s from %gs, before its <join> at %gs (line %d)",
                     n->id, w->from, n->join->at, n->join->line);
    for (guint j = 0; j < i; j++) {
      const tl_span *v = &g_array_index(n->randoms, tl_span, j);
      if (overlap(w, v, true))
        return rd_fail(r, MAX(line, v->f->line), "<random-crashes> windows on lines %d and %d overlap on %s",
                       MIN(line, v->f->line), MAX(line, v->f->line), n->id);
    }
    for (guint j = 0; j < n->life->len; j++) {
      const sc_fault *f = g_array_index(n->life, const sc_fault *, j);
      if (f->at >= w->from && f->at <= w->to)
        return rd_fail(r, f->line, "<%s> of %s at %gs falls in the <random-crashes> window on line %d (%gs to "
                       "%gs), which may have it down then", f->kind, n->id, f->at, line, w->from, w->to);
    }
    for (guint j = 0; j < n->downs->len; j++) {
      const tl_span *d = &g_array_index(n->downs, tl_span, j);
      if (overlap(w, d, true))
        return rd_fail(r, d->f->line, "%s is down from %gs (line %d) across the <random-crashes> window on line "
                       "%d (%gs to %gs)", n->id, d->from, d->f->line, line, w->from, w->to);
    }
    for (guint j = 0; j < n->pauses->len; j++) {
      const tl_span *p = &g_array_index(n->pauses, tl_span, j);
      if (overlap(w, p, true))
        return rd_fail(r, p->f->line, "<pause> of %s overlaps the <random-crashes> window on line %d (%gs to "
                       "%gs), which may have it down then", n->id, line, w->from, w->to);
    }
  }
  return true;
}

bool rd_check_timeline(sc_reader *r)
{
  GHashTable *nodes = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *order = g_ptr_array_new_with_free_func(tl_node_free);
  GPtrArray *words = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  collect(r, nodes, order, words);
  bool ok = true;
  for (guint i = 0; ok && i < order->len; i++) {
    tl_node *n = order->pdata[i];
    ok = walk_life(r, n) && check_pauses(r, n) && check_randoms(r, n);
  }
  g_hash_table_unref(nodes);
  g_ptr_array_unref(order);
  g_ptr_array_unref(words);
  return ok;
}
