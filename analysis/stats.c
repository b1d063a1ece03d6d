/* Latency, outcome and throughput statistics of a client history, per operation type. */
#include "analysis/stats.h"

#include <stdlib.h>
#include <string.h>

/* The order operation types are reported in; any other name follows in first-seen order. */
static const char *const known_ops[] = {"write", "read", "delete", "put", "get", "append", "cas"};

/* One operation type while it is being counted: its figures and its raw latencies. */
typedef struct op_acc {
  op_stats *st;
  GArray *lat; /* double, ok operations, invocation order */
  double sum;
} op_acc;

double stats_percentile(const double *sorted, size_t n, unsigned p)
{
  if (n == 0)
    return 0.0;
  uint64_t rank = ((uint64_t)p * n + 99) / 100; /* ceil(p/100 * n), in integers */
  if (rank < 1)
    rank = 1;
  if (rank > n)
    rank = n;
  return sorted[rank - 1];
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void op_stats_free(gpointer p)
{
  op_stats *o = p;
  for (guint i = 0; i < o->statuses->len; i++)
    g_free(g_array_index(o->statuses, stats_status_count, i).status);
  g_array_free(o->statuses, TRUE);
  g_free(o->op);
  g_free(o);
}

static op_acc *acc_new(const char *op)
{
  op_acc *a = g_new0(op_acc, 1);
  a->st = g_new0(op_stats, 1);
  a->st->op = g_strdup(op);
  a->st->statuses = g_array_new(FALSE, FALSE, sizeof(stats_status_count));
  a->lat = g_array_new(FALSE, FALSE, sizeof(double));
  return a;
}

/* Counts one more completion with `status`; a linear scan, as an op type has a handful. */
static void count_status(op_stats *st, const char *status)
{
  const char *s = status ? status : "(none)";
  for (guint i = 0; i < st->statuses->len; i++) {
    stats_status_count *c = &g_array_index(st->statuses, stats_status_count, i);
    if (strcmp(c->status, s) == 0) {
      c->count++;
      return;
    }
  }
  stats_status_count c = {g_strdup(s), 1};
  g_array_append_val(st->statuses, c);
}

/* Adds one operation to its type's figures and to the totals. */
static void count_op(stats *s, op_acc *a, const hist_op *o)
{
  op_stats *st = a->st;
  st->count++;
  s->ops++;
  if (s->ops == 1 || o->t_invoke < s->first_invoke)
    s->first_invoke = o->t_invoke;
  if (o->outcome == HIST_PENDING) {
    st->pending++;
    s->pending++;
    return;
  }
  if (o->t_complete > s->last_complete || s->ok + s->fail + s->info == 0)
    s->last_complete = o->t_complete;
  count_status(st, o->status);
  if (o->outcome == HIST_OK) {
    double l = o->t_complete - o->t_intended;
    st->ok++;
    s->ok++;
    g_array_append_val(a->lat, l);
    a->sum += l;
  } else if (o->outcome == HIST_FAIL) {
    st->fail++;
    s->fail++;
  } else {
    st->info++;
    s->info++;
  }
}

/* Turns a type's raw latencies into its percentiles, mean, min and max. */
static void finish_latency(op_acc *a)
{
  op_stats *st = a->st;
  size_t n = a->lat->len;
  st->latency_count = n;
  if (n == 0)
    return;
  double *v = (double *)(void *)a->lat->data;
  qsort(v, n, sizeof *v, cmp_double);
  st->p50 = stats_percentile(v, n, 50);
  st->p90 = stats_percentile(v, n, 90);
  st->p99 = stats_percentile(v, n, 99);
  st->mean = a->sum / (double)n;
  st->min = v[0];
  st->max = v[n - 1];
}

/* Moves the types into s->per_op: the known ones in their fixed order, then the others as first
 * seen. `byname` is only looked up, never iterated. */
static void order_types(stats *s, GHashTable *byname, GPtrArray *seen)
{
  for (size_t k = 0; k < G_N_ELEMENTS(known_ops); k++) {
    op_acc *a = g_hash_table_lookup(byname, known_ops[k]);
    if (a)
      g_ptr_array_add(s->per_op, a->st);
  }
  for (guint i = 0; i < seen->len; i++) {
    op_acc *a = g_ptr_array_index(seen, i);
    bool known = false;
    for (size_t k = 0; k < G_N_ELEMENTS(known_ops); k++)
      known = known || strcmp(a->st->op, known_ops[k]) == 0;
    if (!known)
      g_ptr_array_add(s->per_op, a->st);
  }
}

static void finish_totals(stats *s)
{
  uint64_t completed = s->ok + s->fail + s->info;
  double span = s->last_complete - s->first_invoke;
  s->throughput = completed && span > 0 ? (double)s->ok / span : 0.0;
  s->has_availability = completed > 0;
  s->availability = completed ? (double)s->ok / (double)completed : 0.0;
}

stats *stats_compute(const history *h)
{
  stats *s = g_new0(stats, 1);
  s->per_op = g_ptr_array_new_with_free_func(op_stats_free);
  GHashTable *byname = g_hash_table_new(g_str_hash, g_str_equal);
  GPtrArray *seen = g_ptr_array_new();
  for (guint i = 0; h && i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    op_acc *a = g_hash_table_lookup(byname, o->op);
    if (!a) {
      a = acc_new(o->op);
      g_hash_table_insert(byname, a->st->op, a);
      g_ptr_array_add(seen, a);
    }
    count_op(s, a, o);
  }
  for (guint i = 0; i < seen->len; i++)
    finish_latency(g_ptr_array_index(seen, i));
  order_types(s, byname, seen);
  finish_totals(s);
  for (guint i = 0; i < seen->len; i++) {
    op_acc *a = g_ptr_array_index(seen, i);
    g_array_free(a->lat, TRUE);
    g_free(a);
  }
  g_ptr_array_free(seen, TRUE);
  g_hash_table_destroy(byname);
  return s;
}

void stats_free(stats *s)
{
  if (!s)
    return;
  g_ptr_array_free(s->per_op, TRUE);
  g_free(s);
}

const op_stats *stats_for_op(const stats *s, const char *op)
{
  for (guint i = 0; s && op && i < s->per_op->len; i++) {
    const op_stats *o = g_ptr_array_index(s->per_op, i);
    if (strcmp(o->op, op) == 0)
      return o;
  }
  return NULL;
}

uint64_t op_stats_status_count(const op_stats *o, const char *status)
{
  for (guint i = 0; o && status && i < o->statuses->len; i++) {
    const stats_status_count *c = &g_array_index(o->statuses, stats_status_count, i);
    if (strcmp(c->status, status) == 0)
      return c->count;
  }
  return 0;
}
