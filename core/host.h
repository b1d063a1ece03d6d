/* The seam between a core node and whatever runs it (SimGrid, sockets, a test fixture). */
#ifndef RS_HOST_H
#define RS_HOST_H

#include "msg.h"

/* What a core node reports for the trace and the logs. Slices are valid during the call only. */
typedef enum rs_event_type {
  RS_EV_INVOKE = 0, /* a client operation starts: op */
  RS_EV_COMPLETE,   /* it ends: outcome, op, res, replica */
  RS_EV_ROLE,       /* the node changes role or view: role, view */
  RS_EV_REFUSE,     /* the node would not accept a message: from, msg_type, why */
  RS_EV_APPLY,      /* the node applied an update to its application: op, res */
  RS_EV_LOG,        /* one line of the node's own log, without newline: text (seed 000's heartbeat.txt) */
  RS_EV_STEP,       /* a scripted step ended: step (an rs_script_step, see driver.h), outcome, res */
  RS_EV_FINISHED,   /* a client has no operation left to run */
  RS_EV_FINAL,      /* rs_node_report: the node's store holds `res` for key `op->key` */
  RS_EV_DIGEST,     /* rs_node_report: a hash of the node's whole application state: digest */
} rs_event_type;

/* How a client operation ended (the trace's ok / fail / info). */
typedef enum rs_outcome {
  RS_OUT_OK = 0,   /* the service answered; res.status is the answer */
  RS_OUT_FAIL,     /* definitely not executed */
  RS_OUT_INFO,     /* unknown: timed out */
} rs_outcome;

const char *rs_outcome_name(rs_outcome o); /* "ok", "fail", "info" */

struct rs_script_step;

typedef struct rs_event {
  uint8_t type;       /* rs_event_type */
  uint8_t outcome;    /* rs_outcome (COMPLETE, STEP) */
  const rs_op *op;    /* INVOKE, COMPLETE, APPLY, FINAL */
  const rs_result *res; /* COMPLETE, APPLY, STEP, FINAL */
  rs_node_id replica; /* COMPLETE: the replica that answered (RS_NO_NODE if none) */
  const char *role;   /* ROLE: "primary", "backup", "replica", ... */
  uint64_t view;      /* ROLE */
  rs_node_id from;    /* REFUSE */
  uint8_t msg_type;   /* REFUSE: rs_msg_type */
  const char *why;    /* REFUSE */
  const char *text;   /* LOG */
  const struct rs_script_step *step; /* STEP */
  uint64_t digest;    /* DIGEST */
  double intended;    /* INVOKE: when an open-loop operation was due (0: not open loop) */
  bool current;       /* DIGEST: the node holds the state it serves (a primary, a backup that
                       * installed its primary's state); false: it knows it is behind (idle,
                       * waiting for a state transfer), so it is not counted as diverged */
  uint8_t lane;       /* INVOKE, COMPLETE: 0 the node's own process in the history; 1 its second
                       * process "<node>:results" (a voter's logged results, which overlap its votes) */
} rs_event;

/* What a node changed in its store, for the host to make durable. The node acknowledges the
 * change to anyone only once the host says it is durable (persist before acknowledge, as etcd's
 * raft: the driver persists, then sends). */
typedef enum rs_persist_kind {
  RS_PERSIST_OP = 0, /* `op` ran at update number `index` (store->last_index after it) for
                      * (client, seq) and answered `res`: an update that succeeded changed the
                      * application; a refused one, or a read under the read barrier, changed
                      * only the at-most-once table or the index */
  RS_PERSIST_STATE,  /* the whole store was replaced by a state transfer */
  RS_PERSIST_EPOCH,  /* the store's epoch changed (a new primary) */
} rs_persist_kind;

struct rs_store;

typedef struct rs_persist {
  uint8_t kind;                /* rs_persist_kind */
  const struct rs_store *store; /* the store after the change */
  const rs_op *op;             /* OP */
  const rs_result *res;        /* OP */
  uint64_t index;              /* OP */
  rs_node_id client;           /* OP: whose request it was (RS_NO_NODE: none) */
  uint64_t seq;                /* OP */
} rs_persist;

/* The operations a host supplies. `ctx` is the host's own pointer, passed back on every call.
 * Timers are named by small integers chosen by the node; arming an armed timer moves it. */
typedef struct rs_host {
  void *ctx;
  void (*send)(void *ctx, rs_node_id to, const rs_msg *m);
  void (*timer_arm)(void *ctx, int timer, double delay);
  void (*timer_cancel)(void *ctx, int timer);
  /* The monotonic clock, in seconds: timers, timeouts, liveness. Never jumps. */
  double (*now)(void *ctx);
  /* What this machine's wall clock says, in seconds since the run began: only for what people
   * read (log timestamps). It may jump and differ between machines (a simulated skew), so no
   * decision and no version depends on it. NULL: the same as now. */
  double (*wall)(void *ctx);
  uint64_t (*random)(void *ctx);
  void (*event)(void *ctx, const rs_event *ev);
  /* Makes a store change durable. Returns true when it is durable already (a synchronous
   * fsync, or a simulated disk without delay); false when the host will call rs_node_durable
   * later, for this and every earlier change, in order. NULL: every change is durable at once. */
  bool (*persist)(void *ctx, const rs_persist *rec);
  /* Optional (NULL: not supported). Failover `peer`: the primary asks the host to restart a dead
   * backup: crash it if it still runs, then boot it `delay` seconds from now from its store (seed
   * 002's fork/exec of a new backup, which then runs the join protocol). */
  void (*restart_node)(void *ctx, rs_node_id node, double delay);
} rs_host;

/* Small conveniences so core code reads like the protocol. */
static inline void rs_send(const rs_host *h, rs_node_id to, const rs_msg *m) { h->send(h->ctx, to, m); }
static inline double rs_now(const rs_host *h) { return h->now(h->ctx); }
static inline double rs_wall(const rs_host *h) { return h->wall ? h->wall(h->ctx) : h->now(h->ctx); }
static inline void rs_emit(const rs_host *h, const rs_event *ev) { h->event(h->ctx, ev); }
/* A uniform integer in [0, n). */
static inline uint64_t rs_random_below(const rs_host *h, uint64_t n) { return n ? h->random(h->ctx) % n : 0; }

#endif
