/* The `files` application (seed 004): uuid -> (filename, content, version, deleted), with tombstones. */
#include "app.h"

#include <string.h>

/* One uuid's entry. A tombstone keeps its uuid and the deletion's version, an empty name and no
 * content. `key` and `name` are owned, NUL-terminated copies viewed as slices, so the tables can
 * hash the slices directly: lookups take the caller's rs_bytes without copying, and keys may hold
 * any byte (g_strndup would stop at a NUL). */
typedef struct files_entry {
  rs_bytes key;
  rs_bytes name;
  GString *content; /* NULL for a tombstone */
  uint64_t version;
  bool deleted;
} files_entry;

/* by_key owns the entries; by_name indexes live files only, so a deleted name is free again. */
typedef struct files_state {
  GHashTable *by_key;  /* &entry->key -> entry */
  GHashTable *by_name; /* &entry->name -> entry */
} files_state;

#define FILES_SNAPSHOT_MAGIC 'F'
#define FILES_SNAPSHOT_VERSION 1

/* ---- slices as hash keys ---- */

/* FNV-1a over a slice: deterministic (no seed, no address), which keeps digests reproducible. */
static uint64_t files_fnv(uint64_t h, const void *data, size_t len)
{
  const uint8_t *p = data;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

#define FILES_FNV_SEED 0xcbf29ce484222325ULL

static guint files_bytes_hash(gconstpointer k)
{
  const rs_bytes *b = k;
  uint64_t h = files_fnv(FILES_FNV_SEED, b->ptr, b->len);
  return (guint)(h ^ (h >> 32));
}

static gboolean files_bytes_equal(gconstpointer a, gconstpointer b)
{
  const rs_bytes *x = a, *y = b;
  return x->len == y->len && (x->len == 0 || memcmp(x->ptr, y->ptr, x->len) == 0);
}

/* An owned copy of a slice, NUL-terminated so it is also a C string (a NULL slice becomes ""). */
static rs_bytes files_dup(rs_bytes b)
{
  char *p = g_malloc(b.len + 1u);
  if (b.len)
    memcpy(p, b.ptr, b.len);
  p[b.len] = '\0';
  return (rs_bytes){p, b.len};
}

/* A slice that is never NULL: an absent name or key is the empty string. */
static rs_bytes files_text(rs_bytes b)
{
  return b.ptr ? b : (rs_bytes){"", 0};
}

/* ---- entries ---- */

static files_entry *files_entry_new(rs_bytes key, rs_bytes name)
{
  files_entry *e = g_new0(files_entry, 1);
  e->key = files_dup(key);
  e->name = files_dup(name);
  return e;
}

static void files_entry_free(gpointer p)
{
  files_entry *e = p;
  g_free((char *)e->key.ptr);
  g_free((char *)e->name.ptr);
  if (e->content)
    g_string_free(e->content, TRUE);
  g_free(e);
}

static files_entry *files_lookup(files_state *s, rs_bytes key)
{
  rs_bytes k = files_text(key);
  return g_hash_table_lookup(s->by_key, &k);
}

static files_entry *files_holder(files_state *s, rs_bytes name)
{
  rs_bytes n = files_text(name);
  return g_hash_table_lookup(s->by_name, &n);
}

/* Adds a new entry to the tables; a live one must have a name no live file holds. */
static void files_insert(files_state *s, files_entry *e)
{
  g_hash_table_insert(s->by_key, &e->key, e);
  if (!e->deleted)
    g_hash_table_insert(s->by_name, &e->name, e);
}

/* Renames a live entry. The index hashes the entry's own name slice, so the entry leaves the
 * index before the name changes and comes back after. */
static void files_rename(files_state *s, files_entry *e, rs_bytes name)
{
  if (rs_bytes_eq(files_text(name), e->name))
    return;
  g_hash_table_remove(s->by_name, &e->name);
  g_free((char *)e->name.ptr);
  e->name = files_dup(name);
  g_hash_table_insert(s->by_name, &e->name, e);
}

/* Overwrites a live entry's whole content (seed 004: no appends) and takes the new version. */
static void files_set_content(files_entry *e, rs_bytes content, uint64_t version)
{
  if (!e->content)
    e->content = g_string_sized_new(content.len);
  g_string_truncate(e->content, 0);
  if (content.len)
    g_string_append_len(e->content, content.ptr, content.len);
  e->version = version;
}

/* Turns an entry into a tombstone: out of the name index, empty name, no content. */
static void files_bury(files_state *s, files_entry *e, uint64_t version)
{
  if (!e->deleted)
    g_hash_table_remove(s->by_name, &e->name);
  g_free((char *)e->name.ptr);
  e->name = files_dup(RS_BYTES_NULL);
  if (e->content)
    g_string_free(e->content, TRUE);
  e->content = NULL;
  e->deleted = true;
  e->version = version;
}

/* ---- operations ---- */

static void files_read(files_state *s, const rs_op *op, rs_result *out)
{
  files_entry *e = files_lookup(s, op->key);
  if (!e) {
    out->status = RS_ST_FILE_DOES_NOT_EXIST;
    return;
  }
  out->version = e->version;
  if (e->deleted) {
    out->status = RS_ST_FILE_ALREADY_DELETED;
    return;
  }
  out->status = RS_ST_SUCCESS;
  out->name = e->name;
  out->value = (rs_bytes){e->content->str, (uint32_t)e->content->len};
}

/* Seed 004's write rules. In QUORUM mode a write older than the live entry's version is
 * answered SUCCESS but changes nothing: under last-writer-wins it was overwritten already, as if
 * it had arrived first. The refusals (same name, deleted file) are answered by the rules alone,
 * whatever the versions, so every replica that sees the same writes answers them alike. */
static void files_write(files_state *s, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  files_entry *e = files_lookup(s, op->key);
  files_entry *holder = files_holder(s, op->name);
  if (e && e->deleted) {
    out->status = RS_ST_DELETED_FILE_CANNOT_BE_UPDATED;
    out->version = e->version;
    return;
  }
  if (holder && holder != e) {
    out->status = RS_ST_FILE_SAME_NAME_EXISTS;
    out->version = e ? e->version : 0;
    return;
  }
  out->status = RS_ST_SUCCESS;
  out->version = version;
  if (e && mode == RS_APPLY_QUORUM && version < e->version)
    return;
  if (e) {
    files_rename(s, e, op->name);
  } else {
    e = files_entry_new(op->key, op->name);
    files_insert(s, e);
  }
  files_set_content(e, op->value, version);
}

/* Seed 004's delete rules. QUORUM differs twice: a delete of an unknown uuid leaves a tombstone
 * and succeeds (the file may live on other replicas), and a tombstone always beats a live entry
 * whatever their versions. Uuids are never reused and a deleted file cannot be updated, so a
 * delete dominates every write of its uuid; this keeps replicas that see the same updates in
 * different orders identical, and agrees with newer(). A delete of a tombstone answers FILE
 * ALREADY DELETED; in QUORUM mode the tombstone keeps the newest deletion version it has seen. */
static void files_delete(files_state *s, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  files_entry *e = files_lookup(s, op->key);
  bool quorum = mode == RS_APPLY_QUORUM;
  if (!e && !quorum) {
    out->status = RS_ST_FILE_DOES_NOT_EXIST;
    return;
  }
  if (e && e->deleted) {
    if (quorum && version > e->version)
      e->version = version;
    out->status = RS_ST_FILE_ALREADY_DELETED;
    out->version = e->version;
    return;
  }
  if (!e) {
    e = files_entry_new(op->key, RS_BYTES_NULL);
    e->deleted = true;
    files_insert(s, e);
  }
  files_bury(s, e, version);
  out->status = RS_ST_SUCCESS;
  out->version = version;
}

static void files_execute(void *state, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  files_state *s = state;
  *out = (rs_result){.status = RS_ST_BAD_REQUEST};
  switch (op->kind) {
  case RS_OP_READ:
    files_read(s, op, out);
    break;
  case RS_OP_WRITE:
    files_write(s, op, version, mode, out);
    break;
  case RS_OP_DELETE:
    files_delete(s, op, version, mode, out);
    break;
  default:
    break;
  }
}

/* ---- life cycle ---- */

static void files_tables(files_state *s)
{
  s->by_key = g_hash_table_new_full(files_bytes_hash, files_bytes_equal, NULL, files_entry_free);
  s->by_name = g_hash_table_new(files_bytes_hash, files_bytes_equal);
}

static void files_drop_tables(files_state *s)
{
  g_hash_table_destroy(s->by_name); /* first: it points into entries by_key frees */
  g_hash_table_destroy(s->by_key);
}

static void *files_create(void)
{
  files_state *s = g_new0(files_state, 1);
  files_tables(s);
  return s;
}

static void files_destroy(void *state)
{
  files_state *s = state;
  if (!s)
    return;
  files_drop_tables(s);
  g_free(s);
}

/* ---- snapshot and restore ---- */

static void files_put_varint(GByteArray *out, uint64_t v)
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

static void files_put_bytes(GByteArray *out, const char *p, size_t len)
{
  files_put_varint(out, len);
  if (len)
    g_byte_array_append(out, (const guint8 *)p, (guint)len);
}

/* Byte order on keys, then length: the snapshot's entry order, independent of the hash table. */
static gint files_cmp_bytes(rs_bytes a, rs_bytes b)
{
  uint32_t n = a.len < b.len ? a.len : b.len;
  int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
  if (c)
    return c;
  return a.len < b.len ? -1 : a.len > b.len;
}

static gint files_cmp_entries(gconstpointer a, gconstpointer b)
{
  const files_entry *x = *(files_entry *const *)a, *y = *(files_entry *const *)b;
  return files_cmp_bytes(x->key, y->key);
}

/* Every entry, sorted by key. O(n log n); snapshots are rare (state transfer, divergence checks). */
static GPtrArray *files_sorted(files_state *s)
{
  GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(s->by_key));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->by_key);
  while (g_hash_table_iter_next(&it, NULL, &v))
    g_ptr_array_add(all, v);
  g_ptr_array_sort(all, files_cmp_entries);
  return all;
}

/* Format: 'F', 1, count, then per entry in key order: key, flags (1: deleted), version, name,
 * content (strings as varint length + bytes). The same state always gives the same bytes. */
static void files_snapshot(void *state, GByteArray *out)
{
  files_state *s = state;
  GPtrArray *all = files_sorted(s);
  const uint8_t head[2] = {FILES_SNAPSHOT_MAGIC, FILES_SNAPSHOT_VERSION};
  g_byte_array_append(out, head, 2);
  files_put_varint(out, all->len);
  for (guint i = 0; i < all->len; i++) {
    const files_entry *e = g_ptr_array_index(all, i);
    files_put_bytes(out, e->key.ptr, e->key.len);
    files_put_varint(out, e->deleted ? 1 : 0);
    files_put_varint(out, e->version);
    files_put_bytes(out, e->name.ptr, e->name.len);
    files_put_bytes(out, e->content ? e->content->str : NULL, e->content ? e->content->len : 0);
  }
  g_ptr_array_free(all, TRUE);
}

/* A bounds-checked cursor over a snapshot. */
typedef struct files_reader {
  const uint8_t *p, *end;
} files_reader;

static bool files_get_varint(files_reader *r, uint64_t *v)
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

static bool files_get_bytes(files_reader *r, rs_bytes *b)
{
  uint64_t len;
  if (!files_get_varint(r, &len) || len > (uint64_t)(r->end - r->p))
    return false;
  *b = (rs_bytes){(const char *)r->p, (uint32_t)len};
  r->p += len;
  return true;
}

/* Reads one entry and checks it against what came before: keys strictly ascending (so no
 * duplicates), tombstones without name or content, live names unique. */
static files_entry *files_get_entry(files_reader *r, files_state *into, const files_entry *prev)
{
  rs_bytes key, name, content;
  uint64_t flags, version;
  if (!files_get_bytes(r, &key) || !files_get_varint(r, &flags) || !files_get_varint(r, &version) ||
      !files_get_bytes(r, &name) || !files_get_bytes(r, &content))
    return NULL;
  if (flags > 1 || (prev && files_cmp_bytes(prev->key, key) >= 0))
    return NULL;
  if (flags == 1 && (name.len || content.len))
    return NULL;
  if (flags == 0 && g_hash_table_contains(into->by_name, &name))
    return NULL;
  files_entry *e = files_entry_new(key, name);
  e->deleted = flags == 1;
  e->version = version;
  if (!e->deleted)
    files_set_content(e, content, version);
  files_insert(into, e);
  return e;
}

/* Replaces the state with a snapshot's. The new state is built aside and swapped in only when
 * every byte checked out, so a malformed snapshot leaves the old state untouched. */
static bool files_restore(void *state, const uint8_t *buf, size_t len)
{
  files_state *s = state, fresh;
  if (!buf || len < 2 || buf[0] != FILES_SNAPSHOT_MAGIC || buf[1] != FILES_SNAPSHOT_VERSION)
    return false;
  files_reader r = {buf + 2, buf + len};
  uint64_t count;
  if (!files_get_varint(&r, &count))
    return false;
  files_tables(&fresh);
  const files_entry *prev = NULL;
  bool ok = true;
  for (uint64_t i = 0; ok && i < count; i++)
    ok = (prev = files_get_entry(&r, &fresh, prev)) != NULL;
  if (!ok || r.p != r.end) {
    files_drop_tables(&fresh);
    return false;
  }
  files_drop_tables(s);
  *s = fresh;
  return true;
}

/* ---- digest and merge ---- */

/* splitmix64's finalizer: spreads each entry's hash before the order-free sum. */
static uint64_t files_mix(uint64_t x)
{
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/* Hashes an integer as 8 little-endian bytes, so the digest is the same on every machine. */
static uint64_t files_hash_u64(uint64_t h, uint64_t v)
{
  uint8_t b[8];
  for (int i = 0; i < 8; i++)
    b[i] = (uint8_t)(v >> (8 * i));
  return files_fnv(h, b, sizeof b);
}

static uint64_t files_hash_field(uint64_t h, const char *p, size_t len)
{
  return files_fnv(files_hash_u64(h, len), p, len);
}

static uint64_t files_entry_hash(const files_entry *e)
{
  uint64_t h = FILES_FNV_SEED;
  uint8_t deleted = e->deleted;
  h = files_hash_field(h, e->key.ptr, e->key.len);
  h = files_hash_field(h, e->name.ptr, e->name.len);
  h = files_hash_field(h, e->content ? e->content->str : NULL, e->content ? e->content->len : 0);
  h = files_hash_u64(h, e->version);
  h = files_fnv(h, &deleted, 1);
  return files_mix(h);
}

/* The sum of per-entry hashes: O(total bytes), independent of insertion order and of the hash
 * table's layout, so two replicas with equal states agree however they got there. */
static uint64_t files_digest(void *state)
{
  files_state *s = state;
  uint64_t sum = files_mix(g_hash_table_size(s->by_key));
  GHashTableIter it;
  gpointer v;
  g_hash_table_iter_init(&it, s->by_key);
  while (g_hash_table_iter_next(&it, NULL, &v))
    sum += files_entry_hash(v);
  return sum;
}

/* A read answer's rank: a tombstone dominates any live version (uuids are never reused and a
 * deleted file cannot be updated), a live file beats FILE DOES NOT EXIST or a failure. */
static int files_rank(const rs_result *r)
{
  if (r->status == RS_ST_FILE_ALREADY_DELETED)
    return 2;
  return r->status == RS_ST_SUCCESS ? 1 : 0;
}

static bool files_newer(const rs_result *a, const rs_result *b)
{
  int ra = files_rank(a), rb = files_rank(b);
  if (ra != rb)
    return ra > rb;
  return a->version > b->version;
}

const rs_app_ops rs_app_files = {
    .name = "files",
    .create = files_create,
    .destroy = files_destroy,
    .execute = files_execute,
    .snapshot = files_snapshot,
    .restore = files_restore,
    .digest = files_digest,
    .newer = files_newer,
};
