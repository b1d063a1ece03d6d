/* What the primary-backup replica's files share: pb_replica.c (life, routing), pb_primary.c,
 * pb_backup.c, pb_resend.c, pb_join.c (replication) and pb_failover.c (heartbeats, views,
 * promotion). */
#ifndef RS_PB_INTERNAL_H
#define RS_PB_INTERNAL_H

#include "gate.h"
#include "pb_replica.h"
#include "viewservice.h"

#include <glib.h>

/* The replicas a confirmation goes to: the one that took the client's request and any that
 * passed on a retry of it while it was pending (a FORWARD_REPLY to the first may be lost). */
#define PB_MAX_ORIGINS 8

/* An update the primary applied (or, under the read barrier, a read it answered) and is waiting
 * to confirm (blocking mode). */
typedef struct pending_update {
  uint64_t index;
  rs_node_id origins[PB_MAX_ORIGINS];
  uint32_t n_origins;
  rs_node_id client;
  uint64_t seq;
  bool update;       /* false: a read sent through the replication path (no at-most-once entry) */
  rs_result *res;
} pending_update;

/* A numbered entry of the primary's order that some current backup has not acknowledged: kept
 * in memory so that it can be sent again (message loss). Trimmed as the slowest backup acks. */
typedef struct log_entry {
  uint64_t index;
  rs_node_id client;
  uint64_t seq;
  uint64_t version;
  rs_op *op;   /* owned copy */
  double sent; /* when it last went to the backups that lack it */
} log_entry;

/* A backup as the primary sees it. */
typedef struct backup_state {
  rs_node_id id;
  uint64_t acked;    /* every update up to this index is applied there */
  uint64_t nonce;    /* the life of it the registry announced (NEW_REPLICA seq), 0: unknown */
  bool confirmed;    /* it acknowledged the primary's STATE: it holds the full state */
  double state_sent; /* when the latest STATE went to it */
} backup_state;

/* Another replica as heartbeats show it (peer, ordered). */
typedef struct peer_state {
  rs_node_id id;
  uint32_t missed;    /* ticks since its latest heartbeat */
  bool heard;         /* a heartbeat came since this replica started */
  bool holds_state;   /* its latest heartbeat said it holds a complete state */
  bool is_primary;    /* ...and that it is a primary */
  uint64_t view;      /* ...its epoch */
  uint64_t store_epoch, index; /* ...and how up to date its store is */
  bool restart_asked; /* peer: the host was asked to restart it since it was last heard */
} peer_state;

struct pb_replica {
  pb_config cfg;
  rs_host host;
  rs_store *store;       /* survives crashes: app, last update index, at-most-once table */
  rs_app *app;
  pb_role role;
  rs_node_id primary;
  uint64_t view;         /* view number (view-service), epoch (peer), leader changes (ordered) */
  bool installed;        /* backup: has the primary's state (a transfer or an initial empty one) */
  GArray *backups;       /* backup_state, in the order they joined */
  GQueue *pending;       /* pending_update*, by index (blocking primary) */
  GQueue *log;           /* log_entry*, by index: what some backup has not acknowledged yet */
  bool resend_armed;     /* PB_TIMER_RESEND is armed */
  GTree *early;          /* index -> early_update* (backup) */
  /* failover */
  vs_view known;         /* view-service: the latest view received */
  peer_state peers[RS_MAX_NODES]; /* peer, ordered: cfg.peers in order (self included, unused) */
  bool synced;           /* ordered: holds a complete state (cold start or a transfer) */
  bool recovering;       /* peer: restarted or joined, holds no primary's stream yet */
  GArray *clients;       /* rs_node_id: clients that sent requests (peer: told of changes) */
  rs_gate gate;          /* acknowledgements and answers leave once the store change is durable */
  uint64_t nonce;        /* names this life of the replica to the registry (REGISTER seq) */
  bool registered;       /* the registry answered REGISTER */
};

/* The store's fields under the names the protocol uses. */
#define LAST_INDEX(r) ((r)->store->last_index)
#define DEDUP(r) ((r)->store->dedup)

/* pb_replica.c */
void pb_refuse(pb_replica *r, rs_node_id from, const rs_msg *m, const char *why);
void pb_set_role(pb_replica *r, pb_role role, rs_node_id primary);
/* Peer, ordered: `m` (REPLICATE, STATE or their acknowledgements) is of an epoch older than this
 * replica's, from a reign that is over. */
bool pb_from_old_epoch(const pb_replica *r, const rs_msg *m);

/* pb_primary.c */
void pb_free_pending(gpointer p);
void pb_reply_client(pb_replica *r, rs_node_id client, uint64_t seq, const rs_result *res);
void pb_emit_apply(pb_replica *r, const rs_op *op, const rs_result *res);
void pb_primary_update(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op);
void pb_primary_read(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op);
void pb_answer_read(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq, const rs_op *op);
void pb_not_primary(pb_replica *r, rs_node_id origin, rs_node_id client, uint64_t seq);
void pb_confirm_acked(pb_replica *r);
void pb_on_replicate_ack(pb_replica *r, rs_node_id from, const rs_msg *m);
void pb_on_state_ack(pb_replica *r, rs_node_id from, const rs_msg *m);
void pb_abandon_pending(pb_replica *r);
void pb_forget_primary_work(pb_replica *r);
/* Persists one store change (see rs_host.persist); what is sent with rs_gate_send afterwards
 * waits for it. */
void pb_persist_op(pb_replica *r, const rs_op *op, const rs_result *res, rs_node_id client, uint64_t seq);

/* pb_resend.c */
void pb_free_log_entry(gpointer p);
uint64_t pb_min_acked(const pb_replica *r);
void pb_trim_log(pb_replica *r);
void pb_update_resend_timer(pb_replica *r);
void pb_send_entry(pb_replica *r, const log_entry *e, rs_node_id to);
/* Resends STATE to every backup that has not acknowledged it for `after` seconds. */
void pb_resend_states(pb_replica *r, double after);
void pb_on_resend_timer(pb_replica *r);

/* pb_backup.c */
gint pb_cmp_index(gconstpointer a, gconstpointer b, gpointer unused);
void pb_free_early(gpointer p);
void pb_on_replicate(pb_replica *r, rs_node_id from, const rs_msg *m);
void pb_on_state(pb_replica *r, rs_node_id from, const rs_msg *m);
void pb_forget_early(pb_replica *r);

/* pb_join.c */
void pb_on_register_reply(pb_replica *r, const rs_msg *m);
void pb_on_new_replica(pb_replica *r, rs_node_id from, const rs_msg *m);
backup_state *pb_find_backup(pb_replica *r, rs_node_id id);
void pb_send_state(pb_replica *r, backup_state *b);
void pb_join_backup(pb_replica *r, rs_node_id node);
void pb_drop_backup(pb_replica *r, rs_node_id node);
bool pb_answers_updates(const pb_replica *r);

/* pb_failover.c */
void pb_failover_start(pb_replica *r);
void pb_on_heartbeat_timer(pb_replica *r);
void pb_on_view(pb_replica *r, rs_node_id from, const rs_msg *m);
void pb_on_peer_heartbeat(pb_replica *r, rs_node_id from, const rs_msg *m);
/* peer: a STATE or REPLICATE from a primary of a newer epoch makes this replica its backup. */
/* Peer: the registry named the first primary; the peers hear of it at once. */
void pb_peer_registered(pb_replica *r);
void pb_peer_follow_newer(pb_replica *r, rs_node_id from, uint64_t epoch);
void pb_after_state_installed(pb_replica *r);
void pb_after_backup_confirmed(pb_replica *r);
void pb_note_client(pb_replica *r, rs_node_id client);
int pb_peer_pos(const pb_replica *r, rs_node_id id);

#endif
