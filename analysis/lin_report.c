/* The checker's report: verdicts, and for each violation what a person needs to find it. */
#include "analysis/lin_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- The report --------------------------------------------------------------------------- */

/* One operation on one line, e.g.
 * `#7 c2 read u1 -> ok SUCCESS "x"  [1.200000, 1.350000] lines 40-44`. */
static void lin_print_op(const hist_op *o, FILE *out)
{
  rs_op_kind k = rs_op_parse(o->op);
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "#%u %s %s %s", o->index, o->process, o->op, o->key);
  if (o->name && k == RS_OP_WRITE)
    g_string_append_printf(s, " name=%s", o->name);
  if (k == RS_OP_CAS) {
    g_string_append_c(s, ' ');
    lin_show_value(s, o->expected);
    g_string_append(s, "->");
  }
  if (!lin_is_read(k) && k != RS_OP_DELETE) {
    if (k != RS_OP_CAS)
      g_string_append_c(s, ' ');
    lin_show_value(s, o->value);
  }
  g_string_append_printf(s, " -> %s", hist_outcome_name(o->outcome));
  if (o->status)
    g_string_append_printf(s, " %s", o->status);
  bool success = !o->status || strcmp(o->status, "SUCCESS") == 0;
  if (lin_is_read(k) && o->outcome == HIST_OK && success && (o->value || o->value_null)) {
    g_string_append_c(s, ' ');
    lin_show_value(s, o->value);
  }
  g_string_append_printf(s, "  [%.6f, ", o->t_invoke);
  if (o->t_complete >= 0)
    g_string_append_printf(s, "%.6f]", o->t_complete);
  else
    g_string_append(s, "never]");
  if (o->trace_line_invoke > 0)
    g_string_append_printf(s, " lines %ld-%ld", o->trace_line_invoke, o->trace_line_complete);
  fprintf(out, "%s\n", s->str);
  g_string_free(s, TRUE);
}

/* One violation: the op, the state it met, the answers, the end of the prefix, the lines. */
static void lin_print_violation(const lin_key_result *k, FILE *out)
{
  const lin_violation *v = k->violation;
  fprintf(out, "\nkey \"%s\": VIOLATION: %zu of its %zu operations placed, then stuck\n", k->key,
          v->n_prefix, k->n_ops);
  fprintf(out, "  cannot place: ");
  lin_print_op(&v->op, out);
  fprintf(out, "  model state after the prefix: %s\n", v->state);
  fprintf(out, "  it returned:        %s\n", v->returned);
  fprintf(out, "  the model allowed:  %s\n", v->allowed);
  fprintf(out, "  longest linearizable prefix (%zu operations, in linearization order):\n",
          v->n_prefix);
  size_t from = v->n_prefix > LIN_SHOW_PREFIX ? v->n_prefix - LIN_SHOW_PREFIX : 0;
  if (from)
    fprintf(out, "    ... %zu earlier operations\n", from);
  bool uncertain = false;
  for (size_t j = from; j < v->n_prefix; j++) {
    fprintf(out, "    %zu. ", j + 1);
    lin_print_op(&v->prefix[j], out);
    uncertain |= v->prefix[j].outcome == HIST_INFO || v->prefix[j].outcome == HIST_PENDING;
  }
  if (uncertain)
    fprintf(out, "    (an info or pending operation listed here is assumed to take effect "
                 "there)\n");
  fprintf(out, "  trace lines involved:");
  for (size_t j = 0; j < v->n_lines; j++)
    fprintf(out, "%s %ld", j ? "," : "", v->lines[j]);
  fprintf(out, "%s\n", v->n_lines ? "" : " (none recorded)");
}

void lin_report_print(const lin_result *r, FILE *out)
{
  size_t count[3] = {0, 0, 0};
  for (size_t k = 0; k < r->n_keys; k++)
    count[r->keys[k].verdict]++;
  fprintf(out,
          "linearizability (%s): %s: %zu operation%s (%zu to place), %zu key%s: %zu linearizable, "
          "%zu violation%s, %zu unknown (%.2f s)\n",
          r->app, lin_verdict_name(r->verdict), r->n_ops, r->n_ops == 1 ? "" : "s", r->n_checked,
          r->n_keys, r->n_keys == 1 ? "" : "s", count[LIN_LINEARIZABLE], count[LIN_VIOLATION],
          count[LIN_VIOLATION] == 1 ? "" : "s", count[LIN_UNKNOWN], r->elapsed);
  size_t skipped = 0;
  for (size_t k = 0; k < r->n_keys; k++)
    skipped += r->keys[k].skipped;
  if (r->answered)
    fprintf(out, "a violation was proven %.2f s into the check\n", r->answered_after);
  if (skipped)
    fprintf(out, "early answer: %zu other key%s left unchecked (they shared a budget of %.2f s once "
                 "the violation was proven; --check-all checks every key)\n",
            skipped, skipped == 1 ? "" : "s", r->others_budget);
  if (count[LIN_UNKNOWN] > skipped) {
    fprintf(out, "unknown (the time bound of %.2f s, or the memory bound of %u configurations "
                 "of one key, ran out):",
            r->deadline, LIN_MAX_CONFIGS);
    for (size_t k = 0; k < r->n_keys; k++)
      if (r->keys[k].verdict == LIN_UNKNOWN && !r->keys[k].skipped)
        fprintf(out, " \"%s\"", r->keys[k].key);
    fprintf(out, "\n");
  }
  for (size_t k = 0; k < r->n_keys; k++)
    if (r->keys[k].verdict == LIN_VIOLATION)
      lin_print_violation(&r->keys[k], out);
}
