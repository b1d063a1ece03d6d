/* The `files` layout (seed 004): each live file is a text file named by its filename in the
 * replica's folder; `.replsim-meta` beside them holds the uuid map (uuid -> filename, version,
 * deleted, a checksum of the content), the update index, the epoch and the at-most-once table.
 * A change is made durable in this order, so a crash at any point leaves a folder that recovery
 * turns into the state before or after the change:
 *   1. a new content goes to `.pending-NAME` (fsync);
 *   2. the metadata is replaced atomically (temporary file, fsync, rename, fsync of the folder):
 *      the change is durable now, and may be acknowledged;
 *   3. `.pending-NAME` is renamed to NAME, and the file a rename or delete retired is removed.
 * Recovery finishes step 3 when a pending file matches the metadata's checksum. Filenames are
 * kept as written when they are plain ([A-Za-z0-9_.-], not starting with a dot); other bytes are
 * written %XX, so no filename can reach outside the folder or clash with replsim's own files,
 * which all start with a dot. */
#include "store_internal.h"

#include "core/dedup.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define META_MAGIC "RSMETA1"
#define META_FILE ".replsim-meta"
#define NAME_MAX_BYTES 200

typedef struct meta_entry {
  st_entry *e;     /* without content */
  uint64_t sum;    /* of the content (live files) */
  char *file;      /* the on-disk name (live files), else NULL */
} meta_entry;

typedef struct files_store {
  GHashTable *map; /* uuid -> meta_entry* */
  st_entry *scratch;
} files_store;

static void meta_free(gpointer p)
{
  meta_entry *m = p;
  st_entry_free(m->e);
  g_free(m->file);
  g_free(m);
}

/* The on-disk name of a filename (see the top of the file). */
static char *encode_name(const GString *name)
{
  GString *out = g_string_new(NULL);
  for (gsize i = 0; i < name->len; i++) {
    unsigned char c = (unsigned char)name->str[i];
    if (g_ascii_isalnum(c) || c == '_' || c == '-' || (c == '.' && i > 0))
      g_string_append_c(out, (char)c);
    else
      g_string_append_printf(out, "%%%02X", c);
  }
  if (out->len == 0)
    g_string_append_c(out, '%'); /* an empty filename: no encoding ends in a lone % otherwise */
  if (out->len > NAME_MAX_BYTES) {
    g_string_truncate(out, NAME_MAX_BYTES);
    g_string_append_printf(out, "~%016" G_GINT64_MODIFIER "x", (guint64)st_sum(name->str, name->len));
  }
  return g_string_free(out, FALSE);
}

static char *in_dir(const net_store *s, const char *prefix, const char *name)
{
  return g_strdup_printf("%s/%s%s", s->dir, prefix, name);
}

/* The map's keys (owned array, borrowed strings). */
static GPtrArray *keys_of(GHashTable *map)
{
  GPtrArray *keys = g_ptr_array_new();
  GHashTableIter it;
  gpointer k;
  g_hash_table_iter_init(&it, map);
  while (g_hash_table_iter_next(&it, &k, NULL))
    g_ptr_array_add(keys, k);
  return keys;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Writes a new content to its pending file and syncs it (step 1). */
static bool write_pending(net_store *s, const char *file, const GString *content, char **err)
{
  char *name = g_strdup_printf(".pending-%s", file);
  char *path = in_dir(s, "", name);
  GError *e = NULL;
  bool ok = g_file_set_contents_full(path, content->str, (gssize)content->len, G_FILE_SET_CONTENTS_CONSISTENT |
                                     G_FILE_SET_CONTENTS_DURABLE, 0644, &e);
  if (!ok) {
    *err = g_strdup_printf("%s: %s", path, e->message);
    g_error_free(e);
  }
  g_free(path);
  g_free(name);
  return ok;
}

/* Step 2: the metadata, atomically. */
static bool write_meta(net_store *s, const rs_store *store, char **err)
{
  files_store *f = s->impl;
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, (const guint8 *)META_MAGIC, 8);
  rs_put_le(b, store->last_index, 8);
  rs_put_le(b, store->epoch, 8);
  GPtrArray *keys = keys_of(f->map);
  g_ptr_array_sort(keys, cmp_str);
  rs_put_varint(b, keys->len);
  for (guint i = 0; i < keys->len; i++) {
    const meta_entry *m = g_hash_table_lookup(f->map, g_ptr_array_index(keys, i));
    st_put_entry(b, m->e);
    rs_put_le(b, m->sum, 8);
  }
  g_ptr_array_free(keys, TRUE);
  GByteArray *dedup = g_byte_array_new();
  rs_dedup_snapshot(store->dedup, dedup);
  rs_put_le(b, dedup->len, 8);
  g_byte_array_append(b, dedup->data, dedup->len);
  g_byte_array_free(dedup, TRUE);
  rs_put_le(b, st_sum(b->data, b->len), 8);
  bool ok = st_write_atomic(s->dir, META_FILE, b->data, b->len, err);
  g_byte_array_free(b, TRUE);
  return ok;
}

/* Step 3 for one file: the pending content takes its place. */
static bool settle(net_store *s, const char *file, char **err)
{
  char *pending = g_strdup_printf("%s/.pending-%s", s->dir, file);
  char *path = in_dir(s, "", file);
  bool ok = g_rename(pending, path) == 0;
  if (!ok)
    *err = g_strdup_printf("%s: cannot rename: %s", pending, g_strerror(errno));
  g_free(pending);
  g_free(path);
  return ok;
}

static void retire(net_store *s, const char *file)
{
  char *path = in_dir(s, "", file);
  g_unlink(path);
  g_free(path);
}

/* Brings the map and the folder to `now` for the keys in `changed` (st_entry*, with content):
 * the three steps above. */
static bool apply(net_store *s, const rs_store *store, GPtrArray *changed, char **err)
{
  files_store *f = s->impl;
  GPtrArray *settle_files = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *retired = g_ptr_array_new_with_free_func(g_free);
  bool ok = true;
  for (guint i = 0; ok && i < changed->len; i++) {
    const st_entry *e = g_ptr_array_index(changed, i);
    meta_entry *old = g_hash_table_lookup(f->map, e->key->str);
    char *file = e->kind == RS_OP_WRITE ? encode_name(e->name) : NULL;
    uint64_t sum = e->kind == RS_OP_WRITE ? st_sum(e->value->str, e->value->len) : 0;
    if (file && (!old || g_strcmp0(old->file, file) != 0 || old->sum != sum)) {
      ok = write_pending(s, file, e->value, err);
      g_ptr_array_add(settle_files, g_strdup(file));
    }
    if (old && old->file && g_strcmp0(old->file, file) != 0)
      g_ptr_array_add(retired, g_strdup(old->file));
    if (e->kind == RS_OP_NONE) {
      g_free(file);
      g_hash_table_remove(f->map, e->key->str);
      continue;
    }
    meta_entry *m = g_new0(meta_entry, 1);
    m->e = st_entry_new();
    m->e->kind = e->kind;
    g_string_assign(m->e->key, e->key->str);
    g_string_assign(m->e->name, e->name->str);
    m->e->version = e->version;
    m->sum = sum;
    m->file = file;
    g_hash_table_replace(f->map, m->e->key->str, m);
  }
  ok = ok && write_meta(s, store, err);
  for (guint i = 0; ok && i < settle_files->len; i++)
    ok = settle(s, g_ptr_array_index(settle_files, i), err);
  /* A retired name another entry took in the same change is that entry's file now. */
  for (guint i = 0; ok && i < retired->len; i++) {
    bool taken = false;
    for (guint k = 0; k < settle_files->len; k++)
      taken = taken || strcmp(g_ptr_array_index(settle_files, k), g_ptr_array_index(retired, i)) == 0;
    if (!taken)
      retire(s, g_ptr_array_index(retired, i));
  }
  g_ptr_array_free(settle_files, TRUE);
  g_ptr_array_free(retired, TRUE);
  return ok;
}

static bool files_persist(net_store *s, const rs_persist *rec, char **err)
{
  files_store *f = s->impl;
  GPtrArray *changed = g_ptr_array_new_with_free_func(st_entry_free);
  if (rec->kind == RS_PERSIST_STATE) {
    GPtrArray *all = st_entries(rec->store);
    GHashTable *live = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < all->len; i++)
      g_hash_table_add(live, ((st_entry *)g_ptr_array_index(all, i))->key->str);
    GPtrArray *gone = keys_of(f->map);
    for (guint i = 0; i < gone->len; i++)
      if (!g_hash_table_contains(live, g_ptr_array_index(gone, i))) {
        st_entry *none = st_entry_new();
        g_string_assign(none->key, g_ptr_array_index(gone, i));
        g_ptr_array_add(changed, none);
      }
    g_ptr_array_free(gone, TRUE);
    g_hash_table_destroy(live);
    for (guint i = 0; i < all->len; i++) {
      g_ptr_array_add(changed, g_ptr_array_index(all, i));
      g_ptr_array_index(all, i) = NULL;
    }
    g_ptr_array_free(all, TRUE);
  } else if (rec->kind == RS_PERSIST_OP && rec->op && rs_op_is_update(rec->op->kind)) {
    st_entry *e = st_entry_new();
    st_entry_read(rec->store, rec->op->key, e);
    g_ptr_array_add(changed, e);
  }
  (void)f;
  bool ok = apply(s, rec->store, changed, err);
  g_ptr_array_free(changed, TRUE);
  return ok;
}

/* Removes what a crash left of replsim's own temporary files. */
static void sweep(net_store *s)
{
  GDir *d = g_dir_open(s->dir, 0, NULL);
  const char *name;
  GPtrArray *doomed = g_ptr_array_new_with_free_func(g_free);
  while (d && (name = g_dir_read_name(d)))
    if (g_str_has_prefix(name, ".pending-") || g_str_has_prefix(name, ".tmp-"))
      g_ptr_array_add(doomed, in_dir(s, "", name));
  if (d)
    g_dir_close(d);
  for (guint i = 0; i < doomed->len; i++)
    g_unlink(g_ptr_array_index(doomed, i));
  g_ptr_array_free(doomed, TRUE);
}

/* A live file's content, finishing step 3 if a crash came between steps 2 and 3. */
static bool load_content(net_store *s, meta_entry *m, GString *content, char **err)
{
  char *pending = g_strdup_printf("%s/.pending-%s", s->dir, m->file);
  char *path = in_dir(s, "", m->file);
  gchar *data = NULL;
  gsize len = 0;
  if (g_file_get_contents(pending, &data, &len, NULL) && st_sum(data, len) == m->sum)
    g_rename(pending, path);
  g_free(data);
  data = NULL;
  bool ok = g_file_get_contents(path, &data, &len, NULL) && st_sum(data, len) == m->sum;
  if (ok)
  {
    g_string_truncate(content, 0);
    g_string_append_len(content, data, (gssize)len);
  }
  else
    *err = g_strdup_printf("%s: missing, or not the content the store recorded (%s)", path, META_FILE);
  g_free(data);
  g_free(pending);
  g_free(path);
  return ok;
}

static bool read_meta(net_store *s, rs_store *store, bool *recovered, char **err)
{
  files_store *f = s->impl;
  char *path = in_dir(s, "", META_FILE);
  gchar *data = NULL;
  gsize len = 0;
  *recovered = false;
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    g_free(path);
    return true;
  }
  bool ok = g_file_get_contents(path, &data, &len, NULL) && len >= 16;
  uint64_t index = 0, epoch = 0, count = 0, dlen = 0, sum = 0;
  const uint8_t *magic = NULL, *dedup = NULL;
  rs_reader r = rs_reader_of((const uint8_t *)data, ok ? len - 8 : 0);
  ok = ok && rs_get_raw(&r, 8, &magic) && memcmp(magic, META_MAGIC, 8) == 0 && rs_get_le(&r, 8, &index) &&
       rs_get_le(&r, 8, &epoch) && rs_get_varint(&r, UINT32_MAX, &count);
  if (ok) {
    rs_reader tail = rs_reader_of((const uint8_t *)data + len - 8, 8);
    ok = rs_get_le(&tail, 8, &sum) && sum == st_sum(data, len - 8);
  }
  GHashTable *entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, st_entry_free);
  for (uint64_t i = 0; ok && i < count; i++) {
    meta_entry *m = g_new0(meta_entry, 1);
    m->e = st_entry_new();
    ok = st_get_entry(&r, m->e) && rs_get_le(&r, 8, &m->sum);
    if (ok && m->e->kind == RS_OP_WRITE)
      m->file = encode_name(m->e->name);
    g_hash_table_replace(f->map, m->e->key->str, m);
    if (!ok)
      break;
    st_entry *full = st_entry_new();
    full->kind = m->e->kind;
    g_string_assign(full->key, m->e->key->str);
    g_string_assign(full->name, m->e->name->str);
    full->version = m->e->version;
    g_hash_table_replace(entries, full->key->str, full);
    if (m->file && !load_content(s, m, full->value, err)) {
      g_hash_table_destroy(entries);
      g_free(data);
      g_free(path);
      return false;
    }
  }
  ok = ok && rs_get_le(&r, 8, &dlen) && rs_get_raw(&r, (size_t)dlen, &dedup) && r.p == r.end &&
       rs_dedup_restore(store->dedup, dedup, (size_t)dlen);
  if (ok) {
    st_rebuild_app(store, entries);
    store->last_index = index;
    store->epoch = epoch;
    *recovered = true;
  } else {
    *err = g_strdup_printf("%s: corrupt", path);
  }
  g_hash_table_destroy(entries);
  g_free(data);
  g_free(path);
  return ok;
}

static void files_close(net_store *s)
{
  files_store *f = s->impl;
  if (!f)
    return;
  g_hash_table_destroy(f->map);
  st_entry_free(f->scratch);
  g_free(f);
  s->impl = NULL;
}

static bool files_open(net_store *s, rs_store *store, bool *recovered, char **err)
{
  files_store *f = g_new0(files_store, 1);
  f->map = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, meta_free);
  f->scratch = st_entry_new();
  s->impl = f;
  if (!read_meta(s, store, recovered, err)) {
    files_close(s);
    return false;
  }
  sweep(s);
  return true;
}

const st_layout st_files_layout = {.open = files_open, .persist = files_persist, .close = files_close};
