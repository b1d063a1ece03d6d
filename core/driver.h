/* What a client does: a closed-loop random workload, or a script of steps with expected outcomes. */
#ifndef RS_DRIVER_H
#define RS_DRIVER_H

#include "client.h"

enum { RS_DRIVER_TIMER_NEXT = 10, RS_DRIVER_TIMER_ARRIVAL = 11 };

/* One scripted step. Strings are owned by whoever built the step list and outlive the driver. */
typedef struct rs_script_step {
  rs_op op;
  rs_node_id replica;     /* RS_NO_NODE: any replica / the registry's quorum */
  double at;              /* start no earlier than this simulated time */
  uint8_t expect;         /* rs_status expected, RS_ST_NONE if none */
  const char *expect_value; /* expected value of a read or get, NULL if none */
  int line;               /* where the step is written, for reports */
} rs_script_step;

typedef struct rs_workload_config {
  long ops;               /* operations this client runs; negative: until stop_at */
  double think;           /* seconds between an answer and the next request (closed loop) */
  double rate;            /* open loop: operations due per second (Poisson arrivals); 0: closed */
  int mix[RS_OP__COUNT];  /* weight per operation kind */
  int keys;               /* distinct keys */
  int value_size;         /* bytes per written value */
  bool files;             /* files app: keys are uuids and writes carry a filename */
  bool chat;              /* chat app: users register, send, fetch and list (core/apps/chat.h) */
} rs_workload_config;

typedef struct rs_driver_config {
  const char *name;       /* the client's node name: makes written values unique */
  const rs_workload_config *workload; /* NULL for a scripted client */
  const rs_script_step *steps;
  size_t n_steps;
  long start_at;          /* operations (or steps) a previous life of this client already ran */
  double stop_at;         /* no operation starts at or after this time (0: no limit) */
} rs_driver_config;

/* The driver reports through its host: RS_EV_STEP when a scripted step ends (the host checks it
 * against its expectation), RS_EV_FINISHED when no operation is left to run. */
typedef struct rs_driver rs_driver;

rs_driver *rs_driver_new(const rs_driver_config *cfg, const rs_host *host);
void rs_driver_free(rs_driver *d);
/* The driver runs `client`; pass rs_driver_on_ready/on_done as the client's callbacks. */
void rs_driver_attach(rs_driver *d, rs_client *client);
void rs_driver_on_ready(void *driver);
void rs_driver_on_done(void *driver, rs_outcome outcome, const rs_result *res);
void rs_driver_timer(rs_driver *d, int timer);
bool rs_driver_finished(const rs_driver *d);
/* No new operation from now on: the one under way may still complete; the driver then finishes
 * (at once if none is under way). Sends nothing. */
void rs_driver_stop(rs_driver *d);

#endif
