/* Small helpers the anomaly finders share: ordering two instants, kinds of operations, values. */
#include "analysis/anom_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Small helpers ------------------------------------------------------------------------ */

/* Orders two instants: by time, then by trace line when both are known; 0 when undecided. */
int anom_when_cmp(double t1, long l1, double t2, long l2)
{
  if (t1 != t2)
    return t1 < t2 ? -1 : 1;
  if (l1 > 0 && l2 > 0 && l1 != l2)
    return l1 < l2 ? -1 : 1;
  return 0;
}

bool anom_is_update(const char *op)
{
  static const char *const updates[] = {"write", "put", "append", "cas", "delete", "register", "send", "fetch"};
  for (size_t i = 0; i < G_N_ELEMENTS(updates); i++)
    if (strcmp(op, updates[i]) == 0)
      return true;
  return false;
}

bool anom_is_read(const char *op)
{
  return strcmp(op, "read") == 0 || strcmp(op, "get") == 0;
}

bool anom_acknowledged(const hist_op *o)
{
  return o->outcome == HIST_OK && o->status && strcmp(o->status, "SUCCESS") == 0;
}

/* An acknowledged update: the operations whose effect must survive. */
bool anom_acked_update(const hist_op *o)
{
  return o->key && anom_is_update(o->op) && anom_acknowledged(o);
}

/* Appends `s` quoted and escaped, cut at ANOM_SHOW_CHARS bytes; NULL shows as null. */
void anom_show_value(GString *out, const char *s)
{
  if (!s) {
    g_string_append(out, "null");
    return;
  }
  size_t n = strlen(s);
  char *cut = g_strndup(s, MIN(n, (size_t)ANOM_SHOW_CHARS));
  char *esc = g_strescape(cut, NULL);
  g_string_append_printf(out, "\"%s%s\"", esc, n > ANOM_SHOW_CHARS ? "..." : "");
  g_free(esc);
  g_free(cut);
}

