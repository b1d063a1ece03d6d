/* The replicated-application interface: what a replica needs of the state it replicates. */
#ifndef RS_APP_H
#define RS_APP_H

#include "../types.h"

#include <glib.h>

/* How an update is applied. ORDERED: primary-backup, updates arrive in the primary's order and
 * the version is the primary's. QUORUM: each replica decides alone (seed 004's quorum rules:
 * a delete of an unknown key leaves a tombstone) and keeps the newest version it has seen. */
typedef enum rs_apply_mode {
  RS_APPLY_ORDERED = 0,
  RS_APPLY_QUORUM,
  RS_APPLY_QUORUM_CHECK, /* the quorum rules without changing anything: the status the update
                          * would get, and the version the key holds now */
} rs_apply_mode;

typedef struct rs_app rs_app;

typedef struct rs_app_ops {
  const char *name; /* "files", "kv" */
  uint8_t read_kind; /* the rs_op_kind that reads one key: what a final state report runs */
  void *(*create)(void);
  void (*destroy)(void *state);
  /* Runs `op` (read or update) against the state. An update that succeeds takes `version`.
   * Slices in `out` stay valid until the next call on this state. */
  void (*execute)(void *state, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out);
  /* Appends the whole state to `out`; restore replaces the state (false: malformed bytes). */
  void (*snapshot)(void *state, GByteArray *out);
  bool (*restore)(void *state, const uint8_t *buf, size_t len);
  /* A hash of the state that does not depend on history or memory layout. */
  uint64_t (*digest)(void *state);
  /* Merges quorum answers to a read: true when `a` is newer than `b` (latest version wins). */
  bool (*newer)(const rs_result *a, const rs_result *b);
  /* Calls `fn` once per entry of a snapshot, in key order, with the update that makes that entry
   * (a write or put of its value, a delete for a tombstone) and its version, so that a state can
   * take in another's by running them under RS_APPLY_QUORUM (newest version wins): a quorum
   * replica that joins merges the states of a read quorum. False when the bytes are malformed. */
  bool (*replay)(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version), void *arg);
  /* The update that installs what a read of `read->key` answered (`res`, at res->version), for a
   * quorum read that writes back the newest version it saw (read-repair). False when there is
   * nothing to install (the key was never written). Slices point into `read` and `res`. */
  bool (*repair)(const rs_op *read, const rs_result *res, rs_op *out);
  /* Optional (NULL: a read of the key answers its whole entry, as for files and kv). The one
   * update that recreates `key` whole in an empty state, and its version: what real mode's
   * on-disk store writes per key. False when the key holds nothing. Slices stay valid until the
   * next call on this state. */
  bool (*entry)(void *state, rs_bytes key, rs_op *out, uint64_t *version);
  /* Optional (NULL: none). What only the primary may decide about a new update, written into it
   * before it runs and is replicated, so every replica applies the same: chat's send takes the
   * primary's wall clock (`wall`, the host's). True when `out` is the stamped update (slices
   * into `op` and `buf`); false: run `op` as it is. */
  bool (*stamp)(const rs_op *op, double wall, GString *buf, rs_op *out);
} rs_app_ops;

/* An instance: the ops and the state they act on. */
struct rs_app {
  const rs_app_ops *ops;
  void *state;
};

const rs_app_ops *rs_app_find(const char *name); /* NULL when unknown */
rs_app *rs_app_new(const rs_app_ops *ops);
void rs_app_free(rs_app *app);

extern const rs_app_ops rs_app_files;
extern const rs_app_ops rs_app_kv;
extern const rs_app_ops rs_app_votes; /* apps/votes.h */
extern const rs_app_ops rs_app_chat;

#endif
