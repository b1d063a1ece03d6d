/* The view service (seed 000 part 2 + MIT 6.824's viewservice): heartbeats in, numbered views out. */
#ifndef RS_VIEWSERVICE_H
#define RS_VIEWSERVICE_H

#include "host.h"

/*
 * What the service does
 * ---------------------
 * It keeps the current view {num, primary, backups[]} and changes it only under 6.824's rules,
 * generalized from one backup to a list:
 *   - view 0 is "no view". The first replica to heartbeat becomes primary of view 1, at once.
 *   - Every other change happens on the periodic tick (every heartbeat interval), and only once
 *     the primary of the current view has acknowledged it. Views are numbered consecutively and a
 *     view's content never changes once it has been announced.
 *   - Live replicas outside the view (idle) are appended to the backups, in the order the service
 *     first heard from them. They enter *joining*: they do not count until the primary confirms
 *     that they hold its full state (below).
 *   - A dead backup (no heartbeat for more than dead_after x interval) is removed.
 *   - When the primary is dead, or restarted, the next primary is the first backup in the list
 *     (the one that has been in the view longest) that is confirmed, alive and not restarted;
 *     an idle or joining replica never becomes primary. With no such backup, or when the primary
 *     died before acknowledging its view, no view can follow: the service stays on the view,
 *     reports itself stuck, and carries on once the primary heartbeats the current view again
 *     (a restarted primary counts as back only once a tick has found the service stuck, so a
 *     restart followed at once by a heartbeat of the current view still hands over).
 *   - Everything a tick finds (promotion, removals, additions) goes into one view change.
 *   - The service answers every HEARTBEAT and every GET_VIEW with VIEW (6.824's Ping and Get).
 *   - It does not survive its own crash (as in 6.824): its state is in memory only.
 *
 * What it expects from replicas (the wire protocol, with the existing rs_msg fields)
 * ---------------------------------------------------------------------------------
 * HEARTBEAT, replica -> service, every heartbeat interval (recommended also at once when a
 *   replica receives a VIEW with a higher number than it knew, so that acknowledgements are quick):
 *     which = rs_service: RS_SERVICE_PRIMARY if the replica is primary of the latest view it
 *             knows, RS_SERVICE_BACKUP if a backup in it, RS_SERVICE_NONE otherwise (seed 000's
 *             service identifier; it only labels the log lines).
 *     view  = the number of the latest view the replica has received, 0 after a (re)start until
 *             it has heard one. From the primary of the current view, view == current number IS
 *             the acknowledgement. A member that reports 0 after having reported a higher number
 *             has restarted: it is treated as dead (see above).
 *     nodes = primary only: every backup of view `view` that holds the primary's full state,
 *             i.e. the primary sent it STATE (the snapshot as of update `index`), received its
 *             STATE_ACK, and has sent it every update since. The whole set each time, not a delta.
 *             The service takes it only from the current primary with view == current number,
 *             and only for backups of that view that have not restarted. Others leave it empty.
 * VIEW, service -> replica or client:
 *     view  = the view number; node = its primary (RS_NO_NODE in view 0);
 *     nodes = all its backups, confirmed or joining, in the order they entered the view;
 *     seq   = the GET_VIEW's seq (0 for a heartbeat's answer or an announcement).
 *   Sent as the answer to every HEARTBEAT and GET_VIEW, and on every view change to the new
 *   primary, to each backup and to each live replica that was in the previous view but is not
 *   in the new one (a deposed primary learns at once that it must stop serving).
 * What a replica does with a VIEW is the replica's business (pb_replica); the service assumes:
 *   - a replica that is not the view's primary stops serving as primary;
 *   - the primary gives the full state (STATE/STATE_ACK) to every backup of the view it has not
 *     confirmed yet, and forgets confirmations of backups that left the view. A restarted backup
 *     is removed in one view and re-added in a later one, so "new in the view" always means
 *     "needs the state";
 *   - the service forgets every confirmation when the primary changes: a promoted primary must
 *     confirm each remaining backup itself before that backup counts.
 *
 * The heartbeat log (seed 000's heartbeat.txt)
 * --------------------------------------------
 * On each tick, one line per replica that has ever heartbeaten, in the order the service first
 * heard from them, as RS_EV_LOG events (the host writes logs/heartbeat.txt):
 *     "Primary is alive. Latest heartbeat received at 12.001"
 *     "Backup might be down. Latest heartbeat received at 7.001"
 * "Primary"/"Backup" is the service identifier of the replica's latest heartbeat, or, when that
 * was RS_SERVICE_NONE, its role in the current view; a replica with neither gets no line. A
 * replica "is alive" when its latest heartbeat is at most one interval old, and "might be down"
 * after that (it missed a beat); it is dead, for views, only after dead_after intervals. The
 * timestamp is the host's wall clock (rs_host.wall: seconds since the run began) when the latest
 * heartbeat came, with three decimals.
 */

#define VS_DEFAULT_INTERVAL 5.0 /* seconds, as seed 000 */
#define VS_DEFAULT_DEAD_AFTER 5 /* missed intervals */
#define VS_ROLE "view-service"             /* RS_EV_ROLE on each view change */
#define VS_ROLE_STUCK "view-service-stuck" /* RS_EV_ROLE when no view can follow a down primary */

/* The one timer the service arms: the periodic tick. */
enum { VS_TIMER_TICK = 0 };

typedef struct vs_config {
  rs_node_id self;
  double interval;     /* heartbeat interval and tick period, seconds (<= 0: the default) */
  uint32_t dead_after; /* a replica is dead after this many intervals without a heartbeat (0: default) */
} vs_config;

typedef struct vs_view {
  uint64_t num;       /* 0: no view yet */
  rs_node_id primary; /* RS_NO_NODE in view 0 */
  uint32_t n_backups;
  rs_node_id backups[RS_MAX_NODES]; /* in the order they entered the view */
} vs_view;

typedef struct vs_service vs_service;

vs_service *vs_new(const vs_config *cfg, const rs_host *host);
void vs_free(vs_service *s);
/* Arms the periodic tick. */
void vs_start(vs_service *s);
void vs_handle(vs_service *s, rs_node_id from, const rs_msg *m);
void vs_timer(vs_service *s, int timer);

const vs_view *vs_get_view(const vs_service *s);
bool vs_view_acked(const vs_service *s);      /* the primary acknowledged the current view */
bool vs_backup_ready(const vs_service *s, rs_node_id node); /* a backup the primary confirmed */
bool vs_is_stuck(const vs_service *s);        /* the primary is down and no view can follow */
bool vs_busy(const vs_service *s);            /* the view is not settled yet (rs_node_busy) */

/* Reads a VIEW message into a view (for replicas and clients). False if `m` is not a VIEW. */
bool vs_view_from_msg(const rs_msg *m, vs_view *out);
bool vs_view_has_backup(const vs_view *v, rs_node_id node);

#endif
