/* Core nodes on a GLib main loop: the rs_host a node acts through in real mode (send through the
 * frame filter and the transport, timers on the loop, the monotonic and wall clocks, a store on
 * disk, events into the trace). One process hosts one server node (`replsim node`) or the
 * client nodes of `replsim real` and `replsim client`; they share one net_proc. */
#ifndef RS_NET_NODE_HOST_H
#define RS_NET_NODE_HOST_H

#include "store.h"
#include "transport.h"

#include "core/node.h"
#include "trace/node_events.h"

#define NET_MAX_TIMERS 32

typedef struct net_proc net_proc;

typedef struct net_node {
  net_proc *proc;
  const dp_node *plan;
  rs_node_id id;
  const char *name;
  rs_node *core;          /* NULL while down */
  rs_store *store;        /* replicas */
  net_store *disk;
  uint64_t persisted;     /* changes handed to the disk in this life (the gate's count) */
  bool unsynced;          /* in proc->syncing: changes written this turn, synced when it ends */
  rs_host host;
  GRand *rand;
  GSource *timers[NET_MAX_TIMERS];
  uint32_t life;
  tev_log log;
  tev_open_op open_op;
  long done;
  bool finished;          /* clients: the driver ran everything */
  GArray *held;           /* held_send: cumulative messages waiting for the end of the turn */
} net_node;

/* The frame filter: what the scenario's network faults do to this process's traffic now. */
typedef struct net_filter {
  GHashTable *cut;        /* (from << 32 | to) -> why ("partition", "network") */
  GHashTable *delay;      /* (from << 32 | to) -> seconds, as a double boxed in a pointer */
  double loss, duplicate;
  GRand *rand;
} net_filter;

typedef struct net_proc_cb {
  void (*finished)(void *ctx, net_node *n);                               /* a client ran everything */
  void (*restart)(void *ctx, net_node *n, rs_node_id target, double delay); /* failover peer */
  void (*fatal)(void *ctx, const char *why);                              /* the store failed */
  void *ctx;
} net_proc_cb;

struct net_proc {
  const scenario *sc;
  const deploy *plan;
  const net_addrs *addrs;
  net_transport *tr;
  tev_run ev;             /* trace lines and logs */
  FILE *log_forward;      /* node processes: log lines go to `real` here ("L NODE\tLINE") */
  gint64 base_us;         /* the run's start on the monotonic clock */
  gint64 wall_base_us;
  uint64_t next_id, id_base;
  net_node **nodes;       /* by id, NULL for nodes elsewhere */
  net_filter filter;
  net_proc_cb cb;
  GByteArray *scratch;
  GPtrArray *holding;     /* nodes whose `held` is not empty */
  GPtrArray *syncing;     /* nodes with changes to sync at the end of the turn */
};

/* The process's shared part. `ids` are the nodes it hosts; `id_base` makes its message ids
 * unique in the run's trace. */
net_proc *net_proc_new(const scenario *sc, const deploy *plan, const net_addrs *addrs, const net_key *key,
                       const rs_node_id *ids, guint n_ids, gint64 base_us, uint64_t id_base, const net_proc_cb *cb);
void net_proc_free(net_proc *p);
double net_proc_now(const net_proc *p);  /* seconds since the run began (monotonic) */
const char *net_proc_name(const net_proc *p, rs_node_id id);
/* Applies a filter line (net_filter_format's) from `real`. */
bool net_filter_parse(net_filter *f, const char *line);
/* The filter's state as one line for node `id` (only pairs that involve it). */
char *net_filter_format(const net_filter *f, rs_node_id id);
void net_filter_reset(net_filter *f);

/* Makes the node hosted here and boots its life `life` (its core node made from its spec and
 * started). `store`/`disk`: replicas only, owned by the node from then on. */
net_node *net_node_new(net_proc *p, rs_node_id id, rs_store *store, net_store *disk);
void net_node_boot(net_node *n, uint32_t life);
/* Loses what the node had in memory (a client crash in `real`): timers, core node, the
 * operation under way (closed as unknown). */
void net_node_crash(net_node *n);
void net_node_free(net_node *n);
/* Writes the node's log lines out (to its file, or to `real`). */
void net_node_flush_log(net_node *n);

#endif
