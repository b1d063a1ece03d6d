/* The fast engine's state: the event heap, the links and routes, the nodes (internal to engine/). */
#ifndef RS_FAST_WORLD_H
#define RS_FAST_WORLD_H

#include "core/node.h"
#include "host/node_life.h"
#include "fast.h"
#include "scenario/deploy.h"
#include "scenario/fault_plan.h"
#include "scenario/watchdog.h"
#include "trace/trace_writer.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct fast_world fast_world;

/* What an event does when its time comes. */
typedef enum fe_kind {
  FE_DELIVER = 0, /* a packet arrives at its receiver */
  FE_TIMER,       /* a node's earliest timer (stale unless it is the one the node scheduled) */
  FE_FSYNC,       /* a node's oldest store change is durable */
  FE_HELD,        /* a jittered packet leaves its sender */
  FE_FAULT,       /* the next fault-plan action */
  FE_RESTART_END, /* a restart a node asked for boots its target */
  FE_DURATION,    /* the scenario's duration: the clients stop, the cluster settles */
  FE_BOUND,       /* the settling (or draining) time bound */
} fe_kind;

/* One event. Ordered by time, then class (node events before fault and controller events of the
 * same instant, as SimGrid's run_until slices do), then the sequence number it was pushed with. */
typedef struct fe_event {
  double t;
  uint64_t seq;
  void *p;          /* FE_DELIVER, FE_HELD: the packet; FE_RESTART_END: the job */
  uint32_t node;
  uint32_t arg;     /* FE_FSYNC, FE_HELD: incarnation */
  uint8_t kind;
  uint8_t cls;
} fe_event;

typedef struct fe_heap {
  fe_event *a;
  size_t len, cap;
} fe_heap;

void fe_heap_push(fe_heap *h, const fe_event *e);
bool fe_heap_pop(fe_heap *h, fe_event *out);
void fe_heap_clear(fe_heap *h);

/* A platform link: what the fault injector changes. */
typedef struct fast_link {
  char *name;
  double base_latency, latency, bandwidth;
  int down;             /* down now (host/fault_apply.c counts the faults in force) */
} fast_link;

/* A route between two hosts, as SimGrid's platform gives it: its links in order. */
typedef struct fast_route {
  guint n;
  guint *links;
  bool loopback;        /* same host, no links: SimGrid's implicit loopback (0 s, 10 GBps) */
} fast_route;

/* A message on its way: the envelope, then the encoded bytes. */
typedef struct fast_packet {
  struct fast_packet *prev, *next; /* the receiver's list of packets in flight to it */
  rs_node_id from, to;
  uint32_t to_incarnation;
  bool started, periodic, dead;
  uint8_t type;
  double jitter, sent;
  uint64_t id;
  uint32_t len;
  uint8_t bytes[];
} fast_packet;

typedef hl_timer fast_timer;
#define FAST_MAX_TIMERS HL_MAX_TIMERS
#define FAST_TIME_EPS 1e-9

typedef struct fast_node {
  HL_NODE_EMBED             /* plan, id, name, rand, log, store, core, lives, up, timers... */
  fast_world *world;
  guint host;
  rs_host core_host;
  double timer_sched;       /* the time of its timer event in the heap (INFINITY: none) */
  fast_packet *inbound;     /* packets in flight to it (so a crash can drop them) */
} fast_node;

/* A host of the platform some node runs on. */
typedef struct fast_host {
  char *name;
  bool on;
  uint32_t epoch;           /* bumped when it goes off: restart jobs on it die */
} fast_host;

/* A restart a node asked for, waiting for its boot. */
typedef struct fast_restart_job {
  rs_node_id requester, node;
  guint host;               /* the requester's host, and its epoch when the job started */
  uint32_t epoch;
} fast_restart_job;

/* The FIFO order of one channel: the latest arrival on it. */
typedef struct fast_chan_map {
  uint64_t *keys;           /* (from << 32 | to) + 1; 0: empty */
  double *last;
  size_t cap, len;
} fast_chan_map;

typedef enum fast_phase { FAST_RUNNING = 0, FAST_SETTLING, FAST_DRAINING, FAST_DONE } fast_phase;

struct fast_world {
  const scenario *sc;
  deploy *plan;
  GPtrArray *nodes;          /* fast_node*, index = rs_node_id */
  GHashTable *by_name;       /* name -> fast_node* (lookups only) */
  GPtrArray *hosts;          /* fast_host* */
  GPtrArray *links;          /* fast_link* */
  GHashTable *link_by_name;  /* name -> index + 1 */
  fast_route *routes;        /* [from_host * hosts + to_host] */
  const rs_app_ops *app;
  trace_writer *trace;
  sim_outcome *out;
  GByteArray *scratch;
  tev_run ev;
  fe_heap heap;
  uint64_t seq;
  double now;
  uint64_t next_msg_id;
  uint64_t in_flight, in_flight_work, held_back;
  fast_chan_map chans;
  fast_packet *pool[32];     /* free packets by size class (fast_net.c) */
  fast_phase phase;
  double bound;
  double heal;               /* quiet ends the run no earlier than this (sim_heal_time) */
  hl_run run;                /* the rules both engines share: app, glue, clients running */
  guint faults_left;
  struct hf_injector *faults; /* host/fault_apply.h */
  bool *cut;
  guint cut_n;
  double loss_rate, duplicate_rate;
  GRand *net_rand;
  const char *stopped;
  double stop_time;
  rs_watchdog watchdog;      /* scenario/watchdog.h */
  char *dir;
};

/* fast_loop.c */
void fast_push(fast_world *w, double t, fe_kind kind, uint8_t cls, uint32_t node, void *p, uint32_t arg);

/* fast_net.c */
bool fast_net_init(fast_world *w, char **err);
void fast_net_free(fast_world *w);
void fast_send_packet(fast_world *w, fast_node *from, rs_node_id to, const rs_msg *m);
void fast_put_on_wire(fast_world *w, fast_packet *p);
void fast_deliver(fast_world *w, fast_packet *p);
void fast_drop(fast_world *w, fast_packet *p, const char *why);
void fast_packet_free(fast_world *w, fast_packet *p);
bool fast_is_cut(const fast_world *w, rs_node_id from, rs_node_id to);
void fast_link_changed(fast_world *w, guint link, bool went_down);
fast_link *fast_link_named(fast_world *w, const char *name);

/* fast_node.c */
fast_node *fast_node_new(fast_world *w, const dp_node *plan);
void fast_node_free(fast_node *n);
const char *fast_node_name(const fast_world *w, rs_node_id id);
fast_node *fast_node_by_name(const fast_world *w, const char *name);
void fast_node_boot(fast_node *n);
void fast_node_start(fast_node *n);
void fast_node_crash(fast_node *n);
void fast_host_crash(fast_world *w, guint host);
void fast_host_boot(fast_world *w, guint host);
void fast_node_timer_event(fast_node *n, double t);
void fast_node_fsync(fast_node *n, uint32_t incarnation);
void fast_restart_end(fast_world *w, fast_restart_job *job);

/* fast_faults.c */
void fast_faults_init(fast_world *w);
void fast_faults_apply(fast_world *w);

/* fast_loop.c: the watchdog, called after every handler */
void fast_watchdog_tick(fast_node *n, int type);

#endif
