/* The swarm's shrinker: a failing scenario made smaller (fewer faults, clients and replicas, a
 * shorter run, no jitter) for as long as it still fails the same way, greedily, one change at a
 * time, each change judged by running it. */
#include "swarm.h"

#include <string.h>

typedef bool (*shrink_step)(sw_scenario *s, guint arg);

static void drop_fault(sw_scenario *s, guint i)
{
  sw_fault_free(s->faults->pdata[i]);
  g_ptr_array_remove_index(s->faults, i);
}

static bool step_drop_fault(sw_scenario *s, guint i)
{
  if (i >= s->faults->len)
    return false;
  drop_fault(s, i);
  return true;
}

/* A crash that restarts becomes one that does not, and the other way round is not tried: a
 * permanent crash is the simpler story. */
static bool step_no_restart(sw_scenario *s, guint i)
{
  if (i >= s->faults->len)
    return false;
  sw_fault *f = s->faults->pdata[i];
  if (f->kind != SW_CRASH || f->restart_at < 0)
    return false;
  f->restart_at = -1;
  return true;
}

static bool step_fewer_clients(sw_scenario *s, guint unused)
{
  (void)unused;
  if (s->clients <= 1)
    return false;
  char *last = g_strdup_printf("c%d", s->clients);
  for (guint i = s->faults->len; i-- > 0;) {
    sw_fault *f = s->faults->pdata[i];
    bool names = (f->node && !strcmp(f->node, last)) || (f->groups && strstr(f->groups, last)) ||
                 (f->from && (strstr(f->from, last) || strstr(f->to, last)));
    if (names)
      drop_fault(s, i);
  }
  g_free(last);
  s->clients--;
  return true;
}

static bool names_word(const char *list, const char *word)
{
  if (!list)
    return false;
  char **w = g_strsplit_set(list, " |", -1);
  bool found = false;
  for (char **p = w; *p && !found; p++)
    found = strcmp(*p, word) == 0;
  g_strfreev(w);
  return found;
}

static bool step_fewer_replicas(sw_scenario *s, guint unused)
{
  (void)unused;
  if (s->replicas <= 1)
    return false;
  char *last = g_strdup_printf("r%d", s->replicas);
  char *link = g_strdup_printf("node-%d-link", s->replicas);
  for (guint i = s->faults->len; i-- > 0;) {
    sw_fault *f = s->faults->pdata[i];
    if ((f->node && !strcmp(f->node, last)) || names_word(f->groups, last) || names_word(f->from, last) ||
        names_word(f->to, last) || (f->link && !strcmp(f->link, link)))
      drop_fault(s, i);
  }
  g_free(last);
  g_free(link);
  s->replicas--;
  int n = s->replicas;
  if (s->nw && !(s->nw <= n && s->nr <= n && s->nr + s->nw > n && 2 * s->nw > n))
    s->nr = s->nw = 0; /* the defaults are always valid */
  return true;
}

/* The run ends earlier: what started after the new end goes, what reached past it is cut. */
static bool step_shorter(sw_scenario *s, guint unused)
{
  (void)unused;
  double d = ((long)(s->duration * 0.7 * 1000)) / 1000.0;
  if (d < 1.0 || d < s->think * 2)
    return false;
  for (guint i = s->faults->len; i-- > 0;) {
    sw_fault *f = s->faults->pdata[i];
    if (f->at > d) {
      drop_fault(s, i);
      continue;
    }
    if (f->until >= 0 && f->until > d)
      f->until = f->at < d ? d : -1;
    if (f->kind == SW_PAUSE && f->until < 0) {
      drop_fault(s, i);
      continue;
    }
    if (f->kind == SW_CRASH && f->restart_at > d)
      f->restart_at = f->at < d ? d : -1;
  }
  s->duration = d;
  return true;
}

static bool step_no_jitter(sw_scenario *s, guint unused)
{
  (void)unused;
  if (s->jitter_mean <= 0)
    return false;
  s->jitter_mean = 0;
  return true;
}

sw_scenario *sw_shrink(const sw_ctx *c, const sw_scenario *s, sw_verdict verdict, const char *work,
                       int max_attempts, int *attempts)
{
  sw_scenario *best = sw_copy(s);
  *attempts = 0;
  bool progress = true;
  while (progress && *attempts < max_attempts) {
    progress = false;
    /* Candidates in order: each fault (last first), crashes without restarts, fewer clients,
     * fewer replicas, shorter, no jitter. */
    GArray *steps = g_array_new(FALSE, FALSE, sizeof(gpointer) * 2);
    for (guint i = best->faults->len; i-- > 0;) {
      gpointer p[2] = {(gpointer)step_drop_fault, GUINT_TO_POINTER(i)};
      g_array_append_val(steps, p);
    }
    for (guint i = best->faults->len; i-- > 0;) {
      gpointer p[2] = {(gpointer)step_no_restart, GUINT_TO_POINTER(i)};
      g_array_append_val(steps, p);
    }
    shrink_step whole[] = {step_fewer_clients, step_fewer_replicas, step_shorter, step_no_jitter};
    for (size_t i = 0; i < G_N_ELEMENTS(whole); i++) {
      gpointer p[2] = {(gpointer)whole[i], GUINT_TO_POINTER(0)};
      g_array_append_val(steps, p);
    }
    for (guint k = 0; k < steps->len && *attempts < max_attempts; k++) {
      gpointer *p = &g_array_index(steps, gpointer, 2 * k);
      sw_scenario *t = sw_copy(best);
      if (!((shrink_step)p[0])(t, GPOINTER_TO_UINT(p[1]))) {
        sw_free(t);
        continue;
      }
      (*attempts)++;
      char *dir = g_strdup_printf("%s/attempt-%d", work, *attempts);
      sw_judgement j = sw_run_case(c, t, dir, verdict == SW_F_REPLAY);
      sw_remove_case(dir);
      g_free(dir);
      if (j.verdict == verdict) {
        sw_free(best);
        best = t;
        progress = true;
        break; /* candidates are renumbered: start over */
      }
      sw_free(t);
    }
    g_array_free(steps, TRUE);
  }
  return best;
}
