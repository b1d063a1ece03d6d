/* The linearizability checker: Wing & Gong / Lowe's just-in-time search with Porcupine's memo.
 *
 * What the operations mean:
 * - ok: took effect exactly once between its invocation and its completion, and its answer (the
 *   status and, for a read, the value; never the version) must be the model's.
 * - fail: never took effect; dropped.
 * - info and pending: may or may not have taken effect, at any time after the invocation; the
 *   completion is treated as +infinity and the answer is not checked. The search may place
 *   such an operation anywhere after its invocation; one it never places never took effect.
 *   Reads among them are dropped: they change nothing and nothing of theirs is checked.
 * - ok with NOT PRIMARY, NO QUORUM or BAD REQUEST: a refusal, handled like fail; ok with TIMEOUT:
 *   handled like info.
 * - ok with FILE WITH THE SAME NAME ALREADY EXISTS (files): whether it is right depends on the
 *   other uuids, which a per-key check cannot see. Approximation: such an operation is taken to
 *   have had no effect on its uuid and to be allowed in any state, so it is dropped. A service
 *   that answers it wrongly is not caught here.
 *
 * Two operations whose completion and invocation share a time are taken as concurrent.
 *
 * The history is split by key (P-compositionality: a history is linearizable iff each key's
 * sub-history is). Each key is searched depth-first (Wing & Gong) over an entry list of calls and
 * returns in time order, as Porcupine does it: by Lowe's just-in-time rule the next operation
 * placed is one whose call comes before the first pending return, and when none can be, the
 * last placement is undone. Configurations (set of placed operations, model state) already
 * explored are remembered and not explored again. Two reductions on top: an operation whose
 * answer says it changed nothing (a read, a mismatch) is placed as soon as it can be, without
 * trying alternatives, since it commutes with everything; and the search stops once every ok
 * operation is placed, leaving the unplaced info ones as never having taken effect. */
#include "analysis/lin_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Whole histories ---------------------------------------------------------------------- */

/* Builds the search of one key's operations (history order). */
static lin_search *lin_key_search(const lin_model *m, GPtrArray *hops, const lin_options *opt)
{
  lin_search *s = g_new(lin_search, 1);
  lin_search_init(s, m, NULL);
  s->ops = g_new(lin_sop, hops->len + 1);
  for (guint i = 0; i < hops->len; i++) {
    const hist_op *o = hops->pdata[i];
    rs_op_kind kind = rs_op_parse(o->op);
    lin_role role = lin_classify(o, kind);
    if (role != LIN_DROP)
      s->ops[s->n++] = lin_sop_make(o, kind, role, &s->strs);
  }
  if (opt && opt->kv_initial && strcmp(m->name, "kv") == 0)
    s->init = lin_mk(0, lin_intern(&s->strs, opt->kv_initial));
  lin_search_ready(s);
  return s;
}

static void lin_key_finish(lin_search *s, lin_verdict v, lin_key_result *out)
{
  out->verdict = v;
  out->configs = s->memo.entries->len;
  if (v == LIN_VIOLATION)
    out->violation = lin_explain(s);
  lin_search_clear(s);
  g_free(s);
}

/* A deadline of `limit` seconds from now, cut to what is left of `outer` (when it has a bound). */
static lin_deadline lin_slice(const lin_deadline *outer, double limit)
{
  lin_deadline d = {outer->clock, outer->ctx, outer->clock(outer->ctx), limit, 0, false};
  if (outer->limit > 0) {
    double left = outer->limit - (d.start - outer->start);
    d.limit = left > 0 ? MIN(limit, left) : 1e-12;
  }
  return d;
}

static bool lin_expired(lin_deadline *d)
{
  return d->limit > 0 && lin_deadline_now(d);
}

/* The keys are searched in turns (each time slices twice as long as the last), so that a key
 * whose violation is quick to prove is not kept waiting behind a key that takes the whole time
 * bound: once one is proven, with `early` the keys still open share `others_budget` seconds
 * and the rest are reported unknown, not checked. A search stopped at the end of its slice goes
 * on where it stopped. */
static void lin_schedule(const lin_model *m, GPtrArray **hops, lin_result *r,
                         const lin_options *opt, lin_deadline *global)
{
  lin_search **search = g_new0(lin_search *, r->n_keys + 1);
  bool *done = g_new0(bool, r->n_keys + 1);
  double slice = LIN_SLICE_FIRST;
  bool early = opt && opt->early, budgeted = false;
  lin_deadline budget = *global;
  size_t open = r->n_keys;
  while (open > 0) {
    for (size_t k = 0; k < r->n_keys; k++) {
      if (done[k])
        continue;
      lin_deadline *outer = budgeted ? &budget : global;
      if (lin_expired(outer))
        break;
      if (!search[k]) { /* built on its first turn, so that finished keys free their memory */
        search[k] = lin_key_search(m, hops[k], opt);
        r->keys[k].n_ops = search[k]->n;
      }
      lin_deadline d = lin_slice(outer, slice);
      search[k]->deadline = &d;
      lin_verdict v = lin_search_run(search[k]);
      if (v == LIN_UNKNOWN && !search[k]->exhausted)
        continue;
      lin_key_finish(search[k], v, &r->keys[k]);
      search[k] = NULL;
      done[k] = true;
      open--;
      if (v == LIN_VIOLATION && !r->answered) {
        r->answered = true;
        r->answered_after = global->clock(global->ctx) - global->start;
      }
      if (v == LIN_VIOLATION && early && !budgeted) {
        budgeted = true;
        budget = lin_slice(global, opt->others_budget > 0 ? opt->others_budget : 1e-12);
        r->others_budget = opt->others_budget;
      }
    }
    if (lin_expired(budgeted ? &budget : global))
      break;
    slice *= 2;
  }
  for (size_t k = 0; k < r->n_keys; k++) {
    if (done[k])
      continue;
    r->keys[k].skipped = budgeted;
    if (!search[k])
      search[k] = lin_key_search(m, hops[k], opt);
    r->keys[k].n_ops = search[k]->n;
    lin_key_finish(search[k], LIN_UNKNOWN, &r->keys[k]);
  }
  g_free(done);
  g_free(search);
}

/* Rejects what the models cannot read; NULL when every op is fine. */
static char *lin_validate(const history *h, const lin_model *m)
{
  for (guint i = 0; i < h->ops->len; i++) {
    const hist_op *o = h->ops->pdata[i];
    if (!m->has_op(rs_op_parse(o->op ? o->op : "")))
      return g_strdup_printf("operation #%u (trace line %ld): %s has no operation \"%s\"", o->index,
                             o->trace_line_invoke, m->name, o->op ? o->op : "");
    if (!o->key)
      return g_strdup_printf("operation #%u (trace line %ld): %s without a key", o->index,
                             o->trace_line_invoke, o->op);
  }
  return NULL;
}

static int lin_str_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Groups the ops by key (each array in history order) and lists the keys sorted. */
static GHashTable *lin_split(const history *h, GPtrArray **keys)
{
  GHashTable *by_key =
      g_hash_table_new_full(g_str_hash, g_str_equal, NULL, (GDestroyNotify)g_ptr_array_unref);
  *keys = g_ptr_array_new();
  for (guint i = 0; i < h->ops->len; i++) {
    hist_op *o = h->ops->pdata[i];
    GPtrArray *ops = g_hash_table_lookup(by_key, o->key);
    if (!ops) {
      ops = g_ptr_array_new();
      g_hash_table_insert(by_key, o->key, ops);
      g_ptr_array_add(*keys, o->key);
    }
    g_ptr_array_add(ops, o);
  }
  if ((*keys)->len > 1)
    qsort((*keys)->pdata, (*keys)->len, sizeof(gpointer), lin_str_cmp);
  return by_key;
}

/* The overall verdict: a violation anywhere is definite; otherwise any unknown key makes the
 * whole unknown. */
static void lin_conclude(lin_result *r)
{
  r->verdict = LIN_LINEARIZABLE;
  for (size_t k = 0; k < r->n_keys; k++) {
    r->n_checked += r->keys[k].n_ops;
    if (r->keys[k].verdict == LIN_VIOLATION && !r->first_violation)
      r->first_violation = &r->keys[k];
    if (r->keys[k].verdict == LIN_UNKNOWN && r->verdict == LIN_LINEARIZABLE)
      r->verdict = LIN_UNKNOWN;
  }
  if (r->first_violation)
    r->verdict = LIN_VIOLATION;
}

lin_result *lin_check(const history *h, const char *app, const lin_options *opt, char **error)
{
  const lin_model *m = lin_model_find(app);
  if (!m) {
    if (error)
      *error = g_strdup_printf("no sequential model for app \"%s\" (files, kv)", app ? app : "");
    return NULL;
  }
  char *bad = lin_validate(h, m);
  if (bad) {
    if (error)
      *error = bad;
    else
      g_free(bad);
    return NULL;
  }
  lin_deadline d = {opt && opt->clock ? opt->clock : lin_monotonic_clock,
                    opt ? opt->clock_ctx : NULL, 0, opt ? opt->deadline : 0, 0, false};
  d.start = d.clock(d.ctx);
  GPtrArray *keys;
  GHashTable *by_key = lin_split(h, &keys);
  GPtrArray *projected = strcmp(m->name, "chat") == 0 ? lin_chat_project_lists(h, by_key, keys) : NULL;
  lin_result *r = g_new0(lin_result, 1);
  r->app = g_strdup(m->name);
  r->n_ops = h->ops->len;
  r->deadline = d.limit;
  r->n_keys = keys->len;
  r->keys = g_new0(lin_key_result, keys->len + 1);
  GPtrArray **hops = g_new0(GPtrArray *, keys->len + 1);
  for (guint k = 0; k < keys->len; k++) {
    r->keys[k].key = g_strdup(keys->pdata[k]);
    hops[k] = g_hash_table_lookup(by_key, keys->pdata[k]);
  }
  lin_schedule(m, hops, r, opt, &d);
  g_free(hops);
  g_ptr_array_free(keys, TRUE);
  g_hash_table_destroy(by_key);
  if (projected)
    g_ptr_array_free(projected, TRUE);
  lin_conclude(r);
  r->elapsed = d.clock(d.ctx) - d.start;
  return r;
}

void lin_result_free(lin_result *r)
{
  if (!r)
    return;
  for (size_t k = 0; k < r->n_keys; k++) {
    g_free(r->keys[k].key);
    lin_violation_free(r->keys[k].violation);
  }
  g_free(r->keys);
  g_free(r->app);
  g_free(r);
}

const char *lin_verdict_name(lin_verdict v)
{
  switch (v) {
  case LIN_LINEARIZABLE:
    return "linearizable";
  case LIN_VIOLATION:
    return "violation";
  case LIN_UNKNOWN:
    return "unknown";
  }
  return "unknown";
}

