/* A quorum replica (seed 004): applies what coordinators send, keeping the newest version. */
#ifndef RS_QUORUM_REPLICA_H
#define RS_QUORUM_REPLICA_H

#include "store.h"
#include "host.h"

/* The one timer a quorum replica arms: its heartbeat to the registry. (A client on the same
 * host would use timer 0 and its driver RS_DRIVER_TIMER_NEXT (10) and up, as for pb_replica.) */
enum { QUORUM_TIMER_HEARTBEAT = 1 };

#define QUORUM_DEFAULT_HEARTBEAT 1.0 /* seconds, when quorum_replica_new is given <= 0 */

/*
 * Liveness, on the wire: at start (and so again after a restart) REGISTER to the registry, which
 * answers REGISTER_REPLY; then every `heartbeat` seconds HEARTBEAT (which = RS_SERVICE_NONE,
 * node = self), which the registry does not answer. The registry hands clients only replicas it
 * heard from lately (core/registry.h); its `heartbeat` should match the replicas'.
 */

typedef struct quorum_config {
  rs_node_id self;
  rs_node_id registry;
  double heartbeat; /* seconds between HEARTBEATs to the registry; <= 0: the default */
} quorum_config;

typedef struct quorum_replica quorum_replica;

/* `store` belongs to the host and outlives the node (crash, restart). */
quorum_replica *quorum_replica_new(const quorum_config *cfg, const rs_host *host, rs_store *store);
void quorum_replica_free(quorum_replica *q);
/* Registers with the registry and arms QUORUM_TIMER_HEARTBEAT. */
void quorum_replica_start(quorum_replica *q);
void quorum_replica_handle(quorum_replica *q, rs_node_id from, const rs_msg *m);
/* The host calls this when a timer the replica armed fires (only QUORUM_TIMER_HEARTBEAT). */
void quorum_replica_timer(quorum_replica *q, int timer);

#endif
