/* The fault injector. The run advances with simgrid_run_until to each fault's time; the fault is
 * then applied from outside the simulation, so it happens at exactly that time whatever the
 * state of the hosts (an injector actor could itself be on a crashed host). */
#include "sim_faults.h"
#include "sim_link.h"
#include "scenario/fault_plan.h"
#include "scenario/net_faults.h"

#include <math.h>
#include <simgrid/actor.h>
#include <simgrid/engine.h>

struct sim_faults {
  sim_world *w;
  fault_plan *plan; /* the scenario's timeline (scenario/fault_plan.h) */
  GArray *actions;  /* fp_action, sorted by time: plan->actions */
  guint next;
  GPtrArray *active; /* sc_fault* of loss, duplicate and partition faults in force */
  GHashTable *links;         /* link name -> link_state* of links some fault acts on */
};

/* What the faults in force do to one platform link: overlapping faults compose, so that the
 * link is down while any link-down is in force and takes the largest latency among the delays
 * in force, and gets back what it had before the first one only when the last one ends. */
typedef struct link_state {
  double base;        /* its latency before any delay fault */
  int down;           /* link-down faults in force */
  GPtrArray *delays;  /* sc_fault* of the delay faults in force */
} link_state;

static void free_link_state(gpointer p)
{
  link_state *l = p;
  g_ptr_array_free(l->delays, TRUE);
  g_free(l);
}

static bool is(const sc_fault *f, const char *kind)
{
  return fault_is(f, kind);
}

/* The end of the scenario's duration (infinity without one): a pause without `until` ends there. */
static double run_end(const sim_faults *f)
{
  return f->w->sc->duration > 0 ? f->w->sc->duration : INFINITY;
}

static sim_node *node_named(sim_world *w, const char *name)
{
  return sim_node_by_name(w, name);
}

sim_faults *sim_faults_new(sim_world *w)
{
  sim_faults *f = g_new0(sim_faults, 1);
  f->w = w;
  f->plan = fault_plan_new(w->sc);
  f->actions = f->plan->actions;
  f->active = g_ptr_array_new();
  f->links = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free_link_state);
  w->faults_left = f->actions->len;
  return f;
}

void sim_faults_free(sim_faults *f)
{
  if (!f)
    return;
  fault_plan_free(f->plan);
  g_ptr_array_free(f->active, TRUE);
  g_hash_table_destroy(f->links);
  g_free(f);
}

bool sim_faults_next(const sim_faults *f, double *t)
{
  if (f->next >= f->actions->len)
    return false;
  *t = g_array_index(f->actions, fp_action, f->next).t;
  return true;
}

static void trace_fault_line(sim_world *w, const sc_fault *fault, const char *kind, const char *phase)
{
  fault_target t;
  fault_target_of(fault, phase, &t);
  trace_fault(w->trace, simgrid_get_clock(), kind, phase, t.pairs);
}

/* --- crashes, restarts, pauses, joins -------------------------------------------------------- */

/* A crash turns the node's host off: SimGrid kills every actor on it, so every node on that host
 * loses its memory (its store survives). */
static void crash(sim_faults *f, const sc_fault *fault)
{
  sim_world *w = f->w;
  sim_node *target = node_named(w, fault->node);
  if (!target || !target->up)
    return;
  trace_fault_line(w, fault, "crash", "start");
  sim_host_crash(w, target->host);
}

static void restart(sim_faults *f, const sc_fault *fault)
{
  sim_world *w = f->w;
  sim_node *target = node_named(w, fault->node);
  if (!target || target->up)
    return;
  trace_fault_line(w, fault, "crash", "end");
  trace_fault_line(w, fault, "restart", "start");
  sg_host_turn_on(target->host);
}

/* After the boot delay, every node of the host that is down starts again from its store. */
static void boot(sim_faults *f, const sc_fault *fault)
{
  sim_world *w = f->w;
  sim_node *target = node_named(w, fault->node);
  if (!target || target->up || !sg_host_is_on(target->host))
    return;
  trace_fault_line(w, fault, "restart", "end");
  sim_host_boot(w, target->host);
}

/* A pause freezes the node: its actors notice it before handling anything and sleep until the
 * pause is over (SimGrid cannot suspend an actor from outside the simulation). Messages wait in
 * its mailbox and it resumes with the beliefs it had. */
static void pause_node(sim_faults *f, const sc_fault *fault, bool resume)
{
  sim_world *w = f->w;
  sim_node *n = node_named(w, fault->node);
  trace_fault_line(w, fault, "pause", resume ? "end" : "start");
  if (n && !resume)
    n->paused_until = fault->until >= 0 ? MIN(fault->until, run_end(f)) : run_end(f);
}

static void join(sim_faults *f, const sc_fault *fault)
{
  sim_world *w = f->w;
  sim_node *n = node_named(w, fault->node);
  trace_fault_line(w, fault, "join", "start");
  if (!n || !n->joining || !sg_host_is_on(n->host))
    return;
  n->joining = false;
  sim_node_boot(n);
  sim_actors_spawn(n);
}

/* --- the network: partitions, loss, duplicates, links ----------------------------------------- */

/* Recomputes what the network does now from the faults in force (scenario/net_faults.c). */
static void recompute_network(sim_faults *f)
{
  sim_world *w = f->w;
  if (w->cut_n != w->nodes->len) {
    g_free(w->cut);
    w->cut_n = w->nodes->len;
    w->cut = g_new0(bool, (gsize)w->cut_n * w->cut_n);
  }
  net_faults_compute(w->plan, f->active, w->cut, w->cut_n, &w->loss_rate, &w->duplicate_rate);
}

static void network_fault(sim_faults *f, const sc_fault *fault, bool end)
{
  trace_fault_line(f->w, fault, fault->kind, end ? "end" : "start");
  if (end)
    g_ptr_array_remove(f->active, (gpointer)fault);
  else
    g_ptr_array_add(f->active, (gpointer)fault);
  recompute_network(f);
}

static link_state *link_of(sim_faults *f, const char *name)
{
  link_state *l = g_hash_table_lookup(f->links, name);
  if (!l) {
    l = g_new0(link_state, 1);
    l->delays = g_ptr_array_new();
    sim_link_get_latency(name, &l->base);
    g_hash_table_insert(f->links, (gpointer)name, l);
  }
  return l;
}

static void link_fault(sim_faults *f, const sc_fault *fault, bool end)
{
  trace_fault_line(f->w, fault, fault->kind, end ? "end" : "start");
  link_state *l = link_of(f, fault->link);
  if (is(fault, "link-down")) {
    l->down += end ? -1 : 1;
    sim_link_set_on(fault->link, l->down <= 0);
    return;
  }
  if (end)
    g_ptr_array_remove(l->delays, (gpointer)fault);
  else
    g_ptr_array_add(l->delays, (gpointer)fault);
  sim_link_set_latency(fault->link, net_faults_link_latency(l->base, l->delays), NULL);
}

static void apply(sim_faults *f, const fp_action *a)
{
  const sc_fault *fault = a->fault;
  bool end = a->kind == FP_END;
  if (a->kind == FP_BOOT)
    boot(f, fault);
  else if (is(fault, "crash"))
    crash(f, fault);
  else if (is(fault, "restart"))
    restart(f, fault);
  else if (is(fault, "pause"))
    pause_node(f, fault, end);
  else if (is(fault, "join"))
    join(f, fault);
  else if (is(fault, "partition") || is(fault, "loss") || is(fault, "duplicate"))
    network_fault(f, fault, end);
  else if (is(fault, "link-down") || is(fault, "delay"))
    link_fault(f, fault, end);
}

/* Actions that start nodes (a boot, a join) spawn actors from outside the simulation; they run
 * their first step (the node starts) before the next action of the same instant, because
 * SimGrid 3.32 leaves a half-dead actor behind when a host goes off before an actor on it ever
 * ran (a boot and a crash at the same time). */
void sim_faults_apply_due(sim_faults *f, double now)
{
  while (f->next < f->actions->len) {
    const fp_action *a = &g_array_index(f->actions, fp_action, f->next);
    if (a->t > now)
      return;
    f->next++;
    f->w->faults_left = f->actions->len - f->next;
    apply(f, a);
    bool spawns = a->kind == FP_BOOT || is(a->fault, "join");
    if (spawns && f->next < f->actions->len && g_array_index(f->actions, fp_action, f->next).t <= now)
      simgrid_run_until(simgrid_get_clock());
  }
}
