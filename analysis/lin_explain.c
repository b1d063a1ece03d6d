/* Explaining a violation: the longest linearizable prefix, the op it cannot place, the lines. */
#include "analysis/lin_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- Explaining a violation --------------------------------------------------------------- */

/* Writes an answer as `STATUS "value"` (the value only for a successful read). */
static char *lin_answer_text(const lin_search *s, const lin_answer *a)
{
  GString *out = g_string_new(a->status >= 0 ? rs_status_name((rs_status)a->status) : "");
  if (a->has_value && a->status == RS_ST_SUCCESS) {
    g_string_append_c(out, ' ');
    lin_show_value(out, lin_string(&s->strs, a->value));
  }
  return g_string_free(out, FALSE);
}

static char *lin_returned_text(const lin_search *s, const lin_sop *op)
{
  GString *out = g_string_new(op->h->status ? op->h->status : "(no status)");
  bool answers = lin_is_read(op->kind) || op->kind == RS_OP_FETCH; /* a fetch answers texts */
  if (answers && (op->status == RS_ST_SUCCESS || op->status == LIN_NO_STATUS)) {
    g_string_append_c(out, ' ');
    lin_show_value(out, lin_string(&s->strs, op->out));
  }
  return g_string_free(out, FALSE);
}

static int lin_long_cmp(const void *a, const void *b)
{
  long x = *(const long *)a, y = *(const long *)b;
  return x < y ? -1 : x > y;
}

static void lin_add_lines(GArray *lines, const lin_sop *op)
{
  long l[2] = {op->h->trace_line_invoke, op->h->trace_line_complete};
  for (int i = 0; i < 2; i++)
    if (l[i] > 0)
      g_array_append_val(lines, l[i]);
}

/* Whether two ops overlap in the trace (by their recorded times; an op never completed runs on
 * to the end), which is what a person reading it sees. */
static bool lin_overlaps(const lin_sop *a, const lin_sop *b)
{
  double a_end = a->h->t_complete < 0 ? INFINITY : a->h->t_complete;
  double b_end = b->h->t_complete < 0 ? INFINITY : b->h->t_complete;
  return a->t_call <= b_end && b->t_call <= a_end;
}

/* The trace lines worth reading: the stuck op, the unplaced ops that overlap it, the prefix ops
 * that overlap it, and the op that set the state it met. Sorted, without duplicates. */
static void lin_collect_lines(const lin_search *s, const bool *placed, uint32_t stuck,
                              int64_t setter, lin_violation *v)
{
  const lin_sop *x = &s->ops[stuck];
  GArray *lines = g_array_new(FALSE, FALSE, sizeof(long));
  lin_add_lines(lines, x);
  if (setter >= 0)
    lin_add_lines(lines, &s->ops[setter]);
  uint32_t pending = 0;
  for (uint32_t i = 0; i < s->n && pending < LIN_LINES_MAX; i++)
    if (!placed[i] && i != stuck && lin_overlaps(&s->ops[i], x)) {
      lin_add_lines(lines, &s->ops[i]);
      pending++;
    }
  uint32_t shown = 0;
  for (uint32_t j = s->best_len; j-- > 0 && shown < LIN_LINES_MAX;)
    if (lin_overlaps(&s->ops[s->best[j]], x)) {
      lin_add_lines(lines, &s->ops[s->best[j]]);
      shown++;
    }
  g_array_sort(lines, lin_long_cmp);
  size_t w = 0;
  for (size_t r = 0; r < lines->len; r++)
    if (w == 0 || g_array_index(lines, long, r) != g_array_index(lines, long, w - 1))
      g_array_index(lines, long, w++) = g_array_index(lines, long, r);
  v->n_lines = w;
  v->lines = (long *)g_array_free(lines, FALSE);
}

/* Builds the report of a failed search from its longest prefix: replays the prefix to get the
 * state, and finds the op that had to come next (the unplaced op completing first): no op could
 * be placed after that prefix (else it would be longer), so that one could not either. O(n). */
lin_violation *lin_explain(lin_search *s)
{
  lin_violation *v = g_new0(lin_violation, 1);
  bool *placed = g_new0(bool, s->n);
  lin_state st = s->init;
  int64_t setter = -1;
  lin_answer a;
  v->n_prefix = s->best_len;
  v->prefix = g_new0(hist_op, s->best_len + 1);
  for (uint32_t j = 0; j < s->best_len; j++) {
    uint32_t i = s->best[j];
    lin_state ns = s->model->apply(&s->strs, st, &s->ops[i], &a);
    if (ns != st)
      setter = i;
    st = ns;
    placed[i] = true;
    hist_op_copy(&v->prefix[j], s->ops[i].h);
  }
  uint32_t stuck = LIN_NONE;
  for (uint32_t i = 0; i < s->n; i++)
    if (!placed[i] && s->ops[i].checked &&
        (stuck == LIN_NONE || s->rank[1 + s->n + i] < s->rank[1 + s->n + stuck]))
      stuck = i;
  hist_op_copy(&v->op, s->ops[stuck].h);
  GString *desc = g_string_new(NULL);
  s->model->describe(&s->strs, st, desc);
  v->state = g_string_free(desc, FALSE);
  s->model->apply(&s->strs, st, &s->ops[stuck], &a);
  v->allowed = lin_answer_text(s, &a);
  v->returned = lin_returned_text(s, &s->ops[stuck]);
  lin_collect_lines(s, placed, stuck, setter, v);
  g_free(placed);
  return v;
}

void lin_violation_free(lin_violation *v)
{
  if (!v)
    return;
  hist_op_clear(&v->op);
  for (size_t j = 0; j < v->n_prefix; j++)
    hist_op_clear(&v->prefix[j]);
  g_free(v->prefix);
  g_free(v->state);
  g_free(v->returned);
  g_free(v->allowed);
  g_free(v->lines);
  g_free(v);
}

