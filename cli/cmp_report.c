/* A comparison's report: the side-by-side table of medians over seeds, the failed runs, and the
 * CDF and varied-parameter plots. */
#include "compare.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMP_LABEL_W 24
#define CMP_COL_MIN 15

/* A metric of an operation row, in the unit the table shows; false when the run lacks it. */
typedef bool (*cmp_metric_fn)(const cmp_op_row *row, double *out);

static bool m_p50(const cmp_op_row *r, double *o) { *o = r->p50 * 1e3; return r->has_latency; }
static bool m_p99(const cmp_op_row *r, double *o) { *o = r->p99 * 1e3; return r->has_latency; }
static bool m_mean(const cmp_op_row *r, double *o) { *o = r->mean * 1e3; return r->has_latency; }
static bool m_tput(const cmp_op_row *r, double *o) { *o = r->throughput; return true; }
static bool m_failed(const cmp_op_row *r, double *o) { *o = (double)r->failed; return true; }
static bool m_info(const cmp_op_row *r, double *o) { *o = (double)r->info; return true; }

/* The rows shown per operation type; failures and timeouts only for "all" (results.csv has
 * them per type). */
static const struct {
  const char *label;
  cmp_metric_fn fn;
  const char *fmt;
  bool all_only;
} op_metrics[] = {
    {"p50 ms", m_p50, "%.3f", false},   {"p99 ms", m_p99, "%.3f", false},
    {"mean ms", m_mean, "%.3f", false}, {"ok ops/s", m_tput, "%.1f", false},
    {"failed", m_failed, "%.0f", true}, {"timed out", m_info, "%.0f", true},
};

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The median of `v` (the mean of the middle two for an even count); NAN when empty. */
static double median(GArray *v)
{
  if (v->len == 0)
    return NAN;
  g_array_sort(v, cmp_double);
  guint n = v->len;
  double *d = (double *)v->data;
  return n % 2 ? d[n / 2] : (d[n / 2 - 1] + d[n / 2]) / 2;
}

static const cmp_op_row *row_of(const cmp_run *r, const char *op)
{
  for (guint i = 0; r->has_summary && i < r->rows->len; i++)
    if (strcmp(((cmp_op_row *)r->rows->pdata[i])->op, op) == 0)
      return r->rows->pdata[i];
  return NULL;
}

/* The median over a column's measured runs of one metric of one operation type. */
static double column_median(const cmp_plan *plan, guint column, const char *op, cmp_metric_fn fn)
{
  GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
  for (guint i = 0; i < plan->runs->len; i++) {
    const cmp_run *r = plan->runs->pdata[i];
    const cmp_op_row *row = r->column == column ? row_of(r, op) : NULL;
    double x;
    if (row && fn(row, &x))
      g_array_append_val(v, x);
  }
  double m = median(v);
  g_array_free(v, TRUE);
  return m;
}

/* Every operation type any measured run has, "all" first, in first-seen order. */
static GPtrArray *table_ops(const cmp_plan *plan)
{
  GPtrArray *ops = g_ptr_array_new();
  for (guint i = 0; i < plan->runs->len; i++) {
    const cmp_run *r = plan->runs->pdata[i];
    for (guint j = 0; r->has_summary && j < r->rows->len; j++) {
      const char *op = ((cmp_op_row *)r->rows->pdata[j])->op;
      bool seen = false;
      for (guint k = 0; k < ops->len && !seen; k++)
        seen = strcmp(ops->pdata[k], op) == 0;
      if (!seen)
        g_ptr_array_add(ops, (gpointer)op);
    }
  }
  return ops;
}

/* --- the table ----------------------------------------------------------------------------- */

typedef struct cmp_table {
  const cmp_plan *plan;
  guint value;          /* which varied value this table shows */
  int width;            /* of each protocol column */
} cmp_table;

static guint table_column(const cmp_table *t, guint protocol)
{
  return protocol * t->plan->n_values + t->value;
}

static void print_cells(const cmp_table *t, const char *label, char **cells)
{
  printf("%-*s", CMP_LABEL_W, label);
  for (guint p = 0; p < t->plan->n_protocols; p++)
    printf("%*s", t->width, cells[p]);
  putchar('\n');
}

/* One metric row: the median in each protocol's column, "-" where no run measured it. */
static void print_metric(const cmp_table *t, const char *label, const char *op, cmp_metric_fn fn,
                         const char *fmt)
{
  char **cells = g_new0(char *, t->plan->n_protocols + 1);
  for (guint p = 0; p < t->plan->n_protocols; p++) {
    double m = column_median(t->plan, table_column(t, p), op, fn);
    cells[p] = isnan(m) ? g_strdup("-") : g_strdup_printf(fmt, m);
  }
  print_cells(t, label, cells);
  g_strfreev(cells);
}

/* Run-level figures of one column, over its measured runs. */
typedef struct cmp_col_stats {
  guint runs, measured, expect_failed, linearizable, unknown;
  GArray *availability, *stale;
} cmp_col_stats;

/* Gathers a column's per-run figures; the caller frees the two arrays. */
static void col_stats(const cmp_plan *plan, guint column, cmp_col_stats *c)
{
  memset(c, 0, sizeof *c);
  c->availability = g_array_new(FALSE, FALSE, sizeof(double));
  c->stale = g_array_new(FALSE, FALSE, sizeof(double));
  for (guint i = 0; i < plan->runs->len; i++) {
    const cmp_run *r = plan->runs->pdata[i];
    if (r->column != column)
      continue;
    c->runs++;
    if (!r->has_summary)
      continue;
    c->measured++;
    c->expect_failed += r->status == CMP_EXPECT_FAILED;
    c->linearizable += g_strcmp0(r->linearizable, "true") == 0;
    c->unknown += g_strcmp0(r->linearizable, "unknown") == 0;
    double pct = r->availability * 100, stale = (double)r->stale_reads;
    if (r->has_availability)
      g_array_append_val(c->availability, pct);
    if (r->has_stale_reads)
      g_array_append_val(c->stale, stale);
  }
}

static char *median_cell(GArray *v, const char *fmt)
{
  double m = median(v);
  return isnan(m) ? g_strdup("-") : g_strdup_printf(fmt, m);
}

/* The rows about whole runs: availability, stale reads, linearizability, and how many runs
 * measured something. */
static void print_run_rows(const cmp_table *t)
{
  guint n = t->plan->n_protocols;
  char **cells[5];
  for (int k = 0; k < 5; k++)
    cells[k] = g_new0(char *, n + 1);
  bool any_expect_failed = false;
  for (guint p = 0; p < n; p++) {
    cmp_col_stats c;
    col_stats(t->plan, table_column(t, p), &c);
    cells[0][p] = median_cell(c.availability, "%.2f");
    cells[1][p] = median_cell(c.stale, "%.0f");
    cells[2][p] = c.unknown ? g_strdup_printf("%u/%u (%u ?)", c.linearizable, c.measured, c.unknown)
                            : g_strdup_printf("%u/%u", c.linearizable, c.measured);
    cells[3][p] = g_strdup_printf("%u/%u", c.measured, c.runs);
    cells[4][p] = g_strdup_printf("%u", c.expect_failed);
    any_expect_failed |= c.expect_failed > 0;
    g_array_free(c.availability, TRUE);
    g_array_free(c.stale, TRUE);
  }
  print_cells(t, "availability %", cells[0]);
  print_cells(t, "stale reads", cells[1]);
  print_cells(t, "linearizable runs", cells[2]);
  print_cells(t, "runs measured", cells[3]);
  if (any_expect_failed)
    print_cells(t, "  expectation failed", cells[4]);
  for (int k = 0; k < 5; k++)
    g_strfreev(cells[k]);
}

static void print_heading(const cmp_table *t)
{
  const cmp_plan *plan = t->plan;
  if (plan->vary_key)
    printf("\n%s = %s\n", plan->vary_key, plan->values[t->value]);
  else
    putchar('\n');
  printf("%-*s", CMP_LABEL_W, "median over seeds");
  for (guint p = 0; p < plan->n_protocols; p++)
    printf("%*s", t->width, plan->protocols[p]);
  putchar('\n');
}

/* The operation rows (medians over seeds), then the rows about whole runs. */
static void print_one_table(const cmp_plan *plan, guint value, GPtrArray *ops)
{
  cmp_table t = {plan, value, CMP_COL_MIN};
  for (guint p = 0; p < plan->n_protocols; p++)
    t.width = MAX(t.width, (int)strlen(plan->protocols[p]) + 2);
  print_heading(&t);
  for (guint i = 0; i < ops->len; i++) {
    const char *op = ops->pdata[i];
    for (guint k = 0; k < G_N_ELEMENTS(op_metrics); k++) {
      if (op_metrics[k].all_only && strcmp(op, "all") != 0)
        continue;
      char *label = g_strdup_printf("%-8s %s", k == 0 ? op : "", op_metrics[k].label);
      print_metric(&t, label, op, op_metrics[k].fn, op_metrics[k].fmt);
      g_free(label);
    }
  }
  print_run_rows(&t);
}

/* The runs that measured nothing, each with its status and the last line of its log. */
static void print_failed_runs(const cmp_plan *plan)
{
  bool header = false;
  for (guint i = 0; i < plan->runs->len; i++) {
    const cmp_run *r = plan->runs->pdata[i];
    if (r->has_summary)
      continue;
    if (!header)
      printf("\nFailed runs (left out of the medians; their rows in results.csv say why):\n");
    header = true;
    char *status = cmp_status_name(r), *text = NULL;
    printf("  %-28s %s, log: %s\n", r->name, status, r->log);
    if (g_file_get_contents(r->log, &text, NULL, NULL)) {
      gchar **lines = g_strsplit(g_strstrip(text), "\n", -1);
      guint n = g_strv_length(lines);
      if (n)
        printf("  %-28s %s\n", "", lines[n - 1]);
      g_strfreev(lines);
    }
    if (r->partial)
      printf("  %-28s what it wrote before dying: %s\n", "", r->partial);
    g_free(text);
    g_free(status);
  }
}

/* One table per varied value (a column per protocol keeps it within a terminal's width), then
 * the runs that failed. */
/* The runs whose expectations failed: measured, so in the medians, but worth a look. */
static void print_expect_failed(const cmp_plan *plan)
{
  GString *names = g_string_new(NULL);
  for (guint i = 0; i < plan->runs->len; i++) {
    const cmp_run *r = plan->runs->pdata[i];
    if (r->status == CMP_EXPECT_FAILED)
      g_string_append_printf(names, "%s%s", names->len ? ", " : "", r->name);
  }
  if (names->len)
    printf("\nAn expectation failed in (still measured; each run.log says which): %s\n", names->str);
  g_string_free(names, TRUE);
}

void cmp_print_table(const cmp_plan *plan)
{
  char *head = g_strdup_printf("== replsim compare: %s, %u seed%s, %u run%s ", plan->scenario_name,
                               plan->seeds->len, plan->seeds->len == 1 ? "" : "s", plan->runs->len,
                               plan->runs->len == 1 ? "" : "s");
  printf("%s", head);
  for (size_t i = strlen(head); i < 80; i++)
    putchar('=');
  putchar('\n');
  g_free(head);
  GPtrArray *ops = table_ops(plan);
  for (guint v = 0; v < plan->n_values; v++)
    print_one_table(plan, v, ops);
  g_ptr_array_free(ops, TRUE);
  print_expect_failed(plan);
  print_failed_runs(plan);
}

/* --- plots --------------------------------------------------------------------------------- */

/* One CDF line per column, pooling the latencies of its seeds. */
static GPtrArray *cdf_lines(const cmp_plan *plan)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func((GDestroyNotify)plot_cdf_line_free);
  guint columns = plan->n_protocols * plan->n_values;
  for (guint c = 0; c < columns; c++) {
    char *name = cmp_column_name(plan, c);
    plot_cdf_line *line = plot_cdf_line_new(name);
    line->color = c / plan->n_values; /* a colour per protocol, a dash pattern per value */
    line->dash = c % plan->n_values;
    g_free(name);
    for (guint i = 0; i < plan->runs->len; i++) {
      const cmp_run *r = plan->runs->pdata[i];
      if (r->column != c || !r->latencies)
        continue;
      g_array_append_vals(line->all, r->latencies->all->data, r->latencies->all->len);
      for (guint j = 0; j < r->latencies->per_op->len; j++) {
        const plot_cdf_op *o = r->latencies->per_op->pdata[j];
        plot_cdf_line_add(line, o->op, (const double *)o->lat->data, o->lat->len);
      }
    }
    g_ptr_array_add(lines, line);
  }
  return lines;
}

/* Medians per column of the "all" row's p50 and p99 and of availability, for the vary plot. */
static bool draw_vary(const cmp_plan *plan, const char *dir, GPtrArray *written, char **err)
{
  guint columns = plan->n_protocols * plan->n_values;
  double *p50 = g_new0(double, columns), *p99 = g_new0(double, columns), *avail = g_new0(double, columns);
  for (guint c = 0; c < columns; c++) {
    p50[c] = column_median(plan, c, "all", m_p50) / 1e3;
    p99[c] = column_median(plan, c, "all", m_p99) / 1e3;
    cmp_col_stats s;
    col_stats(plan, c, &s);
    avail[c] = median(s.availability) / 100;
    g_array_free(s.availability, TRUE);
    g_array_free(s.stale, TRUE);
  }
  plot_vary v = {plan->vary_key, (const char *const *)plan->values, plan->n_values,
                 (const char *const *)plan->protocols, plan->n_protocols, p50, p99, avail};
  char *title = g_strdup_printf("%s against %s (medians over %u seed%s)", plan->scenario_name,
                                plan->vary_key, plan->seeds->len, plan->seeds->len == 1 ? "" : "s");
  bool ok = plot_vary_draw(&v, title, dir, written, err);
  g_free(title);
  g_free(p50);
  g_free(p99);
  g_free(avail);
  return ok;
}

/* OUT/plots/cdf.* always, OUT/plots/vary.* with --vary. */
bool cmp_draw_plots(const cmp_plan *plan, GPtrArray *written, char **err)
{
  char *dir = g_build_filename(plan->out, "plots", NULL);
  g_mkdir_with_parents(dir, 0755);
  GPtrArray *lines = cdf_lines(plan);
  char *title = g_strdup_printf("Latency CDF: %s (%u seed%s pooled)", plan->scenario_name,
                                plan->seeds->len, plan->seeds->len == 1 ? "" : "s");
  bool ok = plot_cdf(lines, title, dir, written, err);
  if (ok && plan->vary_key)
    ok = draw_vary(plan, dir, written, err);
  g_free(title);
  g_ptr_array_free(lines, TRUE);
  g_free(dir);
  return ok;
}
