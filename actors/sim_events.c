/* Turns what core nodes report into trace lines, seed 000's per-node logs and step checks. */
#include "sim_world.h"

#include <errno.h>
#include <simgrid/engine.h>
#include <stdarg.h>

/* Logs are appended to their file once this much is buffered: few opens for a replica that logs
 * every write, and at most this much per node in memory (a client logs only its own writes), with
 * one file open at a time whatever the number of nodes. */
#define SIM_LOG_FLUSH_BYTES 65536

const char *sim_bytes_str(sim_world *w, int slot, rs_bytes b)
{
  if (!b.ptr)
    return NULL;
  g_string_truncate(w->str[slot], 0);
  g_string_append_len(w->str[slot], b.ptr, b.len);
  return w->str[slot]->str;
}

/* Writes what the log buffered to logs/<node>.txt: created on the first flush (a node that
 * logged nothing still gets its empty file at the end), appended to after. */
void sim_log_flush(sim_node *n)
{
  sim_log *log = &n->log;
  if (log->created && log->buf->len == 0)
    return;
  FILE *f = fopen(log->path, log->created ? "a" : "w");
  if (!f) {
    if (!n->world->log_error)
      n->world->log_error = g_strdup_printf("%s: %s", log->path, g_strerror(errno));
    g_string_truncate(log->buf, 0);
    return;
  }
  if (fwrite(log->buf->str, 1, log->buf->len, f) != log->buf->len && !n->world->log_error)
    n->world->log_error = g_strdup_printf("%s: %s", log->path, g_strerror(errno));
  if (fclose(f) != 0 && !n->world->log_error)
    n->world->log_error = g_strdup_printf("%s: %s", log->path, g_strerror(errno));
  log->created = true;
  g_string_truncate(log->buf, 0);
}

void sim_log_line(sim_node *n, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_string_append_vprintf(n->log.buf, fmt, ap);
  va_end(ap);
  g_string_append_c(n->log.buf, '\n');
  if (n->log.buf->len >= SIM_LOG_FLUSH_BYTES)
    sim_log_flush(n);
}

static bool is_read(uint8_t kind)
{
  return kind == RS_OP_READ || kind == RS_OP_GET;
}

/* One `key value` line per applied write, oldest first (seed 000's logs); a delete logs its key
 * with "(deleted)" so the log still shows every change in order. */
static void log_update(sim_node *n, const rs_op *op, const rs_result *res)
{
  rs_bytes value = op->value;
  if (op->kind == RS_OP_APPEND && res && res->value.ptr)
    value = res->value;
  if (op->kind == RS_OP_DELETE)
    sim_log_line(n, "%.*s (deleted)", (int)op->key.len, op->key.ptr);
  else
    sim_log_line(n, "%.*s %.*s", (int)op->key.len, op->key.ptr, (int)value.len, value.ptr ? value.ptr : "");
}

static void set_bytes(GString *s, rs_bytes b)
{
  g_string_truncate(s, 0);
  if (b.ptr)
    g_string_append_len(s, b.ptr, b.len);
}

static void on_invoke(sim_node *n, const rs_event *ev)
{
  sim_world *w = n->world;
  const rs_op *op = ev->op;
  trace_op_invoke(w->trace, simgrid_get_clock(), n->name, rs_op_name(op->kind), sim_bytes_str(w, 0, op->key),
                  sim_bytes_str(w, 1, op->name), sim_bytes_str(w, 2, op->value),
                  op->kind == RS_OP_CAS ? sim_bytes_str(w, 3, op->expected) : NULL);
  n->open_op.open = true;
  n->open_op.kind = op->kind;
  set_bytes(n->open_op.key, op->key);
  set_bytes(n->open_op.name, op->name);
}

/* A completion carries the answer: a read's value and name, an update's status and version. */
static void on_complete(sim_node *n, const rs_event *ev)
{
  sim_world *w = n->world;
  const rs_op *op = ev->op;
  const rs_result *res = ev->res;
  bool answered = ev->outcome == RS_OUT_OK;
  bool read_ok = answered && is_read(op->kind);
  const char *name = read_ok ? sim_bytes_str(w, 1, res->name) : sim_bytes_str(w, 1, op->name);
  const char *value = read_ok ? sim_bytes_str(w, 2, res->value) : NULL;
  bool value_null = read_ok && op->kind == RS_OP_GET && res->status == RS_ST_SUCCESS && !res->value.ptr;
  trace_op_complete(w->trace, simgrid_get_clock(), rs_outcome_name(ev->outcome), n->name, rs_op_name(op->kind),
                    sim_bytes_str(w, 0, op->key), name, value, value_null, rs_status_name(res->status),
                    answered ? res->version : 0, sim_node_name(w, ev->replica));
  if (answered && rs_op_is_update(op->kind) && res->status == RS_ST_SUCCESS)
    log_update(n, op, res);
  n->open_op.open = false;
  n->done++;
}

/* A client that crashes with an operation under way: the history closes it as unknown (it may
 * have taken effect), as Jepsen does for a process that crashed. */
void sim_crash_open_op(sim_node *n)
{
  if (!n->open_op.open)
    return;
  sim_world *w = n->world;
  const char *name = n->open_op.name->len ? n->open_op.name->str : NULL;
  trace_op_complete(w->trace, simgrid_get_clock(), "info", n->name, rs_op_name(n->open_op.kind),
                    n->open_op.key->str, name, NULL, false, rs_status_name(RS_ST_CLIENT_CRASHED), 0, NULL);
  n->open_op.open = false;
  n->done++;
}

static char *describe_step(const sim_world *w, const rs_script_step *s)
{
  GString *d = g_string_new(rs_op_name(s->op.kind));
  if (s->op.key.ptr)
    g_string_append_printf(d, " %.*s", (int)s->op.key.len, s->op.key.ptr);
  if (s->replica != RS_NO_NODE)
    g_string_append_printf(d, " at %s", sim_node_name(w, s->replica));
  return g_string_free(d, FALSE);
}

/* Checks a scripted step against its `expect` (status) and `expect-value` (value read). */
static void on_step(sim_node *n, const rs_event *ev)
{
  sim_world *w = n->world;
  const rs_script_step *step = ev->step;
  const rs_result *res = ev->res;
  if (step->expect == RS_ST_NONE && !step->expect_value)
    return;
  sim_step_check *chk = g_new0(sim_step_check, 1);
  chk->client = g_strdup(n->name);
  chk->line = step->line;
  chk->what = describe_step(w, step);
  const char *status = ev->outcome == RS_OUT_OK ? rs_status_name(res->status) : rs_outcome_name(ev->outcome);
  const char *value = res->value.ptr ? sim_bytes_str(w, 2, res->value) : "null";
  bool held = step->expect == RS_ST_NONE || (ev->outcome == RS_OUT_OK && res->status == step->expect);
  if (step->expect_value)
    held = held && ev->outcome == RS_OUT_OK && strcmp(value, step->expect_value) == 0;
  chk->expected = step->expect_value ? g_strdup_printf("%s \"%s\"", step->expect ? rs_status_name(step->expect) : "",
                                                       step->expect_value)
                                     : g_strdup(rs_status_name(step->expect));
  chk->actual = step->expect_value ? g_strdup_printf("%s \"%s\"", status, value) : g_strdup(status);
  chk->held = held;
  g_ptr_array_add(w->out->steps, chk);
}

static void on_finished(sim_node *n)
{
  n->driver_done = true;
  if (!n->finished) {
    n->finished = true;
    n->world->drivers_running--;
  }
}

static void on_final(sim_node *n, const rs_event *ev)
{
  sim_world *w = n->world;
  const rs_result *res = ev->res;
  bool value_null = res->status == RS_ST_SUCCESS && !res->value.ptr && ev->op->kind == RS_OP_GET;
  trace_final(w->trace, w->out->end_time, n->name, sim_bytes_str(w, 0, ev->op->key), sim_bytes_str(w, 1, res->name),
              sim_bytes_str(w, 2, res->value), value_null, rs_status_name(res->status), res->version);
}

static void on_digest(sim_node *n, const rs_event *ev)
{
  char hex[24];
  g_snprintf(hex, sizeof hex, "%016" G_GINT64_MODIFIER "x", (guint64)ev->digest);
  trace_digest(n->world->trace, n->world->out->end_time, n->name, hex, n->up);
  if (n->up)
    g_ptr_array_add(n->world->digests, g_strdup(hex));
}

void sim_trace_event(sim_node *n, const rs_event *ev)
{
  sim_world *w = n->world;
  double t = simgrid_get_clock();
  switch (ev->type) {
  case RS_EV_INVOKE:
    on_invoke(n, ev);
    break;
  case RS_EV_COMPLETE:
    on_complete(n, ev);
    break;
  case RS_EV_ROLE:
    trace_role(w->trace, t, n->name, ev->role, ev->view);
    break;
  case RS_EV_REFUSE:
    trace_refuse(w->trace, t, n->name, sim_node_name(w, ev->from), rs_msg_type_name(ev->msg_type), ev->why);
    break;
  case RS_EV_APPLY:
    log_update(n, ev->op, ev->res);
    break;
  case RS_EV_LOG:
    sim_log_line(n, "%s", ev->text);
    break;
  case RS_EV_STEP:
    on_step(n, ev);
    break;
  case RS_EV_FINISHED:
    on_finished(n);
    break;
  case RS_EV_FINAL:
    on_final(n, ev);
    break;
  case RS_EV_DIGEST:
    on_digest(n, ev);
    break;
  }
}
