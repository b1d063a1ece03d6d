/* A replica's store: what survives a crash (the application state, how far the replica got in
 * the primary's order, and the at-most-once table that belongs with that state). */
#ifndef RS_STORE_H
#define RS_STORE_H

#include "apps/app.h"
#include "dedup.h"
#include "host.h"

typedef struct rs_store {
  rs_app *app;
  uint64_t last_index; /* the last update of the primary's order applied (or issued, as primary) */
  uint64_t epoch;      /* the epoch (peer, ordered) of the primary whose order that is: with
                        * last_index it says how up to date the store is after a restart */
  rs_dedup *dedup;
} rs_store;

rs_store *rs_store_new(const rs_app_ops *ops);
void rs_store_free(rs_store *s);

/* Reports what the store holds, through `host`'s events: one RS_EV_FINAL per key (what the
 * application answers to a read of it: the observer's view, no message), then one RS_EV_DIGEST.
 * A host reports a crashed replica's store this way too. */
void rs_store_report(const rs_store *s, const rs_host *host, const char *const *keys, size_t n_keys, bool current);

/* The whole store as bytes (state transfer), and back. restore_state leaves the store unchanged
 * and returns false if the bytes are malformed. */
void rs_store_snapshot(const rs_store *s, GByteArray *out);
bool rs_store_restore(rs_store *s, const uint8_t *buf, size_t len);

#endif
