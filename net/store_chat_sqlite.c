/* The `chat` layout (seed 003): DATA/NODE/chat.db, a SQLite database with seed 003's two tables.
 *   users(username PRIMARY KEY, password)
 *   messages(id PRIMARY KEY, recipient, sender, body, timestamp, delivered, instant), oldest
 *            first by rowid
 *   replsim(name PRIMARY KEY, value): the update index, the epoch and the at-most-once table
 * Each change is one transaction, committed before it is acknowledged: WAL journal with
 * synchronous=FULL, so a commit is on disk (fsync) when sqlite3_step returns. A state transfer
 * rewrites every row in one transaction. The database is the whole store: nothing else in the
 * folder is needed to rebuild the replica. */
#include "store_internal.h"

#include "core/apps/chat.h"
#include "core/dedup.h"

#include <sqlite3.h>
#include <string.h>

#define CHAT_DB "chat.db"

typedef struct chat_db {
  sqlite3 *db;
  sqlite3_stmt *add_user, *add_msg, *deliver, *meta;
  bool failed; /* a statement failed inside the running transaction */
  char *why;
} chat_db;

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS users(username TEXT PRIMARY KEY, password TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS messages(id TEXT PRIMARY KEY, recipient TEXT NOT NULL REFERENCES users(username),"
    " sender TEXT NOT NULL, body TEXT NOT NULL, timestamp TEXT NOT NULL, delivered INTEGER NOT NULL,"
    " instant INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS replsim(name TEXT PRIMARY KEY, value BLOB);";

static bool fail_db(chat_db *c, const net_store *s, char **err)
{
  *err = g_strdup_printf("%s/" CHAT_DB ": %s", s->dir, c->why ? c->why : sqlite3_errmsg(c->db));
  g_clear_pointer(&c->why, g_free);
  return false;
}

static bool exec(chat_db *c, const char *sql)
{
  char *msg = NULL;
  if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) == SQLITE_OK)
    return true;
  g_free(c->why);
  c->why = g_strdup(msg ? msg : sqlite3_errmsg(c->db));
  sqlite3_free(msg);
  return false;
}

static void bind_bytes(sqlite3_stmt *st, int i, rs_bytes b)
{
  sqlite3_bind_text(st, i, b.ptr ? b.ptr : "", (int)b.len, SQLITE_TRANSIENT);
}

/* Runs a bound statement to its end and resets it; a failure marks the transaction failed. */
static void run(chat_db *c, sqlite3_stmt *st)
{
  if (sqlite3_step(st) != SQLITE_DONE && !c->failed) {
    c->failed = true;
    c->why = g_strdup(sqlite3_errmsg(c->db));
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st);
}

static void put_user(void *arg, rs_bytes username, rs_bytes password)
{
  chat_db *c = arg;
  bind_bytes(c->add_user, 1, username);
  bind_bytes(c->add_user, 2, password);
  run(c, c->add_user);
}

static void put_message(void *arg, rs_bytes recipient, const rs_chat_message *m)
{
  chat_db *c = arg;
  bind_bytes(c->add_msg, 1, m->id);
  bind_bytes(c->add_msg, 2, recipient);
  bind_bytes(c->add_msg, 3, m->sender);
  bind_bytes(c->add_msg, 4, m->body);
  bind_bytes(c->add_msg, 5, m->timestamp);
  sqlite3_bind_int(c->add_msg, 6, m->delivered);
  sqlite3_bind_int(c->add_msg, 7, m->instant);
  run(c, c->add_msg);
}

static void put_meta_blob(chat_db *c, const char *name, const void *data, size_t len)
{
  sqlite3_bind_text(c->meta, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_blob(c->meta, 2, len ? data : "", (int)len, SQLITE_TRANSIENT);
  run(c, c->meta);
}

static void put_meta_int(chat_db *c, const char *name, uint64_t v)
{
  sqlite3_bind_text(c->meta, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64(c->meta, 2, (sqlite3_int64)v);
  run(c, c->meta);
}

/* The update index, epoch and at-most-once table: rewritten with every change. */
static void put_meta(chat_db *c, const rs_store *store)
{
  put_meta_int(c, "last_index", store->last_index);
  put_meta_int(c, "epoch", store->epoch);
  GByteArray *d = g_byte_array_new();
  rs_dedup_snapshot(store->dedup, d);
  put_meta_blob(c, "dedup", d->data, d->len);
  g_byte_array_free(d, TRUE);
}

/* What one update that succeeded changed, as rows. */
static void put_change(chat_db *c, const rs_persist *rec)
{
  const rs_op *op = rec->op;
  switch (op->kind) {
  case RS_OP_REGISTER:
    put_user(c, op->key, op->value);
    break;
  case RS_OP_SEND: {
    rs_chat_message m;
    if (rs_chat_newest(rec->store->app->state, op->key, &m))
      put_message(c, op->key, &m);
    break;
  }
  case RS_OP_FETCH:
    bind_bytes(c->deliver, 1, op->key);
    run(c, c->deliver);
    break;
  default:
    break;
  }
}

static bool chat_persist(net_store *s, const rs_persist *rec, char **err)
{
  chat_db *c = s->impl;
  c->failed = false;
  if (!exec(c, "BEGIN IMMEDIATE"))
    return fail_db(c, s, err);
  if (rec->kind == RS_PERSIST_STATE) {
    if (!exec(c, "DELETE FROM messages; DELETE FROM users;"))
      c->failed = true;
    else
      rs_chat_each(rec->store->app->state, put_user, put_message, c);
  } else if (rec->kind == RS_PERSIST_OP && rec->op && rs_op_is_update(rec->op->kind) && rec->res &&
             rec->res->status == RS_ST_SUCCESS) {
    put_change(c, rec);
  }
  put_meta(c, rec->store);
  if (c->failed) {
    exec(c, "ROLLBACK");
    return fail_db(c, s, err);
  }
  if (!exec(c, "COMMIT"))
    return fail_db(c, s, err);
  return true;
}

static rs_bytes column(sqlite3_stmt *st, int i)
{
  const char *p = (const char *)sqlite3_column_text(st, i);
  return (rs_bytes){p ? p : "", (uint32_t)sqlite3_column_bytes(st, i)};
}

/* Reads every row back into `store`. False (with c->why) on a corrupt database. */
static bool load(chat_db *c, rs_store *store, bool *recovered)
{
  sqlite3_stmt *st = NULL;
  bool ok = sqlite3_prepare_v2(c->db, "SELECT username, password FROM users ORDER BY username", -1, &st, NULL) ==
            SQLITE_OK;
  int rc = SQLITE_DONE;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW)
    rs_chat_add_user(store->app->state, column(st, 0), column(st, 1));
  ok = ok && rc == SQLITE_DONE;
  sqlite3_finalize(st);
  st = NULL;
  ok = ok && sqlite3_prepare_v2(c->db,
                                "SELECT id, recipient, sender, body, timestamp, delivered, instant FROM messages "
                                "ORDER BY rowid",
                                -1, &st, NULL) == SQLITE_OK;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rs_chat_message m = {.id = column(st, 0), .sender = column(st, 2), .body = column(st, 3),
                         .timestamp = column(st, 4), .delivered = sqlite3_column_int(st, 5) != 0,
                         .instant = sqlite3_column_int(st, 6) != 0};
    if (!rs_chat_add_message(store->app->state, column(st, 1), &m)) {
      c->why = g_strdup_printf("message %s: to an unknown user, or delivered after an undelivered one",
                               (const char *)sqlite3_column_text(st, 0));
      ok = false;
    }
  }
  ok = ok && (rc == SQLITE_DONE || c->why);
  sqlite3_finalize(st);
  st = NULL;
  ok = ok && sqlite3_prepare_v2(c->db, "SELECT name, value FROM replsim", -1, &st, NULL) == SQLITE_OK;
  while (ok && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    *recovered = true;
    if (g_strcmp0(name, "last_index") == 0) {
      store->last_index = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (g_strcmp0(name, "epoch") == 0) {
      store->epoch = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (g_strcmp0(name, "dedup") == 0) {
      rs_dedup *d = rs_dedup_new();
      if (rs_dedup_restore(d, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1))) {
        rs_dedup_free(store->dedup);
        store->dedup = d;
      } else {
        rs_dedup_free(d);
        c->why = g_strdup("corrupt at-most-once table");
        ok = false;
      }
    }
  }
  sqlite3_finalize(st);
  if (ok && rc != SQLITE_DONE)
    ok = false;
  return ok;
}

static bool prepare(chat_db *c)
{
  return sqlite3_prepare_v2(c->db, "INSERT INTO users(username, password) VALUES(?, ?)", -1, &c->add_user, NULL) ==
             SQLITE_OK &&
         sqlite3_prepare_v2(c->db,
                            "INSERT INTO messages(id, recipient, sender, body, timestamp, delivered, instant) "
                            "VALUES(?, ?, ?, ?, ?, ?, ?)",
                            -1, &c->add_msg, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(c->db, "UPDATE messages SET delivered = 1 WHERE recipient = ? AND delivered = 0", -1,
                            &c->deliver, NULL) == SQLITE_OK &&
         sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO replsim(name, value) VALUES(?, ?)", -1, &c->meta,
                            NULL) == SQLITE_OK;
}

static void chat_close(net_store *s)
{
  chat_db *c = s->impl;
  if (!c)
    return;
  sqlite3_finalize(c->add_user);
  sqlite3_finalize(c->add_msg);
  sqlite3_finalize(c->deliver);
  sqlite3_finalize(c->meta);
  sqlite3_close(c->db);
  g_free(c->why);
  g_free(c);
  s->impl = NULL;
}

static bool chat_open(net_store *s, rs_store *store, bool *recovered, char **err)
{
  chat_db *c = g_new0(chat_db, 1);
  s->impl = c;
  char *path = g_build_filename(s->dir, CHAT_DB, NULL);
  bool ok = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) ==
            SQLITE_OK;
  g_free(path);
  ok = ok && exec(c, schema) && prepare(c) && load(c, store, recovered);
  if (!ok) {
    fail_db(c, s, err);
    chat_close(s);
    return false;
  }
  /* The folder entry of a new database and its WAL must survive a crash too. */
  if (!st_sync_dir(s->dir, err)) {
    chat_close(s);
    return false;
  }
  return true;
}

const st_layout st_chat_layout = {.open = chat_open, .persist = chat_persist, .close = chat_close};
