/* A run read back for the pictures: its history and facts in one pass, and its title. */
#include "plot/plot_internal.h"

#include <string.h>

bool plot_data_read(const char *trace, plot_data *d, char **err)
{
  memset(d, 0, sizeof *d);
  d->trace = trace;
  return trace_read_run(trace, &d->h, &d->f, err);
}

void plot_data_clear(plot_data *d)
{
  history_free(d->h);
  trace_facts_free(d->f);
  memset(d, 0, sizeof *d);
}

char *plot_title(const trace_facts *f, const char *what)
{
  if (!f->has_run || !f->scenario)
    return g_strdup(what);
  return g_strdup_printf("%s: %s (%s, seed %" G_GUINT64_FORMAT ")", what, f->scenario,
                         f->protocol ? f->protocol : "?", f->seed);
}
