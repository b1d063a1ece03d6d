/* The watchdog of a run, for every engine (DESIGN.md: a run never hangs): a livelock (events
 * keep coming while the simulated clock stands still) or the wall-clock bound stops the run,
 * and the report names the nodes and message types that kept it busy. */
#ifndef RS_WATCHDOG_H
#define RS_WATCHDOG_H

#include "core/msg.h"

#include <glib.h>
#include <stdint.h>

typedef struct rs_watchdog {
  double max_wall;          /* seconds of wall clock the run may take (0: no bound) */
  gint64 wall_start;
  double instant;           /* start of the current window of simulated time */
  uint64_t events;          /* handler calls in it */
  uint64_t window;          /* its number: per-node counts of older windows are stale */
  guint n_nodes;
  uint64_t *by_node;        /* handler calls per node, valid when stamp[node] == window */
  uint64_t *stamp;
  uint64_t by_type[RS_MSG__COUNT + 1]; /* ...per message type, timers last */
  uint64_t since_wall;
  char *report;             /* what stopped the run, for stderr */
} rs_watchdog;

/* A node's name for the report. */
typedef const char *(*rs_watchdog_name_fn)(const void *ctx, rs_node_id id);

void rs_watchdog_init(rs_watchdog *d, guint n_nodes, double max_wall);
void rs_watchdog_clear(rs_watchdog *d);
/* After every handler at simulated time `now`: `type` is the message handled, or RS_MSG__COUNT
 * for a timer. Returns "livelock" or "wall-bound" the first time the run must stop (with
 * d->report set), else NULL. */
const char *rs_watchdog_tick(rs_watchdog *d, double now, rs_node_id node, int type, rs_watchdog_name_fn name,
                             const void *ctx);

#endif
