/* The network faults' effects computed once for both engines (actors/sim_faults.c, engine/). */
#include "net_faults.h"

#include "fault_plan.h"

#include <math.h>
#include <string.h>

static const dp_node *named(const deploy *plan, const char *name)
{
  return name && *name ? deploy_find(plan, name) : NULL;
}

/* Marks every direction a partition cuts: across its groups ("a b | c d"), or from= to= only. */
static void cut_by(const deploy *plan, const sc_fault *fault, bool *cut, guint n)
{
  if (fault->from && fault->to) {
    char **from = g_strsplit_set(fault->from, " \t\n", -1);
    char **to = g_strsplit_set(fault->to, " \t\n", -1);
    for (char **a = from; *a; a++)
      for (char **b = to; *b; b++) {
        const dp_node *x = named(plan, *a), *y = named(plan, *b);
        if (x && y && x->id < n && y->id < n)
          cut[x->id * n + y->id] = true;
      }
    g_strfreev(from);
    g_strfreev(to);
    return;
  }
  char **groups = g_strsplit(fault->groups ? fault->groups : "", "|", -1);
  int *group_of = g_new(int, n);
  for (guint i = 0; i < n; i++)
    group_of[i] = -1;
  for (int g = 0; groups[g]; g++) {
    char **names = g_strsplit_set(groups[g], " \t\n", -1);
    for (char **name = names; *name; name++) {
      const dp_node *x = named(plan, *name);
      if (x && x->id < n)
        group_of[x->id] = g;
    }
    g_strfreev(names);
  }
  for (guint a = 0; a < n; a++)
    for (guint b = 0; b < n; b++)
      if (group_of[a] >= 0 && group_of[b] >= 0 && group_of[a] != group_of[b])
        cut[a * n + b] = true;
  g_free(group_of);
  g_strfreev(groups);
}

void net_faults_compute(const deploy *plan, const GPtrArray *active, bool *cut, guint n, double *loss_rate,
                        double *duplicate_rate)
{
  memset(cut, 0, (gsize)n * n * sizeof *cut);
  double keep = 1, single = 1;
  for (guint i = 0; i < active->len; i++) {
    const sc_fault *fault = g_ptr_array_index(active, i);
    if (fault_is(fault, "partition"))
      cut_by(plan, fault, cut, n);
    else if (fault_is(fault, "loss"))
      keep *= 1 - fault->rate;
    else if (fault_is(fault, "duplicate"))
      single *= 1 - fault->rate;
  }
  *loss_rate = 1 - keep;
  *duplicate_rate = 1 - single;
}

double net_faults_link_latency(double base, const GPtrArray *delays)
{
  double latency = base;
  for (guint i = 0; i < delays->len; i++) {
    double l = ((const sc_fault *)g_ptr_array_index(delays, i))->latency;
    latency = i == 0 ? l : MAX(latency, l);
  }
  return latency;
}

double net_faults_jitter(const scenario *sc, GRand *rand)
{
  switch (sc->jitter) {
  case RS_JITTER_UNIFORM:
    return g_rand_double_range(rand, 0, 2 * sc->jitter_mean);
  case RS_JITTER_EXPONENTIAL:
    return -sc->jitter_mean * log(1 - g_rand_double(rand));
  default:
    return 0;
  }
}
