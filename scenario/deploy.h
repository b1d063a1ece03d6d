/* What a scenario deploys: one core node spec per node, in id order, for any host (simulator,
 * sockets) to make and run. */
#ifndef RS_DEPLOY_H
#define RS_DEPLOY_H

#include "core/node.h"
#include "scenario.h"

/* One node of the cluster. Its spec's pointers (driver name, workload, steps) point into this
 * struct or into the scenario, which must outlive the plan. */
typedef struct dp_node {
  rs_node_id id;                /* its index in the plan */
  char *name;                   /* node id as the scenario names it */
  const char *host;             /* platform host */
  rs_node_spec spec;
  bool replica;                 /* holds a store that survives crashes */
  bool client;                  /* a client: runs a workload share or a script */
  bool joining;                 /* added by a <join> fault: not started before it */
  const sc_client *script;      /* scripted clients: the scenario's client */
  rs_script_step *steps;        /* ...and its steps (owned) */
  size_t n_steps;
  rs_workload_config workload;  /* workload clients: this client's share */
} dp_node;

typedef struct deploy {
  GPtrArray *nodes;             /* dp_node*, index = rs_node_id */
  rs_node_id registry;
  rs_node_id view_service;      /* RS_NO_NODE without failover="view-service" */
  const rs_app_ops *app;
} deploy;

/* deploy_poll.c (app votes): voters v1..vN after every other node, and each vote server's poll. */
void deploy_add_voters(deploy *d, const scenario *sc);
void deploy_fill_poll(deploy *d, const scenario *sc);

/* Registry, view service, replicas in order, scripted clients, workload clients c1..cN, then the
 * replicas <join> faults add, in file order. */
deploy *deploy_new(const scenario *sc);
void deploy_free(deploy *d);
dp_node *deploy_node(const deploy *d, rs_node_id id);
dp_node *deploy_find(const deploy *d, const char *name); /* NULL when no node has that name */

/* The spec of `n` for one of its lives: `life` counts its boots from 0 and `done` the operations
 * (or steps) its earlier lives completed, so a restarted client goes on where it stopped, with
 * sequence numbers its earlier lives never used. */
rs_node_spec deploy_spec_for_life(const dp_node *n, uint32_t life, long done);

/* The run's generator split (DESIGN.md "Determinism"), the same for every engine: node `id`'s
 * share is stream `id`, the network's is DEPLOY_NET_STREAM; adding a node never changes the
 * numbers another draws. */
#define DEPLOY_NET_STREAM 0x6e657477u /* "netw" */
GRand *deploy_rand(const scenario *sc, guint32 stream);

/* A client driven by hand (`replsim client`), under the id one past the plan's last node, which
 * no scenario node has; `seq_base` must exceed every sequence number an earlier invocation used
 * (the wall clock in microseconds does), so replicas never take a new request for a retry. */
rs_node_spec deploy_shell_client(const deploy *d, const scenario *sc, uint64_t seq_base);

#endif
