/* A quorum replica (seed 004): applies what coordinators send, keeping the newest version. */
#ifndef RS_QUORUM_REPLICA_H
#define RS_QUORUM_REPLICA_H

#include "store.h"
#include "host.h"

/* The one timer a quorum replica arms: its heartbeat to the registry. (A client on the same
 * host would use timer 0 and its driver RS_DRIVER_TIMER_NEXT (10) and up, as for pb_replica.) */
enum { QUORUM_TIMER_HEARTBEAT = 1, QUORUM_TIMER_JOIN = 2 };

#define QUORUM_DEFAULT_HEARTBEAT 1.0 /* seconds, when quorum_replica_new is given <= 0 */

/*
 * Liveness, on the wire: at start (and so again after a restart) REGISTER to the registry, which
 * answers REGISTER_REPLY; then every `heartbeat` seconds HEARTBEAT (which = RS_SERVICE_NONE,
 * node = self), which the registry does not answer. The registry hands clients only replicas it
 * heard from lately (core/registry.h); its `heartbeat` should match the replicas'.
 *
 * Joining a running cluster (<join>): the replica registers (and heartbeats) with which =
 * RS_QUORUM_JOINING, and the registry puts it in every write quorum, but in no read quorum: it
 * receives every write from then on. After `join_delay` seconds (longer than any operation that
 * got its quorum before may take) it asks the registry for a read quorum of the members, asks
 * each for its state (STATE_REQUEST, answered with STATE carrying the application snapshot) and
 * merges them, newest version per key (rs_app_ops.replay under RS_APPLY_QUORUM): as any read
 * quorum meets every earlier write quorum, it then holds every acknowledged write. It says so
 * with which = RS_QUORUM_CAUGHT_UP, and the registry counts it as a member (N grows, and so do
 * Nr and Nw if Nr + Nw > N and Nw > N/2 would no longer hold).
 */

typedef struct quorum_config {
  rs_node_id self;
  rs_node_id registry;
  double heartbeat; /* seconds between HEARTBEATs to the registry; <= 0: the default */
  bool joining;     /* added to a running cluster: catch up before serving reads */
  double join_delay; /* joining: seconds before it takes the members' states (0: 5 s) */
  uint32_t read_quorum; /* joining: states to merge (Nr) */
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
