/* The harness's shared state: the world of one run and the nodes in it (internal to actors/). */
#ifndef RS_SIM_WORLD_H
#define RS_SIM_WORLD_H

#include "core/node.h"
#include "host/node_life.h"
#include "scenario/deploy.h"
#include "scenario/scenario.h"
#include "scenario/watchdog.h"
#include "sim.h"
#include "trace/trace_writer.h"

#include <simgrid/cond.h>
#include <simgrid/host.h>
#include <simgrid/mailbox.h>
#include <simgrid/mutex.h>
#include <simgrid/semaphore.h>
#include <stdio.h>
#include <string.h>
#include <xbt/asserts.h>
#include <xbt/log.h>

typedef struct sim_world sim_world;

/* A message on the simulated wire: the envelope SimGrid carries, then the encoded bytes. */
typedef struct sim_packet {
  struct sim_packet *prev, *next; /* the list of packets on the wire */
  rs_node_id from;
  rs_node_id to;
  uint32_t to_incarnation; /* the receiver's life it was sent to: a restarted node never gets it */
  bool started;            /* handed to SimGrid: counted in flight */
  bool periodic;           /* a heartbeat: the cluster is quiet even while one is in flight */
  bool dead;               /* lost already (its receiver crashed): no longer counted */
  uint8_t type;            /* rs_msg_type, for the trace */
  double jitter;           /* extra delay the network adds (seconds, drawn when sent) */
  double due;              /* when a held-back (jittered) packet leaves */
  uint64_t id;
  uint32_t len;
  uint8_t bytes[];
} sim_packet;

/* A node the core asked to restart (seed 002: the primary restarts a dead backup). */
typedef struct sim_restart {
  rs_node_id node;
  double delay;
} sim_restart;

/* A store change on its way to the disk, and a node's timer (host/node_life.h). */
typedef hl_fsync sim_fsync;
typedef hl_timer sim_timer;
#define SIM_MAX_TIMERS HL_MAX_TIMERS

/* The trace's resolution (it rounds times to the nanosecond), below SimGrid's own precision: two
 * instants closer than this are one. */
#define SIM_TIME_EPS 1e-9

/* A node's log (logs/<node>.txt) and a client's operation under way (trace/node_events.h). */
typedef tev_log sim_log;
typedef tev_open_op sim_open_op;

typedef struct sim_node {
  HL_NODE_EMBED             /* plan, id, name, rand, log, store, core, lives, up, timers... */
  sim_world *world;
  sg_host_t host;
  rs_host core_host;        /* the operations the core node acts through */

  sg_sem_t timer_sem;        /* released to wake the current life's timer actor early */
  sg_sem_t pause_sem;        /* never released: paused actors wait on it until the pause ends */
  double timer_wait_until;  /* when the timer actor will wake up next (INFINITY: never) */
  bool timer_kick;          /* an earlier timer was armed during a handler */
  bool timer_actor_waiting; /* the timer actor sleeps on timer_sem now */
  GQueue *delayed;          /* jittered packets waiting to leave, by due time */

  GPtrArray *outbox;        /* sim_packet* produced by the handler running now */
  GArray *restarts;         /* sim_restart the handler asked for, started by the next flush */
} sim_node;

/* One life of a node in SimGrid: its timer actor's node, incarnation and semaphore. */
typedef struct sim_life {
  sim_node *node;
  uint32_t incarnation;
  sg_sem_t sem;
} sim_life;

/* A one-way channel from one node to another: its own mailbox and its own receiving actor on
 * the receiver's host, so messages from different senders never wait behind each other (a
 * SimGrid receive binds to the oldest message in flight on its mailbox); between two nodes,
 * messages arrive in the order they were sent, as over a TCP connection. */
typedef struct sim_channel {
  sim_node *to;
  rs_node_id from;
  sg_mailbox_t mailbox;
  bool spawned;          /* its actor exists for the receiver's current life */
  uint32_t incarnation;  /* ...which is this one */
} sim_channel;


struct sim_world {
  const scenario *sc;
  deploy *plan;             /* the nodes the scenario deploys, in id order */
  GPtrArray *nodes;         /* sim_node*, index = rs_node_id */
  GHashTable *by_name;      /* name -> sim_node* (lookups only, never iterated) */
  const rs_app_ops *app;
  trace_writer *trace;
  sim_outcome *out;
  GByteArray *scratch;      /* encoding buffer */
  tev_run ev;               /* where the nodes' events go: trace, logs, step checks, digests */
  uint64_t next_msg_id;
  uint64_t in_flight;       /* messages sent and not yet received */
  uint64_t in_flight_work;  /* ...of them, those that are not periodic heartbeats */
  bool settling;            /* the duration is over: the run ends once the cluster is quiet */
  bool draining;            /* quiet: no timer fires any more, the last messages arrive */
  uint64_t held_back;       /* jittered messages waiting to leave (not in flight yet) */
  guint faults_left;        /* fault actions not applied yet (a restart still to boot) */
  const char *stopped;      /* "livelock", "wall-bound": the watchdog stopped the run */
  double stop_time;         /* ...at this simulated time: the run's end */
  rs_watchdog watchdog;     /* scenario/watchdog.h */
  sim_packet *wire;         /* those messages, so the ones left at the end can be freed */
  hl_run run;               /* the rules both engines share: app, glue, clients running */
  sg_sem_t done_sem;        /* released when the cluster goes quiet while the controller waits */
  bool controller_waiting;
  bool controller_done;     /* the run is over */
  sg_host_t controller_host; /* where the controller actor runs now (NULL: none is running) */
  GRand *net_rand;          /* the network's own share of the generator: loss, duplicates, jitter */
  double loss_rate, duplicate_rate; /* in force now (fault windows) */
  bool *cut;                /* cut[from * n + to]: a partition drops that direction now */
  guint cut_n;
  GPtrArray *jobs;          /* restart jobs under way (freed at the end) */
  GPtrArray *lives;         /* sim_life*: every node life's timer actor (freed at the end) */
  sim_channel **channels;   /* [to * channels_n + from], made on first use */
  guint channels_n;
  char *dir;
};

/* sim_actors.c: a packet enters the wire when sent and leaves it (freed) when received or lost */
void sim_wire_add(sim_world *w, sim_packet *p);
void sim_wire_remove(sim_world *w, sim_packet *p);

/* sim_boot.c: a node's life: its core node made (again, after a restart), or lost in a crash */
void sim_node_boot(sim_node *n);
void sim_node_crash(sim_node *n);
void sim_host_crash(sim_world *w, sg_host_t host);
void sim_host_boot(sim_world *w, sg_host_t host);
void sim_restart_later(sim_node *requester, rs_node_id node, double delay);

/* sim_node.c */
sim_node *sim_node_new(sim_world *w, const dp_node *plan);
void sim_node_free(sim_node *n);
const char *sim_node_name(const sim_world *w, rs_node_id id);
sim_node *sim_node_by_name(const sim_world *w, const char *name);

/* sim_actors.c */
void sim_actors_spawn(sim_node *n);
void sim_actors_forget_world(void); /* the run is over: SimGrid's late callbacks find nothing */
void sim_flush(sim_node *n);
void sim_drop(sim_world *w, sim_packet *p, const char *why);
bool sim_is_cut(const sim_world *w, rs_node_id from, rs_node_id to);
void sim_controller_spawn(sim_world *w);

/* sim_watchdog.c */
void sim_watchdog_init(sim_world *w, double max_wall);
void sim_watchdog_clear(sim_world *w);
void sim_watchdog_tick(sim_node *n, int type);

/* sim_events.c */
void sim_trace_event(sim_node *n, const rs_event *ev);
void sim_log_flush(sim_node *n);

#endif
