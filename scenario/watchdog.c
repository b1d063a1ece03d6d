/* The one watchdog both engines run (actors/sim_watchdog.c, engine/fast_loop.c). */
#include "watchdog.h"

#include <string.h>

/* So many handler calls within one microsecond of simulated time is no simulation: a real burst
 * (ten thousand clients starting at once) is orders of magnitude smaller. */
#define RS_LIVELOCK_EVENTS 1000000
#define RS_LIVELOCK_WINDOW 1e-6
/* The wall clock is read once per this many handler calls: cheap, and at most a few
 * milliseconds late. */
#define RS_WALL_CHECK_EVERY 4096

void rs_watchdog_init(rs_watchdog *d, guint n_nodes, double max_wall)
{
  memset(d, 0, sizeof *d);
  d->max_wall = max_wall;
  d->wall_start = g_get_monotonic_time();
  d->instant = -1;
  d->n_nodes = n_nodes;
  d->by_node = g_new0(uint64_t, n_nodes);
  d->stamp = g_new0(uint64_t, n_nodes);
}

void rs_watchdog_clear(rs_watchdog *d)
{
  g_free(d->by_node);
  g_free(d->stamp);
  g_free(d->report);
  memset(d, 0, sizeof *d);
}

static uint64_t count_of(const rs_watchdog *d, guint i)
{
  return d->stamp[i] == d->window ? d->by_node[i] : 0;
}

/* The nodes and message types that took the most events in the window, for stderr. */
static char *busiest(const rs_watchdog *d, rs_watchdog_name_fn name, const void *ctx)
{
  GString *s = g_string_new("nodes:");
  guint top[5];
  for (int k = 0; k < 5; k++) {
    guint best = G_MAXUINT;
    for (guint i = 0; i < d->n_nodes; i++) {
      bool taken = false;
      for (int j = 0; j < k; j++)
        taken = taken || top[j] == i;
      if (!taken && count_of(d, i) && (best == G_MAXUINT || count_of(d, i) > count_of(d, best)))
        best = i;
    }
    if (best == G_MAXUINT)
      break;
    top[k] = best;
    g_string_append_printf(s, " %s (%" G_GUINT64_FORMAT ")", name(ctx, best), count_of(d, best));
  }
  g_string_append(s, "; messages:");
  for (int t = 0; t <= RS_MSG__COUNT; t++)
    if (d->by_type[t])
      g_string_append_printf(s, " %s (%" G_GUINT64_FORMAT ")", t == RS_MSG__COUNT ? "timer" : rs_msg_type_name((rs_msg_type)t),
                             d->by_type[t]);
  return g_string_free(s, FALSE);
}

const char *rs_watchdog_tick(rs_watchdog *d, double now, rs_node_id node, int type, rs_watchdog_name_fn name,
                             const void *ctx)
{
  /* A new window: per-node counts reset lazily (by window number), so ten thousand nodes cost
   * nothing per window. */
  if (now > d->instant + RS_LIVELOCK_WINDOW) {
    d->instant = now;
    d->events = 0;
    d->window++;
    memset(d->by_type, 0, sizeof d->by_type);
  }
  if (node < d->n_nodes) {
    if (d->stamp[node] != d->window) {
      d->stamp[node] = d->window;
      d->by_node[node] = 0;
    }
    d->by_node[node]++;
  }
  d->by_type[type >= 0 && type < RS_MSG__COUNT ? type : RS_MSG__COUNT]++;
  if (d->report)
    return NULL; /* stopped already */
  if (++d->events >= RS_LIVELOCK_EVENTS) {
    char *who = busiest(d, name, ctx);
    d->report = g_strdup_printf("livelock at t=%.9f s: %d events without the simulated clock advancing; %s", now,
                                RS_LIVELOCK_EVENTS, who);
    g_free(who);
    return "livelock";
  }
  if (d->max_wall > 0 && ++d->since_wall >= RS_WALL_CHECK_EVERY) {
    d->since_wall = 0;
    double wall = (double)(g_get_monotonic_time() - d->wall_start) / 1e6;
    if (wall > d->max_wall) {
      char *who = busiest(d, name, ctx);
      d->report = g_strdup_printf("wall-clock bound of %g s passed at t=%.9f s (simulated); at that instant %s",
                                  d->max_wall, now, who);
      g_free(who);
      return "wall-bound";
    }
  }
  return NULL;
}
