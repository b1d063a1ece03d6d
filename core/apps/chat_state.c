/* The chat application's state: accounts and messages made and freed, snapshots, digests, the store's view. */
#include "chat_internal.h"

#include <string.h>

rs_bytes chat_view(const char *s)
{
  return rs_bytes_str(s);
}

static char *dup_bytes(rs_bytes b)
{
  return g_strndup(b.ptr ? b.ptr : "", b.len);
}

static void msg_free(gpointer p)
{
  chat_msg *m = p;
  g_free(m->id);
  g_free(m->sender);
  g_free(m->body);
  g_free(m->timestamp);
  g_free(m);
}

static void user_free(gpointer p)
{
  chat_user *u = p;
  g_free((char *)u->key.ptr);
  g_string_free(u->password, TRUE);
  g_ptr_array_free(u->msgs, TRUE);
  g_free(u);
}

GHashTable *chat_user_table(void)
{
  return g_hash_table_new_full(app_bytes_hash, app_bytes_equal, NULL, user_free);
}

chat_user *chat_add_user(GHashTable *users, rs_bytes key, rs_bytes password)
{
  chat_user *u = g_new0(chat_user, 1);
  u->key = app_dup(key);
  u->password = g_string_new_len(password.ptr ? password.ptr : "", password.len);
  u->msgs = g_ptr_array_new_with_free_func(msg_free);
  g_hash_table_insert(users, &u->key, u);
  return u;
}

chat_msg *chat_add_msg(chat_user *u, const rs_chat_message *m)
{
  chat_msg *x = g_new0(chat_msg, 1);
  x->id = dup_bytes(m->id);
  x->sender = dup_bytes(m->sender);
  x->body = dup_bytes(m->body);
  x->timestamp = dup_bytes(m->timestamp);
  x->instant = m->instant;
  g_ptr_array_add(u->msgs, x);
  return x;
}

/* ---- snapshot and restore ---- */

/* After the username: password, message count, delivered count, then per message its id,
 * sender, body, timestamp and instant flag. */
static void put_user(GByteArray *out, gconstpointer p)
{
  const chat_user *u = p;
  rs_put_bytes(out, u->password->str, u->password->len);
  rs_put_varint(out, u->msgs->len);
  rs_put_varint(out, u->delivered);
  for (guint i = 0; i < u->msgs->len; i++) {
    const chat_msg *m = g_ptr_array_index(u->msgs, i);
    rs_put_bytes(out, m->id, strlen(m->id));
    rs_put_bytes(out, m->sender, strlen(m->sender));
    rs_put_bytes(out, m->body, strlen(m->body));
    rs_put_bytes(out, m->timestamp, strlen(m->timestamp));
    rs_put_varint(out, m->instant);
  }
}

void chat_snapshot(void *state, GByteArray *out)
{
  chat_state *s = state;
  app_put_snapshot(out, s->users, CHAT_SNAPSHOT_MAGIC, CHAT_SNAPSHOT_VERSION, put_user);
}

static bool get_user(rs_reader *r, void *into, rs_bytes key)
{
  rs_bytes password;
  uint64_t n, delivered;
  if (!rs_get_bytes(r, &password) || !rs_get_varint(r, UINT32_MAX, &n) || !rs_get_varint(r, n, &delivered))
    return false;
  chat_user *u = chat_add_user(into, key, password);
  for (uint64_t i = 0; i < n; i++) {
    rs_chat_message m = {0};
    uint64_t instant;
    if (!rs_get_bytes(r, &m.id) || !rs_get_bytes(r, &m.sender) || !rs_get_bytes(r, &m.body) ||
        !rs_get_bytes(r, &m.timestamp) || !rs_get_varint(r, 1, &instant))
      return false;
    m.instant = instant;
    chat_add_msg(u, &m);
  }
  u->delivered = (guint)delivered;
  return true;
}

/* Built aside and swapped in only when every byte checked out. */
bool chat_restore(void *state, const uint8_t *buf, size_t len)
{
  chat_state *s = state;
  GHashTable *fresh = chat_user_table();
  if (!app_get_snapshot(buf, len, CHAT_SNAPSHOT_MAGIC, CHAT_SNAPSHOT_VERSION, fresh, get_user)) {
    g_hash_table_destroy(fresh);
    return false;
  }
  g_hash_table_destroy(s->users);
  s->users = fresh;
  return true;
}

/* The updates that make a snapshot, per account: its register, its messages' sends (stamped
 * with their instant flag and timestamp) and, where the delivered ones end, a fetch. Chat runs
 * only under primary-backup (state transfer moves snapshots whole), so this serves tools that
 * read a state as updates; uuids are re-derived from the versions it is given. */
bool chat_replay(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version),
                        void *arg)
{
  GHashTable *other = chat_user_table();
  bool ok = app_get_snapshot(buf, len, CHAT_SNAPSHOT_MAGIC, CHAT_SNAPSHOT_VERSION, other, get_user);
  GPtrArray *all = ok ? app_sorted_values(other) : NULL;
  GString *stamp = g_string_new(NULL);
  uint64_t version = 0;
  for (guint i = 0; all && i < all->len; i++) {
    const chat_user *u = g_ptr_array_index(all, i);
    rs_op reg = {.kind = RS_OP_REGISTER, .key = u->key, .value = {u->password->str, (uint32_t)u->password->len}};
    fn(arg, &reg, ++version);
    for (guint k = 0; k <= u->msgs->len; k++) {
      if (k == u->delivered && k > 0) {
        rs_op fetch = {.kind = RS_OP_FETCH, .key = u->key};
        fn(arg, &fetch, ++version);
      }
      if (k == u->msgs->len)
        break;
      const chat_msg *m = g_ptr_array_index(u->msgs, k);
      g_string_printf(stamp, "%c %s", m->instant ? '1' : '0', m->timestamp);
      rs_op send = {.kind = RS_OP_SEND, .key = u->key, .name = chat_view(m->sender), .value = chat_view(m->body),
                    .expected = chat_view(stamp->str)};
      fn(arg, &send, ++version);
    }
  }
  g_string_free(stamp, TRUE);
  if (all)
    g_ptr_array_free(all, TRUE);
  g_hash_table_destroy(other);
  return ok;
}

bool chat_repair(const rs_op *read, const rs_result *res, rs_op *out)
{
  (void)read;
  (void)res;
  (void)out;
  return false;
}

/* ---- digest ---- */

static uint64_t user_hash(gconstpointer p)
{
  const chat_user *u = p;
  uint64_t h = app_hash_field(APP_FNV_SEED, u->key.ptr, u->key.len);
  h = app_hash_field(h, u->password->str, u->password->len);
  h = app_hash_u64(h, u->delivered);
  for (guint i = 0; i < u->msgs->len; i++) {
    const chat_msg *m = g_ptr_array_index(u->msgs, i);
    h = app_hash_field(h, m->id, strlen(m->id));
    h = app_hash_field(h, m->sender, strlen(m->sender));
    h = app_hash_field(h, m->body, strlen(m->body));
    h = app_hash_field(h, m->timestamp, strlen(m->timestamp));
    h = app_hash_u64(h, m->instant);
  }
  return app_mix(h);
}

uint64_t chat_digest(void *state)
{
  chat_state *s = state;
  return app_digest(s->users, user_hash);
}

bool chat_newer(const rs_result *a, const rs_result *b)
{
  if (a->version != b->version)
    return a->version > b->version;
  return a->status == RS_ST_SUCCESS && b->status != RS_ST_SUCCESS;
}

/* ---- the store's view (chat.h) ---- */

static void to_message(const chat_user *u, guint i, rs_chat_message *out)
{
  const chat_msg *m = g_ptr_array_index(u->msgs, i);
  *out = (rs_chat_message){.id = chat_view(m->id), .sender = chat_view(m->sender), .body = chat_view(m->body),
                           .timestamp = chat_view(m->timestamp), .delivered = i < u->delivered,
                           .instant = m->instant};
}

void rs_chat_each(void *state, rs_chat_user_fn user_fn, rs_chat_message_fn msg_fn, void *arg)
{
  chat_state *s = state;
  GPtrArray *all = app_sorted_values(s->users);
  for (guint i = 0; i < all->len; i++) {
    const chat_user *u = g_ptr_array_index(all, i);
    user_fn(arg, u->key, (rs_bytes){u->password->str, (uint32_t)u->password->len});
    for (guint k = 0; k < u->msgs->len; k++) {
      rs_chat_message m;
      to_message(u, k, &m);
      msg_fn(arg, u->key, &m);
    }
  }
  g_ptr_array_free(all, TRUE);
}

bool rs_chat_newest(void *state, rs_bytes recipient, rs_chat_message *out)
{
  chat_state *s = state;
  const chat_user *u = app_lookup(s->users, recipient);
  if (!u || u->msgs->len == 0)
    return false;
  to_message(u, u->msgs->len - 1, out);
  return true;
}

void rs_chat_add_user(void *state, rs_bytes username, rs_bytes password)
{
  chat_state *s = state;
  if (!app_lookup(s->users, username))
    chat_add_user(s->users, app_text(username), password);
}

bool rs_chat_add_message(void *state, rs_bytes recipient, const rs_chat_message *m)
{
  chat_state *s = state;
  chat_user *u = app_lookup(s->users, recipient);
  if (!u || (m->delivered && u->delivered < u->msgs->len))
    return false;
  chat_add_msg(u, m);
  if (m->delivered)
    u->delivered = u->msgs->len;
  return true;
}

