/* The `kv` application (seeds 000, 001): put, get, append and compare-and-set on versioned keys. */
#include "app.h"
#include "app_util.h"

/* One key. `key` is an owned, NUL-terminated copy viewed as a slice, so the table hashes slices
 * directly: lookups need no copy and keys may hold any byte. `version` is its last update's. */
typedef struct kv_entry {
  rs_bytes key;
  GString *value;
  uint64_t version;
} kv_entry;

typedef struct kv_state {
  GHashTable *by_key; /* &entry->key -> entry, owns the entries */
} kv_state;

#define KV_SNAPSHOT_MAGIC 'K'
#define KV_SNAPSHOT_VERSION 1

/* ---- slices ---- */

static rs_bytes kv_view(const GString *s)
{
  return (rs_bytes){s->str, (uint32_t)s->len};
}

/* ---- entries ---- */

static void kv_entry_free(gpointer p)
{
  kv_entry *e = p;
  g_free((char *)e->key.ptr);
  g_string_free(e->value, TRUE);
  g_free(e);
}

static kv_entry *kv_lookup(kv_state *s, rs_bytes key)
{
  return app_lookup(s->by_key, key);
}

/* The key's entry, created empty (version 0) when absent. */
static kv_entry *kv_touch(kv_state *s, rs_bytes key)
{
  kv_entry *e = kv_lookup(s, key);
  if (e)
    return e;
  e = g_new0(kv_entry, 1);
  e->key = app_dup(key);
  e->value = g_string_new(NULL);
  g_hash_table_insert(s->by_key, &e->key, e);
  return e;
}

static void kv_set(kv_entry *e, rs_bytes value, uint64_t version)
{
  g_string_truncate(e->value, 0);
  if (value.len)
    g_string_append_len(e->value, value.ptr, value.len);
  e->version = version;
}

/* ---- operations ---- */

/* A put always succeeds. In QUORUM mode it is last-writer-wins: a put older than the stored
 * version answers SUCCESS and changes nothing (it was overwritten already, as if it came first). */
static void kv_put(kv_state *s, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  out->status = RS_ST_SUCCESS;
  out->version = version;
  if (mode == RS_APPLY_QUORUM_CHECK) {
    kv_entry *seen = kv_lookup(s, op->key);
    out->version = seen ? seen->version : 0;
    return;
  }
  kv_entry *e = kv_touch(s, op->key);
  if (mode == RS_APPLY_QUORUM && version < e->version)
    return;
  kv_set(e, op->value, version);
}

/* A get answers SUCCESS either way; an absent key has a NULL value (the trace's null). */
static void kv_get(kv_state *s, const rs_op *op, rs_result *out)
{
  kv_entry *e = kv_lookup(s, op->key);
  out->status = RS_ST_SUCCESS;
  if (e) {
    out->version = e->version;
    out->value = kv_view(e->value);
  }
}

/* Appends to the current value (absent counts as empty) and answers the new value. GString
 * grows geometrically, so a run of appends to one key costs linear time overall. */
static void kv_append(kv_state *s, const rs_op *op, uint64_t version, rs_result *out)
{
  kv_entry *e = kv_touch(s, op->key);
  if (op->value.len)
    g_string_append_len(e->value, op->value.ptr, op->value.len);
  e->version = version;
  out->status = RS_ST_SUCCESS;
  out->version = version;
  out->value = kv_view(e->value);
}

/* Sets the value only when the current one equals `expected`; a NULL expected means "absent",
 * which differs from an empty value. A mismatch changes nothing and answers the current version. */
static void kv_cas(kv_state *s, const rs_op *op, uint64_t version, rs_result *out)
{
  kv_entry *e = kv_lookup(s, op->key);
  rs_bytes current = e ? kv_view(e->value) : RS_BYTES_NULL;
  if (!rs_bytes_eq(current, op->expected)) {
    out->status = RS_ST_CAS_MISMATCH;
    out->version = e ? e->version : 0;
    return;
  }
  kv_set(kv_touch(s, op->key), op->value, version);
  out->status = RS_ST_SUCCESS;
  out->version = version;
}

/* APPEND and CAS need one order of updates, which quorum replication does not give: there they
 * answer BAD REQUEST, as do the files operations. */
static void kv_execute(void *state, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  kv_state *s = state;
  bool ordered = mode == RS_APPLY_ORDERED;
  *out = (rs_result){.status = RS_ST_BAD_REQUEST};
  switch (op->kind) {
  case RS_OP_PUT:
    kv_put(s, op, version, mode, out);
    break;
  case RS_OP_GET:
    kv_get(s, op, out);
    break;
  case RS_OP_APPEND:
    if (ordered)
      kv_append(s, op, version, out);
    break;
  case RS_OP_CAS:
    if (ordered)
      kv_cas(s, op, version, out);
    break;
  default:
    break;
  }
}

/* ---- life cycle ---- */

static GHashTable *kv_table(void)
{
  return g_hash_table_new_full(app_bytes_hash, app_bytes_equal, NULL, kv_entry_free);
}

static void *kv_create(void)
{
  kv_state *s = g_new0(kv_state, 1);
  s->by_key = kv_table();
  return s;
}

static void kv_destroy(void *state)
{
  kv_state *s = state;
  if (!s)
    return;
  g_hash_table_destroy(s->by_key);
  g_free(s);
}

/* ---- snapshot and restore ---- */

/* Writes an entry's fields after its key: version, value. */
static void kv_put_entry(GByteArray *out, gconstpointer p)
{
  const kv_entry *e = p;
  rs_put_varint(out, e->version);
  rs_put_bytes(out, e->value->str, e->value->len);
}

/* Format: 'K', 1, count, then per entry in key order: key, version, value (strings as varint
 * length + bytes). The same state always gives the same bytes; O(n log n) for the sort. */
static void kv_snapshot(void *state, GByteArray *out)
{
  kv_state *s = state;
  app_put_snapshot(out, s->by_key, KV_SNAPSHOT_MAGIC, KV_SNAPSHOT_VERSION, kv_put_entry);
}

/* Reads one entry's fields after its key into `into` (app_get_snapshot checks the key order). */
static bool kv_get_entry(rs_reader *r, void *into, rs_bytes key)
{
  rs_bytes value;
  uint64_t version;
  if (!rs_get_varint(r, UINT64_MAX, &version) || !rs_get_bytes(r, &value))
    return false;
  kv_set(kv_touch(into, key), value, version);
  return true;
}

/* Replaces the state with a snapshot's. The new table is built aside and swapped in only when
 * every byte checked out, so a malformed snapshot leaves the old state untouched. */
static bool kv_restore(void *state, const uint8_t *buf, size_t len)
{
  kv_state *s = state;
  kv_state fresh = {kv_table()};
  if (!app_get_snapshot(buf, len, KV_SNAPSHOT_MAGIC, KV_SNAPSHOT_VERSION, &fresh, kv_get_entry)) {
    g_hash_table_destroy(fresh.by_key);
    return false;
  }
  g_hash_table_destroy(s->by_key);
  s->by_key = fresh.by_key;
  return true;
}

/* Replays a snapshot as the puts that make it, in key order. */
static bool kv_replay(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version),
                      void *arg)
{
  kv_state other = {kv_table()};
  bool ok = app_get_snapshot(buf, len, KV_SNAPSHOT_MAGIC, KV_SNAPSHOT_VERSION, &other, kv_get_entry);
  GPtrArray *entries = ok ? app_sorted_values(other.by_key) : NULL;
  for (guint i = 0; entries && i < entries->len; i++) {
    const kv_entry *e = g_ptr_array_index(entries, i);
    rs_op put = {.kind = RS_OP_PUT, .key = e->key, .value = kv_view(e->value)};
    fn(arg, &put, e->version);
  }
  if (entries)
    g_ptr_array_free(entries, TRUE);
  g_hash_table_destroy(other.by_key);
  return ok;
}

/* A get's answer is installed by a put of that value; an absent key has nothing to install. */
static bool kv_repair(const rs_op *read, const rs_result *res, rs_op *out)
{
  if (res->status != RS_ST_SUCCESS || !res->value.ptr || res->version == 0)
    return false;
  *out = (rs_op){.kind = RS_OP_PUT, .key = read->key, .value = res->value};
  return true;
}

/* ---- digest and merge ---- */

static uint64_t kv_entry_hash(gconstpointer p)
{
  const kv_entry *e = p;
  uint64_t h = APP_FNV_SEED;
  h = app_hash_field(h, e->key.ptr, e->key.len);
  h = app_hash_field(h, e->value->str, e->value->len);
  return app_mix(app_hash_u64(h, e->version));
}

/* The sum of per-entry hashes: O(total bytes), independent of insertion order and of the hash
 * table's layout, so two replicas with equal states agree however they got there. */
static uint64_t kv_digest(void *state)
{
  kv_state *s = state;
  return app_digest(s->by_key, kv_entry_hash);
}

/* The higher version wins; at equal versions an answer beats a failure (a TIMEOUT, say). */
static bool kv_newer(const rs_result *a, const rs_result *b)
{
  if (a->version != b->version)
    return a->version > b->version;
  return a->status == RS_ST_SUCCESS && b->status != RS_ST_SUCCESS;
}

const rs_app_ops rs_app_kv = {
    .name = "kv",
    .read_kind = RS_OP_GET,
    .create = kv_create,
    .destroy = kv_destroy,
    .execute = kv_execute,
    .snapshot = kv_snapshot,
    .restore = kv_restore,
    .digest = kv_digest,
    .newer = kv_newer,
    .replay = kv_replay,
    .repair = kv_repair,
};
