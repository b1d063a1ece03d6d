/* The `chat` application (seed 003): accounts and per-recipient message queues, fetched oldest first. */
#include "chat_internal.h"

#include <string.h>

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
  chat_add_user(s->users, app_text(op->key), op->value);
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
  rs_chat_message m = {.id = chat_view(id->str), .sender = app_text(op->name), .body = app_text(op->value),
                       .timestamp = chat_view(ts->str), .instant = instant};
  chat_add_msg(u, &m);
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
  s->users = chat_user_table();
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
