/* The anomalies' report: counts, windows, failovers, then the lost writes and stale reads listed. */
#include "analysis/anom_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- The report --------------------------------------------------------------------------- */

/* `#7 c2 write u1 "abc" -> ok SUCCESS v4  [1.200000, 1.350000] lines 40-44` */
static void print_op(const hist_op *o, FILE *out)
{
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "#%u %s %s %s", o->index, o->process, o->op, o->key);
  bool read = anom_is_read(o->op);
  if (!read && strcmp(o->op, "delete") != 0) {
    g_string_append_c(s, ' ');
    anom_show_value(s, o->value);
  }
  g_string_append_printf(s, " -> %s", hist_outcome_name(o->outcome));
  if (o->status)
    g_string_append_printf(s, " %s", o->status);
  if (read && o->outcome == HIST_OK && (o->value || o->value_null)) {
    g_string_append_c(s, ' ');
    anom_show_value(s, o->value);
  }
  if (o->version)
    g_string_append_printf(s, " v%" G_GUINT64_FORMAT, o->version);
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

static void print_lost(const anomalies *a, size_t max, FILE *out)
{
  if (!a->has_lost_writes) {
    fprintf(out, "lost writes: not computed (the trace has no final lines)\n");
    return;
  }
  fprintf(out, "lost writes: %" G_GUINT64_FORMAT " (end state as %s)\n", a->lost_writes,
          a->quorum_end_state ? "quorum reads it: the newest version" : "most replicas hold it");
  for (guint i = 0; i < a->lost->len && i < max; i++) {
    const anom_lost_write *l = &g_array_index(a->lost, anom_lost_write, i);
    fprintf(out, "  lost: ");
    print_op(&l->op, out);
    fprintf(out, "        key \"%s\" ends %s", l->op.key, l->end_state);
    if (l->end_line)
      fprintf(out, ", final line %ld", l->end_line);
    fprintf(out, "\n");
  }
  if (a->lost->len > max)
    fprintf(out, "  ... %u more\n", a->lost->len - (guint)max);
}

static void print_stale(const anomalies *a, size_t max, FILE *out)
{
  fprintf(out, "stale reads: %" G_GUINT64_FORMAT "\n", a->stale_reads);
  for (guint i = 0; i < a->stale->len && i < max; i++) {
    const anom_stale_read *s = &g_array_index(a->stale, anom_stale_read, i);
    fprintf(out, "  stale: ");
    print_op(&s->op, out);
    fprintf(out, "         key \"%s\": v%" G_GUINT64_FORMAT " was acknowledged before it began: ",
            s->op.key, s->newer.version);
    print_op(&s->newer, out);
  }
  if (a->stale->len > max)
    fprintf(out, "  ... %u more\n", a->stale->len - (guint)max);
}

static void print_windows(const anomalies *a, FILE *out)
{
  for (guint i = 0; i < a->windows->len; i++) {
    const anom_window *w = &g_array_index(a->windows, anom_window, i);
    if (w->event) {
      fprintf(out, "fault event: %s %s at %.6f (line %ld)\n", w->fault, w->target, w->start,
              w->line_start);
      continue;
    }
    fprintf(out, "fault window: %s %s [%.6f, %.6f]%s: %" G_GUINT64_FORMAT " ops, %" G_GUINT64_FORMAT
                 " ok of %" G_GUINT64_FORMAT " completed",
            w->fault, w->target, w->start, w->end, w->open_ended ? " (never ended)" : "", w->ops,
            w->ok, w->completed);
    if (w->has_availability)
      fprintf(out, ", availability %.2f%%", w->availability * 100);
    fprintf(out, "\n");
  }
}

static void print_failovers(const anomalies *a, FILE *out)
{
  for (guint i = 0; i < a->failovers->len; i++) {
    const anom_failover *x = &g_array_index(a->failovers, anom_failover, i);
    fprintf(out, "failover: primary %s crashed at %.6f (line %ld): ", x->node, x->crash,
            x->crash_line);
    if (!x->has_time) {
      fprintf(out, "no update was acknowledged afterwards\n");
      continue;
    }
    fprintf(out, "%.6f s until ", x->time);
    print_op(&x->first_ack, out);
  }
}

void anomalies_print(const anomalies *a, size_t max_listed, FILE *out)
{
  print_lost(a, max_listed, out);
  print_stale(a, max_listed, out);
  if (a->has_diverged)
    fprintf(out, "diverged: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " replicas\n",
            a->diverged, a->replicas);
  print_windows(a, out);
  print_failovers(a, out);
}
