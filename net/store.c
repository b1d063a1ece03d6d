/* The on-disk store's common part: the folder's marker (replsim never uses, nor deletes in, a
 * folder it did not make), atomic file writes, and entries read out of and rebuilt into a store. */
#include "store_internal.h"

#include "core/apps/app_util.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#define MARKER ".replsim-store"

st_entry *st_entry_new(void)
{
  st_entry *e = g_new0(st_entry, 1);
  e->key = g_string_new(NULL);
  e->name = g_string_new(NULL);
  e->value = g_string_new(NULL);
  return e;
}

void st_entry_free(gpointer p)
{
  st_entry *e = p;
  if (!e)
    return;
  g_string_free(e->key, TRUE);
  g_string_free(e->name, TRUE);
  g_string_free(e->value, TRUE);
  g_free(e);
}

static void set(GString *s, rs_bytes b)
{
  g_string_truncate(s, 0);
  if (b.ptr)
    g_string_append_len(s, b.ptr, b.len);
}

/* A read of the key answers the whole entry: files' name, content and version, or a
 * tombstone's version; kv's value and version, or null when absent. */
void st_entry_read(const rs_store *s, rs_bytes key, st_entry *out)
{
  const rs_app_ops *ops = s->app->ops;
  if (ops->entry) {
    rs_op whole;
    set(out->key, key);
    out->kind = RS_OP_NONE;
    out->version = 0;
    g_string_truncate(out->name, 0);
    g_string_truncate(out->value, 0);
    if (ops->entry(s->app->state, key, &whole, &out->version)) {
      out->kind = whole.kind;
      set(out->name, whole.name);
      set(out->value, whole.value);
    }
    return;
  }
  rs_op read = {.kind = ops->read_kind, .key = key};
  rs_result res;
  ops->execute(s->app->state, &read, 0, RS_APPLY_ORDERED, &res);
  set(out->key, key);
  g_string_truncate(out->name, 0);
  g_string_truncate(out->value, 0);
  out->version = res.version;
  out->kind = RS_OP_NONE;
  if (ops->read_kind == RS_OP_READ) {
    if (res.status == RS_ST_SUCCESS) {
      out->kind = RS_OP_WRITE;
      set(out->name, res.name);
      set(out->value, res.value);
    } else if (res.status == RS_ST_FILE_ALREADY_DELETED) {
      out->kind = RS_OP_DELETE;
    }
  } else if (res.status == RS_ST_SUCCESS && res.value.ptr) {
    out->kind = RS_OP_PUT;
    set(out->value, res.value);
  }
}

static void collect(void *arg, const rs_op *op, uint64_t version)
{
  st_entry *e = st_entry_new();
  e->kind = op->kind;
  set(e->key, op->key);
  set(e->name, op->name);
  set(e->value, op->value);
  e->version = version;
  g_ptr_array_add(arg, e);
}

GPtrArray *st_entries(const rs_store *s)
{
  GByteArray *snap = g_byte_array_new();
  s->app->ops->snapshot(s->app->state, snap);
  GPtrArray *all = g_ptr_array_new_with_free_func(st_entry_free);
  s->app->ops->replay(snap->data, snap->len, collect, all);
  g_byte_array_free(snap, TRUE);
  return all;
}

static gint by_key(gconstpointer a, gconstpointer b)
{
  const st_entry *x = *(const st_entry *const *)a, *y = *(const st_entry *const *)b;
  gsize n = MIN(x->key->len, y->key->len);
  int c = memcmp(x->key->str, y->key->str, n);
  return c ? c : (x->key->len < y->key->len ? -1 : x->key->len > y->key->len);
}

static rs_bytes view(const GString *s)
{
  return (rs_bytes){s->str, (uint32_t)s->len};
}

/* Each key is made once in an empty state, by the update the application's own replay would
 * use (quorum rules: a delete of an absent key leaves its tombstone), so the state comes out
 * exactly as it was, whatever way it was reached. */
void st_rebuild_app(rs_store *s, GHashTable *entries)
{
  GPtrArray *sorted = g_ptr_array_new();
  GHashTableIter it;
  gpointer k, v;
  g_hash_table_iter_init(&it, entries);
  while (g_hash_table_iter_next(&it, &k, &v))
    if (((st_entry *)v)->kind != RS_OP_NONE)
      g_ptr_array_add(sorted, v);
  g_ptr_array_sort(sorted, by_key);
  rs_app *fresh = rs_app_new(s->app->ops);
  for (guint i = 0; i < sorted->len; i++) {
    const st_entry *e = g_ptr_array_index(sorted, i);
    rs_op op = {.kind = e->kind, .key = view(e->key)};
    if (e->kind != RS_OP_DELETE) {
      op.name = view(e->name);
      op.value = view(e->value);
    }
    rs_result res;
    fresh->ops->execute(fresh->state, &op, e->version, RS_APPLY_QUORUM, &res);
  }
  g_ptr_array_free(sorted, TRUE);
  rs_app_free(s->app);
  s->app = fresh;
}

void st_put_entry(GByteArray *out, const st_entry *e)
{
  rs_put_varint(out, e->kind);
  rs_put_bytes(out, e->key->str, e->key->len);
  rs_put_bytes(out, e->name->str, e->name->len);
  rs_put_bytes(out, e->value->str, e->value->len);
  rs_put_varint(out, e->version);
}

bool st_get_entry(rs_reader *r, st_entry *e)
{
  uint64_t kind;
  rs_bytes key, name, value;
  if (!rs_get_varint(r, RS_OP__COUNT - 1, &kind) || !rs_get_bytes(r, &key) || !rs_get_bytes(r, &name) ||
      !rs_get_bytes(r, &value) || !rs_get_varint(r, UINT64_MAX, &e->version))
    return false;
  e->kind = (uint8_t)kind;
  set(e->key, key);
  set(e->name, name);
  set(e->value, value);
  return true;
}

uint64_t st_sum(const void *data, size_t len)
{
  return app_fnv(APP_FNV_SEED, data, len);
}

bool st_sync_dir(const char *dir, char **err)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY);
  if (fd < 0 || fsync(fd) != 0) {
    *err = g_strdup_printf("%s: cannot sync the folder: %s", dir, g_strerror(errno));
    if (fd >= 0)
      close(fd);
    return false;
  }
  close(fd);
  return true;
}

/* Writes everything or fails. */
static bool write_all(int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    p += n;
    len -= (size_t)n;
  }
  return true;
}

bool st_write_atomic(const char *dir, const char *name, const void *data, size_t len, char **err)
{
  char *tmp = g_strdup_printf("%s/.tmp-%s", dir, name);
  char *path = g_strdup_printf("%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  bool ok = fd >= 0 && write_all(fd, data, len) && fdatasync(fd) == 0;
  if (fd >= 0 && close(fd) != 0)
    ok = false;
  ok = ok && rename(tmp, path) == 0;
  if (!ok) {
    *err = g_strdup_printf("%s: cannot write: %s", path, g_strerror(errno));
    g_unlink(tmp);
  }
  g_free(tmp);
  g_free(path);
  return ok && st_sync_dir(dir, err);
}

/* The marker says whose store a folder is; a folder without one is used only when empty. */
static bool check_folder(const char *dir, const char *node, const rs_app_ops *app, net_store_error *error, char **err)
{
  char *marker = g_strdup_printf("%s/" MARKER, dir);
  char *want = g_strdup_printf("replsim store 1\nnode %s\napp %s\n", node, app->name);
  gchar *have = NULL;
  bool ok = true;
  if (g_file_get_contents(marker, &have, NULL, NULL)) {
    if (strcmp(have, want) != 0) {
      *err = g_strdup_printf("%s: this replsim store belongs to another node or application (%s says: %s); "
                             "refusing to use it", dir, MARKER, g_strdelimit(have, "\n", ' '));
      *error = NET_STORE_BAD_INPUT;
      ok = false;
    }
  } else {
    GDir *d = g_dir_open(dir, 0, NULL);
    bool empty = true;
    if (d) {
      empty = g_dir_read_name(d) == NULL;
      g_dir_close(d);
    } else if (g_mkdir_with_parents(dir, 0755) != 0) {
      *err = g_strdup_printf("%s: cannot make the folder: %s", dir, g_strerror(errno));
      *error = NET_STORE_FAILED;
      ok = false;
    }
    if (ok && !empty) {
      *err = g_strdup_printf("%s: not a replsim store (no %s in it, and it is not empty): refusing to use it",
                             dir, MARKER);
      *error = NET_STORE_BAD_INPUT;
      ok = false;
    }
    if (ok && !st_write_atomic(dir, MARKER, want, strlen(want), err)) {
      *error = NET_STORE_FAILED;
      ok = false;
    }
  }
  g_free(have);
  g_free(want);
  g_free(marker);
  return ok;
}

net_store *net_store_open(const char *dir, const char *node, const rs_app_ops *app, rs_store **out, bool *recovered,
                          net_store_error *error, char **err)
{
  *error = NET_STORE_OK;
  *out = NULL;
  *recovered = false;
  if (g_file_test(dir, G_FILE_TEST_EXISTS) && !g_file_test(dir, G_FILE_TEST_IS_DIR)) {
    *err = g_strdup_printf("%s: not a folder", dir);
    *error = NET_STORE_BAD_INPUT;
    return NULL;
  }
  if (!check_folder(dir, node, app, error, err))
    return NULL;
  net_store *s = g_new0(net_store, 1);
  s->dir = g_strdup(dir);
  s->app = app;
  s->layout = app == &rs_app_files ? &st_files_layout : app == &rs_app_chat ? &st_chat_layout : &st_log_layout;
  rs_store *store = rs_store_new(app);
  if (!s->layout->open(s, store, recovered, err)) {
    *error = NET_STORE_FAILED;
    rs_store_free(store);
    g_free(s->dir);
    g_free(s);
    return NULL;
  }
  *out = store;
  return s;
}

bool net_store_write(net_store *s, const rs_persist *rec, bool *durable, char **err)
{
  if (!s->layout->persist(s, rec, err))
    return false;
  *durable = s->layout->sync == NULL;
  return true;
}

bool net_store_sync(net_store *s, char **err)
{
  return !s->layout->sync || s->layout->sync(s, err);
}

bool net_store_persist(net_store *s, const rs_persist *rec, char **err)
{
  bool durable = false;
  return net_store_write(s, rec, &durable, err) && (durable || net_store_sync(s, err));
}

void net_store_close(net_store *s)
{
  if (!s)
    return;
  s->layout->close(s);
  g_free(s->dir);
  g_free(s);
}

const char *net_store_dir(const net_store *s)
{
  return s->dir;
}
