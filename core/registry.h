/* The registry (seed 004): replicas register, the first is primary, clients get replica lists.
 *
 * Quorum liveness: the registry notes when it last heard each replica (REGISTER or HEARTBEAT,
 * see core/quorum_replica.h). A replica is live while it was heard within dead_after x heartbeat
 * seconds (inclusive). GET_REPLICAS READ / WRITE is answered with Nr / Nw replicas chosen at random
 * among the live ones only; with fewer live than that, REPLICAS carries n_nodes = 0, and the client
 * fails the operation at once with NO QUORUM. ALL still lists every registered replica, live or
 * not. A replica that registers again (a restart) is live again; a HEARTBEAT from a replica the
 * registry does not know (the registry restarted) counts as its REGISTER. Primary-backup ignores
 * all of this: HEARTBEAT is refused there, as before.
 *
 * Start-up under message loss: REGISTER carries the replica's life in `seq` (a nonce): the same
 * nonce again is a retry and only gets the answer again, a new one is a restart. NEW_REPLICA to
 * the primary carries that nonce too and is sent again every `retry` seconds until the primary
 * acknowledges it (NEW_REPLICA_ACK with the same nonce). Clients are answered once every expected
 * replica registered and the primary acknowledged every backup, or, once `grace` seconds have
 * passed since the registry started, with the replicas registered so far (a replica that never
 * comes up does not keep the cluster from starting; it joins later if it comes). */
#ifndef RS_REGISTRY_H
#define RS_REGISTRY_H

#include "host.h"

typedef struct rs_registry_config {
  rs_node_id self;
  bool quorum;                 /* quorum protocol: no primary, random Nr/Nw lists */
  uint32_t expected_replicas;  /* N: clients are answered once this many have registered */
  uint32_t read_quorum;        /* Nr */
  uint32_t write_quorum;       /* Nw */
  double heartbeat;            /* quorum: the replicas' heartbeat period, s; 0: RS_REGISTRY_DEFAULT_HEARTBEAT */
  uint32_t dead_after;         /* quorum: heartbeats missed before a replica is dead; 0: the default */
  double retry;                /* seconds between announcements the primary has not acknowledged; 0:
                                * the default; negative: never again (every link reliable) */
  double grace;                /* seconds before clients are answered without every replica; 0: the
                                * default; negative: never (clients wait for every replica) */
} rs_registry_config;

#define RS_REGISTRY_DEFAULT_RETRY 0.2
#define RS_REGISTRY_DEFAULT_GRACE 5.0

/* The registry's timers: announcements resent, and the end of the start-up grace. */
enum { RS_REGISTRY_TIMER_RETRY = 1, RS_REGISTRY_TIMER_GRACE = 2 };

#define RS_REGISTRY_DEFAULT_HEARTBEAT 1.0
#define RS_REGISTRY_DEFAULT_DEAD_AFTER 3

typedef struct rs_registry rs_registry;

rs_registry *rs_registry_new(const rs_registry_config *cfg, const rs_host *host);
void rs_registry_free(rs_registry *r);
void rs_registry_start(rs_registry *r);
void rs_registry_handle(rs_registry *r, rs_node_id from, const rs_msg *m);
void rs_registry_timer(rs_registry *r, int timer);
bool rs_registry_busy(const rs_registry *r);

/* Seed 004's rule, checked by the registry at start: Nr + Nw > N and Nw > N/2. */
bool rs_quorum_valid(uint32_t n, uint32_t nr, uint32_t nw, const char **why);

#endif
