/* Turns what core nodes report into trace lines, seed 000's per-node logs and step checks, for
 * whichever host runs them (actors/ in simulation, net/ for real). */
#include "node_events.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Logs are appended to their file once this much is buffered: few opens for a replica that logs
 * every write, and at most this much per node in memory (a client logs only its own writes), with
 * one file open at a time whatever the number of nodes. */
#define TEV_LOG_FLUSH_BYTES 65536

/* Frees a step check, for the arrays that collect them. */
void trace_step_check_free(gpointer p)
{
  trace_step_check *c = p;
  g_free(c->client);
  g_free(c->what);
  g_free(c->expected);
  g_free(c->actual);
  g_free(c);
}

/* Gives a run its scratch strings; steps and digests are the host's to attach. */
void tev_run_init(tev_run *r, trace_writer *trace)
{
  memset(r, 0, sizeof *r);
  r->trace = trace;
  for (int i = 0; i < 4; i++)
    r->str[i] = g_string_sized_new(512);
}

void tev_run_clear(tev_run *r)
{
  for (int i = 0; i < 4; i++)
    if (r->str[i])
      g_string_free(r->str[i], TRUE);
  g_free(r->log_error);
  memset(r, 0, sizeof *r);
}

const char *tev_bytes_str(tev_run *r, int slot, rs_bytes b)
{
  if (!b.ptr)
    return NULL;
  g_string_truncate(r->str[slot], 0);
  g_string_append_len(r->str[slot], b.ptr, b.len);
  return r->str[slot]->str;
}

static const char *name_of(const tev_run *r, rs_node_id id)
{
  return r->name_of ? r->name_of(r->name_ctx, id) : NULL;
}

/* Writes what the log buffered to its file: created on the first flush (a node that logged
 * nothing still gets its empty file at the end), appended to after. */
void tev_log_flush(tev_run *r, tev_log *log)
{
  if (!log->path || (log->created && log->buf->len == 0))
    return;
  FILE *f = fopen(log->path, log->created ? "a" : "w");
  if (!f) {
    if (!r->log_error)
      r->log_error = g_strdup_printf("%s: %s", log->path, g_strerror(errno));
    g_string_truncate(log->buf, 0);
    return;
  }
  if (fwrite(log->buf->str, 1, log->buf->len, f) != log->buf->len && !r->log_error)
    r->log_error = g_strdup_printf("%s: %s", log->path, g_strerror(errno));
  if (fclose(f) != 0 && !r->log_error)
    r->log_error = g_strdup_printf("%s: %s", log->path, g_strerror(errno));
  log->created = true;
  g_string_truncate(log->buf, 0);
}

void tev_log_line(tev_run *r, tev_log *log, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_string_append_vprintf(log->buf, fmt, ap);
  va_end(ap);
  g_string_append_c(log->buf, '\n');
  if (log->buf->len >= TEV_LOG_FLUSH_BYTES)
    tev_log_flush(r, log);
}

/* The history's process of an event: the node, or its second lane (rs_event.lane). */
static const char *process_of(tev_run *r, const tev_node *n, const rs_event *ev)
{
  if (!ev->lane)
    return n->name;
  g_string_printf(r->str[3], "%s:results", n->name);
  return r->str[3]->str;
}

/* One `key value` line per applied write, oldest first (seed 000's logs); a delete logs its key
 * with "(deleted)" so the log still shows every change in order (chat: a register "(registered)",
 * a fetch "(fetched)", a send `recipient text`). */
void tev_log_update(tev_run *r, tev_log *log, const rs_op *op, const rs_result *res)
{
  rs_bytes value = op->value;
  if (op->kind == RS_OP_APPEND && res && res->value.ptr)
    value = res->value;
  /* Appended by hand, not through printf: a replica logs every update, the run's commonest line. */
  g_string_append_len(log->buf, op->key.ptr ? op->key.ptr : "", (gssize)op->key.len);
  if (op->kind == RS_OP_DELETE) {
    g_string_append(log->buf, " (deleted)\n");
  } else if (op->kind == RS_OP_REGISTER) { /* chat: never a password in a log */
    g_string_append(log->buf, " (registered)\n");
  } else if (op->kind == RS_OP_FETCH) {
    g_string_append(log->buf, " (fetched)\n");
  } else {
    g_string_append_c(log->buf, ' ');
    if (value.ptr)
      g_string_append_len(log->buf, value.ptr, (gssize)value.len);
    g_string_append_c(log->buf, '\n');
  }
  if (log->buf->len >= TEV_LOG_FLUSH_BYTES)
    tev_log_flush(r, log);
}

static void set_bytes(GString *s, rs_bytes b)
{
  g_string_truncate(s, 0);
  if (b.ptr)
    g_string_append_len(s, b.ptr, b.len);
}

static void on_invoke(tev_run *r, const tev_node *n, double t, const rs_event *ev)
{
  const rs_op *op = ev->op;
  const char *process = process_of(r, n, ev); /* before slot 3 holds cas's expected */
  char *owned = ev->lane ? g_strdup(process) : NULL;
  trace_op_invoke(r->trace, t, owned ? owned : n->name, rs_op_name(op->kind), tev_bytes_str(r, 0, op->key),
                  tev_bytes_str(r, 1, op->name), tev_bytes_str(r, 2, op->value),
                  op->kind == RS_OP_CAS ? tev_bytes_str(r, 3, op->expected) : NULL,
                  ev->intended > 0 ? ev->intended : -1);
  g_free(owned);
  if (!n->open_op || ev->lane)
    return;
  n->open_op->open = true;
  n->open_op->kind = op->kind;
  set_bytes(n->open_op->key, op->key);
  set_bytes(n->open_op->name, op->name);
}

/* A completion carries the answer: a read's value and name, an update's status and version. */
static void on_complete(tev_run *r, const tev_node *n, double t, const rs_event *ev)
{
  const rs_op *op = ev->op;
  const rs_result *res = ev->res;
  bool answered = ev->outcome == RS_OUT_OK;
  bool read_ok = answered && rs_op_answers_value(op->kind);
  const char *name = read_ok ? tev_bytes_str(r, 1, res->name) : tev_bytes_str(r, 1, op->name);
  const char *value = read_ok ? tev_bytes_str(r, 2, res->value) : NULL;
  bool value_null = read_ok && op->kind == RS_OP_GET && res->status == RS_ST_SUCCESS && !res->value.ptr;
  trace_op_complete(r->trace, t, rs_outcome_name(ev->outcome), process_of(r, n, ev), rs_op_name(op->kind),
                    tev_bytes_str(r, 0, op->key), name, value, value_null, rs_status_name(res->status),
                    answered ? res->version : 0, name_of(r, ev->replica));
  /* A voter's votes are not its log: its log holds the results (seed 002). */
  if (answered && rs_op_is_update(op->kind) && op->kind != RS_OP_VOTE && res->status == RS_ST_SUCCESS && n->log)
    tev_log_update(r, n->log, op, res);
  if (ev->lane)
    return;
  if (n->open_op)
    n->open_op->open = false;
  if (n->done)
    (*n->done)++;
}

void tev_crash_open_op(tev_run *r, const tev_node *n, double t)
{
  if (!n->open_op || !n->open_op->open)
    return;
  const char *name = n->open_op->name->len ? n->open_op->name->str : NULL;
  trace_op_complete(r->trace, t, "info", n->name, rs_op_name(n->open_op->kind), n->open_op->key->str, name, NULL,
                    false, rs_status_name(RS_ST_CLIENT_CRASHED), 0, NULL);
  n->open_op->open = false;
  if (n->done)
    (*n->done)++;
}

static char *describe_step(const tev_run *r, const rs_script_step *s)
{
  GString *d = g_string_new(rs_op_name(s->op.kind));
  if (s->op.key.ptr)
    g_string_append_printf(d, " %.*s", (int)s->op.key.len, s->op.key.ptr);
  if (s->replica != RS_NO_NODE)
    g_string_append_printf(d, " at %s", name_of(r, s->replica));
  return g_string_free(d, FALSE);
}

/* Checks a scripted step against its `expect` (status) and `expect-value` (value read). */
static void on_step(tev_run *r, const tev_node *n, const rs_event *ev)
{
  const rs_script_step *step = ev->step;
  const rs_result *res = ev->res;
  if (!r->steps || (step->expect == RS_ST_NONE && !step->expect_value))
    return;
  trace_step_check *chk = g_new0(trace_step_check, 1);
  chk->client = g_strdup(n->name);
  chk->line = step->line;
  chk->what = describe_step(r, step);
  const char *status = ev->outcome == RS_OUT_OK ? rs_status_name(res->status) : rs_outcome_name(ev->outcome);
  const char *value = res->value.ptr ? tev_bytes_str(r, 2, res->value) : "null";
  bool held = step->expect == RS_ST_NONE || (ev->outcome == RS_OUT_OK && res->status == step->expect);
  if (step->expect_value)
    held = held && ev->outcome == RS_OUT_OK && strcmp(value, step->expect_value) == 0;
  chk->expected = step->expect_value ? g_strdup_printf("%s \"%s\"", step->expect ? rs_status_name(step->expect) : "",
                                                       step->expect_value)
                                     : g_strdup(rs_status_name(step->expect));
  chk->actual = step->expect_value ? g_strdup_printf("%s \"%s\"", status, value) : g_strdup(status);
  chk->held = held;
  g_ptr_array_add(r->steps, chk);
}

static void on_final(tev_run *r, const tev_node *n, const rs_event *ev)
{
  const rs_result *res = ev->res;
  bool value_null = res->status == RS_ST_SUCCESS && !res->value.ptr && ev->op->kind == RS_OP_GET;
  trace_final(r->trace, r->end_time, n->name, tev_bytes_str(r, 0, ev->op->key), tev_bytes_str(r, 1, res->name),
              tev_bytes_str(r, 2, res->value), value_null, rs_status_name(res->status), res->version);
}

static void on_digest(tev_run *r, const tev_node *n, const rs_event *ev)
{
  char hex[24];
  g_snprintf(hex, sizeof hex, "%016" G_GINT64_MODIFIER "x", (guint64)ev->digest);
  trace_digest(r->trace, r->end_time, n->name, hex, n->up, ev->current);
  if (n->up && r->digests)
    g_ptr_array_add(r->digests, g_strdup(hex));
}

void tev_emit(tev_run *r, const tev_node *n, double t, const rs_event *ev)
{
  switch (ev->type) {
  case RS_EV_INVOKE:
    on_invoke(r, n, t, ev);
    break;
  case RS_EV_COMPLETE:
    on_complete(r, n, t, ev);
    break;
  case RS_EV_ROLE:
    trace_role(r->trace, t, n->name, ev->role, ev->view);
    break;
  case RS_EV_REFUSE:
    trace_refuse(r->trace, t, n->name, name_of(r, ev->from), rs_msg_type_name(ev->msg_type), ev->why);
    break;
  case RS_EV_APPLY:
    if (n->log)
      tev_log_update(r, n->log, ev->op, ev->res);
    break;
  case RS_EV_LOG:
    if (n->log)
      tev_log_line(r, n->log, "%s", ev->text);
    break;
  case RS_EV_STEP:
    on_step(r, n, ev);
    break;
  case RS_EV_FINISHED:
    break;
  case RS_EV_FINAL:
    on_final(r, n, ev);
    break;
  case RS_EV_DIGEST:
    on_digest(r, n, ev);
    break;
  }
}
