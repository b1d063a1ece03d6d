/* Join catch-up times: from a <join> to the new replica's first acknowledged state transfer
 * (primary-backup), or to the last state it asked for (quorum). */
#include "analysis/join_catchup.h"

#include <string.h>

typedef struct joiner {
  const char *node;
  double at;
  bool caught_up;  /* it acknowledged a whole state (primary-backup) */
  double seconds;
  bool merged;     /* it received states it asked for (quorum: it merges a read quorum's) */
  double last_state;
} joiner;

/* A primary-backup joiner is up to date when it acknowledges the primary's state (STATE_ACK);
 * a quorum joiner, when the last of the states it asked the members for has arrived. */
static bool on_message(void *ud, const trace_line *l, char **why)
{
  GArray *joins = ud;
  const char *from = NULL, *to = NULL, *msg = NULL;
  if (!trace_line_opt_str(l, "from", &from, NULL, why) || !trace_line_opt_str(l, "to", &to, NULL, why) ||
      !trace_line_opt_str(l, "msg", &msg, NULL, why))
    return false;
  bool ack = strcmp(trace_line_type(l), "send") == 0 && msg && strcmp(msg, "STATE_ACK") == 0;
  bool state = strcmp(trace_line_type(l), "recv") == 0 && msg && strcmp(msg, "STATE") == 0;
  if (!from || !to || !(ack || state))
    return true;
  double t = trace_line_t(l);
  for (guint i = 0; i < joins->len; i++) {
    joiner *j = &g_array_index(joins, joiner, i);
    if (t < j->at)
      continue;
    if (ack && !j->caught_up && strcmp(j->node, from) == 0) {
      j->caught_up = true;
      j->seconds = t - j->at;
    } else if (state && strcmp(j->node, to) == 0) {
      j->merged = true;
      j->last_state = t - j->at;
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
  static const char *const types[] = {"send", "recv", NULL};
  bool ok = joins->len == 0 || trace_foreach_types(trace_path, types, on_message, joins, err);
  for (guint i = 0; ok && i < joins->len; i++) {
    const joiner *j = &g_array_index(joins, joiner, i);
    if (j->caught_up)
      summary_add_join(s, j->node, true, j->seconds);
    else
      summary_add_join(s, j->node, j->merged, j->last_state);
  }
  g_array_free(joins, TRUE);
  return ok;
}
