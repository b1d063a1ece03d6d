/* Failure handling for primary-backup (failover view-service, peer, ordered): heartbeats, views,
 * promotion, restarts of dead backups and the fixed leader list. The wire protocol of each is
 * described in pb_replica.h; replication itself stays in pb_replica.c. */
#include "pb_internal.h"

static bool is_mode(const pb_replica *r, rs_failover_core f) { return r->cfg.failover == f; }

int pb_peer_pos(const pb_replica *r, rs_node_id id)
{
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    if (r->cfg.peers[i] == id)
      return (int)i;
  return -1;
}

static peer_state *find_peer(pb_replica *r, rs_node_id id)
{
  int pos = pb_peer_pos(r, id);
  return pos >= 0 && id != r->cfg.self ? &r->peers[pos] : NULL;
}

/* Alive until dead_after ticks passed without its heartbeat (a peer not heard yet included). */
static bool alive(const pb_replica *r, const peer_state *p) { return p->missed < r->cfg.dead_after; }

static void arm_heartbeat(pb_replica *r)
{
  r->host.timer_arm(r->host.ctx, PB_TIMER_HEARTBEAT, r->cfg.heartbeat);
}

/* Takes a role in view `view`; the trace hears of a new role, or of the same role in a new view. */
static void enter(pb_replica *r, pb_role role, rs_node_id primary, uint64_t view)
{
  bool new_view = view != r->view;
  pb_role before = r->role;
  r->view = view;
  pb_set_role(r, role, primary);
  if (before == role && new_view) {
    rs_event ev = {.type = RS_EV_ROLE, .role = pb_role_name(role), .view = view};
    rs_emit(&r->host, &ev);
  }
}

/* This replica now orders updates; whatever it buffered from a former primary is void. */
static void become_primary(pb_replica *r, uint64_t view)
{
  if (r->role != PB_ROLE_PRIMARY) {
    pb_forget_early(r);
    g_array_set_size(r->backups, 0);
  }
  r->installed = true;
  enter(r, PB_ROLE_PRIMARY, r->cfg.self, view);
}

/* This replica follows `primary` (or nobody, when idle). A former primary forgets its work; a new
 * primary to follow means waiting for its STATE. Under peer and ordered so does the same primary
 * in a newer epoch: between the two it may have led nothing and installed another leader's state,
 * so its stream does not continue what this backup holds (the swarm: a backup followed r2 from
 * epoch 2 to epoch 4 without a state transfer, across r1's epoch 3, and diverged). */
static void become_follower(pb_replica *r, pb_role role, rs_node_id primary, uint64_t view)
{
  if (r->role == PB_ROLE_PRIMARY)
    pb_forget_primary_work(r);
  bool new_epoch = !is_mode(r, RS_FAILOVER_CORE_VIEW_SERVICE) && view > r->view;
  if (role != PB_ROLE_BACKUP || r->role != PB_ROLE_BACKUP || r->primary != primary || new_epoch) {
    r->installed = false;
    pb_forget_early(r);
  }
  enter(r, role, primary, view);
}

void pb_note_client(pb_replica *r, rs_node_id client)
{
  if (!is_mode(r, RS_FAILOVER_CORE_PEER))
    return;
  for (guint i = 0; i < r->clients->len; i++)
    if (g_array_index(r->clients, rs_node_id, i) == client)
      return;
  g_array_append_val(r->clients, client);
}

/* Peer: tells every client heard from who the primary is and which backups hold its state. */
static void tell_clients(pb_replica *r)
{
  rs_msg m = {.type = RS_MSG_VIEW, .view = r->view, .node = r->cfg.self};
  for (guint i = 0; i < r->backups->len && m.n_nodes < RS_MAX_NODES; i++) {
    const backup_state *b = &g_array_index(r->backups, backup_state, i);
    if (b->confirmed)
      m.nodes[m.n_nodes++] = b->id;
  }
  for (guint i = 0; i < r->clients->len; i++)
    rs_send(&r->host, g_array_index(r->clients, rs_node_id, i), &m);
}

/* A primary resends STATE to a backup that has not acknowledged it (lost). The resend timer
 * (pb_replica.c) does it every `resend` seconds; with resending off, the heartbeat tick still
 * does it after two intervals. */
static void resend_states(pb_replica *r)
{
  if (r->role == PB_ROLE_PRIMARY && r->cfg.resend < 0)
    pb_resend_states(r, 2 * r->cfg.heartbeat);
}

/* ---- view-service ---- */

/* HEARTBEAT to the service: role and number of the latest view known, and (as primary) the
 * backups that hold the state. */
static void vs_beat(pb_replica *r)
{
  rs_msg m = {.type = RS_MSG_HEARTBEAT, .view = r->known.num, .which = RS_SERVICE_NONE};
  if (r->role == PB_ROLE_PRIMARY) {
    m.which = RS_SERVICE_PRIMARY;
    for (guint i = 0; i < r->backups->len && m.n_nodes < RS_MAX_NODES; i++) {
      const backup_state *b = &g_array_index(r->backups, backup_state, i);
      if (b->confirmed)
        m.nodes[m.n_nodes++] = b->id;
    }
  } else if (r->role == PB_ROLE_BACKUP) {
    m.which = RS_SERVICE_BACKUP;
  }
  rs_send(&r->host, r->cfg.view_service, &m);
}

/* The primary makes its backups those of the view: it forgets the ones that left (no longer
 * waiting for them) and runs the join protocol with the ones it has not counted yet. */
static void sync_backups_with_view(pb_replica *r)
{
  for (guint i = r->backups->len; i-- > 0;)
    if (!vs_view_has_backup(&r->known, g_array_index(r->backups, backup_state, i).id))
      g_array_remove_index(r->backups, i);
  for (uint32_t i = 0; i < r->known.n_backups; i++)
    if (!pb_find_backup(r, r->known.backups[i]))
      pb_join_backup(r, r->known.backups[i]);
  pb_confirm_acked(r);
}

/* A VIEW from the service. Only a newer view counts; it decides the role, and the replica
 * acknowledges it at once with a heartbeat. */
void pb_on_view(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (!is_mode(r, RS_FAILOVER_CORE_VIEW_SERVICE) || from != r->cfg.view_service) {
    pb_refuse(r, from, m, "not from the view service");
    return;
  }
  vs_view v;
  vs_view_from_msg(m, &v);
  if (v.num <= r->known.num)
    return;
  r->known = v;
  if (v.primary == r->cfg.self) {
    become_primary(r, v.num);
    sync_backups_with_view(r);
  } else if (vs_view_has_backup(&v, r->cfg.self)) {
    become_follower(r, PB_ROLE_BACKUP, v.primary, v.num);
  } else {
    become_follower(r, PB_ROLE_IDLE, v.primary, v.num);
  }
  vs_beat(r);
}

/* ---- peer and ordered: heartbeats between replicas ---- */

/* Whether this replica holds the state of the primary it names (or is that primary). */
static bool holds_stream(const pb_replica *r)
{
  return r->role == PB_ROLE_PRIMARY || (r->role == PB_ROLE_BACKUP && r->installed);
}

/* Whether this replica holds a complete state: ordered, synced; peer, the primary's stream. */
static bool complete(const pb_replica *r)
{
  return is_mode(r, RS_FAILOVER_CORE_ORDERED) ? r->synced : holds_stream(r);
}

static void beat_one(pb_replica *r, rs_node_id to)
{
  rs_msg m = {.type = RS_MSG_PEER_HEARTBEAT, .view = r->view, .node = r->primary,
              .which = r->role == PB_ROLE_PRIMARY ? RS_SERVICE_PRIMARY
                       : complete(r)              ? RS_SERVICE_BACKUP
                                                  : RS_SERVICE_NONE,
              .seq = holds_stream(r) ? 1 : 0, .index = LAST_INDEX(r)};
  m.res.version = r->store->epoch;
  rs_send(&r->host, to, &m);
}

/* A fresh peer replica beats only once the registry answered: a beat it sent before, saying "not
 * primary", can arrive after the news when the network reorders (jitter) and reads as a primary
 * that restarted (the swarm: five replicas, a failover at the first heartbeat with no fault). */
static void beat_peers(pb_replica *r)
{
  if (is_mode(r, RS_FAILOVER_CORE_PEER) && !r->registered && !r->recovering)
    return;
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    if (r->cfg.peers[i] != r->cfg.self)
      beat_one(r, r->cfg.peers[i]);
}

/* A replica that heartbeats without being in the list joined the cluster (seed 003's extra
 * credit, seed 002's join protocol): it becomes a peer, at the end of the list. */
static peer_state *learn_peer(pb_replica *r, rs_node_id id)
{
  if (r->cfg.n_peers >= RS_MAX_NODES)
    return NULL;
  uint32_t i = r->cfg.n_peers++;
  r->cfg.peers[i] = id;
  r->peers[i] = (peer_state){.id = id};
  return &r->peers[i];
}

/* The primary's side of the join protocol, driven by heartbeats: a peer it does not count gets
 * the state, and so does a counted one that says it lost it (it restarted). */
static void join_if_lacking(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  bool holds_mine = m->node == r->cfg.self && m->seq == 1 &&
                    (is_mode(r, RS_FAILOVER_CORE_ORDERED) || m->view == r->view);
  backup_state *b = pb_find_backup(r, from);
  if (!b)
    pb_join_backup(r, from);
  else if (!holds_mine && b->confirmed)
    pb_send_state(r, b);
}

/* The epoch a new primary takes: above every epoch this replica has seen (its own, its store's,
 * its peers'), so that it outranks every earlier primary. */
static uint64_t next_epoch(const pb_replica *r)
{
  uint64_t e = MAX(r->view, r->store->epoch);
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    if (r->cfg.peers[i] != r->cfg.self && r->peers[i].heard)
      e = MAX(e, MAX(r->peers[i].view, r->peers[i].store_epoch));
  return e + 1;
}

/* Whether the store of (epoch a, index a) at list position pa is more up to date than b's: a
 * newer epoch, or the same and further in it; at a tie, the earlier in the list. */
static bool fresher(uint64_t ea, uint64_t ia, int pa, uint64_t eb, uint64_t ib, int pb)
{
  if (ea != eb)
    return ea > eb;
  if (ia != ib)
    return ia > ib;
  return pa < pb;
}

/* Recovery without a primary (every replica restarted, or a primary that restarted with its
 * backup still up): the most up-to-date store must lead, or acknowledged updates would vanish.
 * True when this replica has heard every peer of the list since it started (a peer not heard
 * may hold newer updates: waiting for it is the price of never losing one) and its store is
 * fresher than each of theirs. A replica added by <join> never leads this way: it holds nothing. */
static bool freshest_of_all(const pb_replica *r)
{
  if (r->cfg.joining)
    return false;
  int self = pb_peer_pos(r, r->cfg.self);
  for (uint32_t i = 0; i < r->cfg.n_peers; i++) {
    const peer_state *p = &r->peers[i];
    if (r->cfg.peers[i] == r->cfg.self)
      continue;
    if (!p->heard)
      return false;
    if (fresher(p->store_epoch, p->index, (int)i, r->store->epoch, LAST_INDEX(r), self))
      return false;
  }
  return true;
}

static void persist_epoch(pb_replica *r)
{
  rs_persist rec = {.kind = RS_PERSIST_EPOCH, .store = r->store};
  rs_gate_persist(&r->gate, &rec);
}

/* ---- peer (seed 002) ---- */

/* Whether a primary at `epoch` outranks the one this replica follows: a newer epoch, or the
 * same one and earlier in the peer list (two backups that promoted at once). */
static bool outranks(const pb_replica *r, rs_node_id from, uint64_t epoch)
{
  int pos = pb_peer_pos(r, from);
  if (from == r->cfg.self || pos < 0)
    return false;
  if (epoch != r->view)
    return epoch > r->view;
  if (from == r->primary)
    return false;
  return r->primary == RS_NO_NODE || pos < pb_peer_pos(r, r->primary);
}

static void follow(pb_replica *r, rs_node_id primary, uint64_t epoch)
{
  r->recovering = false;
  become_follower(r, PB_ROLE_BACKUP, primary, epoch);
  beat_one(r, primary);
}

/* The registry named the first primary (epoch 1). A heartbeat the primary sent before it knew
 * says "not primary": to its backup that reads as a primary that restarted, and the backup took
 * over in a run without any fault (the swarm: peer, two replicas, a spurious failover at the
 * first heartbeat, and under pb-nonblocking an acknowledged write lost). So the backup forgets
 * what it heard from the primary before, and the primary tells its peers at once. */
void pb_peer_registered(pb_replica *r)
{
  if (r->role != PB_ROLE_PRIMARY) {
    peer_state *p = find_peer(r, r->primary);
    if (p)
      p->heard = false;
  }
  beat_peers(r);
}

void pb_peer_follow_newer(pb_replica *r, rs_node_id from, uint64_t epoch)
{
  if (outranks(r, from, epoch))
    follow(r, from, epoch);
}

/* Takes over as primary of a new epoch, says so to every peer and tells the clients. */
static void take_over(pb_replica *r)
{
  r->recovering = false;
  become_primary(r, next_epoch(r));
  r->store->epoch = r->view;
  persist_epoch(r);
  beat_peers(r);
  tell_clients(r);
}

/* A backup whose primary is dead takes over, unless a live backup comes before it in the list. */
static void maybe_promote(pb_replica *r)
{
  for (uint32_t i = 0; i < r->cfg.n_peers; i++) {
    rs_node_id id = r->cfg.peers[i];
    if (id == r->cfg.self)
      break;
    if (id != r->primary && alive(r, &r->peers[i]) && r->peers[i].holds_state)
      return;
  }
  take_over(r);
}

/* The primary drops its dead backups (a blocking primary stops waiting for them), asks the host
 * to restart each one after the restart delay, and tells the clients. */
static void drop_dead_backups(pb_replica *r, bool restart)
{
  bool changed = false;
  for (guint i = r->backups->len; i-- > 0;) {
    rs_node_id id = g_array_index(r->backups, backup_state, i).id;
    peer_state *p = find_peer(r, id);
    if (!p || alive(r, p))
      continue;
    pb_drop_backup(r, id);
    changed = true;
    if (restart && !p->restart_asked && r->host.restart_node) {
      p->restart_asked = true;
      r->host.restart_node(r->host.ctx, id, r->cfg.restart_delay);
    }
  }
  if (changed && is_mode(r, RS_FAILOVER_CORE_PEER))
    tell_clients(r);
}

/* A recovering replica waits to hear every peer before the freshest store leads, so a peer that
 * stays down would keep it waiting for ever: it asks the host to restart each peer it has not
 * heard for dead_after beats, once until it hears it again (the peer boots from its store, so
 * nothing acknowledged is lost). Only a primary restarted its dead backups, and a restart runs on
 * the requester's machine: the swarm (seed 2, case 1916) had r1 restart r2, crash before r2
 * booted, and come back to wait for a peer nobody would restart. */
static void restart_silent_peers(pb_replica *r)
{
  if (!r->host.restart_node)
    return;
  for (uint32_t i = 0; i < r->cfg.n_peers; i++) {
    peer_state *p = &r->peers[i];
    if (r->cfg.peers[i] == r->cfg.self || alive(r, p) || p->restart_asked)
      continue;
    p->restart_asked = true;
    r->host.restart_node(r->host.ctx, r->cfg.peers[i], r->cfg.restart_delay);
  }
}

/* Whether the primary this backup follows has lost its state: its heartbeat says it is no
 * primary any more (it restarted, or stepped down without a successor). */
static bool primary_gone(pb_replica *r)
{
  peer_state *p = find_peer(r, r->primary);
  return p && p->heard && !p->is_primary;
}

static void peer_tick(pb_replica *r)
{
  if (r->role == PB_ROLE_BACKUP && r->installed) {
    peer_state *p = find_peer(r, r->primary);
    if (p && !alive(r, p))
      maybe_promote(r); /* seed 002: dead after dead_after missed beats */
    else if (primary_gone(r) && freshest_of_all(r))
      take_over(r);     /* it restarted quickly: the freshest store leads, without waiting */
  } else if (r->role == PB_ROLE_PRIMARY) {
    drop_dead_backups(r, true);
  } else if (r->recovering) {
    if (freshest_of_all(r))
      take_over(r);
    else
      restart_silent_peers(r);
  }
}

static void peer_on_beat(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  if (m->node == from && m->which == RS_SERVICE_PRIMARY && (r->recovering || outranks(r, from, m->view))) {
    follow(r, from, m->view);
    return;
  }
  if (r->role == PB_ROLE_PRIMARY)
    join_if_lacking(r, from, m);
  else if ((r->recovering || (r->role == PB_ROLE_BACKUP && r->installed && primary_gone(r))) &&
           freshest_of_all(r))
    take_over(r);
}

/* ---- ordered (seed 003) ---- */

/* The freshest primary claim among the live replicas (this one included): the newest epoch, and
 * in it the furthest update index (epoch 0: no claim). */
typedef struct primary_claim {
  uint64_t epoch, index;
} primary_claim;

static primary_claim freshest_primary(const pb_replica *r)
{
  primary_claim best = {0, 0};
  if (r->role == PB_ROLE_PRIMARY)
    best = (primary_claim){r->view, LAST_INDEX(r)};
  for (uint32_t i = 0; i < r->cfg.n_peers; i++) {
    const peer_state *p = &r->peers[i];
    if (r->cfg.peers[i] == r->cfg.self || !alive(r, p) || !p->heard || !p->is_primary)
      continue;
    if (p->view > best.epoch || (p->view == best.epoch && p->index > best.index))
      best = (primary_claim){p->view, p->index};
  }
  return best;
}

/* Whether a primary of (epoch, index) lags behind the freshest claim: an older epoch, or the same
 * epoch with fewer updates. */
static bool lags(primary_claim best, uint64_t epoch, uint64_t index)
{
  return epoch < best.epoch || (epoch == best.epoch && index < best.index);
}

/* The first replica of the list that is alive and holds a complete state (RS_NO_NODE: none),
 * passing over one whose store lags behind a live primary's (a primary: its epoch and index;
 * another: its store's): it was replaced while it could not hear (paused, cut off) and its state
 * misses the newer epoch's updates (the swarm: an ordered primary paused to the end came back
 * first in the list, and every backup followed it and took its stale state, losing every write
 * of the newer epoch). Two primaries of the same
 * epoch happen too: a replica paused from the start woke up, heard only the heartbeats its peers
 * sent before the pause's first election, took itself for a fresh cluster's first and claimed
 * the epoch the others already led (seed 7 case 1005), and its "complete" empty state made the
 * primary of that epoch follow it; the one with more updates leads. */
static rs_node_id ordered_leader(const pb_replica *r)
{
  primary_claim best = freshest_primary(r);
  for (uint32_t i = 0; i < r->cfg.n_peers; i++) {
    rs_node_id id = r->cfg.peers[i];
    if (id == r->cfg.self) {
      uint64_t e = r->role == PB_ROLE_PRIMARY ? r->view : r->store->epoch;
      if (r->synced && !lags(best, e, LAST_INDEX(r)))
        return id;
    } else {
      const peer_state *p = &r->peers[i];
      uint64_t e = p->is_primary ? p->view : p->store_epoch;
      if (alive(r, p) && p->heard && p->holds_state && !lags(best, e, p->index))
        return id;
    }
  }
  return RS_NO_NODE;
}

/* Follows the leader rule: a new leader announces itself and sends its state to the live others,
 * everyone else follows the leader (and waits for its state). */
static void ordered_decide(pb_replica *r)
{
  rs_node_id leader = ordered_leader(r);
  if (leader == r->cfg.self) {
    if (r->role == PB_ROLE_PRIMARY)
      return;
    become_primary(r, next_epoch(r));
    r->store->epoch = r->view;
    persist_epoch(r);
    beat_peers(r);
    for (uint32_t i = 0; i < r->cfg.n_peers; i++)
      if (r->cfg.peers[i] != r->cfg.self && r->peers[i].heard && alive(r, &r->peers[i]))
        pb_join_backup(r, r->cfg.peers[i]);
    return;
  }
  pb_role role = leader == RS_NO_NODE ? PB_ROLE_IDLE : PB_ROLE_BACKUP;
  uint64_t epoch = r->view;
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    if (r->cfg.peers[i] == leader)
      epoch = r->peers[i].view;
  /* A primary that finds a leader of a newer epoch (or a fresher one of its own epoch) was
   * replaced while it could not hear: its state misses updates the leader has, so it waits for
   * the leader's STATE like a new replica. */
  if (r->role == PB_ROLE_PRIMARY && leader != RS_NO_NODE && epoch >= r->view)
    r->synced = false;
  /* Following the same leader into a newer epoch: the epochs between may hold updates this
   * backup never saw (it did not hear the leaders in between), so its state is not complete
   * until the leader's STATE (the swarm: a joined replica followed r1 in epoch 6, missed r2's
   * epoch 7, and r1 leading epoch 8 took it for up to date; it diverged). */
  bool new_epoch = role == PB_ROLE_BACKUP && r->role == PB_ROLE_BACKUP && r->primary == leader && epoch > r->view;
  if (new_epoch)
    r->synced = false; /* become_follower waits for the STATE */
  if (r->role != role || r->primary != leader || new_epoch)
    become_follower(r, role, leader, epoch);
}

/* Whether some live peer holds a complete state: then this replica waits for the leader's STATE
 * instead of starting cold. */
static bool a_peer_holds_state(const pb_replica *r)
{
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    if (r->cfg.peers[i] != r->cfg.self && r->peers[i].heard && alive(r, &r->peers[i]) && r->peers[i].holds_state)
      return true;
  return false;
}

/* Whether every peer heard so far holds nothing yet (a fresh cluster at its first start). */
static bool every_heard_peer_fresh(const pb_replica *r)
{
  for (uint32_t i = 0; i < r->cfg.n_peers; i++) {
    const peer_state *p = &r->peers[i];
    if (r->cfg.peers[i] != r->cfg.self && p->heard && (p->store_epoch || p->index))
      return false;
  }
  return true;
}

/* A replica holds a complete state after a state transfer, or without one when nobody can hold
 * a newer one: when it has heard every peer and its store is the freshest (freshest_of_all), or,
 * at the very first start of a fresh cluster, once a heartbeat interval has passed and every peer
 * it heard is fresh too. A restarted replica never assumes its store is current (issue 12: it
 * served its pre-crash store one heartbeat after booting). */
static void ordered_try_cold_start(pb_replica *r, bool interval_passed)
{
  if (r->synced || a_peer_holds_state(r))
    return;
  bool first_start = !r->cfg.restarted && !r->cfg.joining && !r->store->epoch && !LAST_INDEX(r);
  if (freshest_of_all(r) || (first_start && interval_passed && every_heard_peer_fresh(r))) {
    r->synced = true;
    beat_peers(r);
  }
}

static void ordered_on_beat(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  ordered_try_cold_start(r, false);
  ordered_decide(r);
  /* Answer a replica that just started, so it learns at once who holds a state; only a replica
   * that holds one answers (two that hold none would answer each other for ever). */
  if (r->synced && m->which == RS_SERVICE_NONE)
    beat_one(r, from);
  if (r->role == PB_ROLE_PRIMARY)
    join_if_lacking(r, from, m);
}

static void ordered_tick(pb_replica *r)
{
  ordered_try_cold_start(r, true);
  if (r->role == PB_ROLE_PRIMARY)
    drop_dead_backups(r, false);
  ordered_decide(r);
}

/* ---- entry points ---- */

void pb_failover_start(pb_replica *r)
{
  if (is_mode(r, RS_FAILOVER_CORE_VIEW_SERVICE)) {
    vs_beat(r);
  } else {
    /* Peer: a restarted or joining replica does not take the registry's word for the primary:
     * it recovers from its peers (the freshest store leads) or follows the primary it hears. */
    r->recovering = is_mode(r, RS_FAILOVER_CORE_PEER) && (r->cfg.restarted || r->cfg.joining);
    beat_peers(r);
  }
  arm_heartbeat(r);
}

/* Every interval: heartbeat, count a missed beat for every peer, act on the dead, and resend
 * state transfers that went unacknowledged. */
void pb_on_heartbeat_timer(pb_replica *r)
{
  arm_heartbeat(r);
  if (is_mode(r, RS_FAILOVER_CORE_VIEW_SERVICE)) {
    vs_beat(r);
    resend_states(r);
    return;
  }
  for (uint32_t i = 0; i < r->cfg.n_peers; i++)
    if (r->cfg.peers[i] != r->cfg.self && r->peers[i].missed < UINT32_MAX)
      r->peers[i].missed++;
  beat_peers(r);
  if (is_mode(r, RS_FAILOVER_CORE_PEER))
    peer_tick(r);
  else
    ordered_tick(r);
  resend_states(r);
}

/* A peer's heartbeat: it is alive, says whether it holds a state, and whom it follows. */
void pb_on_peer_heartbeat(pb_replica *r, rs_node_id from, const rs_msg *m)
{
  bool peers_mode = is_mode(r, RS_FAILOVER_CORE_PEER) || is_mode(r, RS_FAILOVER_CORE_ORDERED);
  peer_state *p = peers_mode && from != r->cfg.self ? find_peer(r, from) : NULL;
  if (peers_mode && !p && from != r->cfg.self)
    p = learn_peer(r, from);
  if (!p) {
    pb_refuse(r, from, m, "not a peer");
    return;
  }
  p->missed = 0;
  p->heard = true;
  p->holds_state = m->which != RS_SERVICE_NONE;
  p->is_primary = m->which == RS_SERVICE_PRIMARY;
  p->view = m->view;
  p->store_epoch = m->res.version;
  p->index = m->index;
  p->restart_asked = false;
  if (is_mode(r, RS_FAILOVER_CORE_PEER))
    peer_on_beat(r, from, m);
  else
    ordered_on_beat(r, from, m);
}

/* A state transfer completed here. Ordered: this replica now holds a complete state, says so at
 * once, and may be the leader again (it is earlier in the list). */
void pb_after_state_installed(pb_replica *r)
{
  if (!is_mode(r, RS_FAILOVER_CORE_ORDERED))
    return;
  bool was = r->synced;
  r->synced = true;
  if (!was) {
    beat_peers(r);
    ordered_decide(r);
  }
}

void pb_after_backup_confirmed(pb_replica *r)
{
  if (is_mode(r, RS_FAILOVER_CORE_PEER))
    tell_clients(r);
}
