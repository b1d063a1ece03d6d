/* Unit tests for the `kv` application (core/apps/kv.c): put, get, append, cas, in both modes. */
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
  *state = rs_app_kv.create();
  return 0;
}

static int teardown(void **state)
{
  rs_app_kv.destroy(*state);
  return 0;
}

static rs_result run(void *s, rs_op op, uint64_t version, rs_apply_mode mode)
{
  rs_result r;
  memset(&r, 0xab, sizeof r); /* execute must set every field */
  rs_app_kv.execute(s, &op, version, mode, &r);
  return r;
}

static rs_result put_m(void *s, const char *key, const char *value, uint64_t v, rs_apply_mode mode)
{
  rs_op op = {.kind = RS_OP_PUT, .key = rs_bytes_str(key), .value = rs_bytes_str(value)};
  return run(s, op, v, mode);
}

static rs_result put(void *s, const char *key, const char *value, uint64_t v)
{
  return put_m(s, key, value, v, ORDERED);
}

static rs_result append(void *s, const char *key, const char *value, uint64_t v)
{
  rs_op op = {.kind = RS_OP_APPEND, .key = rs_bytes_str(key), .value = rs_bytes_str(value)};
  return run(s, op, v, ORDERED);
}

/* `expected` NULL means "the key is absent". */
static rs_result cas(void *s, const char *key, const char *expected, const char *value, uint64_t v)
{
  rs_op op = {.kind = RS_OP_CAS, .key = rs_bytes_str(key), .expected = rs_bytes_str(expected),
              .value = rs_bytes_str(value)};
  return run(s, op, v, ORDERED);
}

static rs_result get(void *s, const char *key)
{
  rs_op op = {.kind = RS_OP_GET, .key = rs_bytes_str(key)};
  return run(s, op, 0, ORDERED);
}

static void assert_status(rs_result r, rs_status want, uint64_t version)
{
  assert_string_equal(rs_status_name(r.status), rs_status_name(want));
  assert_true(r.version == version);
}

static void assert_value(void *s, const char *key, const char *value, uint64_t version)
{
  rs_result r = get(s, key);
  assert_status(r, RS_ST_SUCCESS, version);
  assert_non_null(r.value.ptr);
  assert_true(rs_bytes_eq_str(r.value, value));
}

static void assert_absent(void *s, const char *key)
{
  rs_result r = get(s, key);
  assert_status(r, RS_ST_SUCCESS, 0);
  assert_null(r.value.ptr);
}

static GByteArray *snapshot(void *s)
{
  GByteArray *out = g_byte_array_new();
  rs_app_kv.snapshot(s, out);
  return out;
}

static void populate(void *s)
{
  put(s, "x", "1", 1);
  put(s, "y", "", 2);
  append(s, "z", "abc", 3);
  cas(s, "x", "1", "2", 4);
}

/* ---- put and get ---- */

static void test_get_of_absent_key_answers_success_with_null_value(void **state)
{
  assert_absent(*state, "nothing");
}

static void test_put_answers_success_and_get_returns_the_value(void **state)
{
  rs_result r = put(*state, "k", "v1", 3);
  assert_status(r, RS_ST_SUCCESS, 3);
  assert_value(*state, "k", "v1", 3);
}

static void test_put_overwrites_the_value(void **state)
{
  put(*state, "k", "a long value", 1);
  put(*state, "k", "b", 2);
  assert_value(*state, "k", "b", 2);
}

static void test_put_of_empty_value_reads_as_empty_not_null(void **state)
{
  put(*state, "k", "", 1);
  assert_value(*state, "k", "", 1);
}

static void test_keys_may_hold_any_byte(void **state)
{
  rs_op a = {.kind = RS_OP_PUT, .key = {"k\0a", 3}, .value = {"1\0", 2}};
  rs_op b = {.kind = RS_OP_PUT, .key = {"k\0b", 3}, .value = rs_bytes_str("2")};
  run(*state, a, 1, ORDERED);
  run(*state, b, 2, ORDERED);
  rs_op g = {.kind = RS_OP_GET, .key = {"k\0a", 3}};
  rs_result r = run(*state, g, 0, ORDERED);
  assert_int_equal(r.value.len, 2);
  assert_memory_equal(r.value.ptr, "1\0", 2);
  assert_absent(*state, "k");
}

/* ---- append ---- */

static void test_append_to_absent_key_starts_from_empty(void **state)
{
  rs_result r = append(*state, "k", "abc", 1);
  assert_status(r, RS_ST_SUCCESS, 1);
  assert_true(rs_bytes_eq_str(r.value, "abc"));
  assert_value(*state, "k", "abc", 1);
}

static void test_append_extends_the_value_and_returns_the_new_value(void **state)
{
  put(*state, "k", "x", 1);
  rs_result r = append(*state, "k", "yz", 2);
  assert_status(r, RS_ST_SUCCESS, 2);
  assert_true(rs_bytes_eq_str(r.value, "xyz"));
  assert_value(*state, "k", "xyz", 2);
}

static void test_append_is_not_idempotent(void **state)
{
  append(*state, "k", "ab", 1);
  append(*state, "k", "ab", 2);
  assert_value(*state, "k", "abab", 2);
}

static void test_many_appends_build_the_whole_value(void **state)
{
  for (int i = 0; i < 2000; i++)
    append(*state, "k", "0123456789", (uint64_t)i + 1);
  rs_result r = get(*state, "k");
  assert_int_equal(r.value.len, 20000);
  assert_memory_equal(r.value.ptr + 19990, "0123456789", 10);
}

/* ---- cas ---- */

static void test_cas_with_matching_expected_sets_the_value(void **state)
{
  put(*state, "k", "old", 1);
  assert_status(cas(*state, "k", "old", "new", 2), RS_ST_SUCCESS, 2);
  assert_value(*state, "k", "new", 2);
}

static void test_cas_with_mismatched_expected_answers_cas_mismatch_and_changes_nothing(void **state)
{
  put(*state, "k", "old", 1);
  rs_result r = cas(*state, "k", "other", "new", 2);
  assert_status(r, RS_ST_CAS_MISMATCH, 1);
  assert_null(r.value.ptr);
  assert_value(*state, "k", "old", 1);
}

static void test_cas_with_null_expected_sets_an_absent_key(void **state)
{
  assert_status(cas(*state, "k", NULL, "first", 1), RS_ST_SUCCESS, 1);
  assert_value(*state, "k", "first", 1);
}

static void test_cas_with_null_expected_on_a_present_key_mismatches(void **state)
{
  put(*state, "k", "", 1);
  assert_status(cas(*state, "k", NULL, "v", 2), RS_ST_CAS_MISMATCH, 1);
  assert_value(*state, "k", "", 1);
}

static void test_cas_with_empty_expected_on_an_absent_key_mismatches(void **state)
{
  assert_status(cas(*state, "k", "", "v", 1), RS_ST_CAS_MISMATCH, 0);
  assert_absent(*state, "k");
}

static void test_each_key_keeps_the_version_of_its_last_update(void **state)
{
  put(*state, "a", "1", 1);
  put(*state, "b", "1", 2);
  append(*state, "a", "2", 3);
  cas(*state, "b", "1", "3", 4);
  cas(*state, "a", "nope", "3", 5);
  assert_value(*state, "a", "12", 3);
  assert_value(*state, "b", "3", 4);
}

static void test_files_operations_answer_bad_request(void **state)
{
  const uint8_t kinds[] = {RS_OP_NONE, RS_OP_WRITE, RS_OP_READ, RS_OP_DELETE, 200};
  for (size_t i = 0; i < sizeof kinds; i++) {
    rs_op op = {.kind = kinds[i], .key = rs_bytes_str("k"), .value = rs_bytes_str("v")};
    rs_result r = run(*state, op, 1, ORDERED);
    assert_status(r, RS_ST_BAD_REQUEST, 0);
    assert_null(r.value.ptr);
  }
  assert_absent(*state, "k");
}

/* ---- QUORUM ---- */

static void test_quorum_put_is_last_writer_wins_by_version(void **state)
{
  assert_status(put_m(*state, "k", "newer", 20, QUORUM), RS_ST_SUCCESS, 20);
  assert_status(put_m(*state, "k", "older", 10, QUORUM), RS_ST_SUCCESS, 10);
  assert_value(*state, "k", "newer", 20);
  assert_status(put_m(*state, "k", "newest", 30, QUORUM), RS_ST_SUCCESS, 30);
  assert_value(*state, "k", "newest", 30);
}

static void test_quorum_append_and_cas_answer_bad_request(void **state)
{
  put_m(*state, "k", "v", 1, QUORUM);
  rs_op app = {.kind = RS_OP_APPEND, .key = rs_bytes_str("k"), .value = rs_bytes_str("w")};
  rs_op c = {.kind = RS_OP_CAS, .key = rs_bytes_str("k"), .expected = rs_bytes_str("v"),
             .value = rs_bytes_str("w")};
  assert_status(run(*state, app, 2, QUORUM), RS_ST_BAD_REQUEST, 0);
  assert_status(run(*state, c, 3, QUORUM), RS_ST_BAD_REQUEST, 0);
  assert_value(*state, "k", "v", 1);
}

static void test_quorum_puts_converge_whatever_the_order(void **state)
{
  (void)state;
  const char *values[3] = {"a", "b", "c"};
  const uint64_t versions[3] = {5, 9, 7};
  static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
  uint64_t first = 0;
  for (int p = 0; p < 6; p++) {
    void *s = rs_app_kv.create();
    for (int i = 0; i < 3; i++)
      put_m(s, "k", values[perms[p][i]], versions[perms[p][i]], QUORUM);
    assert_value(s, "k", "b", 9);
    if (p == 0)
      first = rs_app_kv.digest(s);
    assert_true(rs_app_kv.digest(s) == first);
    rs_app_kv.destroy(s);
  }
}

/* ---- newer() ---- */

static void test_newer_prefers_the_higher_version(void **state)
{
  (void)state;
  rs_result a = {.status = RS_ST_SUCCESS, .version = 5}, b = {.status = RS_ST_SUCCESS, .version = 4};
  rs_result null = {.status = RS_ST_SUCCESS};
  assert_true(rs_app_kv.newer(&a, &b));
  assert_false(rs_app_kv.newer(&b, &a));
  assert_true(rs_app_kv.newer(&b, &null));
  assert_false(rs_app_kv.newer(&null, &b));
}

static void test_newer_is_strict_and_prefers_an_answer_at_equal_versions(void **state)
{
  (void)state;
  rs_result a = {.status = RS_ST_SUCCESS, .version = 5}, b = a;
  rs_result t = {.status = RS_ST_TIMEOUT};
  rs_result null = {.status = RS_ST_SUCCESS};
  assert_false(rs_app_kv.newer(&a, &b));
  assert_true(rs_app_kv.newer(&null, &t));
  assert_false(rs_app_kv.newer(&t, &null));
}

/* ---- snapshot, restore, digest ---- */

static void test_snapshot_restore_round_trip_keeps_state_and_digest(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *copy = rs_app_kv.create();
  assert_true(rs_app_kv.restore(copy, snap->data, snap->len));
  assert_value(copy, "x", "2", 4);
  assert_value(copy, "y", "", 2);
  assert_value(copy, "z", "abc", 3);
  assert_true(rs_app_kv.digest(copy) == rs_app_kv.digest(*state));
  GByteArray *again = snapshot(copy);
  assert_int_equal(again->len, snap->len);
  assert_memory_equal(again->data, snap->data, snap->len);
  g_byte_array_free(again, TRUE);
  g_byte_array_free(snap, TRUE);
  rs_app_kv.destroy(copy);
}

static void test_restore_replaces_the_previous_state(void **state)
{
  void *other = rs_app_kv.create();
  put(other, "only", "o", 1);
  GByteArray *snap = snapshot(other);
  populate(*state);
  assert_true(rs_app_kv.restore(*state, snap->data, snap->len));
  assert_absent(*state, "x");
  assert_value(*state, "only", "o", 1);
  assert_true(rs_app_kv.digest(*state) == rs_app_kv.digest(other));
  g_byte_array_free(snap, TRUE);
  rs_app_kv.destroy(other);
}

static void test_empty_state_snapshot_round_trips(void **state)
{
  GByteArray *snap = snapshot(*state);
  void *copy = rs_app_kv.create();
  put(copy, "k", "v", 1);
  assert_true(rs_app_kv.restore(copy, snap->data, snap->len));
  assert_absent(copy, "k");
  assert_true(rs_app_kv.digest(copy) == rs_app_kv.digest(*state));
  g_byte_array_free(snap, TRUE);
  rs_app_kv.destroy(copy);
}

static void test_snapshot_and_digest_do_not_depend_on_insertion_order(void **state)
{
  void *a = *state, *b = rs_app_kv.create();
  char key[16];
  for (int i = 0; i < 100; i++) {
    g_snprintf(key, sizeof key, "k%03d", i);
    put(a, key, key, (uint64_t)i + 1);
  }
  for (int i = 99; i >= 0; i--) {
    g_snprintf(key, sizeof key, "k%03d", i);
    append(b, key, "k", 500);
    put(b, key, key, (uint64_t)i + 1);
  }
  assert_true(rs_app_kv.digest(a) == rs_app_kv.digest(b));
  GByteArray *sa = snapshot(a), *sb = snapshot(b);
  assert_int_equal(sa->len, sb->len);
  assert_memory_equal(sa->data, sb->data, sa->len);
  g_byte_array_free(sa, TRUE);
  g_byte_array_free(sb, TRUE);
  rs_app_kv.destroy(b);
}

static void test_digest_tells_states_apart(void **state)
{
  void *s = *state;
  uint64_t seen[5];
  seen[0] = rs_app_kv.digest(s);
  put(s, "k", "", 1);
  seen[1] = rs_app_kv.digest(s);
  put(s, "k", "v", 1);
  seen[2] = rs_app_kv.digest(s);
  put(s, "k", "v", 2);
  seen[3] = rs_app_kv.digest(s);
  put(s, "k2", "v", 2);
  seen[4] = rs_app_kv.digest(s);
  for (int i = 0; i < 5; i++)
    for (int j = i + 1; j < 5; j++)
      assert_true(seen[i] != seen[j]);
}

static void test_restore_rejects_every_truncated_snapshot_and_keeps_the_state(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *other = rs_app_kv.create();
  put(other, "keep", "k", 1);
  uint64_t before = rs_app_kv.digest(other);
  for (size_t len = 0; len < snap->len; len++) {
    uint8_t *copy = g_memdup2(snap->data, len ? len : 1);
    assert_false(rs_app_kv.restore(other, copy, len));
    g_free(copy);
    assert_true(rs_app_kv.digest(other) == before);
  }
  g_byte_array_free(snap, TRUE);
  rs_app_kv.destroy(other);
}

static void test_restore_rejects_malformed_snapshots(void **state)
{
  /* 'K', 1, count, then (key, version, value) per entry */
  const uint8_t ok[] = {'K', 1, 2, 1, 'a', 1, 1, 'x', 1, 'b', 2, 0};
  const uint8_t dup[] = {'K', 1, 2, 1, 'a', 1, 1, 'x', 1, 'a', 2, 0};
  const uint8_t unsorted[] = {'K', 1, 2, 1, 'b', 1, 1, 'x', 1, 'a', 2, 0};
  const uint8_t trailing[] = {'K', 1, 1, 1, 'a', 1, 1, 'x', 0};
  const uint8_t magic[] = {'F', 1, 0};
  const uint8_t version[] = {'K', 2, 0};
  const uint8_t long_value[] = {'K', 1, 1, 1, 'a', 1, 9, 'x'};
  const uint8_t overlong[] = {'K', 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0};
  populate(*state);
  uint64_t before = rs_app_kv.digest(*state);
  assert_false(rs_app_kv.restore(*state, dup, sizeof dup));
  assert_false(rs_app_kv.restore(*state, unsorted, sizeof unsorted));
  assert_false(rs_app_kv.restore(*state, trailing, sizeof trailing));
  assert_false(rs_app_kv.restore(*state, magic, sizeof magic));
  assert_false(rs_app_kv.restore(*state, version, sizeof version));
  assert_false(rs_app_kv.restore(*state, long_value, sizeof long_value));
  assert_false(rs_app_kv.restore(*state, overlong, sizeof overlong));
  assert_false(rs_app_kv.restore(*state, NULL, 0));
  assert_true(rs_app_kv.digest(*state) == before);
  assert_true(rs_app_kv.restore(*state, ok, sizeof ok));
  assert_value(*state, "a", "x", 1);
  assert_value(*state, "b", "", 2);
}

static void test_restore_of_corrupted_snapshots_never_crashes(void **state)
{
  populate(*state);
  GByteArray *snap = snapshot(*state);
  void *s = rs_app_kv.create();
  for (size_t i = 0; i < snap->len; i++) {
    for (int bit = 0; bit < 8; bit++) {
      uint8_t *copy = g_memdup2(snap->data, snap->len);
      copy[i] ^= (uint8_t)(1u << bit);
      if (rs_app_kv.restore(s, copy, snap->len)) {
        GByteArray *again = snapshot(s);
        void *t = rs_app_kv.create();
        assert_true(rs_app_kv.restore(t, again->data, again->len));
        assert_true(rs_app_kv.digest(t) == rs_app_kv.digest(s));
        rs_app_kv.destroy(t);
        g_byte_array_free(again, TRUE);
      }
      g_free(copy);
    }
  }
  g_byte_array_free(snap, TRUE);
  rs_app_kv.destroy(s);
}

static void test_kv_is_registered_by_name(void **state)
{
  (void)state;
  assert_ptr_equal(rs_app_find("kv"), &rs_app_kv);
  assert_ptr_equal(rs_app_find("votes"), &rs_app_votes);
  assert_null(rs_app_find("ledger"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
      T(test_get_of_absent_key_answers_success_with_null_value),
      T(test_put_answers_success_and_get_returns_the_value),
      T(test_put_overwrites_the_value),
      T(test_put_of_empty_value_reads_as_empty_not_null),
      T(test_keys_may_hold_any_byte),
      T(test_append_to_absent_key_starts_from_empty),
      T(test_append_extends_the_value_and_returns_the_new_value),
      T(test_append_is_not_idempotent),
      T(test_many_appends_build_the_whole_value),
      T(test_cas_with_matching_expected_sets_the_value),
      T(test_cas_with_mismatched_expected_answers_cas_mismatch_and_changes_nothing),
      T(test_cas_with_null_expected_sets_an_absent_key),
      T(test_cas_with_null_expected_on_a_present_key_mismatches),
      T(test_cas_with_empty_expected_on_an_absent_key_mismatches),
      T(test_each_key_keeps_the_version_of_its_last_update),
      T(test_files_operations_answer_bad_request),
      T(test_quorum_put_is_last_writer_wins_by_version),
      T(test_quorum_append_and_cas_answer_bad_request),
      T(test_quorum_puts_converge_whatever_the_order),
      T(test_newer_prefers_the_higher_version),
      T(test_newer_is_strict_and_prefers_an_answer_at_equal_versions),
      T(test_snapshot_restore_round_trip_keeps_state_and_digest),
      T(test_restore_replaces_the_previous_state),
      T(test_empty_state_snapshot_round_trips),
      T(test_snapshot_and_digest_do_not_depend_on_insertion_order),
      T(test_digest_tells_states_apart),
      T(test_restore_rejects_every_truncated_snapshot_and_keeps_the_state),
      T(test_restore_rejects_malformed_snapshots),
      T(test_restore_of_corrupted_snapshots_never_crashes),
      T(test_kv_is_registered_by_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
