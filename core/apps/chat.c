/* The `chat` application (seed 003): accounts and per-recipient message queues, fetched oldest first. */
#include "chat.h"
#include "app_util.h"

#include <stdio.h>
#include <string.h>

/* One message. Owned strings; its uuid comes from its update number (deterministic). */
typedef struct chat_msg {
  char *id, *sender, *body, *timestamp;
  bool instant;
} chat_msg;

/* One account: its messages oldest first, the first `delivered` of them fetched already (a
 * fetch takes every undelivered one, so the delivered ones are always a prefix). */
typedef struct chat_user {
  rs_bytes key; /* owned, NUL-terminated */
  GString *password;
  GPtrArray *msgs; /* chat_msg*, owned */
  guint delivered;
} chat_user;

typedef struct chat_state {
  GHashTable *users; /* &user->key -> user, owns the users */
  GString *answer;   /* the last answer's value (results point into it) */
} chat_state;

#define CHAT_SNAPSHOT_MAGIC 'C'
#define CHAT_SNAPSHOT_VERSION 1
#define CHAT_SEP '|' /* fetch and list answers: the texts (names) joined by it */

static rs_bytes view(const char *s)
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

static GHashTable *user_table(void)
{
  return g_hash_table_new_full(app_bytes_hash, app_bytes_equal, NULL, user_free);
}

static chat_user *add_user(GHashTable *users, rs_bytes key, rs_bytes password)
{
  chat_user *u = g_new0(chat_user, 1);
  u->key = app_dup(key);
  u->password = g_string_new_len(password.ptr ? password.ptr : "", password.len);
  u->msgs = g_ptr_array_new_with_free_func(msg_free);
  g_hash_table_insert(users, &u->key, u);
  return u;
}

static chat_msg *add_msg(chat_user *u, const rs_chat_message *m)
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

/* ---- the leader's stamp and the uuid ---- */

/* Reads a send's stamp (chat.h): instant flag and timestamp; an unstamped send gets "0". */
static void read_stamp(rs_bytes expected, bool *instant, GString *ts)
{
  *instant = expected.len > 0 && expected.ptr[0] == '1';
  g_string_assign(ts, "0.000000");
  if (expected.len > 2 && expected.ptr[1] == ' ') {
    g_string_truncate(ts, 0);
    g_string_append_len(ts, expected.ptr + 2, expected.len - 2);
  }
}

/* A version-4-shaped uuid from the update number and the message: the same on every replica,
 * different for every message of a run (the update number alone is). */
static void make_uuid(uint64_t version, const rs_op *op, GString *out)
{
  uint64_t h = app_hash_u64(APP_FNV_SEED, version);
  h = app_hash_field(h, op->key.ptr, op->key.len);
  h = app_hash_field(h, op->name.ptr, op->name.len);
  uint64_t a = app_mix(app_hash_field(h, op->value.ptr, op->value.len));
  uint64_t b = app_mix(a ^ version);
  g_string_printf(out, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffffu,
                  (unsigned)a & 0xfffu, (unsigned)(0x8000u | ((b >> 48) & 0x3fffu)),
                  (unsigned long long)(b & 0xffffffffffffULL));
}

static bool chat_stamp(const rs_op *op, double wall, GString *buf, rs_op *out)
{
  if (op->kind != RS_OP_SEND)
    return false;
  bool instant = op->expected.len > 0 && op->expected.ptr[0] == '1';
  g_string_printf(buf, "%c %.6f", instant ? '1' : '0', wall);
  *out = *op;
  out->expected = (rs_bytes){buf->str, (uint32_t)buf->len};
  return true;
}

/* ---- operations ---- */

static void answer(chat_state *s, rs_result *out)
{
  out->value = (rs_bytes){s->answer->str, (uint32_t)s->answer->len};
}

/* The empty name and RS_CHAT_ACCOUNTS name no account (a list's key): BAD REQUEST. */
static void chat_register(chat_state *s, const rs_op *op, uint64_t version, rs_result *out)
{
  if (op->key.len == 0 || rs_bytes_eq_str(op->key, RS_CHAT_ACCOUNTS)) {
    out->status = RS_ST_BAD_REQUEST;
    return;
  }
  if (app_lookup(s->users, op->key)) {
    out->status = RS_ST_USER_EXISTS;
    return;
  }
  add_user(s->users, app_text(op->key), op->value);
  out->status = RS_ST_SUCCESS;
  out->version = version;
}

/* Answers "UUID TIMESTAMP". The sender need not be registered: the state of one account then
 * depends on that account's operations alone, which lets the checker split by account. */
static void chat_send(chat_state *s, const rs_op *op, uint64_t version, rs_result *out)
{
  chat_user *u = app_lookup(s->users, op->key);
  if (!u) {
    out->status = RS_ST_USER_DOES_NOT_EXIST;
    return;
  }
  GString *id = g_string_new(NULL), *ts = g_string_new(NULL);
  bool instant;
  read_stamp(op->expected, &instant, ts);
  make_uuid(version, op, id);
  rs_chat_message m = {.id = view(id->str), .sender = app_text(op->name), .body = app_text(op->value),
                       .timestamp = view(ts->str), .instant = instant};
  add_msg(u, &m);
  g_string_printf(s->answer, "%s %s", id->str, ts->str);
  g_string_free(id, TRUE);
  g_string_free(ts, TRUE);
  out->status = RS_ST_SUCCESS;
  out->version = version;
  answer(s, out);
}

/* The texts of messages [from, len) joined by CHAT_SEP (an empty answer is "", not null). */
static void join_bodies(chat_state *s, const chat_user *u, guint from)
{
  g_string_truncate(s->answer, 0);
  for (guint i = from; i < u->msgs->len; i++) {
    if (i > from)
      g_string_append_c(s->answer, CHAT_SEP);
    g_string_append(s->answer, ((chat_msg *)g_ptr_array_index(u->msgs, i))->body);
  }
}

static void chat_fetch(chat_state *s, const rs_op *op, uint64_t version, rs_result *out)
{
  chat_user *u = app_lookup(s->users, op->key);
  if (!u) {
    out->status = RS_ST_USER_DOES_NOT_EXIST;
    return;
  }
  join_bodies(s, u, u->delivered);
  u->delivered = u->msgs->len;
  out->status = RS_ST_SUCCESS;
  out->version = version;
  answer(s, out);
}

/* With the key RS_CHAT_ACCOUNTS (or none): every account, sorted, joined by CHAT_SEP (seed 003's
 * list, a pure read). With an account's name: every message it ever got, delivered or not (what
 * a final state report shows). */
static void chat_list(chat_state *s, const rs_op *op, rs_result *out)
{
  out->status = RS_ST_SUCCESS;
  if (op->key.len > 0 && !rs_bytes_eq_str(op->key, RS_CHAT_ACCOUNTS)) {
    chat_user *u = app_lookup(s->users, op->key);
    if (!u) {
      out->status = RS_ST_USER_DOES_NOT_EXIST;
      return;
    }
    join_bodies(s, u, 0);
    answer(s, out);
    return;
  }
  GPtrArray *all = app_sorted_values(s->users);
  g_string_truncate(s->answer, 0);
  for (guint i = 0; i < all->len; i++) {
    const chat_user *u = g_ptr_array_index(all, i);
    if (i > 0)
      g_string_append_c(s->answer, CHAT_SEP);
    g_string_append_len(s->answer, u->key.ptr, u->key.len);
  }
  g_ptr_array_free(all, TRUE);
  answer(s, out);
}

/* Chat needs one order of updates: under quorum replication every operation is a BAD REQUEST. */
static void chat_execute(void *state, const rs_op *op, uint64_t version, rs_apply_mode mode, rs_result *out)
{
  chat_state *s = state;
  *out = (rs_result){.status = RS_ST_BAD_REQUEST};
  if (mode != RS_APPLY_ORDERED)
    return;
  switch (op->kind) {
  case RS_OP_REGISTER:
    chat_register(s, op, version, out);
    break;
  case RS_OP_SEND:
    chat_send(s, op, version, out);
    break;
  case RS_OP_FETCH:
    chat_fetch(s, op, version, out);
    break;
  case RS_OP_LIST:
    chat_list(s, op, out);
    break;
  default:
    break;
  }
}

/* ---- life cycle ---- */

static void *chat_create(void)
{
  chat_state *s = g_new0(chat_state, 1);
  s->users = user_table();
  s->answer = g_string_new(NULL);
  return s;
}

static void chat_destroy(void *state)
{
  chat_state *s = state;
  if (!s)
    return;
  g_hash_table_destroy(s->users);
  g_string_free(s->answer, TRUE);
  g_free(s);
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

static void chat_snapshot(void *state, GByteArray *out)
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
  chat_user *u = add_user(into, key, password);
  for (uint64_t i = 0; i < n; i++) {
    rs_chat_message m = {0};
    uint64_t instant;
    if (!rs_get_bytes(r, &m.id) || !rs_get_bytes(r, &m.sender) || !rs_get_bytes(r, &m.body) ||
        !rs_get_bytes(r, &m.timestamp) || !rs_get_varint(r, 1, &instant))
      return false;
    m.instant = instant;
    add_msg(u, &m);
  }
  u->delivered = (guint)delivered;
  return true;
}

/* Built aside and swapped in only when every byte checked out. */
static bool chat_restore(void *state, const uint8_t *buf, size_t len)
{
  chat_state *s = state;
  GHashTable *fresh = user_table();
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
static bool chat_replay(const uint8_t *buf, size_t len, void (*fn)(void *arg, const rs_op *op, uint64_t version),
                        void *arg)
{
  GHashTable *other = user_table();
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
      rs_op send = {.kind = RS_OP_SEND, .key = u->key, .name = view(m->sender), .value = view(m->body),
                    .expected = view(stamp->str)};
      fn(arg, &send, ++version);
    }
  }
  g_string_free(stamp, TRUE);
  if (all)
    g_ptr_array_free(all, TRUE);
  g_hash_table_destroy(other);
  return ok;
}

static bool chat_repair(const rs_op *read, const rs_result *res, rs_op *out)
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

static uint64_t chat_digest(void *state)
{
  chat_state *s = state;
  return app_digest(s->users, user_hash);
}

static bool chat_newer(const rs_result *a, const rs_result *b)
{
  if (a->version != b->version)
    return a->version > b->version;
  return a->status == RS_ST_SUCCESS && b->status != RS_ST_SUCCESS;
}

/* ---- the store's view (chat.h) ---- */

static void to_message(const chat_user *u, guint i, rs_chat_message *out)
{
  const chat_msg *m = g_ptr_array_index(u->msgs, i);
  *out = (rs_chat_message){.id = view(m->id), .sender = view(m->sender), .body = view(m->body),
                           .timestamp = view(m->timestamp), .delivered = i < u->delivered,
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
    add_user(s->users, app_text(username), password);
}

bool rs_chat_add_message(void *state, rs_bytes recipient, const rs_chat_message *m)
{
  chat_state *s = state;
  chat_user *u = app_lookup(s->users, recipient);
  if (!u || (m->delivered && u->delivered < u->msgs->len))
    return false;
  add_msg(u, m);
  if (m->delivered)
    u->delivered = u->msgs->len;
  return true;
}

const rs_app_ops rs_app_chat = {
    .name = "chat",
    .read_kind = RS_OP_LIST,
    .create = chat_create,
    .destroy = chat_destroy,
    .execute = chat_execute,
    .snapshot = chat_snapshot,
    .restore = chat_restore,
    .digest = chat_digest,
    .newer = chat_newer,
    .replay = chat_replay,
    .repair = chat_repair,
    .stamp = chat_stamp,
};
