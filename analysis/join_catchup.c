/* Join catch-up times: from a <join> to the new replica's first acknowledged state transfer. */
#include "analysis/join_catchup.h"

#include <string.h>

typedef struct joiner {
  const char *node;
  double at;
  bool caught_up;
  double seconds;
} joiner;

static bool on_send(void *ud, const trace_line *l, char **why)
{
  GArray *joins = ud;
  const char *from = NULL, *msg = NULL;
  if (!trace_line_opt_str(l, "from", &from, NULL, why) || !trace_line_opt_str(l, "msg", &msg, NULL, why))
    return false;
  if (!from || !msg || strcmp(msg, "STATE_ACK") != 0)
    return true;
  double t = trace_line_t(l);
  for (guint i = 0; i < joins->len; i++) {
    joiner *j = &g_array_index(joins, joiner, i);
    if (!j->caught_up && t >= j->at && strcmp(j->node, from) == 0) {
      j->caught_up = true;
      j->seconds = t - j->at;
    }
  }
  return true;
}

bool join_catch_up_fill(const char *trace_path, const trace_facts *f, summary *s, char **err)
{
  GArray *joins = g_array_new(FALSE, TRUE, sizeof(joiner));
  for (guint i = 0; i < f->faults->len; i++) {
    const fact_fault *x = g_ptr_array_index(f->faults, i);
    if (strcmp(x->kind, "join") == 0 && x->node) {
      joiner j = {.node = x->node, .at = x->start};
      g_array_append_val(joins, j);
    }
  }
  static const char *const types[] = {"send", NULL};
  bool ok = joins->len == 0 || trace_foreach_types(trace_path, types, on_send, joins, err);
  for (guint i = 0; ok && i < joins->len; i++) {
    const joiner *j = &g_array_index(joins, joiner, i);
    summary_add_join(s, j->node, j->caught_up, j->seconds);
  }
  g_array_free(joins, TRUE);
  return ok;
}
