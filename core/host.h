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
} rs_event_type;

/* How a client operation ended (the trace's ok / fail / info). */
typedef enum rs_outcome {
  RS_OUT_OK = 0,   /* the service answered; res.status is the answer */
  RS_OUT_FAIL,     /* definitely not executed */
  RS_OUT_INFO,     /* unknown: timed out */
} rs_outcome;

const char *rs_outcome_name(rs_outcome o); /* "ok", "fail", "info" */

typedef struct rs_event {
  uint8_t type;       /* rs_event_type */
  uint8_t outcome;    /* rs_outcome (COMPLETE) */
  const rs_op *op;    /* INVOKE, COMPLETE, APPLY */
  const rs_result *res; /* COMPLETE, APPLY */
  rs_node_id replica; /* COMPLETE: the replica that answered (RS_NO_NODE if none) */
  const char *role;   /* ROLE: "primary", "backup", "replica", ... */
  uint64_t view;      /* ROLE */
  rs_node_id from;    /* REFUSE */
  uint8_t msg_type;   /* REFUSE: rs_msg_type */
  const char *why;    /* REFUSE */
} rs_event;

/* The operations a host supplies. `ctx` is the host's own pointer, passed back on every call.
 * Timers are named by small integers chosen by the node; arming an armed timer moves it. */
typedef struct rs_host {
  void *ctx;
  void (*send)(void *ctx, rs_node_id to, const rs_msg *m);
  void (*timer_arm)(void *ctx, int timer, double delay);
  void (*timer_cancel)(void *ctx, int timer);
  double (*now)(void *ctx);
  uint64_t (*random)(void *ctx);
  void (*event)(void *ctx, const rs_event *ev);
  /* Optional (NULL: not supported). Failover `peer`: the primary asks the host to restart a dead
   * backup: crash it if it still runs, then boot it `delay` seconds from now from its store (seed
   * 002's fork/exec of a new backup, which then runs the join protocol). */
  void (*restart_node)(void *ctx, rs_node_id node, double delay);
} rs_host;

/* Small conveniences so core code reads like the protocol. */
static inline void rs_send(const rs_host *h, rs_node_id to, const rs_msg *m) { h->send(h->ctx, to, m); }
static inline double rs_now(const rs_host *h) { return h->now(h->ctx); }
static inline void rs_emit(const rs_host *h, const rs_event *ev) { h->event(h->ctx, ev); }
/* A uniform integer in [0, n). */
static inline uint64_t rs_random_below(const rs_host *h, uint64_t n) { return n ? h->random(h->ctx) % n : 0; }

#endif
