/* Shared by the on-disk layouts (store_log.c, store_files.c, store_chat_sqlite.c): folder checks, atomic files,
 * and the one way an application's entries are read out of a store and rebuilt. */
#ifndef RS_NET_STORE_INTERNAL_H
#define RS_NET_STORE_INTERNAL_H

#include "store.h"

#include "core/wire.h"

/* One key's entry as the update that makes it (a write or put of its value, a delete for a
 * tombstone) at its version: what the on-disk layouts record. Owned strings. */
typedef struct st_entry {
  uint8_t kind;       /* rs_op_kind; RS_OP_NONE: the key holds nothing */
  GString *key, *name, *value;
  uint64_t version;
} st_entry;

st_entry *st_entry_new(void);
void st_entry_free(gpointer p);
/* What the store's application holds for `key` (read through the application, no change). */
void st_entry_read(const rs_store *s, rs_bytes key, st_entry *out);
/* Every entry of the store, in key order (st_entry*, owned by the array). */
GPtrArray *st_entries(const rs_store *s);
/* A fresh application state made of exactly these entries (key -> st_entry*). */
void st_rebuild_app(rs_store *s, GHashTable *entries);

/* Writes `len` bytes to dir/name atomically: a temporary file, fsync, rename, fsync of dir. */
bool st_write_atomic(const char *dir, const char *name, const void *data, size_t len, char **err);
/* fsyncs a folder, so a rename or a new file in it survives a crash. */
bool st_sync_dir(const char *dir, char **err);
/* Encodes an entry, and decodes one (false: malformed). */
void st_put_entry(GByteArray *out, const st_entry *e);
bool st_get_entry(rs_reader *r, st_entry *e);
/* An FNV-1a checksum of bytes. */
uint64_t st_sum(const void *data, size_t len);

/* The layouts. Each opens an existing or empty folder (the marker is checked already). */
typedef struct st_layout {
  bool (*open)(net_store *s, rs_store *store, bool *recovered, char **err);
  bool (*persist)(net_store *s, const rs_persist *rec, char **err);
  /* Optional. When set, persist only writes, and sync makes every write so far durable with one
   * fdatasync (group commit); when NULL, persist is durable by itself. */
  bool (*sync)(net_store *s, char **err);
  void (*close)(net_store *s);
} st_layout;

struct net_store {
  char *dir;
  const rs_app_ops *app;
  const st_layout *layout;
  void *impl;
};

extern const st_layout st_log_layout;
extern const st_layout st_files_layout;
extern const st_layout st_chat_layout; /* store_chat_sqlite.c */

#endif
