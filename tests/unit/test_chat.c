/* Unit tests for the `chat` application (core/apps/chat.c) and its SQLite store (net/store_chat_sqlite.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/apps/chat.h"
#include "core/dedup.h"
#include "net/store.h"

#define OK RS_ST_SUCCESS

/* ---- helpers ---- */

static int setup(void **state)
{
  *state = rs_app_chat.create();
  return 0;
}

static int teardown(void **state)
{
  rs_app_chat.destroy(*state);
  return 0;
}

static rs_result run(void *s, rs_op op, uint64_t version)
{
  rs_result r;
  memset(&r, 0, sizeof r);
  rs_app_chat.execute(s, &op, version, RS_APPLY_ORDERED, &r);
  return r;
}

static rs_result reg(void *s, const char *user, uint64_t v)
{
  return run(s, (rs_op){.kind = RS_OP_REGISTER, .key = rs_bytes_str(user), .value = rs_bytes_str("pw")}, v);
}

/* A send as the leader makes it: stamped with `wall`. */
static rs_result send_at(void *s, const char *from, const char *to, const char *text, bool instant, double wall,
                         uint64_t v)
{
  rs_op op = {.kind = RS_OP_SEND, .key = rs_bytes_str(to), .name = rs_bytes_str(from), .value = rs_bytes_str(text),
              .expected = instant ? rs_bytes_str(RS_CHAT_INSTANT) : RS_BYTES_NULL};
  GString *buf = g_string_new(NULL);
  rs_op stamped;
  assert_true(rs_app_chat.stamp(&op, wall, buf, &stamped));
  rs_result r = run(s, stamped, v);
  g_string_free(buf, TRUE);
  return r;
}

static void assert_value(rs_result r, const char *want)
{
  assert_non_null(r.value.ptr);
  char *got = g_strndup(r.value.ptr, r.value.len);
  assert_string_equal(got, want);
  g_free(got);
}

static rs_result fetch(void *s, const char *user, uint64_t v)
{
  return run(s, (rs_op){.kind = RS_OP_FETCH, .key = rs_bytes_str(user)}, v);
}

/* ---- operations ---- */

static void test_register_twice_user_exists(void **state)
{
  assert_int_equal(reg(*state, "alice", 1).status, OK);
  assert_int_equal(reg(*state, "alice", 2).status, RS_ST_USER_EXISTS);
}

static void test_register_of_no_name_or_the_list_key_is_refused(void **state)
{
  assert_int_equal(reg(*state, "", 1).status, RS_ST_BAD_REQUEST);
  assert_int_equal(reg(*state, RS_CHAT_ACCOUNTS, 2).status, RS_ST_BAD_REQUEST);
}

static void test_send_to_unknown_user(void **state)
{
  assert_int_equal(send_at(*state, "alice", "bob", "hi", false, 1.0, 1).status, RS_ST_USER_DOES_NOT_EXIST);
  assert_int_equal(fetch(*state, "bob", 2).status, RS_ST_USER_DOES_NOT_EXIST);
}

static void test_fetch_oldest_first_then_empty(void **state)
{
  reg(*state, "bob", 1);
  send_at(*state, "alice", "bob", "one", false, 1.0, 2);
  send_at(*state, "carol", "bob", "two", true, 2.0, 3);
  assert_value(fetch(*state, "bob", 4), "one|two");
  rs_result again = fetch(*state, "bob", 5);
  assert_int_equal(again.status, OK);
  assert_value(again, "");
  send_at(*state, "alice", "bob", "three", false, 3.0, 6);
  assert_value(fetch(*state, "bob", 7), "three");
}

static void test_send_answers_uuid_and_leader_timestamp(void **state)
{
  reg(*state, "bob", 1);
  rs_result r = send_at(*state, "alice", "bob", "hi", false, 12.5, 2);
  assert_int_equal(r.status, OK);
  assert_int_equal(r.version, 2);
  char *v = g_strndup(r.value.ptr, r.value.len);
  char **parts = g_strsplit(v, " ", 2);
  assert_int_equal(strlen(parts[0]), 36);
  assert_int_equal(parts[0][14], '4');
  assert_string_equal(parts[1], "12.500000");
  rs_chat_message m;
  assert_true(rs_chat_newest(*state, rs_bytes_str("bob"), &m));
  assert_true(rs_bytes_eq_str(m.id, parts[0]));
  assert_true(rs_bytes_eq_str(m.timestamp, "12.500000"));
  assert_false(m.instant);
  g_strfreev(parts);
  g_free(v);
}

/* The same update on two replicas makes the same message (uuid from the update number). */
static void test_replicas_agree_on_uuid(void **state)
{
  void *other = rs_app_chat.create();
  reg(*state, "bob", 1);
  reg(other, "bob", 1);
  rs_op op = {.kind = RS_OP_SEND, .key = rs_bytes_str("bob"), .name = rs_bytes_str("a"), .value = rs_bytes_str("x"),
              .expected = rs_bytes_str("1 3.000000")};
  rs_result a = run(*state, op, 2), b = run(other, op, 2);
  assert_true(rs_bytes_eq(a.value, b.value));
  assert_int_equal(rs_app_chat.digest(*state), rs_app_chat.digest(other));
  rs_result c = run(other, op, 3); /* another update number: another message */
  assert_false(rs_bytes_eq(a.value, c.value));
  rs_app_chat.destroy(other);
}

static void test_list_accounts_sorted(void **state)
{
  reg(*state, "carol", 1);
  reg(*state, "alice", 2);
  rs_result r = run(*state, (rs_op){.kind = RS_OP_LIST, .key = rs_bytes_str(RS_CHAT_ACCOUNTS)}, 0);
  assert_value(r, "alice|carol");
  send_at(*state, "x", "carol", "m1", false, 1.0, 3);
  fetch(*state, "carol", 4);
  send_at(*state, "x", "carol", "m2", false, 2.0, 5);
  assert_value(run(*state, (rs_op){.kind = RS_OP_LIST, .key = rs_bytes_str("carol")}, 0), "m1|m2");
}

static void test_quorum_mode_bad_request(void **state)
{
  rs_op op = {.kind = RS_OP_REGISTER, .key = rs_bytes_str("a"), .value = rs_bytes_str("p")};
  rs_result r;
  rs_app_chat.execute(*state, &op, 1, RS_APPLY_QUORUM, &r);
  assert_int_equal(r.status, RS_ST_BAD_REQUEST);
}

/* ---- snapshot, restore, digest ---- */

static void fill(void *s)
{
  reg(s, "bob", 1);
  reg(s, "alice", 2);
  send_at(s, "alice", "bob", "one", false, 1.0, 3);
  send_at(s, "alice", "bob", "two", true, 2.0, 4);
  fetch(s, "bob", 5);
  send_at(s, "bob", "alice", "three", false, 3.0, 6);
}

static void test_snapshot_restore_round_trip(void **state)
{
  fill(*state);
  GByteArray *a = g_byte_array_new(), *b = g_byte_array_new();
  rs_app_chat.snapshot(*state, a);
  void *copy = rs_app_chat.create();
  assert_true(rs_app_chat.restore(copy, a->data, a->len));
  rs_app_chat.snapshot(copy, b);
  assert_int_equal(a->len, b->len);
  assert_memory_equal(a->data, b->data, a->len);
  assert_int_equal(rs_app_chat.digest(*state), rs_app_chat.digest(copy));
  assert_value(fetch(copy, "bob", 7), "");
  assert_value(fetch(copy, "alice", 8), "three");
  /* Every truncation is refused and leaves the state alone. */
  for (guint n = 0; n < a->len; n++)
    assert_false(rs_app_chat.restore(copy, a->data, n));
  rs_app_chat.destroy(copy);
  g_byte_array_free(a, TRUE);
  g_byte_array_free(b, TRUE);
}

static void test_digest_sees_delivery(void **state)
{
  fill(*state);
  uint64_t before = rs_app_chat.digest(*state);
  fetch(*state, "alice", 7);
  assert_int_not_equal(before, rs_app_chat.digest(*state));
}

/* ---- the SQLite store ---- */

static void rm_rf(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    char *p = g_build_filename(dir, name, NULL);
    g_unlink(p);
    g_free(p);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(dir);
}

static net_store *open_chat(const char *dir, rs_store **s, bool *recovered)
{
  net_store_error e;
  char *err = NULL;
  net_store *d = net_store_open(dir, "r1", &rs_app_chat, s, recovered, &e, &err);
  if (!d)
    fail_msg("open: %s", err);
  return d;
}

/* Runs `op` on the store's app as the primary would, and persists it. */
static void apply_persist(net_store *d, rs_store *s, rs_op op, rs_node_id client, uint64_t seq)
{
  GString *buf = g_string_new(NULL);
  rs_op stamped;
  if (rs_app_chat.stamp(&op, 5.0 + (double)seq, buf, &stamped))
    op = stamped;
  rs_result res;
  s->app->ops->execute(s->app->state, &op, s->last_index + 1, RS_APPLY_ORDERED, &res);
  s->last_index++;
  rs_dedup_finish(s->dedup, client, seq, &res);
  rs_persist rec = {.kind = RS_PERSIST_OP, .store = s, .op = &op, .res = &res, .index = s->last_index,
                    .client = client, .seq = seq};
  char *err = NULL;
  if (!net_store_persist(d, &rec, &err))
    fail_msg("persist: %s", err);
  g_string_free(buf, TRUE);
}

static void snapshot_of(const rs_store *s, GByteArray *out)
{
  g_byte_array_set_size(out, 0);
  rs_store_snapshot(s, out);
}

static void test_sqlite_store_recovers_exactly(void **state)
{
  (void)state;
  char *dir = g_dir_make_tmp("rs-chat-XXXXXX", NULL);
  rs_store *s;
  bool recovered;
  net_store *d = open_chat(dir, &s, &recovered);
  assert_false(recovered);
  apply_persist(d, s, (rs_op){.kind = RS_OP_REGISTER, .key = rs_bytes_str("bob"), .value = rs_bytes_str("pw")}, 7, 1);
  apply_persist(d, s, (rs_op){.kind = RS_OP_REGISTER, .key = rs_bytes_str("bob"), .value = rs_bytes_str("x")}, 7, 2);
  apply_persist(d, s, (rs_op){.kind = RS_OP_SEND, .key = rs_bytes_str("bob"), .name = rs_bytes_str("al"),
                              .value = rs_bytes_str("it's 'quoted'")}, 7, 3);
  apply_persist(d, s, (rs_op){.kind = RS_OP_FETCH, .key = rs_bytes_str("bob")}, 8, 1);
  apply_persist(d, s, (rs_op){.kind = RS_OP_SEND, .key = rs_bytes_str("bob"), .name = rs_bytes_str("al"),
                              .value = rs_bytes_str("second"), .expected = rs_bytes_str(RS_CHAT_INSTANT)}, 7, 4);
  GByteArray *want = g_byte_array_new(), *got = g_byte_array_new();
  snapshot_of(s, want);
  net_store_close(d);
  rs_store_free(s);
  d = open_chat(dir, &s, &recovered);
  assert_true(recovered);
  snapshot_of(s, got);
  assert_int_equal(want->len, got->len);
  assert_memory_equal(want->data, got->data, want->len);
  /* A state transfer rewrites every row. */
  rs_store *other = rs_store_new(&rs_app_chat);
  rs_op reg_op = {.kind = RS_OP_REGISTER, .key = rs_bytes_str("zoe"), .value = rs_bytes_str("z")};
  rs_result res;
  other->app->ops->execute(other->app->state, &reg_op, 1, RS_APPLY_ORDERED, &res);
  other->last_index = 40;
  other->epoch = 3;
  snapshot_of(other, want);
  assert_true(rs_store_restore(s, want->data, want->len));
  rs_persist rec = {.kind = RS_PERSIST_STATE, .store = s};
  char *err = NULL;
  assert_true(net_store_persist(d, &rec, &err));
  net_store_close(d);
  rs_store_free(s);
  d = open_chat(dir, &s, &recovered);
  snapshot_of(s, got);
  assert_int_equal(want->len, got->len);
  assert_memory_equal(want->data, got->data, want->len);
  net_store_close(d);
  rs_store_free(s);
  rs_store_free(other);
  g_byte_array_free(want, TRUE);
  g_byte_array_free(got, TRUE);
  rm_rf(dir);
  g_free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_register_twice_user_exists, setup, teardown),
      cmocka_unit_test_setup_teardown(test_register_of_no_name_or_the_list_key_is_refused, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_to_unknown_user, setup, teardown),
      cmocka_unit_test_setup_teardown(test_fetch_oldest_first_then_empty, setup, teardown),
      cmocka_unit_test_setup_teardown(test_send_answers_uuid_and_leader_timestamp, setup, teardown),
      cmocka_unit_test_setup_teardown(test_replicas_agree_on_uuid, setup, teardown),
      cmocka_unit_test_setup_teardown(test_list_accounts_sorted, setup, teardown),
      cmocka_unit_test_setup_teardown(test_quorum_mode_bad_request, setup, teardown),
      cmocka_unit_test_setup_teardown(test_snapshot_restore_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_digest_sees_delivery, setup, teardown),
      cmocka_unit_test(test_sqlite_store_recovers_exactly),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
