/* A run as a ShiViz log: every send, receipt, fault, role change and client operation an event
 * of its node, every loss an event of the network, with the vector clock it had then. One pass. */
#include "analysis/export.h"
#include "analysis/export_file.h"
#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

#include <string.h>

/* A host: one incarnation of a node (a node restarted after a crash is a new host). */
typedef struct sv_host {
  char *name;     /* "r1", then "r1#2" after its first crash... */
  guint slot;     /* its entry in every clock */
} sv_host;

typedef struct sv {
  export_file out;
  GHashTable *current;  /* node -> sv_host* of its current incarnation */
  GHashTable *crashed;  /* node -> incarnations so far, while it is down (next event: new host) */
  GHashTable *count;    /* node -> incarnations so far */
  GPtrArray *hosts;     /* sv_host*, by slot */
  GPtrArray *clocks;    /* GArray of guint64 per slot: each host's current clock */
  GHashTable *sent;     /* message id -> GArray clock at the send, until it arrives */
} sv;

static GArray *clock_new(guint n)
{
  GArray *c = g_array_sized_new(FALSE, TRUE, sizeof(guint64), n);
  g_array_set_size(c, n);
  return c;
}

static void clock_free(gpointer p)
{
  g_array_free(p, TRUE);
}

/* The node's current host, a new one when it has just come back from a crash. The new one starts
 * from the old one's clock: what the node knew survives in its store, and ShiViz then draws the
 * restart below the crash instead of at the top of the run. */
static sv_host *host_of(sv *x, const char *node)
{
  node = node ? node : "?";
  sv_host *h = g_hash_table_lookup(x->current, node);
  if (h && !g_hash_table_contains(x->crashed, node))
    return h;
  const GArray *before = h ? x->clocks->pdata[h->slot] : NULL;
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(x->count, node)) + 1;
  g_hash_table_replace(x->count, g_strdup(node), GUINT_TO_POINTER(n));
  g_hash_table_remove(x->crashed, node);
  h = g_new0(sv_host, 1);
  h->name = n == 1 ? g_strdup(node) : g_strdup_printf("%s#%u", node, n);
  h->slot = x->hosts->len;
  g_ptr_array_add(x->hosts, h);
  GArray *c = clock_new(x->hosts->len);
  for (guint i = 0; before && i < before->len; i++)
    g_array_index(c, guint64, i) = g_array_index(before, guint64, i);
  g_ptr_array_add(x->clocks, c);
  g_hash_table_replace(x->current, g_strdup(node), h);
  return h;
}

static GArray *clock_of(sv *x, const sv_host *h)
{
  GArray *c = x->clocks->pdata[h->slot];
  if (c->len < x->hosts->len)
    g_array_set_size(c, x->hosts->len);
  return c;
}

/* One event of `node`: its own entry rises by one (after merging `merge`, a message's clock). */
static void event(sv *x, const char *node, const GArray *merge, const char *what)
{
  sv_host *h = host_of(x, node);
  GArray *c = clock_of(x, h);
  for (guint i = 0; merge && i < merge->len && i < c->len; i++)
    g_array_index(c, guint64, i) = MAX(g_array_index(c, guint64, i), g_array_index(merge, guint64, i));
  g_array_index(c, guint64, h->slot)++;
  GString *b = x->out.buf;
  g_string_append_printf(b, "%s {", h->name);
  bool comma = false;
  for (guint i = 0; i < c->len; i++) {
    guint64 v = g_array_index(c, guint64, i);
    if (!v)
      continue;
    g_string_append(b, comma ? "," : "");
    trace_json_append_string(b, ((sv_host *)x->hosts->pdata[i])->name);
    g_string_append_printf(b, ":%" G_GUINT64_FORMAT, v);
    comma = true;
  }
  g_string_append(b, "} ");
  for (const char *p = what; *p; p++) /* one event a line */
    g_string_append_c(b, *p == '\n' || *p == '\r' ? ' ' : *p);
  g_string_append_c(b, '\n');
}

static const char *s(const trace_line *l, const char *name)
{
  const char *v = NULL;
  char *why = NULL;
  if (!trace_line_opt_str(l, name, &v, NULL, &why))
    g_free(why);
  return v ? v : "?";
}

static char *msg_id(const trace_line *l)
{
  for (guint i = 0; i < trace_line_n_members(l); i++) {
    const char *text;
    if (strcmp(trace_line_member(l, i, NULL, &text), "id") == 0 && text)
      return g_strdup(text);
  }
  return g_strdup("");
}

static void on_message(sv *x, const trace_line *l, const char *type)
{
  char *id = msg_id(l);
  char *what;
  if (strcmp(type, "send") == 0) {
    what = g_strdup_printf("send %s to %s (t=%.9g)", s(l, "msg"), s(l, "to"), trace_line_t(l));
    event(x, s(l, "from"), NULL, what);
    sv_host *h = host_of(x, s(l, "from"));
    GArray *copy = clock_new(0);
    g_array_append_vals(copy, clock_of(x, h)->data, clock_of(x, h)->len);
    g_hash_table_replace(x->sent, id, copy);
    id = NULL;
  } else if (strcmp(type, "recv") == 0) {
    what = g_strdup_printf("receive %s from %s (t=%.9g)", s(l, "msg"), s(l, "from"), trace_line_t(l));
    event(x, s(l, "to"), g_hash_table_lookup(x->sent, id), what);
    g_hash_table_remove(x->sent, id);
  } else {
    /* The network's event, not the sender's: the sender does not learn of it, and it may have
     * crashed meanwhile (its loss would have opened the next incarnation while it was down). */
    what = g_strdup_printf("lost %s from %s to %s: %s (t=%.9g)", s(l, "msg"), s(l, "from"),
                           s(l, "to"), s(l, "why"), trace_line_t(l));
    event(x, "network", g_hash_table_lookup(x->sent, id), what);
    g_hash_table_remove(x->sent, id);
  }
  g_free(what);
  g_free(id);
}

/* A crash is the node's last event as this host; its next event starts a new one. */
static void on_fault(sv *x, const trace_line *l)
{
  const char *node = s(l, "node");
  char *what = g_strdup_printf("fault %s %s (t=%.9g)", s(l, "fault"), s(l, "phase"), trace_line_t(l));
  event(x, strcmp(node, "?") == 0 ? "network" : node, NULL, what);
  if (strcmp(s(l, "fault"), "crash") == 0 && strcmp(s(l, "phase"), "start") == 0)
    g_hash_table_add(x->crashed, g_strdup(node));
  g_free(what);
}

static bool on_line(void *ud, const trace_line *l, char **why)
{
  (void)why;
  sv *x = ud;
  const char *type = trace_line_type(l);
  char *what = NULL;
  if (strcmp(type, "send") == 0 || strcmp(type, "recv") == 0 || strcmp(type, "drop") == 0) {
    on_message(x, l, type);
  } else if (strcmp(type, "fault") == 0) {
    on_fault(x, l);
  } else if (strcmp(type, "invoke") == 0) {
    what = g_strdup_printf("invoke %s %s (t=%.9g)", s(l, "op"), s(l, "key"), trace_line_t(l));
    event(x, s(l, "process"), NULL, what);
  } else if (strcmp(type, "ok") == 0 || strcmp(type, "fail") == 0 || strcmp(type, "info") == 0) {
    what = g_strdup_printf("%s %s %s (t=%.9g)", type, s(l, "op"), s(l, "status"), trace_line_t(l));
    event(x, s(l, "process"), NULL, what);
  } else if (strcmp(type, "role") == 0) {
    what = g_strdup_printf("role %s (t=%.9g)", s(l, "role"), trace_line_t(l));
    event(x, s(l, "node"), NULL, what);
  }
  g_free(what);
  if (x->out.buf->len > 65536)
    export_file_flush(&x->out);
  return true;
}

static void host_free(gpointer p)
{
  sv_host *h = p;
  g_free(h->name);
  g_free(h);
}

bool export_shiviz(const char *trace, const char *out, char **err)
{
  sv x = {0};
  if (!export_file_open(&x.out, out, err))
    return false;
  x.current = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  x.crashed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  x.count = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  x.hosts = g_ptr_array_new_with_free_func(host_free);
  x.clocks = g_ptr_array_new_with_free_func(clock_free);
  x.sent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, clock_free);
  g_string_append(x.out.buf, EXPORT_SHIVIZ_REGEX "\n\n");
  bool ok = trace_foreach(trace, on_line, &x, err);
  ok = export_file_close(&x.out, ok, err);
  g_hash_table_destroy(x.current);
  g_hash_table_destroy(x.crashed);
  g_hash_table_destroy(x.count);
  g_hash_table_destroy(x.sent);
  g_ptr_array_free(x.hosts, TRUE);
  g_ptr_array_free(x.clocks, TRUE);
  return ok;
}
