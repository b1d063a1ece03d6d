/* What every simulated host (the SimGrid engine, the fast engine) keeps of a node across its
 * lives, and the rules they share: boot from the store, crash, timers, the simulated disk, the
 * events a core node reports, and whether a node still has work outstanding. */
#ifndef RS_NODE_LIFE_H
#define RS_NODE_LIFE_H

#include "core/node.h"
#include "scenario/deploy.h"
#include "trace/node_events.h"

#include <glib.h>

/* A timer of one node: fires at `due` unless cancelled or moved. */
typedef struct hl_timer {
  int id;
  double due;
  bool armed;
} hl_timer;

#define HL_MAX_TIMERS 16

/* A store change being made durable (<cluster fsync>): the node hears at `due` that every change
 * up to number `upto` is on disk. */
typedef struct hl_fsync {
  double due;
  uint64_t upto;
} hl_fsync;

#define HL_NODE_FIELDS                                                                            \
  const dp_node *plan;  /* what the scenario deploys here: name, host, spec */                   \
  rs_node_id id;                                                                                  \
  const char *name;     /* plan->name */                                                          \
  GRand *rand;          /* this node's share of the run's generator */                            \
  tev_log log;          /* logs/<node>.txt */                                                     \
  rs_store *store;      /* replicas: what survives crashes */                                     \
  rs_node *core;        /* the core node of its current life; NULL while down */                  \
  uint32_t lives;       /* how many times it booted */                                            \
  long done;            /* clients: operations (or steps) completed over every life */            \
  tev_open_op open_op;  /* clients: the operation under way */                                    \
  bool up;              /* it runs */                                                             \
  bool joining;         /* added by a <join> fault: not started before it */                      \
  bool booted_once;                                                                               \
  bool started;         /* its core node of this life has started */                              \
  bool finished;        /* clients: not running (done, or down) */                                \
  bool driver_done;     /* clients: the driver ran everything it had (RS_EV_FINISHED) */          \
  uint32_t incarnation; /* bumped at every crash */                                               \
  double paused_until;  /* a pause fault freezes the node until then */                           \
  hl_timer timers[HL_MAX_TIMERS];                                                                 \
  GQueue *fsyncs;       /* hl_fsync*: store changes on their way to the disk, in order */         \
  uint64_t persisted;   /* store changes handed to the host in this life */                       \
  double disk_free;     /* when the simulated disk has written everything handed to it */

typedef struct hl_node {
  HL_NODE_FIELDS
} hl_node;

/* An engine's node embeds the shared part with HL_NODE_EMBED: its fields by name (n->up), and
 * the whole as n->base for the functions below. */
#define HL_NODE_EMBED                                                                             \
  union {                                                                                         \
    hl_node base;                                                                                 \
    struct {                                                                                      \
      HL_NODE_FIELDS                                                                              \
    };                                                                                            \
  };

/* The run's share of the rules: where logs go, and how many clients still run. */
typedef struct hl_run {
  const scenario *sc;
  const rs_app_ops *app;
  tev_run *ev;
  const char *dir;
  int drivers_running;
} hl_run;

void hl_node_init(hl_node *n, const hl_run *r, const dp_node *plan);
void hl_node_clear(hl_node *n, hl_run *r);

/* Makes the core node of a new life (a replica keeps its store, a client goes on with the
 * operations its earlier lives had not run), acting through `host`. */
void hl_node_boot(hl_node *n, hl_run *r, const rs_host *host);
/* A crash, in two steps around the engine dropping what was on its way to or from the node:
 * down (memory, timers and disk queue lost), then forget (a client's open operation closed as
 * unknown, the core node freed). */
void hl_node_down(hl_node *n);
void hl_node_forget(hl_node *n, hl_run *r, double now);

hl_timer *hl_timer_find(hl_node *n, int id, bool create);
hl_timer *hl_timer_earliest(hl_node *n);
/* host->persist: NULL when the change is durable at once (no <cluster fsync>), else its place on
 * the disk's queue (the engine wakes the node at its due time). */
hl_fsync *hl_persist(hl_node *n, const hl_run *r, double now);
/* host->random */
uint64_t hl_random(hl_node *n);
/* host->event: a client's end of work counted, anything else to the trace glue. */
void hl_node_event(hl_node *n, hl_run *r, double now, const rs_event *ev);
/* Work outstanding (not started yet, or rs_node_busy): the cluster is not quiet. */
bool hl_node_busy(const hl_node *n);
/* A replica's end-of-run `final` and `digest` lines for `keys` (char*, sorted): from its core
 * node when up, from its store when down (its memory is gone, its store is not). */
void hl_node_report(const hl_node *n, const rs_host *host, const GPtrArray *keys);
void hl_log_flush(hl_node *n, hl_run *r);

#endif
