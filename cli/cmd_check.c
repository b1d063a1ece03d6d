/* `replsim check`: re-checks a recorded run (linearizability, lost writes, stale reads, faults). */
#include "analysis/anomalies.h"
#include "analysis/linearize.h"
#include "analysis/stats.h"
#include "trace/trace_reader.h"
#include "commands.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define CHECK_LISTED 20 /* lost writes and stale reads listed in the text report, each */

typedef struct check_options {
  double check_timeout;
  gboolean json;
  char **args;
} check_options;

/* Everything one check produced, for the text or JSON report. */
typedef struct check_run {
  const char *path;
  anom_facts *facts;
  history *history;
  stats *stats;
  lin_result *lin;
  anomalies *anom;
} check_run;

static bool parse_options(int argc, char **argv, check_options *o)
{
  o->check_timeout = 30;
  GOptionEntry entries[] = {
      {"check-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->check_timeout,
       "Seconds the linearizability check may take before it answers unknown (default 30)", "S"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print the verdicts as one JSON object", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_set_prgname("replsim check");
  GOptionContext *ctx = g_option_context_new("DIR|TRACE.jsonl");
  g_option_context_set_summary(
      ctx, "Checks a recorded run: linearizability, lost writes, stale reads, divergence,\n"
           "availability per fault window and failover time. DIR means DIR/trace.jsonl.\n"
           "Exit status: 0 linearizable with no lost write, 1 a violation (not linearizable,\n"
           "or a lost write; explained), 2 bad input, 3 unknown (the time or memory bound ran out).\n"
           "Stale reads are counted and listed but do not change the status by themselves.");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *error = NULL;
  bool ok = g_option_context_parse(ctx, &argc, &argv, &error);
  if (!ok) {
    fprintf(stderr, "replsim check: %s\n", error->message);
    g_error_free(error);
  } else if (!o->args || !o->args[0] || o->args[1]) {
    fprintf(stderr, "replsim check: expected exactly one folder or trace file (see replsim check --help)\n");
    ok = false;
  }
  g_option_context_free(ctx);
  return ok;
}

/* DIR/trace.jsonl for a folder, the path itself otherwise. */
static char *trace_path_of(const char *arg)
{
  if (g_file_test(arg, G_FILE_TEST_IS_DIR))
    return g_build_filename(arg, "trace.jsonl", NULL);
  return g_strdup(arg);
}

/* Reads the trace twice (the operations, then the run's evidence) and checks it. False with a
 * message in `err` for bad input. */
static bool check_load(check_run *c, double timeout, char **err)
{
  if (!g_file_test(c->path, G_FILE_TEST_EXISTS)) {
    *err = g_strdup_printf("%s: No such file or directory", c->path);
    return false;
  }
  c->facts = anom_facts_read(c->path, err);
  if (!c->facts)
    return false;
  if (!c->facts->has_run) {
    *err = g_strdup_printf("%s:1: no \"run\" line, so the app and protocol are unknown", c->path);
    return false;
  }
  c->history = trace_read_history(c->path, err);
  if (!c->history)
    return false;
  lin_options opt = {.deadline = timeout};
  char *why = NULL;
  c->lin = lin_check(c->history, anom_facts_model(c->facts), &opt, &why);
  if (!c->lin) {
    *err = g_strdup_printf("%s: %s", c->path, why);
    g_free(why);
    return false;
  }
  c->stats = stats_compute(c->history);
  c->anom = anomalies_compute(c->history, c->facts);
  return true;
}

static void check_clear(check_run *c)
{
  anomalies_free(c->anom);
  lin_result_free(c->lin);
  stats_free(c->stats);
  history_free(c->history);
  anom_facts_free(c->facts);
}

/* 1 for a violation (not linearizable, or a lost write), else 3 if the checker's time bound ran
 * out, else 0. A stale read alone does not decide: versions are the protocol's own (quorum's
 * come from each coordinator's clock), so a read can be "older" by version yet linearizable. */
static int check_status(const check_run *c)
{
  if (c->lin->verdict == LIN_VIOLATION || c->anom->lost_writes)
    return RS_EXIT_FAILED;
  return c->lin->verdict == LIN_UNKNOWN ? RS_EXIT_UNKNOWN : RS_EXIT_OK;
}

/* ---- The text report ---------------------------------------------------------------------- */

static void print_verdict(const check_run *c, int status, FILE *out)
{
  if (status == RS_EXIT_OK) {
    fprintf(out, "verdict: OK: linearizable, no lost write\n");
    return;
  }
  if (status == RS_EXIT_UNKNOWN) {
    fprintf(out, "verdict: UNKNOWN: the check's time bound of %g s (--check-timeout) or its memory bound "
                 "ran out before the search finished\n",
            c->lin->deadline);
    return;
  }
  fprintf(out, "verdict: VIOLATION:");
  if (c->lin->first_violation)
    fprintf(out, " not linearizable (first at key \"%s\");", c->lin->first_violation->key);
  else if (c->lin->verdict == LIN_UNKNOWN)
    fprintf(out, " linearizability unknown;");
  fprintf(out, " %" G_GUINT64_FORMAT " lost write%s, %" G_GUINT64_FORMAT " stale read%s\n",
          c->anom->lost_writes, c->anom->lost_writes == 1 ? "" : "s", c->anom->stale_reads,
          c->anom->stale_reads == 1 ? "" : "s");
}

static void print_text(const check_run *c, int status, FILE *out)
{
  const anom_facts *f = c->facts;
  const stats *st = c->stats;
  fprintf(out, "== replsim check: %s\n", c->path);
  fprintf(out, "run: %s: protocol %s, app %s, failover %s, seed %" G_GUINT64_FORMAT "\n",
          f->scenario ? f->scenario : "(unnamed)", f->protocol, f->app,
          f->failover ? f->failover : "-", f->seed);
  fprintf(out, "operations: %" G_GUINT64_FORMAT " (ok %" G_GUINT64_FORMAT ", fail %" G_GUINT64_FORMAT
               ", info %" G_GUINT64_FORMAT ", pending %" G_GUINT64_FORMAT ")",
          st->ops, st->ok, st->fail, st->info, st->pending);
  if (st->has_availability)
    fprintf(out, ", availability %.2f%%", st->availability * 100);
  fprintf(out, "\n");
  lin_report_print(c->lin, out);
  anomalies_print(c->anom, CHECK_LISTED, out);
  print_verdict(c, status, out);
}

/* ---- The JSON report ---------------------------------------------------------------------- */

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
  json_builder_set_member_name(b, name);
  if (v)
    json_builder_add_string_value(b, v);
  else
    json_builder_add_null_value(b);
}

static void add_int(JsonBuilder *b, const char *name, int64_t v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_int_value(b, v);
}

static void add_double(JsonBuilder *b, const char *name, double v)
{
  json_builder_set_member_name(b, name);
  json_builder_add_double_value(b, v);
}

static void add_op(JsonBuilder *b, const char *name, const anom_op *o)
{
  json_builder_set_member_name(b, name);
  json_builder_begin_object(b);
  add_int(b, "index", o->index);
  add_str(b, "process", o->process);
  add_str(b, "op", o->op);
  add_str(b, "key", o->key);
  add_str(b, "value", o->value);
  add_str(b, "outcome", hist_outcome_name(o->outcome));
  add_str(b, "status", o->status);
  add_int(b, "version", (int64_t)o->version);
  add_double(b, "t_invoke", o->t_invoke);
  add_double(b, "t_complete", o->t_complete);
  add_int(b, "line_invoke", o->line_invoke);
  add_int(b, "line_complete", o->line_complete);
  json_builder_end_object(b);
}

static void json_linearizability(JsonBuilder *b, const lin_result *r)
{
  json_builder_set_member_name(b, "linearizable");
  if (r->verdict == LIN_UNKNOWN)
    json_builder_add_string_value(b, "unknown");
  else
    json_builder_add_boolean_value(b, r->verdict == LIN_LINEARIZABLE);
  json_builder_set_member_name(b, "violations");
  json_builder_begin_array(b);
  for (size_t k = 0; k < r->n_keys; k++) {
    const lin_key_result *kr = &r->keys[k];
    if (kr->verdict != LIN_VIOLATION)
      continue;
    json_builder_begin_object(b);
    add_str(b, "key", kr->key);
    add_int(b, "op_index", kr->violation->op.index);
    add_str(b, "state", kr->violation->state);
    add_str(b, "returned", kr->violation->returned);
    add_str(b, "allowed", kr->violation->allowed);
    json_builder_set_member_name(b, "lines");
    json_builder_begin_array(b);
    for (size_t j = 0; j < kr->violation->n_lines; j++)
      json_builder_add_int_value(b, kr->violation->lines[j]);
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void json_lost_and_stale(JsonBuilder *b, const anomalies *a)
{
  json_builder_set_member_name(b, "lost_writes");
  if (a->has_lost_writes)
    json_builder_add_int_value(b, (int64_t)a->lost_writes);
  else
    json_builder_add_null_value(b);
  json_builder_set_member_name(b, "lost");
  json_builder_begin_array(b);
  for (guint i = 0; i < a->lost->len; i++) {
    const anom_lost_write *l = &g_array_index(a->lost, anom_lost_write, i);
    json_builder_begin_object(b);
    add_op(b, "op", &l->op);
    add_str(b, "end_state", l->end_state);
    add_int(b, "end_line", l->end_line);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  add_int(b, "stale_reads", (int64_t)a->stale_reads);
  json_builder_set_member_name(b, "stale");
  json_builder_begin_array(b);
  for (guint i = 0; i < a->stale->len; i++) {
    const anom_stale_read *s = &g_array_index(a->stale, anom_stale_read, i);
    json_builder_begin_object(b);
    add_op(b, "read", &s->op);
    add_op(b, "newer", &s->newer);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
}

static void json_faults(JsonBuilder *b, const anomalies *a)
{
  json_builder_set_member_name(b, "fault_windows");
  json_builder_begin_array(b);
  for (guint i = 0; i < a->windows->len; i++) {
    const anom_window *w = &g_array_index(a->windows, anom_window, i);
    json_builder_begin_object(b);
    add_str(b, "fault", w->fault);
    add_str(b, "target", w->target);
    add_double(b, "start", w->start);
    add_double(b, "end", w->end);
    add_int(b, "ops", (int64_t)w->ops);
    add_int(b, "ok", (int64_t)w->ok);
    if (w->has_availability)
      add_double(b, "availability", w->availability);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_set_member_name(b, "failovers");
  json_builder_begin_array(b);
  for (guint i = 0; i < a->failovers->len; i++) {
    const anom_failover *x = &g_array_index(a->failovers, anom_failover, i);
    json_builder_begin_object(b);
    add_str(b, "node", x->node);
    add_double(b, "crash", x->crash);
    add_int(b, "crash_line", x->crash_line);
    if (x->has_time) {
      add_double(b, "time", x->time);
      add_op(b, "first_ack", &x->first_ack);
    }
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  if (a->has_failover_time)
    add_double(b, "failover_time", a->failover_time);
}

static void json_header(JsonBuilder *b, const check_run *c)
{
  const anom_facts *f = c->facts;
  add_str(b, "trace", c->path);
  add_str(b, "scenario", f->scenario);
  add_str(b, "protocol", f->protocol);
  add_str(b, "app", f->app);
  add_str(b, "model", c->lin->app);
  add_int(b, "seed", (int64_t)f->seed);
  add_int(b, "ops", (int64_t)c->stats->ops);
  add_int(b, "ok", (int64_t)c->stats->ok);
  add_int(b, "fail", (int64_t)c->stats->fail);
  add_int(b, "info", (int64_t)c->stats->info);
  add_int(b, "pending", (int64_t)c->stats->pending);
  if (c->stats->has_availability)
    add_double(b, "availability", c->stats->availability);
}

static void print_json(const check_run *c, int status, FILE *out)
{
  static const char *const verdicts[] = {"ok", "violation", "bad input", "unknown"};
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_header(b, c);
  json_linearizability(b, c->lin);
  json_lost_and_stale(b, c->anom);
  if (c->anom->has_diverged) {
    add_int(b, "diverged", (int64_t)c->anom->diverged);
    add_int(b, "replicas", (int64_t)c->anom->replicas);
  }
  json_faults(b, c->anom);
  add_str(b, "verdict", verdicts[status]);
  add_int(b, "exit", status);
  json_builder_end_object(b);
  JsonGenerator *g = json_generator_new();
  JsonNode *root = json_builder_get_root(b);
  json_generator_set_root(g, root);
  json_generator_set_pretty(g, TRUE);
  char *text = json_generator_to_data(g, NULL);
  fprintf(out, "%s\n", text);
  g_free(text);
  json_node_unref(root);
  g_object_unref(g);
  g_object_unref(b);
}

int cmd_check(int argc, char **argv)
{
  check_options o = {0};
  if (!parse_options(argc, argv, &o)) {
    g_strfreev(o.args);
    return RS_EXIT_BAD_INPUT;
  }
  char *path = trace_path_of(o.args[0]);
  check_run c = {.path = path};
  char *err = NULL;
  int status = RS_EXIT_BAD_INPUT;
  if (!check_load(&c, o.check_timeout, &err)) {
    fprintf(stderr, "%s\n", err ? err : "replsim check: cannot read the trace");
  } else {
    status = check_status(&c);
    if (o.json)
      print_json(&c, status, stdout);
    else
      print_text(&c, status, stdout);
  }
  check_clear(&c);
  g_free(err);
  g_free(path);
  g_strfreev(o.args);
  return status;
}
