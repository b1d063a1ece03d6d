/* A replica's store on disk (real mode): DATA/NODE/, durable before acknowledgement. `files`
 * keeps each file as a text file named by its filename, with the uuid map, update index, epoch
 * and at-most-once table in one metadata file beside them; `chat` keeps a SQLite database,
 * chat.db, with seed 003's users and messages tables (store_chat_sqlite.c); other applications (kv) keep a
 * snapshot and an append-only log of changes, compacted now and then. Every change is on disk
 * (fsync) before net_store_persist returns, or, written with net_store_write, once
 * net_store_sync returns. */
#ifndef RS_NET_STORE_H
#define RS_NET_STORE_H

#include "core/store.h"

typedef struct net_store net_store;

typedef enum net_store_error {
  NET_STORE_OK = 0,
  NET_STORE_BAD_INPUT, /* the folder is not this node's replsim store: refused, untouched */
  NET_STORE_FAILED,    /* an I/O error or a corrupt store */
} net_store_error;

/* Opens `dir` (made if absent) as node `node`'s store of application `app`, and rebuilds what
 * it holds into a new rs_store (*out). *recovered says whether it held anything. */
net_store *net_store_open(const char *dir, const char *node, const rs_app_ops *app, rs_store **out, bool *recovered,
                          net_store_error *error, char **err);
/* Makes one change durable (core/host.h's persist). False with a message on an I/O error: the
 * node must then stop, since it may not acknowledge the change. */
bool net_store_persist(net_store *s, const rs_persist *rec, char **err);
/* Group commit: writes one change; *durable says whether it is on disk already, or waits for the
 * next net_store_sync, which makes every change written so far durable with one fdatasync. */
bool net_store_write(net_store *s, const rs_persist *rec, bool *durable, char **err);
bool net_store_sync(net_store *s, char **err);
void net_store_close(net_store *s);
const char *net_store_dir(const net_store *s);

#endif
