/* What core nodes report, handed to the shared trace glue (trace/node_events.c) at simulated
 * time; only a client's end of work is the harness's own business. */
#include "sim_world.h"

#include <simgrid/engine.h>

/* The node as the glue sees it: its name and the harness's records of it. */
static tev_node view(sim_node *n)
{
  return (tev_node){.name = n->name, .log = &n->log, .open_op = n->plan->client ? &n->open_op : NULL,
                    .done = &n->done, .up = n->up};
}

void sim_log_flush(sim_node *n)
{
  tev_log_flush(&n->world->ev, &n->log);
}

/* A client that crashes with an operation under way: the history closes it as unknown (it may
 * have taken effect), as Jepsen does for a process that crashed. */
void sim_crash_open_op(sim_node *n)
{
  tev_node v = view(n);
  tev_crash_open_op(&n->world->ev, &v, simgrid_get_clock());
}

static void on_finished(sim_node *n)
{
  n->driver_done = true;
  if (!n->finished) {
    n->finished = true;
    n->world->drivers_running--;
  }
}

void sim_trace_event(sim_node *n, const rs_event *ev)
{
  if (ev->type == RS_EV_FINISHED) {
    on_finished(n);
    return;
  }
  tev_node v = view(n);
  tev_emit(&n->world->ev, &v, simgrid_get_clock(), ev);
}
