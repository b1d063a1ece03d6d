/* The run's facts: run line, faults paired into windows by one rule, roles, finals, digests. */
#include "trace/facts.h"

#include <string.h>

/* --- building ------------------------------------------------------------------------------ */

static void final_free(gpointer p)
{
  fact_final *x = p;
  g_free(x->node);
  g_free(x->key);
  g_free(x->name);
  g_free(x->value);
  g_free(x->status);
  g_free(x);
}

static void digest_free(gpointer p)
{
  fact_digest *x = p;
  g_free(x->node);
  g_free(x->digest);
  g_free(x);
}

static void fault_free(gpointer p)
{
  fact_fault *x = p;
  g_free(x->kind);
  g_free(x->target);
  g_free(x->label);
  g_free(x->node);
  g_strfreev(x->fields);
  g_free(x);
}

static void role_free(gpointer p)
{
  fact_role *x = p;
  g_free(x->node);
  g_free(x->role);
  g_free(x);
}

trace_facts *trace_facts_new(void)
{
  trace_facts *f = g_new0(trace_facts, 1);
  f->finals = g_ptr_array_new_with_free_func(final_free);
  f->digests = g_ptr_array_new_with_free_func(digest_free);
  f->faults = g_ptr_array_new_with_free_func(fault_free);
  f->roles = g_ptr_array_new_with_free_func(role_free);
  return f;
}

void trace_facts_free(trace_facts *f)
{
  if (!f)
    return;
  g_free(f->scenario);
  g_free(f->protocol);
  g_free(f->app);
  g_free(f->failover);
  g_free(f->mode);
  g_ptr_array_free(f->finals, TRUE);
  g_ptr_array_free(f->digests, TRUE);
  g_ptr_array_free(f->faults, TRUE);
  g_ptr_array_free(f->roles, TRUE);
  g_free(f);
}

void trace_facts_add_final(trace_facts *f, const char *node, const char *key, const char *name,
                           const char *value, bool value_null, const char *status,
                           uint64_t version, long line)
{
  fact_final *x = g_new0(fact_final, 1);
  *x = (fact_final){g_strdup(node), g_strdup(key),    g_strdup(name), g_strdup(value),
                     g_strdup(status), value_null, version, line};
  g_ptr_array_add(f->finals, x);
}

void trace_facts_add_digest(trace_facts *f, const char *node, const char *digest, bool up,
                            long line)
{
  fact_digest *x = g_new0(fact_digest, 1);
  *x = (fact_digest){g_strdup(node ? node : "?"), g_strdup(digest ? digest : ""), up, line};
  g_ptr_array_add(f->digests, x);
}

void trace_facts_add_role(trace_facts *f, double t, const char *node, const char *role,
                          uint64_t view, long line)
{
  fact_role *x = g_new0(fact_role, 1);
  *x = (fact_role){t, line, g_strdup(node), g_strdup(role), view};
  g_ptr_array_add(f->roles, x);
  f->end_time = MAX(f->end_time, t);
}

/* Target fields shown by name alone in a label, in this order; the rest follow as key=value. */
static const char *const label_fields[] = {"node", "host", "link", "groups", NULL};

static const char *field_value(const char *const *kv, guint n, const char *key)
{
  for (guint i = 0; i < n; i++)
    if (strcmp(kv[2 * i], key) == 0)
      return kv[2 * i + 1];
  return NULL;
}

/* "crash r1", "partition r1 | r2 r3", "partition r1 -> r2", "loss rate=0.05". */
static char *fault_label(const char *kind, const char *const *kv, guint n)
{
  GString *l = g_string_new(kind);
  for (int i = 0; label_fields[i]; i++) {
    const char *v = field_value(kv, n, label_fields[i]);
    if (v)
      g_string_append_printf(l, " %s", v);
  }
  const char *from = field_value(kv, n, "from"), *to = field_value(kv, n, "to");
  if (from && to)
    g_string_append_printf(l, " %s -> %s", from, to);
  for (guint i = 0; i < n; i++) {
    const char *k = kv[2 * i];
    bool shown = g_strv_contains(label_fields, k) ||
                 ((strcmp(k, "from") == 0 || strcmp(k, "to") == 0) && from && to);
    if (!shown)
      g_string_append_printf(l, " %s=%s", k, kv[2 * i + 1]);
  }
  return g_string_free(l, FALSE);
}

/* The target as text: one field's value alone, several as "k=v k=v". */
static char *target_text(const char *const *kv, guint n)
{
  if (n == 1)
    return g_strdup(kv[1]);
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(s, "%s%s=%s", i ? " " : "", kv[2 * i], kv[2 * i + 1]);
  return g_string_free(s, FALSE);
}

static bool is_event_kind(const char *kind)
{
  return strcmp(kind, "join") == 0 || strcmp(kind, "restart-failed") == 0;
}

/* Does an end line of `kind` with `fields` close window `w`? Same fault, and every field of the
 * end is one of the start's. */
static bool closes(const fact_fault *w, const char *kind, char *const *fields)
{
  if (w->event || !w->open_ended || strcmp(w->kind, kind) != 0)
    return false;
  for (char *const *e = fields; *e; e++)
    if (!g_strv_contains((const char *const *)w->fields, *e))
      return false;
  return true;
}

void trace_facts_add_fault(trace_facts *f, double t, const char *fault, bool start,
                           const char *const *kv, long line)
{
  guint n = 0;
  while (kv && kv[2 * n] && kv[2 * n + 1])
    n++;
  char **fields = g_new0(char *, n + 1);
  for (guint i = 0; i < n; i++)
    fields[i] = g_strdup_printf("%s=%s", kv[2 * i], kv[2 * i + 1]);
  f->end_time = MAX(f->end_time, t);
  if (!start) {
    for (guint i = 0; i < f->faults->len; i++) {
      fact_fault *w = g_ptr_array_index(f->faults, i);
      if (closes(w, fault, fields)) {
        w->end = t;
        w->line_end = line;
        w->open_ended = false;
        break;
      }
    }
    g_strfreev(fields);
    return;
  }
  fact_fault *w = g_new0(fact_fault, 1);
  w->kind = g_strdup(fault);
  w->target = target_text(kv, n);
  w->label = fault_label(fault, kv, n);
  w->node = g_strdup(field_value(kv, n, "node"));
  w->fields = fields;
  w->start = w->end = t;
  w->line_start = line;
  w->event = is_event_kind(fault);
  w->open_ended = !w->event;
  g_ptr_array_add(f->faults, w);
}

void trace_facts_finish(trace_facts *f)
{
  for (guint i = 0; i < f->faults->len; i++) {
    fact_fault *w = g_ptr_array_index(f->faults, i);
    if (w->open_ended)
      w->end = MAX(w->start, f->end_time);
  }
}

/* --- what the facts imply ----------------------------------------------------------------- */

const char *trace_facts_model(const trace_facts *f)
{
  if (!f->has_run || !f->app)
    return NULL;
  if (strcmp(f->app, "files") == 0 && f->protocol && strcmp(f->protocol, "quorum") == 0)
    return "files-quorum";
  return f->app;
}

bool trace_facts_diverged(const trace_facts *f, uint64_t *diverged, uint64_t *replicas)
{
  GHashTable *count = g_hash_table_new(g_str_hash, g_str_equal);
  unsigned best = 0, n = 0;
  for (guint i = 0; i < f->digests->len; i++) {
    const fact_digest *d = g_ptr_array_index(f->digests, i);
    if (!d->up)
      continue;
    unsigned c = GPOINTER_TO_UINT(g_hash_table_lookup(count, d->digest)) + 1;
    g_hash_table_insert(count, d->digest, GUINT_TO_POINTER(c));
    best = MAX(best, c);
    n++;
  }
  g_hash_table_destroy(count);
  *diverged = n - best;
  *replicas = n;
  return f->digests->len > 0;
}

const char *trace_fault_color(const char *kind)
{
  if (strcmp(kind, "crash") == 0)
    return "#D62728";
  if (strcmp(kind, "pause") == 0)
    return "#1F77B4";
  if (strcmp(kind, "partition") == 0)
    return "#9467BD";
  if (strcmp(kind, "link-down") == 0 || strcmp(kind, "delay") == 0)
    return "#8C564B";
  if (strcmp(kind, "restart-failed") == 0)
    return "#E377C2";
  return "#7F7F7F";
}

/* --- reading ------------------------------------------------------------------------------- */

static bool read_run(trace_facts *f, const trace_line *l, char **why)
{
  const char *scenario, *protocol, *app, *failover, *mode;
  uint64_t seed;
  if (!trace_line_opt_str(l, "scenario", &scenario, NULL, why) ||
      !trace_line_req_str(l, "protocol", &protocol, why) || !trace_line_req_str(l, "app", &app, why) ||
      !trace_line_opt_str(l, "failover", &failover, NULL, why) ||
      !trace_line_opt_str(l, "mode", &mode, NULL, why) || !trace_line_opt_u64(l, "seed", &seed, why))
    return false;
  if (f->has_run) {
    *why = g_strdup("a second \"run\" line");
    return false;
  }
  f->has_run = true;
  f->scenario = g_strdup(scenario);
  f->protocol = g_strdup(protocol);
  f->app = g_strdup(app);
  f->failover = g_strdup(failover);
  f->mode = g_strdup(mode);
  f->seed = seed;
  return true;
}

static bool read_final(trace_facts *f, const trace_line *l, char **why)
{
  const char *node, *key, *name, *value, *status;
  bool value_null;
  uint64_t version;
  if (!trace_line_req_str(l, "node", &node, why) || !trace_line_req_str(l, "key", &key, why) ||
      !trace_line_opt_str(l, "name", &name, NULL, why) ||
      !trace_line_opt_str(l, "value", &value, &value_null, why) ||
      !trace_line_opt_str(l, "status", &status, NULL, why) ||
      !trace_line_opt_u64(l, "version", &version, why))
    return false;
  trace_facts_add_final(f, node, key, name, value, value_null, status, version, trace_line_no(l));
  return true;
}

static bool read_digest(trace_facts *f, const trace_line *l, char **why)
{
  const char *node, *digest;
  bool up, current;
  if (!trace_line_req_str(l, "node", &node, why) || !trace_line_req_str(l, "digest", &digest, why) ||
      !trace_line_opt_bool(l, "up", true, &up, why) || !trace_line_opt_bool(l, "current", true, &current, why))
    return false;
  /* A replica that knows it is behind is not compared: it is waiting, not diverged. */
  trace_facts_add_digest(f, node, digest, up && current, trace_line_no(l));
  return true;
}

/* A fault's target: the scalar members other than t, type, fault and phase, in line order. */
static bool read_fault(trace_facts *f, const trace_line *l, char **why)
{
  const char *fault, *phase;
  if (!trace_line_req_str(l, "fault", &fault, why) || !trace_line_req_str(l, "phase", &phase, why))
    return false;
  bool start = strcmp(phase, "start") == 0;
  if (!start && strcmp(phase, "end") != 0) {
    *why = g_strdup("field \"phase\" must be \"start\" or \"end\"");
    return false;
  }
  static const char *const fixed[] = {"t", "type", "fault", "phase", NULL};
  guint n = trace_line_n_members(l);
  const char **kv = g_new0(const char *, 2 * n + 1);
  guint k = 0;
  for (guint i = 0; i < n; i++) {
    const char *text;
    const char *name = trace_line_member(l, i, NULL, &text);
    if (text && !g_strv_contains(fixed, name)) {
      kv[k++] = name;
      kv[k++] = text;
    }
  }
  trace_facts_add_fault(f, trace_line_t(l), fault, start, kv, trace_line_no(l));
  g_free(kv);
  return true;
}

static bool read_role(trace_facts *f, const trace_line *l, char **why)
{
  const char *node, *role;
  uint64_t view;
  if (!trace_line_req_str(l, "node", &node, why) || !trace_line_req_str(l, "role", &role, why) ||
      !trace_line_opt_u64(l, "view", &view, why))
    return false;
  trace_facts_add_role(f, trace_line_t(l), node, role, view, trace_line_no(l));
  return true;
}

bool trace_facts_line(trace_facts *f, const trace_line *l, char **why)
{
  const char *type = trace_line_type(l);
  f->end_time = MAX(f->end_time, trace_line_t(l));
  if (strcmp(type, "run") == 0)
    return read_run(f, l, why);
  if (strcmp(type, "final") == 0)
    return read_final(f, l, why);
  if (strcmp(type, "digest") == 0)
    return read_digest(f, l, why);
  if (strcmp(type, "fault") == 0)
    return read_fault(f, l, why);
  if (strcmp(type, "role") == 0)
    return read_role(f, l, why);
  return true;
}

static bool on_fact(void *ud, const trace_line *l, char **why)
{
  return trace_facts_line(ud, l, why);
}

trace_facts *trace_facts_read(const char *path, char **err)
{
  static const char *const wanted[] = {"run", "final", "digest", "fault", "role", NULL};
  trace_facts *f = trace_facts_new();
  if (!trace_foreach_counted(path, wanted, on_fact, f, &f->lines, err)) {
    trace_facts_free(f);
    return NULL;
  }
  trace_facts_finish(f);
  return f;
}

typedef struct run_reader {
  history *h;
  trace_facts *f;
  long delivered;
} run_reader;

static bool on_run_line(void *ud, const trace_line *l, char **why)
{
  run_reader *r = ud;
  r->delivered++;
  return trace_history_line(r->h, l, why) && trace_facts_line(r->f, l, why);
}

bool trace_read_run(const char *path, history **h, trace_facts **f, char **err)
{
  static const char *const wanted[] = {"invoke", "ok",    "fail", "info", "run",
                                       "final",  "digest", "fault", "role", NULL};
  run_reader r = {history_new(), trace_facts_new(), 0};
  *h = NULL;
  *f = NULL;
  if (!trace_foreach_counted(path, wanted, on_run_line, &r, &r.f->lines, err)) {
    history_free(r.h);
    trace_facts_free(r.f);
    return false;
  }
  trace_facts_finish(r.f);
  r.f->other_lines = r.f->lines - r.delivered;
  *h = r.h;
  *f = r.f;
  return true;
}
