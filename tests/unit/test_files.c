/* Unit tests for the `files` application (core/apps/files.c): seed 004's outcomes, both modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/apps/app.h"

#define ORDERED RS_APPLY_ORDERED
#define QUORUM RS_APPLY_QUORUM

/* ---- helpers ---- */

static int setup(void **state)
{
  *state = rs_app_files.create();
  return 0;
}

static int teardown(void **state)
{
  rs_app_files.destroy(*state);
  return 0;
}

static rs_result run(void *s, rs_op op, uint64_t version, rs_apply_mode mode)
{
  rs_result r;
  memset(&r, 0xab, sizeof r); /* execute must set every field */
  rs_app_files.execute(s, &op, version, mode, &r);
  return r;
}

static rs_result write_m(void *s, const char *uuid, const char *name, const char *content, uint64_t v,
                         rs_apply_mode mode)
{
  rs_op op = {.kind = RS_OP_WRITE, .key = rs_bytes_str(uuid), .name = rs_bytes_str(name),
              .value = rs_bytes_str(content)};
  return run(s, op, v, mode);
}

static rs_result write_f(void *s, const char *uuid, const char *name, const char *content, uint64_t v)
{
  return write_m(s, uuid, name, content, v, ORDERED);
}

static rs_result del_m(void *s, const char *uuid, uint64_t v, rs_apply_mode mode)
{
  rs_op op = {.kind = RS_OP_DELETE, .key = rs_bytes_str(uuid)};
  return run(s, op, v, mode);
}

static rs_result del_f(void *s, const char *uuid, uint64_t v)
{
  return del_m(s, uuid, v, ORDERED);
}

static rs_result read_f(void *s, const char *uuid)
{
  rs_op op = {.kind = RS_OP_READ, .key = rs_bytes_str(uuid)};
  return run(s, op, 0, ORDERED);
}

static void assert_status(rs_result r, rs_status want, uint64_t version)
{
  assert_string_equal(rs_status_name(r.status), rs_status_name(want));
  assert_true(r.version == version);
}

static void assert_live(void *s, const char *uuid, const char *name, const char *content, uint64_t version)
{
  rs_result r = read_f(s, uuid);
  assert_status(r, RS_ST_SUCCESS, version);
  assert_true(rs_bytes_eq_str(r.name, name));
  assert_true(rs_bytes_eq_str(r.value, content));
}

static void assert_tombstone(void *s, const char *uuid, uint64_t version)
{
  rs_result r = read_f(s, uuid);
  assert_status(r, RS_ST_FILE_ALREADY_DELETED, version);
  assert_null(r.name.ptr);
  assert_null(r.value.ptr);
}

static void assert_unknown(void *s, const char *uuid)
{
  rs_result r = read_f(s, uuid);
  assert_status(r, RS_ST_FILE_DOES_NOT_EXIST, 0);
  assert_null(r.name.ptr);
  assert_null(r.value.ptr);
}

static GByteArray *snapshot(void *s)
{
  GByteArray *out = g_byte_array_new();
  rs_app_files.snapshot(s, out);
  return out;
}

/* A small state with live files and a tombstone. */
static void populate(void *s)
{
  assert_status(write_f(s, "u1", "F1", "M. Schumacher", 1), RS_ST_SUCCESS, 1);
  assert_status(write_f(s, "u2", "F2", "L. Hamilton", 2), RS_ST_SUCCESS, 2);
  assert_status(write_f(s, "u3", "F3", "", 3), RS_ST_SUCCESS, 3);
  assert_status(del_f(s, "u2", 4), RS_ST_SUCCESS, 4);
}

/* ---- READ ---- */

static void test_read_of_unknown_uuid_says_file_does_not_exist(void **state)
{
  assert_unknown(*state, "nope");
}

static void test_read_of_live_file_returns_name_content_and_version(void **state)
{
  write_f(*state, "u1", "Formula1ChampionsList", "M. Schumacher, L. Hamilton, J.M. Fangio.", 11);
  assert_live(*state, "u1", "Formula1ChampionsList", "M. Schumacher, L. Hamilton, J.M. Fangio.", 11);
}

static void test_read_of_empty_file_returns_empty_content_not_null(void **state)
{
  write_f(*state, "u1", "empty.txt", "", 1);
  rs_result r = read_f(*state, "u1");
  assert_non_null(r.value.ptr);
  assert_int_equal(r.value.len, 0);
}

static void test_read_of_deleted_file_says_already_deleted_with_deletion_version(void **state)
{
  write_f(*state, "u1", "F1", "content", 1);
  del_f(*state, "u1", 5);
  assert_tombstone(*state, "u1", 5);
}

/* ---- WRITE ---- */

static void test_write_of_new_uuid_with_free_name_creates_the_file(void **state)
{
  assert_status(write_f(*state, "u1", "F1", "c", 7), RS_ST_SUCCESS, 7);
  assert_live(*state, "u1", "F1", "c", 7);
}

static void test_write_of_new_uuid_with_taken_name_says_same_name_exists(void **state)
{
  write_f(*state, "u1", "F1", "first", 1);
  assert_status(write_f(*state, "u2", "F1", "second", 2), RS_ST_FILE_SAME_NAME_EXISTS, 0);
  assert_unknown(*state, "u2");
  assert_live(*state, "u1", "F1", "first", 1);
}

static void test_write_to_live_file_overwrites_whole_content(void **state)
{
  write_f(*state, "u1", "F1", "a long first content", 1);
  assert_status(write_f(*state, "u1", "F1", "short", 2), RS_ST_SUCCESS, 2);
  assert_live(*state, "u1", "F1", "short", 2);
}

static void test_write_to_live_file_may_rename_it_and_frees_the_old_name(void **state)
{
  write_f(*state, "u1", "old", "c", 1);
  assert_status(write_f(*state, "u1", "new", "c2", 2), RS_ST_SUCCESS, 2);
  assert_live(*state, "u1", "new", "c2", 2);
  assert_status(write_f(*state, "u2", "old", "x", 3), RS_ST_SUCCESS, 3);
  assert_status(write_f(*state, "u3", "new", "y", 4), RS_ST_FILE_SAME_NAME_EXISTS, 0);
}

static void test_rename_to_a_name_another_live_file_holds_says_same_name_exists(void **state)
{
  write_f(*state, "u1", "F1", "one", 1);
  write_f(*state, "u2", "F2", "two", 2);
  assert_status(write_f(*state, "u2", "F1", "clash", 3), RS_ST_FILE_SAME_NAME_EXISTS, 2);
  assert_live(*state, "u2", "F2", "two", 2);
  assert_live(*state, "u1", "F1", "one", 1);
}

static void test_write_to_deleted_file_cannot_be_updated(void **state)
{
  write_f(*state, "u1", "F1", "c", 1);
  del_f(*state, "u1", 2);
  assert_status(write_f(*state, "u1", "F1", "again", 3), RS_ST_DELETED_FILE_CANNOT_BE_UPDATED, 2);
  assert_tombstone(*state, "u1", 2);
}

static void test_deleted_name_is_free_again(void **state)
{
  write_f(*state, "u1", "F1", "c", 1);
  del_f(*state, "u1", 2);
  assert_status(write_f(*state, "u2", "F1", "reborn", 3), RS_ST_SUCCESS, 3);
  assert_live(*state, "u2", "F1", "reborn", 3);
}

static void test_write_without_a_name_gets_the_empty_name(void **state)
{
  rs_op op = {.kind = RS_OP_WRITE, .key = rs_bytes_str("u1"), .value = rs_bytes_str("c")};
  assert_status(run(*state, op, 1, ORDERED), RS_ST_SUCCESS, 1);
  assert_live(*state, "u1", "", "c", 1);
  assert_status(write_f(*state, "u2", "", "d", 2), RS_ST_FILE_SAME_NAME_EXISTS, 0);
}

/* ---- DELETE ---- */

static void test_delete_of_unknown_uuid_says_file_does_not_exist(void **state)
{
  assert_status(del_f(*state, "ghost", 3), RS_ST_FILE_DOES_NOT_EXIST, 0);
  assert_unknown(*state, "ghost");
}

static void test_delete_of_live_file_leaves_tombstone_with_the_delete_version(void **state)
{
  write_f(*state, "u1", "F1", "c", 1);
  rs_result r = del_f(*state, "u1", 9);
  assert_status(r, RS_ST_SUCCESS, 9);
  assert_null(r.value.ptr);
  assert_tombstone(*state, "u1", 9);
}

static void test_delete_of_deleted_file_says_already_deleted_and_keeps_its_version(void **state)
{
  write_f(*state, "u1", "F1", "c", 1);
  del_f(*state, "u1", 2);
  assert_status(del_f(*state, "u1", 3), RS_ST_FILE_ALREADY_DELETED, 2);
  assert_tombstone(*state, "u1", 2);
}

/* Seed 004's test script: write, read everywhere, write again, read, delete, read. */
static void test_seed_004_test_script_outcomes(void **state)
{
  void *s = *state;
  assert_status(write_f(s, "03ff7ebe", "Formula1ChampionsList", "M. Schumacher", 1), RS_ST_SUCCESS, 1);
  assert_live(s, "03ff7ebe", "Formula1ChampionsList", "M. Schumacher", 1);
  assert_status(write_f(s, "03ff7ebe", "Formula1ChampionsList", "M. Schumacher, L. Hamilton", 2),
                RS_ST_SUCCESS, 2);
  assert_status(write_f(s, "a1b2", "Other", "x", 3), RS_ST_SUCCESS, 3);
  assert_live(s, "03ff7ebe", "Formula1ChampionsList", "M. Schumacher, L. Hamilton", 2);
  assert_status(del_f(s, "03ff7ebe", 4), RS_ST_SUCCESS, 4);
  assert_tombstone(s, "03ff7ebe", 4);
  assert_live(s, "a1b2", "Other", "x", 3);
}

static void test_unknown_operations_answer_bad_request(void **state)
{
  const uint8_t kinds[] = {RS_OP_NONE, RS_OP_PUT, RS_OP_GET, RS_OP_APPEND, RS_OP_CAS, 200};
  for (size_t i = 0; i < sizeof kinds; i++) {
    rs_op op = {.kind = kinds[i], .key = rs_bytes_str("u1"), .value = rs_bytes_str("v")};
    rs_result r = run(*state, op, 1, ORDERED);
    assert_status(r, RS_ST_BAD_REQUEST, 0);
    assert_null(r.name.ptr);
    assert_null(r.value.ptr);
  }
  assert_unknown(*state, "u1");
}

static void test_keys_and_names_may_hold_any_byte(void **state)
{
  rs_op a = {.kind = RS_OP_WRITE, .key = {"u\0a", 3}, .name = {"n\0a", 3}, .value = {"x\0y", 3}};
  rs_op b = {.kind = RS_OP_WRITE, .key = {"u\0b", 3}, .name = {"n\0b", 3}, .value = {"z", 1}};
  assert_status(run(*state, a, 1, ORDERED), RS_ST_SUCCESS, 1);
  assert_status(run(*state, b, 2, ORDERED), RS_ST_SUCCESS, 2);
  rs_op ra = {.kind = RS_OP_READ, .key = {"u\0a", 3}};
  rs_result r = run(*state, ra, 0, ORDERED);
  assert_status(r, RS_ST_SUCCESS, 1);
  assert_int_equal(r.value.len, 3);
  assert_memory_equal(r.value.ptr, "x\0y", 3);
  assert_unknown(*state, "u");
}

/* ---- QUORUM ---- */

static void test_quorum_delete_of_unknown_uuid_leaves_tombstone_and_succeeds(void **state)
{
  assert_status(del_m(*state, "u1", 6, QUORUM), RS_ST_SUCCESS, 6);
  assert_tombstone(*state, "u1", 6);
}

static void test_quorum_write_to_tombstone_of_unknown_uuid_cannot_be_updated(void **state)
{
  del_m(*state, "u1", 6, QUORUM);
  assert_status(write_m(*state, "u1", "F1", "late", 9, QUORUM), RS_ST_DELETED_FILE_CANNOT_BE_UPDATED, 6);
  assert_status(write_m(*state, "u2", "F1", "free", 10, QUORUM), RS_ST_SUCCESS, 10);
}

static void test_quorum_older_write_answers_success_but_keeps_the_newer_content(void **state)
{
  write_m(*state, "u1", "F1", "newer", 20, QUORUM);
  assert_status(write_m(*state, "u1", "F1", "older", 10, QUORUM), RS_ST_SUCCESS, 10);
  assert_live(*state, "u1", "F1", "newer", 20);
}

static void test_quorum_newer_write_overwrites(void **state)
{
  write_m(*state, "u1", "F1", "older", 10, QUORUM);
  assert_status(write_m(*state, "u1", "F1b", "newer", 20, QUORUM), RS_ST_SUCCESS, 20);
  assert_live(*state, "u1", "F1b", "newer", 20);
}

static void test_quorum_same_name_rule_still_holds(void **state)
{
  write_m(*state, "u1", "F1", "a", 10, QUORUM);
  assert_status(write_m(*state, "u2", "F1", "b", 20, QUORUM), RS_ST_FILE_SAME_NAME_EXISTS, 0);
  write_m(*state, "u2", "F2", "b", 20, QUORUM);
  assert_status(write_m(*state, "u2", "F1", "c", 5, QUORUM), RS_ST_FILE_SAME_NAME_EXISTS, 20);
}

static void test_quorum_delete_beats_a_newer_live_version(void **state)
{
  write_m(*state, "u1", "F1", "c", 20, QUORUM);
  assert_status(del_m(*state, "u1", 10, QUORUM), RS_ST_SUCCESS, 10);
  assert_tombstone(*state, "u1", 10);
}

static void test_quorum_delete_of_tombstone_keeps_the_newest_deletion_version(void **state)
{
  del_m(*state, "u1", 10, QUORUM);
  assert_status(del_m(*state, "u1", 30, QUORUM), RS_ST_FILE_ALREADY_DELETED, 30);
  assert_status(del_m(*state, "u1", 20, QUORUM), RS_ST_FILE_ALREADY_DELETED, 30);
  assert_tombstone(*state, "u1", 30);
}

/* Every order of the same updates leaves quorum replicas identical. */
static void test_quorum_replicas_converge_whatever_the_order(void **state)
{
  (void)state;
  rs_op ops[4] = {
      {.kind = RS_OP_WRITE, .key = rs_bytes_str("u1"), .name = rs_bytes_str("F"), .value = rs_bytes_str("a")},
      {.kind = RS_OP_WRITE, .key = rs_bytes_str("u1"), .name = rs_bytes_str("F"), .value = rs_bytes_str("b")},
      {.kind = RS_OP_DELETE, .key = rs_bytes_str("u1")},
      {.kind = RS_OP_WRITE, .key = rs_bytes_str("u2"), .name = rs_bytes_str("G"), .value = rs_bytes_str("c")},
  };
  const uint64_t versions[4] = {1, 3, 2, 4};
  static const int perms[24][4] = {
      {0, 1, 2, 3}, {0, 1, 3, 2}, {0, 2, 1, 3}, {0, 2, 3, 1}, {0, 3, 1, 2}, {0, 3, 2, 1},
      {1, 0, 2, 3}, {1, 0, 3, 2}, {1, 2, 0, 3}, {1, 2, 3, 0}, {1, 3, 0, 2}, {1, 3, 2, 0},
      {2, 0, 1, 3}, {2, 0, 3, 1}, {2, 1, 0, 3}, {2, 1, 3, 0}, {2, 3, 0, 1}, {2, 3, 1, 0},
      {3, 0, 1, 2}, {3, 0, 2, 1}, {3, 1, 0, 2}, {3, 1, 2, 0}, {3, 2, 0, 1}, {3, 2, 1, 0},
  };
  uint64_t first = 0;
  for (int p = 0; p < 24; p++) {
    void *s = rs_app_files.create();
    for (int i = 0; i < 4; i++)
      run(s, ops[perms[p][i]], versions[perms[p][i]], QUORUM);
    assert_tombstone(s, "u1", 2);
    assert_live(s, "u2", "G", "c", 4);
    uint64_t d = rs_app_files.digest(s);
    if (p == 0)
      first = d;
    assert_true(d == first);
    rs_app_files.destroy(s);
  }
}

static void test_quorum_reads_behave_as_ordered_reads(void **state)
{
  write_m(*state, "u1", "F1", "c", 4, QUORUM);
  rs_op op = {.kind = RS_OP_READ, .key = rs_bytes_str("u1")};
  rs_result r = run(*state, op, 0, QUORUM);
  assert_status(r, RS_ST_SUCCESS, 4);
  assert_true(rs_bytes_eq_str(r.value, "c"));
}

/* ---- newer() ---- */

static void test_newer_prefers_a_tombstone_over_any_live_version(void **state)
{
  (void)state;
  rs_result dead = {.status = RS_ST_FILE_ALREADY_DELETED, .version = 1};
  rs_result live = {.status = RS_ST_SUCCESS, .version = 1000};
  assert_true(rs_app_files.newer(&dead, &live));
  assert_false(rs_app_files.newer(&live, &dead));
}

static void test_newer_prefers_the_higher_version(void **state)
{
  (void)state;
  rs_result a = {.status = RS_ST_SUCCESS, .version = 5}, b = {.status = RS_ST_SUCCESS, .version = 4};
  assert_true(rs_app_files.newer(&a, &b));
  assert_false(rs_app_files.newer(&b, &a));
  rs_result da = {.status = RS_ST_FILE_ALREADY_DELETED, .version = 5};
  rs_result db = {.status = RS_ST_FILE_ALREADY_DELETED, .version = 4};
  assert_true(rs_app_files.newer(&da, &db));
  assert_false(rs_app_files.newer(&db, &da));
}

static void test_newer_prefers_any_answer_with_a_version_over_does_not_exist(void **state)
{
  (void)state;
  rs_result none = {.status = RS_ST_FILE_DOES_NOT_EXIST};
  rs_result live = {.status = RS_ST_SUCCESS, .version = 1};
  rs_result dead = {.status = RS_ST_FILE_ALREADY_DELETED, .version = 1};
  assert_true(rs_app_files.newer(&live, &none));
  assert_true(rs_app_files.newer(&dead, &none));
  assert_false(rs_app_files.newer(&none, &live));
  assert_false(rs_app_files.newer(&none, &dead));
}

static void test_newer_is_strict(void **state)
{
  (void)state;
  rs_result a = {.status = RS_ST_SUCCESS, .version = 5}, b = a;
  rs_result n = {.status = RS_ST_FILE_DOES_NOT_EXIST}, m = n;
  assert_false(rs_app_files.newer(&a, &b));
  assert_false(rs_app_files.newer(&n, &m));
}

/* ---- snapshot, restore, digest ---- */

static void test_snapshot_restore_round_trip_keeps_state_and_digest(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *copy = rs_app_files.create();
  assert_true(rs_app_files.restore(copy, snap->data, snap->len));
  assert_live(copy, "u1", "F1", "M. Schumacher", 1);
  assert_tombstone(copy, "u2", 4);
  assert_live(copy, "u3", "F3", "", 3);
  assert_true(rs_app_files.digest(copy) == rs_app_files.digest(*state));
  GByteArray *again = snapshot(copy);
  assert_int_equal(again->len, snap->len);
  assert_memory_equal(again->data, snap->data, snap->len);
  g_byte_array_free(again, TRUE);
  g_byte_array_free(snap, TRUE);
  rs_app_files.destroy(copy);
}

static void test_restore_rebuilds_the_name_index(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *copy = rs_app_files.create();
  assert_true(rs_app_files.restore(copy, snap->data, snap->len));
  assert_status(write_f(copy, "u9", "F1", "x", 9), RS_ST_FILE_SAME_NAME_EXISTS, 0);
  assert_status(write_f(copy, "u9", "F2", "x", 9), RS_ST_SUCCESS, 9); /* u2's name, deleted */
  assert_status(write_f(copy, "u2", "F2b", "x", 10), RS_ST_DELETED_FILE_CANNOT_BE_UPDATED, 4);
  g_byte_array_free(snap, TRUE);
  rs_app_files.destroy(copy);
}

static void test_restore_replaces_the_previous_state(void **state)
{
  void *other = rs_app_files.create();
  write_f(other, "only", "O", "o", 1);
  GByteArray *snap = snapshot(other);
  populate(*state);
  assert_true(rs_app_files.restore(*state, snap->data, snap->len));
  assert_unknown(*state, "u1");
  assert_live(*state, "only", "O", "o", 1);
  assert_status(write_f(*state, "u5", "F1", "free now", 2), RS_ST_SUCCESS, 2);
  assert_true(rs_app_files.digest(*state) != rs_app_files.digest(other));
  g_byte_array_free(snap, TRUE);
  rs_app_files.destroy(other);
}

static void test_empty_state_snapshot_round_trips(void **state)
{
  GByteArray *snap = snapshot(*state);
  void *copy = rs_app_files.create();
  write_f(copy, "u1", "F", "c", 1);
  assert_true(rs_app_files.restore(copy, snap->data, snap->len));
  assert_unknown(copy, "u1");
  assert_true(rs_app_files.digest(copy) == rs_app_files.digest(*state));
  g_byte_array_free(snap, TRUE);
  rs_app_files.destroy(copy);
}

static void test_snapshot_and_digest_do_not_depend_on_insertion_order(void **state)
{
  void *a = *state, *b = rs_app_files.create();
  char uuid[16], name[16];
  for (int i = 0; i < 50; i++) {
    g_snprintf(uuid, sizeof uuid, "u%02d", i);
    g_snprintf(name, sizeof name, "n%02d", i);
    write_f(a, uuid, name, name, (uint64_t)i + 1);
  }
  for (int i = 49; i >= 0; i--) {
    g_snprintf(uuid, sizeof uuid, "u%02d", i);
    g_snprintf(name, sizeof name, "n%02d", i);
    write_f(b, uuid, "tmp", "tmp", 1000); /* a different history ... */
    write_f(b, uuid, name, name, (uint64_t)i + 1); /* ... to the same state */
  }
  assert_true(rs_app_files.digest(a) == rs_app_files.digest(b));
  GByteArray *sa = snapshot(a), *sb = snapshot(b);
  assert_int_equal(sa->len, sb->len);
  assert_memory_equal(sa->data, sb->data, sa->len);
  g_byte_array_free(sa, TRUE);
  g_byte_array_free(sb, TRUE);
  rs_app_files.destroy(b);
}

static void test_digest_tells_states_apart(void **state)
{
  void *s = *state;
  uint64_t seen[6];
  seen[0] = rs_app_files.digest(s);
  write_f(s, "u1", "F", "c", 1);
  seen[1] = rs_app_files.digest(s);
  write_f(s, "u1", "F", "d", 1);
  seen[2] = rs_app_files.digest(s);
  write_f(s, "u1", "F", "d", 2);
  seen[3] = rs_app_files.digest(s);
  write_f(s, "u1", "G", "d", 2);
  seen[4] = rs_app_files.digest(s);
  del_f(s, "u1", 2);
  seen[5] = rs_app_files.digest(s);
  for (int i = 0; i < 6; i++)
    for (int j = i + 1; j < 6; j++)
      assert_true(seen[i] != seen[j]);
}

static void test_restore_rejects_every_truncated_snapshot_and_keeps_the_state(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *other = rs_app_files.create();
  write_f(other, "keep", "K", "k", 1);
  uint64_t before = rs_app_files.digest(other);
  for (size_t len = 0; len < snap->len; len++) {
    uint8_t *copy = g_memdup2(snap->data, len ? len : 1);
    assert_false(rs_app_files.restore(other, copy, len));
    g_free(copy);
    assert_true(rs_app_files.digest(other) == before);
  }
  assert_live(other, "keep", "K", "k", 1);
  g_byte_array_free(snap, TRUE);
  rs_app_files.destroy(other);
}

/* A hand-made snapshot: 'F', 1, count, then (key, flags, version, name, content) per entry. */
typedef struct snap_entry {
  const char *key;
  int flags;
  int version;
  const char *name;
  const char *content;
} snap_entry;

static GByteArray *make_snapshot(const snap_entry *e, int n)
{
  GByteArray *b = g_byte_array_new();
  const uint8_t head[3] = {'F', 1, (uint8_t)n};
  g_byte_array_append(b, head, 3);
  for (int i = 0; i < n; i++) {
    const char *strs[3] = {e[i].key, e[i].name, e[i].content};
    uint8_t len = (uint8_t)strlen(strs[0]);
    g_byte_array_append(b, &len, 1);
    g_byte_array_append(b, (const guint8 *)strs[0], len);
    uint8_t fv[2] = {(uint8_t)e[i].flags, (uint8_t)e[i].version};
    g_byte_array_append(b, fv, 2);
    for (int k = 1; k < 3; k++) {
      len = (uint8_t)strlen(strs[k]);
      g_byte_array_append(b, &len, 1);
      g_byte_array_append(b, (const guint8 *)strs[k], len);
    }
  }
  return b;
}

static void assert_restore(void *s, const snap_entry *e, int n, bool want)
{
  GByteArray *b = make_snapshot(e, n);
  assert_int_equal(rs_app_files.restore(s, b->data, b->len), want);
  g_byte_array_free(b, TRUE);
}

static void test_restore_accepts_a_well_formed_hand_made_snapshot(void **state)
{
  const snap_entry ok[] = {{"a", 0, 1, "A", "x"}, {"b", 1, 2, "", ""}};
  assert_restore(*state, ok, 2, true);
  assert_live(*state, "a", "A", "x", 1);
  assert_tombstone(*state, "b", 2);
}

static void test_restore_rejects_malformed_snapshots(void **state)
{
  const snap_entry dup_key[] = {{"a", 0, 1, "A", "x"}, {"a", 0, 2, "B", "y"}};
  const snap_entry unsorted[] = {{"b", 0, 1, "A", "x"}, {"a", 0, 2, "B", "y"}};
  const snap_entry dup_name[] = {{"a", 0, 1, "A", "x"}, {"b", 0, 2, "A", "y"}};
  const snap_entry named_tombstone[] = {{"a", 1, 1, "A", ""}};
  const snap_entry full_tombstone[] = {{"a", 1, 1, "", "content"}};
  const snap_entry bad_flags[] = {{"a", 2, 1, "A", "x"}};
  populate(*state);
  uint64_t before = rs_app_files.digest(*state);
  assert_restore(*state, dup_key, 2, false);
  assert_restore(*state, unsorted, 2, false);
  assert_restore(*state, dup_name, 2, false);
  assert_restore(*state, named_tombstone, 1, false);
  assert_restore(*state, full_tombstone, 1, false);
  assert_restore(*state, bad_flags, 1, false);
  assert_true(rs_app_files.digest(*state) == before);

  GByteArray *good = snapshot(*state);
  g_byte_array_append(good, (const guint8 *)"!", 1);
  assert_false(rs_app_files.restore(*state, good->data, good->len)); /* trailing byte */
  good->data[0] = 'K';
  assert_false(rs_app_files.restore(*state, good->data, good->len - 1)); /* bad magic */
  good->data[0] = 'F';
  good->data[1] = 2;
  assert_false(rs_app_files.restore(*state, good->data, good->len - 1)); /* unknown version */
  assert_false(rs_app_files.restore(*state, NULL, 0));
  g_byte_array_free(good, TRUE);
  assert_true(rs_app_files.digest(*state) == before);
}

static void test_restore_of_corrupted_snapshots_never_crashes(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *s = rs_app_files.create();
  for (size_t i = 0; i < snap->len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      uint8_t *copy = g_memdup2(snap->data, snap->len);
      copy[i] ^= (uint8_t)(1u << bit);
      if (rs_app_files.restore(s, copy, snap->len)) {
        GByteArray *again = snapshot(s); /* whatever was accepted is a consistent state */
        void *t = rs_app_files.create();
        assert_true(rs_app_files.restore(t, again->data, again->len));
        assert_true(rs_app_files.digest(t) == rs_app_files.digest(s));
        rs_app_files.destroy(t);
        g_byte_array_free(again, TRUE);
      }
      g_free(copy);
    }
  }
  g_byte_array_free(snap, TRUE);
  rs_app_files.destroy(s);
}

static void test_files_is_registered_by_name(void **state)
{
  (void)state;
  assert_ptr_equal(rs_app_find("files"), &rs_app_files);
  rs_app *app = rs_app_new(&rs_app_files);
  assert_non_null(app->state);
  rs_app_free(app);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
      T(test_read_of_unknown_uuid_says_file_does_not_exist),
      T(test_read_of_live_file_returns_name_content_and_version),
      T(test_read_of_empty_file_returns_empty_content_not_null),
      T(test_read_of_deleted_file_says_already_deleted_with_deletion_version),
      T(test_write_of_new_uuid_with_free_name_creates_the_file),
      T(test_write_of_new_uuid_with_taken_name_says_same_name_exists),
      T(test_write_to_live_file_overwrites_whole_content),
      T(test_write_to_live_file_may_rename_it_and_frees_the_old_name),
      T(test_rename_to_a_name_another_live_file_holds_says_same_name_exists),
      T(test_write_to_deleted_file_cannot_be_updated),
      T(test_deleted_name_is_free_again),
      T(test_write_without_a_name_gets_the_empty_name),
      T(test_delete_of_unknown_uuid_says_file_does_not_exist),
      T(test_delete_of_live_file_leaves_tombstone_with_the_delete_version),
      T(test_delete_of_deleted_file_says_already_deleted_and_keeps_its_version),
      T(test_seed_004_test_script_outcomes),
      T(test_unknown_operations_answer_bad_request),
      T(test_keys_and_names_may_hold_any_byte),
      T(test_quorum_delete_of_unknown_uuid_leaves_tombstone_and_succeeds),
      T(test_quorum_write_to_tombstone_of_unknown_uuid_cannot_be_updated),
      T(test_quorum_older_write_answers_success_but_keeps_the_newer_content),
      T(test_quorum_newer_write_overwrites),
      T(test_quorum_same_name_rule_still_holds),
      T(test_quorum_delete_beats_a_newer_live_version),
      T(test_quorum_delete_of_tombstone_keeps_the_newest_deletion_version),
      T(test_quorum_replicas_converge_whatever_the_order),
      T(test_quorum_reads_behave_as_ordered_reads),
      T(test_newer_prefers_a_tombstone_over_any_live_version),
      T(test_newer_prefers_the_higher_version),
      T(test_newer_prefers_any_answer_with_a_version_over_does_not_exist),
      T(test_newer_is_strict),
      T(test_snapshot_restore_round_trip_keeps_state_and_digest),
      T(test_restore_rebuilds_the_name_index),
      T(test_restore_replaces_the_previous_state),
      T(test_empty_state_snapshot_round_trips),
      T(test_snapshot_and_digest_do_not_depend_on_insertion_order),
      T(test_digest_tells_states_apart),
      T(test_restore_rejects_every_truncated_snapshot_and_keeps_the_state),
      T(test_restore_accepts_a_well_formed_hand_made_snapshot),
      T(test_restore_rejects_malformed_snapshots),
      T(test_restore_of_corrupted_snapshots_never_crashes),
      T(test_files_is_registered_by_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
