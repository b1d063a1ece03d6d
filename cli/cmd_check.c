/* `replsim check`: re-checks a recorded run (linearizability, lost writes, stale reads, faults). */
#include "analysis/check_input.h"
#include "analysis/verdict.h"
#include "plot/html_viewer.h"
#include "cli_args.h"
#include "commands.h"

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#define CHECK_LISTED 20     /* lost writes and stale reads listed in the text report, each */
#define CHECK_OTHERS_BUDGET 0.25 /* seconds the other keys get once one key's violation is proven */

typedef struct check_options {
  double check_timeout;
  gboolean json, check_all;
  char *model;
  char *html;
  char **args;
} check_options;

/* Everything one check produced, for the text or JSON report. */
typedef struct check_run {
  const char *path;
  check_input in;
  verdict *v;
} check_run;

static bool parse_options(int argc, char **argv, check_options *o)
{
  char *timeout = NULL;
  GOptionEntry entries[] = {
      {"check-timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
       "Seconds the linearizability check may take before it answers unknown (default 30; 0: no bound)", "S"},
      {"model", 0, 0, G_OPTION_ARG_STRING, &o->model,
       "The sequential model: files, files-quorum, kv, votes, chat (default: the run line's, or "
       "inferred from the operations)", "M"},
      {"check-all", 0, 0, G_OPTION_ARG_NONE, &o->check_all,
       "Check every key fully even once a violation is proven (default: the other keys share "
       "0.25 s, then the answer comes)", NULL},
      {"html", 0, 0, G_OPTION_ARG_FILENAME, &o->html,
       "Also write a self-contained HTML page showing each violation", "FILE"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &o->json, "Print the verdicts as one JSON object", NULL},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &o->args, NULL, NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  g_set_prgname("replsim check");
  GOptionContext *ctx = g_option_context_new("DIR|TRACE.jsonl|HISTORY.jsonl|HISTORY.edn");
  g_option_context_set_summary(
      ctx, "Checks a recorded run, or any history: linearizability, lost writes, stale reads,\n"
           "divergence, availability per fault window and failover time. DIR means\n"
           "DIR/trace.jsonl. Also reads JSONL histories without a run line (the model is\n"
           "inferred from the operations, or named with --model) and Jepsen EDN histories\n"
           "(replsim's history.edn, Jepsen/Maelstrom lin-kv and single-register histories,\n"
           "MIT 6.824 kv histories as Porcupine's test data has them).\n"
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
  } else if (!cli_seconds_option("replsim check", "--check-timeout", timeout, 30, &o->check_timeout)) {
    ok = false;
  }
  g_free(timeout);
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

/* Reads the input (one pass) and reaches the verdict the way `run` does. False with a message
 * in `err` for bad input. */
static bool check_load(check_run *c, const check_options *o, char **err)
{
  if (!check_input_read(c->path, &c->in, err))
    return false;
  verdict_options vo = {.check_timeout = o->check_timeout, .model = o->model,
                        .implied_model = c->in.model, .implied_why = c->in.format,
                        .kv_initial = c->in.kv_initial, .early = !o->check_all,
                        .others_budget = CHECK_OTHERS_BUDGET};
  char *why = NULL;
  c->v = verdict_judge(c->in.history, c->in.facts, &vo, &why);
  if (!c->v) {
    *err = g_strdup_printf("%s: %s", c->path, why);
    g_free(why);
    return false;
  }
  return true;
}

static void check_clear(check_run *c)
{
  verdict_free(c->v);
  check_input_clear(&c->in);
}

static int check_status(const check_run *c)
{
  switch (c->v->kind) {
  case VERDICT_OK:
    return RS_EXIT_OK;
  case VERDICT_VIOLATION:
    return RS_EXIT_FAILED;
  case VERDICT_UNKNOWN:
    return RS_EXIT_UNKNOWN;
  }
  return RS_EXIT_UNKNOWN;
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
            c->v->lin->deadline);
    return;
  }
  fprintf(out, "verdict: VIOLATION:");
  if (c->v->lin->first_violation)
    fprintf(out, " not linearizable (first at key \"%s\");", c->v->lin->first_violation->key);
  else if (c->v->lin->verdict == LIN_UNKNOWN)
    fprintf(out, " linearizability unknown;");
  fprintf(out, " %" G_GUINT64_FORMAT " lost write%s, %" G_GUINT64_FORMAT " stale read%s\n",
          c->v->anom->lost_writes, c->v->anom->lost_writes == 1 ? "" : "s", c->v->anom->stale_reads,
          c->v->anom->stale_reads == 1 ? "" : "s");
}

static void print_text(const check_run *c, int status, FILE *out)
{
  const trace_facts *f = c->in.facts;
  const stats *st = c->v->stats;
  fprintf(out, "== replsim check: %s\n", c->path);
  if (f->has_run)
    fprintf(out, "run: %s: protocol %s, app %s, failover %s, seed %" G_GUINT64_FORMAT "\n",
            f->scenario ? f->scenario : "(unnamed)", f->protocol, f->app,
            f->failover ? f->failover : "-", f->seed);
  else
    fprintf(out, "history: %s, no run line\n", c->in.format);
  fprintf(out, "model: %s (%s)%s\n", c->v->model, c->v->model_source,
          c->in.kv_initial ? ", a key never written reads as \"\"" : "");
  for (guint i = 0; i < c->in.notes->len; i++)
    fprintf(out, "note: %s\n", (const char *)c->in.notes->pdata[i]);
  fprintf(out, "operations: %" G_GUINT64_FORMAT " (ok %" G_GUINT64_FORMAT ", fail %" G_GUINT64_FORMAT
               ", info %" G_GUINT64_FORMAT ", pending %" G_GUINT64_FORMAT ")",
          st->ops, st->ok, st->fail, st->info, st->pending);
  if (st->has_availability)
    fprintf(out, ", availability %.2f%%", st->availability * 100);
  fprintf(out, "\n");
  lin_report_print(c->v->lin, out);
  anomalies_print(c->v->anom, CHECK_LISTED, out);
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

static void add_op(JsonBuilder *b, const char *name, const hist_op *o)
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
  add_int(b, "line_invoke", o->trace_line_invoke);
  add_int(b, "line_complete", o->trace_line_complete);
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
    if (w->event)
      json_builder_set_member_name(b, "event"), json_builder_add_boolean_value(b, TRUE);
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
  const trace_facts *f = c->in.facts;
  add_str(b, "trace", c->path);
  add_str(b, "format", c->in.format);
  add_str(b, "scenario", f->scenario);
  add_str(b, "protocol", f->protocol);
  add_str(b, "app", f->app);
  add_str(b, "model", c->v->model);
  add_str(b, "model_source", c->v->model_source);
  add_int(b, "seed", (int64_t)f->seed);
  add_int(b, "ops", (int64_t)c->v->stats->ops);
  add_int(b, "ok", (int64_t)c->v->stats->ok);
  add_int(b, "fail", (int64_t)c->v->stats->fail);
  add_int(b, "info", (int64_t)c->v->stats->info);
  add_int(b, "pending", (int64_t)c->v->stats->pending);
  if (c->v->stats->has_availability)
    add_double(b, "availability", c->v->stats->availability);
}

static void print_json(const check_run *c, int status, FILE *out)
{
  static const char *const verdicts[] = {"ok", "violation", "bad input", "unknown"};
  JsonBuilder *b = json_builder_new();
  json_builder_begin_object(b);
  json_header(b, c);
  json_linearizability(b, c->v->lin);
  json_lost_and_stale(b, c->v->anom);
  if (c->v->anom->has_diverged) {
    add_int(b, "diverged", (int64_t)c->v->anom->diverged);
    add_int(b, "replicas", (int64_t)c->v->anom->replicas);
  }
  json_faults(b, c->v->anom);
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
    g_free(o.model);
    g_free(o.html);
    return RS_EXIT_BAD_INPUT;
  }
  char *path = trace_path_of(o.args[0]);
  check_run c = {.path = path};
  char *err = NULL;
  int status = RS_EXIT_BAD_INPUT;
  if (!check_load(&c, &o, &err)) {
    fprintf(stderr, "%s\n", err ? err : "replsim check: cannot read the trace");
  } else {
    status = check_status(&c);
    if (o.json)
      print_json(&c, status, stdout);
    else
      print_text(&c, status, stdout);
    html_meta m = {path, c.in.format, c.v->model, c.in.positions};
    if (o.html && !html_write_violations(o.html, &m, c.in.history, c.in.facts, c.v->lin, &err)) {
      fprintf(stderr, "replsim check: --html: %s\n", err);
      status = RS_EXIT_BAD_INPUT;
    } else if (o.html && !o.json) {
      printf("viewer: %s\n", o.html);
    }
  }
  check_clear(&c);
  g_free(err);
  g_free(path);
  g_free(o.model);
  g_free(o.html);
  g_strfreev(o.args);
  return status;
}
