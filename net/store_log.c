/* The snapshot + append-only log layout (kv, and any application without a layout of its own).
 *   snapshot  "RSSNAP1\0", u64 generation, u64 length, the store's snapshot (core/store.c's
 *             format: update index, epoch, application, at-most-once table), u64 checksum
 *   log       "RSLOG01\0", u64 generation, then records: u32 length, u64 checksum, payload
 * A record says what one change left behind: the update index and epoch, the changed key's
 * entry, the client's at-most-once entry. The records of one turn of the node's loop are written
 * with one write and one fdatasync (group commit) before any of their changes is acknowledged. A log longer than LOG_MAX_RECORDS is folded into a new snapshot of the next
 * generation, and a log of another generation than the snapshot's is stale (a crash between the
 * two renames) and ignored. A torn last record (a crash during its write) was never
 * acknowledged and is cut off. */
#include "store_internal.h"

#include "core/dedup.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define SNAP_MAGIC "RSSNAP1"
#define LOG_MAGIC "RSLOG01"
#define LOG_MAX_RECORDS 20000

enum { REC_OP = 1, REC_EPOCH = 2 };

typedef struct log_store {
  int fd;              /* the log, open for appending */
  uint64_t gen;
  uint64_t records;
  GByteArray *buf;     /* records not written yet: they leave together at the next sync */
  st_entry *entry;
  bool unsynced;       /* records appended since the last fdatasync */
} log_store;

static char *path_of(const net_store *s, const char *name)
{
  return g_strdup_printf("%s/%s", s->dir, name);
}

static bool read_file(const char *path, gchar **data, gsize *len, bool *exists, char **err)
{
  GError *e = NULL;
  *exists = g_file_test(path, G_FILE_TEST_EXISTS);
  if (!*exists)
    return true;
  if (!g_file_get_contents(path, data, len, &e)) {
    *err = g_strdup_printf("%s: %s", path, e->message);
    g_error_free(e);
    return false;
  }
  return true;
}

/* A new log of generation `gen`, replacing the old one atomically, then open for appending. */
static bool new_log(net_store *s, log_store *l, char **err)
{
  GByteArray *h = g_byte_array_new();
  g_byte_array_append(h, (const guint8 *)LOG_MAGIC, 8);
  rs_put_le(h, l->gen, 8);
  bool ok = st_write_atomic(s->dir, "log", h->data, h->len, err);
  g_byte_array_free(h, TRUE);
  if (!ok)
    return false;
  if (l->fd >= 0)
    close(l->fd);
  char *path = path_of(s, "log");
  l->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
  if (l->fd < 0)
    *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
  g_free(path);
  l->records = 0;
  g_byte_array_set_size(l->buf, 0);
  l->unsynced = false; /* the snapshot before it holds every change so far, durably */
  return l->fd >= 0;
}

/* Folds everything into a snapshot of the next generation, then starts its empty log. */
static bool compact(net_store *s, log_store *l, const rs_store *store, char **err)
{
  GByteArray *snap = g_byte_array_new();
  rs_store_snapshot(store, snap);
  GByteArray *f = g_byte_array_new();
  g_byte_array_append(f, (const guint8 *)SNAP_MAGIC, 8);
  rs_put_le(f, l->gen + 1, 8);
  rs_put_le(f, snap->len, 8);
  g_byte_array_append(f, snap->data, snap->len);
  rs_put_le(f, st_sum(snap->data, snap->len), 8);
  bool ok = st_write_atomic(s->dir, "snapshot", f->data, f->len, err);
  g_byte_array_free(f, TRUE);
  g_byte_array_free(snap, TRUE);
  if (!ok)
    return false;
  l->gen++;
  return new_log(s, l, err);
}

/* The snapshot, if any, into `store`. */
static bool load_snapshot(net_store *s, log_store *l, rs_store *store, bool *found, char **err)
{
  char *path = path_of(s, "snapshot");
  gchar *data = NULL;
  gsize len = 0;
  bool ok = read_file(path, &data, &len, found, err);
  if (ok && *found) {
    rs_reader r = rs_reader_of((const uint8_t *)data, len);
    const uint8_t *magic, *payload;
    uint64_t gen, plen, sum;
    ok = rs_get_raw(&r, 8, &magic) && memcmp(magic, SNAP_MAGIC, 8) == 0 && rs_get_le(&r, 8, &gen) &&
         rs_get_le(&r, 8, &plen) && rs_get_raw(&r, (size_t)plen, &payload) && rs_get_le(&r, 8, &sum) &&
         r.p == r.end && sum == st_sum(payload, (size_t)plen) && rs_store_restore(store, payload, (size_t)plen);
    if (!ok)
      *err = g_strdup_printf("%s: corrupt snapshot", path);
    l->gen = gen;
  }
  g_free(data);
  g_free(path);
  return ok;
}

/* Applies one record's payload. */
static bool apply_record(rs_reader *r, rs_store *store, GHashTable *entries)
{
  uint64_t kind, index, epoch, has;
  if (!rs_get_varint(r, REC_EPOCH, &kind) || kind < REC_OP || !rs_get_varint(r, UINT64_MAX, &index) ||
      !rs_get_varint(r, UINT64_MAX, &epoch) || !rs_get_varint(r, 1, &has))
    return false;
  store->last_index = index;
  store->epoch = epoch;
  if (has) {
    st_entry *e = st_entry_new();
    if (!st_get_entry(r, e)) {
      st_entry_free(e);
      return false;
    }
    g_hash_table_replace(entries, e->key->str, e);
  }
  if (!rs_get_varint(r, 1, &has))
    return false;
  if (has) {
    uint64_t client, seq, status, version, has_value;
    rs_bytes value = RS_BYTES_NULL;
    if (!rs_get_varint(r, UINT32_MAX, &client) || !rs_get_varint(r, UINT64_MAX, &seq) ||
        !rs_get_varint(r, RS_ST__COUNT - 1, &status) || !rs_get_varint(r, UINT64_MAX, &version) ||
        !rs_get_varint(r, 1, &has_value) || (has_value && !rs_get_bytes(r, &value)))
      return false;
    rs_result res = {.status = (uint8_t)status, .version = version, .value = value};
    rs_dedup_finish(store->dedup, (rs_node_id)client, seq, &res);
  }
  return r->p == r->end;
}

/* Replays the log over the snapshot. Returns false on corruption before the tail. */
static bool load_log(net_store *s, log_store *l, rs_store *store, bool *any, char **err)
{
  char *path = path_of(s, "log");
  gchar *data = NULL;
  gsize len = 0;
  bool found = false;
  bool ok = read_file(path, &data, &len, &found, err);
  uint64_t gen = 0;
  bool current = ok && found && len >= 16 && memcmp(data, LOG_MAGIC, 8) == 0;
  if (current) {
    rs_reader h = rs_reader_of((const uint8_t *)data + 8, 8);
    rs_get_le(&h, 8, &gen);
    current = gen == l->gen;
  }
  gsize good = 16;
  GHashTable *entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, st_entry_free);
  bool entries_changed = false;
  while (ok && current && good < len) {
    rs_reader r = rs_reader_of((const uint8_t *)data + good, len - good);
    uint64_t rlen, sum;
    const uint8_t *payload;
    if (!rs_get_le(&r, 4, &rlen) || !rs_get_le(&r, 8, &sum) || !rs_get_raw(&r, (size_t)rlen, &payload))
      break; /* torn tail */
    bool last = (gsize)(r.p - (const uint8_t *)data) == len;
    if (sum != st_sum(payload, (size_t)rlen)) {
      if (!last) {
        *err = g_strdup_printf("%s: corrupt record at byte %zu", path, (size_t)good);
        ok = false;
      }
      break;
    }
    if (!entries_changed) {
      GPtrArray *all = st_entries(store);
      for (guint i = 0; i < all->len; i++) {
        st_entry *e = g_ptr_array_index(all, i);
        g_ptr_array_index(all, i) = NULL;
        g_hash_table_replace(entries, e->key->str, e);
      }
      g_ptr_array_free(all, TRUE);
      entries_changed = true;
    }
    rs_reader p = rs_reader_of(payload, (size_t)rlen);
    if (!apply_record(&p, store, entries)) {
      *err = g_strdup_printf("%s: malformed record at byte %zu", path, (size_t)good);
      ok = false;
      break;
    }
    good = (gsize)(r.p - (const uint8_t *)data);
    l->records++;
  }
  if (ok && entries_changed)
    st_rebuild_app(store, entries);
  g_hash_table_destroy(entries);
  *any = l->records > 0;
  if (ok && current && good < len && truncate(path, (off_t)good) != 0) {
    *err = g_strdup_printf("%s: cannot cut its torn tail: %s", path, g_strerror(errno));
    ok = false;
  }
  g_free(data);
  if (ok && current) {
    l->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (l->fd < 0) {
      *err = g_strdup_printf("%s: %s", path, g_strerror(errno));
      ok = false;
    }
  }
  g_free(path);
  if (ok && !current)
    ok = new_log(s, l, err);
  return ok;
}

static bool log_open(net_store *s, rs_store *store, bool *recovered, char **err)
{
  log_store *l = g_new0(log_store, 1);
  l->fd = -1;
  l->buf = g_byte_array_new();
  l->entry = st_entry_new();
  s->impl = l;
  bool snap = false, any = false;
  if (!load_snapshot(s, l, store, &snap, err) || !load_log(s, l, store, &any, err)) {
    s->layout->close(s);
    return false;
  }
  *recovered = snap || any;
  return true;
}

static void put_dedup(GByteArray *out, const rs_persist *rec)
{
  const rs_result *res = NULL;
  rs_dedup_state st = rs_dedup_check(rec->store->dedup, rec->client, rec->seq, &res);
  if (st == RS_DEDUP_PENDING)
    res = rec->res;
  if ((st != RS_DEDUP_DONE && st != RS_DEDUP_PENDING) || !res || rec->client == RS_NO_NODE) {
    rs_put_varint(out, 0);
    return;
  }
  rs_put_varint(out, 1);
  rs_put_varint(out, rec->client);
  rs_put_varint(out, rec->seq);
  rs_put_varint(out, res->status);
  rs_put_varint(out, res->version);
  rs_put_varint(out, res->value.ptr ? 1 : 0);
  if (res->value.ptr)
    rs_put_bytes(out, res->value.ptr, res->value.len);
}

static bool log_persist(net_store *s, const rs_persist *rec, char **err)
{
  log_store *l = s->impl;
  if (rec->kind == RS_PERSIST_STATE || l->records >= LOG_MAX_RECORDS)
    return compact(s, l, rec->store, err);
  GByteArray *p = g_byte_array_new();
  rs_put_varint(p, rec->kind == RS_PERSIST_OP ? REC_OP : REC_EPOCH);
  rs_put_varint(p, rec->store->last_index);
  rs_put_varint(p, rec->store->epoch);
  bool entry = rec->kind == RS_PERSIST_OP && rec->op && rs_op_is_update(rec->op->kind);
  rs_put_varint(p, entry ? 1 : 0);
  if (entry) {
    st_entry_read(rec->store, rec->op->key, l->entry);
    st_put_entry(p, l->entry);
  }
  if (rec->kind == RS_PERSIST_OP)
    put_dedup(p, rec);
  else
    rs_put_varint(p, 0);
  rs_put_le(l->buf, p->len, 4);
  rs_put_le(l->buf, st_sum(p->data, p->len), 8);
  g_byte_array_append(l->buf, p->data, p->len);
  g_byte_array_free(p, TRUE);
  l->unsynced = true;
  l->records++;
  return true;
}

/* Appends the records not written yet, in one write where the kernel takes it all. */
static bool write_pending(net_store *s, log_store *l, char **err)
{
  const guint8 *at = l->buf->data;
  gsize left = l->buf->len;
  while (left) {
    ssize_t n = write(l->fd, at, left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      *err = g_strdup_printf("%s/log: cannot append: %s", s->dir, g_strerror(errno));
      return false;
    }
    at += n;
    left -= (gsize)n;
  }
  g_byte_array_set_size(l->buf, 0);
  return true;
}

/* One write and one fdatasync for every record appended since the last: the changes of one turn
 * of the main loop share them (group commit). */
static bool log_sync(net_store *s, char **err)
{
  log_store *l = s->impl;
  if (!l->unsynced)
    return true;
  if (!write_pending(s, l, err))
    return false;
  if (fdatasync(l->fd) != 0) {
    *err = g_strdup_printf("%s/log: cannot sync: %s", s->dir, g_strerror(errno));
    return false;
  }
  l->unsynced = false;
  return true;
}

static void log_close(net_store *s)
{
  log_store *l = s->impl;
  if (!l)
    return;
  if (l->fd >= 0)
    close(l->fd);
  g_byte_array_free(l->buf, TRUE);
  st_entry_free(l->entry);
  g_free(l);
  s->impl = NULL;
}

const st_layout st_log_layout = {.open = log_open, .persist = log_persist, .sync = log_sync, .close = log_close};
