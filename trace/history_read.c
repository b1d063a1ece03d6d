/* The client history from a trace's invoke/ok/fail/info lines, each checked against its partner. */
#include "trace/trace_reader.h"

#include <string.h>

/* A string for an error message: escaped and cut short, so garbage prints as one tidy line. */
static char *shown(const char *s)
{
  char *cut = g_strndup(s ? s : "", 60);
  char *esc = g_strescape(cut, NULL);
  g_free(cut);
  return esc;
}

static bool read_invoke(history *h, const trace_line *l, char **why)
{
  const char *process, *op, *key, *name, *value, *expected;
  if (!trace_line_req_str(l, "process", &process, why) || !trace_line_req_str(l, "op", &op, why) ||
      !trace_line_req_str(l, "key", &key, why) ||
      !trace_line_opt_str(l, "name", &name, NULL, why) ||
      !trace_line_opt_str(l, "value", &value, NULL, why) ||
      !trace_line_opt_str(l, "expected", &expected, NULL, why))
    return false;
  hist_op *open = g_hash_table_lookup(h->open, process);
  if (open) {
    char *p = shown(process);
    *why = g_strdup_printf("process \"%s\" invokes again while its operation from line %ld is "
                           "still open", p, open->trace_line_invoke);
    g_free(p);
    return false;
  }
  double intended = trace_line_t(l);
  if (!trace_line_opt_time(l, "intended", &intended, why))
    return false;
  if (intended > trace_line_t(l)) {
    *why = g_strdup_printf("\"intended\" (%.9g) is later than the invocation (%.9g)", intended, trace_line_t(l));
    return false;
  }
  hist_op *o = history_invoke(h, process, op, key, name, value, expected, trace_line_t(l), trace_line_no(l));
  o->t_intended = intended;
  return true;
}

/* Checks that a completion agrees with the invocation it closes: same op and key when it names
 * them, and not earlier in time. */
static bool matches_invocation(const hist_op *open, const char *op, const char *key, double t,
                               char **why)
{
  const char *field = NULL, *got = NULL, *want = NULL;
  if (op && strcmp(op, open->op) != 0)
    field = "op", got = op, want = open->op;
  else if (key && (!open->key || strcmp(key, open->key) != 0))
    field = "key", got = key, want = open->key;
  if (field) {
    char *g = shown(got), *w = shown(want);
    *why = g_strdup_printf("completion %s \"%s\" does not match the invocation's \"%s\" (line %ld)",
                           field, g, w, open->trace_line_invoke);
    g_free(g);
    g_free(w);
    return false;
  }
  if (t < open->t_invoke) {
    *why = g_strdup_printf("completion at t=%.9f precedes its invocation at t=%.9f (line %ld)", t,
                           open->t_invoke, open->trace_line_invoke);
    return false;
  }
  return true;
}

static bool read_complete(history *h, const trace_line *l, hist_outcome outcome, char **why)
{
  const char *process, *op, *key, *name, *value, *status, *replica;
  bool value_null = false;
  uint64_t version;
  if (!trace_line_req_str(l, "process", &process, why) ||
      !trace_line_opt_str(l, "op", &op, NULL, why) || !trace_line_opt_str(l, "key", &key, NULL, why) ||
      !trace_line_opt_str(l, "name", &name, NULL, why) ||
      !trace_line_opt_str(l, "value", &value, &value_null, why) ||
      !trace_line_opt_str(l, "status", &status, NULL, why) ||
      !trace_line_opt_u64(l, "version", &version, why) ||
      !trace_line_opt_str(l, "replica", &replica, NULL, why))
    return false;
  hist_op *open = g_hash_table_lookup(h->open, process);
  if (!open) {
    char *p = shown(process);
    *why = g_strdup_printf("%s for process \"%s\" with no open invocation",
                           hist_outcome_name(outcome), p);
    g_free(p);
    return false;
  }
  if (!matches_invocation(open, op, key, trace_line_t(l), why))
    return false;
  hist_op *done = history_complete(h, process, outcome, status, value, value_null, version,
                                   replica, trace_line_t(l), trace_line_no(l));
  hist_op_set_name(done, name);
  return true;
}

bool trace_history_line(history *h, const trace_line *l, char **why)
{
  const char *type = trace_line_type(l);
  if (strcmp(type, "invoke") == 0)
    return read_invoke(h, l, why);
  if (strcmp(type, "ok") == 0)
    return read_complete(h, l, HIST_OK, why);
  if (strcmp(type, "fail") == 0)
    return read_complete(h, l, HIST_FAIL, why);
  if (strcmp(type, "info") == 0)
    return read_complete(h, l, HIST_INFO, why);
  return true;
}

static bool on_line(void *ud, const trace_line *l, char **why)
{
  return trace_history_line(ud, l, why);
}

history *trace_read_history(const char *path, char **err)
{
  static const char *const wanted[] = {"invoke", "ok", "fail", "info", NULL};
  history *h = history_new();
  if (!trace_foreach_types(path, wanted, on_line, h, err)) {
    history_free(h);
    return NULL;
  }
  return h;
}
