/* A parsed, validated scenario file: what to deploy, what to drive, what to expect. */
#ifndef RS_SCENARIO_H
#define RS_SCENARIO_H

#include "core/types.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum rs_protocol {
  RS_PROTO_PB_BLOCKING = 0,
  RS_PROTO_PB_NONBLOCKING,
  RS_PROTO_QUORUM,
} rs_protocol;

typedef enum rs_failover {
  RS_FAILOVER_NONE = 0,
  RS_FAILOVER_VIEW_SERVICE,
  RS_FAILOVER_PEER,
  RS_FAILOVER_ORDERED,
} rs_failover;

typedef enum rs_jitter {
  RS_JITTER_NONE = 0,
  RS_JITTER_UNIFORM,
  RS_JITTER_EXPONENTIAL,
} rs_jitter;

/* What carries the messages: SimGrid's network models, or replsim's own L + S/B engine. */
typedef enum rs_engine {
  RS_ENGINE_SIMGRID = 0,
  RS_ENGINE_FAST,
} rs_engine;

const char *rs_protocol_name(rs_protocol p); /* "pb-blocking", "pb-nonblocking", "quorum" */
const char *rs_failover_name(rs_failover f); /* "none", "view-service", "peer", "ordered" */
const char *rs_engine_name(rs_engine e);     /* "simgrid", "fast" */

/* Limits every scenario is held to (README, "Limits"). */
/* The longest time a scenario may name, in seconds (11.6 days). Traces give times in seconds
 * rounded to the nanosecond; a double holds integers exactly up to 2^53, and near 1e6 s its
 * spacing is 2^-33 s (0.12 ns), so every nanosecond up to this bound, and sums of such times,
 * stay distinct and exact to the nanosecond. At 2^23 s (97 days) the spacing reaches 1 ns and
 * timestamps start to merge; 1e6 s keeps an 8x margin. */
#define SC_MAX_DURATION 1e6
/* Replicas, joined ones included: protocol messages carry at most RS_MAX_NODES node ids
 * (core/msg.h), and every replica must fit in a view, a replica list or a peer set. */
#define SC_MAX_REPLICAS 64
#define SC_MAX_CLIENTS 10000     /* workload clients c1..cN */
#define SC_MAX_RATE 1e6          /* open-loop operations per second, over all clients */

typedef struct sc_replica {
  char *id;
  char *host;
  int port;            /* port= (real mode's TCP port); 0: 7400 + its position */
  int line;
} sc_replica;

/* One step of a scripted client: an operation with its optional target, start time and outcome. */
typedef struct sc_step {
  int line;
  int op;            /* rs_op_kind */
  char *key;         /* files: uuid; kv: key */
  char *name;        /* files: filename */
  char *value;       /* files: content; kv: value */
  char *expected;    /* kv cas */
  char *replica;     /* NULL: any replica (PB) or the registry's quorum (quorum) */
  double at;         /* start no earlier than this (seconds); 0 if absent */
  char *expect;      /* expected status string, NULL if none */
  char *expect_value;/* expected value on read/get (attribute expect-value), NULL if none */
} sc_step;

typedef struct sc_client {
  char *id;
  char *host;
  int line;
  GPtrArray *steps; /* sc_step* */
  double timeout;   /* timeout= (seconds); 0: the workload's, or the default */
  int retries;      /* retries=; 0: the workload's, or the default */
} sc_client;

typedef struct sc_workload {
  bool present;
  int line;
  int clients;         /* number of clients c1..cN */
  GPtrArray *hosts;    /* char*: client hosts, used round-robin */
  long ops;            /* total operations over all clients; 0 (no ops=): run until duration */
  double rate;         /* rate="200/s": open loop, operations started per second over all clients
                          (Poisson-spaced); 0: closed loop with think */
  double think;        /* seconds between an answer and the next request (closed loop) */
  double timeout;      /* seconds before a request is retried at the next replica */
  int retries;         /* attempts before an operation ends as info (attribute retries, default 3) */
  int mix[RS_OP__COUNT]; /* weight per rs_op_kind */
  int keys;            /* number of distinct keys */
  int value_size;      /* bytes per written value */
} sc_workload;

/* One fault element as written (actors/sim_faults.c turns them into timed actions). */
typedef struct sc_fault {
  int line;
  char *kind;          /* element name: crash, restart, partition, ... */
  char *node;
  char *link;
  char *host;
  char *groups;        /* partition groups, "a b | c d" */
  char *from, *to;     /* one-way partition */
  double at, until;    /* until < 0: none */
  double boot;
  double rate;
  double latency;
  char *nodes;         /* random-crashes: the nodes to pick from */
  double every, down;  /* random-crashes: one crash every `every`, each lasting `down` */
} sc_fault;

/* <poll voters hosts ballots every yes deadline> (app votes, seed 002): voters v1..vN. */
typedef struct sc_poll {
  bool present;
  int line;
  int voters;
  GPtrArray *hosts;    /* char*: voter hosts, used round-robin */
  long ballots;
  double every;        /* seconds between ballots */
  double yes;          /* probability that a voter votes yes */
  double deadline;     /* seconds a ballot stays open at most */
} sc_poll;

#define SC_MAX_VOTERS 64 /* a poll's voters: the servers' client lists carry node ids */

typedef struct sc_expect {
  int line;
  char *key;           /* attribute name, e.g. "diverged" */
  char *value;         /* attribute value as written */
} sc_expect;

typedef struct scenario {
  char *path;          /* the scenario file as given */
  char *dir;           /* its folder: relative paths resolve from here */
  char *name;
  uint64_t seed;       /* 0 to 2^63-1, so that every JSON reader holds it exactly */
  double duration;     /* seconds, at most SC_MAX_DURATION; 0 means until the workload and
                          scripts are done */
  char *platform;      /* resolved path of the platform file */
  int platform_line;
  GPtrArray *platform_hosts; /* char*: every host the platform defines */
  GPtrArray *platform_links; /* char*: every link the platform defines */

  char *network_model; /* SimGrid network model, default "CM02" */
  rs_engine engine;    /* <network engine>, or --engine; default simgrid */
  rs_jitter jitter;
  double jitter_mean;  /* seconds */

  rs_protocol protocol;
  char *app;           /* "files" or "kv" */
  rs_failover failover;
  bool reads_primary;  /* reads="primary" */
  double heartbeat;
  int dead_after;
  double restart_delay;
  int read_quorum, write_quorum;
  bool read_repair;    /* read-repair="true" (quorum only): reads write back, writes learn first */
  double fsync;        /* fsync="2ms": simulated delay before a write is durable; 0 by default */
  char *registry_host;
  char *view_service_host; /* NULL if no view service */
  int registry_port, view_service_port; /* port= (real mode); 0: 7400 and 7401 */
  GPtrArray *replicas; /* sc_replica* */

  sc_workload workload;
  GPtrArray *clients;  /* sc_client* */
  GPtrArray *faults;   /* sc_fault* */
  GPtrArray *expects;  /* sc_expect* */
  sc_poll poll;        /* scenario/poll.c */
} scenario;

/* Parses and validates `path`, applying `overrides` ("key=value" strings for cluster attributes,
 * and "seed", "duration", "engine") before validation. On error returns NULL and sets *err to
 * "FILE:LINE: what is wrong". */
scenario *scenario_load(const char *path, char *const *overrides, char **err);
void scenario_free(scenario *sc);

/* Parses a SimGrid duration ("250ms", "30s", "2m", "1h", "1.5"): false if malformed or negative.
 * It does not apply SC_MAX_DURATION (the scenario's values are checked against it). */
bool scenario_parse_duration(const char *text, double *seconds);

#endif
