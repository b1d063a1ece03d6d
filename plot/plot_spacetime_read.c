/* Streams a trace's messages into the window a space-time diagram shows, without holding the
 * whole trace; operations and roles come from the run read back already. */
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
  guint in_flight;        /* messages sent in the window, neither received nor dropped yet */
  double t_last;          /* the latest event read */
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

static void mark_free(gpointer p)
{
  st_mark *m = p;
  g_free(m->node);
  g_free(m->text);
  g_free(m);
}

/* A string field, or NULL when absent or mistyped (a mistyped field draws as if absent). */
static const char *str_member(const trace_line *l, const char *name)
{
  const char *v = NULL;
  char *why = NULL;
  if (!trace_line_opt_str(l, name, &v, NULL, &why))
    g_free(why);
  return v;
}

static gint64 int_member(const trace_line *l, const char *name)
{
  uint64_t v = 0;
  char *why = NULL;
  if (!trace_line_opt_u64(l, name, &v, &why)) {
    g_free(why);
    return -1;
  }
  return v > G_MAXINT64 ? -1 : (gint64)v;
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
static void on_send(st_reader *r, double t, const trace_line *o)
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
static void on_arrival(st_reader *r, double t, const trace_line *o, bool dropped)
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

/* Every message line, in order. Reading stops (by returning false with no reason) once past
 * the window and either every message sent inside it has arrived or the margin is used up. */
static bool on_line(void *ud, const trace_line *l, char **why)
{
  st_reader *r = ud;
  double t = trace_line_t(l);
  const char *type = trace_line_type(l);
  if (r->to_fixed && t > r->v->to && (r->in_flight == 0 || t > r->cap)) {
    *why = NULL;
    return false;
  }
  r->t_last = t;
  if (strcmp(type, "send") == 0)
    on_send(r, t, l);
  else
    on_arrival(r, t, l, type[0] == 'd');
  return true;
}

int st_span_outcome(const st_view *v, const hist_op *o)
{
  if (o->outcome == HIST_PENDING || o->t_complete > v->x_end)
    return ST_OPEN;
  return o->outcome == HIST_OK ? ST_OK : o->outcome == HIST_FAIL ? ST_FAIL : ST_INFO;
}

double st_span_end(const st_view *v, const hist_op *o)
{
  return st_span_outcome(v, o) == ST_OPEN ? v->x_end : o->t_complete;
}

/* The operations that reach into the picture, and the role changes inside it. */
static void add_spans_and_marks(st_view *v, const plot_data *d)
{
  for (guint i = 0; i < d->h->ops->len; i++) {
    const hist_op *o = d->h->ops->pdata[i];
    if (!g_hash_table_contains(v->clients, o->process))
      g_hash_table_add(v->clients, g_strdup(o->process));
    bool reaches = o->outcome == HIST_PENDING || o->t_complete >= v->from;
    if (o->t_invoke <= v->x_end && reaches) {
      g_ptr_array_add(v->spans, (gpointer)o);
      note_node(v, o->process);
    }
  }
  for (guint i = 0; i < d->f->roles->len; i++) {
    const fact_role *x = d->f->roles->pdata[i];
    if (x->t < v->from || x->t > v->to)
      continue;
    st_mark *m = g_new0(st_mark, 1);
    m->t = x->t;
    m->node = g_strdup(x->node);
    m->text = x->view > 0 ? g_strdup_printf("%s (view %" G_GUINT64_FORMAT ")", x->role, x->view)
                          : g_strdup(x->role);
    g_ptr_array_add(v->marks, m);
    note_node(v, x->node);
  }
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

/* Messages shown before a default window's anchor, so that what led to it is in the picture. */
#define ANCHOR_LEAD 40

typedef struct lead_reader {
  double anchor;
  double times[ANCHOR_LEAD];
  guint n;
} lead_reader;

static bool on_lead(void *ud, const trace_line *l, char **why)
{
  lead_reader *r = ud;
  if (trace_line_t(l) >= r->anchor) {
    *why = NULL; /* stop quietly: the anchor is reached */
    return false;
  }
  r->times[r->n++ % ANCHOR_LEAD] = trace_line_t(l);
  return true;
}

/* Where a default window starts: ANCHOR_LEAD messages before its anchor (or at it). */
static bool lead_in(const plot_data *d, double anchor, double *from, char **err)
{
  static const char *const sends[] = {"send", NULL};
  lead_reader r = {.anchor = anchor};
  if (!trace_foreach_types(d->trace, sends, on_lead, &r, err))
    return false;
  *from = r.n == 0 ? anchor : r.n < ANCHOR_LEAD ? r.times[0] : r.times[r.n % ANCHOR_LEAD];
  return true;
}

/* Does the run know `node` at all (an operation's process, or a node in its facts, or one of the
 * window's messages)? */
static bool known_node(const st_view *v, const plot_data *d, const char *node)
{
  if (g_hash_table_contains(v->nodes, node) || g_hash_table_contains(v->clients, node))
    return true;
  for (guint i = 0; i < d->f->digests->len; i++)
    if (strcmp(((const fact_digest *)d->f->digests->pdata[i])->node, node) == 0)
      return true;
  for (guint i = 0; i < d->f->roles->len; i++)
    if (strcmp(((const fact_role *)d->f->roles->pdata[i])->node, node) == 0)
      return true;
  for (guint i = 0; i < d->f->faults->len; i++)
    if (g_strcmp0(((const fact_fault *)d->f->faults->pdata[i])->node, node) == 0)
      return true;
  return false;
}

/* Keeps only what is on the lanes of `nodes`: arrows between two of them, their operations and
 * role changes. */
static void keep_nodes(st_view *v, char **nodes)
{
  for (guint i = v->arrows->len; i-- > 0;) {
    const st_arrow *a = v->arrows->pdata[i];
    if (!g_strv_contains((const char *const *)nodes, a->from ? a->from : "") ||
        !g_strv_contains((const char *const *)nodes, a->to ? a->to : ""))
      g_ptr_array_remove_index(v->arrows, i);
  }
  for (guint i = v->spans->len; i-- > 0;)
    if (!g_strv_contains((const char *const *)nodes, ((const hist_op *)v->spans->pdata[i])->process))
      g_ptr_array_remove_index(v->spans, i);
  for (guint i = v->marks->len; i-- > 0;)
    if (!g_strv_contains((const char *const *)nodes, ((const st_mark *)v->marks->pdata[i])->node))
      g_ptr_array_remove_index(v->marks, i);
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init(&it, v->nodes);
  while (g_hash_table_iter_next(&it, &key, NULL))
    if (!g_strv_contains((const char *const *)nodes, key))
      g_hash_table_iter_remove(&it);
  for (char **n = nodes; *n; n++)
    if (!g_hash_table_contains(v->nodes, *n))
      g_hash_table_add(v->nodes, g_strdup(*n));
}

/* One streaming pass over the trace's messages: memory holds the window's events and the
 * messages in flight, not the trace. */
bool st_view_read(const plot_data *d, const plot_window *win, st_view *v, char **err)
{
  memset(v, 0, sizeof *v);
  v->arrows = g_ptr_array_new_with_free_func(arrow_free);
  v->spans = g_ptr_array_new();
  v->marks = g_ptr_array_new_with_free_func(mark_free);
  v->clients = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  v->nodes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  st_reader r = {.v = v, .has_from = win && win->has_from, .has_to = win && win->has_to};
  r.sent = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, msg_free);
  v->from = r.has_from ? win->from : 0;
  double anchor;
  bool ok = true;
  v->stuck = -1;
  if (!r.has_from && !r.has_to && st_anchor(d, &anchor, &v->why, &v->stuck)) {
    ok = lead_in(d, anchor, &v->from, err);
    r.has_from = true;
  }
  if (r.has_to)
    fix_window_end(&r, win->to);
  static const char *const types[] = {"send", "recv", "drop", NULL};
  ok = ok && trace_foreach_types(d->trace, types, on_line, &r, err);
  if (ok && !r.to_fixed) /* fewer messages than the default window holds: show them all */
    fix_window_end(&r, MAX(r.t_last, v->from));
  g_hash_table_destroy(r.sent);
  if (ok) {
    settle_end(&r);
    add_spans_and_marks(v, d);
    for (char **n = win ? win->nodes : NULL; n && *n && ok; n++)
      if (!known_node(v, d, *n)) {
        *err = g_strdup_printf("--nodes: no node \"%s\" in %s", *n, d->trace);
        ok = false;
      }
    if (ok && win && win->nodes)
      keep_nodes(v, win->nodes);
  }
  if (!ok) {
    st_view_clear(v);
  }
  return ok;
}

void st_view_clear(st_view *v)
{
  g_free(v->why);
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
