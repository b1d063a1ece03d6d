/* Plans the scenario's faults as timed actions, for the simulator's and real mode's injectors. */
#include "fault_plan.h"

#include <math.h>
#include <string.h>

bool fault_is(const sc_fault *f, const char *kind)
{
  return strcmp(f->kind, kind) == 0;
}

/* Ends come before starts at the same time, so a window that ends when another starts does not
 * overlap it; otherwise file order. A window's own end still comes after its start (rank 2): one
 * that starts at the duration lasts no time (the swarm: a partition written at the duration,
 * without until, ended before it started and so stayed in force while the run settled). */
static gint cmp_action(gconstpointer a, gconstpointer b)
{
  const fp_action *x = a, *y = b;
  if (x->t != y->t)
    return x->t < y->t ? -1 : 1;
  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

/* The end of the scenario's duration (infinity without one): every fault still in force ends
 * there, so a window that reaches past it is cut at it. */
static double run_end(const scenario *sc)
{
  return sc->duration > 0 ? sc->duration : INFINITY;
}

/* A fault that is a window (a partition, loss, a pause...) rather than an event (a crash, a
 * restart, a join): written without `until`, it lasts until the duration. */
static bool lasts_until_it_ends(const sc_fault *f)
{
  return !fault_is(f, "crash") && !fault_is(f, "restart") && !fault_is(f, "join") && !fault_is(f, "random-crashes");
}

static void plan(fault_plan *p, const scenario *sc, double t, fp_kind kind, const sc_fault *fault)
{
  if (kind == FP_END && t > run_end(sc))
    t = run_end(sc);
  guint rank = kind != FP_END ? 1 : t <= fault->at ? 2 : 0;
  fp_action a = {.t = t, .order = p->actions->len, .kind = kind, .rank = rank, .fault = fault};
  g_array_append_val(p->actions, a);
}

static sc_fault *drawn_fault(fault_plan *p, const sc_fault *from, const char *kind, const char *node, double at)
{
  sc_fault *x = g_new0(sc_fault, 1);
  x->line = from->line;
  x->kind = g_strdup(kind);
  x->node = g_strdup(node);
  x->at = at;
  x->until = -1;
  x->boot = from->boot;
  g_ptr_array_add(p->drawn, x);
  return x;
}

static void free_drawn(gpointer p)
{
  sc_fault *x = p;
  g_free(x->kind);
  g_free(x->node);
  g_free(x);
}

/* <random-crashes>: from `at` to `until`, every `every` a node drawn from `nodes` crashes and
 * restarts `down` later. The draws come from the run's seed (their own stream), so a seed
 * replays the same crashes and another seed gives other ones. */
static void plan_random_crashes(fault_plan *p, const scenario *sc, const sc_fault *fault)
{
  char **nodes = g_strsplit_set(fault->nodes, " \t\n", -1);
  GPtrArray *names = g_ptr_array_new();
  for (char **n = nodes; *n; n++)
    if (**n)
      g_ptr_array_add(names, *n);
  guint32 seed[4] = {(guint32)sc->seed, (guint32)(sc->seed >> 32), 0x63726173u /* "cras" */, (guint32)fault->line};
  GRand *rand = g_rand_new_with_seed_array(seed, 4);
  /* No crash at or after the duration; one whose restart would come after it restarts there. */
  double end = run_end(sc);
  for (double t = fault->at; names->len && t + fault->down <= fault->until && t < end; t += fault->every) {
    const char *node = g_ptr_array_index(names, g_rand_int_range(rand, 0, (gint32)names->len));
    plan(p, sc, t, FP_START, drawn_fault(p, fault, "crash", node, t));
    sc_fault *restart = drawn_fault(p, fault, "restart", node, MIN(t + fault->down, end));
    plan(p, sc, restart->at, FP_START, restart);
    plan(p, sc, restart->at + restart->boot, FP_BOOT, restart);
  }
  g_rand_free(rand);
  g_ptr_array_free(names, TRUE);
  g_strfreev(nodes);
}

fault_plan *fault_plan_new(const scenario *sc)
{
  fault_plan *p = g_new0(fault_plan, 1);
  p->actions = g_array_new(FALSE, FALSE, sizeof(fp_action));
  p->drawn = g_ptr_array_new_with_free_func(free_drawn);
  for (guint i = 0; i < sc->faults->len; i++) {
    const sc_fault *fault = g_ptr_array_index(sc->faults, i);
    if (fault_is(fault, "random-crashes")) {
      plan_random_crashes(p, sc, fault);
      continue;
    }
    plan(p, sc, fault->at, FP_START, fault);
    if (fault->until >= 0)
      plan(p, sc, fault->until, FP_END, fault);
    else if (lasts_until_it_ends(fault) && sc->duration > 0)
      plan(p, sc, sc->duration, FP_END, fault); /* every fault still in force ends at the duration */
    if (fault_is(fault, "restart"))
      plan(p, sc, fault->at + fault->boot, FP_BOOT, fault);
  }
  g_array_sort(p->actions, cmp_action);
  return p;
}

void fault_plan_free(fault_plan *p)
{
  if (!p)
    return;
  g_array_free(p->actions, TRUE);
  g_ptr_array_free(p->drawn, TRUE);
  g_free(p);
}

/* The same target for every host's trace, so that `fault` lines look alike in both modes. */
void fault_target_of(const sc_fault *fault, const char *phase, fault_target *out)
{
  g_snprintf(out->rate, sizeof out->rate, "%g", fault->rate);
  g_snprintf(out->latency, sizeof out->latency, "%g", fault->latency);
  g_snprintf(out->boot, sizeof out->boot, "%g", fault->boot);
  const char **target = out->pairs;
  int k = 0;
#define PAIR(key, value)                                                                                \
  do {                                                                                                  \
    if (value) {                                                                                        \
      target[k++] = key;                                                                                \
      target[k++] = value;                                                                              \
    }                                                                                                   \
  } while (0)
  PAIR("node", fault->node);
  PAIR("host", fault->host);
  PAIR("link", fault->link);
  PAIR("groups", fault->groups);
  PAIR("from", fault->from);
  PAIR("to", fault->to);
  const char *rate_text = out->rate, *latency_text = out->latency, *boot_text = out->boot;
  if (fault_is(fault, "loss") || fault_is(fault, "duplicate"))
    PAIR("rate", rate_text);
  if (fault_is(fault, "delay"))
    PAIR("latency", latency_text);
  if (fault_is(fault, "restart") && strcmp(phase, "start") == 0)
    PAIR("boot", boot_text);
#undef PAIR
  target[k] = NULL;
}
