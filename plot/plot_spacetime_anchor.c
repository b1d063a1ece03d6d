/* Where a space-time diagram opens by default: at what a person would look for first. */
#include "plot/plot_spacetime.h"
#include "analysis/verdict.h"

#include <string.h>

/* Seconds the checker may spend finding a violation to open on (the plot goes on without one). */
#define ANCHOR_CHECK_SECONDS 5.0

bool st_anchor(const plot_data *d, double *t, char **why, gint64 *stuck)
{
  *stuck = -1;
  verdict_options o = {.check_timeout = ANCHOR_CHECK_SECONDS, .early = true, .others_budget = 0};
  char *err = NULL;
  verdict *v = verdict_judge(d->h, d->f, &o, &err);
  g_free(err);
  if (v && v->lin->first_violation) {
    const lin_violation *x = v->lin->first_violation->violation;
    *t = x->op.t_invoke;
    *stuck = x->op.index;
    *why = g_strdup_printf("opens on the first violation: key %s, #%u %s %s at %.6g s",
                           v->lin->first_violation->key, x->op.index, x->op.process, x->op.op,
                           x->op.t_invoke);
    verdict_free(v);
    return true;
  }
  verdict_free(v);
  for (guint i = 0; i < d->f->faults->len; i++) {
    const fact_fault *f = d->f->faults->pdata[i];
    *t = f->start;
    *why = g_strdup_printf("opens on the first fault: %s at %.6g s", f->label, f->start);
    return true;
  }
  return false;
}
