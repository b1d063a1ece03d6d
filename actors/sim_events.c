/* Turns what core nodes report into trace lines and the per-node logs of seed 000. */
#include "sim_world.h"

#include <simgrid/engine.h>

const char *sim_bytes_str(sim_world *w, int slot, rs_bytes b)
{
  if (!b.ptr)
    return NULL;
  g_string_truncate(w->str[slot], 0);
  g_string_append_len(w->str[slot], b.ptr, b.len);
  return w->str[slot]->str;
}

static bool is_read(uint8_t kind)
{
  return kind == RS_OP_READ || kind == RS_OP_GET;
}

/* One `key value` line per applied write, oldest first (seed 000's logs); a delete logs its key
 * with "(deleted)" so the log still shows every change in order. */
static void log_update(sim_node *n, const rs_op *op, const rs_result *res)
{
  if (!n->log)
    return;
  rs_bytes value = op->value;
  if (op->kind == RS_OP_APPEND && res && res->value.ptr)
    value = res->value;
  if (op->kind == RS_OP_DELETE)
    fprintf(n->log, "%.*s (deleted)\n", (int)op->key.len, op->key.ptr);
  else
    fprintf(n->log, "%.*s %.*s\n", (int)op->key.len, op->key.ptr, (int)value.len, value.ptr ? value.ptr : "");
}

static void on_invoke(sim_node *n, const rs_event *ev)
{
  sim_world *w = n->world;
  const rs_op *op = ev->op;
  trace_op_invoke(w->trace, simgrid_get_clock(), n->name, rs_op_name(op->kind), sim_bytes_str(w, 0, op->key),
                  sim_bytes_str(w, 1, op->name), sim_bytes_str(w, 2, op->value),
                  op->kind == RS_OP_CAS ? sim_bytes_str(w, 3, op->expected) : NULL);
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
  }
}
