/* What the plots need from a trace besides operations and messages: its run line and its faults. */
#include "plot/plot_internal.h"
#include "trace/trace_reader.h"

#include <string.h>

/* Target fields in the order a label shows them; any other field follows as key=value. */
static const char *const label_fields[] = {"node", "host", "link", "groups", NULL};

static void fault_free(gpointer p)
{
  plot_fault *f = p;
  g_free(f->kind);
  g_free(f->label);
  g_free(f->node);
  g_free(f->key);
  g_free(f);
}

/* A member's value as text: strings as they are, numbers in %g, anything else skipped. */
static char *member_text(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n))
    return NULL;
  GType t = json_node_get_value_type(n);
  if (t == G_TYPE_STRING)
    return g_strdup(json_node_get_string(n));
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (t == G_TYPE_INT64)
    return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(n));
  if (t == G_TYPE_DOUBLE)
    return g_strdup(g_ascii_formatd(buf, sizeof buf, "%g", json_node_get_double(n)));
  if (t == G_TYPE_BOOLEAN)
    return g_strdup(json_node_get_boolean(n) ? "true" : "false");
  return NULL;
}

static bool is_label_field(const char *name)
{
  for (int i = 0; label_fields[i]; i++)
    if (strcmp(label_fields[i], name) == 0)
      return true;
  return false;
}

static bool is_bookkeeping(const char *name)
{
  return strcmp(name, "t") == 0 || strcmp(name, "type") == 0 || strcmp(name, "fault") == 0 ||
         strcmp(name, "phase") == 0;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The target fields of a fault line, sorted by name, excluding t, type, fault and phase. */
static GPtrArray *target_fields(JsonObject *o)
{
  GPtrArray *names = g_ptr_array_new();
  GList *members = json_object_get_members(o);
  for (GList *l = members; l; l = l->next)
    if (!is_bookkeeping(l->data))
      g_ptr_array_add(names, l->data);
  g_list_free(members);
  g_ptr_array_sort(names, cmp_str);
  return names;
}

/* "crash r1", "partition r1 | r2 r3", "one-way partition r1 -> r2", "loss rate=0.05". */
static char *fault_label(const char *kind, JsonObject *o, GPtrArray *fields)
{
  GString *l = g_string_new(kind);
  for (int i = 0; label_fields[i]; i++) {
    char *v = member_text(o, label_fields[i]);
    if (v)
      g_string_append_printf(l, " %s", v);
    g_free(v);
  }
  char *from = member_text(o, "from"), *to = member_text(o, "to");
  if (from && to)
    g_string_append_printf(l, " %s -> %s", from, to);
  for (guint i = 0; i < fields->len; i++) {
    const char *name = fields->pdata[i];
    if (is_label_field(name) || ((strcmp(name, "from") == 0 || strcmp(name, "to") == 0) && from && to))
      continue;
    char *v = member_text(o, name);
    if (v)
      g_string_append_printf(l, " %s=%s", name, v);
    g_free(v);
  }
  g_free(from);
  g_free(to);
  return g_string_free(l, FALSE);
}

/* kind|name=value|... over every target field: equal for a fault's start and its end. */
static char *fault_key(const char *kind, JsonObject *o, GPtrArray *fields)
{
  GString *k = g_string_new(kind);
  for (guint i = 0; i < fields->len; i++) {
    char *v = member_text(o, fields->pdata[i]);
    g_string_append_printf(k, "|%s=%s", (const char *)fields->pdata[i], v ? v : "");
    g_free(v);
  }
  return g_string_free(k, FALSE);
}

/* The latest fault still open with `key`, or (key NULL) of `kind` on `node` (NULL: none). */
static plot_fault *open_fault(plot_meta *m, const char *key, const char *kind, const char *node)
{
  for (guint i = m->faults->len; i-- > 0;) {
    plot_fault *f = m->faults->pdata[i];
    if (f->end >= 0 || f->point)
      continue;
    if (key && strcmp(f->key, key) == 0)
      return f;
    if (!key && g_strcmp0(f->kind, kind) == 0 && g_strcmp0(f->node, node) == 0)
      return f;
  }
  return NULL;
}

/* One fault line: a start opens a window, an end closes the matching one; a restart also ends
 * its node's crash. */
static void on_fault(plot_meta *m, double t, JsonObject *o)
{
  char *kind_text = member_text(o, "fault"), *phase_text = member_text(o, "phase");
  const char *kind = kind_text ? kind_text : "fault";
  const char *phase = phase_text ? phase_text : "start";
  GPtrArray *fields = target_fields(o);
  char *key = fault_key(kind, o, fields);
  char *node = member_text(o, "node");
  if (strcmp(kind, "restart") == 0 && strcmp(phase, "end") != 0) {
    plot_fault *crash = open_fault(m, NULL, "crash", node);
    if (crash)
      crash->end = t;
  }
  if (strcmp(phase, "end") == 0) {
    plot_fault *f = open_fault(m, key, NULL, NULL);
    if (!f) /* the end may carry fewer fields than the start (a restart's boot time) */
      f = open_fault(m, NULL, kind, node);
    if (f)
      f->end = t;
    g_free(key);
    g_free(node);
  } else {
    plot_fault *f = g_new0(plot_fault, 1);
    f->kind = g_strdup(kind);
    f->label = fault_label(kind, o, fields);
    f->node = node;
    f->key = key;
    f->start = t;
    f->end = -1;
    g_ptr_array_add(m->faults, f);
  }
  g_ptr_array_free(fields, TRUE);
  g_free(kind_text);
  g_free(phase_text);
}

static bool on_line(void *ud, long line, double t, const char *type, JsonObject *obj, char **why)
{
  (void)line;
  (void)why;
  plot_meta *m = ud;
  if (strcmp(type, "fault") == 0) {
    on_fault(m, t, obj);
  } else if (strcmp(type, "run") == 0 && !m->has_run) {
    m->has_run = true;
    m->scenario = member_text(obj, "scenario");
    m->protocol = member_text(obj, "protocol");
    char *seed = member_text(obj, "seed");
    m->seed = seed ? g_ascii_strtoull(seed, NULL, 10) : 0;
    g_free(seed);
  }
  return true;
}

/* Faults that never end on their own (a join, a restart without a boot phase) become points. */
static void settle_open_faults(plot_meta *m)
{
  for (guint i = 0; i < m->faults->len; i++) {
    plot_fault *f = m->faults->pdata[i];
    if (f->end < 0 && (strcmp(f->kind, "join") == 0 || strcmp(f->kind, "restart") == 0)) {
      f->point = true;
      f->end = f->start;
    }
  }
}

/* One fast pass over the trace: only run and fault lines are parsed. */
bool plot_meta_read(const char *trace, plot_meta *m, char **err)
{
  memset(m, 0, sizeof *m);
  m->faults = g_ptr_array_new_with_free_func(fault_free);
  static const char *const types[] = {"run", "fault", NULL};
  if (!trace_foreach_types(trace, types, on_line, m, err)) {
    plot_meta_clear(m);
    return false;
  }
  settle_open_faults(m);
  return true;
}

void plot_meta_clear(plot_meta *m)
{
  g_free(m->scenario);
  g_free(m->protocol);
  if (m->faults)
    g_ptr_array_free(m->faults, TRUE);
  memset(m, 0, sizeof *m);
}

char *plot_meta_title(const plot_meta *m, const char *what)
{
  if (!m->has_run || !m->scenario)
    return g_strdup(what);
  return g_strdup_printf("%s: %s (%s, seed %" G_GUINT64_FORMAT ")", what, m->scenario,
                         m->protocol ? m->protocol : "?", m->seed);
}

const char *plot_fault_color(const char *kind)
{
  if (strcmp(kind, "crash") == 0)
    return "#D62728";
  if (strcmp(kind, "pause") == 0)
    return "#1F77B4";
  if (strcmp(kind, "partition") == 0)
    return "#9467BD";
  if (strcmp(kind, "link-down") == 0 || strcmp(kind, "delay") == 0)
    return "#8C564B";
  return "#7F7F7F";
}
