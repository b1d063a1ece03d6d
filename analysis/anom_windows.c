/* Fault windows (availability inside each) and failover times (a primary's crash to the next ack). */
#include "analysis/anom_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fault windows ------------------------------------------------------------------------ */

/* The history's invocation times in order, with running counts of ok and completed operations:
 * the number in any time range is then two binary searches away. */
typedef struct op_index {
  double *t;
  uint64_t *ok, *completed; /* ok[i]: ok operations among the first i */
  size_t n;
} op_index;

typedef struct inv {
  double t;
  hist_outcome outcome;
} inv;

static int cmp_inv(const void *pa, const void *pb)
{
  const inv *a = pa, *b = pb;
  return (a->t > b->t) - (a->t < b->t);
}

static void op_index_build(op_index *x, const history *h)
{
  x->n = h->ops->len;
  inv *v = g_new(inv, x->n + 1);
  bool sorted = true;
  for (size_t i = 0; i < x->n; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    v[i] = (inv){o->t_invoke, o->outcome};
    sorted &= i == 0 || v[i - 1].t <= v[i].t;
  }
  if (!sorted)
    qsort(v, x->n, sizeof *v, cmp_inv);
  x->t = g_new(double, x->n + 1);
  x->ok = g_new0(uint64_t, x->n + 1);
  x->completed = g_new0(uint64_t, x->n + 1);
  for (size_t i = 0; i < x->n; i++) {
    x->t[i] = v[i].t;
    x->ok[i + 1] = x->ok[i] + (v[i].outcome == HIST_OK);
    x->completed[i + 1] = x->completed[i] + (v[i].outcome != HIST_PENDING);
  }
  g_free(v);
}

static void op_index_free(op_index *x)
{
  g_free(x->t);
  g_free(x->ok);
  g_free(x->completed);
}

/* The first position whose time is >= t (or > t when `after`). */
static size_t lower_bound(const op_index *x, double t, bool after)
{
  size_t lo = 0, hi = x->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->t[mid] < t || (after && x->t[mid] == t))
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static void window_count(anom_window *w, const op_index *x)
{
  size_t from = lower_bound(x, w->start, false), to = lower_bound(x, w->end, true);
  if (to < from)
    to = from;
  w->ops = to - from;
  w->ok = x->ok[to] - x->ok[from];
  w->completed = x->completed[to] - x->completed[from];
  w->has_availability = w->completed > 0;
  w->availability = w->completed ? (double)w->ok / (double)w->completed : 0.0;
}

void anom_window_clear(gpointer p)
{
  anom_window *w = p;
  g_free(w->fault);
  g_free(w->target);
}

/* One window per fault of the facts (paired there, by the one rule), with the operations invoked
 * inside it counted. An open-ended window lasts to `end_time`. */
void anom_find_windows(anomalies *a, const history *h, const trace_facts *f, double end_time)
{
  op_index x;
  op_index_build(&x, h);
  for (guint i = 0; i < f->faults->len; i++) {
    const fact_fault *t = g_ptr_array_index(f->faults, i);
    anom_window w = {.fault = g_strdup(t->kind), .target = g_strdup(t->target), .start = t->start,
                     .end = t->open_ended ? MAX(t->end, end_time) : t->end,
                     .open_ended = t->open_ended, .event = t->event, .line_start = t->line_start,
                     .line_end = t->line_end};
    window_count(&w, &x);
    g_array_append_val(a->windows, w);
  }
  op_index_free(&x);
}

/* ---- Failover ----------------------------------------------------------------------------- */

static gint cmp_ack(gconstpointer pa, gconstpointer pb)
{
  const hist_op *a = *(const hist_op *const *)pa, *b = *(const hist_op *const *)pb;
  int c = anom_when_cmp(a->t_complete, a->trace_line_complete, b->t_complete, b->trace_line_complete);
  return c ? c : (a->index > b->index) - (a->index < b->index);
}

/* Acknowledged updates by completion (a poll's acknowledged votes count: they are its writes). */
static GPtrArray *acks_by_completion(const history *h)
{
  GPtrArray *acks = g_ptr_array_new();
  for (guint i = 0; i < h->ops->len; i++) {
    hist_op *o = g_ptr_array_index(h->ops, i);
    if (anom_acked_update(o) || (o->op && strcmp(o->op, "vote") == 0 && anom_acknowledged(o)))
      g_ptr_array_add(acks, o);
  }
  g_ptr_array_sort(acks, cmp_ack);
  return acks;
}

/* The first acknowledgement strictly after the crash, by binary search. */
static const hist_op *first_ack_after(GPtrArray *acks, double t, long line)
{
  guint lo = 0, hi = acks->len;
  while (lo < hi) {
    guint mid = lo + (hi - lo) / 2;
    const hist_op *o = g_ptr_array_index(acks, mid);
    if (anom_when_cmp(t, line, o->t_complete, o->trace_line_complete) < 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo < acks->len ? g_ptr_array_index(acks, lo) : NULL;
}

void anom_failover_clear(gpointer p)
{
  anom_failover *x = p;
  g_free(x->node);
  if (x->has_time)
    hist_op_clear(&x->first_ack);
}

static void add_failover(anomalies *a, const fact_fault *crash, GPtrArray *acks)
{
  anom_failover x = {.node = g_strdup(crash->node), .crash = crash->start, .crash_line = crash->line_start};
  const hist_op *ack = first_ack_after(acks, crash->start, crash->line_start);
  if (ack) {
    x.has_time = true;
    x.time = ack->t_complete - crash->start;
    hist_op_copy(&x.first_ack, ack);
    a->failover_time = a->has_failover_time ? MAX(a->failover_time, x.time) : x.time;
    a->has_failover_time = true;
  }
  g_array_append_val(a->failovers, x);
}

/* Walks role lines and fault windows (in order of their start lines) together in trace order, so "the latest role before the crash" is
 * the role table at the moment the crash line comes. */
void anom_find_failovers(anomalies *a, const history *h, const trace_facts *f)
{
  GPtrArray *acks = acks_by_completion(h);
  GHashTable *role = g_hash_table_new(g_str_hash, g_str_equal); /* node -> role */
  guint r = 0;
  for (guint i = 0; i < f->faults->len; i++) {
    const fact_fault *x = g_ptr_array_index(f->faults, i);
    for (; r < f->roles->len; r++) {
      const fact_role *y = g_ptr_array_index(f->roles, r);
      if (anom_when_cmp(x->start, x->line_start, y->t, y->line) < 0)
        break;
      g_hash_table_insert(role, y->node, y->role);
    }
    const char *was = x->node ? g_hash_table_lookup(role, x->node) : NULL;
    if (strcmp(x->kind, "crash") == 0 && was && strcmp(was, "primary") == 0)
      add_failover(a, x, acks);
  }
  g_hash_table_destroy(role);
  g_ptr_array_free(acks, TRUE);
}

