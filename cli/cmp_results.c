/* What a comparison's runs measured: each run's summary.json and trace read back, and
 * results.csv written from them. */
#include "analysis/stats.h"
#include "compare.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *cmp_status_name(const cmp_run *r)
{
  switch (r->status) {
  case CMP_OK:
    return g_strdup("ok");
  case CMP_EXPECT_FAILED:
    return g_strdup("expectation-failed");
  case CMP_BAD_INPUT:
    return g_strdup("bad-input");
  case CMP_CRASHED:
    return g_strdup_printf("crashed-signal-%d", r->code);
  case CMP_NO_SUMMARY:
    return g_strdup("no-summary");
  case CMP_NOT_RUN:
    return g_strdup("not-run");
  case CMP_EXIT_OTHER:
    return r->code < 0 ? g_strdup("not-started") : g_strdup_printf("exit-%d", r->code);
  case CMP_PENDING:
    break;
  }
  return g_strdup("not-run");
}

char *cmp_column_name(const cmp_plan *plan, guint column)
{
  const char *protocol = plan->protocols[column / plan->n_values];
  if (!plan->vary_key)
    return g_strdup(protocol);
  return g_strdup_printf("%s %s=%s", protocol, plan->vary_key, plan->values[column % plan->n_values]);
}

/* --- summary.json -------------------------------------------------------------------------- */

/* A number member (integer or float); false when absent or of another type. */
static bool j_num(JsonObject *o, const char *name, double *out)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return false;
  GType t = json_node_get_value_type(n);
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return false;
  *out = json_node_get_double(n);
  return true;
}

static uint64_t j_u64(JsonObject *o, const char *name)
{
  double v = 0;
  return j_num(o, name, &v) && v > 0 ? (uint64_t)v : 0;
}

static JsonObject *j_obj(JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member(o, name) : NULL;
  return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static void row_free(gpointer p)
{
  cmp_op_row *r = p;
  g_free(r->op);
  g_free(r);
}

/* One operation type's row from "outcomes" and "latency"; throughput is its share of the run's. */
static cmp_op_row *op_row(JsonObject *top, const char *op, double throughput, uint64_t ok_total)
{
  JsonObject *out = j_obj(j_obj(top, "outcomes"), op), *lat = j_obj(j_obj(top, "latency"), op);
  cmp_op_row *r = g_new0(cmp_op_row, 1);
  r->op = g_strdup(op);
  r->count = j_u64(out, "count");
  r->ok = j_u64(out, "ok");
  r->failed = j_u64(out, "fail");
  r->info = j_u64(out, "info");
  r->throughput = ok_total ? throughput * (double)r->ok / (double)ok_total : 0;
  r->has_latency = lat && r->ok > 0 && j_num(lat, "p50", &r->p50) && j_num(lat, "p90", &r->p90) &&
                   j_num(lat, "p99", &r->p99) && j_num(lat, "mean", &r->mean) &&
                   j_num(lat, "max", &r->max);
  return r;
}

/* The linearizability verdict as text: a boolean, or the string "unknown". */
static char *j_verdict(JsonObject *top)
{
  JsonNode *n = json_object_get_member(top, "linearizable");
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return NULL;
  if (json_node_get_value_type(n) == G_TYPE_BOOLEAN)
    return g_strdup(json_node_get_boolean(n) ? "true" : "false");
  if (json_node_get_value_type(n) == G_TYPE_STRING)
    return g_strdup(json_node_get_string(n));
  return NULL;
}

/* Fills a run's figures from its summary.json; false if there is none or it is not an object. */
static bool read_summary(cmp_run *r)
{
  char *path = g_build_filename(r->dir, "summary.json", NULL);
  JsonParser *p = json_parser_new();
  bool ok = json_parser_load_from_file(p, path, NULL) && JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p));
  if (ok) {
    JsonObject *top = json_node_get_object(json_parser_get_root(p));
    double throughput = 0, stale = 0;
    j_num(top, "throughput", &throughput);
    uint64_t ok_total = j_u64(top, "ok");
    cmp_op_row *all = g_new0(cmp_op_row, 1);
    *all = (cmp_op_row){g_strdup("all"), j_u64(top, "ops"), ok_total, j_u64(top, "fail"),
                        j_u64(top, "info"), false, 0, 0, 0, 0, 0, throughput};
    r->rows = g_ptr_array_new_with_free_func(row_free);
    g_ptr_array_add(r->rows, all);
    JsonObject *outcomes = j_obj(top, "outcomes");
    GList *ops = outcomes ? json_object_get_members(outcomes) : NULL;
    for (GList *l = ops; l; l = l->next)
      g_ptr_array_add(r->rows, op_row(top, l->data, throughput, ok_total));
    g_list_free(ops);
    r->has_availability = j_num(top, "availability", &r->availability);
    r->has_stale_reads = j_num(top, "stale_reads", &stale);
    r->stale_reads = (uint64_t)stale;
    r->linearizable = j_verdict(top);
  }
  g_object_unref(p);
  g_free(path);
  return ok;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The "all" row's latencies, from every ok operation in the trace (summary.json has them only
 * per operation type). */
static void read_trace(cmp_run *r)
{
  char *trace = g_build_filename(r->dir, "trace.jsonl", NULL);
  char *err = NULL;
  r->latencies = plot_cdf_line_new(r->name);
  if (!plot_cdf_line_add_trace(r->latencies, trace, &err)) {
    fprintf(stderr, "replsim compare: %s\n", err);
    g_free(err);
    plot_cdf_line_free(r->latencies);
    r->latencies = NULL;
  } else if (r->latencies->all->len) {
    cmp_op_row *all = r->rows->pdata[0];
    guint n = r->latencies->all->len;
    double *v = g_memdup2(r->latencies->all->data, sizeof(double) * n), sum = 0;
    qsort(v, n, sizeof(double), cmp_double);
    for (guint i = 0; i < n; i++)
      sum += v[i];
    all->has_latency = true;
    all->p50 = stats_percentile(v, n, 50);
    all->p90 = stats_percentile(v, n, 90);
    all->p99 = stats_percentile(v, n, 99);
    all->mean = sum / n;
    all->max = v[n - 1];
    g_free(v);
  }
  g_free(trace);
}

/* Only runs that exited 0 or 1 have anything to read; one whose summary cannot be read is
 * reported as no-summary rather than measured. */
void cmp_read_results(cmp_plan *plan)
{
  for (guint i = 0; i < plan->runs->len; i++) {
    cmp_run *r = plan->runs->pdata[i];
    if (r->status != CMP_OK && r->status != CMP_EXPECT_FAILED)
      continue;
    r->has_summary = read_summary(r);
    if (r->has_summary)
      read_trace(r);
    else
      r->status = CMP_NO_SUMMARY;
  }
}

/* --- results.csv --------------------------------------------------------------------------- */

/* A CSV field, quoted when it holds a comma, a quote or a line break. */
static void csv_field(GString *out, const char *s, bool last)
{
  if (s && strpbrk(s, ",\"\r\n")) {
    g_string_append_c(out, '"');
    for (const char *p = s; *p; p++) {
      if (*p == '"')
        g_string_append_c(out, '"');
      g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
  } else if (s) {
    g_string_append(out, s);
  }
  g_string_append_c(out, last ? '\n' : ',');
}

static void csv_num(GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.9g", v));
  g_string_append_c(out, ',');
}

/* protocol[,value],seed: the start of every row of a run. */
static void csv_run_start(GString *out, const cmp_plan *plan, const cmp_run *r)
{
  csv_field(out, r->protocol, false);
  if (plan->vary_key)
    csv_field(out, r->value, false);
  g_string_append_printf(out, "%" G_GUINT64_FORMAT ",", r->seed);
}

/* One row: the run's identity, the operation's figures (latencies in ms, empty when nothing of
 * that type ended ok), then the run-wide consistency figures and the status. */
static void csv_row(GString *out, const cmp_plan *plan, const cmp_run *r, const cmp_op_row *row)
{
  csv_run_start(out, plan, r);
  csv_field(out, row->op, false);
  g_string_append_printf(out, "%" G_GUINT64_FORMAT ",", row->count);
  double lat[5] = {row->p50, row->p90, row->p99, row->mean, row->max};
  for (int i = 0; i < 5; i++)
    if (row->has_latency)
      csv_num(out, lat[i] * 1e3);
    else
      g_string_append_c(out, ',');
  csv_num(out, row->throughput);
  g_string_append_printf(out, "%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT ",", row->failed, row->info);
  if (r->has_stale_reads)
    g_string_append_printf(out, "%" G_GUINT64_FORMAT, r->stale_reads);
  g_string_append_c(out, ',');
  csv_field(out, r->linearizable, false);
  char *status = cmp_status_name(r);
  csv_field(out, status, true);
  g_free(status);
}

/* Every run appears: measured runs with a row per operation type ("all" first), failed runs with
 * one row whose figures are empty and whose status says what happened. */
bool cmp_write_csv(const cmp_plan *plan, char **err)
{
  GString *out = g_string_new("protocol,");
  if (plan->vary_key) {
    csv_field(out, plan->vary_key, false);
  }
  g_string_append(out, "seed,op,count,p50,p90,p99,mean,max,throughput,failed,info,stale_reads,"
                       "linearizable,status\n");
  for (guint i = 0; i < plan->runs->len; i++) {
    const cmp_run *r = plan->runs->pdata[i];
    if (r->has_summary) {
      for (guint j = 0; j < r->rows->len; j++)
        csv_row(out, plan, r, r->rows->pdata[j]);
    } else { /* a failed run: a row that says so, its figures empty */
      csv_run_start(out, plan, r);
      g_string_append(out, ",,,,,,,,,,,,");
      char *status = cmp_status_name(r);
      csv_field(out, status, true);
      g_free(status);
    }
  }
  char *path = g_build_filename(plan->out, "results.csv", NULL);
  GError *e = NULL;
  bool ok = g_file_set_contents(path, out->str, (gssize)out->len, &e);
  if (!ok) {
    *err = g_strdup(e->message);
    g_error_free(e);
  }
  g_free(path);
  g_string_free(out, TRUE);
  return ok;
}
