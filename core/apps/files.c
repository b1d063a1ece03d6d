/* The `files` application (seed 004): uuid -> (filename, content, version, deleted), with tombstones. */
#include "app.h"
#include "app_util.h"

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

/* ---- entries ---- */

static files_entry *files_entry_new(rs_bytes key, rs_bytes name)
{
  files_entry *e = g_new0(files_entry, 1);
  e->key = app_dup(key);
  e->name = app_dup(name);
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
  return app_lookup(s->by_key, key);
}

static files_entry *files_holder(files_state *s, rs_bytes name)
{
  return app_lookup(s->by_name, name);
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
  if (rs_bytes_eq(app_text(name), e->name))
    return;
  g_hash_table_remove(s->by_name, &e->name);
  g_free((char *)e->name.ptr);
  e->name = app_dup(name);
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
  e->name = app_dup(RS_BYTES_NULL);
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
  if (mode == RS_APPLY_QUORUM_CHECK) {
    out->version = e ? e->version : 0;
    return;
  }
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
  bool quorum = mode != RS_APPLY_ORDERED;
  if (mode == RS_APPLY_QUORUM_CHECK) {
    out->status = e && e->deleted ? RS_ST_FILE_ALREADY_DELETED : RS_ST_SUCCESS;
    out->version = e ? e->version : 0;
    return;
  }
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
  s->by_key = g_hash_table_new_full(app_bytes_hash, app_bytes_equal, NULL, files_entry_free);
  s->by_name = g_hash_table_new(app_bytes_hash, app_bytes_equal);
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

/* Writes an entry's fields after its key: flags (1: deleted), version, name, content. */
static void files_put_entry(GByteArray *out, gconstpointer p)
{
  const files_entry *e = p;
  rs_put_varint(out, e->deleted ? 1 : 0);
  rs_put_varint(out, e->version);
  rs_put_bytes(out, e->name.ptr, e->name.len);
  rs_put_bytes(out, e->content ? e->content->str : NULL, e->content ? e->content->len : 0);
}

/* Format: 'F', 1, count, then per entry in key order: key, flags (1: deleted), version, name,
 * content (strings as varint length + bytes). The same state always gives the same bytes. */
static void files_snapshot(void *state, GByteArray *out)
{
  files_state *s = state;
  app_put_snapshot(out, s->by_key, FILES_SNAPSHOT_MAGIC, FILES_SNAPSHOT_VERSION, files_put_entry);
}

/* Reads one entry's fields after its key and checks them: tombstones without name or content, live
 * names unique (app_get_snapshot checks that keys ascend strictly, so there are no duplicates). */
static bool files_get_entry(rs_reader *r, void *into, rs_bytes key)
{
  files_state *s = into;
  rs_bytes name, content;
  uint64_t flags, version;
  if (!rs_get_varint(r, UINT64_MAX, &flags) || !rs_get_varint(r, UINT64_MAX, &version) || !rs_get_bytes(r, &name) ||
      !rs_get_bytes(r, &content))
    return false;
  if (flags > 1)
    return false;
  if (flags == 1 && (name.len || content.len))
    return false;
  if (flags == 0 && g_hash_table_contains(s->by_name, &name))
    return false;
  files_entry *e = files_entry_new(key, name);
  e->deleted = flags == 1;
  e->version = version;
  if (!e->deleted)
    files_set_content(e, content, version);
  files_insert(s, e);
  return true;
}

/* Replaces the state with a snapshot's. The new state is built aside and swapped in only when
 * every byte checked out, so a malformed snapshot leaves the old state untouched. */
static bool files_restore(void *state, const uint8_t *buf, size_t len)
{
  files_state *s = state, fresh;
  files_tables(&fresh);
  if (!app_get_snapshot(buf, len, FILES_SNAPSHOT_MAGIC, FILES_SNAPSHOT_VERSION, &fresh, files_get_entry)) {
    files_drop_tables(&fresh);
    return false;
  }
  files_drop_tables(s);
  *s = fresh;
  return true;
}

/* Replays a snapshot as the writes and deletes that make it, in key order. */
static bool files_replay(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version),
                         void *arg)
{
  files_state other;
  files_tables(&other);
  bool ok = app_get_snapshot(buf, len, FILES_SNAPSHOT_MAGIC, FILES_SNAPSHOT_VERSION, &other, files_get_entry);
  GPtrArray *entries = ok ? app_sorted_values(other.by_key) : NULL;
  for (guint i = 0; entries && i < entries->len; i++) {
    const files_entry *e = g_ptr_array_index(entries, i);
    rs_op op = {.kind = e->deleted ? RS_OP_DELETE : RS_OP_WRITE, .key = e->key};
    if (!e->deleted) {
      op.name = e->name;
      op.value = (rs_bytes){e->content->str, (uint32_t)e->content->len};
    }
    fn(arg, &op, e->version);
  }
  if (entries)
    g_ptr_array_free(entries, TRUE);
  files_drop_tables(&other);
  return ok;
}

/* A live file is installed by a write of its name and content, a tombstone by a delete; a uuid
 * nobody wrote has nothing to install. */
static bool files_repair(const rs_op *read, const rs_result *res, rs_op *out)
{
  if (res->version == 0)
    return false;
  if (res->status == RS_ST_FILE_ALREADY_DELETED) {
    *out = (rs_op){.kind = RS_OP_DELETE, .key = read->key};
    return true;
  }
  if (res->status != RS_ST_SUCCESS)
    return false;
  *out = (rs_op){.kind = RS_OP_WRITE, .key = read->key, .name = res->name, .value = res->value};
  return true;
}

/* ---- digest and merge ---- */

static uint64_t files_entry_hash(gconstpointer p)
{
  const files_entry *e = p;
  uint64_t h = APP_FNV_SEED;
  uint8_t deleted = e->deleted;
  h = app_hash_field(h, e->key.ptr, e->key.len);
  h = app_hash_field(h, e->name.ptr, e->name.len);
  h = app_hash_field(h, e->content ? e->content->str : NULL, e->content ? e->content->len : 0);
  h = app_hash_u64(h, e->version);
  h = app_fnv(h, &deleted, 1);
  return app_mix(h);
}

/* The sum of per-entry hashes: O(total bytes), independent of insertion order and of the hash
 * table's layout, so two replicas with equal states agree however they got there. */
static uint64_t files_digest(void *state)
{
  files_state *s = state;
  return app_digest(s->by_key, files_entry_hash);
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
    .read_kind = RS_OP_READ,
    .create = files_create,
    .destroy = files_destroy,
    .execute = files_execute,
    .snapshot = files_snapshot,
    .restore = files_restore,
    .digest = files_digest,
    .newer = files_newer,
    .replay = files_replay,
    .repair = files_repair,
};
