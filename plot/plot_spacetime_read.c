/* Streams a trace into the window a space-time diagram shows, without holding the whole trace. */
#include "plot/plot_spacetime.h"
#include "trace/trace_reader.h"

#include <string.h>

/* A message on its way. The id comes first: the hash table's key points at it. */
typedef struct st_msg {
  gint64 id;
  double t;
  char *from, *to, *msg;
  bool in_window, arrived;
} st_msg;

typedef struct st_reader {
  st_view *v;
  bool has_from, has_to, to_fixed;
  double cap;             /* beyond this time nothing is read (the picture's right margin) */
  GHashTable *sent;       /* id -> st_msg */
  GHashTable *open;       /* process -> st_span still running */
  guint in_flight;        /* messages sent in the window, neither received nor dropped yet */
  double t_last;          /* the latest event read */
  bool stopped;
} st_reader;

static void msg_free(gpointer p)
{
  st_msg *m = p;
  g_free(m->from);
  g_free(m->to);
  g_free(m->msg);
  g_free(m);
}

static void arrow_free(gpointer p)
{
  st_arrow *a = p;
  g_free(a->from);
  g_free(a->to);
  g_free(a->msg);
  g_free(a->why);
  g_free(a);
}

static void span_free(gpointer p)
{
  st_span *s = p;
  g_free(s->node);
  g_free(s->op);
  g_free(s);
}

static void mark_free(gpointer p)
{
  st_mark *m = p;
  g_free(m->node);
  g_free(m->text);
  g_free(m);
}

static const char *str_member(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string(n);
}

static gint64 int_member(JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member(o, name);
  if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
    return -1;
  return json_node_get_int(n);
}

static void note_node(st_view *v, const char *node)
{
  if (node && !g_hash_table_contains(v->nodes, node))
    g_hash_table_add(v->nodes, g_strdup(node));
}

/* The window ends at `t` (its N-th message by default). Reading goes on for a quarter of the
 * window more, so that messages sent inside are seen arriving (or leaving the picture). */
static void fix_window_end(st_reader *r, double t)
{
  r->v->to = t;
  r->to_fixed = true;
  double span = t - r->v->from;
  r->cap = t + (span > 0 ? span * 0.25 : 1e-3);
}

/* A send: remembered until it arrives, and counted when it falls in the window (the N-th one
 * ends a default window). Sends after the window are not kept. */
static void on_send(st_reader *r, double t, JsonObject *o)
{
  st_view *v = r->v;
  if (!r->has_from && v->messages == 0 && g_hash_table_size(r->sent) == 0)
    v->from = t;
  bool in_window = t >= v->from && (!r->to_fixed || t <= v->to);
  if (r->to_fixed && t > v->to)
    return;
  st_msg *m = g_new0(st_msg, 1);
  m->id = int_member(o, "id");
  m->t = t;
  m->from = g_strdup(str_member(o, "from"));
  m->to = g_strdup(str_member(o, "to"));
  m->msg = g_strdup(str_member(o, "msg"));
  m->in_window = in_window;
  g_hash_table_replace(r->sent, &m->id, m);
  if (in_window) {
    v->messages++;
    r->in_flight++;
    note_node(v, m->from);
    note_node(v, m->to);
    if (!r->to_fixed && v->messages == PLOT_SPACETIME_MESSAGES)
      fix_window_end(r, t);
  }
}

/* A receipt or a loss: an arrow when its message was sent in the window or lands in it. */
static void on_arrival(st_reader *r, double t, JsonObject *o, bool dropped)
{
  gint64 id = int_member(o, "id");
  st_msg *m = g_hash_table_lookup(r->sent, &id);
  if (!m)
    return;
  st_view *v = r->v;
  bool lands_inside = t >= v->from && (!r->to_fixed || t <= v->to);
  if (m->in_window || lands_inside) {
    st_arrow *a = g_new0(st_arrow, 1);
    *a = (st_arrow){m->t, t, g_strdup(m->from), g_strdup(m->to), g_strdup(m->msg),
                    dropped ? g_strdup(str_member(o, "why")) : NULL, dropped};
    g_ptr_array_add(v->arrows, a);
    note_node(v, m->from);
    note_node(v, m->to);
  }
  if (m->in_window && !m->arrived)
    r->in_flight--;
  m->arrived = true;
  if (!m->in_window) /* a duplicate of it could not be drawn anyway */
    g_hash_table_remove(r->sent, &id);
}

/* An invocation opens a span on its process's lane (one at a time per process). */
static void on_invoke(st_reader *r, double t, JsonObject *o)
{
  const char *process = str_member(o, "process");
  if (!process || (r->to_fixed && t > r->v->to))
    return;
  g_hash_table_add(r->v->clients, g_strdup(process));
  st_span *s = g_new0(st_span, 1);
  *s = (st_span){t, -1, g_strdup(process), g_strdup(str_member(o, "op")), ST_OPEN};
  g_hash_table_replace(r->open, s->node, s);
}

/* A completion closes its process's span, kept when it reaches into the window. */
static void on_complete(st_reader *r, double t, const char *type, JsonObject *o)
{
  const char *process = str_member(o, "process");
  st_span *s = process ? g_hash_table_lookup(r->open, process) : NULL;
  if (!s)
    return;
  g_hash_table_steal(r->open, process);
  s->t1 = t;
  s->outcome = strcmp(type, "ok") == 0 ? ST_OK : strcmp(type, "fail") == 0 ? ST_FAIL : ST_INFO;
  if (t >= r->v->from) {
    g_ptr_array_add(r->v->spans, s);
    note_node(r->v, s->node);
  } else {
    span_free(s);
  }
}

static void on_role(st_reader *r, double t, JsonObject *o)
{
  st_view *v = r->v;
  const char *node = str_member(o, "node"), *role = str_member(o, "role");
  if (!node || !role || t < v->from || (r->to_fixed && t > v->to))
    return;
  st_mark *m = g_new0(st_mark, 1);
  gint64 view = int_member(o, "view");
  m->t = t;
  m->node = g_strdup(node);
  m->text = view > 0 ? g_strdup_printf("%s (view %" G_GINT64_FORMAT ")", role, view) : g_strdup(role);
  g_ptr_array_add(v->marks, m);
  note_node(v, node);
}

/* Every relevant line, in order. Reading stops (by returning false with no reason) once past
 * the window and either every message sent inside it has arrived or the margin is used up. */
static bool on_line(void *ud, long line, double t, const char *type, JsonObject *o, char **why)
{
  (void)line;
  st_reader *r = ud;
  if (r->to_fixed && t > r->v->to && (r->in_flight == 0 || t > r->cap)) {
    r->stopped = true;
    *why = NULL;
    return false;
  }
  r->t_last = t;
  if (strcmp(type, "send") == 0)
    on_send(r, t, o);
  else if (strcmp(type, "recv") == 0 || strcmp(type, "drop") == 0)
    on_arrival(r, t, o, type[0] == 'd');
  else if (strcmp(type, "invoke") == 0)
    on_invoke(r, t, o);
  else if (strcmp(type, "role") == 0)
    on_role(r, t, o);
  else
    on_complete(r, t, type, o);
  return true;
}

/* Spans still running when reading stopped are kept as open, to the picture's end (sorted
 * afterwards, so the table's order does not matter). */
static void keep_open_spans(st_reader *r)
{
  GHashTableIter it;
  gpointer value;
  g_hash_table_iter_init(&it, r->open);
  while (g_hash_table_iter_next(&it, NULL, &value)) {
    st_span *s = value;
    g_ptr_array_add(r->v->spans, s);
    note_node(r->v, s->node);
    g_hash_table_iter_steal(&it);
  }
}

static gint span_order(gconstpointer a, gconstpointer b)
{
  const st_span *x = *(st_span *const *)a, *y = *(st_span *const *)b;
  if (x->t0 != y->t0)
    return x->t0 < y->t0 ? -1 : 1;
  return strcmp(x->node, y->node);
}

/* Where the picture ends: the window's end, or the last arrival of a message sent in it (up to
 * the cap) when the end was not given. */
static void settle_end(st_reader *r)
{
  st_view *v = r->v;
  v->x_end = v->to;
  if (!r->has_to)
    for (guint i = 0; i < v->arrows->len; i++) {
      const st_arrow *a = v->arrows->pdata[i];
      if (a->t1 > v->x_end && a->t1 <= r->cap)
        v->x_end = a->t1;
    }
  if (v->x_end <= v->from)
    v->x_end = v->from + 1e-3;
}

/* One streaming pass over the trace: memory holds the window's events and the messages in
 * flight, not the trace. */
bool st_view_read(const char *trace, const plot_window *win, st_view *v, char **err)
{
  memset(v, 0, sizeof *v);
  v->arrows = g_ptr_array_new_with_free_func(arrow_free);
  v->spans = g_ptr_array_new_with_free_func(span_free);
  v->marks = g_ptr_array_new_with_free_func(mark_free);
  v->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  v->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  st_reader r = {.v = v, .has_from = win && win->has_from, .has_to = win && win->has_to};
  r.sent = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, msg_free);
  r.open = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, span_free);
  v->from = r.has_from ? win->from : 0;
  if (r.has_to)
    fix_window_end(&r, win->to);
  static const char *const types[] = {"send", "recv", "drop", "invoke", "ok", "fail", "info", "role", NULL};
  char *e = NULL;
  bool ok = trace_foreach_types(trace, types, on_line, &r, &e) || r.stopped;
  if (!ok)
    *err = e;
  else
    g_free(e);
  if (ok && !r.to_fixed) /* fewer messages than the default window holds: show them all */
    fix_window_end(&r, r.t_last);
  keep_open_spans(&r);
  g_ptr_array_sort(v->spans, span_order);
  g_hash_table_destroy(r.sent);
  g_hash_table_destroy(r.open);
  if (ok)
    settle_end(&r);
  else
    st_view_clear(v);
  return ok;
}

void st_view_clear(st_view *v)
{
  if (v->arrows)
    g_ptr_array_free(v->arrows, TRUE);
  if (v->spans)
    g_ptr_array_free(v->spans, TRUE);
  if (v->marks)
    g_ptr_array_free(v->marks, TRUE);
  if (v->clients)
    g_hash_table_destroy(v->clients);
  if (v->nodes)
    g_hash_table_destroy(v->nodes);
  memset(v, 0, sizeof *v);
}
