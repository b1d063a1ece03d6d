/* A run as Chrome trace-event JSON for Perfetto: processes per node, slices and flow arrows per
 * message, instants for faults, async slices per client operation. One streaming pass. */
#include "analysis/export.h"
#include "analysis/export_file.h"
#include "trace/trace_reader.h"
#include "trace/trace_writer.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

/* Threads of a node's process: what happens to it, what it sends, what it receives. Sends (and
 * receipts) closer than a slice's 1 us go to further lanes, "send 2" (tid 3), "send 3" (tid 5)...:
 * slices on one thread must nest, and viewers drop or mis-stack the ones that only overlap. */
enum { TID_EVENTS = 0, TID_SEND = 1, TID_RECV = 2 };
#define SLICE_NS 1000 /* a message slice lasts 1 us */

typedef struct pf {
  export_file out;
  GHashTable *pid;      /* node -> GUINT_TO_POINTER(pid) */
  guint next_pid;
  GHashTable *flow;     /* message id (as text) -> flow id + 1, until the message arrives */
  uint64_t next_flow;
  GHashTable *lanes;    /* pid * 2 + (tid - 1) -> GArray of gint64: each lane's end, in ns */
  GHashTable *open_op;  /* process -> op id + 1 */
  uint64_t next_op;
  bool first;
  double t_end;
  char *run;            /* the "otherData" members, as JSON text */
} pf;

static void ev_begin(pf *x)
{
  g_string_append(x->out.buf, x->first ? "\n" : ",\n");
  x->first = false;
}

static void str_member(GString *b, const char *name, const char *v)
{
  g_string_append_printf(b, "\"%s\":", name);
  trace_json_append_string(b, v ? v : "");
}

static void ts_member(GString *b, double t)
{
  g_string_append_printf(b, ",\"ts\":%.3f", t * 1e6);
}

/* The node's process, named by a metadata event the first time it appears. */
static guint pid_of(pf *x, const char *node)
{
  node = node ? node : "?";
  guint pid = GPOINTER_TO_UINT(g_hash_table_lookup(x->pid, node));
  if (pid)
    return pid;
  pid = ++x->next_pid;
  g_hash_table_insert(x->pid, g_strdup(node), GUINT_TO_POINTER(pid));
  static const char *const threads[] = {"events", "send", "receive"};
  ev_begin(x);
  g_string_append_printf(x->out.buf, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%u,\"tid\":0,\"args\":{", pid);
  str_member(x->out.buf, "name", node);
  g_string_append(x->out.buf, "}}");
  ev_begin(x);
  g_string_append_printf(x->out.buf, "{\"ph\":\"M\",\"name\":\"process_sort_index\",\"pid\":%u,\"tid\":0,"
                         "\"args\":{\"sort_index\":%u}}", pid, pid);
  for (int t = 0; t < 3; t++) {
    ev_begin(x);
    g_string_append_printf(x->out.buf, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%d,"
                           "\"args\":{\"name\":\"%s\"}}", pid, t, threads[t]);
  }
  ev_begin(x); /* the events thread first, above every send and receive lane */
  g_string_append_printf(x->out.buf, "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%u,\"tid\":%d,"
                         "\"args\":{\"sort_index\":0}}", pid, TID_EVENTS);
  return pid;
}

static const char *s(const trace_line *l, const char *name)
{
  const char *v = NULL;
  char *why = NULL;
  if (!trace_line_opt_str(l, name, &v, NULL, &why))
    g_free(why);
  return v;
}

/* The message's id as text ("" when it has none): flows are keyed by it. */
static char *msg_id(const trace_line *l)
{
  for (guint i = 0; i < trace_line_n_members(l); i++) {
    const char *text;
    const char *name = trace_line_member(l, i, NULL, &text);
    if (strcmp(name, "id") == 0 && text)
      return g_strdup(text);
  }
  return g_strdup("");
}

/* The first lane of the node's send (kind TID_SEND) or receive thread that is free at `t`, named
 * the first time it is used. */
static int lane_of(pf *x, guint pid, int kind, double t)
{
  gpointer key = GUINT_TO_POINTER(pid * 2 + (guint)(kind - TID_SEND));
  GArray *ends = g_hash_table_lookup(x->lanes, key);
  if (!ends) {
    ends = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_hash_table_insert(x->lanes, key, ends);
  }
  gint64 start = (gint64)llround(t * 1e9);
  guint k = 0;
  while (k < ends->len && g_array_index(ends, gint64, k) > start)
    k++;
  int tid = kind + 2 * (int)k;
  if (k == ends->len) {
    g_array_append_val(ends, start);
    if (k > 0) {
      ev_begin(x);
      g_string_append_printf(x->out.buf, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%u,\"tid\":%d,"
                             "\"args\":{\"name\":\"%s %u\"}}", pid, tid, kind == TID_SEND ? "send" : "receive", k + 1);
    }
    ev_begin(x); /* all send lanes together, then all receive lanes */
    g_string_append_printf(x->out.buf, "{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%u,\"tid\":%d,"
                           "\"args\":{\"sort_index\":%u}}", pid, tid, kind * 1000 + k);
  }
  g_array_index(ends, gint64, k) = start + SLICE_NS;
  return tid;
}

/* A 1 µs slice on a lane of a node's send or receive thread, and the flow arrow's end bound to
 * it. */
static void message_slice(pf *x, const trace_line *l, guint pid, int kind, const char *name,
                          const char *peer_key, const char *peer, char phase, uint64_t flow)
{
  double t = trace_line_t(l);
  int tid = lane_of(x, pid, kind, t);
  ev_begin(x);
  GString *b = x->out.buf;
  g_string_append(b, "{\"ph\":\"X\",\"cat\":\"message\",");
  str_member(b, "name", name);
  g_string_append_printf(b, ",\"pid\":%u,\"tid\":%d", pid, tid);
  ts_member(b, t);
  g_string_append(b, ",\"dur\":1,\"args\":{");
  str_member(b, peer_key, peer);
  g_string_append(b, "}}");
  if (!flow)
    return;
  ev_begin(x);
  g_string_append_printf(b, "{\"ph\":\"%c\",\"cat\":\"message\",", phase);
  str_member(b, "name", s(l, "msg"));
  g_string_append_printf(b, ",\"id\":%" PRIu64 ",\"pid\":%u,\"tid\":%d", flow, pid, tid);
  ts_member(b, t);
  g_string_append(b, phase == 'f' ? ",\"bp\":\"e\"}" : "}");
}

static void on_send(pf *x, const trace_line *l)
{
  char *name = g_strdup_printf("%s \xe2\x86\x92 %s", s(l, "msg") ? s(l, "msg") : "?", s(l, "to") ? s(l, "to") : "?");
  uint64_t flow = ++x->next_flow;
  g_hash_table_replace(x->flow, msg_id(l), g_memdup2(&flow, sizeof flow));
  message_slice(x, l, pid_of(x, s(l, "from")), TID_SEND, name, "to", s(l, "to"), 's', flow);
  g_free(name);
}

static void on_recv(pf *x, const trace_line *l)
{
  char *id = msg_id(l);
  uint64_t *flow = g_hash_table_lookup(x->flow, id);
  char *name = g_strdup_printf("%s \xe2\x86\x90 %s", s(l, "msg") ? s(l, "msg") : "?", s(l, "from") ? s(l, "from") : "?");
  message_slice(x, l, pid_of(x, s(l, "to")), TID_RECV, name, "from", s(l, "from"), 'f',
                flow ? *flow : 0);
  g_hash_table_remove(x->flow, id); /* a duplicate arrives without an arrow of its own */
  g_free(name);
  g_free(id);
}

/* An instant on a node's events thread ("p": that process), or across the trace ("g"). */
static void instant(pf *x, double t, const char *node, const char *name, const trace_line *l)
{
  guint pid = pid_of(x, node ? node : "network"); /* first: it may write metadata events */
  ev_begin(x);
  GString *b = x->out.buf;
  g_string_append(b, "{\"ph\":\"i\",\"cat\":\"event\",");
  str_member(b, "name", name);
  g_string_append_printf(b, ",\"pid\":%u,\"tid\":%d,\"s\":\"%s\"", pid, TID_EVENTS, node ? "p" : "g");
  ts_member(b, t);
  g_string_append(b, ",\"args\":{");
  bool comma = false;
  for (guint i = 0; l && i < trace_line_n_members(l); i++) {
    const char *text;
    const char *key = trace_line_member(l, i, NULL, &text);
    if (!text || strcmp(key, "t") == 0 || strcmp(key, "type") == 0)
      continue;
    g_string_append(b, comma ? "," : "");
    str_member(b, key, text);
    comma = true;
  }
  g_string_append(b, "}}");
}

static void on_drop(pf *x, const trace_line *l)
{
  char *id = msg_id(l);
  g_hash_table_remove(x->flow, id);
  g_free(id);
  char *name = g_strdup_printf("lost %s \xe2\x86\x92 %s%s%s%s", s(l, "msg") ? s(l, "msg") : "?",
                               s(l, "to") ? s(l, "to") : "?", s(l, "why") ? " (" : "",
                               s(l, "why") ? s(l, "why") : "", s(l, "why") ? ")" : "");
  instant(x, trace_line_t(l), s(l, "from"), name, l);
  g_free(name);
}

static void on_fault(pf *x, const trace_line *l)
{
  char *name = g_strdup_printf("%s %s", s(l, "fault") ? s(l, "fault") : "fault",
                               s(l, "phase") ? s(l, "phase") : "");
  instant(x, trace_line_t(l), s(l, "node"), name, l);
  g_free(name);
}

/* A client operation as an async slice ("b" ... "e") on its client's process. */
static void on_op(pf *x, const trace_line *l, bool invoke)
{
  const char *process = s(l, "process");
  if (!process)
    return;
  uint64_t id;
  if (invoke) {
    id = ++x->next_op;
    g_hash_table_replace(x->open_op, g_strdup(process), g_memdup2(&id, sizeof id));
  } else {
    uint64_t *open = g_hash_table_lookup(x->open_op, process);
    if (!open)
      return;
    id = *open;
    g_hash_table_remove(x->open_op, process);
  }
  guint pid = pid_of(x, process);
  ev_begin(x);
  GString *b = x->out.buf;
  char *name = g_strdup_printf("%s %s", s(l, "op") ? s(l, "op") : "?", s(l, "key") ? s(l, "key") : "");
  g_string_append_printf(b, "{\"ph\":\"%c\",\"cat\":\"op\",", invoke ? 'b' : 'e');
  str_member(b, "name", name);
  g_string_append_printf(b, ",\"id\":%" PRIu64 ",\"pid\":%u,\"tid\":%d", id, pid, TID_EVENTS);
  ts_member(b, trace_line_t(l));
  g_string_append(b, ",\"args\":{");
  str_member(b, "outcome", invoke ? "invoke" : trace_line_type(l));
  if (s(l, "status")) {
    g_string_append_c(b, ',');
    str_member(b, "status", s(l, "status"));
  }
  g_string_append(b, "}}");
  g_free(name);
}

static void on_run(pf *x, const trace_line *l)
{
  GString *o = g_string_new(NULL);
  for (guint i = 0; i < trace_line_n_members(l); i++) {
    const char *text;
    trace_vkind kind;
    const char *key = trace_line_member(l, i, &kind, &text);
    if (!text || strcmp(key, "type") == 0 || strcmp(key, "t") == 0)
      continue;
    g_string_append(o, o->len ? "," : "");
    if (kind == TRACE_V_INT) /* the seed stays a number */
      g_string_append_printf(o, "\"%s\":%s", key, text);
    else
      str_member(o, key, text);
  }
  g_free(x->run);
  x->run = g_string_free(o, FALSE);
}

static bool on_line(void *ud, const trace_line *l, char **why)
{
  (void)why;
  pf *x = ud;
  const char *type = trace_line_type(l);
  x->t_end = MAX(x->t_end, trace_line_t(l));
  if (strcmp(type, "send") == 0)
    on_send(x, l);
  else if (strcmp(type, "recv") == 0)
    on_recv(x, l);
  else if (strcmp(type, "drop") == 0)
    on_drop(x, l);
  else if (strcmp(type, "fault") == 0)
    on_fault(x, l);
  else if (strcmp(type, "invoke") == 0)
    on_op(x, l, true);
  else if (strcmp(type, "ok") == 0 || strcmp(type, "fail") == 0 || strcmp(type, "info") == 0)
    on_op(x, l, false);
  else if (strcmp(type, "role") == 0 || strcmp(type, "refuse") == 0) {
    char *name = g_strdup_printf("%s %s", type, s(l, strcmp(type, "role") == 0 ? "role" : "msg") ? s(l, strcmp(type, "role") == 0 ? "role" : "msg") : "");
    instant(x, trace_line_t(l), s(l, "node"), name, l);
    g_free(name);
  } else if (strcmp(type, "run") == 0)
    on_run(x, l);
  if (x->out.buf->len > 65536)
    export_file_flush(&x->out);
  return true;
}

/* Operations still open when the trace ends close there, marked pending. */
static void close_open_ops(pf *x)
{
  GPtrArray *names = g_ptr_array_new();
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, x->open_op);
  while (g_hash_table_iter_next(&it, &k, NULL))
    g_ptr_array_add(names, k);
  g_ptr_array_sort(names, (GCompareFunc)(void (*)(void))g_strcmp0); /* deterministic output */
  for (guint i = 0; i < names->len; i++) {
    const char *process = names->pdata[i];
    uint64_t id = *(uint64_t *)g_hash_table_lookup(x->open_op, process);
    guint pid = pid_of(x, process);
    ev_begin(x);
    g_string_append_printf(x->out.buf, "{\"ph\":\"e\",\"cat\":\"op\",\"name\":\"\",\"id\":%" PRIu64
                           ",\"pid\":%u,\"tid\":%d", id, pid, TID_EVENTS);
    ts_member(x->out.buf, x->t_end);
    g_string_append(x->out.buf, ",\"args\":{\"outcome\":\"pending\"}}");
  }
  g_ptr_array_free(names, TRUE);
}

static void lanes_free(gpointer p)
{
  g_array_free(p, TRUE);
}

bool export_perfetto(const char *trace, const char *out, char **err)
{
  pf x = {.first = true};
  if (!export_file_open(&x.out, out, err))
    return false;
  x.pid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  x.flow = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  x.open_op = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  x.lanes = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, lanes_free);
  g_string_append(x.out.buf, "{\"traceEvents\":[");
  bool ok = trace_foreach(trace, on_line, &x, err);
  if (ok) {
    close_open_ops(&x);
    g_string_append_printf(x.out.buf, "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":{%s%s"
                           "\"exported_by\":\"replsim export --to perfetto\",\"time\":\"simulated\"}}\n",
                           x.run ? x.run : "", x.run && *x.run ? "," : "");
  }
  ok = export_file_close(&x.out, ok, err);
  g_hash_table_destroy(x.pid);
  g_hash_table_destroy(x.flow);
  g_hash_table_destroy(x.open_op);
  g_hash_table_destroy(x.lanes);
  g_free(x.run);
  return ok;
}
