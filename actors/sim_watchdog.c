/* The watchdog of a run (DESIGN.md: a run never hangs): a livelock (events keep coming while the
 * simulated clock stands still) or the wall-clock bound stops the run, which then writes its
 * outputs with "stopped" in the summary and says on stderr which nodes and messages kept it busy. */
#include "sim_world.h"

#include <simgrid/engine.h>

/* So many handler calls within one microsecond of simulated time is no simulation: a real burst
 * (ten thousand clients starting at once) is orders of magnitude smaller. */
#define SIM_LIVELOCK_EVENTS 1000000
#define SIM_LIVELOCK_WINDOW 1e-6
/* The wall clock is read once per this many handler calls: cheap, and at most a few
 * milliseconds late. */
#define SIM_WALL_CHECK_EVERY 4096

void sim_watchdog_init(sim_world *w, double max_wall)
{
  sim_watchdog *d = &w->watchdog;
  d->max_wall = max_wall;
  d->wall_start = g_get_monotonic_time();
  d->instant = -1;
  d->by_node = g_new0(uint64_t, w->nodes->len);
}

void sim_watchdog_clear(sim_world *w)
{
  g_free(w->watchdog.by_node);
  g_free(w->watchdog.report);
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

/* The nodes and message types that took the most events in the livelock's window, for stderr. */
static char *busiest(const sim_world *w)
{
  const sim_watchdog *d = &w->watchdog;
  GString *s = g_string_new("nodes:");
  for (int k = 0; k < 5; k++) {
    guint best = G_MAXUINT;
    for (guint i = 0; i < w->nodes->len; i++) {
      bool taken = false;
      for (int j = 0; j < k; j++)
        taken = taken || d->top[j] == i;
      if (!taken && d->by_node[i] && (best == G_MAXUINT || d->by_node[i] > d->by_node[best]))
        best = i;
    }
    if (best == G_MAXUINT)
      break;
    ((sim_watchdog *)d)->top[k] = best;
    g_string_append_printf(s, " %s (%" G_GUINT64_FORMAT ")", sim_node_name(w, best), d->by_node[best]);
  }
  g_string_append(s, "; messages:");
  for (int t = 0; t <= RS_MSG__COUNT; t++)
    if (d->by_type[t])
      g_string_append_printf(s, " %s (%" G_GUINT64_FORMAT ")", t == RS_MSG__COUNT ? "timer" : rs_msg_type_name((rs_msg_type)t),
                             d->by_type[t]);
  return g_string_free(s, FALSE);
}

/* Called after every handler: `type` is the message handled, or RS_MSG__COUNT for a timer. */
void sim_watchdog_tick(sim_node *n, int type)
{
  sim_world *w = n->world;
  sim_watchdog *d = &w->watchdog;
  double now = simgrid_get_clock();
  if (now > d->instant + SIM_LIVELOCK_WINDOW) {
    d->instant = now;
    d->events = 0;
    memset(d->by_node, 0, w->nodes->len * sizeof *d->by_node);
    memset(d->by_type, 0, sizeof d->by_type);
  }
  d->by_node[n->id]++;
  d->by_type[type >= 0 && type < RS_MSG__COUNT ? type : RS_MSG__COUNT]++;
  if (++d->events >= SIM_LIVELOCK_EVENTS && !w->stopped) {
    char *who = busiest(w);
    d->report = g_strdup_printf("livelock at t=%.9f s: %d events without the simulated clock advancing; %s",
                                now, SIM_LIVELOCK_EVENTS, who);
    g_free(who);
    stop(w, "livelock");
  }
  if (d->max_wall > 0 && ++d->since_wall >= SIM_WALL_CHECK_EVERY) {
    d->since_wall = 0;
    double wall = (double)(g_get_monotonic_time() - d->wall_start) / 1e6;
    if (wall > d->max_wall && !w->stopped) {
      char *who = busiest(w);
      d->report = g_strdup_printf("wall-clock bound of %g s passed at t=%.9f s (simulated); at that instant %s",
                                  d->max_wall, now, who);
      g_free(who);
      stop(w, "wall-bound");
    }
  }
}
