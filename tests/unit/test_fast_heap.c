/* Unit tests for the fast engine's event heap: events pop by time, then class, then push order,
 * whatever order they were pushed in (the engine's determinism rests on it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* The heap is self-contained: compiled in here, so the test links no SimGrid. */
#include "engine/fast_heap.c"

static fe_event ev(double t, uint8_t cls, uint64_t seq)
{
  return (fe_event){.t = t, .cls = cls, .seq = seq};
}

static void test_pops_by_time_then_class_then_sequence(void **state)
{
  (void)state;
  fe_heap h = {0};
  fe_event in[] = {ev(2, 0, 0), ev(1, 1, 1), ev(1, 0, 2), ev(1, 0, 3), ev(0.5, 1, 4), ev(2, 0, 5)};
  for (size_t i = 0; i < sizeof in / sizeof in[0]; i++)
    fe_heap_push(&h, &in[i]);
  uint64_t want[] = {4, 2, 3, 1, 0, 5};
  fe_event out;
  for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
    assert_true(fe_heap_pop(&h, &out));
    assert_int_equal(out.seq, want[i]);
  }
  assert_false(fe_heap_pop(&h, &out));
  fe_heap_clear(&h);
}

/* A hundred thousand events in a scrambled order (many equal times) come out sorted. */
static void test_many_events_come_out_sorted(void **state)
{
  (void)state;
  fe_heap h = {0};
  uint64_t x = 88172645463325252ull;
  for (uint64_t i = 0; i < 100000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    fe_event e = ev((double)(x % 1000) / 10, (uint8_t)(x >> 40 & 1), i);
    fe_heap_push(&h, &e);
  }
  fe_event prev, cur;
  assert_true(fe_heap_pop(&h, &prev));
  size_t n = 1;
  while (fe_heap_pop(&h, &cur)) {
    bool ordered = prev.t < cur.t || (prev.t == cur.t && (prev.cls < cur.cls || (prev.cls == cur.cls && prev.seq < cur.seq)));
    assert_true(ordered);
    prev = cur;
    n++;
  }
  assert_int_equal(n, 100000);
  fe_heap_clear(&h);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pops_by_time_then_class_then_sequence),
      cmocka_unit_test(test_many_events_come_out_sorted),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
