/* What core nodes report, handed to the shared trace glue (trace/node_events.c) at simulated
 * time; only a client's end of work is the harness's own business. */
#include "sim_world.h"

#include <simgrid/engine.h>

void sim_log_flush(sim_node *n)
{
  hl_log_flush(&n->base, &n->world->run);
}

void sim_trace_event(sim_node *n, const rs_event *ev)
{
  hl_node_event(&n->base, &n->world->run, simgrid_get_clock(), ev);
}
