/* A primary-backup replica: one code for primary and backup, blocking or non-blocking by mode. */
#ifndef RS_PB_REPLICA_H
#define RS_PB_REPLICA_H

#include "store.h"
#include "host.h"

typedef enum pb_role {
  PB_ROLE_JOINING = 0, /* registered, does not know the primary yet */
  PB_ROLE_PRIMARY,
  PB_ROLE_BACKUP,
} pb_role;

typedef struct pb_config {
  rs_node_id self;
  rs_node_id registry;
  bool blocking;       /* confirm an update only after every backup acknowledged it */
  bool reads_primary;  /* send reads to the primary instead of answering locally */
} pb_config;

typedef struct pb_replica pb_replica;

/* `store` belongs to the host and outlives the node (crash, restart): the replica recovers from
 * it, then the primary brings it up to date by state transfer. */
pb_replica *pb_new(const pb_config *cfg, const rs_host *host, rs_store *store);
void pb_free(pb_replica *r);
void pb_start(pb_replica *r);
void pb_handle(pb_replica *r, rs_node_id from, const rs_msg *m);

pb_role pb_get_role(const pb_replica *r);
rs_node_id pb_get_primary(const pb_replica *r);
uint64_t pb_applied_index(const pb_replica *r);
const char *pb_role_name(pb_role role);

#endif
