/* The `kv` application (seeds 000, 001): put, get, append and compare-and-set on versioned keys. */
#include "app.h"

#include <string.h>

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
#define KV_FNV_SEED 0xcbf29ce484222325ULL

/* ---- slices as hash keys ---- */

/* FNV-1a: deterministic (no seed, no address), which keeps digests reproducible. */
static uint64_t kv_fnv(uint64_t h, const void *data, size_t len)
{
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

static guint kv_bytes_hash(gconstpointer k)
{
  const rs_bytes *b = k;
  uint64_t h = kv_fnv(KV_FNV_SEED, b->ptr, b->len);
  return (guint)(h ^ (h >> 32));
}

static gboolean kv_bytes_equal(gconstpointer a, gconstpointer b)
{
  const rs_bytes *x = a, *y = b;
  return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
}

/* An owned copy of a slice, NUL-terminated (a NULL slice becomes ""). */
static rs_bytes kv_dup(rs_bytes b)
{
  char *p = g_malloc(b.len + 1u);
  if (b.len)
    memcpy(p, b.ptr, b.len);
  p[b.len] = '\0';
  return (rs_bytes){p, b.len};
}

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
  rs_bytes k = key.ptr ? key : (rs_bytes){"", 0};
  return g_hash_table_lookup(s->by_key, &k);
}

/* The key's entry, created empty (version 0) when absent. */
static kv_entry *kv_touch(kv_state *s, rs_bytes key)
{
  kv_entry *e = kv_lookup(s, key);
  if (e)
    return e;
  e = g_new0(kv_entry, 1);
  e->key = kv_dup(key);
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
  kv_entry *e = kv_touch(s, op->key);
  out->status = RS_ST_SUCCESS;
  out->version = version;
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
  return g_hash_table_new_full(kv_bytes_hash, kv_bytes_equal, NULL, kv_entry_free);
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

static void kv_put_varint(GByteArray *out, uint64_t v)
{
  uint8_t buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  buf[n++] = (uint8_t)v;
  g_byte_array_append(out, buf, (guint)n);
}

static void kv_put_bytes(GByteArray *out, rs_bytes b)
{
  kv_put_varint(out, b.len);
  if (b.len)
    g_byte_array_append(out, (const guint8 *)b.ptr, b.len);
}

/* Byte order on keys, then length: the snapshot's order, independent of the hash table. */
static gint kv_cmp_bytes(rs_bytes a, rs_bytes b)
{
  uint32_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
  if (c)
    return c;
  return a.len < b.len ? -1 : a.len > b.len;
}

static gint kv_cmp_entries(gconstpointer a, gconstpointer b)
{
  const kv_entry *x = *(kv_entry *const *)a, *y = *(kv_entry *const *)b;
  return kv_cmp_bytes(x->key, y->key);
}

/* Format: 'K', 1, count, then per entry in key order: key, version, value (strings as varint
 * length + bytes). The same state always gives the same bytes; O(n log n) for the sort. */
static void kv_snapshot(void *state, GByteArray *out)
{
  kv_state *s = state;
  GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(s->by_key));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->by_key);
  while (g_hash_table_iter_next(&it, NULL, &v))
    g_ptr_array_add(all, v);
  g_ptr_array_sort(all, kv_cmp_entries);

  const uint8_t head[2] = {KV_SNAPSHOT_MAGIC, KV_SNAPSHOT_VERSION};
  g_byte_array_append(out, head, 2);
  kv_put_varint(out, all->len);
  for (guint i = 0; i < all->len; i++) {
    const kv_entry *e = g_ptr_array_index(all, i);
    kv_put_bytes(out, e->key);
    kv_put_varint(out, e->version);
    kv_put_bytes(out, kv_view(e->value));
  }
  g_ptr_array_free(all, TRUE);
}

/* A bounds-checked cursor over a snapshot. */
typedef struct kv_reader {
  const uint8_t *p, *end;
} kv_reader;

static bool kv_get_varint(kv_reader *r, uint64_t *v)
{
  uint64_t x = 0;
  for (unsigned i = 0; i < 10; i++) {
    if (r->p >= r->end)
      return false;
    uint8_t b = *r->p++;
    if (i == 9 && b > 1)
      return false;
    x |= (uint64_t)(b & 0x7f) << (7 * i);
    if (!(b & 0x80)) {
      *v = x;
      return true;
    }
  }
  return false;
}

static bool kv_get_bytes(kv_reader *r, rs_bytes *b)
{
  uint64_t len;
  if (!kv_get_varint(r, &len) || len > (uint64_t)(r->end - r->p))
    return false;
  *b = (rs_bytes){(const char *)r->p, (uint32_t)len};
  r->p += len;
  return true;
}

/* Reads one entry into `into`; keys must be strictly ascending, which also rules out duplicates. */
static bool kv_get_entry(kv_reader *r, kv_state *into, rs_bytes *prev, bool first)
{
  rs_bytes key, value;
  uint64_t version;
  if (!kv_get_bytes(r, &key) || !kv_get_varint(r, &version) || !kv_get_bytes(r, &value))
    return false;
  if (!first && kv_cmp_bytes(*prev, key) >= 0)
    return false;
  kv_set(kv_touch(into, key), value, version);
  *prev = key;
  return true;
}

/* Replaces the state with a snapshot's. The new table is built aside and swapped in only when
 * every byte checked out, so a malformed snapshot leaves the old state untouched. */
static bool kv_restore(void *state, const uint8_t *buf, size_t len)
{
  kv_state *s = state;
  if (!buf || len < 2 || buf[0] != KV_SNAPSHOT_MAGIC || buf[1] != KV_SNAPSHOT_VERSION)
    return false;
  kv_reader r = {buf + 2, buf + len};
  uint64_t count;
  if (!kv_get_varint(&r, &count))
    return false;
  kv_state fresh = {kv_table()};
  rs_bytes prev = RS_BYTES_NULL;
  bool ok = true;
  for (uint64_t i = 0; ok && i < count; i++)
    ok = kv_get_entry(&r, &fresh, &prev, i == 0);
  if (!ok || r.p != r.end) {
    g_hash_table_destroy(fresh.by_key);
    return false;
  }
  g_hash_table_destroy(s->by_key);
  s->by_key = fresh.by_key;
  return true;
}

/* ---- digest and merge ---- */

/* splitmix64's finalizer: spreads each entry's hash before the order-free sum. */
static uint64_t kv_mix(uint64_t x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Hashes an integer as 8 little-endian bytes, so the digest is the same on every machine. */
static uint64_t kv_hash_u64(uint64_t h, uint64_t v)
{
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  return kv_fnv(h, b, sizeof b);
}

static uint64_t kv_entry_hash(const kv_entry *e)
{
  uint64_t h = KV_FNV_SEED;
  h = kv_fnv(kv_hash_u64(h, e->key.len), e->key.ptr, e->key.len);
  h = kv_fnv(kv_hash_u64(h, e->value->len), e->value->str, e->value->len);
  return kv_mix(kv_hash_u64(h, e->version));
}

/* The sum of per-entry hashes: O(total bytes), independent of insertion order and of the hash
 * table's layout, so two replicas with equal states agree however they got there. */
static uint64_t kv_digest(void *state)
{
  kv_state *s = state;
  uint64_t sum = kv_mix(g_hash_table_size(s->by_key));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->by_key);
  while (g_hash_table_iter_next(&it, NULL, &v))
    sum += kv_entry_hash(v);
  return sum;
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
    .create = kv_create,
    .destroy = kv_destroy,
    .execute = kv_execute,
    .snapshot = kv_snapshot,
    .restore = kv_restore,
    .digest = kv_digest,
    .newer = kv_newer,
};
