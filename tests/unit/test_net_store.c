/* Unit tests for the on-disk stores of real mode (net/store*.c): whatever a replica's store went
 * through, the folder gives back exactly the same store (snapshot bytes equal), for both layouts,
 * both apply modes, across state transfers and compaction, and a torn log tail is cut off. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <string.h>

#include "core/dedup.h"
#include "net/store.h"

typedef struct fixture {
  char *dir;
} fixture;

static int setup(void **state)
{
  fixture *f = g_new0(fixture, 1);
  f->dir = g_dir_make_tmp("rs-store-XXXXXX", NULL);
  *state = f;
  return 0;
}

static void rm_rf(const char *dir)
{
  GDir *d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    char *p = g_build_filename(dir, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR))
      rm_rf(p);
    else
      g_unlink(p);
    g_free(p);
  }
  if (d)
    g_dir_close(d);
  g_rmdir(dir);
}

static int teardown(void **state)
{
  fixture *f = *state;
  rm_rf(f->dir);
  g_free(f->dir);
  g_free(f);
  return 0;
}

static net_store *open_store(const char *dir, const rs_app_ops *app, rs_store **s, bool *recovered)
{
  net_store_error e;
  char *err = NULL;
  net_store *d = net_store_open(dir, "r1", app, s, recovered, &e, &err);
  if (!d)
    fail_msg("open: %s", err);
  return d;
}

static GByteArray *snap(const rs_store *s)
{
  GByteArray *b = g_byte_array_new();
  rs_store_snapshot(s, b);
  return b;
}

/* Opens the folder again, as a restarted node does, and asserts it reads back as a store that
 * holds something, exactly `expected` (snapshot bytes). */
static void assert_reopens_as(const char *dir, const rs_app_ops *app, const GByteArray *expected)
{
  rs_store *again;
  bool recovered;
  net_store *d = open_store(dir, app, &again, &recovered);
  assert_true(recovered);
  GByteArray *after = snap(again);
  assert_int_equal(expected->len, after->len);
  assert_memory_equal(expected->data, after->data, expected->len);
  net_store_close(d);
  rs_store_free(again);
  g_byte_array_free(after, TRUE);
}

/* When set, run_op writes as a node under group commit does (net_store_write; the sync comes
 * from the test), and counts the writes that wait for a sync. */
static bool group_commit;
static int awaiting_sync;

/* One update as a replica runs it: apply, number it, remember the answer, persist. */
static void run_op(net_store *d, rs_store *s, const rs_op *op, rs_apply_mode mode, rs_node_id client, uint64_t seq)
{
  rs_result res;
  s->last_index++;
  s->app->ops->execute(s->app->state, op, s->last_index, mode, &res);
  if (mode == RS_APPLY_ORDERED)
    rs_dedup_finish(s->dedup, client, seq, &res);
  rs_persist rec = {.kind = RS_PERSIST_OP, .store = s, .op = op, .res = &res, .index = s->last_index,
                    .client = client, .seq = seq};
  char *err = NULL;
  if (!group_commit) {
    assert_true(net_store_persist(d, &rec, &err));
    return;
  }
  bool durable = true;
  assert_true(net_store_write(d, &rec, &durable, &err));
  awaiting_sync += !durable;
}

static void random_ops(net_store *d, rs_store *s, GRand *rand, bool files, rs_apply_mode mode, int n)
{
  char key[16], name[16], value[32];
  for (int i = 0; i < n; i++) {
    g_snprintf(key, sizeof key, "k%d", g_rand_int_range(rand, 0, 12));
    g_snprintf(name, sizeof name, "F %d/..%d", g_rand_int_range(rand, 0, 6), i % 2); /* odd bytes in names */
    g_snprintf(value, sizeof value, "v%d-%u", i, g_rand_int(rand));
    rs_op op = {.key = rs_bytes_str(key), .value = rs_bytes_str(value)};
    int pick = g_rand_int_range(rand, 0, 10);
    if (files) {
      op.kind = pick < 7 ? RS_OP_WRITE : RS_OP_DELETE;
      op.name = rs_bytes_str(name);
    } else {
      op.kind = mode == RS_APPLY_QUORUM || pick < 6 ? RS_OP_PUT : pick < 8 ? RS_OP_APPEND : RS_OP_CAS;
      op.expected = rs_bytes_str("nope");
    }
    run_op(d, s, &op, mode, (rs_node_id)(10 + i % 5), (uint64_t)i + 1);
  }
}

static void check_round_trip(fixture *f, const rs_app_ops *app, rs_apply_mode mode)
{
  char *dir = g_build_filename(f->dir, app->name, NULL);
  rs_store *s;
  bool recovered;
  net_store *d = open_store(dir, app, &s, &recovered);
  assert_false(recovered);
  GRand *rand = g_rand_new_with_seed(7);
  random_ops(d, s, rand, app == &rs_app_files, mode, 400);
  s->epoch = 3;
  rs_persist epoch = {.kind = RS_PERSIST_EPOCH, .store = s};
  char *err = NULL;
  assert_true(net_store_persist(d, &epoch, &err));
  GByteArray *before = snap(s);
  net_store_close(d);
  rs_store *again;
  d = open_store(dir, app, &again, &recovered);
  assert_true(recovered);
  GByteArray *after = snap(again);
  assert_int_equal(before->len, after->len);
  assert_memory_equal(before->data, after->data, before->len);
  /* A state transfer replaces everything; more updates follow; the folder still agrees. */
  rs_persist state = {.kind = RS_PERSIST_STATE, .store = again};
  assert_true(net_store_persist(d, &state, &err));
  random_ops(d, again, rand, app == &rs_app_files, mode, 50);
  g_byte_array_free(before, TRUE);
  before = snap(again);
  net_store_close(d);
  assert_reopens_as(dir, app, before);
  rs_store_free(s);
  rs_store_free(again);
  g_byte_array_free(before, TRUE);
  g_byte_array_free(after, TRUE);
  g_rand_free(rand);
  g_free(dir);
}

static void test_kv_store_recovers_exactly_ordered(void **state) { check_round_trip(*state, &rs_app_kv, RS_APPLY_ORDERED); }
static void test_kv_store_recovers_exactly_quorum(void **state) { check_round_trip(*state, &rs_app_kv, RS_APPLY_QUORUM); }
static void test_files_store_recovers_exactly_ordered(void **state) { check_round_trip(*state, &rs_app_files, RS_APPLY_ORDERED); }
static void test_files_store_recovers_exactly_quorum(void **state) { check_round_trip(*state, &rs_app_files, RS_APPLY_QUORUM); }

/* A crash in the middle of appending a record: the record was never acknowledged, and recovery
 * cuts it off instead of refusing the store. */
static void test_kv_torn_log_tail_is_cut_off(void **state)
{
  fixture *f = *state;
  char *dir = g_build_filename(f->dir, "torn", NULL);
  rs_store *s;
  bool recovered;
  net_store *d = open_store(dir, &rs_app_kv, &s, &recovered);
  GRand *rand = g_rand_new_with_seed(3);
  random_ops(d, s, rand, false, RS_APPLY_ORDERED, 20);
  GByteArray *before = snap(s);
  net_store_close(d);
  char *log = g_build_filename(dir, "log", NULL);
  FILE *fp = fopen(log, "ab");
  fwrite("\x30\x00\x00\x00garbage", 1, 11, fp);
  fclose(fp);
  assert_reopens_as(dir, &rs_app_kv, before);
  rs_store_free(s);
  g_byte_array_free(before, TRUE);
  g_rand_free(rand);
  g_free(log);
  g_free(dir);
}

/* Group commit: the log layout's records wait for one sync, which makes all of them durable;
 * after it the folder holds exactly the store (the files layout syncs each change itself). */
static void test_kv_group_commit_one_sync_for_many(void **state)
{
  fixture *f = *state;
  char *dir = g_build_filename(f->dir, "group", NULL);
  rs_store *s;
  bool recovered;
  net_store *d = open_store(dir, &rs_app_kv, &s, &recovered);
  GRand *rand = g_rand_new_with_seed(11);
  group_commit = true;
  awaiting_sync = 0;
  random_ops(d, s, rand, false, RS_APPLY_ORDERED, 30);
  group_commit = false;
  assert_int_equal(awaiting_sync, 30);
  char *err = NULL;
  assert_true(net_store_sync(d, &err));
  assert_true(net_store_sync(d, &err)); /* nothing left to sync: still fine */
  GByteArray *before = snap(s);
  net_store_close(d);
  assert_reopens_as(dir, &rs_app_kv, before);
  rs_store_free(s);
  g_byte_array_free(before, TRUE);
  g_rand_free(rand);
  g_free(dir);
}

/* The records of a turn reach the file only with its sync: a crash before it leaves the folder as
 * it was at the last sync (none of those changes was acknowledged), not a part of the turn. */
static void test_kv_changes_not_synced_are_not_on_disk(void **state)
{
  fixture *f = *state;
  char *dir = g_build_filename(f->dir, "unsynced", NULL);
  rs_store *s;
  bool recovered;
  net_store *d = open_store(dir, &rs_app_kv, &s, &recovered);
  GRand *rand = g_rand_new_with_seed(5);
  random_ops(d, s, rand, false, RS_APPLY_ORDERED, 10);
  GByteArray *synced = snap(s);
  group_commit = true;
  awaiting_sync = 0;
  random_ops(d, s, rand, false, RS_APPLY_ORDERED, 25);
  group_commit = false;
  assert_int_equal(awaiting_sync, 25);
  net_store_close(d); /* the crash: no sync */
  assert_reopens_as(dir, &rs_app_kv, synced);
  rs_store_free(s);
  g_byte_array_free(synced, TRUE);
  g_rand_free(rand);
  g_free(dir);
}

/* A folder with something in it and no replsim marker is refused and left as it was. */
static void test_foreign_folder_is_refused(void **state)
{
  fixture *f = *state;
  char *dir = g_build_filename(f->dir, "foreign", NULL);
  g_mkdir(dir, 0755);
  char *file = g_build_filename(dir, "notes.txt", NULL);
  g_file_set_contents(file, "mine", -1, NULL);
  rs_store *s;
  bool recovered;
  net_store_error e;
  char *err = NULL;
  assert_null(net_store_open(dir, "r1", &rs_app_kv, &s, &recovered, &e, &err));
  assert_int_equal(e, NET_STORE_BAD_INPUT);
  assert_non_null(strstr(err, "not a replsim store"));
  gchar *text = NULL;
  assert_true(g_file_get_contents(file, &text, NULL, NULL));
  assert_string_equal(text, "mine");
  g_free(text);
  g_free(err);
  g_free(file);
  g_free(dir);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_kv_store_recovers_exactly_ordered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kv_store_recovers_exactly_quorum, setup, teardown),
      cmocka_unit_test_setup_teardown(test_files_store_recovers_exactly_ordered, setup, teardown),
      cmocka_unit_test_setup_teardown(test_files_store_recovers_exactly_quorum, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kv_torn_log_tail_is_cut_off, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kv_group_commit_one_sync_for_many, setup, teardown),
      cmocka_unit_test_setup_teardown(test_kv_changes_not_synced_are_not_on_disk, setup, teardown),
      cmocka_unit_test_setup_teardown(test_foreign_folder_is_refused, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
