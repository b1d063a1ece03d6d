/* The fixture's own safety checks catch what they claim to: two primaries in a view, an update
 * applied twice, a backup whose updates are not a run of its primary's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "support/fixture_invariants.h"

static rs_result ok = {.status = RS_ST_SUCCESS};

static void apply(fx_invariants *v, rs_node_id node, rs_node_id client, uint64_t seq, const char *key)
{
  rs_op op = {.kind = RS_OP_PUT, .key = {key, (uint32_t)strlen(key)}, .value = {"v", 1}};
  rs_persist rec = {.kind = RS_PERSIST_OP, .op = &op, .res = &ok, .client = client, .seq = seq};
  fx_inv_persist(v, node, &rec);
}

static void test_two_primaries_in_one_view_are_caught_unless_allowed(void **state)
{
  (void)state;
  fx_invariants *v = fx_inv_new();
  fx_inv_role(v, 1, "primary", 3);
  fx_inv_role(v, 1, "primary", 3); /* the same one again is fine */
  fx_inv_role(v, 2, "backup", 3);
  assert_null(fx_inv_violation(v));
  fx_inv_role(v, 2, "primary", 3);
  assert_non_null(strstr(fx_inv_violation(v), "two primaries in view 3"));
  fx_inv_free(v);
  v = fx_inv_new();
  fx_inv_allow_split_brain(v, true);
  fx_inv_role(v, 1, "primary", 3);
  fx_inv_role(v, 2, "primary", 3);
  assert_null(fx_inv_violation(v));
  fx_inv_free(v);
}

static void test_an_update_applied_twice_is_caught_but_not_after_a_state_transfer(void **state)
{
  (void)state;
  fx_invariants *v = fx_inv_new();
  apply(v, 1, 7, 1, "a");
  rs_persist st = {.kind = RS_PERSIST_STATE};
  fx_inv_persist(v, 1, &st);
  apply(v, 1, 7, 1, "a"); /* its store was replaced: this is its first time in the new state */
  assert_null(fx_inv_violation(v));
  apply(v, 1, 7, 1, "a");
  assert_non_null(strstr(fx_inv_violation(v), "applied (client 7, seq 1) twice"));
  fx_inv_free(v);
}

static void test_a_backup_must_apply_a_run_of_its_primarys_order(void **state)
{
  (void)state;
  fx_invariants *v = fx_inv_new();
  apply(v, 1, 7, 1, "a");
  apply(v, 1, 7, 2, "b");
  apply(v, 1, 7, 3, "c");
  apply(v, 2, 7, 2, "b"); /* joined after a: a run from there */
  apply(v, 2, 7, 3, "c");
  fx_inv_pair(v, 1, 2);
  assert_null(fx_inv_violation(v));
  apply(v, 3, 7, 1, "a");
  apply(v, 3, 7, 3, "c"); /* skipped b */
  fx_inv_pair(v, 1, 3);
  assert_non_null(strstr(fx_inv_violation(v), "is not its primary 1's"));
  fx_inv_free(v);
  v = fx_inv_new();
  apply(v, 1, 7, 1, "a");
  apply(v, 2, 7, 1, "a");
  apply(v, 2, 7, 2, "b"); /* ahead of its primary */
  fx_inv_pair(v, 1, 2);
  assert_non_null(strstr(fx_inv_violation(v), "never applied"));
  fx_inv_free(v);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_two_primaries_in_one_view_are_caught_unless_allowed),
      cmocka_unit_test(test_an_update_applied_twice_is_caught_but_not_after_a_state_transfer),
      cmocka_unit_test(test_a_backup_must_apply_a_run_of_its_primarys_order),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
