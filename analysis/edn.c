/* Writing a client history as Jepsen's history.edn: one EDN map per invocation or completion. */
#include "edn.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* One line of the log: an operation's invocation or its completion. */
typedef struct edn_event {
  const hist_op *op;
  bool complete;
  double t;
  long line;
  int rank; /* within one instant, when lines are unknown: see event_rank */
} edn_event;

void edn_append_string(GString *out, const char *s)
{
  if (!s) {
    g_string_append(out, "nil");
    return;
  }
  g_string_append_c(out, '"');
  const char *end = s + strlen(s);
  for (const char *p = s; p < end;) {
    unsigned char c = (unsigned char)*p;
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                    : c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
    if (esc) {
      g_string_append(out, esc);
      p++;
    } else if (c < 0x80) {
      g_string_append_c(out, (char)c);
      p++;
    } else {
      gunichar u = g_utf8_get_char_validated(p, end - p);
      if (u == (gunichar)-1 || u == (gunichar)-2) {
        g_string_append_unichar(out, c); /* the Latin-1 character of a stray byte */
        p++;
      } else {
        const char *next = g_utf8_next_char(p);
        g_string_append_len(out, p, next - p);
        p = next;
      }
    }
  }
  g_string_append_c(out, '"');
}

/* A keyword when `name` is a plain lower-case word, else a string (a hand-made trace's odd op). */
static void append_keyword(GString *out, const char *name)
{
  bool plain = g_ascii_islower(name[0]);
  for (const char *p = name; plain && *p; p++)
    plain = g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '-' || *p == '_';
  if (plain)
    g_string_append_printf(out, ":%s", name);
  else
    edn_append_string(out, name);
}

static bool is_read(const char *op)
{
  return strcmp(op, "read") == 0 || strcmp(op, "get") == 0;
}

/* ["key" v]: what the operation wrote, or (on a read's ok) what it read; see edn.h. */
static void append_value(GString *out, const edn_event *e)
{
  const hist_op *o = e->op;
  g_string_append_c(out, '[');
  edn_append_string(out, o->key);
  g_string_append_c(out, ' ');
  if (is_read(o->op))
    edn_append_string(out, e->complete && o->outcome == HIST_OK ? o->value : NULL);
  else if (strcmp(o->op, "delete") == 0)
    g_string_append(out, "nil");
  else if (strcmp(o->op, "cas") == 0) {
    g_string_append_c(out, '[');
    edn_append_string(out, o->expected);
    g_string_append_c(out, ' ');
    edn_append_string(out, o->value);
    g_string_append_c(out, ']');
  } else
    edn_append_string(out, o->value);
  g_string_append_c(out, ']');
}

static const char *type_of(const edn_event *e)
{
  if (!e->complete)
    return "invoke";
  return e->op->outcome == HIST_OK ? "ok" : e->op->outcome == HIST_FAIL ? "fail" : "info";
}

static void append_event(GString *out, const edn_event *e, unsigned process, size_t index,
                         const char *model)
{
  const hist_op *o = e->op;
  g_string_append_printf(out, "{:type :%s, :f ", type_of(e));
  append_keyword(out, o->op);
  g_string_append(out, ", :value ");
  append_value(out, e);
  g_string_append_printf(out, ", :process %u, :time %lld, :index %zu, :node ", process,
                         (long long)llround(e->t * 1e9), index);
  edn_append_string(out, o->process);
  /* A read learns its file's name from its answer; a write names it from the start. */
  if (o->name && (!is_read(o->op) || (e->complete && o->outcome == HIST_OK))) {
    g_string_append(out, ", :name ");
    edn_append_string(out, o->name);
  }
  if (e->complete && o->status) {
    g_string_append(out, ", :status ");
    edn_append_string(out, o->status);
  }
  if (e->complete && o->version)
    g_string_append_printf(out, ", :version %" G_GUINT64_FORMAT, o->version);
  if (model) {
    g_string_append(out, ", :replsim/model ");
    edn_append_string(out, model);
  }
  g_string_append(out, "}\n");
}

/* Within one instant (lines unknown): completions of earlier operations, then invocations, then
 * completions of operations invoked at that same instant. */
static int event_rank(const edn_event *e)
{
  if (!e->complete)
    return 1;
  return e->op->t_invoke < e->t ? 0 : 2;
}

/* Trace order: by line when both are known, else by time, rank and invocation index. */
static int cmp_event(const void *pa, const void *pb)
{
  const edn_event *a = pa, *b = pb;
  if (a->line > 0 && b->line > 0 && a->line != b->line)
    return a->line < b->line ? -1 : 1;
  if (a->t != b->t)
    return a->t < b->t ? -1 : 1;
  if (a->rank != b->rank)
    return a->rank - b->rank;
  return (a->op->index > b->op->index) - (a->op->index < b->op->index);
}

/* Every invocation and completion, sorted into the order they happened: O(n log n). */
static GArray *events_of(const history *h)
{
  GArray *ev = g_array_sized_new(FALSE, FALSE, sizeof(edn_event), h->ops->len * 2);
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = g_ptr_array_index(h->ops, i);
    edn_event inv = {o, false, o->t_invoke, o->trace_line_invoke, 1};
    g_array_append_val(ev, inv);
    if (o->outcome == HIST_PENDING)
      continue;
    edn_event done = {o, true, o->t_complete, o->trace_line_complete, 0};
    done.rank = event_rank(&done);
    g_array_append_val(ev, done);
  }
  g_array_sort(ev, cmp_event);
  return ev;
}

/* Jepsen's process numbers: a client's current number, a fresh one after an :info. */
typedef struct edn_procs {
  GHashTable *current; /* client name -> number + 1 */
  unsigned next;
} edn_procs;

static unsigned process_of(edn_procs *p, const edn_event *e)
{
  const char *client = e->op->process;
  unsigned n = GPOINTER_TO_UINT(g_hash_table_lookup(p->current, client));
  if (!e->complete && n == 0)
    g_hash_table_insert(p->current, (gpointer)client, GUINT_TO_POINTER(n = ++p->next));
  if (e->complete && e->op->outcome == HIST_INFO)
    g_hash_table_remove(p->current, client); /* its next operation gets a new number */
  return n ? n - 1 : 0;
}

bool edn_write_history(const history *h, const char *model, FILE *out)
{
  GArray *ev = events_of(h);
  edn_procs procs = {g_hash_table_new(g_str_hash, g_str_equal), 0};
  GString *line = g_string_sized_new(256);
  bool ok = true;
  for (guint i = 0; i < ev->len && ok; i++) {
    const edn_event *e = &g_array_index(ev, edn_event, i);
    g_string_truncate(line, 0);
    append_event(line, e, process_of(&procs, e), i, i == 0 ? model : NULL);
    ok = fwrite(line->str, 1, line->len, out) == line->len;
  }
  g_string_free(line, TRUE);
  g_hash_table_destroy(procs.current);
  g_array_free(ev, TRUE);
  return ok;
}

bool edn_write_history_file(const history *h, const char *model, const char *path, char **err)
{
  FILE *f = fopen(path, "w");
  if (!f) {
    if (err)
      *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
    return false;
  }
  bool ok = edn_write_history(h, model, f);
  int saved = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    saved = errno;
  }
  if (!ok && err)
    *err = g_strdup_printf("%s: %s", path, g_strerror(saved));
  return ok;
}
