/* One interface every core node kind implements, so that a host never switches on node kinds. */
#ifndef RS_NODE_H
#define RS_NODE_H

#include "client_node.h"
#include "pb_replica.h"
#include "quorum_replica.h"
#include "registry.h"
#include "viewservice.h"
#include "vote_server.h"
#include "voter.h"

typedef enum rs_node_kind {
  RS_NODE_REGISTRY = 0,
  RS_NODE_VIEW_SERVICE,
  RS_NODE_PB_REPLICA,
  RS_NODE_QUORUM_REPLICA,
  RS_NODE_CLIENT,
  RS_NODE_VOTE_SERVER, /* seed 002: a pb replica of app votes that runs the poll */
  RS_NODE_VOTER,       /* seed 002: one voter of the poll */
} rs_node_kind;

/* Everything needed to make one node: its kind and that kind's configuration. */
typedef struct rs_node_spec {
  uint8_t kind; /* rs_node_kind */
  union {
    rs_registry_config registry;
    vs_config view_service;
    pb_config pb;
    quorum_config quorum;
    rs_client_node_config client;
    vote_server_config vote_server; /* its pb_config first: .pb fills it too */
    rs_voter_config voter;
  };
} rs_node_spec;

/* What each kind supplies (its own struct as `impl`). Only `start`, `handle`, `timer` and `free`
 * are required. */
typedef struct rs_node_ops {
  const char *kind;                           /* "registry", "pb-replica", ... */
  void (*start)(void *impl);                  /* start, or recover after a crash from the store */
  void (*handle)(void *impl, rs_node_id from, const rs_msg *m);
  void (*timer)(void *impl, int timer);
  void (*durable)(void *impl, uint64_t upto); /* see rs_host.persist */
  void (*stop)(void *impl);                   /* the run's duration is over: start nothing new */
  bool (*busy)(const void *impl);             /* work outstanding (see rs_node_busy) */
  bool (*current)(const void *impl);          /* holds the state it serves (RS_EV_DIGEST) */
  void (*free)(void *impl);
} rs_node_ops;

typedef struct rs_node rs_node;

/* Makes a node; `store` (replicas only, else NULL) belongs to the host and outlives the node:
 * a node made again after a crash recovers from it. The host is copied. */
rs_node *rs_node_new(const rs_node_spec *spec, const rs_host *host, rs_store *store);
void rs_node_free(rs_node *n);
void rs_node_start(rs_node *n);
void rs_node_handle(rs_node *n, rs_node_id from, const rs_msg *m);
void rs_node_timer(rs_node *n, int timer);
void rs_node_durable(rs_node *n, uint64_t upto);
void rs_node_stop(rs_node *n);
/* Whether the node has work outstanding that a quiet cluster would not have: an operation in
 * flight, an update not yet acknowledged by every backup, a state transfer not installed, a view
 * change due. Periodic heartbeats are not work. The end of a run waits for no node to be busy. */
bool rs_node_busy(const rs_node *n);
/* At the end of a run: for each key, one RS_EV_FINAL with what the store answers to a read of
 * it, then one RS_EV_DIGEST of the whole application state. Nodes without a store say nothing. */
void rs_node_report(rs_node *n, const char *const *keys, size_t n_keys);
rs_node_kind rs_node_kind_of(const rs_node *n);
const char *rs_node_kind_name(const rs_node *n);
/* The kind's own struct (pb_replica *, rs_client_node *, ...), for tests and introspection. */
void *rs_node_impl(const rs_node *n);

/* Each kind's table, next to its code. */
extern const rs_node_ops rs_registry_node_ops;
extern const rs_node_ops vs_node_ops;
extern const rs_node_ops pb_node_ops;
extern const rs_node_ops quorum_node_ops;
extern const rs_node_ops rs_client_node_ops;
extern const rs_node_ops vote_server_node_ops;
extern const rs_node_ops rs_voter_node_ops;

#endif
