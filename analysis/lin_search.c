/* The checker's search over one key: Wing & Gong with Lowe's just-in-time rule, Porcupine's memo. */
#include "analysis/lin_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Memo of explored configurations ------------------------------------------------------- */

static uint64_t lin_mix64(uint64_t x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static void lin_memo_init(lin_memo *m)
{
  m->mask = 1023;
  m->buckets = g_new0(uint32_t, m->mask + 1);
  m->entries = g_array_new(FALSE, FALSE, sizeof(lin_memo_entry));
}

static void lin_memo_clear(lin_memo *m)
{
  g_free(m->buckets);
  g_array_free(m->entries, TRUE);
}

static uint32_t lin_memo_slot(const lin_memo *m, lin_set_hash set, lin_state st)
{
  return (uint32_t)(lin_mix64(set.a ^ lin_mix64(st)) & m->mask);
}

/* Doubles the bucket array and rechains every entry: O(entries), amortized O(1) per insert. */
static void lin_memo_grow(lin_memo *m)
{
  m->mask = m->mask * 2 + 1;
  g_free(m->buckets);
  m->buckets = g_new0(uint32_t, m->mask + 1);
  for (uint32_t i = 0; i < m->entries->len; i++) {
    lin_memo_entry *e = &g_array_index(m->entries, lin_memo_entry, i);
    uint32_t slot = lin_memo_slot(m, e->set, e->state);
    e->next = m->buckets[slot];
    m->buckets[slot] = i + 1;
  }
}

/* Remembers a configuration; false if it was already there. O(1) expected. */
static bool lin_memo_add(lin_memo *m, lin_set_hash set, lin_state st)
{
  uint32_t slot = lin_memo_slot(m, set, st);
  for (uint32_t i = m->buckets[slot]; i;) {
    const lin_memo_entry *e = &g_array_index(m->entries, lin_memo_entry, i - 1);
    if (e->set.a == set.a && e->set.b == set.b && e->state == st)
      return false;
    i = e->next;
  }
  lin_memo_entry e = {set, st, m->buckets[slot]};
  g_array_append_val(m->entries, e);
  m->buckets[slot] = m->entries->len;
  if (m->entries->len > 2 * (m->mask + 1))
    lin_memo_grow(m);
  return true;
}

/* ---- The time bound ----------------------------------------------------------------------- */

double lin_monotonic_clock(void *ctx)
{
  (void)ctx;
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool lin_deadline_now(lin_deadline *d)
{
  if (d->limit > 0 && !d->expired)
    d->expired = d->clock(d->ctx) - d->start > d->limit;
  return d->expired;
}

/* Reads the clock once every LIN_CLOCK_EVERY calls, so the bound costs nearly nothing. */
bool lin_deadline_passed(lin_deadline *d)
{
  if (d->expired)
    return true;
  if (d->limit <= 0 || ++d->tick % LIN_CLOCK_EVERY != 0)
    return false;
  return lin_deadline_now(d);
}

/* ---- The search over one key -------------------------------------------------------------- */

static int lin_sop_cmp(const void *a, const void *b)
{
  const lin_sop *x = a, *y = b;
  if (x->t_call != y->t_call)
    return x->t_call < y->t_call ? -1 : 1;
  return x->h->index < y->h->index ? -1 : x->h->index > y->h->index;
}

typedef struct lin_entry {
  double t;
  uint32_t node;
} lin_entry;

/* Time order; at equal times calls come first (nodes of calls are lower), then by operation. */
static int lin_entry_cmp(const void *a, const void *b)
{
  const lin_entry *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  return x->node < y->node ? -1 : x->node > y->node;
}

/* Chains `count` nodes after `head`, in the order given, closing the circle. */
static void lin_chain(lin_search *s, uint32_t head, const lin_entry *e, uint32_t count)
{
  uint32_t last = head;
  for (uint32_t j = 0; j < count; j++) {
    s->next[last] = e[j].node;
    s->prev[e[j].node] = last;
    last = e[j].node;
  }
  s->next[last] = head;
  s->prev[head] = last;
}

/* Builds both lists. O(n log n). */
static void lin_search_link(lin_search *s)
{
  uint32_t n = s->n, nc = 0, nu = 0;
  lin_entry *checked = g_new(lin_entry, 2 * n + 1), *unchecked = g_new(lin_entry, n + 1);
  for (uint32_t i = 0; i < n; i++) {
    if (!s->ops[i].checked) {
      unchecked[nu++] = (lin_entry){s->ops[i].t_call, 1 + i};
      continue;
    }
    checked[nc++] = (lin_entry){s->ops[i].t_call, 1 + i};
    checked[nc++] = (lin_entry){s->ops[i].t_ret, 1 + n + i};
  }
  qsort(checked, nc, sizeof *checked, lin_entry_cmp);
  s->uhead = 2 * n + 1;
  s->next = g_new0(uint32_t, 2 * n + 2);
  s->prev = g_new0(uint32_t, 2 * n + 2);
  s->rank = g_new0(uint32_t, 2 * n + 2);
  lin_chain(s, 0, checked, nc);
  lin_chain(s, s->uhead, unchecked, nu); /* ops are sorted by call already */
  for (uint32_t j = 0; j < nc; j++)
    s->rank[checked[j].node] = j + 1;
  g_free(checked);
  g_free(unchecked);
}

void lin_search_init(lin_search *s, const lin_model *m, lin_deadline *d)
{
  memset(s, 0, sizeof *s);
  s->model = m;
  s->deadline = d;
  lin_strings_init(&s->strs);
  s->stack = g_array_new(FALSE, FALSE, sizeof(lin_frame));
  lin_memo_init(&s->memo);
}

/* Prepares the lists, tags and buffers once the key's operations are in `ops`. */
void lin_search_ready(lin_search *s)
{
  if (s->n > 1)
    qsort(s->ops, s->n, sizeof *s->ops, lin_sop_cmp);
  lin_search_link(s);
  s->tag = g_new(lin_set_hash, s->n + 1);
  for (uint32_t i = 0; i < s->n; i++)
    s->tag[i] = (lin_set_hash){lin_mix64(2 * (uint64_t)i), lin_mix64(2 * (uint64_t)i + 1)};
  s->best = g_new(uint32_t, s->n + 1);
  for (uint32_t i = 0; i < s->n; i++)
    s->unplaced_checked += s->ops[i].checked;
}

void lin_search_clear(lin_search *s)
{
  lin_strings_clear(&s->strs);
  g_array_free(s->stack, TRUE);
  lin_memo_clear(&s->memo);
  g_free(s->ops);
  g_free(s->next);
  g_free(s->prev);
  g_free(s->rank);
  g_free(s->tag);
  g_free(s->best);
}

static void lin_unlink(lin_search *s, uint32_t x)
{
  s->next[s->prev[x]] = s->next[x];
  s->prev[s->next[x]] = s->prev[x];
}

static void lin_relink(lin_search *s, uint32_t x)
{
  s->next[s->prev[x]] = x;
  s->prev[s->next[x]] = x;
}

/* Takes a placed op's nodes out of their list; lin_unlift puts them back (in reverse, as in
 * dancing links). O(1). */
static void lin_lift(lin_search *s, uint32_t op)
{
  lin_unlink(s, 1 + op);
  if (s->ops[op].checked)
    lin_unlink(s, 1 + s->n + op);
}

static void lin_unlift(lin_search *s, uint32_t op)
{
  if (s->ops[op].checked)
    lin_relink(s, 1 + s->n + op);
  lin_relink(s, 1 + op);
}

/* Keeps `best` the longest stack seen. Each op pushed is copied into best at most once before
 * it is popped again, so this is amortized O(1) per push. */
static void lin_best_push(lin_search *s)
{
  const lin_frame *f = (const lin_frame *)s->stack->data;
  uint32_t d = s->stack->len - 1;
  if (d < s->best_len) {
    if (s->agree == d && s->best[d] == f[d].op)
      s->agree++;
    return;
  }
  for (uint32_t j = s->agree; j <= d; j++)
    s->best[j] = f[j].op;
  s->best_len = d + 1;
  s->agree = d + 1;
}

static void lin_best_pop(lin_search *s)
{
  if (s->agree > s->stack->len)
    s->agree = s->stack->len;
}

static void lin_window_find(const lin_search *s, lin_window *w)
{
  uint32_t x = s->next[0];
  while (x != 0 && x <= s->n)
    x = s->next[x];
  w->end = x;
  w->urgent = x ? x - 1 - s->n : LIN_NONE;
  w->t_end = x ? s->ops[w->urgent].t_ret : 0;
}

/* The next unchecked op after `x` (a node of the unchecked list) that may be placed now. */
static uint32_t lin_unchecked_from(const lin_search *s, const lin_window *w, uint32_t x)
{
  return x != s->uhead && s->ops[x - 1].t_call <= w->t_end ? x - 1 : LIN_NONE;
}

/* The candidates of a decision point that are not pure, in call order (as Porcupine tries them;
 * trying the urgent op first, or the unchecked ones last, was measured to explore far more): the
 * one after `prev` (LIN_NONE: the first), or LIN_NONE when none is left. Both lists are in call
 * order, so this merges them; O(concurrency). */
static uint32_t lin_next_candidate(const lin_search *s, const lin_window *w, uint32_t prev)
{
  bool from_checked = prev != LIN_NONE && s->ops[prev].checked;
  uint32_t x = from_checked ? s->next[1 + prev] : s->next[0];
  uint32_t a = LIN_NONE, b;
  for (; x != w->end; x = s->next[x])
    if (!s->ops[x - 1].pure && (prev == LIN_NONE || x - 1 > prev)) {
      a = x - 1;
      break;
    }
  if (prev != LIN_NONE && !from_checked) {
    b = lin_unchecked_from(s, w, s->next[1 + prev]);
  } else {
    for (x = s->next[s->uhead]; x != s->uhead && prev != LIN_NONE && x - 1 < prev;)
      x = s->next[x];
    b = lin_unchecked_from(s, w, x);
  }
  return MIN(a, b);
}

static lin_set_hash lin_xor(lin_set_hash h, lin_set_hash tag)
{
  return (lin_set_hash){h.a ^ tag.a, h.b ^ tag.b};
}

static void lin_push(lin_search *s, lin_cursor *c, uint32_t op, lin_state ns, bool forced)
{
  lin_frame f = {op, forced, c->state};
  g_array_append_val(s->stack, f);
  lin_best_push(s);
  c->state = ns;
  c->set = lin_xor(c->set, s->tag[op]);
  lin_lift(s, op);
  s->unplaced_checked -= s->ops[op].checked;
}

static lin_frame lin_pop(lin_search *s, lin_cursor *c)
{
  lin_frame f = g_array_index(s->stack, lin_frame, s->stack->len - 1);
  g_array_set_size(s->stack, s->stack->len - 1);
  lin_best_pop(s);
  c->state = f.state;
  c->set = lin_xor(c->set, s->tag[f.op]);
  lin_unlift(s, f.op);
  s->unplaced_checked += s->ops[f.op].checked;
  return f;
}

/* Tries `op` on top of the current configuration: true if it steps to a configuration never
 * explored before (its state then in *ns); *seen tells a step to an explored one. */
static bool lin_try(lin_search *s, const lin_cursor *c, uint32_t op, lin_state *ns, bool *seen)
{
  *seen = false;
  if (!lin_step(s->model, &s->strs, c->state, &s->ops[op], ns))
    return false;
  *seen = !lin_memo_add(&s->memo, lin_xor(c->set, s->tag[op]), *ns);
  return !*seen;
}

enum { LIN_PURE_NONE, LIN_PURE_PLACED, LIN_PURE_DEAD };

/* Pure ops (checked, and whose answer says they changed nothing: reads, mismatches, refusals by
 * the state) commute with everything once they can be placed: if the configuration can be
 * completed at all, it can be completed with such an op placed now. So one that steps is placed
 * without trying alternatives, and the configuration lives or dies with it. O(concurrency). */
static int lin_place_pure(lin_search *s, lin_cursor *c, const lin_window *w)
{
  uint32_t from = s->pure_from;
  s->pure_from = 0;
  for (uint32_t x = s->next[from]; x != w->end; x = s->next[x]) {
    lin_state ns;
    bool seen;
    if (!s->ops[x - 1].pure)
      continue;
    if (lin_try(s, c, x - 1, &ns, &seen)) {
      /* The pure ops before this one failed to step from this very state, and the window only
       * grows at its end: if the state stays, the next scan starts where this one stopped
       * instead of trying every failed read of the window again for each read placed. Its
       * predecessor stays in the list when it is lifted out. */
      if (ns == c->state)
        s->pure_from = s->prev[x];
      lin_push(s, c, x - 1, ns, true);
      return LIN_PURE_PLACED;
    }
    if (seen)
      return LIN_PURE_DEAD;
  }
  return LIN_PURE_NONE;
}

/* The search (Porcupine's checkSingle, with pure ops placed greedily). It succeeds once every
 * checked op is placed: unchecked ops left over simply never took effect. It answers
 * VIOLATION when a decision point runs out of candidates with nothing left to undo, UNKNOWN when
 * the time bound runs out (called again with a new deadline, it goes on where it stopped) or the
 * memory bound did (for good: `exhausted`). Each step is O(concurrency); the number of steps is the number of
 * configurations explored, exponential only in the worst case. */
lin_verdict lin_search_run(lin_search *s)
{
  if (!s->started) {
    s->started = true;
    s->cur = (lin_cursor){s->init, {0, 0}};
    s->cand = LIN_NONE;
    s->win = (lin_window){LIN_NONE, 0, 0};
    s->decide = true;
  }
  lin_cursor *c = &s->cur;
  lin_window *w = &s->win;
  while (s->unplaced_checked > 0) {
    /* Appends make every placement a new, longer value: a search over a few keys with many
     * concurrent appends ran for minutes and gigabytes before its first clock reading (the
     * swarm: `replsim run --max-wall` never returned). */
    if (s->memo.entries->len >= LIN_MAX_CONFIGS || s->strs.bytes >= LIN_MAX_STRING_BYTES)
      s->exhausted = true;
    if (s->exhausted || lin_deadline_passed(s->deadline))
      return LIN_UNKNOWN; /* at the top of a step: the state is whole, and can resume */
    if (s->decide) {
      s->decide = false;
      lin_window_find(s, w);
      int pure = lin_place_pure(s, c, w);
      if (pure == LIN_PURE_PLACED) {
        s->decide = true;
        continue;
      }
      s->cand = pure == LIN_PURE_DEAD ? LIN_NONE : lin_next_candidate(s, w, LIN_NONE);
    }
    if (s->cand == LIN_NONE) {
      if (s->stack->len == 0)
        return LIN_VIOLATION;
      lin_frame f = lin_pop(s, c);
      if (!f.forced) {
        lin_window_find(s, w);
        s->cand = lin_next_candidate(s, w, f.op);
      }
      continue;
    }
    lin_state ns;
    bool seen;
    if (lin_try(s, c, s->cand, &ns, &seen)) {
      lin_push(s, c, s->cand, ns, false);
      s->decide = true;
    } else {
      s->cand = lin_next_candidate(s, w, s->cand);
    }
  }
  return LIN_LINEARIZABLE;
}
