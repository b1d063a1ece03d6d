/* Latency of every client operation against simulated time, with fault windows shaded. */
#include "plot/plot_internal.h"
#include "analysis/stats.h"

#include <math.h>
#include <string.h>

#define LAT_WIDTH 1200
#define LAT_HEIGHT 650
/* Pixels between the picture's edges and the plot area's, with the legend on the right. */
#define LAT_MARGINS 290
#define LAT_CHAR_PX 7.0

static const char *const outcome_titles[] = {"", " (failed)", " (timed out)"};
static const int outcome_points[] = {7, 2, 6};    /* filled circle, cross, open circle */
static const double outcome_sizes[] = {0.45, 0.9, 0.8};

/* One legend entry: an operation type and an outcome (ok, fail, info). */
typedef struct lat_series {
  guint op_index, outcome;
  GString *data;
  guint n;
} lat_series;

/* 0 for ok, 1 for fail, 2 for info; -1 for operations still pending, which have no latency. */
static int outcome_slot(hist_outcome o)
{
  return o == HIST_OK ? 0 : o == HIST_FAIL ? 1 : o == HIST_INFO ? 2 : -1;
}

/* Operation types in the order stats reports them (write, read, delete, put, get, ...). */
static GPtrArray *op_order(const history *h)
{
  stats *st = stats_compute(h);
  GPtrArray *ops = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < st->per_op->len; i++)
    g_ptr_array_add(ops, g_strdup(((op_stats *)st->per_op->pdata[i])->op));
  stats_free(st);
  return ops;
}

/* An operation type's colour: fixed for the usual ones, so reads look the same in every run. */
static const char *op_color(const char *op, guint index)
{
  static const char *const known[][2] = {{"write", "#0072B2"}, {"read", "#E69F00"}, {"delete", "#CC79A7"},
                                         {"put", "#0072B2"},   {"get", "#E69F00"},  {"append", "#009E73"},
                                         {"cas", "#882255"}};
  for (guint i = 0; i < G_N_ELEMENTS(known); i++)
    if (strcmp(known[i][0], op) == 0)
      return known[i][1];
  return plot_color(index);
}

static guint index_of(GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (strcmp(names->pdata[i], name) == 0)
      return i;
  return 0;
}

/* The range the plot shows: the latencies, and the time span of operations and faults. */
typedef struct lat_range {
  double t_max, y_min, y_max;
} lat_range;

/* Sorts every completed operation into its series, as "t_invoke latency_ms" lines. */
static GPtrArray *lat_collect(const history *h, GPtrArray *ops, lat_range *r)
{
  lat_series **grid = g_new0(lat_series *, ops->len * 3);
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    int slot = outcome_slot(o->outcome);
    if (slot < 0)
      continue;
    guint k = index_of(ops, o->op) * 3 + (guint)slot;
    if (!grid[k]) {
      grid[k] = g_new0(lat_series, 1);
      grid[k]->op_index = k / 3;
      grid[k]->outcome = (guint)slot;
      grid[k]->data = g_string_new(NULL);
    }
    double ms = (o->t_complete - o->t_invoke) * 1e3;
    plot_num(grid[k]->data, o->t_invoke);
    g_string_append_c(grid[k]->data, ' ');
    plot_num(grid[k]->data, ms);
    g_string_append_c(grid[k]->data, '\n');
    grid[k]->n++;
    r->t_max = MAX(r->t_max, o->t_complete);
    if (ms > 0 && (r->y_min <= 0 || ms < r->y_min))
      r->y_min = ms;
    r->y_max = MAX(r->y_max, ms);
  }
  GPtrArray *series = g_ptr_array_new();
  for (guint k = 0; k < ops->len * 3; k++)
    if (grid[k])
      g_ptr_array_add(series, grid[k]);
  g_free(grid);
  return series;
}

static void series_free(lat_series *s)
{
  g_string_free(s->data, TRUE);
  g_free(s);
}

/* The data file: one block per series, separated by two blank lines (gnuplot's `index`). */
static GString *lat_data(GPtrArray *series, GPtrArray *ops)
{
  GString *d = g_string_new("# Latency of every completed operation: t_invoke (s), latency (ms).\n");
  for (guint i = 0; i < series->len; i++) {
    lat_series *s = series->pdata[i];
    g_string_append_printf(d, "%s# index %u: %s%s, %u operations\n", i ? "\n\n" : "", i,
                           (const char *)ops->pdata[s->op_index], outcome_titles[s->outcome], s->n);
    g_string_append(d, s->data->str);
  }
  return d;
}

/* Shades each fault window (an event: a dashed line) and labels it at the top, in the first row
 * where the label runs into no other; labels that find no row are counted in a note. */
static void lat_faults(plot_script *s, const trace_facts *m, double t_max)
{
  double char_w = t_max / (LAT_WIDTH - LAT_MARGINS) * LAT_CHAR_PX;
  plot_rows rows = {0};
  for (guint i = 0; i < m->faults->len; i++) {
    const fact_fault *f = m->faults->pdata[i];
    const char *color = trace_fault_color(f->kind);
    if (f->event)
      plot_script_line(s, "set arrow from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 lw 1.5 lc rgb \"%s\" back",
                       f->start, f->start, color);
    else
      plot_script_line(s, "set object rect from %.9g, graph 0 to %.9g, graph 1 fc rgb \"%s\" "
                       "fs transparent solid 0.13 noborder behind", f->start, f->end, color);
    double x;
    bool right;
    int row = plot_rows_place(&rows, f->start, char_w * ((double)strlen(f->label) + 2), t_max, &x, &right);
    if (row < 0)
      continue;
    char *label = plot_quote(f->label);
    plot_script_line(s, "set label %s at %.9g, graph %.3f %s front offset %s,0 tc rgb \"%s\"", label, x,
                     0.965 - 0.045 * row, right ? "right" : "left", right ? "-0.4" : "0.4", color);
    g_free(label);
  }
  if (rows.hidden)
    plot_script_line(s, "set label '%u more fault label%s not shown (no room): replsim check DIR lists "
                     "every fault' at graph 0.01, graph 0.03 left front tc rgb '#555555'",
                     rows.hidden, rows.hidden == 1 ? "" : "s");
}

/* The script: axes, shading, then one `plot` clause per series. */
static plot_script *lat_script(const char *out_dir, const trace_facts *m, GPtrArray *series,
                               GPtrArray *ops, const lat_range *r)
{
  plot_script *s = plot_script_begin(out_dir, "latency", "latency of every operation over simulated time",
                                     LAT_WIDTH, LAT_HEIGHT);
  char *title = plot_title(m, "Latency of every operation");
  char *qtitle = plot_quote(title);
  plot_script_line(s, "set title %s", qtitle);
  plot_script_line(s, "set xlabel 'simulated time (s)'");
  plot_script_line(s, "set ylabel 'latency (ms)'");
  plot_script_line(s, "set xrange [0:%.9g]", r->t_max > 0 ? r->t_max * 1.01 : 1.0);
  if (plot_wants_log(r->y_min, r->y_max))
    plot_script_line(s, "set logscale y");
  plot_script_line(s, "set offsets 0, 0, graph 0.18, graph 0.05");
  plot_script_line(s, "set grid xtics ytics lc rgb '#dddddd'");
  plot_script_line(s, "set key outside right top vertical Left reverse samplen 1 spacing 1.2");
  lat_faults(s, m, r->t_max > 0 ? r->t_max * 1.01 : 1.0);
  GString *plot = g_string_new("plot");
  for (guint i = 0; i < series->len; i++) {
    lat_series *se = series->pdata[i];
    g_string_append_printf(plot, "%s 'latency.dat' index %u using 1:2 with points pt %d ps %.2f "
                           "lc rgb '%s' title '%s%s'", i ? ", \\\n    " : " ", i,
                           outcome_points[se->outcome], outcome_sizes[se->outcome],
                           op_color(ops->pdata[se->op_index], se->op_index), (const char *)ops->pdata[se->op_index],
                           outcome_titles[se->outcome]);
  }
  if (series->len == 0) { /* gnuplot cannot autoscale nothing: fix the range and say why */
    plot_script_line(s, "set yrange [0:1]");
    plot_script_line(s, "set label 'no operation completed in this trace' at graph 0.5, graph 0.5 center");
    g_string_append(plot, " NaN notitle");
  }
  plot_script_line(s, "%s", plot->str);
  g_string_free(plot, TRUE);
  g_free(qtitle);
  g_free(title);
  return s;
}

/* One data block per (operation type, outcome), faults shaded. */
bool plot_latency_time(const plot_data *d, const char *out_dir, GPtrArray *written, char **err)
{
  GPtrArray *ops = op_order(d->h);
  lat_range r = {0, 0, 0};
  GPtrArray *series = lat_collect(d->h, ops, &r);
  for (guint i = 0; i < d->f->faults->len; i++) {
    const fact_fault *f = d->f->faults->pdata[i];
    r.t_max = MAX(r.t_max, MAX(f->start, f->end));
  }
  GString *data = lat_data(series, ops);
  bool ok = plot_write_file(out_dir, "latency.dat", data, written, err) &&
            plot_script_finish(lat_script(out_dir, d->f, series, ops, &r), written, err);
  g_string_free(data, TRUE);
  g_ptr_array_foreach(series, (GFunc)(void (*)(void))series_free, NULL);
  g_ptr_array_free(series, TRUE);
  g_ptr_array_free(ops, TRUE);
  return ok;
}
