/* How a primary-backup cluster handles failures (the cluster attribute `failover`). */
#ifndef RS_FAILOVER_H
#define RS_FAILOVER_H

/* The values match scenario.h's rs_failover one for one, so the harness may cast between them.
 * 0 is `none`, so a config that never mentions failover keeps today's registry-driven behaviour. */
typedef enum rs_failover_core {
  RS_FAILOVER_CORE_NONE = 0,     /* seed 004: the registry names the primary, no failure handling */
  RS_FAILOVER_CORE_VIEW_SERVICE, /* seed 000 part 2 + 6.824: heartbeats to a view service */
  RS_FAILOVER_CORE_PEER,         /* seed 002: replicas heartbeat each other, the backup promotes */
  RS_FAILOVER_CORE_ORDERED,      /* seed 003: a fixed list, the first live replica leads */
} rs_failover_core;

#define RS_PEER_DEFAULT_INTERVAL 1.0      /* seconds between peer heartbeats (seed 002) */
#define RS_PEER_DEFAULT_DEAD_AFTER 5      /* missed beats before a peer counts as dead */
#define RS_PEER_DEFAULT_RESTART_DELAY 30.0 /* seconds a restarted backup takes to come back */

#endif
