/* A primary-backup replica: one code for primary and backup, blocking or non-blocking by mode. */
#ifndef RS_PB_REPLICA_H
#define RS_PB_REPLICA_H

#include "failover.h"
#include "store.h"
#include "host.h"

typedef enum pb_role {
  PB_ROLE_JOINING = 0, /* registered, does not know the primary yet */
  PB_ROLE_PRIMARY,
  PB_ROLE_BACKUP,
  PB_ROLE_IDLE,        /* view-service: in no view; ordered: no live leader known */
} pb_role;

/* The timers a replica arms. The client uses timer 0 and the driver RS_DRIVER_TIMER_NEXT (10)
 * and up.
 * PB_TIMER_HEARTBEAT  failover view-service, peer, ordered: the heartbeat tick.
 * PB_TIMER_REGISTER   every `resend` seconds until the registry answered REGISTER (start-up
 *   survives message loss).
 * PB_TIMER_RESEND     primary, every `resend` seconds while something is unacknowledged (an
 *   update or read a backup has not acked, a STATE a backup has not acked); never armed on an
 *   idle cluster, cancelled once every backup has acknowledged everything. */
enum { PB_TIMER_HEARTBEAT = 1, PB_TIMER_RESEND = 2, PB_TIMER_REGISTER = 3 };

#define PB_DEFAULT_RESEND 0.2 /* seconds between resends when pb_config.resend is 0 */

/*
 * Failover, on the wire (see core/failover.h; `none` is seed 004's registry-driven cluster):
 *
 * view-service  Every `heartbeat` seconds (and at once on a newer view) HEARTBEAT to the service:
 *   which = PRIMARY/BACKUP/NONE by the latest view known, view = its number, nodes = (primary
 *   only) the backups that acknowledged its STATE. A VIEW newer than the one known decides the
 *   role: its primary serves and sends STATE to every backup of the view it has not confirmed,
 *   forgets backups that left the view (a blocking primary stops waiting for them); a backup
 *   follows the named primary (a new primary means a new STATE); anyone else is idle. A replica
 *   that is not the primary of the latest view it knows refuses updates (NOT PRIMARY); a stale
 *   primary cut off from the service serves until a newer view reaches it (6.824's hazard). The
 *   registry still gets REGISTER (it is the clients' directory) but names no primary here.
 * peer (seed 002)  The registry's first replica starts as primary in epoch 1. Every `heartbeat`
 *   seconds PEER_HEARTBEAT to every other peer: view = epoch, node = the primary it follows,
 *   which = PRIMARY / BACKUP (holds the state) / NONE, seq = 1 when it holds the state of `node`.
 *   A peer is dead after `dead_after` ticks without its heartbeat. A backup whose primary is dead
 *   promotes itself (epoch + 1) if it is the first live backup in `peers`. A primary drops a dead
 *   backup (and stops waiting for it) and asks host->restart_node(backup, restart_delay); any
 *   peer heartbeating a primary without holding its state gets STATE (the join protocol). The
 *   higher epoch wins (ties: earlier in `peers`): a primary that hears a newer one steps down and
 *   gets its state. A partition therefore gives two primaries until it heals. Clients are told
 *   of every change of primary or backups with VIEW (view = epoch, node = primary, nodes = the
 *   backups holding the state), sent to each client that has sent this replica a request.
 * ordered (seed 003)  `peers` is the fixed list. Same PEER_HEARTBEAT (view = leader changes seen
 *   here). A replica holds a complete state after a cold start (every peer it heard is new too,
 *   or its first tick came with no one holding a state) or a STATE transfer. The leader is the
 *   first replica of the list that is alive and holds a complete state; it serves updates and
 *   replicates to the live others, sending STATE to any that lacks its stream (a blocking leader
 *   waits for live ones only). Other replicas refuse updates with NOT PRIMARY.
 *
 * Message loss and duplication (every failover design):
 * - The primary keeps every numbered update a current backup has not acknowledged (index,
 *   client, seq, version, a copy of the op) and, on PB_TIMER_RESEND, sends each confirmed backup
 *   again every entry beyond its acknowledged index that went out at least `resend` seconds ago;
 *   the log is trimmed as the slowest backup's acknowledged index advances. A backup re-acks an
 *   update it already has and buffers one ahead of its turn, so a lost REPLICATE_ACK is covered
 *   by the resend and a duplicate changes nothing.
 * - A backup that has not acknowledged its STATE for `resend` seconds gets a fresh STATE (as of
 *   now). A backup that already holds the state at that index or later only re-acks a STATE, so
 *   a duplicate or a late old copy never rolls it back. (With resending off, failover designs
 *   still resend STATE after two heartbeat intervals, as before.)
 * - A client's retry of an update still pending at the primary (blocking) is remembered with the
 *   replica it came through, and the confirmation goes to every such replica, so one lost
 *   FORWARD_REPLY does not leave the client without an answer.
 *
 * Read barrier (view-service, reads = primary, blocking): the primary numbers each read in its
 * order and sends it to every backup of the view like an update, and answers only once every
 * backup acknowledged it. A stale primary whose backups follow a newer view gets no ack and never
 * answers (MIT 6.824's rule: no reads from a primary that may have been replaced). Backups run
 * such a read without changing state and report no APPLY; reads take an update number there too.
 */
typedef struct pb_config {
  rs_node_id self;
  rs_node_id registry;  /* RS_NO_NODE: none (view-service, peer, ordered only) */
  bool blocking;        /* confirm an update only after every backup acknowledged it */
  bool reads_primary;   /* send reads to the primary instead of answering locally */
  /* Failure handling; all zero is `none`. */
  uint8_t failover;         /* rs_failover_core */
  rs_node_id view_service;  /* view-service: the service's node */
  double heartbeat;         /* seconds between heartbeats (<= 0: 5 for view-service, else 1) */
  uint32_t dead_after;      /* peer, ordered: missed beats before a peer is dead (0: 5) */
  double restart_delay;     /* peer: delay passed to host->restart_node (<= 0: 30) */
  /* Retransmission: seconds between resends of unacknowledged REPLICATE and STATE messages
   * (0: PB_DEFAULT_RESEND; negative: never resend, as when every link is reliable). */
  double resend;
  bool restarted;           /* this life follows a crash: the store may be stale */
  bool joining;             /* added to a running cluster (<join>): the store holds nothing */
  uint32_t n_peers;         /* peer, ordered: every replica, self included, in order */
  rs_node_id peers[RS_MAX_NODES];
} pb_config;

typedef struct pb_replica pb_replica;

/* `store` belongs to the host and outlives the node (crash, restart): the replica recovers from
 * it, then the primary brings it up to date by state transfer. */
pb_replica *pb_new(const pb_config *cfg, const rs_host *host, rs_store *store);
void pb_free(pb_replica *r);
void pb_start(pb_replica *r);
void pb_handle(pb_replica *r, rs_node_id from, const rs_msg *m);
void pb_timer(pb_replica *r, int timer);

pb_role pb_get_role(const pb_replica *r);
rs_node_id pb_get_primary(const pb_replica *r);
uint64_t pb_get_view(const pb_replica *r); /* view number, epoch (peer) or leader changes (ordered) */
uint64_t pb_applied_index(const pb_replica *r);
/* The backups the primary counts now, and whether one holds its full state (STATE_ACK came). */
uint32_t pb_backup_count(const pb_replica *r);
bool pb_backup_confirmed(const pb_replica *r, rs_node_id node);
const char *pb_role_name(pb_role role);
bool pb_busy(const pb_replica *r); /* see rs_node_busy */
bool pb_current(const pb_replica *r); /* holds the state it serves (RS_EV_DIGEST.current) */

#endif
