/* Faults that act on a node's life (crash, restart, pause, join, random-crashes) must follow one
 * another as they can in time, or they would silently do nothing: a restart needs an earlier
 * crash still in force, a crash needs the node up, and nothing acts on a joined node before its
 * join. Overlaps whose effect only the run can tell are left to it (the swarm draws them on
 * purpose): a pause of a node that is down or already paused, and anything inside a
 * <random-crashes> window of the node, where the seed decides whether it is down. */
#include "scenario_internal.h"

#include <math.h>
#include <string.h>

/* One fault on one node, as an interval [from, to]: a pause from `at` to `until` (or for ever), a
 * random-crashes window from `at` to `until`. */
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
} tl_node;

/* Whether a fault is of element `kind`. */
static bool is(const sc_fault *f, const char *kind)
{
  return strcmp(f->kind, kind) == 0;
}

/* Frees one node's record. */
static void tl_node_free(gpointer p)
{
  tl_node *n = p;
  g_array_unref(n->life);
  g_array_unref(n->pauses);
  g_array_unref(n->randoms);
  g_free(n);
}

/* The record of node `id`, made on first use, in the order nodes are first named. */
static tl_node *node_of(GHashTable *nodes, GPtrArray *order, const char *id)
{
  tl_node *n = g_hash_table_lookup(nodes, id);
  if (n == NULL) {
    n = g_new0(tl_node, 1);
    n->id = id;
    n->life = g_array_new(FALSE, FALSE, sizeof(const sc_fault *));
    n->pauses = g_array_new(FALSE, FALSE, sizeof(tl_span));
    n->randoms = g_array_new(FALSE, FALSE, sizeof(tl_span));
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

/* Whether a <random-crashes> window of the node covers `t`: the node may be up or down then. */
static bool in_random_window(const tl_node *n, double t)
{
  for (guint i = 0; i < n->randoms->len; i++) {
    const tl_span *w = &g_array_index(n->randoms, tl_span, i);
    if (t >= w->from && t <= w->to)
      return true;
  }
  return false;
}

/* Walks one node's crashes and restarts in time order. Inside a random-crashes window the state
 * is unknown, so nothing is refused there; the walk follows the explicit faults on. */
static bool walk_life(sc_reader *r, tl_node *n)
{
  g_array_sort(n->life, by_time);
  const sc_fault *down_since = NULL;
  for (guint i = 0; i < n->life->len; i++) {
    const sc_fault *f = g_array_index(n->life, const sc_fault *, i);
    if (n->join && f->at < n->join->at)
      return rd_fail(r, f->line, "<%s> of %s at %gs comes before its <join> at %gs (line %d)", f->kind, n->id,
                     f->at, n->join->at, n->join->line);
    if (in_random_window(n, f->at)) {
      down_since = is(f, "crash") ? f : NULL;
      continue;
    }
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
    down_since = is(f, "crash") ? f : NULL;
  }
  return true;
}

/* Nothing acts on a joined node before it joins: its pauses and random-crashes windows neither. */
static bool check_joins(sc_reader *r, tl_node *n)
{
  for (guint i = 0; n->join && i < n->pauses->len; i++) {
    const tl_span *p = &g_array_index(n->pauses, tl_span, i);
    if (p->from < n->join->at)
      return rd_fail(r, p->f->line, "<pause> of %s at %gs comes before its <join> at %gs (line %d)", n->id,
                     p->from, n->join->at, n->join->line);
  }
  for (guint i = 0; n->join && i < n->randoms->len; i++) {
    const tl_span *w = &g_array_index(n->randoms, tl_span, i);
    if (w->from < n->join->at)
      return rd_fail(r, w->f->line, "<random-crashes> may crash %s from %gs, before its <join> at %gs (line %d)",
                     n->id, w->from, n->join->at, n->join->line);
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
    ok = walk_life(r, n) && check_joins(r, n);
  }
  g_hash_table_unref(nodes);
  g_ptr_array_unref(order);
  g_ptr_array_unref(words);
  return ok;
}
