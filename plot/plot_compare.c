/* The comparison plots: latency CDFs, one line per protocol, and figures against a varied
 * parameter. */
#include "plot/plot_internal.h"
#include "trace/trace_reader.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A CDF line keeps at most this many points: enough for a smooth curve at any size. */
#define CDF_MAX_POINTS 1000
#define CDF_PANEL_W 620
#define CDF_PANEL_H 400

static const char *const known_ops[] = {"write", "read", "delete", "put", "get", "append", "cas", NULL};

static void cdf_op_free(gpointer p)
{
  plot_cdf_op *o = p;
  g_free(o->op);
  g_array_free(o->lat, TRUE);
  g_free(o);
}

plot_cdf_line *plot_cdf_line_new(const char *name)
{
  plot_cdf_line *l = g_new0(plot_cdf_line, 1);
  l->name = g_strdup(name);
  l->all = g_array_new(FALSE, FALSE, sizeof(double));
  l->per_op = g_ptr_array_new_with_free_func(cdf_op_free);
  return l;
}

void plot_cdf_line_free(plot_cdf_line *l)
{
  if (!l)
    return;
  g_free(l->name);
  g_array_free(l->all, TRUE);
  g_ptr_array_free(l->per_op, TRUE);
  g_free(l);
}

static GArray *line_op(plot_cdf_line *l, const char *op)
{
  for (guint i = 0; i < l->per_op->len; i++) {
    plot_cdf_op *o = l->per_op->pdata[i];
    if (strcmp(o->op, op) == 0)
      return o->lat;
  }
  plot_cdf_op *o = g_new0(plot_cdf_op, 1);
  o->op = g_strdup(op);
  o->lat = g_array_new(FALSE, FALSE, sizeof(double));
  g_ptr_array_add(l->per_op, o);
  return o->lat;
}

void plot_cdf_line_add(plot_cdf_line *line, const char *op, const double *lat, guint n)
{
  g_array_append_vals(line_op(line, op), lat, n);
}

/* Reads the whole history (the checker's reader, so a malformed trace is an error here too) and
 * keeps the latency of every operation that ended ok. */
bool plot_cdf_line_add_trace(plot_cdf_line *line, const char *trace, char **err)
{
  history *h = trace_read_history(trace, err);
  if (!h)
    return false;
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    if (o->outcome != HIST_OK)
      continue;
    double lat = o->t_complete - o->t_invoke;
    g_array_append_val(line->all, lat);
    g_array_append_val(line_op(line, o->op), lat);
  }
  history_free(h);
  return true;
}

/* --- layout ------------------------------------------------------------------------------- */

/* Legend entries are laid out in rows of this many under the panels, so they never cover data. */
#define KEY_COLS 4
#define KEY_ROW_PX 18
#define TITLE_PX 74

/* Pixels to keep under the panels for a legend of `entries` lines. */
static int key_px(guint entries)
{
  return 58 + KEY_ROW_PX * (int)((entries + KEY_COLS - 1) / KEY_COLS);
}

/* Opens a multiplot of rows x cols panels that leaves room for the title above and for a legend
 * of `entries` lines below, which the first panel puts there with `eval KEY`. */
static void open_panels(plot_script *s, guint rows, guint cols, int height, guint entries,
                        const char *title)
{
  int bottom = key_px(entries);
  char *q = plot_quote(title);
  plot_script_line(s, "set multiplot layout %u,%u title %s font ',12' margins 0.07,0.98,%.4f,%.4f "
                   "spacing 0.08,%.4f", rows, cols, q, (double)bottom / height,
                   1 - (double)TITLE_PX / height, 90.0 / height);
  plot_script_line(s, "KEY = \"set key at screen 0.5, screen 0.012 center bottom vertical maxrows %d "
                   "Left reverse samplen 3 width 2\"", (int)((entries + KEY_COLS - 1) / KEY_COLS));
  g_free(q);
}

/* --- CDF ----------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Rank of an operation name: known ones in their usual order, others after, by name. */
static int op_rank(const char *op)
{
  for (int i = 0; known_ops[i]; i++)
    if (strcmp(known_ops[i], op) == 0)
      return i;
  return G_N_ELEMENTS(known_ops);
}

static gint op_order(gconstpointer a, gconstpointer b)
{
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  int rx = op_rank(x), ry = op_rank(y);
  return rx != ry ? rx - ry : strcmp(x, y);
}

/* Every operation type any line has, in the usual order: one panel each. */
static GPtrArray *cdf_ops(const GPtrArray *lines)
{
  GPtrArray *ops = g_ptr_array_new();
  for (guint i = 0; i < lines->len; i++) {
    const plot_cdf_line *l = lines->pdata[i];
    for (guint j = 0; j < l->per_op->len; j++) {
      const char *op = ((plot_cdf_op *)l->per_op->pdata[j])->op;
      bool seen = false;
      for (guint k = 0; k < ops->len && !seen; k++)
        seen = strcmp(ops->pdata[k], op) == 0;
      if (!seen)
        g_ptr_array_add(ops, (gpointer)op);
    }
  }
  g_ptr_array_sort(ops, op_order);
  return ops;
}

static const GArray *samples_of(const plot_cdf_line *l, const char *op)
{
  if (!op)
    return l->all;
  for (guint i = 0; i < l->per_op->len; i++)
    if (strcmp(((plot_cdf_op *)l->per_op->pdata[i])->op, op) == 0)
      return ((plot_cdf_op *)l->per_op->pdata[i])->lat;
  return NULL;
}

/* One CDF as "latency_ms fraction" lines, thinned to CDF_MAX_POINTS evenly spaced ranks (the
 * first and last always kept). Widens [*lo, *hi] to its positive range. */
static void cdf_block(GString *d, const GArray *samples, double *lo, double *hi)
{
  guint n = samples->len;
  double *v = g_memdup2(samples->data, sizeof(double) * n);
  qsort(v, n, sizeof(double), cmp_double);
  guint points = MIN(n, CDF_MAX_POINTS);
  plot_num(d, v[0] * 1e3); /* the curve rises from 0 at the fastest operation */
  g_string_append(d, " 0\n");
  for (guint k = 0; k < points; k++) {
    guint i = points > 1 ? (guint)((guint64)k * (n - 1) / (points - 1)) : n - 1;
    plot_num(d, v[i] * 1e3);
    g_string_append_c(d, ' ');
    plot_num(d, (double)(i + 1) / n);
    g_string_append_c(d, '\n');
    if (v[i] > 0 && (*lo <= 0 || v[i] * 1e3 < *lo))
      *lo = v[i] * 1e3;
    *hi = MAX(*hi, v[i] * 1e3);
  }
  g_free(v);
}

/* One panel: a block per line with samples, then its plot command. */
static void cdf_panel(plot_script *s, GString *data, guint *blocks, const GPtrArray *lines,
                      const char *op, bool with_key)
{
  GString *plot = g_string_new(NULL);
  double lo = 0, hi = 0;
  for (guint i = 0; i < lines->len; i++) {
    const plot_cdf_line *l = lines->pdata[i];
    const GArray *samples = samples_of(l, op);
    if (!samples || samples->len == 0)
      continue;
    g_string_append_printf(data, "%s# index %u: %s, %s: latency (ms), fraction <= it\n",
                           *blocks ? "\n\n" : "", *blocks, l->name, op ? op : "all operations");
    cdf_block(data, samples, &lo, &hi);
    char *title = plot_quote(l->name);
    g_string_append_printf(plot, "%s'cdf.dat' index %u using 1:2 with steps lw 2 dt %u lc rgb '%s' title %s",
                           plot->len ? ", \\\n    " : "plot ", (*blocks)++, l->dash + 1,
                           plot_color(l->color), title);
    g_free(title);
  }
  char *title = plot_quote(op ? op : "all operations");
  plot_script_line(s, "set title %s", title);
  g_free(title);
  if (plot_wants_log(lo, hi))
    plot_script_line(s, "set logscale x");
  else
    plot_script_line(s, "unset logscale x");
  plot_script_line(s, with_key ? "eval KEY" : "unset key");
  plot_script_line(s, "%s", plot->len ? plot->str : "plot NaN notitle");
  g_string_free(plot, TRUE);
}

/* A grid of panels, two wide: all operations first, then one per operation type (none when
 * there is only one type, which "all" already shows), the legend under them. */
bool plot_cdf(const GPtrArray *lines, const char *title, const char *out_dir, GPtrArray *written,
              char **err)
{
  GPtrArray *ops = cdf_ops(lines);
  guint panels = 1 + (ops->len > 1 ? ops->len : 0); /* one op type: its panel is "all" */
  guint cols = panels > 1 ? 2 : 1, rows = (panels + cols - 1) / cols;
  int bottom = key_px(lines->len), height = (int)(CDF_PANEL_H * rows) + TITLE_PX + bottom;
  plot_script *s = plot_script_begin(out_dir, "cdf", "latency CDF, one line per protocol",
                                     (int)(CDF_PANEL_W * cols), height);
  open_panels(s, rows, cols, height, lines->len, title);
  plot_script_line(s, "set xlabel 'latency (ms)'");
  plot_script_line(s, "set ylabel 'fraction of ok operations'");
  plot_script_line(s, "set yrange [0:1.02]");
  plot_script_line(s, "set grid xtics ytics mxtics lc rgb '#dddddd'");
  GString *data = g_string_new("# Latency CDFs of ok operations, one block per line and panel.\n");
  guint blocks = 0;
  cdf_panel(s, data, &blocks, lines, NULL, true);
  for (guint i = 0; panels > 1 && i < ops->len; i++)
    cdf_panel(s, data, &blocks, lines, ops->pdata[i], false);
  plot_script_line(s, "unset multiplot");
  bool ok = plot_write_file(out_dir, "cdf.dat", data, written, err);
  if (ok)
    ok = plot_script_finish(s, written, err);
  else
    plot_script_discard(s);
  g_string_free(data, TRUE);
  g_ptr_array_free(ops, TRUE);
  return ok;
}

/* --- against a varied parameter ------------------------------------------------------------ */

/* True when every value reads as a plain number, so the x axis can be numeric. */
static bool values_numeric(const plot_vary *v, double *x)
{
  for (guint i = 0; i < v->n_values; i++) {
    char *end = NULL;
    x[i] = g_ascii_strtod(v->values[i], &end);
    if (end == v->values[i] || *end || !isfinite(x[i]))
      return false;
  }
  return true;
}

/* vary.dat: a block per protocol of "x p50_ms p99_ms availability_%". */
static GString *vary_data(const plot_vary *v, const double *x, double *lo, double *hi)
{
  GString *d = g_string_new(NULL);
  g_string_append_printf(d, "# Against %s: x, p50 (ms), p99 (ms), availability (%%), one block per protocol.\n",
                         v->key);
  for (guint p = 0; p < v->n_protocols; p++) {
    g_string_append_printf(d, "%s# index %u: %s\n", p ? "\n\n" : "", p, v->protocols[p]);
    for (guint i = 0; i < v->n_values; i++) {
      guint k = p * v->n_values + i;
      double row[4] = {x[i], v->p50[k] * 1e3, v->p99[k] * 1e3, v->availability[k] * 100};
      for (int c = 0; c < 4; c++) {
        plot_num(d, row[c]);
        g_string_append_c(d, c < 3 ? ' ' : '\n');
      }
      for (int c = 1; c < 3; c++)
        if (isfinite(row[c]) && row[c] > 0) {
          *lo = *lo <= 0 ? row[c] : MIN(*lo, row[c]);
          *hi = MAX(*hi, row[c]);
        }
    }
  }
  return d;
}

/* The x axis: the values themselves, or evenly spaced tics named after them. */
static void vary_xaxis(plot_script *s, const plot_vary *v, bool numeric, const double *x)
{
  char *key = plot_quote(v->key);
  plot_script_line(s, "set xlabel %s", key);
  g_free(key);
  GString *tics = g_string_new("set xtics (");
  for (guint i = 0; i < v->n_values; i++) {
    char *name = plot_quote(v->values[i]);
    g_string_append_printf(tics, "%s%s %.9g", i ? ", " : "", name, x[i]);
    g_free(name);
  }
  g_string_append(tics, ")");
  plot_script_line(s, "%s", tics->str);
  g_string_free(tics, TRUE);
  double span = v->n_values > 1 ? x[v->n_values - 1] - x[0] : 1;
  if (!numeric || v->n_values < 2)
    plot_script_line(s, "set xrange [%.9g:%.9g]", x[0] - 0.5, x[v->n_values - 1] + 0.5);
  else
    plot_script_line(s, "set offsets %.9g, %.9g, 0, 0", fabs(span) * 0.05, fabs(span) * 0.05);
}

/* Where the availability axis starts: at a round number a little under the lowest value, so
 * that 96% and 99% look different, and never below 0. */
static double avail_floor(const plot_vary *v)
{
  double lo = 100;
  for (guint k = 0; k < v->n_protocols * v->n_values; k++)
    if (isfinite(v->availability[k]))
      lo = MIN(lo, v->availability[k] * 100);
  return MAX(0, 10 * floor((lo - 2) / 10));
}

/* Left: p50 (solid) and p99 (dashed) latency; right: availability. One colour per protocol. */
static void vary_panels(plot_script *s, const plot_vary *v, bool log_y, double avail_floor)
{
  GString *lat = g_string_new("plot "), *avail = g_string_new("plot ");
  for (guint p = 0; p < v->n_protocols; p++) {
    char *name = plot_quote(v->protocols[p]);
    g_string_append_printf(lat, "%s'vary.dat' index %u using 1:2 with linespoints lw 2 pt 7 lc rgb '%s' "
                           "title %s, 'vary.dat' index %u using 1:3 with linespoints lw 2 dt 2 pt 6 "
                           "lc rgb '%s' notitle", p ? ", \\\n    " : "", p, plot_color(p), name, p,
                           plot_color(p));
    g_string_append_printf(avail, "%s'vary.dat' index %u using 1:4 with linespoints lw 2 pt 7 lc rgb '%s' "
                           "notitle", p ? ", \\\n    " : "", p, plot_color(p));
    g_free(name);
  }
  plot_script_line(s, "set title 'latency: p50 (solid), p99 (dashed)'");
  plot_script_line(s, "set ylabel 'latency of ok operations (ms)'");
  plot_script_line(s, log_y ? "set logscale y" : "set yrange [0:*]");
  plot_script_line(s, "eval KEY");
  plot_script_line(s, "%s", lat->str);
  plot_script_line(s, "unset logscale y");
  plot_script_line(s, "set title 'availability'");
  plot_script_line(s, "set ylabel 'ok / (ok + failed + timed out), %%'");
  plot_script_line(s, "set yrange [%g:100.5]", avail_floor);
  plot_script_line(s, "unset key");
  plot_script_line(s, "%s", avail->str);
  g_string_free(lat, TRUE);
  g_string_free(avail, TRUE);
}

/* Two panels side by side over the varied values; a numeric x axis when the values are numbers,
 * evenly spaced named tics otherwise. */
bool plot_vary_draw(const plot_vary *v, const char *title, const char *out_dir,
                    GPtrArray *written, char **err)
{
  double *x = g_new0(double, MAX(v->n_values, 1));
  bool numeric = values_numeric(v, x);
  if (!numeric)
    for (guint i = 0; i < v->n_values; i++)
      x[i] = i;
  double lo = 0, hi = 0;
  GString *data = vary_data(v, x, &lo, &hi);
  int bottom = key_px(v->n_protocols), height = 420 + TITLE_PX + bottom;
  plot_script *s = plot_script_begin(out_dir, "vary", "latency and availability against the varied parameter",
                                     1240, height);
  open_panels(s, 1, 2, height, v->n_protocols, title);
  plot_script_line(s, "set grid xtics ytics lc rgb '#dddddd'");
  vary_xaxis(s, v, numeric, x);
  vary_panels(s, v, plot_wants_log(lo, hi), avail_floor(v));
  plot_script_line(s, "unset multiplot");
  bool ok = plot_write_file(out_dir, "vary.dat", data, written, err);
  if (ok)
    ok = plot_script_finish(s, written, err);
  else
    plot_script_discard(s);
  g_string_free(data, TRUE);
  g_free(x);
  return ok;
}
