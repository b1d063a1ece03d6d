/* A quorum replica (seed 004): applies what coordinators send, keeping the newest version. */
#ifndef RS_QUORUM_REPLICA_H
#define RS_QUORUM_REPLICA_H

#include "store.h"
#include "host.h"

typedef struct quorum_replica quorum_replica;

/* `store` belongs to the host and outlives the node (crash, restart). */
quorum_replica *quorum_replica_new(rs_node_id self, rs_node_id registry, const rs_host *host, rs_store *store);
void quorum_replica_free(quorum_replica *q);
void quorum_replica_start(quorum_replica *q);
void quorum_replica_handle(quorum_replica *q, rs_node_id from, const rs_msg *m);

#endif
