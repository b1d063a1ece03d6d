/* A client: tags requests (client id, sequence number), retries on timeout, coordinates quorums. */
#ifndef RS_CLIENT_H
#define RS_CLIENT_H

#include "apps/app.h"
#include "failover.h"
#include "host.h"

/* Quorum versions: a counter above the low bits that name the writer (its node id). */
#define RS_VERSION_WRITER_BITS 20

/* Timers this node arms; a driver on the same host uses numbers from RS_DRIVER_TIMER_BASE. */
enum { RS_CLIENT_TIMER_ATTEMPT = 0, RS_CLIENT_TIMER_READY = 1 };

typedef struct rs_client_config {
  rs_node_id self;
  rs_node_id registry;
  bool quorum;              /* coordinate quorums instead of talking to one replica */
  bool read_repair;         /* quorum, linearizable (Attiya, Bar-Noy, Dolev): a read writes the
                             * newest version it saw back to a write quorum before it answers */
  const rs_app_ops *app;    /* quorum: how to pick the latest of several answers */
  uint64_t seq_base;        /* sequence numbers start after it: a restarted client passes a higher
                             * one than its previous life used, so replicas never take a new
                             * request for a retry of an old one (at-most-once) */
  double timeout;           /* seconds an attempt may take */
  double ready_retry;       /* seconds between asks while the cluster has not answered (lost
                             * messages at start-up); 0: ask once */
  int attempts;             /* attempts before the outcome is unknown (info) */
  /* Failover (all zero: `none`, the registry's list and a random replica per operation).
   * view-service: GET_VIEW at start, after NOT PRIMARY and after a timeout; updates (and reads
   *   with reads_primary) go to the view's primary, other reads to any replica.
   * peer: VIEW messages from replicas name the primary, which gets the updates; NOT PRIMARY or
   *   a timeout moves to the next replica of the list.
   * ordered: updates start at the replica that last answered one (first: the head of `peers`)
   *   and walk down the fixed list on NOT PRIMARY or a timeout.
   * With `peers` set, that list (in its order) replaces the registry's; with registry
   * RS_NO_NODE the client is ready at once. */
  uint8_t failover;         /* rs_failover_core */
  rs_node_id view_service;  /* view-service: whom to ask for the view */
  bool reads_primary;       /* view-service: reads go to the primary too */
  uint32_t n_peers;         /* peer, ordered: every replica, in order */
  rs_node_id peers[RS_MAX_NODES];
  void (*on_ready)(void *arg);
  void (*on_done)(void *arg, rs_outcome outcome, const rs_result *res);
  void *arg;
} rs_client_config;

typedef struct rs_client rs_client;

rs_client *rs_client_new(const rs_client_config *cfg, const rs_host *host);
void rs_client_free(rs_client *c);
/* Asks the registry for the replicas (and the view service for the view); on_ready fires once
 * the cluster answered. */
void rs_client_start(rs_client *c);
bool rs_client_ready(const rs_client *c);
bool rs_client_busy(const rs_client *c);
/* Starts one operation (one at a time). `replica` pins it to one replica (RS_NO_NODE: any). */
void rs_client_submit(rs_client *c, const rs_op *op, rs_node_id replica);
/* The same for an open-loop operation that was due at `intended` (earlier than now when the
 * client was busy): the trace measures its latency from then. */
void rs_client_submit_due(rs_client *c, const rs_op *op, rs_node_id replica, double intended);
void rs_client_handle(rs_client *c, rs_node_id from, const rs_msg *m);
void rs_client_timer(rs_client *c, int timer);
/* The primary the client would send an update to now (RS_NO_NODE: not known). */
rs_node_id rs_client_primary(const rs_client *c);

#endif
