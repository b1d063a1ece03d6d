/* The fast engine's fault injector: the scenario's fault plan (scenario/fault_plan.c) applied at
 * its times with the effects actors/sim_faults.c gives them in SimGrid. */
#include "fast_world.h"
#include "scenario/net_faults.h"

#include <math.h>

static bool is(const sc_fault *f, const char *kind)
{
  return fault_is(f, kind);
}

static double run_end(const fast_world *w)
{
  return w->sc->duration > 0 ? w->sc->duration : INFINITY;
}

static void trace_fault_line(fast_world *w, const sc_fault *fault, const char *kind, const char *phase)
{
  fault_target t;
  fault_target_of(fault, phase, &t);
  trace_fault(w->trace, w->now, kind, phase, t.pairs);
}

void fast_faults_init(fast_world *w)
{
  w->faults = fault_plan_new(w->sc);
  w->active = g_ptr_array_new();
  w->faults_left = w->faults->actions->len;
  if (w->faults->actions->len)
    fast_push(w, g_array_index(w->faults->actions, fp_action, 0).t, FE_FAULT, 1, 0, NULL, 0);
}

static fast_host *host_of(fast_world *w, const fast_node *n)
{
  return g_ptr_array_index(w->hosts, n->host);
}

static void crash(fast_world *w, const sc_fault *fault)
{
  fast_node *target = fast_node_by_name(w, fault->node);
  if (!target || !target->up)
    return;
  trace_fault_line(w, fault, "crash", "start");
  fast_host_crash(w, target->host);
}

static void restart(fast_world *w, const sc_fault *fault)
{
  fast_node *target = fast_node_by_name(w, fault->node);
  if (!target || target->up)
    return;
  trace_fault_line(w, fault, "crash", "end");
  trace_fault_line(w, fault, "restart", "start");
  host_of(w, target)->on = true;
}

static void boot(fast_world *w, const sc_fault *fault)
{
  fast_node *target = fast_node_by_name(w, fault->node);
  if (!target || target->up || !host_of(w, target)->on)
    return;
  trace_fault_line(w, fault, "restart", "end");
  fast_host_boot(w, target->host);
}

static void pause_node(fast_world *w, const sc_fault *fault, bool resume)
{
  fast_node *n = fast_node_by_name(w, fault->node);
  trace_fault_line(w, fault, "pause", resume ? "end" : "start");
  if (n && !resume)
    n->paused_until = fault->until >= 0 ? MIN(fault->until, run_end(w)) : run_end(w);
}

static void join(fast_world *w, const sc_fault *fault)
{
  fast_node *n = fast_node_by_name(w, fault->node);
  trace_fault_line(w, fault, "join", "start");
  if (!n || !n->joining || !host_of(w, n)->on)
    return;
  n->joining = false;
  fast_node_boot(n);
  fast_node_start(n);
}

/* What the network does now from the faults in force (scenario/net_faults.c, as the SimGrid engine). */
static void recompute_network(fast_world *w)
{
  if (w->cut_n != w->nodes->len) {
    g_free(w->cut);
    w->cut_n = w->nodes->len;
    w->cut = g_new0(bool, (gsize)w->cut_n * w->cut_n);
  }
  net_faults_compute(w->plan, w->active, w->cut, w->cut_n, &w->loss_rate, &w->duplicate_rate);
}

static void network_fault(fast_world *w, const sc_fault *fault, bool end)
{
  trace_fault_line(w, fault, fault->kind, end ? "end" : "start");
  if (end)
    g_ptr_array_remove(w->active, (gpointer)fault);
  else
    g_ptr_array_add(w->active, (gpointer)fault);
  recompute_network(w);
}

/* Overlapping link faults compose as in sim_faults.c: down while any link-down is in force, the
 * largest latency among the delays in force, the platform's once the last one ends. A delay acts
 * on messages sent from then on. */
static void link_fault(fast_world *w, const sc_fault *fault, bool end)
{
  trace_fault_line(w, fault, fault->kind, end ? "end" : "start");
  fast_link *l = fast_link_named(w, fault->link);
  if (!l)
    return;
  guint idx = 0;
  while (g_ptr_array_index(w->links, idx) != l)
    idx++;
  if (is(fault, "link-down")) {
    bool was_up = l->down <= 0;
    l->down += end ? -1 : 1;
    fast_link_changed(w, idx, was_up && l->down > 0);
    return;
  }
  if (end)
    g_ptr_array_remove(l->delays, (gpointer)fault);
  else
    g_ptr_array_add(l->delays, (gpointer)fault);
  l->latency = net_faults_link_latency(l->base_latency, l->delays);
}

static void apply(fast_world *w, const fp_action *a)
{
  const sc_fault *fault = a->fault;
  bool end = a->kind == FP_END;
  if (a->kind == FP_BOOT)
    boot(w, fault);
  else if (is(fault, "crash"))
    crash(w, fault);
  else if (is(fault, "restart"))
    restart(w, fault);
  else if (is(fault, "pause"))
    pause_node(w, fault, end);
  else if (is(fault, "join"))
    join(w, fault);
  else if (is(fault, "partition") || is(fault, "loss") || is(fault, "duplicate"))
    network_fault(w, fault, end);
  else if (is(fault, "link-down") || is(fault, "delay"))
    link_fault(w, fault, end);
}

/* Applies every action due now, then schedules the next one. */
void fast_faults_apply(fast_world *w)
{
  GArray *actions = w->faults->actions;
  while (w->next_fault < actions->len) {
    const fp_action *a = &g_array_index(actions, fp_action, w->next_fault);
    if (a->t > w->now)
      break;
    w->next_fault++;
    w->faults_left = actions->len - w->next_fault;
    apply(w, a);
  }
  if (w->next_fault < actions->len)
    fast_push(w, g_array_index(actions, fp_action, w->next_fault).t, FE_FAULT, 1, 0, NULL, 0);
}
