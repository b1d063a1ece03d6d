/* The space-time diagram's geometry: a time axis that cuts idle stretches short, and labels
 * placed only where they do not cover each other. */
#include "plot/plot_spacetime.h"

#include <math.h>

/* A stretch is cut when it is longer than this many cut widths... */
#define AXIS_CUT_MIN 3.0
/* ...and cutting is worth it only when idle stretches fill this share of the window. */
#define AXIS_IDLE_SHARE 0.5

typedef struct busy {
  double from, to;
} busy;

static void add_busy(GArray *spans, const st_view *v, double t0, double t1)
{
  busy b = {MAX(t0, v->from), MIN(t1, v->x_end)};
  if (b.from <= b.to)
    g_array_append_val(spans, b);
}

static gint busy_order(gconstpointer a, gconstpointer b)
{
  const busy *x = a, *y = b;
  return (x->from > y->from) - (x->from < y->from);
}

/* Every stretch of the window where something is in flight or happens, merged and sorted. */
static GArray *busy_stretches(const st_view *v, const trace_facts *m)
{
  GArray *all = g_array_new(FALSE, FALSE, sizeof(busy));
  for (guint i = 0; i < v->arrows->len; i++) {
    const st_arrow *a = v->arrows->pdata[i];
    add_busy(all, v, a->t0, a->t1);
  }
  for (guint i = 0; i < v->spans->len; i++) {
    const hist_op *s = v->spans->pdata[i];
    add_busy(all, v, s->t_invoke, st_span_end(v, s));
  }
  for (guint i = 0; i < v->marks->len; i++) {
    double t = ((st_mark *)v->marks->pdata[i])->t;
    add_busy(all, v, t, t);
  }
  for (guint i = 0; i < m->faults->len; i++) {
    const fact_fault *f = m->faults->pdata[i];
    add_busy(all, v, f->start, f->start);
    add_busy(all, v, f->end, f->end);
  }
  g_array_sort(all, busy_order);
  GArray *merged = g_array_new(FALSE, FALSE, sizeof(busy));
  for (guint i = 0; i < all->len; i++) {
    busy b = g_array_index(all, busy, i);
    busy *last = merged->len ? &g_array_index(merged, busy, merged->len - 1) : NULL;
    if (last && b.from <= last->to)
      last->to = MAX(last->to, b.to);
    else
      g_array_append_val(merged, b);
  }
  g_array_free(all, TRUE);
  return merged;
}

static void add_point(st_axis *a, double t, double x)
{
  g_array_append_val(a->t, t);
  g_array_append_val(a->x, x);
}

/* Moves the axis over an idle stretch from `t0` to `t1`, cutting it to `cut` seconds when it
 * is long enough to be worth a cut. */
static double pass_idle(st_axis *a, double x, double t0, double t1, double cut)
{
  double gap = t1 - t0;
  if (a->compressed && gap > cut * AXIS_CUT_MIN) {
    add_point(a, t0, x);
    double mid = x + cut * a->scale / 2;
    g_array_append_val(a->cuts, mid);
    g_array_append_val(a->resumes, t1);
    x += cut * a->scale;
  } else {
    x += gap * a->scale;
  }
  add_point(a, t1, x);
  return x;
}

/* Builds the piecewise-linear axis: busy stretches at full scale, long idle ones cut to a few
 * percent of the busy time, but only when idle time fills most of the window; otherwise the
 * axis is plain simulated time. */
void st_axis_build(st_axis *a, const st_view *v, const trace_facts *m)
{
  double window = v->x_end - v->from;
  bool ms = window < 2.0 && v->x_end < 10.0; /* 7040 ms reads well, 120040 ms does not */
  a->scale = ms ? 1e3 : 1.0;
  a->unit = ms ? "ms" : "s";
  a->t = g_array_new(FALSE, FALSE, sizeof(double));
  a->x = g_array_new(FALSE, FALSE, sizeof(double));
  a->cuts = g_array_new(FALSE, FALSE, sizeof(double));
  a->resumes = g_array_new(FALSE, FALSE, sizeof(double));
  GArray *b = busy_stretches(v, m);
  double busy_total = 0, idle_long = 0, last = v->from;
  for (guint i = 0; i < b->len; i++)
    busy_total += g_array_index(b, busy, i).to - g_array_index(b, busy, i).from;
  double cut = MAX(busy_total, window * 0.01) * 0.04;
  for (guint i = 0; i <= b->len; i++) {
    double next = i < b->len ? g_array_index(b, busy, i).from : v->x_end;
    if (next - last > cut * AXIS_CUT_MIN)
      idle_long += next - last;
    if (i < b->len)
      last = g_array_index(b, busy, i).to;
  }
  a->compressed = window > 0 && b->len > 0 && idle_long > window * AXIS_IDLE_SHARE;
  double x = v->from * a->scale;
  add_point(a, v->from, x);
  last = v->from;
  for (guint i = 0; i < b->len; i++) {
    busy s = g_array_index(b, busy, i);
    x = pass_idle(a, x, last, s.from, cut);
    x += (s.to - s.from) * a->scale;
    add_point(a, s.to, x);
    last = s.to;
  }
  x = pass_idle(a, x, last, v->x_end, cut);
  a->x_from = v->from * a->scale;
  a->x_end = x;
  g_array_free(b, TRUE);
}

/* A binary search for the breakpoints around t, then linear interpolation; outside the
 * breakpoints time runs at full scale. */
double st_axis_x(const st_axis *a, double t)
{
  const double *ts = (const double *)a->t->data, *xs = (const double *)a->x->data;
  guint n = a->t->len;
  if (!a->compressed || n == 0)
    return t * a->scale;
  if (t <= ts[0])
    return xs[0] - (ts[0] - t) * a->scale;
  if (t >= ts[n - 1])
    return xs[n - 1] + (t - ts[n - 1]) * a->scale;
  guint lo = 0, hi = n - 1; /* ts[lo] <= t < ts[hi] */
  while (hi - lo > 1) {
    guint mid = (lo + hi) / 2;
    if (ts[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  double span = ts[hi] - ts[lo];
  return span > 0 ? xs[lo] + (t - ts[lo]) / span * (xs[hi] - xs[lo]) : xs[lo];
}

void st_axis_clear(st_axis *a)
{
  if (a->t)
    g_array_free(a->t, TRUE);
  if (a->x)
    g_array_free(a->x, TRUE);
  if (a->cuts)
    g_array_free(a->cuts, TRUE);
  if (a->resumes)
    g_array_free(a->resumes, TRUE);
  a->t = a->x = a->cuts = a->resumes = NULL;
}

bool st_labels_place(st_labels *l, double cx, double cy, size_t chars, double char_px)
{
  double w = (double)chars * char_px / 2 + 3, h = 7;
  double box[4] = {cx - w, cy - h, cx + w, cy + h};
  if (!l->boxes)
    l->boxes = g_array_new(FALSE, FALSE, sizeof box);
  for (guint i = 0; i < l->boxes->len; i++) {
    const double *o = (const double *)l->boxes->data + 4 * i;
    if (box[0] < o[2] && o[0] < box[2] && box[1] < o[3] && o[1] < box[3])
      return false;
  }
  g_array_append_val(l->boxes, box);
  return true;
}
