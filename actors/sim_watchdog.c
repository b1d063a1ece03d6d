/* The watchdog of a SimGrid run (scenario/watchdog.c, shared with the fast engine): a livelock or
 * the wall-clock bound stops the run, which then writes its outputs with "stopped" in the summary
 * and says on stderr which nodes and messages kept it busy. */
#include "sim_world.h"

#include <simgrid/engine.h>

void sim_watchdog_init(sim_world *w, double max_wall)
{
  rs_watchdog_init(&w->watchdog, w->nodes->len, max_wall);
}

void sim_watchdog_clear(sim_world *w)
{
  rs_watchdog_clear(&w->watchdog);
}

static void stop(sim_world *w, const char *why)
{
  if (w->stopped)
    return;
  w->stopped = why;
  w->stop_time = simgrid_get_clock();
  /* The controller ends the run; node actors return as soon as they look (sim_actors.c). */
  if (w->controller_waiting) {
    w->controller_waiting = false;
    sg_sem_release(w->done_sem);
  }
}

static const char *name_of(const void *ctx, rs_node_id id)
{
  return sim_node_name(ctx, id);
}

/* Called after every handler: `type` is the message handled, or RS_MSG__COUNT for a timer. */
void sim_watchdog_tick(sim_node *n, int type)
{
  sim_world *w = n->world;
  const char *why = rs_watchdog_tick(&w->watchdog, simgrid_get_clock(), n->id, type, name_of, w);
  if (why)
    stop(w, why);
}
